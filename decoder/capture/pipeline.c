/* The capture chain wired once: capture_file → netlayer → tcp_reassembly →
 * dcerpc → activations and iiss_calls → iiss_actions (or a caller's stream sink), fed by
 * files or packet by packet. */
#define _DEFAULT_SOURCE /* stat under -std=c11 */

#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_PROGRESS_INTERVAL (4u * 1024 * 1024)
/* ftell is cheap but not free: look at the position every so many packets. */
#define PROGRESS_CHECK_PACKETS 1024u

struct iiss_pipeline {
    iiss_pipeline_config cfg;
    iiss_memory_budget *memory;
    iiss_calls *calls; /* NULL in a streams-only chain */
    iiss_activations *acts; /* NULL in a streams-only chain */
    iiss_call_fn on_record;
    void *record_user;
    iiss_actions *actions; /* NULL until an action callback is set */
    iiss_activation_fn on_activation;
    void *activation_user;
    iiss_dce *dce;
    iiss_tcp_reassembler *tcp;
    iiss_pipeline_stats stats; /* files, frames, bytes and net; the stages keep theirs */
};

void iiss_pipeline_config_default(iiss_pipeline_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    iiss_memory_config_default(&cfg->memory);
    iiss_tcp_config_default(&cfg->tcp);
    iiss_dce_config_default(&cfg->dce);
    iiss_calls_config_default(&cfg->calls);
    iiss_actions_config_default(&cfg->actions);
    iiss_activations_config_default(&cfg->activations);
    cfg->progress_interval_bytes = DEFAULT_PROGRESS_INTERVAL;
}

static iiss_pipeline *pipeline_alloc(const iiss_pipeline_config *cfg)
{
    iiss_pipeline *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    if (cfg)
        pl->cfg = *cfg;
    if (pl->cfg.progress_interval_bytes == 0)
        pl->cfg.progress_interval_bytes = DEFAULT_PROGRESS_INTERVAL;
    pl->memory = iiss_memory_budget_new(&pl->cfg.memory);
    if (!pl->memory) {
        free(pl);
        return NULL;
    }
    pl->cfg.tcp.memory = pl->memory;
    pl->cfg.dce.memory = pl->memory;
    return pl;
}

/* Each call record goes to the caller, then to the action stage. The two
 * record stages (activations, calls) each hold their records until every older call is
 * finished; their outputs are merged here by request order: an activation
 * is released before the first call record that came after it, and once
 * every call older than it is over. */
static void on_call_record(void *user, const iiss_call_record *rec)
{
    iiss_pipeline *pl = user;
    iiss_activations_release(pl->acts, rec->seq);
    if (pl->on_record)
        pl->on_record(pl->record_user, rec);
    if (pl->actions)
        iiss_actions_on_call(pl->actions, rec);
}

static void on_activation_record(void *user, const iiss_activation_record *rec)
{
    iiss_pipeline *pl = user;
    if (pl->on_activation)
        pl->on_activation(pl->activation_user, rec);
}

/* The activation stage sees each call first: an IIS call that finishes
 * with it can then name the activation that returned its IPID. */
static void on_dce_call(void *user, const iiss_dce_call *call)
{
    iiss_pipeline *pl = user;
    iiss_activations_on_dce_call(pl->acts, call);
    iiss_calls_on_dce_call(pl->calls, call);
    iiss_activations_release(pl->acts, call->oldest_pending_seq);
}

/* The IPIDs IIS activations return are the call stage's evidence. */
static void on_activation_ipid(void *user, const uint8_t ipid[16], const iiss_endpoint *server, uint64_t frame,
                               bool iis_class)
{
    iiss_pipeline *pl = user;
    if (iis_class && !iiss_calls_add_activation_ipid(pl->calls, ipid, server, frame))
        pl->stats.activation_ipids_dropped++;
}

iiss_pipeline *iiss_pipeline_new(const iiss_pipeline_config *cfg, iiss_call_fn on_record, void *user)
{
    iiss_pipeline *pl = pipeline_alloc(cfg);
    if (!pl)
        return NULL;
    pl->on_record = on_record;
    pl->record_user = user;
    pl->acts = iiss_activations_new(&pl->cfg.activations, on_activation_record, pl);
    pl->calls = pl->acts ? iiss_calls_new(&pl->cfg.calls, on_call_record, pl) : NULL;
    if (pl->calls)
        iiss_activations_set_ipid_fn(pl->acts, on_activation_ipid, pl);
    pl->dce = pl->calls ? iiss_dce_new(&pl->cfg.dce, on_dce_call, pl) : NULL;
    if (pl->dce) {
        iiss_stream_sink sink = iiss_dce_sink(pl->dce);
        pl->tcp = iiss_tcp_reassembler_new(&pl->cfg.tcp, &sink);
    }
    if (!pl->tcp) {
        iiss_pipeline_free(pl);
        return NULL;
    }
    return pl;
}

void iiss_pipeline_set_action_fn(iiss_pipeline *pl, iiss_action_fn on_action, void *user)
{
    iiss_actions_free(pl->actions);
    pl->actions = on_action && pl->calls ? iiss_actions_new(&pl->cfg.actions, on_action, user) : NULL;
    if (on_action && pl->calls && !pl->actions)
        pl->stats.actions.records_dropped++;
}

void iiss_pipeline_set_activation_fn(iiss_pipeline *pl, iiss_activation_fn on_activation, void *user)
{
    pl->on_activation = on_activation;
    pl->activation_user = user;
}

iiss_pipeline *iiss_pipeline_new_streams(const iiss_pipeline_config *cfg, const iiss_stream_sink *sink)
{
    iiss_pipeline *pl = pipeline_alloc(cfg);
    if (!pl)
        return NULL;
    iiss_stream_sink no_sink = {0};
    pl->tcp = iiss_tcp_reassembler_new(&pl->cfg.tcp, sink ? sink : &no_sink);
    if (!pl->tcp) {
        iiss_memory_budget_free(pl->memory);
        free(pl);
        return NULL;
    }
    return pl;
}

iiss_net_result iiss_pipeline_feed(iiss_pipeline *pl, int linktype, const iiss_packet_meta *meta,
                                   const uint8_t *data, size_t caplen, size_t wirelen)
{
    iiss_tcp_segment seg;
    iiss_net_result nr = iiss_net_decode(linktype, data, caplen, wirelen, &seg, &pl->stats.net);
    if (nr == IISS_NET_TCP)
        iiss_tcp_reassembler_add(pl->tcp, &seg, meta);
    return nr;
}

void iiss_pipeline_end_input(iiss_pipeline *pl)
{
    /* The streams close first: every call of the input is then finished. */
    iiss_tcp_reassembler_flush(pl->tcp);
    if (pl->calls)
        iiss_calls_flush(pl->calls);
    /* Every call of the input is in: no action stays open across inputs. */
    if (pl->actions)
        iiss_actions_flush(pl->actions);
    if (pl->acts)
        iiss_activations_end_input(pl->acts);
}

iiss_stream_sink iiss_pipeline_stream_sink(iiss_pipeline *pl)
{
    iiss_stream_sink none = {0};
    return pl->dce ? iiss_dce_sink(pl->dce) : none;
}

void iiss_pipeline_get_stats(const iiss_pipeline *pl, iiss_pipeline_stats *out)
{
    *out = pl->stats;
    iiss_memory_get_stats(pl->memory, &out->memory);
    iiss_tcp_reassembler_get_stats(pl->tcp, &out->tcp);
    if (pl->dce)
        iiss_dce_get_stats(pl->dce, &out->dce);
    if (pl->calls)
        iiss_calls_get_stats(pl->calls, &out->calls);
    if (pl->actions)
        iiss_actions_get_stats(pl->actions, &out->actions);
    if (pl->acts)
        iiss_activations_get_stats(pl->acts, &out->activations);
}

uint64_t iiss_pipeline_alloc_failures(const iiss_pipeline_stats *stats)
{
    return stats->tcp.alloc_failures + stats->dce.alloc_failures + stats->calls.records_dropped +
           stats->calls.blobs_dropped + stats->actions.records_dropped + stats->activations.records_dropped +
           stats->activation_ipids_dropped;
}

void iiss_pipeline_free(iiss_pipeline *pl)
{
    if (!pl)
        return;
    /* The TCP stage closes its streams into the DCE/RPC stage, which emits
     * into the call stage: freed in that order. */
    if (pl->tcp)
        iiss_pipeline_end_input(pl);
    iiss_tcp_reassembler_free(pl->tcp);
    iiss_dce_free(pl->dce);
    iiss_calls_free(pl->calls);
    iiss_actions_free(pl->actions);
    iiss_activations_free(pl->acts);
    iiss_memory_budget_free(pl->memory);
    free(pl);
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
    iiss_pipeline *pl;
    const iiss_pipeline_callbacks *cb;
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

/* Reads one file through the chain, ended as an input. */
static void run_file(run_state *rs, size_t index)
{
    const char *path = rs->paths[index];
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_pipeline_file_result result = {
        .path = path, .index = index, .linktype = -1, .message = "", .unsupported_linktype = -1};
    iiss_capture_file *cf;
    iiss_capture_open_status os = iiss_capture_file_open(path, rs->pl->cfg.filter, &cf, err, sizeof err);
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

    uint64_t interval = rs->pl->cfg.progress_interval_bytes;
    uint64_t next_progress = interval;
    uint32_t since_check = 0;
    uint64_t packets = 0;
    iiss_capture_packet pkt;
    iiss_capture_status st;
    while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET) {
        packets++;
        iiss_packet_meta meta = {.frame = pkt.frame, .ts_sec = pkt.ts_sec, .ts_nsec = pkt.ts_nsec};
        iiss_net_result nr = iiss_pipeline_feed(rs->pl, pkt.linktype, &meta, pkt.data, pkt.caplen, pkt.wirelen);
        if (nr == IISS_NET_UNSUPPORTED_LINK && result.unsupported_link_packets++ == 0)
            result.unsupported_linktype = pkt.linktype;
        if (++since_check >= PROGRESS_CHECK_PACKETS) {
            since_check = 0;
            if (rs->cb && rs->cb->on_progress && iiss_capture_file_bytes_read(cf) >= next_progress) {
                report_progress(rs, index, cf);
                next_progress = iiss_capture_file_bytes_read(cf) + interval;
            }
        }
    }
    iiss_pipeline_end_input(rs->pl);
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

size_t iiss_pipeline_run_files(iiss_pipeline *pl, const char *const *paths, size_t count,
                               const iiss_pipeline_callbacks *cb)
{
    size_t failed_before = pl->stats.files_failed;
    bool sizes_known = false;
    uint64_t total = (cb && cb->on_progress) ? iiss_capture_files_size(paths, count, &sizes_known) : 0;
    run_state rs = {
        .paths = paths,
        .count = count,
        .pl = pl,
        .cb = cb,
        .stats = &pl->stats,
        .all_bytes_total = sizes_known ? total : 0,
    };
    for (size_t i = 0; i < count; i++)
        run_file(&rs, i);
    return pl->stats.files_failed - failed_before;
}
