/* The floor for any capture reader: libpcap's offline loop touching every
 * byte of every record, nothing else. */
#define _DEFAULT_SOURCE /* u_char and friends in pcap.h under -std=c11 */
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t frames = 0, bytes = 0;
    uint32_t fold = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        frames++;
        bytes += h->caplen;
        for (uint32_t i = 0; i < h->caplen; i++)
            fold = fold * 31 + d[i];
    }
    pcap_close(p);
    printf("%llu frames, %llu bytes (fold %08x)\n", (unsigned long long)frames, (unsigned long long)bytes, fold);
    return 0;
}
