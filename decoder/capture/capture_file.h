/* Stage 1 of the capture pipeline: records of one capture file with
 * nanosecond timestamps. Accepted: classic pcap (libpcap's offline reader),
 * pcapng (pcapng_reader.h: interfaces of different link types, every
 * timestamp resolution and offset, several sections), each of them plain or
 * gzip-compressed (capture_input.h, told by magic, also on standard input).
 *
 * Frame numbers count every record of the file, as tshark does, even when a
 * BPF filter hides some of them: the filter is applied here per packet
 * (pcap_offline_filter) rather than inside libpcap (pcap_setfilter), which
 * would silently skip records and shift the numbering. A pcapng file gets
 * the filter compiled once per link type among its interfaces, and each
 * packet is run through the program of its own interface's link type. */
#ifndef IISS_CAPTURE_FILE_H
#define IISS_CAPTURE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct iiss_capture_file iiss_capture_file;

/* Room for any message this stage produces (libpcap's own are shorter). */
#define IISS_CAPTURE_ERROR_MAX 512

/* One record as it sits in the file. `data` is owned by the reader and
 * valid until the next iiss_capture_file_next() call. */
typedef struct iiss_capture_packet {
    uint64_t frame;   /* 1-based record number within the file, as tshark counts */
    int linktype;     /* DLT_ value of the packet's interface */
    uint32_t interface; /* pcapng interface index within its section; 0 for pcap */
    int64_t ts_sec;   /* UTC seconds */
    uint32_t ts_nsec; /* nanoseconds; a pcapng Simple Packet Block has no time of
                       * its own and gets that of the packet before it */
    uint32_t caplen;  /* bytes present in `data` */
    uint32_t wirelen; /* bytes the frame had on the wire */
    const uint8_t *data;
} iiss_capture_packet;

typedef enum iiss_capture_status {
    IISS_CAPTURE_PACKET = 0, /* *out holds the next packet that passed the filter */
    IISS_CAPTURE_END,        /* clean end of file */
    IISS_CAPTURE_TRUNCATED,  /* the file stops inside a record: everything before it was delivered */
    IISS_CAPTURE_READ_ERROR, /* any other failure while reading */
} iiss_capture_status;

typedef enum iiss_capture_open_status {
    IISS_CAPTURE_OPENED = 0,
    IISS_CAPTURE_OPEN_FAILED,   /* missing, unreadable, a directory, empty, not a capture... */
    IISS_CAPTURE_FILTER_FAILED, /* the BPF expression does not compile for a link type of the file */
} iiss_capture_open_status;

/* Opens `path` ("-" reads standard input). `filter` is a BPF expression or
 * NULL. On failure *out is NULL and `err` holds a reason without the path
 * (the caller prints "path: reason"). */
iiss_capture_open_status iiss_capture_file_open(const char *path, const char *filter, iiss_capture_file **out,
                                                char *err, size_t err_len);

/* The same over an open stream (an in-memory capture through fmemopen, a
 * socket) of `size` bytes (0: unknown). The stream is the capture file's
 * from here on, closed with it or on failure (except stdin). */
iiss_capture_open_status iiss_capture_file_open_stream(FILE *fp, uint64_t size, const char *filter,
                                                       iiss_capture_file **out, char *err, size_t err_len);

/* Reads records until one passes the filter. After TRUNCATED or READ_ERROR,
 * iiss_capture_file_error() says why; further calls return the same status.
 * A pcapng interface declared after the first packet whose link type the
 * filter does not compile for ends the file with READ_ERROR. */
iiss_capture_status iiss_capture_file_next(iiss_capture_file *cf, iiss_capture_packet *out);

const char *iiss_capture_file_error(const iiss_capture_file *cf);

/* The DLT_ value of the file (classic pcap) or of its first interface
 * (pcapng; -1 when it declares none before its first packet). */
int iiss_capture_file_linktype(const iiss_capture_file *cf);
/* Records read so far, including those the filter rejected and pcapng
 * records tshark counts as frames that hold no packet (journal entries,
 * custom blocks). */
uint64_t iiss_capture_file_frames(const iiss_capture_file *cf);
uint64_t iiss_capture_file_frames_filtered_out(const iiss_capture_file *cf);

/* For a progress display: size of the input in bytes (0 when unknown, as
 * for a pipe) and how far the reader has got. */
uint64_t iiss_capture_file_size(const iiss_capture_file *cf);
uint64_t iiss_capture_file_bytes_read(const iiss_capture_file *cf);

void iiss_capture_file_close(iiss_capture_file *cf);

/* True for pcapng (its interfaces may differ in link type), false for
 * classic pcap. */
bool iiss_capture_file_is_pcapng(const iiss_capture_file *cf);

/* True once the input turned out to be gzip-compressed. */
bool iiss_capture_file_compressed(const iiss_capture_file *cf);

/* Sum of the sizes of the regular files among `paths`, for progress:
 * missing and other files count 0 bytes; *all_known is false when one of
 * them is standard input ("-"), whose size is never known. */
uint64_t iiss_capture_files_size(const char *const *paths, size_t count, bool *all_known);

/* libpcap's name for a DLT_ value ("EN10MB"), or NULL. */
const char *iiss_capture_linktype_name(int linktype);

/* Compiles `filter` once against Ethernet so a command line can reject a
 * bad expression before opening any file (usage error). */
bool iiss_capture_filter_check(const char *filter, char *err, size_t err_len);

#endif
