/* Fuzzes the capture file reader alone (capture_input, pcapng_reader,
 * libpcap for classic pcap, the per-link-type BPF filter), faster than the
 * whole pipeline of fuzz_capture. The first byte picks the filter (none, or
 * one of a few that compile for some link types and not others); the rest
 * is the file, plain or gzip. Every delivered byte is read, and what the
 * reader reports must be consistent. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_file.h"

static const char *const filters[] = {
    NULL,
    "tcp",
    "tcp[13] & 8 != 0",
    "ether host 02:00:00:00:00:05", /* not on Linux cooked or raw IP */
    "ip6 or vlan",
};

static volatile uint32_t sink;
static char scratch_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!scratch_path[0])
        snprintf(scratch_path, sizeof scratch_path, "/tmp/fuzz_capture_file.%ld", (long)getpid());
    FILE *f = fopen(scratch_path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    const char *filter = filters[data[0] % (sizeof filters / sizeof filters[0])];
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    if (iiss_capture_file_open(scratch_path, filter, &cf, err, sizeof err) == IISS_CAPTURE_OPENED) {
        iiss_capture_packet pkt;
        uint64_t last_frame = 0;
        iiss_capture_status st;
        while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET) {
            if (pkt.frame <= last_frame || pkt.ts_nsec >= 1000000000u || pkt.wirelen < pkt.caplen)
                abort();
            last_frame = pkt.frame;
            for (uint32_t i = 0; i < pkt.caplen; i++)
                sink += pkt.data[i];
        }
        if (iiss_capture_file_frames(cf) < last_frame || iiss_capture_file_next(cf, &pkt) != st)
            abort();
        if (st != IISS_CAPTURE_END && !iiss_capture_file_error(cf)[0])
            abort(); /* a stop is always explained */
        sink += (uint32_t)iiss_capture_file_bytes_read(cf);
        iiss_capture_file_close(cf);
    } else if (!err[0]) {
        abort();
    }
    unlink(scratch_path);
    return 0;
}
