/* The Elastic Common Schema form of a call (see timeline_formats.h). ECS
 * leaves a field out when it has no value, so unknown names are absent
 * here, not null; the call's own keys keep their nulls under "iiss". */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "iiss/names.h"
#include "output_json.h"
#include "timeline_actions.h"
#include "timeline_formats.h"
#include "timeline_json.h"
#include "timeline_text.h"

/* The ECS release whose field definitions these follow. */
#define ECS_VERSION "8.11.0"

static void add_endpoint(yajl_gen g, const char *key, const iiss_endpoint *ep, const char *domain)
{
    char ip[IISSDUMP_IP_MAX];
    iissdump_json_key(g, key);
    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "ip", iissdump_endpoint_ip(ep, ip, sizeof ip));
    iissdump_json_add_int(g, "port", ep->port);
    if (domain)
        iissdump_json_add_string(g, "domain", domain);
    yajl_gen_map_close(g);
}

/* source, destination, network, and user and host.name when known (ECS
 * leaves out what is unknown). */
static void add_parties(yajl_gen g, const iiss_endpoint *client, const iiss_endpoint *server,
                        const iiss_ntlm_identity *id, const char *server_name)
{
    add_endpoint(g, "source", client, id && id->workstation[0] ? id->workstation : NULL);
    add_endpoint(g, "destination", server, server_name);
    iissdump_json_key(g, "network");
    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "transport", "tcp");
    iissdump_json_add_string(g, "protocol", "dcerpc");
    yajl_gen_map_close(g);
    if (id && id->user[0]) {
        iissdump_json_key(g, "user");
        yajl_gen_map_open(g);
        iissdump_json_add_string(g, "name", id->user);
        if (id->domain[0])
            iissdump_json_add_string(g, "domain", id->domain);
        yajl_gen_map_close(g);
    }
    if (server_name) {
        iissdump_json_key(g, "host");
        yajl_gen_map_open(g);
        iissdump_json_add_string(g, "name", server_name);
        yajl_gen_map_close(g);
    }
}

/* After @timestamp: the message (scratch), ecs.version, and event opened
 * with what every record shares (kind, category, type). */
static void begin_event(yajl_gen g, const iissdump_buf *message)
{
    iissdump_json_key(g, "message");
    yajl_gen_string(g, (const unsigned char *)message->data, message->len);
    iissdump_json_key(g, "ecs");
    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "version", ECS_VERSION);
    yajl_gen_map_close(g);

    iissdump_json_key(g, "event");
    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "kind", "event");
    iissdump_json_key(g, "category");
    yajl_gen_array_open(g);
    iissdump_json_string(g, "network");
    yajl_gen_array_close(g);
    iissdump_json_key(g, "type");
    yajl_gen_array_open(g);
    iissdump_json_string(g, "protocol");
    yajl_gen_array_close(g);
}

/* "iis-stop", "iis-status" ...; "iis-opnum-N" for an opnum with no name. */
static void add_action(yajl_gen g, const iiss_call_record *rec)
{
    char action[48];
    if (rec->method) {
        size_t at = 0;
        memcpy(action, "iis-", 4);
        at = 4;
        for (const char *m = rec->method; *m && at + 1 < sizeof action; m++)
            action[at++] = (char)tolower((unsigned char)*m);
        action[at] = '\0';
    } else {
        snprintf(action, sizeof action, "iis-opnum-%u", (unsigned)rec->opnum);
    }
    iissdump_json_add_string(g, "action", action);
}

/* key: [the techniques' ids] or [their names] */
static void add_technique_list(yajl_gen g, const char *key, const iiss_attack_technique *const *tech, size_t n,
                               bool names)
{
    iissdump_json_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        iissdump_json_string(g, names ? tech[i]->name : tech[i]->id);
    yajl_gen_array_close(g);
}

static void add_threat(yajl_gen g, const iiss_attack_technique *const *tech, size_t n)
{
    iissdump_json_key(g, "threat");
    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "framework", "MITRE ATT&CK");
    iissdump_json_key(g, "technique");
    yajl_gen_map_open(g);
    add_technique_list(g, "id", tech, n, false);
    add_technique_list(g, "name", tech, n, true);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

void iissdump_timeline_ecs_call(yajl_gen g, iissdump_buf *scratch, iissdump_endpoint_names *endpoints,
                                const iiss_call_record *rec)
{
    char text[IISSDUMP_TIME_MAX];
    const iiss_attack_technique *tech[IISS_ATTACK_PER_CALL_MAX];
    size_t ntech = iiss_attack_techniques(rec->opnum, tech);
    const char *server_name = iissdump_server_name(rec);
    const iiss_ntlm_identity *id = rec->has_identity ? &rec->identity : NULL;

    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "@timestamp",
                             iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec, text, sizeof text));
    scratch->len = 0;
    iissdump_timeline_text_line(scratch, endpoints, rec);
    begin_event(g, scratch);
    add_action(g, rec);
    iissdump_json_add_string(g, "outcome", iissdump_call_outcome(rec));
    iissdump_json_add_string(g, "dataset", "iiss.call");
    iissdump_json_add_string(g, "start", text);
    int64_t rtt_ns;
    if (iissdump_call_rtt_ns(rec, &rtt_ns)) {
        char end[IISSDUMP_TIME_MAX];
        iissdump_json_add_string(g, "end", iissdump_format_time(rec->response_meta.ts_sec, rec->response_meta.ts_nsec,
                                                                end, sizeof end));
        iissdump_json_add_int(g, "duration", rtt_ns);
    }
    yajl_gen_map_close(g);

    add_parties(g, &rec->client, &rec->server, id, server_name);
    add_threat(g, tech, ntech);
    add_technique_list(g, "tags", tech, ntech, false);

    iissdump_json_key(g, "iiss");
    yajl_gen_map_open(g);
    iissdump_timeline_json_call_fields(g, endpoints, rec);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

void iissdump_timeline_ecs_action(yajl_gen g, iissdump_buf *scratch, const iiss_action_record *rec)
{
    char text[IISSDUMP_TIME_MAX];
    const iiss_ntlm_identity *id = rec->has_identity ? &rec->identity : NULL;
    const char *server_name = rec->server_name[0] ? rec->server_name : NULL;

    yajl_gen_map_open(g);
    iissdump_json_add_string(g, "@timestamp", iissdump_format_time(rec->start.ts_sec, rec->start.ts_nsec, text,
                                                                   sizeof text));
    scratch->len = 0;
    iissdump_action_text_line(scratch, rec);
    begin_event(g, scratch);
    /* "iisreset-restart", "iisreset-unknown" */
    const char *kind = iiss_action_kind_name(rec->kind);
    char action[32];
    snprintf(action, sizeof action, "iisreset-%s", kind[0] == '/' ? kind + 1 : kind);
    iissdump_json_add_string(g, "action", action);
    iissdump_json_add_string(g, "outcome", iiss_call_outcome_name(rec->outcome));
    iissdump_json_add_string(g, "dataset", "iiss.action");
    iissdump_json_add_string(g, "start", text);
    char end[IISSDUMP_TIME_MAX];
    iissdump_json_add_string(g, "end", iissdump_format_time(rec->end.ts_sec, rec->end.ts_nsec, end, sizeof end));
    iissdump_json_add_int(g, "duration", iissdump_action_duration_ns(rec));
    yajl_gen_map_close(g);

    add_parties(g, &rec->client, &rec->server, id, server_name);
    add_threat(g, rec->tags, rec->tag_count);
    iissdump_json_key(g, "tags");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rec->tag_count; i++)
        iissdump_json_string(g, rec->tags[i]->id);
    yajl_gen_array_close(g);

    iissdump_json_key(g, "iiss");
    yajl_gen_map_open(g);
    iissdump_action_json_fields(g, rec);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}
