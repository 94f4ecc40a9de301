/* Benchmark input: copies every connection of a sample capture many times,
 * each copy with its own client address (checksums recomputed) and
 * `concurrency` copies interleaved packet by packet, so hundreds of
 * connections are open at once as on a busy admin network.
 *
 *   bench_gen SAMPLE.pcap OUT.pcap COPIES CONCURRENCY
 *
 * Only Ethernet + IPv4 + TCP samples (iisreset-remote) are handled. */
#define _DEFAULT_SOURCE /* u_char and friends in pcap.h under -std=c11 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

typedef struct frame {
    struct pcap_pkthdr hdr;
    uint8_t *data;
} frame;

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)~acc;
}

/* Gives the client (address `client`) of an Ethernet/IPv4/TCP frame the
 * address of copy `copy`, keeping the ports (the address alone makes each
 * copy's connections distinct), and fixes both checksums. */
static void rewrite(uint8_t *p, uint32_t caplen, const uint8_t client[4], uint32_t copy)
{
    if (caplen < 14 + 20 + 20 || p[12] != 0x08 || p[13] != 0x00)
        return;
    uint8_t *ip = p + 14;
    size_t ihl = (size_t)(ip[0] & 0x0F) * 4;
    size_t total = (size_t)(ip[2] << 8 | ip[3]);
    if (ip[9] != 6 || 14 + total > caplen || ihl < 20)
        return;
    uint8_t *tcp = ip + ihl;
    uint8_t new_addr[4] = {10, (uint8_t)(100 + copy / 62500), (uint8_t)(copy / 250 % 250), (uint8_t)(1 + copy % 250)};
    if (memcmp(ip + 12, client, 4) == 0)
        memcpy(ip + 12, new_addr, 4);
    else if (memcmp(ip + 16, client, 4) == 0)
        memcpy(ip + 16, new_addr, 4);
    ip[10] = ip[11] = 0;
    uint16_t c = sum16(ip, ihl, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    size_t tcp_len = total - ihl;
    tcp[16] = tcp[17] = 0;
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)(tcp_len >> 8);
    pseudo[11] = (uint8_t)tcp_len;
    uint32_t acc = (uint16_t)~sum16(pseudo, sizeof pseudo, 0);
    c = sum16(tcp, tcp_len, acc);
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s SAMPLE.pcap OUT.pcap COPIES CONCURRENCY\n", argv[0]);
        return 2;
    }
    long copies = strtol(argv[3], NULL, 10), concurrency = strtol(argv[4], NULL, 10);
    if (copies <= 0 || concurrency <= 0)
        return 2;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(argv[1], err);
    if (!in) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    size_t n = 0, cap = 64;
    frame *frames = malloc(cap * sizeof *frames);
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(in, &h, &d) == 1) {
        if (n == cap)
            frames = realloc(frames, (cap *= 2) * sizeof *frames);
        frames[n].hdr = *h;
        frames[n].data = malloc(h->caplen);
        memcpy(frames[n].data, d, h->caplen);
        n++;
    }
    if (n == 0 || frames[0].hdr.caplen < 14 + 20 + 20) {
        fprintf(stderr, "%s: no usable frames\n", argv[1]);
        return 1;
    }
    /* The client is the sender of the first frame (the SYN). */
    uint8_t client[4];
    memcpy(client, frames[0].data + 14 + 12, 4);

    pcap_dumper_t *out = pcap_dump_open(in, argv[2]);
    if (!out) {
        fprintf(stderr, "%s: %s\n", argv[2], pcap_geterr(in));
        return 1;
    }
    uint8_t *buf = malloc(65536);
    struct timeval base = frames[0].hdr.ts;
    long written = 0;
    for (long group = 0; group < copies; group += concurrency) {
        long in_group = copies - group < concurrency ? copies - group : concurrency;
        /* frame j of every copy of the group, then frame j+1 ... */
        for (size_t j = 0; j < n; j++) {
            for (long k = 0; k < in_group; k++) {
                long copy = group + k;
                struct pcap_pkthdr hdr = frames[j].hdr;
                memcpy(buf, frames[j].data, hdr.caplen);
                rewrite(buf, hdr.caplen, client, (uint32_t)copy);
                /* each group starts 10 s after the previous; copies 1 ms apart */
                long long us = (long long)(frames[j].hdr.ts.tv_sec - base.tv_sec) * 1000000LL +
                               (frames[j].hdr.ts.tv_usec - base.tv_usec) + (group / concurrency) * 10000000LL + k * 1000LL;
                hdr.ts.tv_sec = base.tv_sec + (time_t)(us / 1000000);
                hdr.ts.tv_usec = (suseconds_t)(us % 1000000);
                pcap_dump((u_char *)out, &hdr, buf);
                written++;
            }
        }
    }
    pcap_dump_close(out);
    pcap_close(in);
    fprintf(stderr, "bench_gen: %ld frames, %ld connections of %zu frames\n", written, copies, n);
    for (size_t i = 0; i < n; i++)
        free(frames[i].data);
    free(frames);
    free(buf);
    return 0;
}
