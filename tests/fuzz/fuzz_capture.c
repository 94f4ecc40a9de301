/* Fuzzes the capture half of iissdump. The first byte picks the entry:
 *   even: the rest is a capture file (pcap/pcapng), read from memory by the
 *         capture file stage and fed packet by packet to the whole chain
 *         (link/IP, TCP reassembly, DCE/RPC, DCOM activations, IIS calls, actions);
 *   odd:  the rest is a script of TCP stream events fed straight to the
 *         chain's DCE/RPC stage: each event starts with a byte h, bit 7 = direction
 *         (server to client when set); (h & 0x7F) == 0x7F is a gap, == 0x7E
 *         closes the stream and opens a new one, == 0x7D has the memory
 *         budget take the stream's buffered data (on_shed), otherwise
 *         (h & 0x7F) * 8 + 1 bytes (or what is left) are delivered.
 * Memory limits are small so they are reached: the script's stream has a
 * share of 16 KiB in a 64 KiB budget; a capture file of odd size runs in a
 * 48 KiB budget (connections give up their data and are ended to make room),
 * one of even size with the defaults.
 * Besides the sanitizers, every record's strings are read in full and every
 * span the decoders report must lie inside its stub. Both entries run with
 * fixed credentials (the passwords of the sealed samples), so the seeds'
 * sealed connections reach the authentication stage's decryption path. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "pipeline.h"

static volatile size_t sink_bytes; /* keeps the reads below from being optimised away */

static void check_span(const iiss_span *span, size_t len)
{
    if ((uint64_t)span->offset + span->length > len)
        abort();
}

static void touch(const char *s)
{
    if (s)
        sink_bytes += strlen(s);
}

static void on_record(void *user, const iiss_call_record *rec)
{
    (void)user;
    if (rec->request_decoded && rec->request.orpcthis.parsed)
        sink_bytes += rec->request.orpcthis.span.length;
    if (rec->response_decoded && rec->response.has_buffer)
        sink_bytes += rec->response.buffer.length;
    if (rec->has_blob) {
        if (rec->blob.service_count > rec->blob.num_services && rec->blob.count_given)
            abort();
        for (size_t i = 0; i < rec->blob.service_count; i++) {
            const iiss_service_record *s = &rec->blob.services[i];
            touch(s->name.utf8);
            touch(s->display_name.utf8);
            if (s->name.present && (uint64_t)s->name.offset + s->name.length > rec->blob.buffer_length)
                abort();
        }
    }
    if (rec->response_decoded)
        check_span(&rec->response.buffer, rec->response.buffer.offset + rec->response.buffer.length);
    touch(rec->identity.domain);
    touch(rec->identity.user);
    touch(rec->identity.workstation);
    touch(rec->credential);
    for (size_t i = 0; i < rec->note_count; i++)
        touch(rec->notes[i].message);
}

/* Every action's strings read in full, its counts within their arrays. */
static void on_action(void *user, const iiss_action_record *rec)
{
    (void)user;
    if (rec->calls_listed > rec->call_count || rec->calls_listed > IISS_ACTION_CALLS_MAX ||
        rec->service_count > IISS_ACTION_SERVICES_MAX || rec->tag_count > IISS_ACTION_TAGS_MAX)
        abort();
    touch(rec->server_name);
    touch(iiss_action_kind_name(rec->kind));
    for (size_t i = 0; i < rec->service_count; i++) {
        if (rec->services[i].state_count == 0 || rec->services[i].state_count > IISS_ACTION_STATES_MAX)
            abort();
        touch(rec->services[i].name);
    }
}

/* A DCOM activation record: its strings read in full, its summary
 * consistent with the stubs it came from. */
static void on_activation(void *user, const iiss_activation_record *rec)
{
    (void)user;
    if (rec->has_ipid && !rec->response_decoded)
        abort();
    if ((rec->has_clsid || rec->has_iid) && !rec->request_decoded)
        abort();
    if (rec->request_decoded) {
        touch(rec->request.server_name.utf8);
        touch(rec->request.object_name.utf8);
        if (rec->request.properties_kept > IISS_ACT_PROPERTIES_KEPT || rec->request.iids_kept > IISS_ACT_IIDS_KEPT)
            abort();
    }
    if (rec->response_decoded) {
        const iiss_act_response *rs = &rec->response;
        if (rs->interfaces_kept > IISS_ACT_IIDS_KEPT || rs->properties_kept > IISS_ACT_PROPERTIES_KEPT)
            abort();
        uint32_t kept = rs->oxid_bindings.string_count < IISS_ACT_STRING_BINDINGS_KEPT
                            ? rs->oxid_bindings.string_count
                            : IISS_ACT_STRING_BINDINGS_KEPT;
        for (uint32_t i = 0; i < kept; i++)
            touch(rs->oxid_bindings.strings[i].network_address.utf8);
    }
    touch(rec->identity.user);
    for (size_t i = 0; i < rec->note_count; i++)
        touch(rec->notes[i].message);
}

/* The sealed samples' passwords (samples/README.md). */
static const iiss_credentials *fixed_credentials(void)
{
    static iiss_credentials *creds;
    if (!creds) {
        creds = iiss_credentials_new();
        iiss_credentials_add_password(creds, "Iis-Reset-2024!");
        iiss_credentials_add_password(creds, "Negotiate-Wrap-77");
        iiss_credentials_add_password(creds, "Many-Fragments-5840");
        iiss_credentials_add_password(creds, "Signed-Not-Sealed-9");
        iiss_credentials_add_password(creds, "Quiet-Meadow-0932");
        iiss_credentials_add_password(creds, "Blue-Harbor-4417");
    }
    return creds;
}

static void run_pipeline(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return;
    iiss_capture_file *cf;
    char err[IISS_CAPTURE_ERROR_MAX];
    if (iiss_capture_file_open_stream(f, size, NULL, &cf, err, sizeof err) != IISS_CAPTURE_OPENED)
        return;
    iiss_pipeline_config cfg;
    iiss_pipeline_config_default(&cfg);
    cfg.dce.max_call_stub = 1 << 20;
    cfg.tcp.max_buffered_per_direction = 256 * 1024;
    if (size & 1) {
        cfg.memory.limit = 48 * 1024;
        cfg.memory.owner_limit = 16 * 1024;
    }
    cfg.dce.auth.credentials = fixed_credentials();
    iiss_pipeline *pl = iiss_pipeline_new(&cfg, on_record, NULL);
    if (pl) {
        iiss_pipeline_set_action_fn(pl, on_action, NULL);
        iiss_pipeline_set_activation_fn(pl, on_activation, NULL);
        int linktype = iiss_capture_file_linktype(cf);
        iiss_capture_packet pkt;
        while (iiss_capture_file_next(cf, &pkt) == IISS_CAPTURE_PACKET) {
            iiss_packet_meta meta = {.frame = pkt.frame, .ts_sec = pkt.ts_sec, .ts_nsec = pkt.ts_nsec};
            iiss_pipeline_feed(pl, linktype, &meta, pkt.data, pkt.caplen, pkt.wirelen);
        }
        iiss_pipeline_end_input(pl);
        iiss_pipeline_free(pl);
    }
    iiss_capture_file_close(cf);
}

static void run_stream_script(const uint8_t *data, size_t size)
{
    iiss_pipeline_config cfg;
    iiss_pipeline_config_default(&cfg);
    cfg.dce.max_call_stub = 4096; /* small, so the cap is reached too */
    cfg.dce.max_pending_per_conn = 4;
    cfg.memory.limit = 64 * 1024;
    cfg.memory.owner_limit = 16 * 1024;
    cfg.dce.auth.credentials = fixed_credentials();
    iiss_pipeline *pl = iiss_pipeline_new(&cfg, on_record, NULL);
    if (!pl)
        return;
    iiss_pipeline_set_action_fn(pl, on_action, NULL);
    iiss_pipeline_set_activation_fn(pl, on_activation, NULL);
    iiss_stream_sink sink = iiss_pipeline_stream_sink(pl);
    iiss_memory_owner owner = {0};
    iiss_tcp_stream stream = {
        .id = 1, .client = {.family = 4, .port = 49712}, .server = {.family = 4, .port = 135}, .memory = &owner};
    iiss_packet_meta meta = {.frame = 0, .ts_sec = 1715679000};
    size_t at = 0;
    while (at < size) {
        uint8_t h = data[at++];
        iiss_direction dir = (h & 0x80) ? IISS_DIR_SERVER_TO_CLIENT : IISS_DIR_CLIENT_TO_SERVER;
        meta.frame++;
        meta.ts_sec += h & 3;
        if ((h & 0x7F) == 0x7F) {
            sink.on_gap(sink.user, &stream, dir, h, &meta);
            continue;
        }
        if ((h & 0x7F) == 0x7D) {
            sink.on_shed(sink.user, &stream, &meta);
            continue;
        }
        if ((h & 0x7F) == 0x7E) {
            sink.on_close(sink.user, &stream);
            stream.id++;
            continue;
        }
        size_t n = (size_t)(h & 0x7F) * 8 + 1;
        if (n > size - at)
            n = size - at;
        sink.on_data(sink.user, &stream, dir, data + at, n, &meta);
        at += n;
    }
    sink.on_close(sink.user, &stream);
    iiss_pipeline_free(pl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        run_stream_script(data + 1, size - 1);
    else
        run_pipeline(data + 1, size - 1);
    return 0;
}
