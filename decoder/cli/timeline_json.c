/* JSON Lines timeline (see timeline_json.h). Absent or non-applicable values
 * are null, never left out, so every line has the same keys. */
#include "timeline_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "iiss/infer.h"
#include "iiss/names.h"
#include "output_json.h"

/* An empty string (an identity field NTLMSSP left empty) is null too. */
static void add_text_or_null(yajl_gen g, const char *name, const char *value)
{
    iissdump_json_add_string_or_null(g, name, value && value[0] ? value : NULL);
}

/* "0x%08X", without printf: one per JSON line. */
static void add_hex32(yajl_gen g, const char *name, uint32_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    char text[10] = {'0', 'x'};
    for (int i = 0; i < 8; i++)
        text[2 + i] = hex[(v >> (28 - 4 * i)) & 0xF];
    iissdump_json_key(g, name);
    yajl_gen_string(g, (const unsigned char *)text, sizeof text);
}

static void add_dword_or_null(yajl_gen g, const char *name, const iiss_dword_param *p)
{
    if (p->present)
        iissdump_json_add_int(g, name, p->value);
    else
        iissdump_json_add_null(g, name);
}

static void add_params(yajl_gen g, const iiss_call_record *rec)
{
    iissdump_json_key(g, "params");
    if (rec->sealed || !rec->request_decoded) {
        yajl_gen_null(g);
        return;
    }
    const iiss_request *rq = &rec->request;
    yajl_gen_map_open(g);
    switch (rec->opnum) {
    case IISS_OPNUM_STOP:
        add_dword_or_null(g, "timeout_ms", &rq->timeout_ms);
        add_dword_or_null(g, "force", &rq->force);
        break;
    case IISS_OPNUM_START:
        add_dword_or_null(g, "timeout_ms", &rq->timeout_ms);
        break;
    case IISS_OPNUM_REBOOT:
        add_dword_or_null(g, "timeout_ms", &rq->timeout_ms);
        add_dword_or_null(g, "force_apps_closed", &rq->force_apps_closed);
        break;
    case IISS_OPNUM_STATUS:
        add_dword_or_null(g, "buffer_size", &rq->buffer_size);
        break;
    default:
        break;
    }
    yajl_gen_map_close(g);
}

/* Transport notes: "in": "stream", offset null, the frame where they were
 * noticed. */
static void add_note_items(yajl_gen g, const iiss_note *notes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const iiss_note *n = &notes[i];
        yajl_gen_map_open(g);
        iissdump_json_key(g, "kind");
        iissdump_json_string_or_null(g, iiss_note_kind_name(n->kind));
        iissdump_json_add_null(g, "offset");
        iissdump_json_add_string(g, "message", n->message);
        iissdump_json_add_string(g, "in", "stream");
        if (n->frame)
            iissdump_json_add_int(g, "frame", (int64_t)n->frame);
        else
            iissdump_json_add_null(g, "frame");
        yajl_gen_map_close(g);
    }
}

/* Stub anomalies (offsets in their stub), blob anomalies (offsets in the
 * buffer, as `iissdump blob` gives them), each tagged with the span its
 * offset counts in; then transport notes ("in": "stream", offset null, the
 * frame where they were noticed). */
static void add_anomalies(yajl_gen g, const iiss_call_record *rec)
{
    iissdump_json_key(g, "anomalies");
    yajl_gen_array_open(g);
    if (rec->request_decoded)
        iissdump_json_anomaly_items(g, &rec->request.anomalies, 0, "request");
    if (rec->response_decoded)
        iissdump_json_anomaly_items(g, &rec->response.anomalies, 0, "response");
    if (rec->has_blob)
        iissdump_json_anomaly_items(g, &rec->blob.anomalies, 0, "buffer");
    add_note_items(g, rec->notes, rec->note_count);
    yajl_gen_array_close(g);
}

/* A name when the table has one, else the number. */
static void add_name_or_number(yajl_gen g, const char *name, const char *value_name, int64_t value)
{
    if (value_name)
        iissdump_json_add_string(g, name, value_name);
    else
        iissdump_json_add_int(g, name, value);
}

/* What a call and an activation both say of their authentication. */
typedef struct auth_view {
    bool has_auth;
    uint8_t auth_type;
    uint8_t auth_level;
    const iiss_ntlm_identity *identity; /* NULL: none */
    iiss_dce_verified verified;
    const char *credential;
} auth_view;

static void add_auth(yajl_gen g, const auth_view *rec)
{
    iissdump_json_key(g, "auth");
    if (!rec->has_auth || rec->auth_type == 0) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_map_open(g);
    add_name_or_number(g, "type", iiss_dce_auth_type_name(rec->auth_type), rec->auth_type);
    add_name_or_number(g, "level", iiss_dce_auth_level_name(rec->auth_level), rec->auth_level);
    const iiss_ntlm_identity *id = rec->identity;
    add_text_or_null(g, "domain", id ? id->domain : NULL);
    add_text_or_null(g, "user", id ? id->user : NULL);
    add_text_or_null(g, "workstation", id ? id->workstation : NULL);
    add_text_or_null(g, "service_principal", id ? id->service_principal : NULL);
    if (id && id->service_principal[0]) {
        /* Kerberos: what the AP-REQ says in clear about its keys. */
        add_name_or_number(g, "ticket_enctype", iiss_krb_enctype_name(id->ticket_enctype), id->ticket_enctype);
        iissdump_json_key(g, "ticket_kvno");
        if (id->has_ticket_kvno)
            yajl_gen_integer(g, id->ticket_kvno);
        else
            yajl_gen_null(g);
        add_name_or_number(g, "authenticator_enctype", iiss_krb_enctype_name(id->authenticator_enctype),
                           id->authenticator_enctype);
    }
    if (id && id->server_netbios[0])
        iissdump_json_add_string(g, "server_netbios", id->server_netbios);
    if (id && id->server_dns[0])
        iissdump_json_add_string(g, "server_dns", id->server_dns);
    iissdump_json_key(g, "verified");
    if (rec->verified == IISS_DCE_VERIFIED_UNKNOWN)
        yajl_gen_null(g);
    else
        yajl_gen_bool(g, rec->verified == IISS_DCE_VERIFIED_TRUE);
    add_text_or_null(g, "credential", rec->credential);
    yajl_gen_map_close(g);
}

/* The layout the ORPC headers were marshaled in: NDR20 also in an NDR64
 * call, as MS-DCOM 2.2.13 prescribes, or NDR64. The request's ORPCTHIS,
 * else the response's ORPCTHAT; null when neither was read. */
static void add_orpc_layout(yajl_gen g, const iiss_call_record *rec)
{
    if (rec->request_decoded && rec->request.orpcthis.parsed)
        iissdump_json_add_string(g, "orpc_layout", iiss_ndr_name(rec->request.orpcthis.layout));
    else if (rec->response_decoded && rec->response.orpcthat.parsed)
        iissdump_json_add_string(g, "orpc_layout", iiss_ndr_name(rec->response.orpcthat.layout));
    else
        iissdump_json_add_null(g, "orpc_layout");
}

/* Milliseconds with the microsecond precision the timestamps have, written
 * as a number with exactly three decimals. */
static void add_rtt_ms(yajl_gen g, const iiss_packet_meta *request, const iiss_packet_meta *response)
{
    iissdump_json_key(g, "rtt_ms");
    int64_t rtt_ns;
    if (!iissdump_rtt_ns(request, response, &rtt_ns)) {
        yajl_gen_null(g);
        return;
    }
    int64_t rtt_us = (rtt_ns >= 0 ? rtt_ns + 500 : rtt_ns - 500) / 1000;
    int64_t magnitude = rtt_us < 0 ? -rtt_us : rtt_us; /* bounded by iissdump_call_rtt_ns */
    char text[32];
    int len = snprintf(text, sizeof text, "%s%" PRId64 ".%03" PRId64, rtt_us < 0 ? "-" : "", magnitude / 1000,
                       magnitude % 1000);
    yajl_gen_number(g, text, (size_t)len);
}

/* What vouched for an inferred call, by the library's names; null when bound. */
static void add_inference(yajl_gen g, const iiss_call_record *rec)
{
    iissdump_json_key(g, "inference");
    if (!rec->inferred) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < IISS_INFER_EVIDENCE_KINDS; i++)
        if (rec->inference & (1u << i)) {
            const char *name = iiss_infer_evidence_name(i);
            yajl_gen_string(g, (const unsigned char *)name, strlen(name));
        }
    yajl_gen_array_close(g);
}

/* frame_request, frame_response (null without one), client, server: the
 * same keys on call and activation lines. */
static void add_frames_and_endpoints(yajl_gen g, iissdump_endpoint_names *endpoints, const iiss_packet_meta *request,
                                     const iiss_packet_meta *response, const iiss_endpoint *client,
                                     const iiss_endpoint *server)
{
    iissdump_json_add_int(g, "frame_request", (int64_t)request->frame);
    if (response)
        iissdump_json_add_int(g, "frame_response", (int64_t)response->frame);
    else
        iissdump_json_add_null(g, "frame_response");
    iissdump_json_add_string(g, "client", iissdump_endpoint_name(endpoints, client));
    iissdump_json_add_string(g, "server", iissdump_endpoint_name(endpoints, server));
}

/* ATT&CK technique ids, as iiss_attack_techniques gives them. */
static void add_tags(yajl_gen g, const iiss_call_record *rec)
{
    const iiss_attack_technique *tech[IISS_ATTACK_PER_CALL_MAX];
    size_t n = iiss_attack_techniques(rec->opnum, tech);
    iissdump_json_key(g, "tags");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        yajl_gen_string(g, (const unsigned char *)tech[i]->id, strlen(tech[i]->id));
    yajl_gen_array_close(g);
}

void iissdump_timeline_json_call(yajl_gen g, iissdump_endpoint_names *endpoints, const iiss_call_record *rec)
{
    yajl_gen_map_open(g);
    iissdump_timeline_json_call_fields(g, endpoints, rec);
    yajl_gen_map_close(g);
}

void iissdump_timeline_json_call_fields(yajl_gen g, iissdump_endpoint_names *endpoints, const iiss_call_record *rec)
{
    char text[IISSDUMP_RESULT_MAX];
    iissdump_json_add_string(g, "time", iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    add_frames_and_endpoints(g, endpoints, &rec->request_meta, rec->has_response ? &rec->response_meta : NULL,
                             &rec->client, &rec->server);
    iissdump_json_add_int(g, "opnum", rec->opnum);
    add_text_or_null(g, "method", rec->method);
    add_tags(g, rec);
    add_params(g, rec);

    const iiss_response *rs = rec->response_decoded ? &rec->response : NULL;
    if (rs && rs->hresult.present) {
        add_hex32(g, "hresult", rs->hresult.value);
        /* the formatter (snprintf) only for an HRESULT without a name of its own */
        const char *hresult_name = iiss_lookup(iiss_hresult_names, rs->hresult.value);
        iissdump_json_add_string(g, "hresult_name",
                   hresult_name ? hresult_name : iiss_hresult_format(rs->hresult.value, text, sizeof text));
    } else {
        iissdump_json_add_null(g, "hresult");
        iissdump_json_add_null(g, "hresult_name");
    }
    iissdump_json_key(g, "fault_status");
    if (rec->is_fault) {
        yajl_gen_map_open(g);
        iissdump_json_add_int(g, "code", rec->fault_status);
        add_text_or_null(g, "name", iiss_lookup(iiss_fault_status_names, rec->fault_status));
        yajl_gen_map_close(g);
    } else {
        yajl_gen_null(g);
    }
    if (rs && rec->opnum == IISS_OPNUM_STATUS) {
        add_dword_or_null(g, "required_size", &rs->required_size);
        add_dword_or_null(g, "num_services", &rs->num_services);
    } else {
        iissdump_json_add_null(g, "required_size");
        iissdump_json_add_null(g, "num_services");
    }
    iissdump_json_key(g, "services");
    if (rec->has_blob) {
        yajl_gen_array_open(g);
        for (size_t i = 0; i < rec->blob.service_count; i++)
            iissdump_json_service(g, &rec->blob.services[i]);
        yajl_gen_array_close(g);
    } else {
        yajl_gen_null(g);
    }
    add_anomalies(g, rec);
    iissdump_json_add_string(g, "interface", rec->inferred ? "inferred" : "bound");
    add_inference(g, rec);
    iissdump_json_add_string(g, "ndr", iiss_ndr_name(rec->ndr));
    add_orpc_layout(g, rec);
    /* Sealed on the wire, whether or not a credential unsealed it. */
    iissdump_json_key(g, "sealed");
    yajl_gen_bool(g, rec->sealed || rec->decrypted);
    iissdump_json_key(g, "decrypted");
    yajl_gen_bool(g, rec->decrypted);
    auth_view auth = {rec->has_auth, rec->auth_type, rec->auth_level, rec->has_identity ? &rec->identity : NULL,
                      rec->verified, rec->credential};
    add_auth(g, &auth);
    if (rec->has_ipid)
        iissdump_json_add_string(g, "ipid", iiss_uuid_format(rec->ipid, text, sizeof text));
    else
        iissdump_json_add_null(g, "ipid");
    /* The activation response that returned this IPID. */
    if (rec->has_activation_frame)
        iissdump_json_add_int(g, "activation_frame", (int64_t)rec->activation_frame);
    else
        iissdump_json_add_null(g, "activation_frame");
    add_rtt_ms(g, &rec->request_meta, rec->has_response ? &rec->response_meta : NULL);
    iissdump_json_add_int(g, "call_id", rec->call_id);
}

/* ---- activations ---- */

static void add_hresult_pair(yajl_gen g, const char *key, const char *name_key, bool present, uint32_t value)
{
    char text[IISSDUMP_RESULT_MAX];
    if (!present) {
        iissdump_json_add_null(g, key);
        iissdump_json_add_null(g, name_key);
        return;
    }
    add_hex32(g, key, value);
    const char *name = iiss_lookup(iiss_hresult_names, value);
    iissdump_json_add_string(g, name_key, name ? name : iiss_hresult_format(value, text, sizeof text));
}

/* A GUID and its name from the decoder's table (null when it has none). */
static void add_guid(yajl_gen g, const char *key, const char *name_key, bool present, const uint8_t guid[16])
{
    char text[IISS_UUID_STR_MAX];
    if (!present) {
        iissdump_json_add_null(g, key);
        if (name_key)
            iissdump_json_add_null(g, name_key);
        return;
    }
    iissdump_json_add_string(g, key, iiss_uuid_format(guid, text, sizeof text));
    if (name_key)
        iissdump_json_add_string_or_null(g, name_key, iiss_guid_lookup(guid));
}

/* OXIDs and OIDs are 64-bit: a "0x%016X" string, which no JSON reader
 * rounds. */
static void add_hex64(yajl_gen g, const char *key, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "0x%016" PRIX64, v);
    iissdump_json_add_string(g, key, text);
}

static void add_string_bindings(yajl_gen g, const char *key, const iiss_act_bindings *b)
{
    iissdump_json_key(g, key);
    if (!b->present) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_array_open(g);
    uint32_t kept = b->string_count < IISS_ACT_STRING_BINDINGS_KEPT ? b->string_count : IISS_ACT_STRING_BINDINGS_KEPT;
    for (uint32_t i = 0; i < kept; i++) {
        const iiss_act_string_binding *sb = &b->strings[i];
        yajl_gen_map_open(g);
        add_name_or_number(g, "tower", iiss_lookup(iiss_tower_id_names, sb->tower_id), sb->tower_id);
        iissdump_json_add_string(g, "address", sb->network_address.utf8);
        if (sb->has_port)
            iissdump_json_add_int(g, "port", sb->port);
        else
            iissdump_json_add_null(g, "port");
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void add_interfaces(yajl_gen g, const iiss_activation_record *rec)
{
    iissdump_json_key(g, "interfaces");
    if (!rec->response_decoded) {
        yajl_gen_null(g);
        return;
    }
    const iiss_act_response *rs = &rec->response;
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < rs->interfaces_kept && i < IISS_ACT_IIDS_KEPT; i++) {
        const iiss_act_interface *intf = &rs->interfaces[i];
        yajl_gen_map_open(g);
        add_guid(g, "iid", "iid_name", true, intf->iid);
        add_hresult_pair(g, "hresult", "hresult_name", true, intf->hresult);
        bool std = intf->objref.present && intf->objref.has_std;
        add_guid(g, "ipid", NULL, std, intf->objref.ipid);
        if (std) {
            add_hex64(g, "oxid", intf->objref.oxid);
            add_hex64(g, "oid", intf->objref.oid);
        } else {
            iissdump_json_add_null(g, "oxid");
            iissdump_json_add_null(g, "oid");
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

void iissdump_timeline_json_activation(yajl_gen g, iissdump_endpoint_names *endpoints,
                                       const iiss_activation_record *rec)
{
    char text[IISSDUMP_RESULT_MAX];
    yajl_gen_map_open(g);
    /* "time" first, as on every line: the lines sort by it. */
    iissdump_json_add_string(g, "time",
                             iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    iissdump_json_add_string(g, "record", "activation");
    add_frames_and_endpoints(g, endpoints, &rec->request_meta, rec->has_response ? &rec->response_meta : NULL,
                             &rec->client, &rec->server);
    iissdump_json_add_int(g, "opnum", rec->opnum);
    iissdump_json_add_string(g, "method", iiss_act_method_name(rec->method));
    add_guid(g, "clsid", "clsid_name", rec->has_clsid, rec->clsid);
    add_guid(g, "iid", "iid_name", rec->has_iid, rec->iid);
    const iiss_act_text *server_name = rec->request_decoded ? &rec->request.server_name : NULL;
    iissdump_json_add_string_or_null(g, "server_name",
                                     server_name && server_name->present ? server_name->utf8 : NULL);
    add_hresult_pair(g, "hresult", "hresult_name", rec->has_hresult, rec->hresult);
    iissdump_json_key(g, "fault_status");
    if (rec->is_fault) {
        yajl_gen_map_open(g);
        iissdump_json_add_int(g, "code", rec->fault_status);
        add_text_or_null(g, "name", iiss_lookup(iiss_fault_status_names, rec->fault_status));
        yajl_gen_map_close(g);
    } else {
        yajl_gen_null(g);
    }
    add_guid(g, "ipid", NULL, rec->has_ipid, rec->ipid);
    if (rec->has_port)
        iissdump_json_add_int(g, "port", rec->port);
    else
        iissdump_json_add_null(g, "port");
    const iiss_act_response *rs = rec->response_decoded ? &rec->response : NULL;
    if (rs && rs->has_remote_reply)
        add_hex64(g, "oxid", rs->oxid);
    else
        iissdump_json_add_null(g, "oxid");
    if (rs && rs->has_remote_reply) {
        add_string_bindings(g, "oxid_bindings", &rs->oxid_bindings);
    } else {
        iissdump_json_add_null(g, "oxid_bindings");
    }
    add_interfaces(g, rec);
    iissdump_json_key(g, "anomalies");
    yajl_gen_array_open(g);
    if (rec->request_decoded)
        iissdump_json_anomaly_items(g, &rec->request.anomalies, 0, "request");
    if (rec->response_decoded)
        iissdump_json_anomaly_items(g, &rec->response.anomalies, 0, "response");
    add_note_items(g, rec->notes, rec->note_count);
    yajl_gen_array_close(g);
    iissdump_json_add_string(g, "ndr", iiss_ndr_name(rec->ndr));
    iissdump_json_key(g, "sealed");
    yajl_gen_bool(g, rec->sealed || rec->decrypted);
    iissdump_json_key(g, "decrypted");
    yajl_gen_bool(g, rec->decrypted);
    auth_view auth = {rec->has_auth, rec->auth_type, rec->auth_level, rec->has_identity ? &rec->identity : NULL,
                      rec->verified, rec->credential};
    add_auth(g, &auth);
    add_rtt_ms(g, &rec->request_meta, rec->has_response ? &rec->response_meta : NULL);
    iissdump_json_add_int(g, "call_id", rec->call_id);
    yajl_gen_map_close(g);
}

static void add_counts(yajl_gen g, const char *name, const iissdump_count_table *t)
{
    iissdump_json_key(g, name);
    yajl_gen_map_open(g);
    for (guint i = 0; i < t->labels->len; i++)
        iissdump_json_add_int(g, g_ptr_array_index(t->labels, i), (int64_t)g_array_index(t->counts, guint64, i));
    yajl_gen_map_close(g);
}

/* "limits_reached": {NAME: {"times", "limit", "option"}}, empty when none was. */
static void add_limits(yajl_gen g, const iissdump_limits *limits)
{
    iissdump_json_key(g, "limits_reached");
    yajl_gen_map_open(g);
    for (size_t i = 0; limits && i < limits->count; i++) {
        const iissdump_limit_hit *h = &limits->hits[i];
        iissdump_json_key(g, h->name);
        yajl_gen_map_open(g);
        iissdump_json_add_int(g, "times", (int64_t)h->times);
        iissdump_json_add_int(g, "limit", (int64_t)h->setting);
        iissdump_json_add_string(g, "option", h->option);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
}

void iissdump_timeline_json_stats(yajl_gen g, const iissdump_timeline_stats *stats)
{
    yajl_gen_map_open(g);
    iissdump_json_key(g, "stats");
    yajl_gen_map_open(g);
    iissdump_json_add_int(g, "calls", (int64_t)stats->calls);
    add_counts(g, "by_method", &stats->by_method);
    add_counts(g, "by_result", &stats->by_result);
    add_counts(g, "by_server", &stats->by_server);
    iissdump_json_add_int(g, "actions", (int64_t)stats->actions);
    add_counts(g, "by_action", &stats->by_action);
    add_limits(g, stats->limits);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}
