/* sealed: the iisreset-remote calls over an NTLMSSP-authenticated connection
 * at PKT_PRIVACY. The bind carries the NEGOTIATE, the bind_ack the CHALLENGE
 * (with target info naming WEB01 in CONTOSO), AUTH3 the AUTHENTICATE (NTLMv2,
 * extended session security, key exchange, MIC). Every request and response
 * stub is then sealed and signed with the keys derived from the password, one
 * RC4 state per direction running across the PDUs in order. */
#include <string.h>

#include "ntlmssp.h"
#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

#define SEALED_DOMAIN "CONTOSO"
#define SEALED_USER "webadmin"
#define SEALED_WORKSTATION "ADMIN-PC"
#define SEALED_PASSWORD "Iis-Reset-2024!"
#define SEALED_AUTH_CONTEXT_ID 79231u /* any value; Windows picks such numbers */

/* Flags as a Windows 10 client and a Windows Server 2019 domain member send
 * them: Unicode, NTLM, sign, seal, always sign, extended session security,
 * target info, version, 128-bit, 56-bit, key exchange. */
#define NEGOTIATE_FLAGS                                                                                        \
    (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |     \
     NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |                         \
     NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION |  \
     NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56)
#define CHALLENGE_FLAGS ((NEGOTIATE_FLAGS & ~NTLMSSP_NEGOTIATE_OEM) | NTLMSSP_TARGET_TYPE_DOMAIN)
#define AUTHENTICATE_FLAGS (NEGOTIATE_FLAGS & ~NTLMSSP_NEGOTIATE_OEM)

static const ntlmssp_version CLIENT_VERSION = {10, 0, 19041}; /* Windows 10 */
static const ntlmssp_version SERVER_VERSION = {10, 0, 17763}; /* Windows Server 2019 */

/* Fixed "random" values, so that the capture is the same at every run. */
static const uint8_t SERVER_CHALLENGE[8] = {0x5C, 0x1A, 0x9E, 0x3F, 0x27, 0xD4, 0x86, 0xB0};
static const uint8_t CLIENT_CHALLENGE[8] = {0xB7, 0x41, 0x0C, 0xE2, 0x93, 0x5F, 0x68, 0x1D};
static const uint8_t RANDOM_SESSION_KEY[16] = {0x3E, 0x91, 0xC4, 0x07, 0x5A, 0xD8, 0x62, 0x1F,
                                               0xA4, 0x0B, 0x77, 0xE9, 0x2C, 0x55, 0x18, 0xD6};

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

/* dce_protect_fn: seal the body in place and sign header, body and
 * sec_trailer (everything before the verifier), MS-RPCE 3.3.1.5.2.2. */
static int seal_pdu(void *ctx, uint8_t *pdu, size_t pdu_len, size_t body_offset, size_t body_len,
                    size_t verifier_offset, size_t verifier_len)
{
    if (verifier_len != NTLMSSP_SIGNATURE_LEN || verifier_offset + verifier_len != pdu_len ||
        body_offset + body_len > verifier_offset)
        return -1;
    uint8_t signature[NTLMSSP_SIGNATURE_LEN];
    ntlmssp_seal(ctx, pdu + body_offset, body_len, pdu, verifier_offset, signature);
    memcpy(pdu + verifier_offset, signature, sizeof signature);
    return 0;
}

/* Without the password a reader sees neither parameters nor results. */
static void expect_nothing_readable(session *s)
{
    for (size_t i = 0; i < s->n_calls; i++) {
        call_expect *c = &s->calls[i];
        c->timeout_ms = c->force = c->force_apps_closed = c->buffer_size = -1;
        c->has_hresult = false;
        c->required_size = c->num_services = -1;
        c->has_services = false;
        c->n_services = 0;
    }
}

int write_sample_sealed(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "sealed",
        "The iisreset-remote calls authenticated with NTLMSSP at PKT_PRIVACY: NEGOTIATE in the bind, CHALLENGE "
        "(target info: CONTOSO, WEB01, web01.contoso.local) in the bind_ack, NTLMv2 AUTHENTICATE with key "
        "exchange and MIC in AUTH3 (CONTOSO\\webadmin from ADMIN-PC), then every stub sealed and signed. "
        "Password: " SEALED_PASSWORD ".");
    cfg.client_isn = 0x2C4E6A81u;
    cfg.server_isn = 0x5D7F9B13u;
    cfg.tshark_options[0] = "-o";
    cfg.tshark_options[1] = "ntlmssp.nt_password:" SEALED_PASSWORD;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.sealed = true;
    s.auth_type = "NTLMSSP";
    s.auth_level = "PKT_PRIVACY";
    s.auth_domain = SEALED_DOMAIN;
    s.auth_user = SEALED_USER;
    s.auth_workstation = SEALED_WORKSTATION;

    session_handshake(&s);

    /* NEGOTIATE in the bind, CHALLENGE in the bind_ack. */
    bytebuf negotiate, challenge, authenticate, server_info, client_info;
    bb_init(&negotiate);
    bb_init(&challenge);
    bb_init(&authenticate);
    bb_init(&server_info);
    bb_init(&client_info);
    ntlmssp_write_negotiate(&negotiate, NEGOTIATE_FLAGS, &CLIENT_VERSION);
    /* The server's clock when it answers: just after the bind arrives. */
    uint64_t filetime = filetime_of(s.cap.now_ns);
    write_server_target_info(&server_info, filetime);
    ntlmssp_av_put_eol(&server_info);
    ntlmssp_write_challenge(&challenge, CHALLENGE_FLAGS, SERVER_CHALLENGE, SEALED_DOMAIN, server_info.data,
                            server_info.len, &SERVER_VERSION);
    dce_auth bind_auth = {.auth_type = DCE_AUTHN_WINNT,
                          .auth_level = DCE_AUTHN_LEVEL_PKT_PRIVACY,
                          .auth_context_id = SEALED_AUTH_CONTEXT_ID,
                          .token = negotiate.data,
                          .token_len = negotiate.len};
    dce_auth bind_ack_auth = bind_auth;
    bind_ack_auth.token = challenge.data;
    bind_ack_auth.token_len = challenge.len;
    s.client_auth = &bind_auth;
    s.server_auth = &bind_ack_auth;
    session_bind(&s);

    /* AUTHENTICATE in AUTH3 (same call id as the bind, no reply). The client
     * echoes the server's AV pairs and adds MsvAvFlags: a MIC follows. */
    write_server_target_info(&client_info, filetime);
    ntlmssp_av_put_u32(&client_info, NTLMSSP_AV_FLAGS, NTLMSSP_AV_FLAG_MIC_PRESENT);
    ntlmssp_av_put_eol(&client_info);
    ntlmssp_authenticate_input in = {
        .flags = AUTHENTICATE_FLAGS,
        .domain = SEALED_DOMAIN,
        .user = SEALED_USER,
        .workstation = SEALED_WORKSTATION,
        .password = SEALED_PASSWORD,
        .timestamp = filetime,
        .client_av_pairs = client_info.data,
        .client_av_pairs_len = client_info.len,
        .send_lmv2_response = false, /* MsvAvTimestamp present: Z(24) (3.1.5.1.2) */
        .version = CLIENT_VERSION,
        .negotiate_message = &negotiate,
        .challenge_message = &challenge,
    };
    memcpy(in.server_challenge, SERVER_CHALLENGE, sizeof in.server_challenge);
    memcpy(in.client_challenge, CLIENT_CHALLENGE, sizeof in.client_challenge);
    memcpy(in.random_session_key, RANDOM_SESSION_KEY, sizeof in.random_session_key);
    ntlmssp_keys keys;
    ntlmssp_write_authenticate(&authenticate, &in, &keys);
    dce_auth auth3_auth = bind_auth;
    auth3_auth.token = authenticate.data;
    auth3_auth.token_len = authenticate.len;
    dce_write_auth3(&s.to_server, s.next_call_id - 1u, &auth3_auth);
    session_send(&s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s.cap, 380);

    /* From here on every request and response is sealed. Each PDU goes out
     * on its own (session_*_call sends per PDU), so no TCP segment completes
     * two sealed PDUs. */
    ntlmssp_sealer *to_server = ntlmssp_sealer_new(keys.exported_session_key, AUTHENTICATE_FLAGS,
                                                   NTLMSSP_CLIENT_TO_SERVER);
    ntlmssp_sealer *to_client = ntlmssp_sealer_new(keys.exported_session_key, AUTHENTICATE_FLAGS,
                                                   NTLMSSP_SERVER_TO_CLIENT);
    dce_auth client_seal = {.auth_type = DCE_AUTHN_WINNT,
                            .auth_level = DCE_AUTHN_LEVEL_PKT_PRIVACY,
                            .auth_context_id = SEALED_AUTH_CONTEXT_ID,
                            .verifier_len = NTLMSSP_SIGNATURE_LEN,
                            .protect = seal_pdu,
                            .protect_ctx = to_server};
    dce_auth server_seal = client_seal;
    server_seal.protect_ctx = to_client;
    s.client_auth = &client_seal;
    s.server_auth = &server_seal;
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    expect_nothing_readable(&s);
    int rc = session_finish(&s);

    ntlmssp_sealer_free(to_server);
    ntlmssp_sealer_free(to_client);
    bb_free(&negotiate);
    bb_free(&challenge);
    bb_free(&authenticate);
    bb_free(&server_info);
    bb_free(&client_info);
    return rc;
}
