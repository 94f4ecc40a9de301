/* The action views shared by the formats (see timeline_actions.h). */
#include "timeline_actions.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "iiss/names.h"
#include "output_json.h"
#include "timeline_text.h"

static const char arrow[] = " → ";

const char *iissdump_action_state_name(uint32_t state, char *buf, size_t n)
{
    const char *name = iiss_state_format(state, buf, n);
    static const char prefix[] = "SERVICE_";
    return strncmp(name, prefix, sizeof prefix - 1) == 0 ? name + sizeof prefix - 1 : name;
}

void iissdump_action_service_text(iissdump_buf *out, const iiss_action_service *svc, const char *sep)
{
    char state[64];
    iissdump_buf_str(out, svc->name);
    for (size_t i = 0; i < svc->state_count; i++) {
        if (i > 0)
            iissdump_buf_str(out, svc->states_elided && i + 1 == svc->state_count ? " … " : sep);
        else
            iissdump_buf_char(out, ' ');
        iissdump_buf_str(out, iissdump_action_state_name(svc->states[i], state, sizeof state));
    }
}

void iissdump_action_outcome_text(iissdump_buf *out, const iiss_action_record *rec)
{
    char text[IISSDUMP_RESULT_MAX];
    switch (rec->outcome) {
    case IISS_OUTCOME_SUCCESS:
        iissdump_buf_str(out, "S_OK");
        return;
    case IISS_OUTCOME_FAILURE: {
        const iiss_action_call *c = &rec->failure_call;
        if (c->method)
            iissdump_buf_str(out, c->method);
        else
            iissdump_buf_printf(out, "opnum %u", (unsigned)c->opnum);
        iissdump_buf_char(out, ' ');
        iissdump_buf_str(out, iissdump_result_text(&c->result, text, sizeof text));
        iissdump_buf_printf(out, " (frame %" PRIu64 ")", c->request_meta.frame);
        return;
    }
    case IISS_OUTCOME_UNKNOWN:
        break;
    }
    iissdump_buf_str(out, "unknown");
}

int64_t iissdump_action_duration_ns(const iiss_action_record *rec)
{
    int64_t ns = (rec->end.ts_sec - rec->start.ts_sec) * INT64_C(1000000000) + (int64_t)rec->end.ts_nsec -
                 (int64_t)rec->start.ts_nsec;
    return ns > 0 ? ns : 0;
}

static bool has_caller(const iiss_action_record *rec)
{
    return rec->has_identity && (rec->identity.user[0] || rec->identity.domain[0]);
}

void iissdump_action_text_line(iissdump_buf *out, const iiss_action_record *rec)
{
    char text[IISSDUMP_TIME_MAX > IISSDUMP_IP_MAX ? IISSDUMP_TIME_MAX : IISSDUMP_IP_MAX];
    iissdump_buf_str(out, iissdump_format_time(rec->start.ts_sec, rec->start.ts_nsec, text, sizeof text));
    iissdump_buf_add(out, "  ", 2);
    iissdump_buf_str(out, iiss_action_kind_name(rec->kind));
    iissdump_buf_add(out, "  ", 2);
    iissdump_buf_str(out, iissdump_endpoint_ip(&rec->client, text, sizeof text));
    iissdump_buf_str(out, arrow);
    iissdump_buf_str(out, iissdump_endpoint_ip(&rec->server, text, sizeof text));
    if (rec->server_name[0])
        iissdump_buf_printf(out, " (%s)", rec->server_name);
    if (has_caller(rec)) {
        iissdump_buf_add(out, "  ", 2);
        iissdump_text_caller(out, &rec->identity);
    }
    iissdump_buf_add(out, "  ", 2);
    iissdump_action_outcome_text(out, rec);
    iissdump_buf_printf(out, "  %zu call%s", rec->call_count, rec->call_count == 1 ? "" : "s");
    for (size_t i = 0; i < rec->calls_listed; i++) {
        const iiss_action_call *c = &rec->calls[i];
        iissdump_buf_str(out, i ? ", " : ": ");
        if (c->method)
            iissdump_buf_str(out, c->method);
        else
            iissdump_buf_printf(out, "opnum %u", (unsigned)c->opnum);
        iissdump_buf_printf(out, " %" PRIu64, c->request_meta.frame);
    }
    if (rec->calls_listed < rec->call_count)
        iissdump_buf_printf(out, ", … %zu more", rec->call_count - rec->calls_listed);
    iissdump_buf_printf(out, " in %.3f s", (double)iissdump_action_duration_ns(rec) / 1e9);
    for (size_t i = 0; i < rec->service_count; i++) {
        iissdump_buf_str(out, i ? "; " : "  ");
        iissdump_action_service_text(out, &rec->services[i], arrow);
    }
    iissdump_buf_str(out, "  [");
    for (size_t i = 0; i < rec->tag_count; i++) {
        if (i > 0)
            iissdump_buf_char(out, ' ');
        iissdump_buf_str(out, rec->tags[i]->id);
    }
    iissdump_buf_char(out, ']');
}

static void add_time(yajl_gen g, const char *key, const iiss_packet_meta *m)
{
    char text[IISSDUMP_TIME_MAX];
    iissdump_json_add_string(g, key, iissdump_format_time(m->ts_sec, m->ts_nsec, text, sizeof text));
}

static void add_text_or_null(yajl_gen g, const char *key, const char *value)
{
    iissdump_json_add_string_or_null(g, key, value && value[0] ? value : NULL);
}

static void add_call(yajl_gen g, const iiss_action_call *c)
{
    char text[IISSDUMP_RESULT_MAX];
    yajl_gen_map_open(g);
    add_time(g, "time", &c->request_meta);
    iissdump_json_add_int(g, "frame_request", (int64_t)c->request_meta.frame);
    if (c->has_response)
        iissdump_json_add_int(g, "frame_response", (int64_t)c->response_meta.frame);
    else
        iissdump_json_add_null(g, "frame_response");
    iissdump_json_add_int(g, "opnum", c->opnum);
    iissdump_json_add_string_or_null(g, "method", c->method);
    iissdump_json_add_string(g, "result", iissdump_result_text(&c->result, text, sizeof text));
    if (c->result.has_hresult) {
        char hex[16];
        snprintf(hex, sizeof hex, "0x%08" PRIX32, c->result.hresult);
        iissdump_json_add_string(g, "hresult", hex);
    } else {
        iissdump_json_add_null(g, "hresult");
    }
    iissdump_json_add_string(g, "outcome", iiss_call_outcome_name(iiss_call_result_outcome(&c->result)));
    yajl_gen_map_close(g);
}

static void add_services(yajl_gen g, const iiss_action_record *rec)
{
    char state[64];
    iissdump_buf text = {0};
    iissdump_json_key(g, "services");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rec->service_count; i++) {
        const iiss_action_service *svc = &rec->services[i];
        yajl_gen_map_open(g);
        iissdump_json_add_string(g, "name", svc->name);
        iissdump_json_key(g, "states");
        yajl_gen_array_open(g);
        for (size_t j = 0; j < svc->state_count; j++)
            iissdump_json_string(g, iissdump_action_state_name(svc->states[j], state, sizeof state));
        yajl_gen_array_close(g);
        iissdump_json_add_string(g, "before", iissdump_action_state_name(svc->states[0], state, sizeof state));
        iissdump_json_add_string(g, "after",
                                 iissdump_action_state_name(svc->states[svc->state_count - 1], state, sizeof state));
        iissdump_json_add_bool(g, "states_elided", svc->states_elided);
        text.len = 0;
        iissdump_action_service_text(&text, svc, arrow);
        iissdump_json_key(g, "text");
        yajl_gen_string(g, (const unsigned char *)text.data, text.len);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    iissdump_buf_free(&text);
}

void iissdump_action_json_fields(yajl_gen g, const iiss_action_record *rec)
{
    char text[IISSDUMP_IP_MAX > 40 ? IISSDUMP_IP_MAX : 40];
    add_time(g, "time", &rec->start);
    add_time(g, "end_time", &rec->end);
    /* milliseconds, three decimals: the timestamps' microseconds */
    int64_t us = iissdump_action_duration_ns(rec) / 1000;
    int n = snprintf(text, sizeof text, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
    iissdump_json_key(g, "duration_ms");
    yajl_gen_number(g, text, (size_t)n);
    iissdump_json_add_string(g, "action", iiss_action_kind_name(rec->kind));
    iissdump_json_add_string(g, "client", iissdump_endpoint_ip(&rec->client, text, sizeof text));
    iissdump_json_add_string(g, "server", iissdump_endpoint_ip(&rec->server, text, sizeof text));
    add_text_or_null(g, "server_name", rec->server_name);
    const iiss_ntlm_identity *id = has_caller(rec) ? &rec->identity : NULL;
    if (id) {
        iissdump_buf caller = {0};
        iissdump_text_caller(&caller, id);
        iissdump_json_key(g, "caller");
        yajl_gen_string(g, (const unsigned char *)caller.data, caller.len);
        iissdump_buf_free(&caller);
    } else {
        iissdump_json_add_null(g, "caller");
    }
    add_text_or_null(g, "domain", id ? id->domain : NULL);
    add_text_or_null(g, "user", id ? id->user : NULL);
    add_text_or_null(g, "workstation", id ? id->workstation : NULL);
    iissdump_json_add_string(g, "outcome", iiss_call_outcome_name(rec->outcome));
    iissdump_json_key(g, "failure");
    if (rec->has_failure)
        add_call(g, &rec->failure_call);
    else
        yajl_gen_null(g);
    iissdump_json_add_int(g, "call_count", (int64_t)rec->call_count);
    iissdump_json_key(g, "calls");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rec->calls_listed; i++)
        add_call(g, &rec->calls[i]);
    yajl_gen_array_close(g);
    add_services(g, rec);
    iissdump_json_key(g, "tags");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rec->tag_count; i++)
        iissdump_json_string(g, rec->tags[i]->id);
    yajl_gen_array_close(g);
    if (rec->has_ipid)
        iissdump_json_add_string(g, "ipid", iiss_uuid_format(rec->ipid, text, sizeof text));
    else
        iissdump_json_add_null(g, "ipid");
    if (rec->has_activation)
        iissdump_json_add_int(g, "activation_frame", (int64_t)rec->activation_frame);
    else
        iissdump_json_add_null(g, "activation_frame");
}

void iissdump_action_json(yajl_gen g, const iiss_action_record *rec)
{
    yajl_gen_map_open(g);
    iissdump_action_json_fields(g, rec);
    yajl_gen_map_close(g);
}
