/* The capture chain, wired once: packets → link/IP (netlayer) → TCP
 * reassembly → DCE/RPC → DCOM activations and IIS calls → the caller's
 * record callbacks (one stream of records in request order; and the
 * actions grouping the calls, iiss_pipeline_set_action_fn). Fed
 * either capture files (iiss_pipeline_run_files) or packets one by one
 * (iiss_pipeline_feed: a live capture, a test, a fuzz target), each input
 * ended by iiss_pipeline_end_input. A chain made with
 * iiss_pipeline_new_streams stops after TCP and hands the streams to a sink.
 *
 * Files are read in the order given, each in one pass. Frame numbers restart
 * at 1 for each file (as tshark numbers a single file) and no stream carries
 * over from one file to the next: at the end of each file every stream is
 * flushed and closed and every call record of it released, before
 * on_file_end. Stream ids stay unique over the whole run.
 *
 * Memory: one budget (memory_budget.h) over every stage's state and
 * buffers, made by the chain from cfg.memory; each stage charges it on
 * behalf of the connection, the TCP stage makes room by the connections'
 * capture-time activity (tcp_reassembly.h), and what a limit dropped is
 * counted (iiss_pipeline_stats.memory and the stages' counters) and noted
 * on the calls it concerns (limit_reached).
 *
 * Out of memory, one policy for every stage: nothing aborts; what the failed
 * allocation was for (a flow, a held segment, a connection's DCE/RPC state,
 * a call, a buffer growth, an identity, a call record, a STATUS_BLOB's
 * decoding) is lost and counted (tcp.alloc_failures, dce.alloc_failures,
 * calls.records_dropped and blobs_dropped, actions.records_dropped,
 * activations.records_dropped, activation_ipids_dropped: see
 * iiss_pipeline_alloc_failures), so a front end can say its output is
 * incomplete (iissdump does, and exits 1). */
#ifndef IISS_PIPELINE_H
#define IISS_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activations.h"
#include "capture_file.h"
#include "dcerpc.h"
#include "iiss_actions.h"
#include "iiss_calls.h"
#include "netlayer.h"
#include "tcp_reassembly.h"
#include "tcp_stream.h"

/* Zero fields (and a NULL config) take the defaults. */
typedef struct iiss_pipeline_config {
    const char *filter; /* BPF expression applied to files, or NULL */
    iiss_memory_config memory;
    iiss_tcp_config tcp; /* its memory field is the chain's budget, whatever it says */
    iiss_dce_config dce; /* likewise */
    iiss_calls_config calls;
    iiss_actions_config actions;
    iiss_activations_config activations;
    /* Bytes read between two progress callbacks (0: 4 MiB). */
    uint64_t progress_interval_bytes;
} iiss_pipeline_config;

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

/* Every stage's counters since the chain was made (dce and calls stay zero
 * in a streams-only chain). */
typedef struct iiss_pipeline_stats {
    size_t files_ok;
    size_t files_failed; /* any status other than OK */
    uint64_t frames;     /* records read over all files, and packets fed */
    uint64_t frames_filtered_out;
    uint64_t bytes_read;
    iiss_net_stats net;
    iiss_memory_stats memory;
    iiss_tcp_stats tcp;
    iiss_dce_stats dce;
    iiss_calls_stats calls;
    iiss_actions_stats actions;
    iiss_activations_stats activations;
    uint64_t activation_ipids_dropped; /* IPIDs the call stage could not keep for lack of memory */
} iiss_pipeline_stats;

void iiss_pipeline_config_default(iiss_pipeline_config *cfg);

typedef struct iiss_pipeline iiss_pipeline;

/* The whole chain, handing each IIS call record to on_record (in request
 * order; the record is valid during the call). NULL when out of memory. */
iiss_pipeline *iiss_pipeline_new(const iiss_pipeline_config *cfg, iiss_call_fn on_record, void *user);
/* The actions too (iiss_actions.h): the calls grouped into iisreset runs,
 * each handed to on_action once no later call can join it, at the latest
 * at the end of its input. NULL: not wanted (the stage then does nothing). */
void iiss_pipeline_set_action_fn(iiss_pipeline *pl, iiss_action_fn on_action, void *user);
/* The DCOM activations too (activations.h), interleaved with the call
 * records by request order: an activation comes before every call requested
 * after it. NULL: not wanted (the IPIDs are still used for the calls'
 * activation_frame). */
void iiss_pipeline_set_activation_fn(iiss_pipeline *pl, iiss_activation_fn on_activation, void *user);
/* The transport half only: TCP streams into `sink` (copied). */
iiss_pipeline *iiss_pipeline_new_streams(const iiss_pipeline_config *cfg, const iiss_stream_sink *sink);

/* One packet of link type `linktype` (a DLT_ value): `caplen` bytes at
 * `data` of a frame `wirelen` long on the wire. meta->frame is the caller's
 * numbering (1-based, per input). Returns what the link/IP stage made of it
 * (IISS_NET_UNSUPPORTED_LINK for a link type it does not decode). */
iiss_net_result iiss_pipeline_feed(iiss_pipeline *pl, int linktype, const iiss_packet_meta *meta,
                                   const uint8_t *data, size_t caplen, size_t wirelen);
/* End of one input: every stream is flushed and closed and every held call
 * record released. The chain stays usable. */
void iiss_pipeline_end_input(iiss_pipeline *pl);

/* Runs the files through the chain, ending each as an input. `cb` may be
 * NULL. Returns the number of files that could not be read fully (0: all
 * good; the CLI exits 1 otherwise). */
size_t iiss_pipeline_run_files(iiss_pipeline *pl, const char *const *paths, size_t count,
                               const iiss_pipeline_callbacks *cb);

/* The application half's sink (DCE/RPC onward), for streams built by hand
 * (tests, fuzz scripts); close them through it before iiss_pipeline_free.
 * A streams-only chain has none (all callbacks NULL). */
iiss_stream_sink iiss_pipeline_stream_sink(iiss_pipeline *pl);

void iiss_pipeline_get_stats(const iiss_pipeline *pl, iiss_pipeline_stats *out);
/* Every allocation failure the stages counted (0: the output is whole). */
uint64_t iiss_pipeline_alloc_failures(const iiss_pipeline_stats *stats);
/* Ends the input, then frees. NULL is fine. */
void iiss_pipeline_free(iiss_pipeline *pl);

const char *iiss_pipeline_file_status_name(iiss_pipeline_file_status s);

#endif
