/* The transport half of iissdump: capture files → link/IP → TCP reassembly,
 * fed into a caller's iiss_stream_sink. Knows nothing of DCE/RPC.
 *
 * Files are read in the order given, each in one pass. Frame numbers restart
 * at 1 for each file (as tshark numbers a single file) and no stream carries
 * over from one file to the next: every stream is flushed and closed at the
 * end of its file. Stream ids stay unique over the whole run. */
#ifndef IISS_PIPELINE_H
#define IISS_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_file.h"
#include "netlayer.h"
#include "tcp_reassembly.h"
#include "tcp_stream.h"

typedef struct iiss_pipeline_options {
    const char *filter;   /* BPF expression or NULL */
    iiss_tcp_options tcp; /* zero fields take the defaults */
    /* Bytes read between two progress callbacks (0: 4 MiB). */
    uint64_t progress_interval_bytes;
} iiss_pipeline_options;

typedef enum iiss_pipeline_file_status {
    IISS_PIPELINE_FILE_OK = 0,
    IISS_PIPELINE_FILE_OPEN_FAILED,      /* missing, unreadable, a directory, not a capture */
    IISS_PIPELINE_FILE_FILTER_FAILED,    /* the filter does not compile for the file's link type */
    IISS_PIPELINE_FILE_UNSUPPORTED_LINK, /* nothing read: link type not handled */
    IISS_PIPELINE_FILE_TRUNCATED,        /* read up to a cut: packets before it were processed */
    IISS_PIPELINE_FILE_READ_ERROR,       /* read up to an error: packets before it were processed */
} iiss_pipeline_file_status;

typedef struct iiss_pipeline_file_result {
    const char *path;
    size_t index; /* position in the list, 0-based */
    iiss_pipeline_file_status status;
    /* Why, when status is not OK: "No such file or directory", "is a
     * directory", "truncated capture: ...". Without the path. */
    const char *message;
    int linktype;    /* -1 when the file did not open */
    uint64_t frames; /* records read, including filtered-out ones */
    uint64_t bytes_total;
    /* Packets of pcapng interfaces whose link type is not decoded (a file
     * whose first interface has one is refused instead), and the first
     * such link type (-1: none). */
    uint64_t unsupported_link_packets;
    int unsupported_linktype;
} iiss_pipeline_file_result;

typedef struct iiss_pipeline_progress {
    const char *path;
    size_t index;
    size_t count;         /* number of files */
    uint64_t bytes_read;  /* in this file */
    uint64_t bytes_total; /* size of this file, 0 when unknown (a pipe) */
    uint64_t frames;      /* in this file */
    /* Over all files: bytes of the files already done plus this one's. */
    uint64_t all_bytes_read;
    uint64_t all_bytes_total; /* 0 when some size is unknown */
} iiss_pipeline_progress;

typedef struct iiss_pipeline_callbacks {
    void *user;
    /* Every callback may be NULL. */
    void (*on_file_start)(void *user, const char *path, size_t index, int linktype);
    /* Once per file, also for files that did not open; the streams of the
     * file are already closed when it is called. */
    void (*on_file_end)(void *user, const iiss_pipeline_file_result *result);
    /* Every progress_interval_bytes and once at the end of each file. */
    void (*on_progress)(void *user, const iiss_pipeline_progress *progress);
} iiss_pipeline_callbacks;

typedef struct iiss_pipeline_stats {
    size_t files_ok;
    size_t files_failed; /* any status other than OK */
    uint64_t frames;     /* records read over all files */
    uint64_t frames_filtered_out;
    uint64_t bytes_read;
    iiss_net_stats net;
    iiss_tcp_stats tcp;
} iiss_pipeline_stats;

void iiss_pipeline_options_default(iiss_pipeline_options *opts);

/* Runs the files through to `sink`. `opts`, `cb` and `stats` may be NULL.
 * Returns the number of files that could not be read fully (0: all good;
 * the CLI exits 1 otherwise), or -1 when out of memory. */
int iiss_pipeline_run(const char *const *paths, size_t count, const iiss_pipeline_options *opts,
                      const iiss_stream_sink *sink, const iiss_pipeline_callbacks *cb, iiss_pipeline_stats *stats);

const char *iiss_pipeline_file_status_name(iiss_pipeline_file_status s);

#endif
