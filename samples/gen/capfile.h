/* Capture file writer: classic pcap through libpcap (pcap_open_dead +
 * pcap_dump), or pcapng written block by block (SHB, one IDB with
 * if_tsresol = 9 for nanoseconds, EPBs). Holds the capture clock and counts
 * frames the way tshark numbers them (from 1). */
#ifndef SAMPLEGEN_CAPFILE_H
#define SAMPLEGEN_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct capfile {
    bool pcapng;
    int linktype;
    uint32_t snaplen;
    void *pcap;        /* pcap_t * (classic pcap) */
    void *dumper;      /* pcap_dumper_t * (classic pcap) */
    FILE *ng;          /* pcapng output */
    uint64_t now_ns;   /* capture clock, nanoseconds since the Unix epoch */
    uint32_t frames;   /* frames written so far */
    uint64_t *frame_ns; /* timestamp of each frame, index = number - 1 */
    size_t frame_ns_cap;
} capfile;

/* LINKTYPE values used here. */
#define CAP_LINKTYPE_ETHERNET 1
#define CAP_LINKTYPE_LINUX_SLL 113

int cap_open_pcap(capfile *c, const char *path, int linktype, uint32_t snaplen, uint64_t start_ns);
int cap_open_pcapng(capfile *c, const char *path, int linktype, uint32_t snaplen, uint64_t start_ns);
/* Writes one frame at the current clock; returns its frame number. Frames
 * longer than snaplen are cut (the original length is kept). */
uint32_t cap_write(capfile *c, const uint8_t *frame, size_t len);
void cap_advance_us(capfile *c, uint64_t microseconds);
/* Timestamp of frame `number` (1-based); 0 when out of range. */
uint64_t cap_frame_time(const capfile *c, uint32_t number);
int cap_close(capfile *c);

/* "2024-05-14T09:30:01.250000Z" for a clock value. */
void cap_format_time(uint64_t ns, char out[32]);

#endif
