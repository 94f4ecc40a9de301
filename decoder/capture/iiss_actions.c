/* Actions: the IIS calls of one iisreset run grouped (see iiss_actions.h). */
#include "iiss_actions.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* Methods other than Status an action's name depends on; a longer sequence
 * is no iisreset run. */
#define SEQUENCE_MAX 4
#define OPNUM_STOP 7
#define OPNUM_START 8
#define OPNUM_REBOOT 9
#define OPNUM_STATUS 10
#define OPNUM_KILL 11
#define HRESULT_INSUFFICIENT_BUFFER 0x8007007Au /* E_ERROR_INSUFFICIENT_BUFFER */

typedef struct open_action {
    iiss_action_record rec;
    int64_t last_ns;      /* the end of its latest call */
    bool closed;          /* no call can join it any more: handed out once the older ones are */
    bool result_unknown;  /* some call without a readable result */
    bool has_calls_endpoints; /* client/server are a call's, not the activation's */
    size_t sequence_len;  /* its methods other than Status, in order */
    uint16_t sequence[SEQUENCE_MAX];
    bool sequence_other;  /* an opnum outside Stop..Kill, or more than SEQUENCE_MAX methods */
} open_action;

struct iiss_actions {
    iiss_actions_config cfg;
    iiss_action_fn on_action;
    void *user;
    GPtrArray *open; /* open_action*, in start order */
    uint64_t next_seq;
    iiss_actions_stats stats;
};

const char *iiss_action_kind_name(iiss_action_kind kind)
{
    switch (kind) {
    case IISS_ACTION_STATUS:
        return "/status";
    case IISS_ACTION_STOP:
        return "/stop";
    case IISS_ACTION_START:
        return "/start";
    case IISS_ACTION_RESTART:
        return "/restart";
    case IISS_ACTION_REBOOT:
        return "/reboot";
    case IISS_ACTION_KILL:
        return "/kill";
    case IISS_ACTION_UNKNOWN:
        break;
    }
    return "unknown";
}

void iiss_actions_config_default(iiss_actions_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_gap_ms = IISS_ACTIONS_DEFAULT_MAX_GAP_MS;
    cfg->max_open = IISS_ACTIONS_DEFAULT_MAX_OPEN;
}

iiss_actions *iiss_actions_new(const iiss_actions_config *cfg, iiss_action_fn on_action, void *user)
{
    iiss_actions *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    iiss_actions_config_default(&a->cfg);
    if (cfg) {
        if (cfg->max_gap_ms)
            a->cfg.max_gap_ms = cfg->max_gap_ms;
        if (cfg->max_open)
            a->cfg.max_open = cfg->max_open;
    }
    a->on_action = on_action;
    a->user = user;
    a->open = g_ptr_array_new();
    a->next_seq = 1;
    return a;
}

/* Nanoseconds since the epoch; a hostile capture's far-off seconds are
 * clamped (they only decide which calls group together). */
static int64_t meta_ns(const iiss_packet_meta *m)
{
    const int64_t limit = INT64_C(9000000000);
    int64_t sec = m->ts_sec > limit ? limit : m->ts_sec < -limit ? -limit : m->ts_sec;
    return sec * INT64_C(1000000000) + (int64_t)(m->ts_nsec % 1000000000u);
}

static bool same_address(const iiss_endpoint *x, const iiss_endpoint *y)
{
    return x->family == y->family && memcmp(x->addr, y->addr, sizeof x->addr) == 0;
}

static iiss_action_kind kind_of(const open_action *oa)
{
    if (oa->sequence_other)
        return IISS_ACTION_UNKNOWN;
    const uint16_t *s = oa->sequence;
    switch (oa->sequence_len) {
    case 0:
        return oa->rec.call_count > 0 ? IISS_ACTION_STATUS : IISS_ACTION_UNKNOWN;
    case 1:
        return s[0] == OPNUM_STOP     ? IISS_ACTION_STOP
               : s[0] == OPNUM_START  ? IISS_ACTION_START
               : s[0] == OPNUM_REBOOT ? IISS_ACTION_REBOOT
                                      : IISS_ACTION_KILL;
    case 2:
        if (s[0] == OPNUM_STOP && s[1] == OPNUM_START)
            return IISS_ACTION_RESTART;
        /* iisreset kills what a Stop could not stop (unless /noforce) */
        if (s[0] == OPNUM_STOP && s[1] == OPNUM_KILL)
            return IISS_ACTION_STOP;
        return IISS_ACTION_UNKNOWN;
    case 3:
        return s[0] == OPNUM_STOP && s[1] == OPNUM_KILL && s[2] == OPNUM_START ? IISS_ACTION_RESTART
                                                                                : IISS_ACTION_UNKNOWN;
    default:
        return IISS_ACTION_UNKNOWN;
    }
}

static void hand_out(iiss_actions *a, open_action *oa)
{
    iiss_action_record *r = &oa->rec;
    r->kind = kind_of(oa);
    if (r->has_failure)
        r->outcome = IISS_OUTCOME_FAILURE;
    else if (oa->result_unknown || r->call_count == 0)
        r->outcome = IISS_OUTCOME_UNKNOWN;
    else
        r->outcome = IISS_OUTCOME_SUCCESS;
    r->seq = a->next_seq++;
    a->stats.actions++;
    if (a->on_action)
        a->on_action(a->user, r);
}

/* Hands out the closed actions at the head: output stays in start order. */
static void release_closed(iiss_actions *a)
{
    guint n = 0;
    while (n < a->open->len && ((open_action *)g_ptr_array_index(a->open, n))->closed) {
        open_action *oa = g_ptr_array_index(a->open, n);
        hand_out(a, oa);
        free(oa);
        n++;
    }
    if (n > 0)
        g_ptr_array_remove_range(a->open, 0, n);
}

/* Closes every action quiet for longer than the gap at time now_ns. */
static void close_quiet(iiss_actions *a, int64_t now_ns)
{
    int64_t gap_ns = (int64_t)a->cfg.max_gap_ms * INT64_C(1000000);
    for (guint i = 0; i < a->open->len; i++) {
        open_action *oa = g_ptr_array_index(a->open, i);
        if (!oa->closed && now_ns - oa->last_ns > gap_ns)
            oa->closed = true;
    }
}

/* The latest open action of this client and server. */
static open_action *find_open(iiss_actions *a, const iiss_endpoint *client, const iiss_endpoint *server)
{
    for (guint i = a->open->len; i-- > 0;) {
        open_action *oa = g_ptr_array_index(a->open, i);
        if (!oa->closed && same_address(&oa->rec.client, client) && same_address(&oa->rec.server, server))
            return oa;
    }
    return NULL;
}

static open_action *start_action(iiss_actions *a, const iiss_endpoint *client, const iiss_endpoint *server,
                                 const iiss_packet_meta *start)
{
    /* Room first: the oldest open one goes out early. */
    while (a->open->len >= a->cfg.max_open) {
        guint i = 0;
        while (i < a->open->len && ((open_action *)g_ptr_array_index(a->open, i))->closed)
            i++;
        if (i == a->open->len)
            break;
        ((open_action *)g_ptr_array_index(a->open, i))->closed = true;
        a->stats.closed_early++;
        release_closed(a);
    }
    open_action *oa = calloc(1, sizeof *oa);
    if (!oa) {
        a->stats.records_dropped++;
        return NULL;
    }
    oa->rec.client = *client;
    oa->rec.server = *server;
    oa->rec.start = *start;
    oa->rec.end = *start;
    oa->last_ns = meta_ns(start);
    g_ptr_array_add(a->open, oa);
    return oa;
}

static void take_identity(open_action *oa, const iiss_ntlm_identity *id)
{
    iiss_action_record *r = &oa->rec;
    if (!r->has_identity && (id->user[0] || id->domain[0])) {
        r->has_identity = true;
        r->identity = *id;
    }
    if (!r->server_name[0])
        iiss_identity_server_name(id, r->server_name, sizeof r->server_name);
}

/* Copies a service name, cut at a UTF-8 character boundary. */
static void copy_name(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void take_service_state(iiss_action_record *r, const char *name, uint32_t state)
{
    iiss_action_service *svc = NULL;
    for (size_t i = 0; i < r->service_count && !svc; i++)
        if (strncmp(r->services[i].name, name, IISS_ACTION_SERVICE_NAME_MAX - 1) == 0)
            svc = &r->services[i];
    if (!svc) {
        if (r->service_count == IISS_ACTION_SERVICES_MAX)
            return;
        svc = &r->services[r->service_count++];
        copy_name(svc->name, sizeof svc->name, name);
    }
    if (svc->state_count > 0 && svc->states[svc->state_count - 1] == state)
        return;
    if (svc->state_count < IISS_ACTION_STATES_MAX) {
        svc->states[svc->state_count++] = state;
    } else {
        /* The last state always shows: "after" is what counts. */
        svc->states[IISS_ACTION_STATES_MAX - 1] = state;
        svc->states_elided = true;
    }
}

static void take_tags(iiss_action_record *r, uint16_t opnum)
{
    const iiss_attack_technique *t[IISS_ATTACK_PER_CALL_MAX];
    size_t n = iiss_attack_techniques(opnum, t);
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t j = 0; j < r->tag_count; j++)
            known = known || r->tags[j] == t[i];
        if (!known && r->tag_count < IISS_ACTION_TAGS_MAX)
            r->tags[r->tag_count++] = t[i];
    }
}

static void add_call(iiss_actions *a, open_action *oa, const iiss_call_record *rec)
{
    iiss_action_record *r = &oa->rec;
    if (r->call_count == 0 && !oa->has_calls_endpoints) {
        /* The calls' connection, not the activation's (port 135). */
        r->client = rec->client;
        r->server = rec->server;
        oa->has_calls_endpoints = true;
    }
    if (r->call_count == 0 && !r->has_activation)
        r->start = rec->request_meta;
    iiss_action_call c = {
        .seq = rec->seq,
        .opnum = rec->opnum,
        .method = rec->method,
        .request_meta = rec->request_meta,
        .has_response = rec->has_response,
        .response_meta = rec->response_meta,
    };
    iiss_call_record_result(rec, &c.result);
    /* iisreset's first Status asks with a small buffer to learn the size
     * it needs: that answer is part of the run, not a failure of it. */
    bool size_probe =
        rec->opnum == OPNUM_STATUS && c.result.has_hresult && c.result.hresult == HRESULT_INSUFFICIENT_BUFFER;
    iiss_call_outcome outcome = size_probe ? IISS_OUTCOME_SUCCESS : iiss_call_result_outcome(&c.result);
    c.failed = outcome == IISS_OUTCOME_FAILURE;
    r->call_count++;
    if (r->calls_listed < IISS_ACTION_CALLS_MAX)
        r->calls[r->calls_listed++] = c;
    else
        a->stats.calls_unlisted++;
    switch (outcome) {
    case IISS_OUTCOME_FAILURE:
        if (!r->has_failure) {
            r->has_failure = true;
            r->failure_call = c;
        }
        break;
    case IISS_OUTCOME_UNKNOWN:
        oa->result_unknown = true;
        break;
    case IISS_OUTCOME_SUCCESS:
        break;
    }
    if (rec->opnum != OPNUM_STATUS) {
        if (rec->opnum < OPNUM_STOP || rec->opnum > OPNUM_KILL || oa->sequence_len == SEQUENCE_MAX)
            oa->sequence_other = true;
        else
            oa->sequence[oa->sequence_len++] = rec->opnum;
    }
    if (rec->has_identity)
        take_identity(oa, &rec->identity);
    if (!r->has_ipid && rec->has_ipid) {
        r->has_ipid = true;
        memcpy(r->ipid, rec->ipid, sizeof r->ipid);
    }
    if (!r->has_activation && rec->has_activation_frame) {
        r->has_activation = true;
        r->activation_frame = rec->activation_frame;
    }
    const iiss_packet_meta *end = rec->has_response ? &rec->response_meta : &rec->request_meta;
    int64_t end_ns = meta_ns(end);
    if (end_ns >= oa->last_ns) {
        oa->last_ns = end_ns;
        r->end = *end;
    }
    if (rec->opnum == OPNUM_STATUS && rec->has_blob) {
        for (size_t i = 0; i < rec->blob.service_count; i++) {
            const iiss_service_record *s = &rec->blob.services[i];
            if (s->name.utf8 && s->name.utf8[0])
                take_service_state(r, s->name.utf8, s->current_state);
        }
    }
    take_tags(r, rec->opnum);
}

/* Does the call belong to this open action: the same IPID (when both are
 * known) and the same activation (when both name one). */
static bool call_fits(const open_action *oa, const iiss_call_record *rec)
{
    const iiss_action_record *r = &oa->rec;
    if (r->has_ipid && rec->has_ipid && memcmp(r->ipid, rec->ipid, sizeof r->ipid) != 0)
        return false;
    if (r->has_activation && rec->has_activation_frame && r->activation_frame != rec->activation_frame)
        return false;
    return true;
}

void iiss_actions_on_call(void *actions, const iiss_call_record *rec)
{
    iiss_actions *a = actions;
    a->stats.calls++;
    close_quiet(a, meta_ns(&rec->request_meta));
    open_action *oa = find_open(a, &rec->client, &rec->server);
    if (oa && !call_fits(oa, rec)) {
        oa->closed = true;
        oa = NULL;
    }
    if (!oa)
        oa = start_action(a, &rec->client, &rec->server, &rec->request_meta);
    if (oa)
        add_call(a, oa, rec);
    release_closed(a);
}

void iiss_actions_on_activation(iiss_actions *a, const iiss_action_activation *act)
{
    a->stats.activations++;
    close_quiet(a, meta_ns(&act->request_meta));
    /* An activation begins a new run of iisreset. */
    open_action *prev = find_open(a, &act->client, &act->server);
    if (prev)
        prev->closed = true;
    open_action *oa = start_action(a, &act->client, &act->server, &act->request_meta);
    if (oa) {
        iiss_action_record *r = &oa->rec;
        if (act->has_response) {
            r->has_activation = true;
            r->activation_frame = act->response_meta.frame;
            r->end = act->response_meta;
            oa->last_ns = meta_ns(&act->response_meta);
        }
        if (act->has_ipid) {
            r->has_ipid = true;
            memcpy(r->ipid, act->ipid, sizeof r->ipid);
        }
        if (act->identity)
            take_identity(oa, act->identity);
    }
    release_closed(a);
}

void iiss_actions_flush(iiss_actions *a)
{
    for (guint i = 0; i < a->open->len; i++)
        ((open_action *)g_ptr_array_index(a->open, i))->closed = true;
    release_closed(a);
}

void iiss_actions_get_stats(const iiss_actions *a, iiss_actions_stats *out)
{
    *out = a->stats;
}

void iiss_actions_free(iiss_actions *a)
{
    if (!a)
        return;
    iiss_actions_flush(a);
    g_ptr_array_free(a->open, TRUE);
    free(a);
}
