/* The NTLMSSP bind legs and session protection of the sealed samples. */
#include "ntlm_auth.h"

#include <string.h>

#include "spnego.h"

/* Flags as a Windows 10 client and a Windows Server 2019 domain member send
 * them: Unicode, NTLM, sign, seal, always sign, extended session security,
 * target info, version, 128-bit, 56-bit, key exchange. PKT_INTEGRITY leaves
 * out SEAL (MS-RPCE 3.3.1.5.2.2). */
#define NEGOTIATE_FLAGS                                                                                        \
    (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |     \
     NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |                         \
     NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION |  \
     NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56)

static const ntlmssp_version CLIENT_VERSION = {10, 0, 19041}; /* Windows 10 */
static const ntlmssp_version SERVER_VERSION = {10, 0, 17763}; /* Windows Server 2019 */

/* FILETIME (100 ns ticks since 1601) of a capture clock value. */
static uint64_t filetime_of(uint64_t unix_ns)
{
    return unix_ns / 100u + 116444736000000000ull;
}

/* The server's target info: its NetBIOS and DNS names and the time. */
static void write_server_target_info(bytebuf *out, uint64_t filetime)
{
    ntlmssp_av_put_string(out, NTLMSSP_AV_NB_DOMAIN_NAME, "CONTOSO");
    ntlmssp_av_put_string(out, NTLMSSP_AV_NB_COMPUTER_NAME, "WEB01");
    ntlmssp_av_put_string(out, NTLMSSP_AV_DNS_DOMAIN_NAME, "contoso.local");
    ntlmssp_av_put_string(out, NTLMSSP_AV_DNS_COMPUTER_NAME, "web01.contoso.local");
    ntlmssp_av_put_string(out, NTLMSSP_AV_DNS_TREE_NAME, "contoso.local");
    ntlmssp_av_put_timestamp(out, filetime);
}

/* dce_protect_fn: sign header, body and sec_trailer (everything before the
 * verifier, MS-RPCE 3.3.1.5.2.2, header signing negotiated), sealing the
 * body in place first at PKT_PRIVACY. */
static int protect_pdu(void *ctx, uint8_t *pdu, size_t pdu_len, size_t body_offset, size_t body_len,
                       size_t verifier_offset, size_t verifier_len)
{
    ntlm_hook *hook = ctx;
    if (verifier_len != NTLMSSP_SIGNATURE_LEN || verifier_offset + verifier_len != pdu_len ||
        body_offset + body_len > verifier_offset)
        return -1;
    uint8_t signature[NTLMSSP_SIGNATURE_LEN];
    if (hook->seal)
        ntlmssp_seal(hook->sealer, pdu + body_offset, body_len, pdu, verifier_offset, signature);
    else
        ntlmssp_sign(hook->sealer, pdu, verifier_offset, signature);
    int rc = 0;
    if (hook->tamper_next) {
        /* A byte of the (encrypted) checksum flipped in transit: the RC4
         * state is unaffected, so only this PDU fails its check. */
        signature[7] ^= 0x5A;
        hook->tamper_next = false;
        rc = DCE_PROTECT_TAMPERED;
    }
    memcpy(pdu + verifier_offset, signature, sizeof signature);
    return rc;
}

/* The SPNEGO mechListMIC of one direction (MS-SPNG 3.1.5.1, RFC 4178 5):
 * GSS_GetMIC, i.e. the NTLMSSP MAC with that direction's signing key and
 * sequence number 0, over the DER MechTypeList of the negTokenInit.
 *
 * What it does to the NTLMSSP state afterwards:
 *  - the RC4 state is put back as it was before the MIC, so the first
 *    sealed PDU of the direction sees the same keystream the MIC saw
 *    (MS-SPNG 3.3.5.1 "NTLM RC4 Key State for MechListMIC and First Signed
 *    Message": OriginalHandle saved before, restored after, on both sides);
 *  - the sequence number is not reset: the MIC took 0, the first sealed PDU
 *    carries 1. Samba does the same: gensec_spnego calls
 *    gensec_may_reset_crypto(sub, reset_full = !done_mic_check), and
 *    NTLMSSP's ntlmssp_sign_reset(state, reset_seqnums = false) then keys the
 *    RC4 states afresh and keeps the sequence numbers (auth/gensec/spnego.c,
 *    auth/ntlmssp/ntlmssp_sign.c). */
static void mech_list_mic(ntlmssp_sealer *sealer, uint8_t mic[NTLMSSP_SIGNATURE_LEN])
{
    bytebuf list;
    bb_init(&list);
    spnego_write_mech_type_list(&list, SPNEGO_MECH_NTLMSSP);
    ntlmssp_sign(sealer, list.data, list.len, mic);
    ntlmssp_sealer_restore_rc4(sealer);
    bb_free(&list);
}

void ntlm_auth_bind(ntlm_auth *a, session *s, const ntlm_account *account, ntlm_wrapping wrapping,
                    uint8_t auth_level, uint32_t auth_context_id)
{
    memset(a, 0, sizeof *a);
    bool privacy = auth_level == DCE_AUTHN_LEVEL_PKT_PRIVACY;
    uint32_t negotiate_flags = privacy ? NEGOTIATE_FLAGS : NEGOTIATE_FLAGS & ~NTLMSSP_NEGOTIATE_SEAL;
    uint32_t challenge_flags = (negotiate_flags & ~NTLMSSP_NEGOTIATE_OEM) | NTLMSSP_TARGET_TYPE_DOMAIN;
    a->flags = negotiate_flags & ~NTLMSSP_NEGOTIATE_OEM;
    uint8_t auth_type = wrapping == NTLM_SPNEGO ? DCE_AUTHN_GSS_NEGOTIATE : DCE_AUTHN_WINNT;

    s->sealed = privacy;
    s->auth.type = wrapping == NTLM_SPNEGO ? "SPNEGO" : "NTLMSSP";
    s->auth.level = privacy ? "PKT_PRIVACY" : "PKT_INTEGRITY";
    s->auth.domain = account->domain;
    s->auth.user = account->user;
    s->auth.workstation = account->workstation;

    /* NEGOTIATE in the bind, CHALLENGE in the bind_ack. */
    bytebuf negotiate, challenge, authenticate, server_info, client_info, token[4];
    bb_init(&negotiate);
    bb_init(&challenge);
    bb_init(&authenticate);
    bb_init(&server_info);
    bb_init(&client_info);
    for (size_t i = 0; i < 4; i++)
        bb_init(&token[i]);
    ntlmssp_write_negotiate(&negotiate, negotiate_flags, &CLIENT_VERSION);
    /* The server's clock when it answers: just after the bind arrives. */
    uint64_t filetime = filetime_of(s->cap.now_ns);
    write_server_target_info(&server_info, filetime);
    ntlmssp_av_put_eol(&server_info);
    ntlmssp_write_challenge(&challenge, challenge_flags, account->server_challenge, "CONTOSO", server_info.data,
                            server_info.len, &SERVER_VERSION);
    if (wrapping == NTLM_SPNEGO) {
        spnego_write_neg_token_init(&token[0], SPNEGO_MECH_NTLMSSP, negotiate.data, negotiate.len);
        spnego_write_neg_token_resp(&token[1], SPNEGO_MECH_NTLMSSP, SPNEGO_ACCEPT_INCOMPLETE, 1, challenge.data,
                                    challenge.len, NULL,
                                    0);
    } else {
        bb_put_bytes(&token[0], negotiate.data, negotiate.len);
        bb_put_bytes(&token[1], challenge.data, challenge.len);
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

    /* AUTHENTICATE. The client echoes the server's AV pairs and adds
     * MsvAvFlags: a MIC follows. */
    write_server_target_info(&client_info, filetime);
    ntlmssp_av_put_u32(&client_info, NTLMSSP_AV_FLAGS, NTLMSSP_AV_FLAG_MIC_PRESENT);
    ntlmssp_av_put_eol(&client_info);
    ntlmssp_authenticate_input in = {
        .flags = a->flags,
        .domain = account->domain,
        .user = account->user,
        .workstation = account->workstation,
        .password = account->password,
        .timestamp = filetime,
        .client_av_pairs = client_info.data,
        .client_av_pairs_len = client_info.len,
        .send_lmv2_response = false, /* MsvAvTimestamp present: Z(24) (3.1.5.1.2) */
        .version = CLIENT_VERSION,
        .negotiate_message = &negotiate,
        .challenge_message = &challenge,
    };
    memcpy(in.nt_hash, account->nt_hash, sizeof in.nt_hash);
    memcpy(in.server_challenge, account->server_challenge, sizeof in.server_challenge);
    memcpy(in.client_challenge, account->client_challenge, sizeof in.client_challenge);
    memcpy(in.random_session_key, account->random_session_key, sizeof in.random_session_key);
    ntlmssp_keys keys;
    ntlmssp_write_authenticate(&authenticate, &in, &keys);
    a->to_server.sealer = ntlmssp_sealer_new(keys.exported_session_key, a->flags, NTLMSSP_CLIENT_TO_SERVER);
    a->to_client.sealer = ntlmssp_sealer_new(keys.exported_session_key, a->flags, NTLMSSP_SERVER_TO_CLIENT);
    a->to_server.seal = a->to_client.seal = privacy;

    if (wrapping == NTLM_SPNEGO) {
        /* alter_context: negTokenResp with the AUTHENTICATE and the client's
         * mechListMIC; alter_context_resp: accept-completed and the server's
         * mechListMIC (MS-RPCE 3.3.1.5.2.1: the server's last token must
         * reach the client, hence four legs). */
        uint8_t client_mic[NTLMSSP_SIGNATURE_LEN], server_mic[NTLMSSP_SIGNATURE_LEN];
        mech_list_mic(a->to_server.sealer, client_mic);
        mech_list_mic(a->to_client.sealer, server_mic);
        spnego_write_neg_token_resp(&token[2], SPNEGO_MECH_NTLMSSP, SPNEGO_NO_NEG_STATE, 0, authenticate.data,
                                    authenticate.len,
                                    client_mic, sizeof client_mic);
        spnego_write_neg_token_resp(&token[3], SPNEGO_MECH_NTLMSSP, SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, server_mic,
                                    sizeof server_mic);
        dce_auth alter_auth = bind_auth, alter_resp_auth = bind_auth;
        alter_auth.token = token[2].data;
        alter_auth.token_len = token[2].len;
        alter_resp_auth.token = token[3].data;
        alter_resp_auth.token_len = token[3].len;
        s->client_auth = &alter_auth;
        s->server_auth = &alter_resp_auth;
        session_alter_auth(s, bind_call_id);
    } else {
        /* AUTH3 on the bind's call id, no reply. */
        dce_auth auth3_auth = bind_auth;
        auth3_auth.token = authenticate.data;
        auth3_auth.token_len = authenticate.len;
        dce_write_auth3(&s->to_server, bind_call_id, &auth3_auth);
        session_send(s, TCP_CLIENT, NULL, 0);
        cap_advance_us(&s->cap, 380);
    }

    /* From here on every request and response is protected. */
    a->client = (dce_auth){.auth_type = auth_type,
                           .auth_level = auth_level,
                           .auth_context_id = auth_context_id,
                           .verifier_len = NTLMSSP_SIGNATURE_LEN,
                           .protect = protect_pdu,
                           .protect_ctx = &a->to_server};
    a->server = a->client;
    a->server.protect_ctx = &a->to_client;
    s->client_auth = &a->client;
    s->server_auth = &a->server;

    bb_free(&negotiate);
    bb_free(&challenge);
    bb_free(&authenticate);
    bb_free(&server_info);
    bb_free(&client_info);
    for (size_t i = 0; i < 4; i++)
        bb_free(&token[i]);
}

void ntlm_auth_free(ntlm_auth *a)
{
    ntlmssp_sealer_free(a->to_server.sealer);
    ntlmssp_sealer_free(a->to_client.sealer);
    memset(a, 0, sizeof *a);
}
