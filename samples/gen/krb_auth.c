/* The Kerberos bind legs and CFX sealing of the Kerberos-sealed samples. */
#include "krb_auth.h"

#include <stdio.h>
#include <string.h>

#include "spnego.h"

/* RFC 3961 8 names (RFC 3962, RFC 4757), as keytab tools spell them. */
static const char *enctype_name(krb5_enctype enctype)
{
    switch (enctype) {
    case ENCTYPE_AES128_CTS_HMAC_SHA1_96: return "aes128-cts-hmac-sha1-96";
    case ENCTYPE_AES256_CTS_HMAC_SHA1_96: return "aes256-cts-hmac-sha1-96";
    case ENCTYPE_ARCFOUR_HMAC: return "arcfour-hmac";
    default: return NULL;
    }
}

static int seal_pdu(void *ctx, uint8_t *pdu, size_t pdu_len, size_t body_offset, size_t body_len,
                    size_t verifier_offset, size_t verifier_len)
{
    int rc = krb_seal_pdu(ctx, pdu, pdu_len, body_offset, body_len, verifier_offset, verifier_len);
    return rc == 1 ? DCE_PROTECT_TAMPERED : rc;
}

void krb_auth_bind(krb_auth *a, session *s, krb_exchange *x, krb_wrapping wrapping, uint8_t auth_level,
                   uint32_t auth_context_id)
{
    memset(a, 0, sizeof *a);
    snprintf(a->service_principal, sizeof a->service_principal, "%s/%s@%s", x->service[0], x->service[1],
             x->realm);
    bool privacy = auth_level == DCE_AUTHN_LEVEL_PKT_PRIVACY;
    s->sealed = privacy;
    uint8_t auth_type = wrapping == KRB_SPNEGO ? DCE_AUTHN_GSS_NEGOTIATE : DCE_AUTHN_GSS_KERBEROS;
    s->auth.type = wrapping == KRB_SPNEGO ? "SPNEGO" : "KERBEROS";
    s->auth.level = privacy ? "PKT_PRIVACY" : "PKT_INTEGRITY";
    s->auth.domain = x->realm;
    s->auth.user = x->client;
    s->auth.workstation = NULL;
    s->auth.service_principal = a->service_principal;
    s->auth.ticket_enctype = enctype_name(x->service_key->enctype);
    s->auth.authenticator_enctype = enctype_name(x->session_key.enctype);
    s->auth.ticket_kvno = (int)x->service_kvno;

    /* The client's clock when it binds. */
    x->ctime = s->cap.now_ns / 1000000000u;
    x->cusec = (uint32_t)(s->cap.now_ns / 1000u % 1000000u);
    bytebuf ap_req, ap_rep, client_ap_rep, token[4];
    bb_init(&ap_req);
    bb_init(&ap_rep);
    bb_init(&client_ap_rep);
    for (size_t i = 0; i < 4; i++)
        bb_init(&token[i]);
    krb_write_ap_req(&ap_req, x);
    krb_write_ap_rep(&ap_rep, x);
    krb_write_client_ap_rep(&client_ap_rep, x);
    if (wrapping == KRB_SPNEGO) {
        bytebuf framed;
        bb_init(&framed);
        krb_write_gss_ap_req(&framed, ap_req.data, ap_req.len);
        spnego_write_neg_token_init(&token[0], SPNEGO_MECH_KERBEROS, framed.data, framed.len);
        bb_free(&framed);
        spnego_write_neg_token_resp(&token[1], SPNEGO_MECH_KERBEROS, SPNEGO_ACCEPT_INCOMPLETE, 1, ap_rep.data,
                                    ap_rep.len, NULL, 0);
        spnego_write_neg_token_resp(&token[2], SPNEGO_MECH_KERBEROS, SPNEGO_NO_NEG_STATE, 0, client_ap_rep.data,
                                    client_ap_rep.len, NULL, 0);
        spnego_write_neg_token_resp(&token[3], SPNEGO_MECH_KERBEROS, SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, NULL, 0);
    } else {
        bb_put_bytes(&token[0], ap_req.data, ap_req.len);
        bb_put_bytes(&token[1], ap_rep.data, ap_rep.len);
        bb_put_bytes(&token[2], client_ap_rep.data, client_ap_rep.len);
    }

    dce_auth bind_auth = {.auth_type = auth_type,
                          .auth_level = auth_level,
                          .auth_context_id = auth_context_id,
                          .token = token[0].data,
                          .token_len = token[0].len};
    dce_auth bind_ack_auth = bind_auth;
    bind_ack_auth.token = token[1].data;
    bind_ack_auth.token_len = token[1].len;
    s->client_auth = &bind_auth;
    s->server_auth = &bind_ack_auth;
    uint32_t bind_call_id = s->next_call_id;
    session_bind(s);
    dce_auth third = bind_auth, fourth = bind_auth;
    third.token = token[2].data;
    third.token_len = token[2].len;
    if (wrapping == KRB_SPNEGO) {
        /* alter_context with the client's AP-REP, alter_context_resp
         * accept-completed, on the bind's call id. */
        fourth.token = token[3].data;
        fourth.token_len = token[3].len;
        s->client_auth = &third;
        s->server_auth = &fourth;
        session_alter_auth(s, bind_call_id);
    } else {
        dce_write_auth3(&s->to_server, bind_call_id, &third);
        session_send(s, TCP_CLIENT, NULL, 0);
        cap_advance_us(&s->cap, 380);
    }

    /* Both directions seal with the acceptor subkey (RFC 4121 2: the
     * AcceptorSubkey flag), each from its own sequence number; the bind
     * offered header signing and the bind_ack echoed it. */
    a->to_server = (krb_sealer){.ctx = x->ctx, .key = &x->acceptor_subkey, .acceptor = false,
                                .header_signing = true, .seq = x->initiator_seq};
    a->to_client = (krb_sealer){.ctx = x->ctx, .key = &x->acceptor_subkey, .acceptor = true,
                                .header_signing = true, .seq = x->acceptor_seq};
    a->client = (dce_auth){.auth_type = auth_type,
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
    for (size_t i = 0; i < 4; i++)
        bb_free(&token[i]);
}

void krb_auth_free(krb_auth *a)
{
    memset(a, 0, sizeof *a);
}
