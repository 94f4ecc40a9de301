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

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days): gmtime_r + strftime cost more than the rest of a call's
 * line. */
static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

static void put_digits(char *at, unsigned value, int count)
{
    while (count-- > 0) {
        at[count] = (char)('0' + value % 10);
        value /= 10;
    }
}

/* 1970-01-01 and 10000-01-01: four-digit years, the common case. */
#define FAST_TIME_FIRST_SEC INT64_C(0)
#define FAST_TIME_END_SEC INT64_C(253402300800)

const char *iissdump_format_time(int64_t sec, uint32_t nsec, char *buf, size_t n)
{
    uint32_t usec = nsec / 1000u;
    static const char pattern[] = "YYYY-MM-DDTHH:MM:SS.uuuuuuZ";
    if (sec >= FAST_TIME_FIRST_SEC && sec < FAST_TIME_END_SEC && usec < 1000000u && n >= sizeof pattern) {
        int64_t year;
        unsigned month, day, second_of_day = (unsigned)(sec % 86400);
        civil_from_days(sec / 86400, &year, &month, &day);
        memcpy(buf, pattern, sizeof pattern);
        put_digits(buf, (unsigned)year, 4);
        put_digits(buf + 5, month, 2);
        put_digits(buf + 8, day, 2);
        put_digits(buf + 11, second_of_day / 3600, 2);
        put_digits(buf + 14, second_of_day / 60 % 60, 2);
        put_digits(buf + 17, second_of_day % 60, 2);
        put_digits(buf + 20, usec, 6);
        return buf;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "%" PRId64 ".%06uZ", sec, usec);
        return buf;
    }
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%06uZ", date, (unsigned)usec);
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

#define ENDPOINT_SLOTS 1024u /* a power of two */

struct endpoint_name {
    bool used;
    iiss_endpoint endpoint;
    char text[IISS_ENDPOINT_STR_MAX];
};

static bool same_endpoint(const iiss_endpoint *a, const iiss_endpoint *b)
{
    return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

static size_t endpoint_slot(const iiss_endpoint *ep)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    h = (h ^ ep->family) * 16777619u;
    for (size_t i = 0; i < sizeof ep->addr; i++)
        h = (h ^ ep->addr[i]) * 16777619u;
    h = (h ^ (ep->port & 0xFFu)) * 16777619u;
    h = (h ^ (ep->port >> 8)) * 16777619u;
    return h & (ENDPOINT_SLOTS - 1);
}

const char *iissdump_endpoint_name(iissdump_endpoint_names *names, const iiss_endpoint *ep)
{
    if (!names->slots)
        names->slots = g_new0(struct endpoint_name, ENDPOINT_SLOTS);
    struct endpoint_name *slot = &names->slots[endpoint_slot(ep)];
    if (!slot->used || !same_endpoint(&slot->endpoint, ep)) {
        slot->used = true;
        slot->endpoint = *ep;
        iiss_endpoint_format(ep, slot->text, sizeof slot->text);
    }
    return slot->text;
}

void iissdump_endpoint_names_free(iissdump_endpoint_names *names)
{
    g_free(names->slots);
    names->slots = NULL;
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

void iissdump_timeline_text_stats(FILE *out, const iissdump_timeline_stats *stats, bool after_calls)
{
    if (after_calls)
        fputc('\n', out); /* apart from the timeline above */
    fprintf(out, "%" G_GUINT64_FORMAT " call%s\n", stats->calls, stats->calls == 1 ? "" : "s");
    print_table(out, "by method", &stats->by_method);
    print_table(out, "by result", &stats->by_result);
    print_table(out, "by server", &stats->by_server);
}

/* ---- one call ---- */

/* ", " between parameters once one has been written. */
static void add_param_sep(iissdump_buf *out, bool *first)
{
    if (!*first)
        iissdump_buf_add(out, ", ", 2);
    *first = false;
}

/* A flag parameter: left out when 0, its bare name when 1, name=value
 * otherwise; "name=?" when the stub did not hold it but the method has it. */
static void add_flag_param(iissdump_buf *out, bool *first, const char *name, const iiss_dword_param *p, bool wanted)
{
    if (p->present && p->value != 0) {
        add_param_sep(out, first);
        iissdump_buf_str(out, name);
        if (p->value != 1) {
            iissdump_buf_char(out, '=');
            iissdump_buf_u64(out, p->value);
        }
    } else if (!p->present && wanted) {
        add_param_sep(out, first);
        iissdump_buf_str(out, name);
        iissdump_buf_add(out, "=?", 2);
    }
}

static void add_params(iissdump_buf *out, const iiss_call_record *rec)
{
    const iiss_request *rq = &rec->request;
    if (rec->sealed) {
        iissdump_buf_str(out, "(sealed)");
        return;
    }
    if (!rec->request_decoded) {
        iissdump_buf_str(out, "(?)");
        return;
    }
    /* A parameter the stub did not hold (cut short) prints as "?". */
    bool first = true;
    bool want_timeout = rec->opnum >= IISS_OPNUM_STOP && rec->opnum <= IISS_OPNUM_REBOOT;
    iissdump_buf_char(out, '(');
    if (rq->timeout_ms.present) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "timeout=");
        iissdump_buf_u64(out, rq->timeout_ms.value);
        iissdump_buf_str(out, " ms");
    } else if (want_timeout) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "timeout=?");
    }
    add_flag_param(out, &first, "force", &rq->force, rec->opnum == IISS_OPNUM_STOP);
    add_flag_param(out, &first, "force_apps_closed", &rq->force_apps_closed, rec->opnum == IISS_OPNUM_REBOOT);
    if (rq->buffer_size.present) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "buffer=");
        iissdump_buf_u64(out, rq->buffer_size.value);
        iissdump_buf_str(out, " bytes");
    } else if (rec->opnum == IISS_OPNUM_STATUS) {
        add_param_sep(out, &first);
        iissdump_buf_str(out, "buffer=?");
    }
    iissdump_buf_char(out, ')');
}

static void add_caller(iissdump_buf *out, const iiss_call_record *rec)
{
    if (!rec->has_identity || (!rec->identity.user[0] && !rec->identity.domain[0]))
        return;
    const iiss_ntlm_identity *id = &rec->identity;
    iissdump_buf_add(out, "  ", 2);
    if (id->domain[0]) {
        iissdump_buf_str(out, id->domain);
        iissdump_buf_char(out, '\\');
    }
    iissdump_buf_str(out, id->user[0] ? id->user : "?");
    if (id->workstation[0]) {
        iissdump_buf_char(out, '@');
        iissdump_buf_str(out, id->workstation);
    }
}

static void add_notes(iissdump_buf *out, const iiss_call_record *rec, const char *indent)
{
    for (size_t i = 0; i < rec->note_count; i++) {
        const iiss_dce_note *n = &rec->notes[i];
        iissdump_buf_str(out, indent);
        const char *kind = iiss_anomaly_kind_name(n->kind);
        iissdump_buf_str(out, kind ? kind : "(null)");
        if (n->frame) {
            iissdump_buf_str(out, " at frame ");
            iissdump_buf_u64(out, n->frame);
        }
        iissdump_buf_add(out, ": ", 2);
        iissdump_buf_str(out, n->message);
        iissdump_buf_char(out, '\n');
    }
}

/* "  rtt 1.234 ms". printf rounds the double; when the round trip is whole
 * microseconds (pcap's own resolution) and small enough for the double to
 * be exact to far below that, the digits are written directly. */
#define RTT_DIRECT_MAX_NS INT64_C(1000000000000000)

static void add_rtt(iissdump_buf *out, int64_t rtt_ns)
{
    if (rtt_ns % 1000 != 0 || rtt_ns > RTT_DIRECT_MAX_NS || rtt_ns < -RTT_DIRECT_MAX_NS) {
        iissdump_buf_printf(out, "  rtt %.3f ms", (double)rtt_ns / 1e6);
        return;
    }
    int64_t us = rtt_ns / 1000;
    uint64_t magnitude = (uint64_t)(us < 0 ? -us : us);
    iissdump_buf_str(out, us < 0 ? "  rtt -" : "  rtt ");
    iissdump_buf_u64(out, magnitude / 1000);
    char fraction[4] = {'.', (char)('0' + magnitude / 100 % 10), (char)('0' + magnitude / 10 % 10),
                        (char)('0' + magnitude % 10)};
    iissdump_buf_add(out, fraction, sizeof fraction);
    iissdump_buf_str(out, " ms");
}

void iissdump_timeline_text_call(iissdump_buf *out, iissdump_table_scratch *table,
                                 iissdump_endpoint_names *endpoints, const iiss_call_record *rec)
{
    char text[IISSDUMP_RESULT_MAX > IISSDUMP_TIME_MAX ? IISSDUMP_RESULT_MAX : IISSDUMP_TIME_MAX];
    static const char arrow[] = " → ";
    iissdump_buf_str(out, iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    iissdump_buf_add(out, "  ", 2);
    iissdump_buf_str(out, iissdump_endpoint_name(endpoints, &rec->client));
    iissdump_buf_add(out, arrow, sizeof arrow - 1);
    iissdump_buf_str(out, iissdump_endpoint_name(endpoints, &rec->server));
    /* the server's own names, from the NTLMSSP CHALLENGE */
    if (rec->has_identity && (rec->identity.server_dns[0] || rec->identity.server_netbios[0])) {
        iissdump_buf_add(out, " (", 2);
        iissdump_buf_str(out, rec->identity.server_dns[0] ? rec->identity.server_dns : rec->identity.server_netbios);
        iissdump_buf_char(out, ')');
    }
    add_caller(out, rec);
    iissdump_buf_add(out, "  ", 2);
    if (rec->method) {
        iissdump_buf_str(out, rec->method);
    } else {
        iissdump_buf_str(out, "opnum ");
        iissdump_buf_u64(out, rec->opnum);
    }
    add_params(out, rec);
    iissdump_buf_add(out, arrow, sizeof arrow - 1);
    const char *result = iissdump_call_result(rec, text, sizeof text);
    iissdump_buf_str(out, result);
    if (rec->response_decoded && rec->response.hresult.present && !rec->is_fault && strcmp(result, "S_OK") != 0)
        iissdump_buf_printf(out, " (0x%08" PRIX32 ")", rec->response.hresult.value);
    if (rec->response_decoded && rec->response.required_size.present && rec->opnum == IISS_OPNUM_STATUS) {
        iissdump_buf_str(out, ", required ");
        iissdump_buf_u64(out, rec->response.required_size.value);
        iissdump_buf_str(out, " bytes");
    }
    if (rec->response_decoded && rec->response.num_services.present) {
        iissdump_buf_add(out, ", ", 2);
        iissdump_buf_u64(out, rec->response.num_services.value);
        iissdump_buf_str(out, rec->response.num_services.value == 1 ? " service" : " services");
    }
    int64_t rtt;
    if (iissdump_call_rtt_ns(rec, &rtt))
        add_rtt(out, rtt);
    iissdump_buf_str(out, "  [frame ");
    iissdump_buf_u64(out, rec->request_meta.frame);
    if (rec->has_response) {
        iissdump_buf_str(out, "→");
        iissdump_buf_u64(out, rec->response_meta.frame);
    }
    iissdump_buf_char(out, ']');
    if (rec->inferred)
        iissdump_buf_str(out, " [inferred]");
    if (rec->ndr == IISS_NDR64)
        iissdump_buf_str(out, " [NDR64]");
    if (rec->has_auth && rec->auth_type != 0) {
        const char *type = iiss_dce_auth_type_name(rec->auth_type);
        const char *level = iiss_dce_auth_level_name(rec->auth_level);
        iissdump_buf_str(out, " [");
        iissdump_buf_str(out, type ? type : "auth");
        if (level) {
            iissdump_buf_char(out, ' ');
            iissdump_buf_str(out, level);
        } else {
            iissdump_buf_str(out, " level ");
            iissdump_buf_u64(out, rec->auth_level);
        }
        iissdump_buf_char(out, ']');
    }
    /* Read with a credential: the parameters above were sealed on the wire. */
    if (rec->decrypted)
        iissdump_buf_str(out, " [decrypted]");
    if (rec->verified == IISS_DCE_VERIFIED_FALSE)
        iissdump_buf_str(out, " [signature invalid]");
    iissdump_buf_char(out, '\n');

    if (rec->has_blob && rec->blob.service_count > 0)
        iissdump_text_services(out, table, &rec->blob, "    ");
    add_notes(out, rec, "    ! ");
    if (rec->request_decoded)
        iissdump_text_anomalies(out, &rec->request.anomalies, 0, "    ! request ");
    if (rec->response_decoded)
        iissdump_text_anomalies(out, &rec->response.anomalies, 0, "    ! response ");
    if (rec->has_blob)
        iissdump_text_anomalies(out, &rec->blob.anomalies, 0, "    ! buffer ");
}
