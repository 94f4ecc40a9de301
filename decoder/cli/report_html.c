/* The HTML report of the actions (see report_html.h). The page is static:
 * <details> expands an action, CSS alone draws the timeline. */
#include "report_html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "call_view.h"
#include "iiss/names.h"
#include "text_buf.h"
#include "timeline_actions.h"
#include "timeline_text.h"

struct iissdump_html_report {
    GArray *actions; /* iiss_action_record */
    uint64_t not_kept;
};

iissdump_html_report *iissdump_html_report_new(void)
{
    iissdump_html_report *r = g_new0(iissdump_html_report, 1);
    r->actions = g_array_new(FALSE, FALSE, sizeof(iiss_action_record));
    return r;
}

void iissdump_html_report_add(iissdump_html_report *r, const iiss_action_record *rec)
{
    if (r->actions->len >= IISSDUMP_HTML_MAX_ACTIONS) {
        r->not_kept++;
        return;
    }
    g_array_append_val(r->actions, *rec);
}

void iissdump_html_report_free(iissdump_html_report *r)
{
    if (!r)
        return;
    g_array_free(r->actions, TRUE);
    g_free(r);
}

/* Text into the page, escaped (& < > " '). */
static void put_text(iissdump_buf *out, const char *text, gssize len)
{
    gchar *escaped = g_markup_escape_text(text, len);
    iissdump_buf_str(out, escaped);
    g_free(escaped);
}

static void put_buf(iissdump_buf *out, const iissdump_buf *text)
{
    put_text(out, text->data ? text->data : "", (gssize)text->len);
}

static const char *const style =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "p.summary{color:#444}"
    ".timeline{position:relative;height:22px;background:#f1f1f1;border:1px solid #ccc;margin:.6em 0}"
    ".timeline a{position:absolute;top:2px;height:16px;min-width:4px;border-radius:2px;display:block}"
    ".success{--c:#2e7d32}.failure{--c:#c62828}.unknown{--c:#757575}"
    ".timeline a.success{background:#2e7d32}.timeline a.failure{background:#c62828}"
    ".timeline a.unknown{background:#9e9e9e}"
    ".axis{display:flex;justify-content:space-between;font-size:.8em;color:#666}"
    "ol.actions{list-style:none;padding:0}"
    "li.action{border-left:5px solid var(--c);margin:.4em 0;padding:.2em .6em;background:#fafafa}"
    "li.action.failure{background:#fdecea}"
    "summary{cursor:pointer}summary .name{font-weight:bold;margin:0 .4em}"
    ".outcome{font-weight:bold;color:var(--c)}.tags{color:#555;font-size:.9em}"
    "table{border-collapse:collapse;margin:.5em 0 .5em 1.2em;font-size:.92em}"
    "th,td{border:1px solid #ddd;padding:2px 8px;text-align:left}th{background:#eee}"
    "td.failure{color:#c62828;font-weight:bold}";

static int64_t meta_us(const iiss_packet_meta *m)
{
    return m->ts_sec * INT64_C(1000000) + (int64_t)(m->ts_nsec / 1000u);
}

static void put_calls_table(iissdump_buf *out, const iiss_action_record *a)
{
    char text[IISSDUMP_RESULT_MAX > IISSDUMP_TIME_MAX ? IISSDUMP_RESULT_MAX : IISSDUMP_TIME_MAX];
    iissdump_buf_str(out, "<table class=\"calls\"><tr><th>time</th><th>frames</th><th>method</th>"
                          "<th>result</th></tr>\n");
    for (size_t i = 0; i < a->calls_listed; i++) {
        const iiss_action_call *c = &a->calls[i];
        iissdump_buf_str(out, "<tr><td>");
        put_text(out, iissdump_format_time(c->request_meta.ts_sec, c->request_meta.ts_nsec, text, sizeof text), -1);
        iissdump_buf_printf(out, "</td><td>%" PRIu64, c->request_meta.frame);
        if (c->has_response)
            iissdump_buf_printf(out, " → %" PRIu64, c->response_meta.frame);
        iissdump_buf_str(out, "</td><td>");
        if (c->method)
            put_text(out, c->method, -1);
        else
            iissdump_buf_printf(out, "opnum %u", (unsigned)c->opnum);
        /* red: the call failed the action (not the Status size probe) */
        iissdump_buf_str(out, c->failed ? "</td><td class=\"failure\">" : "</td><td>");
        put_text(out, iissdump_result_text(&c->result, text, sizeof text), -1);
        iissdump_buf_str(out, "</td></tr>\n");
    }
    if (a->calls_listed < a->call_count)
        iissdump_buf_printf(out, "<tr><td colspan=\"4\">… %zu more calls</td></tr>\n",
                            a->call_count - a->calls_listed);
    iissdump_buf_str(out, "</table>\n");
}

static void put_services_table(iissdump_buf *out, const iiss_action_record *a)
{
    if (a->service_count == 0)
        return;
    char state[64];
    iissdump_buf_str(out, "<table class=\"services\"><tr><th>service</th><th>before</th><th>after</th>"
                          "<th>states seen</th></tr>\n");
    for (size_t i = 0; i < a->service_count; i++) {
        const iiss_action_service *svc = &a->services[i];
        iissdump_buf_str(out, "<tr><td>");
        put_text(out, svc->name, -1);
        iissdump_buf_str(out, "</td><td>");
        put_text(out, iissdump_action_state_name(svc->states[0], state, sizeof state), -1);
        iissdump_buf_str(out, "</td><td>");
        put_text(out, iissdump_action_state_name(svc->states[svc->state_count - 1], state, sizeof state), -1);
        iissdump_buf_str(out, "</td><td>");
        for (size_t k = 0; k < svc->state_count; k++) {
            if (k > 0)
                iissdump_buf_str(out, svc->states_elided && k + 1 == svc->state_count ? " … " : " → ");
            put_text(out, iissdump_action_state_name(svc->states[k], state, sizeof state), -1);
        }
        iissdump_buf_str(out, "</td></tr>\n");
    }
    iissdump_buf_str(out, "</table>\n");
}

static void put_action(iissdump_buf *out, iissdump_buf *scratch, const iiss_action_record *a, size_t index)
{
    char text[IISSDUMP_TIME_MAX > IISSDUMP_IP_MAX ? IISSDUMP_TIME_MAX : IISSDUMP_IP_MAX];
    const char *outcome = iiss_call_outcome_name(a->outcome);
    iissdump_buf_printf(out, "<li class=\"action %s\" id=\"action-%zu\"><details%s><summary>", outcome, index,
                        a->outcome == IISS_OUTCOME_FAILURE ? " open" : "");
    iissdump_buf_str(out, "<time>");
    put_text(out, iissdump_format_time(a->start.ts_sec, a->start.ts_nsec, text, sizeof text), -1);
    iissdump_buf_str(out, "</time> <span class=\"name\">");
    put_text(out, iiss_action_kind_name(a->kind), -1);
    iissdump_buf_str(out, "</span> from ");
    put_text(out, iissdump_endpoint_ip(&a->client, text, sizeof text), -1);
    if (a->has_identity && (a->identity.user[0] || a->identity.domain[0])) {
        scratch->len = 0;
        iissdump_text_caller(scratch, &a->identity);
        iissdump_buf_str(out, " as ");
        put_buf(out, scratch);
    }
    iissdump_buf_str(out, " — <span class=\"outcome\">");
    scratch->len = 0;
    iissdump_action_outcome_text(scratch, a);
    put_buf(out, scratch);
    iissdump_buf_printf(out, "</span> — %zu call%s in %.3f s <span class=\"tags\">", a->call_count,
                        a->call_count == 1 ? "" : "s", (double)iissdump_action_duration_ns(a) / 1e9);
    for (size_t i = 0; i < a->tag_count; i++) {
        iissdump_buf_char(out, i ? ' ' : '[');
        put_text(out, a->tags[i]->id, -1);
    }
    iissdump_buf_str(out, a->tag_count ? "]</span>" : "</span>");
    iissdump_buf_str(out, "</summary>\n");
    put_calls_table(out, a);
    put_services_table(out, a);
    iissdump_buf_str(out, "</details></li>\n");
}

static bool same_server(const iiss_action_record *x, const iiss_action_record *y)
{
    return x->server.family == y->server.family && memcmp(x->server.addr, y->server.addr, 16) == 0;
}

/* One server: its heading, the timeline of its actions, their list. */
static void put_server(iissdump_buf *out, iissdump_buf *scratch, const GArray *actions, guint first, bool *done)
{
    char text[IISSDUMP_TIME_MAX > IISSDUMP_IP_MAX ? IISSDUMP_TIME_MAX : IISSDUMP_IP_MAX];
    const iiss_action_record *head = &g_array_index(actions, iiss_action_record, first);
    const char *name = NULL;
    int64_t from = INT64_MAX, to = INT64_MIN;
    size_t count = 0, failed = 0;
    for (guint i = first; i < actions->len; i++) {
        const iiss_action_record *a = &g_array_index(actions, iiss_action_record, i);
        if (!same_server(a, head))
            continue;
        if (!name && a->server_name[0])
            name = a->server_name;
        from = MIN(from, meta_us(&a->start));
        to = MAX(to, meta_us(&a->end));
        count++;
        failed += a->outcome == IISS_OUTCOME_FAILURE;
    }
    iissdump_buf_str(out, "<section class=\"server\"><h2>");
    put_text(out, iissdump_endpoint_ip(&head->server, text, sizeof text), -1);
    if (name) {
        iissdump_buf_str(out, " (");
        put_text(out, name, -1);
        iissdump_buf_char(out, ')');
    }
    iissdump_buf_printf(out, "</h2>\n<p>%zu action%s, %zu failed</p>\n<div class=\"timeline\">", count,
                        count == 1 ? "" : "s", failed);
    double span = to > from ? (double)(to - from) : 1.0;
    for (guint i = first; i < actions->len; i++) {
        const iiss_action_record *a = &g_array_index(actions, iiss_action_record, i);
        if (!same_server(a, head))
            continue;
        double left = 100.0 * (double)(meta_us(&a->start) - from) / span;
        double width = 100.0 * (double)(meta_us(&a->end) - meta_us(&a->start)) / span;
        if (left > 99.5)
            left = 99.5;
        iissdump_buf_printf(out, "<a class=\"%s\" href=\"#action-%u\" style=\"left:%.2f%%;width:%.2f%%\" title=\"",
                            iiss_call_outcome_name(a->outcome), i + 1, left, width);
        put_text(out, iiss_action_kind_name(a->kind), -1);
        iissdump_buf_char(out, ' ');
        put_text(out, iissdump_format_time(a->start.ts_sec, a->start.ts_nsec, text, sizeof text), -1);
        iissdump_buf_str(out, "\"></a>");
    }
    iissdump_buf_str(out, "</div>\n<div class=\"axis\"><span>");
    iiss_packet_meta m = {.ts_sec = from / 1000000, .ts_nsec = (uint32_t)(from % 1000000) * 1000u};
    put_text(out, iissdump_format_time(m.ts_sec, m.ts_nsec, text, sizeof text), -1);
    iissdump_buf_str(out, "</span><span>");
    m = (iiss_packet_meta){.ts_sec = to / 1000000, .ts_nsec = (uint32_t)(to % 1000000) * 1000u};
    put_text(out, iissdump_format_time(m.ts_sec, m.ts_nsec, text, sizeof text), -1);
    iissdump_buf_str(out, "</span></div>\n<ol class=\"actions\">\n");
    for (guint i = first; i < actions->len; i++) {
        const iiss_action_record *a = &g_array_index(actions, iiss_action_record, i);
        if (!same_server(a, head))
            continue;
        put_action(out, scratch, a, i + 1);
        done[i] = true;
    }
    iissdump_buf_str(out, "</ol></section>\n");
}

bool iissdump_html_report_write(const iissdump_html_report *r, FILE *f, const char *const *inputs,
                                size_t input_count)
{
    iissdump_buf out = {0}, scratch = {0};
    size_t failed = 0;
    for (guint i = 0; i < r->actions->len; i++)
        failed += g_array_index(r->actions, iiss_action_record, i).outcome == IISS_OUTCOME_FAILURE;
    iissdump_buf_str(&out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<title>IIS ServiceControl actions</title><style>");
    iissdump_buf_str(&out, style);
    iissdump_buf_str(&out, "</style></head><body>\n<h1>IIS ServiceControl actions</h1>\n<p class=\"summary\">");
    iissdump_buf_printf(&out, "%u action%s, %zu failed, read by iissdump from ", r->actions->len,
                        r->actions->len == 1 ? "" : "s", failed);
    for (size_t i = 0; i < input_count; i++) {
        if (i > 0)
            iissdump_buf_str(&out, ", ");
        put_text(&out, inputs[i], -1);
    }
    iissdump_buf_str(&out, ".</p>\n");
    if (r->not_kept > 0)
        iissdump_buf_printf(&out, "<p class=\"failure\">%" PRIu64 " later actions are not in this report (it keeps "
                                  "%u).</p>\n",
                            r->not_kept, IISSDUMP_HTML_MAX_ACTIONS);
    if (r->actions->len == 0)
        iissdump_buf_str(&out, "<p>No IIS ServiceControl call in the capture.</p>\n");
    bool *done = g_new0(bool, r->actions->len + 1);
    for (guint i = 0; i < r->actions->len; i++)
        if (!done[i])
            put_server(&out, &scratch, r->actions, i, done);
    g_free(done);
    iissdump_buf_str(&out, "</body></html>\n");
    bool ok = fwrite(out.data, 1, out.len, f) == out.len;
    iissdump_buf_free(&out);
    iissdump_buf_free(&scratch);
    return ok;
}
