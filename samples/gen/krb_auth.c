/* The Kerberos bind legs and CFX sealing of the Kerberos-sealed samples. */
#include "krb_auth.h"

#include <stdio.h>
#include <string.h>

static int seal_pdu(void *ctx, uint8_t *pdu, size_t pdu_len, size_t body_offset, size_t body_len,
                    size_t verifier_offset, size_t verifier_len)
{
    int rc = krb_seal_pdu(ctx, pdu, pdu_len, body_offset, body_len, verifier_offset, verifier_len);
    return rc == 1 ? DCE_PROTECT_TAMPERED : rc;
}

void krb_auth_bind(krb_auth *a, session *s, krb_exchange *x, uint8_t auth_level, uint32_t auth_context_id)
{
    memset(a, 0, sizeof *a);
    snprintf(a->service_principal, sizeof a->service_principal, "%s/%s@%s", x->service[0], x->service[1],
             x->realm);
    bool privacy = auth_level == DCE_AUTHN_LEVEL_PKT_PRIVACY;
    s->sealed = privacy;
    s->auth.type = "KERBEROS";
    s->auth.level = privacy ? "PKT_PRIVACY" : "PKT_INTEGRITY";
    s->auth.domain = x->realm;
    s->auth.user = x->client;
    s->auth.workstation = NULL;
    s->auth.service_principal = a->service_principal;

    /* The client's clock when it binds. */
    x->ctime = s->cap.now_ns / 1000000000u;
    x->cusec = (uint32_t)(s->cap.now_ns / 1000u % 1000000u);
    bytebuf ap_req, ap_rep, client_ap_rep;
    bb_init(&ap_req);
    bb_init(&ap_rep);
    bb_init(&client_ap_rep);
    krb_write_ap_req(&ap_req, x);
    krb_write_ap_rep(&ap_rep, x);
    krb_write_client_ap_rep(&client_ap_rep, x);

    dce_auth bind_auth = {.auth_type = DCE_AUTHN_GSS_KERBEROS,
                          .auth_level = auth_level,
                          .auth_context_id = auth_context_id,
                          .token = ap_req.data,
                          .token_len = ap_req.len};
    dce_auth bind_ack_auth = bind_auth;
    bind_ack_auth.token = ap_rep.data;
    bind_ack_auth.token_len = ap_rep.len;
    s->client_auth = &bind_auth;
    s->server_auth = &bind_ack_auth;
    uint32_t bind_call_id = s->next_call_id;
    session_bind(s);
    dce_auth auth3_auth = bind_auth;
    auth3_auth.token = client_ap_rep.data;
    auth3_auth.token_len = client_ap_rep.len;
    dce_write_auth3(&s->to_server, bind_call_id, &auth3_auth);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 380);

    /* Both directions seal with the acceptor subkey (RFC 4121 2: the
     * AcceptorSubkey flag), each from its own sequence number; the bind
     * offered header signing and the bind_ack echoed it. */
    a->to_server = (krb_sealer){.ctx = x->ctx, .key = &x->acceptor_subkey, .acceptor = false,
                                .header_signing = true, .seq = x->initiator_seq};
    a->to_client = (krb_sealer){.ctx = x->ctx, .key = &x->acceptor_subkey, .acceptor = true,
                                .header_signing = true, .seq = x->acceptor_seq};
    a->client = (dce_auth){.auth_type = DCE_AUTHN_GSS_KERBEROS,
                           .auth_level = auth_level,
                           .auth_context_id = auth_context_id,
                           .verifier_len = krb_verifier_len(&x->acceptor_subkey),
                           .protect = seal_pdu,
                           .protect_ctx = &a->to_server};
    a->server = a->client;
    a->server.protect_ctx = &a->to_client;
    s->client_auth = &a->client;
    s->server_auth = &a->server;
    bb_free(&ap_req);
    bb_free(&ap_rep);
    bb_free(&client_ap_rep);
}

void krb_auth_free(krb_auth *a)
{
    memset(a, 0, sizeof *a);
}
