/* One CSV row per call (see timeline_formats.h): the quoting is libcsv's
 * (csv_write: every field quoted, quotes doubled, as RFC 4180 allows), the
 * layout is here. Lists inside a cell (services, tags, anomalies) are
 * joined with ';'. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <csv.h>
#include <glib.h>

#include "iiss/infer.h"
#include "iiss/names.h"
#include "timeline_actions.h"
#include "timeline_formats.h"
#include "timeline_text.h"

static const char *const columns[] = {
    "time", "frame_request", "frame_response", "client", "server", "server_name", "domain", "user", "workstation",
    "opnum", "method", "timeout_ms", "force", "force_apps_closed", "buffer_size", "result", "hresult",
    "outcome", "required_size", "num_services", "services", "interface", "inference", "sealed", "decrypted",
    "verified", "auth_type", "auth_level", "tags", "anomalies", "rtt_ms", "call_id",
};

typedef struct row {
    iissdump_buf *out;
    size_t fields;
} row;

static void put_field(row *r, const char *text, size_t len)
{
    if (r->fields++ > 0)
        iissdump_buf_char(r->out, ',');
    /* csv_write says how long the quoted field is; it fits in 2 * len + 2 */
    size_t need = 2 * len + 2;
    iissdump_buf_grow(r->out, need);
    r->out->len += csv_write(r->out->data + r->out->len, need, text, len);
}

static void put_str(row *r, const char *text)
{
    put_field(r, text ? text : "", text ? strlen(text) : 0);
}

static void put_u64(row *r, uint64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, v);
    put_field(r, text, (size_t)n);
}

static void put_dword(row *r, const iiss_dword_param *p)
{
    if (p->present)
        put_u64(r, p->value);
    else
        put_str(r, NULL);
}

static void end_row(row *r)
{
    iissdump_buf_add(r->out, "\r\n", 2);
}

void iissdump_timeline_csv_header(iissdump_buf *out)
{
    row r = {out, 0};
    for (size_t i = 0; i < G_N_ELEMENTS(columns); i++)
        put_str(&r, columns[i]);
    end_row(&r);
}

/* "W3SVC=SERVICE_RUNNING;WAS=SERVICE_STOPPED" */
static void put_services(row *r, const iiss_call_record *rec, iissdump_buf *cell)
{
    cell->len = 0;
    if (rec->has_blob) {
        char state[64];
        for (size_t i = 0; i < rec->blob.service_count; i++) {
            const iiss_service_record *s = &rec->blob.services[i];
            if (i > 0)
                iissdump_buf_char(cell, ';');
            iissdump_buf_str(cell, s->name.utf8 ? s->name.utf8 : "");
            iissdump_buf_char(cell, '=');
            iissdump_buf_str(cell, iiss_state_format(s->current_state, state, sizeof state));
        }
    }
    put_field(r, cell->data, cell->len);
}

static void put_anomaly_kinds(iissdump_buf *cell, const iiss_anomaly_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        const char *name = iiss_anomaly_kind_name(list->items[i].kind);
        if (cell->len > 0)
            iissdump_buf_char(cell, ';');
        iissdump_buf_str(cell, name ? name : "unknown");
    }
}

static void put_anomalies(row *r, const iiss_call_record *rec, iissdump_buf *cell)
{
    cell->len = 0;
    if (rec->request_decoded)
        put_anomaly_kinds(cell, &rec->request.anomalies);
    if (rec->response_decoded)
        put_anomaly_kinds(cell, &rec->response.anomalies);
    if (rec->has_blob)
        put_anomaly_kinds(cell, &rec->blob.anomalies);
    for (size_t i = 0; i < rec->note_count; i++) {
        const char *name = iiss_note_kind_name(rec->notes[i].kind);
        if (cell->len > 0)
            iissdump_buf_char(cell, ';');
        iissdump_buf_str(cell, name ? name : "unknown");
    }
    put_field(r, cell->data, cell->len);
}

void iissdump_timeline_csv_call(iissdump_buf *out, iissdump_buf *cell, iissdump_endpoint_names *endpoints,
                                const iiss_call_record *rec)
{
    char text[IISSDUMP_RESULT_MAX > IISSDUMP_TIME_MAX ? IISSDUMP_RESULT_MAX : IISSDUMP_TIME_MAX];
    row r = {out, 0};
    const iiss_ntlm_identity *id = rec->has_identity ? &rec->identity : NULL;
    const iiss_request *rq = rec->request_decoded && !rec->sealed ? &rec->request : NULL;
    const iiss_response *rs = rec->response_decoded ? &rec->response : NULL;
    const iiss_dword_param none = {0};

    put_str(&r, iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    put_u64(&r, rec->request_meta.frame);
    if (rec->has_response)
        put_u64(&r, rec->response_meta.frame);
    else
        put_str(&r, NULL);
    put_str(&r, iissdump_endpoint_name(endpoints, &rec->client));
    put_str(&r, iissdump_endpoint_name(endpoints, &rec->server));
    put_str(&r, iissdump_server_name(rec));
    put_str(&r, id ? id->domain : NULL);
    put_str(&r, id ? id->user : NULL);
    put_str(&r, id ? id->workstation : NULL);
    put_u64(&r, rec->opnum);
    put_str(&r, rec->method);
    put_dword(&r, rq && (rec->opnum == IISS_OPNUM_STOP || rec->opnum == IISS_OPNUM_START ||
                         rec->opnum == IISS_OPNUM_REBOOT) ? &rq->timeout_ms : &none);
    put_dword(&r, rq && rec->opnum == IISS_OPNUM_STOP ? &rq->force : &none);
    put_dword(&r, rq && rec->opnum == IISS_OPNUM_REBOOT ? &rq->force_apps_closed : &none);
    put_dword(&r, rq && rec->opnum == IISS_OPNUM_STATUS ? &rq->buffer_size : &none);
    put_str(&r, iissdump_call_result(rec, text, sizeof text));
    if (rs && rs->hresult.present) {
        snprintf(text, sizeof text, "0x%08" PRIX32, rs->hresult.value);
        put_str(&r, text);
    } else {
        put_str(&r, NULL);
    }
    put_str(&r, iissdump_call_outcome(rec));
    put_dword(&r, rs && rec->opnum == IISS_OPNUM_STATUS ? &rs->required_size : &none);
    put_dword(&r, rs && rec->opnum == IISS_OPNUM_STATUS ? &rs->num_services : &none);
    put_services(&r, rec, cell);
    put_str(&r, rec->inferred ? "inferred" : "bound");
    cell->len = 0;
    for (unsigned i = 0; rec->inferred && i < IISS_INFER_EVIDENCE_KINDS; i++)
        if (rec->inference & (1u << i)) {
            if (cell->len > 0)
                iissdump_buf_char(cell, ';');
            iissdump_buf_str(cell, iiss_infer_evidence_name(i));
        }
    put_field(&r, cell->data, cell->len);
    put_str(&r, rec->sealed || rec->decrypted ? "true" : "false");
    put_str(&r, rec->decrypted ? "true" : "false");
    put_str(&r, rec->verified == IISS_DCE_VERIFIED_UNKNOWN ? NULL
                : rec->verified == IISS_DCE_VERIFIED_TRUE  ? "true"
                                                           : "false");
    put_str(&r, rec->has_auth && rec->auth_type ? iiss_dce_auth_type_name(rec->auth_type) : NULL);
    put_str(&r, rec->has_auth && rec->auth_type ? iiss_dce_auth_level_name(rec->auth_level) : NULL);
    const iiss_attack_technique *tech[IISS_ATTACK_PER_CALL_MAX];
    size_t ntech = iiss_attack_techniques(rec->opnum, tech);
    cell->len = 0;
    for (size_t i = 0; i < ntech; i++)
        iissdump_buf_printf(cell, "%s%s", i ? ";" : "", tech[i]->id);
    put_field(&r, cell->data, cell->len);
    put_anomalies(&r, rec, cell);
    int64_t rtt_ns;
    if (iissdump_call_rtt_ns(rec, &rtt_ns)) {
        snprintf(text, sizeof text, "%.3f", (double)rtt_ns / 1e6);
        put_str(&r, text);
    } else {
        put_str(&r, NULL);
    }
    put_u64(&r, rec->call_id);
    end_row(&r);
}

static const char *const action_columns[] = {
    "time", "end_time", "duration_ms", "action", "client", "server", "server_name", "caller", "domain", "user",
    "workstation", "outcome", "failure", "call_count", "calls", "frames", "services", "tags", "ipid",
    "activation_frame",
};

void iissdump_timeline_csv_action_header(iissdump_buf *out)
{
    row r = {out, 0};
    for (size_t i = 0; i < G_N_ELEMENTS(action_columns); i++)
        put_str(&r, action_columns[i]);
    end_row(&r);
}

void iissdump_timeline_csv_action(iissdump_buf *out, iissdump_buf *cell, const iiss_action_record *rec)
{
    char text[IISSDUMP_TIME_MAX > IISSDUMP_IP_MAX ? IISSDUMP_TIME_MAX : IISSDUMP_IP_MAX];
    row r = {out, 0};
    const iiss_ntlm_identity *id =
        rec->has_identity && (rec->identity.user[0] || rec->identity.domain[0]) ? &rec->identity : NULL;

    put_str(&r, iissdump_format_time(rec->start.ts_sec, rec->start.ts_nsec, text, sizeof text));
    put_str(&r, iissdump_format_time(rec->end.ts_sec, rec->end.ts_nsec, text, sizeof text));
    int64_t us = iissdump_action_duration_ns(rec) / 1000;
    snprintf(text, sizeof text, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
    put_str(&r, text);
    put_str(&r, iiss_action_kind_name(rec->kind));
    put_str(&r, iissdump_endpoint_ip(&rec->client, text, sizeof text));
    put_str(&r, iissdump_endpoint_ip(&rec->server, text, sizeof text));
    put_str(&r, rec->server_name);
    cell->len = 0;
    if (id)
        iissdump_text_caller(cell, id);
    put_field(&r, cell->data, cell->len);
    put_str(&r, id ? id->domain : NULL);
    put_str(&r, id ? id->user : NULL);
    put_str(&r, id ? id->workstation : NULL);
    put_str(&r, iiss_call_outcome_name(rec->outcome));
    cell->len = 0;
    if (rec->has_failure)
        iissdump_action_outcome_text(cell, rec);
    put_field(&r, cell->data, cell->len);
    put_u64(&r, rec->call_count);
    /* the calls' methods, then their request frames, in the same order */
    cell->len = 0;
    for (size_t i = 0; i < rec->calls_listed; i++) {
        if (i > 0)
            iissdump_buf_char(cell, ';');
        if (rec->calls[i].method)
            iissdump_buf_str(cell, rec->calls[i].method);
        else
            iissdump_buf_printf(cell, "opnum %u", (unsigned)rec->calls[i].opnum);
    }
    put_field(&r, cell->data, cell->len);
    cell->len = 0;
    for (size_t i = 0; i < rec->calls_listed; i++)
        iissdump_buf_printf(cell, "%s%" PRIu64, i ? ";" : "", rec->calls[i].request_meta.frame);
    put_field(&r, cell->data, cell->len);
    /* "W3SVC RUNNING>STOPPED>RUNNING;WAS RUNNING" */
    cell->len = 0;
    for (size_t i = 0; i < rec->service_count; i++) {
        if (i > 0)
            iissdump_buf_char(cell, ';');
        iissdump_action_service_text(cell, &rec->services[i], ">");
    }
    put_field(&r, cell->data, cell->len);
    cell->len = 0;
    for (size_t i = 0; i < rec->tag_count; i++)
        iissdump_buf_printf(cell, "%s%s", i ? ";" : "", rec->tags[i]->id);
    put_field(&r, cell->data, cell->len);
    char uuid[40];
    put_str(&r, rec->has_ipid ? iiss_uuid_format(rec->ipid, uuid, sizeof uuid) : NULL);
    if (rec->has_activation)
        put_u64(&r, rec->activation_frame);
    else
        put_str(&r, NULL);
    end_row(&r);
}
