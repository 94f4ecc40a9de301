/* The floors every capture reader is measured against (tests/bench):
 *
 *   bench_floor pcap CAPTURE   libpcap's offline loop touching each record
 *                              once (one byte of it): the least any libpcap
 *                              reader pays, the benchmark's honest floor;
 *   bench_floor read CAPTURE   read(2) of the file in blocks and a sum over
 *                              its 64-bit words (a loop the compiler
 *                              vectorises): the file's bytes at memory speed;
 *   bench_floor fold CAPTURE   libpcap's loop folding every byte serially
 *                              (fold = fold * 31 + byte): each step waits for
 *                              the previous one, so it measures the latency of
 *                              a multiply-add chain, not reading; it is the old
 *                              "bare loop" kept only to compare with the old
 *                              figures, never a floor.
 *
 * Each prints what it counted, so the work cannot be optimised away. */
#define _DEFAULT_SOURCE /* u_char and friends in pcap.h under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

/* A block well inside L2: the kernel's copy and the sum stay in cache. */
#define READ_BLOCK_BYTES (256u * 1024u)

static int floor_pcap(const char *path, int fold_every_byte)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", path, err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t frames = 0, bytes = 0, touched = 0;
    uint32_t fold = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        frames++;
        bytes += h->caplen;
        if (fold_every_byte) {
            for (uint32_t i = 0; i < h->caplen; i++)
                fold = fold * 31 + d[i];
        } else if (h->caplen > 0) {
            touched += d[h->caplen - 1];
        }
    }
    if (rc == -1)
        fprintf(stderr, "%s: %s\n", path, pcap_geterr(p));
    pcap_close(p);
    if (fold_every_byte)
        printf("%llu frames, %llu bytes (fold %08x)\n", (unsigned long long)frames, (unsigned long long)bytes, fold);
    else
        printf("%llu frames, %llu bytes (touched %llu)\n", (unsigned long long)frames, (unsigned long long)bytes,
               (unsigned long long)touched);
    return rc == -1;
}

static int floor_read(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    static uint64_t block[READ_BLOCK_BYTES / sizeof(uint64_t)];
    uint64_t sum = 0, bytes = 0;
    for (;;) {
        ssize_t n = read(fd, block, sizeof block);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            close(fd);
            return 1;
        }
        if (n == 0)
            break;
        size_t words = (size_t)n / sizeof(uint64_t);
        /* independent additions: vectorised, memory-bound */
        for (size_t i = 0; i < words; i++)
            sum += block[i];
        for (size_t i = words * sizeof(uint64_t); i < (size_t)n; i++)
            sum += ((const uint8_t *)block)[i];
        bytes += (uint64_t)n;
    }
    close(fd);
    printf("%llu bytes (sum %016llx)\n", (unsigned long long)bytes, (unsigned long long)sum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "pcap") == 0)
        return floor_pcap(argv[2], 0);
    if (argc == 3 && strcmp(argv[1], "fold") == 0)
        return floor_pcap(argv[2], 1);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return floor_read(argv[2]);
    fprintf(stderr, "usage: %s pcap|read|fold CAPTURE\n", argv[0]);
    return 2;
}
