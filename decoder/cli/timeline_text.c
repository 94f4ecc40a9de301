/* Text timeline (see timeline_text.h). Names come from the decoder's
 * tables; services and anomalies print through output_text.h, the same
 * rows as `iissdump blob`. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include "timeline_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "iiss/names.h"
#include "output_text.h"

const char *iissdump_format_time(int64_t sec, uint32_t nsec, char *buf, size_t n)
{
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "%" PRId64 ".%06uZ", sec, nsec / 1000u);
        return buf;
    }
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%06uZ", date, (unsigned)(nsec / 1000u));
    return buf;
}

const char *iissdump_call_result(const iiss_call_record *rec, char *buf, size_t n)
{
    if (!rec->has_response) {
        snprintf(buf, n, "no response");
    } else if (rec->is_fault) {
        const char *name = iiss_lookup(iiss_fault_status_names, rec->fault_status);
        if (name)
            snprintf(buf, n, "fault %s", name);
        else
            snprintf(buf, n, "fault 0x%08" PRIX32, rec->fault_status);
    } else if (rec->sealed) {
        snprintf(buf, n, "sealed");
    } else if (rec->response_decoded && rec->response.hresult.present) {
        iiss_hresult_format(rec->response.hresult.value, buf, n);
    } else {
        snprintf(buf, n, "result unreadable");
    }
    return buf;
}

/* Timestamps come from the file: beyond a century apart (or too large to
 * subtract safely) the round trip is not a number worth printing. */
#define RTT_SANE_SEC (100LL * 366 * 24 * 3600)
#define TS_SAFE_SEC (INT64_C(1) << 40)

gboolean iissdump_call_rtt_ns(const iiss_call_record *rec, int64_t *out)
{
    if (!rec->has_response)
        return FALSE;
    int64_t a = rec->request_meta.ts_sec, b = rec->response_meta.ts_sec;
    if (a > TS_SAFE_SEC || a < -TS_SAFE_SEC || b > TS_SAFE_SEC || b < -TS_SAFE_SEC)
        return FALSE;
    int64_t sec = b - a;
    if (sec > RTT_SANE_SEC || sec < -RTT_SANE_SEC)
        return FALSE;
    *out = sec * 1000000000LL + ((int64_t)rec->response_meta.ts_nsec - (int64_t)rec->request_meta.ts_nsec);
    return TRUE;
}

/* ---- --stats ---- */

static void table_init(iissdump_count_table *t)
{
    t->index = g_hash_table_new(g_str_hash, g_str_equal);
    t->labels = g_ptr_array_new_with_free_func(g_free);
    t->counts = g_array_new(FALSE, TRUE, sizeof(guint64));
}

static void table_add(iissdump_count_table *t, const char *label)
{
    gpointer pos;
    if (g_hash_table_lookup_extended(t->index, label, NULL, &pos)) {
        g_array_index(t->counts, guint64, GPOINTER_TO_UINT(pos))++;
        return;
    }
    gchar *copy = g_strdup(label);
    guint at = t->labels->len;
    g_ptr_array_add(t->labels, copy);
    guint64 one = 1;
    g_array_append_val(t->counts, one);
    g_hash_table_insert(t->index, copy, GUINT_TO_POINTER(at));
}

static void table_clear(iissdump_count_table *t)
{
    g_hash_table_destroy(t->index);
    g_ptr_array_free(t->labels, TRUE);
    g_array_free(t->counts, TRUE);
}

void iissdump_stats_init(iissdump_timeline_stats *stats)
{
    stats->calls = 0;
    table_init(&stats->by_method);
    table_init(&stats->by_result);
    table_init(&stats->by_server);
}

void iissdump_stats_add(iissdump_timeline_stats *stats, const iiss_call_record *rec)
{
    char label[IISSDUMP_RESULT_MAX];
    stats->calls++;
    if (rec->method) {
        table_add(&stats->by_method, rec->method);
    } else {
        snprintf(label, sizeof label, "opnum %u", rec->opnum);
        table_add(&stats->by_method, label);
    }
    table_add(&stats->by_result, iissdump_call_result(rec, label, sizeof label));
    char server[IISS_ENDPOINT_STR_MAX];
    table_add(&stats->by_server, iiss_endpoint_format(&rec->server, server, sizeof server));
}

void iissdump_stats_clear(iissdump_timeline_stats *stats)
{
    table_clear(&stats->by_method);
    table_clear(&stats->by_result);
    table_clear(&stats->by_server);
}

static void print_table(FILE *out, const char *title, const iissdump_count_table *t)
{
    fprintf(out, "%s:\n", title);
    size_t width = 0;
    for (guint i = 0; i < t->labels->len; i++) {
        size_t len = strlen(g_ptr_array_index(t->labels, i));
        if (len > width)
            width = len;
    }
    for (guint i = 0; i < t->labels->len; i++)
        fprintf(out, "  %-*s  %" G_GUINT64_FORMAT "\n", (int)width, (const char *)g_ptr_array_index(t->labels, i),
                g_array_index(t->counts, guint64, i));
    if (t->labels->len == 0)
        fprintf(out, "  (none)\n");
}

void iissdump_timeline_text_stats(FILE *out, const iissdump_timeline_stats *stats)
{
    fprintf(out, "\n%" G_GUINT64_FORMAT " call%s\n", stats->calls, stats->calls == 1 ? "" : "s");
    print_table(out, "by method", &stats->by_method);
    print_table(out, "by result", &stats->by_result);
    print_table(out, "by server", &stats->by_server);
}

/* ---- one call ---- */

static void print_params(FILE *out, const iiss_call_record *rec)
{
    const iiss_request *rq = &rec->request;
    if (rec->sealed) {
        fputs("(sealed)", out);
        return;
    }
    if (!rec->request_decoded) {
        fputs("(?)", out);
        return;
    }
    /* A parameter the stub did not hold (cut short) prints as "?". */
    const char *sep = "";
    bool want_timeout = rec->opnum >= IISS_OPNUM_STOP && rec->opnum <= IISS_OPNUM_REBOOT;
    fputc('(', out);
    if (rq->timeout_ms.present) {
        fprintf(out, "timeout=%" PRIu32 " ms", rq->timeout_ms.value);
        sep = ", ";
    } else if (want_timeout) {
        fputs("timeout=?", out);
        sep = ", ";
    }
    if (rq->force.present && rq->force.value != 0) {
        if (rq->force.value == 1)
            fprintf(out, "%sforce", sep);
        else
            fprintf(out, "%sforce=%" PRIu32, sep, rq->force.value);
        sep = ", ";
    } else if (!rq->force.present && rec->opnum == IISS_OPNUM_STOP) {
        fprintf(out, "%sforce=?", sep);
        sep = ", ";
    }
    if (rq->force_apps_closed.present && rq->force_apps_closed.value != 0) {
        if (rq->force_apps_closed.value == 1)
            fprintf(out, "%sforce_apps_closed", sep);
        else
            fprintf(out, "%sforce_apps_closed=%" PRIu32, sep, rq->force_apps_closed.value);
        sep = ", ";
    } else if (!rq->force_apps_closed.present && rec->opnum == IISS_OPNUM_REBOOT) {
        fprintf(out, "%sforce_apps_closed=?", sep);
        sep = ", ";
    }
    if (rq->buffer_size.present)
        fprintf(out, "%sbuffer=%" PRIu32 " bytes", sep, rq->buffer_size.value);
    else if (rec->opnum == IISS_OPNUM_STATUS)
        fprintf(out, "%sbuffer=?", sep);
    fputc(')', out);
}

static void print_caller(FILE *out, const iiss_call_record *rec)
{
    if (!rec->has_identity || (!rec->identity.user[0] && !rec->identity.domain[0]))
        return;
    const iiss_ntlm_identity *id = &rec->identity;
    fputs("  ", out);
    if (id->domain[0])
        fprintf(out, "%s\\", id->domain);
    fputs(id->user[0] ? id->user : "?", out);
    if (id->workstation[0])
        fprintf(out, "@%s", id->workstation);
}

static void print_notes(FILE *out, const iiss_call_record *rec, const char *indent)
{
    for (size_t i = 0; i < rec->note_count; i++) {
        const iiss_dce_note *n = &rec->notes[i];
        fprintf(out, "%s%s", indent, iiss_dce_note_kind_name(n->kind));
        if (n->frame)
            fprintf(out, " at frame %" PRIu64, n->frame);
        fprintf(out, ": %s\n", n->message);
    }
}

void iissdump_timeline_text_call(FILE *out, const iiss_call_record *rec)
{
    char when[IISSDUMP_TIME_MAX], client[IISS_ENDPOINT_STR_MAX], server[IISS_ENDPOINT_STR_MAX];
    char result[IISSDUMP_RESULT_MAX];
    iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, when, sizeof when);
    fprintf(out, "%s  %s → %s", when, iiss_endpoint_format(&rec->client, client, sizeof client),
            iiss_endpoint_format(&rec->server, server, sizeof server));
    /* the server's own names, from the NTLMSSP CHALLENGE */
    if (rec->has_identity && (rec->identity.server_dns[0] || rec->identity.server_netbios[0]))
        fprintf(out, " (%s)", rec->identity.server_dns[0] ? rec->identity.server_dns : rec->identity.server_netbios);
    print_caller(out, rec);
    if (rec->method)
        fprintf(out, "  %s", rec->method);
    else
        fprintf(out, "  opnum %u", rec->opnum);
    print_params(out, rec);
    fprintf(out, " → %s", iissdump_call_result(rec, result, sizeof result));
    if (rec->response_decoded && rec->response.hresult.present && !rec->is_fault &&
        strcmp(result, "S_OK") != 0)
        fprintf(out, " (0x%08" PRIX32 ")", rec->response.hresult.value);
    if (rec->response_decoded && rec->response.required_size.present && rec->opnum == IISS_OPNUM_STATUS)
        fprintf(out, ", required %" PRIu32 " bytes", rec->response.required_size.value);
    if (rec->response_decoded && rec->response.num_services.present)
        fprintf(out, ", %" PRIu32 " service%s", rec->response.num_services.value,
                rec->response.num_services.value == 1 ? "" : "s");
    int64_t rtt;
    if (iissdump_call_rtt_ns(rec, &rtt))
        fprintf(out, "  rtt %.3f ms", (double)rtt / 1e6);
    fprintf(out, "  [frame %" PRIu64, rec->request_meta.frame);
    if (rec->has_response)
        fprintf(out, "→%" PRIu64, rec->response_meta.frame);
    fputc(']', out);
    if (rec->inferred)
        fputs(" [inferred]", out);
    if (rec->ndr == IISS_NDR64)
        fputs(" [NDR64]", out);
    if (rec->has_auth && rec->auth_type != 0) {
        const char *type = iiss_dce_auth_type_name(rec->auth_type);
        const char *level = iiss_dce_auth_level_name(rec->auth_level);
        fprintf(out, " [%s", type ? type : "auth");
        if (level)
            fprintf(out, " %s", level);
        else
            fprintf(out, " level %u", rec->auth_level);
        fputc(']', out);
    }
    fputc('\n', out);

    if (rec->has_blob && rec->blob.service_count > 0)
        iissdump_text_services(out, &rec->blob, "    ");
    print_notes(out, rec, "    ! ");
    if (rec->request_decoded)
        iissdump_text_anomalies(out, &rec->request.anomalies, 0, "    ! request ");
    if (rec->response_decoded)
        iissdump_text_anomalies(out, &rec->response.anomalies, 0, "    ! response ");
    if (rec->has_blob)
        iissdump_text_anomalies(out, &rec->blob.anomalies, 0, "    ! buffer ");
}
