#define _DEFAULT_SOURCE /* gmtime_r, u_char in pcap.h */
#include "capfile.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytebuf.h"

/* pcapng block types and options (pcapng spec, IETF draft). */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_IF_TSRESOL 9

int cap_open_pcap(capfile *c, const char *path, int linktype, uint32_t snaplen, uint64_t start_ns)
{
    memset(c, 0, sizeof *c);
    c->linktype = linktype;
    c->snaplen = snaplen;
    c->now_ns = start_ns;
    pcap_t *p = pcap_open_dead_with_tstamp_precision(linktype, (int)snaplen, PCAP_TSTAMP_PRECISION_MICRO);
    if (!p)
        return -1;
    pcap_dumper_t *d = pcap_dump_open(p, path);
    if (!d) {
        fprintf(stderr, "iiss-samplegen: %s: %s\n", path, pcap_geterr(p));
        pcap_close(p);
        return -1;
    }
    c->pcap = p;
    c->dumper = d;
    return 0;
}

/* A pcapng block: type, total length, body, padding to 4, total length. */
static void ng_write_block(capfile *c, uint32_t type, const bytebuf *body)
{
    bytebuf block;
    bb_init(&block);
    size_t padded = (body->len + 3u) & ~(size_t)3u;
    uint32_t total = (uint32_t)(12u + padded);
    bb_put_u32le(&block, type);
    bb_put_u32le(&block, total);
    bb_put_bytes(&block, body->data, body->len);
    bb_put_zeros(&block, padded - body->len);
    bb_put_u32le(&block, total);
    fwrite(block.data, 1, block.len, c->ng);
    bb_free(&block);
}

int cap_open_pcapng(capfile *c, const char *path, int linktype, uint32_t snaplen, uint64_t start_ns)
{
    memset(c, 0, sizeof *c);
    c->pcapng = true;
    c->linktype = linktype;
    c->snaplen = snaplen;
    c->now_ns = start_ns;
    c->ng = fopen(path, "wb");
    if (!c->ng) {
        perror(path);
        return -1;
    }
    bytebuf body;
    bb_init(&body);
    /* Section Header Block: magic, version 1.0, section length unknown. */
    bb_put_u32le(&body, PCAPNG_BYTE_ORDER_MAGIC);
    bb_put_u16le(&body, 1);
    bb_put_u16le(&body, 0);
    bb_put_u32le(&body, 0xFFFFFFFFu);
    bb_put_u32le(&body, 0xFFFFFFFFu);
    ng_write_block(c, PCAPNG_SHB, &body);
    /* Interface Description Block with if_tsresol = 10^-9. */
    bb_clear(&body);
    bb_put_u16le(&body, (uint16_t)linktype);
    bb_put_u16le(&body, 0);
    bb_put_u32le(&body, snaplen);
    bb_put_u16le(&body, PCAPNG_OPT_IF_TSRESOL);
    bb_put_u16le(&body, 1);
    bb_put_u8(&body, 9);
    bb_put_zeros(&body, 3);
    bb_put_u16le(&body, PCAPNG_OPT_END);
    bb_put_u16le(&body, 0);
    ng_write_block(c, PCAPNG_IDB, &body);
    bb_free(&body);
    return 0;
}

uint32_t cap_write(capfile *c, const uint8_t *frame, size_t len)
{
    size_t captured = len < c->snaplen ? len : c->snaplen;
    if (c->pcapng) {
        bytebuf body;
        bb_init(&body);
        bb_put_u32le(&body, 0); /* interface 0 */
        bb_put_u32le(&body, (uint32_t)(c->now_ns >> 32));
        bb_put_u32le(&body, (uint32_t)c->now_ns);
        bb_put_u32le(&body, (uint32_t)captured);
        bb_put_u32le(&body, (uint32_t)len);
        bb_put_bytes(&body, frame, captured);
        ng_write_block(c, PCAPNG_EPB, &body);
        bb_free(&body);
    } else {
        struct pcap_pkthdr hdr;
        memset(&hdr, 0, sizeof hdr);
        hdr.ts.tv_sec = (time_t)(c->now_ns / 1000000000u);
        hdr.ts.tv_usec = (suseconds_t)((c->now_ns % 1000000000u) / 1000u);
        hdr.caplen = (bpf_u_int32)captured;
        hdr.len = (bpf_u_int32)len;
        pcap_dump((u_char *)c->dumper, &hdr, frame);
    }
    if (c->frames == c->frame_ns_cap) {
        c->frame_ns_cap = c->frame_ns_cap ? c->frame_ns_cap * 2 : 256;
        c->frame_ns = realloc(c->frame_ns, c->frame_ns_cap * sizeof *c->frame_ns);
        if (!c->frame_ns)
            abort();
    }
    c->frame_ns[c->frames] = c->now_ns;
    return ++c->frames;
}

uint64_t cap_frame_time(const capfile *c, uint32_t number)
{
    return number >= 1 && number <= c->frames ? c->frame_ns[number - 1] : 0;
}

void cap_advance_us(capfile *c, uint64_t microseconds)
{
    c->now_ns += microseconds * 1000u;
}

int cap_close(capfile *c)
{
    int rc = 0;
    if (c->pcapng) {
        if (fclose(c->ng) != 0)
            rc = -1;
    } else {
        pcap_dump_close((pcap_dumper_t *)c->dumper);
        pcap_close((pcap_t *)c->pcap);
    }
    free(c->frame_ns);
    memset(c, 0, sizeof *c);
    return rc;
}

void cap_format_time(uint64_t ns, char out[32])
{
    time_t secs = (time_t)(ns / 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%06uZ", date, (unsigned)((ns % 1000000000u) / 1000u));
}
