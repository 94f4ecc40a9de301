/* The call view shared by every printer (see call_view.h). */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include "call_view.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iiss/names.h"

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

const char *iissdump_result_text(const iiss_call_result *r, char *buf, size_t n)
{
    if (!r->has_response) {
        snprintf(buf, n, "no response");
    } else if (r->is_fault) {
        const char *name = iiss_lookup(iiss_fault_status_names, r->fault_status);
        if (name)
            snprintf(buf, n, "fault %s", name);
        else
            snprintf(buf, n, "fault 0x%08" PRIX32, r->fault_status);
    } else if (r->sealed) {
        snprintf(buf, n, "sealed");
    } else if (r->has_hresult) {
        iiss_hresult_format(r->hresult, buf, n);
    } else {
        snprintf(buf, n, "result unreadable");
    }
    return buf;
}

const char *iissdump_call_result(const iiss_call_record *rec, char *buf, size_t n)
{
    iiss_call_result r;
    iiss_call_record_result(rec, &r);
    return iissdump_result_text(&r, buf, n);
}

const char *iissdump_activation_result(const iiss_activation_record *rec, char *buf, size_t n)
{
    iiss_call_result r = {rec->has_response, rec->is_fault, rec->fault_status, rec->sealed, rec->has_hresult,
                          rec->hresult};
    return iissdump_result_text(&r, buf, n);
}

const char *iissdump_call_outcome(const iiss_call_record *rec)
{
    iiss_call_result r;
    iiss_call_record_result(rec, &r);
    return iiss_call_outcome_name(iiss_call_result_outcome(&r));
}

const char *iissdump_endpoint_ip(const iiss_endpoint *ep, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    if (!inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, buf, (socklen_t)n))
        buf[0] = '\0';
    return buf;
}

const char *iissdump_server_name(const iiss_call_record *rec)
{
    if (!rec->has_identity)
        return NULL;
    if (rec->identity.server_dns[0])
        return rec->identity.server_dns;
    return rec->identity.server_netbios[0] ? rec->identity.server_netbios : NULL;
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
    return iissdump_rtt_ns(&rec->request_meta, rec->has_response ? &rec->response_meta : NULL, out);
}

gboolean iissdump_rtt_ns(const iiss_packet_meta *request, const iiss_packet_meta *response, int64_t *out)
{
    if (!response)
        return FALSE;
    int64_t a = request->ts_sec, b = response->ts_sec;
    if (a > TS_SAFE_SEC || a < -TS_SAFE_SEC || b > TS_SAFE_SEC || b < -TS_SAFE_SEC)
        return FALSE;
    int64_t sec = b - a;
    if (sec > RTT_SANE_SEC || sec < -RTT_SANE_SEC)
        return FALSE;
    *out = sec * 1000000000LL + ((int64_t)response->ts_nsec - (int64_t)request->ts_nsec);
    return TRUE;
}

