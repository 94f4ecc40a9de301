/* The authentication stage; see dce_auth.h. */
#include "dce_auth.h"

#include <stdlib.h>
#include <string.h>

struct iiss_dce_auth {
    iiss_dce_auth_config cfg;
};

void iiss_dce_auth_config_default(iiss_dce_auth_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

iiss_dce_auth *iiss_dce_auth_new(const iiss_dce_auth_config *cfg)
{
    iiss_dce_auth *auth = calloc(1, sizeof *auth);
    if (!auth)
        return NULL;
    if (cfg)
        auth->cfg = *cfg;
    else
        iiss_dce_auth_config_default(&auth->cfg);
    return auth;
}

void iiss_dce_auth_free(iiss_dce_auth *auth)
{
    free(auth);
}

void iiss_dce_auth_conn_init(iiss_dce_auth_conn *conn)
{
    memset(conn, 0, sizeof *conn);
}

void iiss_dce_auth_conn_clear(iiss_dce_auth_conn *conn)
{
    free(conn->identity);
    conn->identity = NULL;
}

static void read_identity(iiss_dce_auth_conn *conn, const iiss_dce_pdu *v)
{
    if (!v->has_auth || v->auth_value_off > v->len)
        return;
    const uint8_t *value = v->data + v->auth_value_off;
    size_t len = v->len - v->auth_value_off;
    if (!conn->identity) {
        iiss_ntlm_identity probe;
        memset(&probe, 0, sizeof probe);
        if (iiss_ntlmssp_read_identity(value, len, &probe) == IISS_NTLM_NONE)
            return;
        /* Without memory the connection stays anonymous, as without NTLMSSP. */
        conn->identity = malloc(sizeof *conn->identity);
        if (conn->identity)
            *conn->identity = probe;
        return;
    }
    iiss_ntlmssp_read_identity(value, len, conn->identity);
}

static void note_client_auth(iiss_dce_auth_conn *conn, const iiss_dce_pdu *v)
{
    if (!v->has_auth)
        return;
    conn->bind_has_auth = true;
    conn->bind_auth_type = v->auth_type;
    conn->bind_auth_level = v->auth_level;
}

void iiss_dce_auth_on_pdu(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                          const iiss_dce_pdu *pdu)
{
    (void)auth;
    (void)dir;
    switch (pdu->ptype) {
    case IISS_DCE_BIND:
    case IISS_DCE_ALTER_CONTEXT:
    case IISS_DCE_AUTH3:
        note_client_auth(conn, pdu);
        read_identity(conn, pdu);
        break;
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP:
        read_identity(conn, pdu);
        break;
    default:
        break;
    }
}

void iiss_dce_auth_stub_of(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                           const iiss_dce_pdu *pdu, size_t stub_off, size_t stub_len, iiss_dce_auth_stub *out)
{
    (void)auth;
    (void)conn;
    (void)dir;
    memset(out, 0, sizeof *out);
    out->sealed = iiss_dce_pdu_sealed(pdu);
    if (out->sealed)
        return; /* no keys yet: ciphertext is no stub */
    out->stub = pdu->data + stub_off;
    out->stub_len = stub_len;
}
