/* DCE/RPC: the stages composed per connection (see dcerpc.h). Framing hands
 * each PDU here; the authentication stage sees it first, then the call
 * stage gets the contexts, the fragments with the stub bytes the
 * authentication stage chose, and the gaps. */
#include "dcerpc.h"

#include <stdlib.h>
#include <string.h>

#include "dce_framing.h"
#include "kerberos_session.h"
#include "ntlmssp_session.h"

typedef struct dce_conn {
    iiss_dce *dce;
    iiss_direction current_dir; /* of the PDU being handed on */
    iiss_dce_framer dir[2];
    iiss_dce_auth_conn auth;
    iiss_dce_calls_conn calls;
} dce_conn;

/* What a connection's state costs the budget: its DCE/RPC state, the
 * identity most authenticated connections get, malloc's overhead; with
 * credentials, the NTLMSSP or Kerberos session an authenticated one gets
 * too (counted as if both). */
#define CONN_CHARGE (sizeof(dce_conn) + sizeof(iiss_ntlm_identity) + 32u)
#define CONN_CHARGE_WITH_CREDENTIALS (CONN_CHARGE + sizeof(iiss_ntlm_session) + sizeof(iiss_krb_session) + 32u)

struct iiss_dce {
    iiss_dce_config cfg;
    iiss_dce_stats stats;
    iiss_memory_budget *own_memory; /* when the config gave none */
    size_t conn_charge;
    iiss_dce_budget budget;
    iiss_dce_framing framing;
    iiss_dce_auth *auth;
    iiss_dce_calls *calls;
};

void iiss_dce_config_default(iiss_dce_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_call_stub = IISS_DCE_DEFAULT_MAX_CALL_STUB;
    cfg->max_pending_per_conn = IISS_DCE_DEFAULT_MAX_PENDING_PER_CONN;
    cfg->max_pending_total = IISS_DCE_DEFAULT_MAX_PENDING_TOTAL;
    cfg->pending_timeout_sec = IISS_DCE_DEFAULT_PENDING_TIMEOUT_SEC;
    iiss_dce_auth_config_default(&cfg->auth);
}

static void on_pdu(void *user, const uint8_t *data, size_t len, size_t frag_length, bool memory_cut,
                   const iiss_packet_meta *meta);

iiss_dce *iiss_dce_new(const iiss_dce_config *cfg, iiss_dce_call_fn on_call, void *user)
{
    iiss_dce *dce = calloc(1, sizeof *dce);
    if (!dce)
        return NULL;
    if (cfg)
        dce->cfg = *cfg;
    else
        iiss_dce_config_default(&dce->cfg);
    iiss_dce_config defaults;
    iiss_dce_config_default(&defaults);
    if (dce->cfg.max_call_stub == 0)
        dce->cfg.max_call_stub = defaults.max_call_stub;
    if (dce->cfg.max_pending_per_conn == 0)
        dce->cfg.max_pending_per_conn = defaults.max_pending_per_conn;
    if (dce->cfg.max_pending_total == 0)
        dce->cfg.max_pending_total = defaults.max_pending_total;
    if (dce->cfg.pending_timeout_sec == 0)
        dce->cfg.pending_timeout_sec = defaults.pending_timeout_sec;
    if (!dce->cfg.memory) {
        dce->own_memory = iiss_memory_budget_new(NULL);
        if (!dce->own_memory) {
            free(dce);
            return NULL;
        }
        dce->cfg.memory = dce->own_memory;
    }
    dce->budget.memory = dce->cfg.memory;
    dce->conn_charge = dce->cfg.auth.credentials ? CONN_CHARGE_WITH_CREDENTIALS : CONN_CHARGE;
    dce->budget.stats = &dce->stats;
    dce->framing.budget = &dce->budget;
    dce->framing.stats = &dce->stats;
    dce->framing.on_pdu = on_pdu;
    iiss_dce_calls_config ccfg = {
        .max_call_stub = dce->cfg.max_call_stub,
        .max_pending_per_conn = dce->cfg.max_pending_per_conn,
        .max_pending_total = dce->cfg.max_pending_total,
        .pending_timeout_sec = dce->cfg.pending_timeout_sec,
    };
    dce->auth = iiss_dce_auth_new(&dce->cfg.auth, &dce->stats);
    dce->calls = dce->auth ? iiss_dce_calls_new(&ccfg, &dce->budget, &dce->stats, on_call, user) : NULL;
    if (!dce->calls) {
        iiss_dce_auth_free(dce->auth);
        iiss_memory_budget_free(dce->own_memory);
        free(dce);
        return NULL;
    }
    return dce;
}

void iiss_dce_free(iiss_dce *dce)
{
    if (!dce)
        return;
    iiss_dce_calls_free(dce->calls);
    iiss_dce_auth_free(dce->auth);
    iiss_memory_budget_free(dce->own_memory);
    free(dce);
}

iiss_memory_budget *iiss_dce_memory(iiss_dce *dce)
{
    return dce->cfg.memory;
}

void iiss_dce_get_stats(const iiss_dce *dce, iiss_dce_stats *out)
{
    *out = dce->stats;
}

iiss_stream_sink iiss_dce_sink(iiss_dce *dce)
{
    iiss_stream_sink sink = {
        .user = dce,
        .on_data = iiss_dce_on_data,
        .on_gap = iiss_dce_on_gap,
        .on_close = iiss_dce_on_close,
        .on_shed = iiss_dce_on_shed,
    };
    return sink;
}

static void handle_request(iiss_dce *dce, dce_conn *conn, iiss_direction dir, iiss_dce_pdu *v,
                           const iiss_packet_meta *meta)
{
    iiss_dce_request_header hdr;
    if (!iiss_dce_pdu_request_header(v, &hdr)) {
        dce->stats.pdus_malformed++;
        return;
    }
    size_t stub_off, stub_len;
    bool bounds_ok = iiss_dce_pdu_stub_bounds(v, hdr.stub_off, &stub_off, &stub_len);
    if (!bounds_ok)
        dce->stats.pdus_malformed++;
    iiss_dce_auth_stub stub;
    iiss_dce_auth_stub_of(dce->auth, &conn->auth, dir, v, stub_off, stub_len, &stub);
    iiss_dce_calls_on_request(dce->calls, &conn->calls, dir, v, &hdr, bounds_ok, &stub, meta);
}

static void handle_response(iiss_dce *dce, dce_conn *conn, iiss_direction dir, iiss_dce_pdu *v,
                            const iiss_packet_meta *meta)
{
    size_t stub_off, stub_len;
    bool bounds_ok = iiss_dce_pdu_stub_bounds(v, IISS_DCE_RESPONSE_STUB_OFF, &stub_off, &stub_len);
    iiss_dce_auth_stub stub;
    iiss_dce_auth_stub_of(dce->auth, &conn->auth, dir, v, stub_off, stub_len, &stub);
    /* malformed counted by the call stage, for a response it was waiting for */
    iiss_dce_calls_on_response(dce->calls, &conn->calls, dir, v, bounds_ok, &stub, meta);
}

static void handle_bind(iiss_dce *dce, dce_conn *conn, const iiss_dce_pdu *v)
{
    iiss_dce_context proposed[IISS_DCE_MAX_PROPOSED];
    size_t n;
    if (!iiss_dce_pdu_bind_contexts(v, proposed, IISS_DCE_MAX_PROPOSED, &n))
        dce->stats.pdus_malformed++;
    iiss_dce_calls_on_bind(&conn->calls, proposed, n);
}

static void handle_bind_ack(iiss_dce *dce, dce_conn *conn, const iiss_dce_pdu *v)
{
    iiss_dce_ack_result results[IISS_DCE_MAX_PROPOSED];
    size_t n;
    if (!iiss_dce_pdu_ack_results(v, results, IISS_DCE_MAX_PROPOSED, &n))
        dce->stats.pdus_malformed++;
    iiss_dce_calls_on_bind_ack(&conn->calls, results, n);
}

static void on_pdu(void *user, const uint8_t *data, size_t len, size_t frag_length, bool memory_cut,
                   const iiss_packet_meta *meta)
{
    dce_conn *conn = user;
    iiss_dce *dce = conn->dce;
    iiss_direction dir = conn->current_dir;
    iiss_dce_pdu v;
    iiss_dce_pdu_init(&v, data, len, frag_length);
    v.memory_cut = memory_cut && v.truncated;
    dce->stats.pdus++;
    if (v.truncated) {
        /* Only a call's PDUs are worth reading in part: a bind or ack cut
         * short would map contexts (and tokens) from half a list. (Cut by
         * the memory limit, the framing counted it dropped.) */
        if (!v.memory_cut)
            dce->stats.pdus_truncated++;
        if (v.ptype != IISS_DCE_REQUEST && v.ptype != IISS_DCE_RESPONSE && v.ptype != IISS_DCE_FAULT)
            return;
    }
    iiss_dce_auth_on_pdu(dce->auth, &conn->auth, dir, &v, meta);
    switch (v.ptype) {
    case IISS_DCE_REQUEST:
        handle_request(dce, conn, dir, &v, meta);
        break;
    case IISS_DCE_RESPONSE:
        handle_response(dce, conn, dir, &v, meta);
        break;
    case IISS_DCE_FAULT: {
        /* The status is in clear; a protected fault still moves the
         * server's sealing state and has its signature checked. */
        iiss_dce_auth_stub stub;
        iiss_dce_auth_stub_of(dce->auth, &conn->auth, dir, &v, IISS_DCE_FAULT_BODY_OFF, 0, &stub);
        iiss_dce_calls_on_fault(dce->calls, &conn->calls, dir, &v, &stub, meta);
        break;
    }
    case IISS_DCE_BIND:
    case IISS_DCE_ALTER_CONTEXT:
        handle_bind(dce, conn, &v);
        break;
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP:
        handle_bind_ack(dce, conn, &v);
        break;
    case IISS_DCE_BIND_NAK:
        iiss_dce_calls_on_bind_nak(&conn->calls);
        break;
    default: /* auth3 (the auth stage's), shutdown, co_cancel, orphaned: nothing a timeline needs */
        break;
    }
}

static dce_conn *conn_get(iiss_dce *dce, iiss_tcp_stream *stream)
{
    if (!stream->app) {
        if (!iiss_memory_charge(dce->cfg.memory, stream->memory, IISS_MEMORY_FLOWS, dce->conn_charge)) {
            dce->stats.conns_unread++; /* counted per attempt: each delivery asks again */
            return NULL;
        }
        dce_conn *conn = malloc(sizeof *conn);
        if (!conn) {
            iiss_memory_release(dce->cfg.memory, stream->memory, IISS_MEMORY_FLOWS, dce->conn_charge);
            dce->stats.alloc_failures++; /* the connection goes unread */
            return NULL;
        }
        conn->dce = dce;
        conn->current_dir = IISS_DIR_CLIENT_TO_SERVER;
        iiss_dce_framer_init(&conn->dir[0], stream->memory);
        iiss_dce_framer_init(&conn->dir[1], stream->memory);
        iiss_dce_auth_conn_init(&conn->auth);
        iiss_dce_calls_conn_init(&conn->calls, stream, &conn->auth);
        stream->app = conn;
    }
    return stream->app;
}

static bool dir_valid(iiss_direction dir)
{
    return dir == IISS_DIR_CLIENT_TO_SERVER || dir == IISS_DIR_SERVER_TO_CLIENT;
}

void iiss_dce_on_data(void *user, iiss_tcp_stream *stream, iiss_direction dir, const uint8_t *data, size_t len,
                      const iiss_packet_meta *meta)
{
    iiss_dce *dce = user;
    dce_conn *conn = conn_get(dce, stream);
    if (!conn || !data || !dir_valid(dir))
        return;
    conn->current_dir = dir;
    iiss_dce_framer_data(&dce->framing, &conn->dir[dir], data, len, meta, conn);
    if (conn->calls.n_contexts > 0)
        stream->keep_longer = true; /* its calls need the bind: lose it last */
}

void iiss_dce_on_gap(void *user, iiss_tcp_stream *stream, iiss_direction dir, uint64_t missing_bytes,
                     const iiss_packet_meta *meta)
{
    iiss_dce *dce = user;
    dce_conn *conn = conn_get(dce, stream);
    if (!conn || !dir_valid(dir))
        return;
    conn->current_dir = dir;
    uint64_t missing_after;
    if (iiss_dce_framer_gap(&dce->framing, &conn->dir[dir], missing_bytes, &missing_after, conn)) {
        iiss_dce_auth_on_gap(dce->auth, &conn->auth, dir, meta);
        iiss_dce_calls_on_loss(&conn->calls, dir, stream->limit, missing_after, meta);
    }
}

void iiss_dce_on_shed(void *user, iiss_tcp_stream *stream, const iiss_packet_meta *meta)
{
    iiss_dce *dce = user;
    dce_conn *conn = stream->app;
    if (!conn)
        return;
    for (int d = 0; d < 2; d++) {
        size_t lost = iiss_dce_framer_shed(&dce->framing, &conn->dir[d]);
        if (lost > 0) {
            /* The RC4 position of a sealed stream is lost with the bytes. */
            iiss_dce_auth_on_gap(dce->auth, &conn->auth, (iiss_direction)d, meta);
            iiss_dce_calls_on_loss(&conn->calls, (iiss_direction)d, "memory limit", lost, meta);
        }
    }
    iiss_dce_calls_shed(dce->calls, &conn->calls, meta);
}

void iiss_dce_on_close(void *user, iiss_tcp_stream *stream)
{
    iiss_dce *dce = user;
    dce_conn *conn = stream->app;
    if (!conn)
        return;
    iiss_dce_calls_conn_close(dce->calls, &conn->calls, stream->limit, NULL);
    iiss_dce_framer_free(&dce->framing, &conn->dir[0]);
    iiss_dce_framer_free(&dce->framing, &conn->dir[1]);
    iiss_dce_auth_conn_clear(&conn->auth);
    free(conn);
    iiss_memory_release(dce->cfg.memory, stream->memory, IISS_MEMORY_FLOWS, dce->conn_charge);
    stream->app = NULL;
}
