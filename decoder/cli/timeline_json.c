/* JSON Lines timeline (see timeline_json.h). Absent or non-applicable values
 * are null, never left out, so every line has the same keys. */
#include "timeline_json.h"

#include <inttypes.h>
#include <string.h>

#include "iiss/names.h"
#include "output_json.h"

static void set_hex32(JsonObject *o, const char *key, uint32_t v)
{
    char text[16];
    snprintf(text, sizeof text, "0x%08" PRIX32, v);
    json_object_set_string_member(o, key, text);
}

static void set_dword_or_null(JsonObject *o, const char *key, const iiss_dword_param *p)
{
    if (p->present)
        json_object_set_int_member(o, key, p->value);
    else
        json_object_set_null_member(o, key);
}

static void set_string_or_null(JsonObject *o, const char *key, const char *s)
{
    if (s && s[0])
        json_object_set_string_member(o, key, s);
    else
        json_object_set_null_member(o, key);
}

static JsonNode *params_node(const iiss_call_record *rec)
{
    if (rec->sealed || !rec->request_decoded)
        return json_node_new(JSON_NODE_NULL);
    const iiss_request *rq = &rec->request;
    JsonObject *o = json_object_new();
    switch (rec->opnum) {
    case IISS_OPNUM_STOP:
        set_dword_or_null(o, "timeout_ms", &rq->timeout_ms);
        set_dword_or_null(o, "force", &rq->force);
        break;
    case IISS_OPNUM_START:
        set_dword_or_null(o, "timeout_ms", &rq->timeout_ms);
        break;
    case IISS_OPNUM_REBOOT:
        set_dword_or_null(o, "timeout_ms", &rq->timeout_ms);
        set_dword_or_null(o, "force_apps_closed", &rq->force_apps_closed);
        break;
    case IISS_OPNUM_STATUS:
        set_dword_or_null(o, "buffer_size", &rq->buffer_size);
        break;
    default:
        break;
    }
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

/* Appends the anomaly objects of `src` to dst, each tagged with the span
 * its offset counts in ("request" / "response" stub, Status "buffer"). */
static void append_all(JsonArray *dst, JsonNode *src, const char *in)
{
    JsonArray *a = json_node_get_array(src);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *copy = json_node_copy(json_array_get_element(a, i));
        if (JSON_NODE_HOLDS_OBJECT(copy))
            json_object_set_string_member(json_node_get_object(copy), "in", in);
        json_array_add_element(dst, copy);
    }
    json_node_unref(src);
}

/* Stub anomalies (offsets in their stub), blob anomalies (offsets in the
 * buffer, as `iissdump blob` gives them), then transport notes ("in":
 * "stream", offset null, the frame where they were noticed). */
static JsonNode *anomalies_node(const iiss_call_record *rec)
{
    JsonArray *a = json_array_new();
    if (rec->request_decoded)
        append_all(a, iissdump_json_anomalies(&rec->request.anomalies, 0), "request");
    if (rec->response_decoded)
        append_all(a, iissdump_json_anomalies(&rec->response.anomalies, 0), "response");
    if (rec->has_blob)
        append_all(a, iissdump_json_anomalies(&rec->blob.anomalies, 0), "buffer");
    for (size_t i = 0; i < rec->note_count; i++) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "kind", iiss_dce_note_kind_name(rec->notes[i].kind));
        json_object_set_null_member(o, "offset");
        json_object_set_string_member(o, "message", rec->notes[i].message);
        json_object_set_string_member(o, "in", "stream");
        if (rec->notes[i].frame)
            json_object_set_int_member(o, "frame", (gint64)rec->notes[i].frame);
        else
            json_object_set_null_member(o, "frame");
        json_array_add_object_element(a, o);
    }
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

static JsonNode *auth_node(const iiss_call_record *rec)
{
    if (!rec->has_auth || rec->auth_type == 0)
        return json_node_new(JSON_NODE_NULL);
    JsonObject *o = json_object_new();
    const char *type = iiss_dce_auth_type_name(rec->auth_type);
    if (type)
        json_object_set_string_member(o, "type", type);
    else
        json_object_set_int_member(o, "type", rec->auth_type);
    const char *level = iiss_dce_auth_level_name(rec->auth_level);
    if (level)
        json_object_set_string_member(o, "level", level);
    else
        json_object_set_int_member(o, "level", rec->auth_level);
    const iiss_ntlm_identity *id = rec->has_identity ? &rec->identity : NULL;
    set_string_or_null(o, "domain", id ? id->domain : NULL);
    set_string_or_null(o, "user", id ? id->user : NULL);
    set_string_or_null(o, "workstation", id ? id->workstation : NULL);
    if (id && id->server_netbios[0])
        json_object_set_string_member(o, "server_netbios", id->server_netbios);
    if (id && id->server_dns[0])
        json_object_set_string_member(o, "server_dns", id->server_dns);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

JsonNode *iissdump_timeline_json_call(const iiss_call_record *rec)
{
    JsonObject *o = json_object_new();
    char text[IISSDUMP_RESULT_MAX];

    iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text);
    json_object_set_string_member(o, "time", text);
    json_object_set_int_member(o, "frame_request", (gint64)rec->request_meta.frame);
    if (rec->has_response)
        json_object_set_int_member(o, "frame_response", (gint64)rec->response_meta.frame);
    else
        json_object_set_null_member(o, "frame_response");
    json_object_set_string_member(o, "client", iiss_endpoint_format(&rec->client, text, sizeof text));
    json_object_set_string_member(o, "server", iiss_endpoint_format(&rec->server, text, sizeof text));
    json_object_set_int_member(o, "opnum", rec->opnum);
    set_string_or_null(o, "method", rec->method);
    json_object_set_member(o, "params", params_node(rec));

    const iiss_response *rs = rec->response_decoded ? &rec->response : NULL;
    if (rs && rs->hresult.present) {
        set_hex32(o, "hresult", rs->hresult.value);
        json_object_set_string_member(o, "hresult_name", iiss_hresult_format(rs->hresult.value, text, sizeof text));
    } else {
        json_object_set_null_member(o, "hresult");
        json_object_set_null_member(o, "hresult_name");
    }
    if (rec->is_fault) {
        JsonObject *f = json_object_new();
        json_object_set_int_member(f, "code", rec->fault_status);
        set_string_or_null(f, "name", iiss_lookup(iiss_fault_status_names, rec->fault_status));
        json_object_set_object_member(o, "fault_status", f);
    } else {
        json_object_set_null_member(o, "fault_status");
    }
    if (rs && rec->opnum == IISS_OPNUM_STATUS) {
        set_dword_or_null(o, "required_size", &rs->required_size);
        set_dword_or_null(o, "num_services", &rs->num_services);
    } else {
        json_object_set_null_member(o, "required_size");
        json_object_set_null_member(o, "num_services");
    }
    if (rec->has_blob) {
        JsonArray *services = json_array_new();
        for (size_t i = 0; i < rec->blob.service_count; i++)
            json_array_add_element(services, iissdump_json_service(&rec->blob.services[i]));
        json_object_set_array_member(o, "services", services);
    } else {
        json_object_set_null_member(o, "services");
    }
    json_object_set_member(o, "anomalies", anomalies_node(rec));
    json_object_set_string_member(o, "interface", rec->inferred ? "inferred" : "bound");
    json_object_set_string_member(o, "ndr", iiss_ndr_name(rec->ndr));
    json_object_set_boolean_member(o, "sealed", rec->sealed);
    json_object_set_member(o, "auth", auth_node(rec));
    if (rec->has_ipid)
        json_object_set_string_member(o, "ipid", iiss_dce_uuid_format(rec->ipid, text, sizeof text));
    else
        json_object_set_null_member(o, "ipid");
    int64_t rtt_ns;
    if (iissdump_call_rtt_ns(rec, &rtt_ns)) {
        /* microsecond precision, as the timestamps */
        int64_t rtt_us = (rtt_ns >= 0 ? rtt_ns + 500 : rtt_ns - 500) / 1000;
        json_object_set_double_member(o, "rtt_ms", (double)rtt_us / 1e3);
    } else
        json_object_set_null_member(o, "rtt_ms");
    json_object_set_int_member(o, "call_id", rec->call_id);

    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

static JsonNode *counts_node(const iissdump_count_table *t)
{
    JsonObject *o = json_object_new();
    for (guint i = 0; i < t->labels->len; i++)
        json_object_set_int_member(o, g_ptr_array_index(t->labels, i), (gint64)g_array_index(t->counts, guint64, i));
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

JsonNode *iissdump_timeline_json_stats(const iissdump_timeline_stats *stats)
{
    JsonObject *s = json_object_new();
    json_object_set_int_member(s, "calls", (gint64)stats->calls);
    json_object_set_member(s, "by_method", counts_node(&stats->by_method));
    json_object_set_member(s, "by_result", counts_node(&stats->by_result));
    json_object_set_member(s, "by_server", counts_node(&stats->by_server));
    JsonObject *o = json_object_new();
    json_object_set_object_member(o, "stats", s);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

/* json-glib writes doubles with 17 significant digits (9.53 comes out as
 * 9.5299999999999994); the round trip is written back with the microsecond
 * precision it has. The key cannot occur unescaped inside a string. */
static const char rtt_key[] = ",\"rtt_ms\":";

void iissdump_timeline_json_print(FILE *out, JsonNode *node)
{
    gchar *text = json_to_string(node, FALSE);
    char *at = strstr(text, rtt_key);
    if (at) {
        char *num = at + sizeof rtt_key - 1;
        char *end = NULL;
        double v = g_ascii_strtod(num, &end);
        if (end != num && strncmp(num, "null", 4) != 0) {
            char fixed[G_ASCII_DTOSTR_BUF_SIZE];
            g_ascii_formatd(fixed, sizeof fixed, "%.3f", v);
            fwrite(text, 1, (size_t)(num - text), out);
            fputs(fixed, out);
            fputs(end, out);
            fputc('\n', out);
            g_free(text);
            return;
        }
    }
    fputs(text, out);
    fputc('\n', out);
    g_free(text);
}
