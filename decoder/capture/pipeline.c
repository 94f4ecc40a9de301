/* Driver of the transport stages: capture_file → netlayer → tcp_reassembly
 * into the caller's sink, one file after another. */
#define _DEFAULT_SOURCE /* stat under -std=c11 */

#include "pipeline.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_PROGRESS_INTERVAL (4u * 1024 * 1024)
/* ftell is cheap but not free: look at the position every so many packets. */
#define PROGRESS_CHECK_PACKETS 1024u

void iiss_pipeline_options_default(iiss_pipeline_options *opts)
{
    memset(opts, 0, sizeof *opts);
    iiss_tcp_options_default(&opts->tcp);
    opts->progress_interval_bytes = DEFAULT_PROGRESS_INTERVAL;
}

const char *iiss_pipeline_file_status_name(iiss_pipeline_file_status s)
{
    switch (s) {
    case IISS_PIPELINE_FILE_OK:
        return "ok";
    case IISS_PIPELINE_FILE_OPEN_FAILED:
        return "open_failed";
    case IISS_PIPELINE_FILE_FILTER_FAILED:
        return "filter_failed";
    case IISS_PIPELINE_FILE_UNSUPPORTED_LINK:
        return "unsupported_link";
    case IISS_PIPELINE_FILE_TRUNCATED:
        return "truncated";
    case IISS_PIPELINE_FILE_READ_ERROR:
        return "read_error";
    }
    return NULL;
}

typedef struct run_state {
    const char *const *paths;
    size_t count;
    const iiss_pipeline_options *opts;
    const iiss_pipeline_callbacks *cb;
    iiss_tcp_reassembler *tcp;
    iiss_pipeline_stats *stats;
    uint64_t done_bytes;      /* bytes of the files already finished */
    uint64_t all_bytes_total; /* 0 when some size is unknown */
} run_state;

static void report_progress(run_state *rs, size_t index, const iiss_capture_file *cf)
{
    if (!rs->cb || !rs->cb->on_progress)
        return;
    iiss_pipeline_progress p = {
        .path = rs->paths[index],
        .index = index,
        .count = rs->count,
        .bytes_read = iiss_capture_file_bytes_read(cf),
        .bytes_total = iiss_capture_file_size(cf),
        .frames = iiss_capture_file_frames(cf),
    };
    p.all_bytes_read = rs->done_bytes + p.bytes_read;
    p.all_bytes_total = rs->all_bytes_total;
    rs->cb->on_progress(rs->cb->user, &p);
}

static void end_file(run_state *rs, iiss_pipeline_file_result *result)
{
    if (result->status == IISS_PIPELINE_FILE_OK)
        rs->stats->files_ok++;
    else
        rs->stats->files_failed++;
    if (rs->cb && rs->cb->on_file_end)
        rs->cb->on_file_end(rs->cb->user, result);
}

/* Reads one file through to the sink; its streams are closed at the end. */
static void run_file(run_state *rs, size_t index)
{
    const char *path = rs->paths[index];
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_pipeline_file_result result = {
        .path = path, .index = index, .linktype = -1, .message = "", .unsupported_linktype = -1};
    iiss_capture_file *cf;
    iiss_capture_open_status os = iiss_capture_file_open(path, rs->opts->filter, &cf, err, sizeof err);
    if (os != IISS_CAPTURE_OPENED) {
        result.status =
            os == IISS_CAPTURE_FILTER_FAILED ? IISS_PIPELINE_FILE_FILTER_FAILED : IISS_PIPELINE_FILE_OPEN_FAILED;
        result.message = err;
        end_file(rs, &result);
        return;
    }
    int linktype = iiss_capture_file_linktype(cf);
    result.linktype = linktype;
    result.bytes_total = iiss_capture_file_size(cf);
    /* A classic pcap has one link type: refused before reading when it is
     * unusable. A pcapng file may mix them: each packet is decoded by its
     * own interface's, and the file counts as unusable only when none of
     * its packets had a usable one (decided at its end). */
    if (!iiss_capture_file_is_pcapng(cf) && !iiss_net_linktype_supported(linktype)) {
        const char *name = iiss_capture_linktype_name(linktype);
        snprintf(err, sizeof err, "unsupported link type %d (%s)", linktype, name ? name : "unknown");
        result.status = IISS_PIPELINE_FILE_UNSUPPORTED_LINK;
        result.message = err;
        iiss_capture_file_close(cf);
        end_file(rs, &result);
        return;
    }
    if (rs->cb && rs->cb->on_file_start)
        rs->cb->on_file_start(rs->cb->user, path, index, linktype);

    uint64_t interval = rs->opts->progress_interval_bytes ? rs->opts->progress_interval_bytes
                                                          : DEFAULT_PROGRESS_INTERVAL;
    uint64_t next_progress = interval;
    uint32_t since_check = 0;
    uint64_t packets = 0;
    iiss_capture_packet pkt;
    iiss_tcp_segment seg;
    iiss_capture_status st;
    while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET) {
        packets++;
        iiss_net_result nr = iiss_net_decode(pkt.linktype, pkt.data, pkt.caplen, pkt.wirelen, &seg, &rs->stats->net);
        if (nr == IISS_NET_TCP) {
            iiss_packet_meta meta = {.frame = pkt.frame, .ts_sec = pkt.ts_sec, .ts_nsec = pkt.ts_nsec};
            iiss_tcp_reassembler_add(rs->tcp, &seg, &meta);
        } else if (nr == IISS_NET_UNSUPPORTED_LINK) {
            if (result.unsupported_link_packets++ == 0)
                result.unsupported_linktype = pkt.linktype;
        }
        if (++since_check >= PROGRESS_CHECK_PACKETS) {
            since_check = 0;
            if (rs->cb && rs->cb->on_progress && iiss_capture_file_bytes_read(cf) >= next_progress) {
                report_progress(rs, index, cf);
                next_progress = iiss_capture_file_bytes_read(cf) + interval;
            }
        }
    }
    iiss_tcp_reassembler_flush(rs->tcp);
    report_progress(rs, index, cf);

    switch (st) {
    case IISS_CAPTURE_TRUNCATED:
        result.status = IISS_PIPELINE_FILE_TRUNCATED;
        break;
    case IISS_CAPTURE_READ_ERROR:
        result.status = IISS_PIPELINE_FILE_READ_ERROR;
        break;
    default:
        result.status = IISS_PIPELINE_FILE_OK;
        break;
    }
    if (result.status != IISS_PIPELINE_FILE_OK) {
        snprintf(err, sizeof err, "%s", iiss_capture_file_error(cf));
        result.message = err;
    } else if (packets > 0 && result.unsupported_link_packets == packets) {
        const char *name = iiss_capture_linktype_name(result.unsupported_linktype);
        snprintf(err, sizeof err, "unsupported link type %d (%s)", result.unsupported_linktype,
                 name ? name : "unknown");
        result.status = IISS_PIPELINE_FILE_UNSUPPORTED_LINK;
        result.message = err;
    }
    result.frames = iiss_capture_file_frames(cf);
    rs->stats->frames += result.frames;
    rs->stats->frames_filtered_out += iiss_capture_file_frames_filtered_out(cf);
    uint64_t read = iiss_capture_file_bytes_read(cf);
    rs->stats->bytes_read += read;
    rs->done_bytes += read;
    iiss_capture_file_close(cf);
    end_file(rs, &result);
}

/* Sum of the regular files' sizes, 0 when one is unknown (stdin, missing
 * files count as 0 bytes). Only for progress. */
static uint64_t total_size(const char *const *paths, size_t count)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(paths[i], "-") == 0)
            return 0;
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    return total;
}

int iiss_pipeline_run(const char *const *paths, size_t count, const iiss_pipeline_options *opts,
                      const iiss_stream_sink *sink, const iiss_pipeline_callbacks *cb, iiss_pipeline_stats *stats)
{
    iiss_pipeline_options defaults;
    if (!opts) {
        iiss_pipeline_options_default(&defaults);
        opts = &defaults;
    }
    iiss_pipeline_stats local_stats;
    if (!stats)
        stats = &local_stats;
    memset(stats, 0, sizeof *stats);
    iiss_stream_sink no_sink = {0};
    iiss_tcp_reassembler *tcp = iiss_tcp_reassembler_new(&opts->tcp, sink ? sink : &no_sink);
    if (!tcp)
        return -1;
    run_state rs = {
        .paths = paths,
        .count = count,
        .opts = opts,
        .cb = cb,
        .tcp = tcp,
        .stats = stats,
        .all_bytes_total = (cb && cb->on_progress) ? total_size(paths, count) : 0,
    };
    for (size_t i = 0; i < count; i++)
        run_file(&rs, i);
    iiss_tcp_reassembler_stats(tcp, &stats->tcp);
    iiss_tcp_reassembler_free(tcp);
    return (int)(stats->files_failed > (size_t)0x7FFFFFFF ? 0x7FFFFFFF : stats->files_failed);
}
