/* The NTLMSSP samples at PKT_PRIVACY whose credential is a password:
 *  - sealed: the iisreset-remote calls over raw NTLMSSP (auth_type 10):
 *    NEGOTIATE in the bind, CHALLENGE (target info naming WEB01 in CONTOSO)
 *    in the bind_ack, AUTH3 with the AUTHENTICATE (NTLMv2, extended session
 *    security, key exchange, MIC); its expected file is what a reader
 *    without the password sees;
 *  - sealed-spnego: the same calls with SPNEGO-wrapped NTLMSSP (auth_type 9)
 *    over four legs, mechListMIC in both directions;
 *  - sealed-packed: raw NTLMSSP with max_frag 1024, so the 40-service Status
 *    reply is sealed fragment by fragment and TCP segments complete several
 *    sealed PDUs at once.
 * Every stub after the bind is sealed and signed, one RC4 state per
 * direction running across the PDUs in order (ntlm_auth.c). */
#include <string.h>

#include "credential_files.h"
#include "ntlm_auth.h"
#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

#define SEALED_PASSWORD "Iis-Reset-2024!"
#define SEALED_AUTH_CONTEXT_ID 79231u /* any value; Windows picks such numbers */

/* The account of `sealed`, with fixed "random" values so that the capture
 * is the same at every run. */
static ntlm_account webadmin_account(void)
{
    ntlm_account a = {
        .domain = "CONTOSO",
        .user = "webadmin",
        .workstation = "ADMIN-PC",
        .password = SEALED_PASSWORD,
        .server_challenge = {0x5C, 0x1A, 0x9E, 0x3F, 0x27, 0xD4, 0x86, 0xB0},
        .client_challenge = {0xB7, 0x41, 0x0C, 0xE2, 0x93, 0x5F, 0x68, 0x1D},
        .random_session_key = {0x3E, 0x91, 0xC4, 0x07, 0x5A, 0xD8, 0x62, 0x1F, 0xA4, 0x0B, 0x77, 0xE9, 0x2C,
                               0x55, 0x18, 0xD6},
    };
    return a;
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
    /* Its calls are the view without the password; its PDUs still say what
     * tshark decrypts with it. */
    s.tshark_decrypt[0].user = "CONTOSO\\webadmin";
    s.tshark_decrypt[0].options[0] = "-o";
    s.tshark_decrypt[0].options[1] = "ntlmssp.nt_password:" SEALED_PASSWORD;
    session_handshake(&s);
    ntlm_account account = webadmin_account();
    ntlm_auth auth;
    ntlm_auth_bind(&auth, &s, &account, NTLM_RAW, DCE_AUTHN_LEVEL_PKT_PRIVACY, SEALED_AUTH_CONTEXT_ID);
    /* Each PDU goes out on its own (session_*_call sends per PDU), so no TCP
     * segment completes two sealed PDUs. */
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    expect_nothing_readable(&s);
    int rc = session_finish(&s);
    ntlm_auth_free(&auth);
    return rc;
}

#define SPNEGO_PASSWORD "Negotiate-Wrap-77"
#define SPNEGO_AUTH_CONTEXT_ID 0x0001C5A3u

int write_sample_sealed_spnego(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "sealed-spnego",
        "The iisreset-remote calls with SPNEGO-wrapped NTLMSSP (auth_type 9) at PKT_PRIVACY, as Windows "
        "negotiates outside a domain: bind with negTokenInit (mech list NTLMSSP, NEGOTIATE), bind_ack with "
        "negTokenResp (accept-incomplete, CHALLENGE), alter_context with negTokenResp (AUTHENTICATE of "
        "CONTOSO\\webadmin from ADMIN-PC, NTLMv2, key exchange, 128-bit, MIC, and the mechListMIC), "
        "alter_context_resp with accept-completed and the server's mechListMIC; then every stub sealed. The "
        "mechListMIC takes sequence number 0 of each direction and leaves the RC4 state as it found it, so the "
        "first sealed PDU of each direction has sequence number 1 (MS-SPNG 3.3.5.1). Password file "
        "sealed-spnego.password.");
    cfg.client_isn = 0x61C8F0A3u;
    cfg.server_isn = 0x0E4D7B25u;
    cfg.tshark_options[0] = "-o";
    cfg.tshark_options[1] = "ntlmssp.nt_password:" SPNEGO_PASSWORD;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.iissdump_options[0] = "--password-file";
    s.iissdump_options[1] = "sealed-spnego.password";
    s.tshark_decrypt[0].user = "CONTOSO\\webadmin";
    s.tshark_decrypt[0].options[0] = "-o";
    s.tshark_decrypt[0].options[1] = "ntlmssp.nt_password:" SPNEGO_PASSWORD;
    session_handshake(&s);
    ntlm_account account = webadmin_account();
    account.password = SPNEGO_PASSWORD;
    memcpy(account.server_challenge, (const uint8_t[8]){0x9D, 0x24, 0x6B, 0xF1, 0x08, 0xC3, 0x5E, 0x7A}, 8);
    memcpy(account.client_challenge, (const uint8_t[8]){0x4F, 0xE0, 0x13, 0x8A, 0xD6, 0x72, 0x2B, 0x99}, 8);
    memcpy(account.random_session_key,
           (const uint8_t[16]){0xC2, 0x5B, 0x0E, 0x97, 0x31, 0xAD, 0x64, 0xF8, 0x1C, 0x83, 0x4A, 0xE5, 0x70, 0x2F,
                               0xB6, 0x09},
           16);
    ntlm_auth auth;
    ntlm_auth_bind(&auth, &s, &account, NTLM_SPNEGO, DCE_AUTHN_LEVEL_PKT_PRIVACY, SPNEGO_AUTH_CONTEXT_ID);
    s.auth.with_credential = true;
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    const char *passwords[] = {SPNEGO_PASSWORD};
    int rc = credential_write_lines(out_dir, "sealed-spnego.password", passwords, 1);
    rc |= session_finish(&s);
    ntlm_auth_free(&auth);
    return rc;
}

#define PACKED_PASSWORD "Many-Fragments-5840"
#define PACKED_MAX_FRAG 1024
#define PACKED_AUTH_CONTEXT_ID 0x00000A11u

/* Status(buffer_size) as session_status_call writes it (the blob when it
 * fits, else E_ERROR_INSUFFICIENT_BUFFER and zeros), the reply sent either
 * one fragment per TCP segment or at the MSS. Returns the blob size. */
static size_t packed_status_call(session *s, uint32_t buffer_size, blob_service *services, size_t n,
                                 uint64_t server_us, bool segment_per_fragment)
{
    call_expect *c = session_begin_call(s, IISS_OPNUM_STATUS);
    session_write_request(s, c, &buffer_size, 1);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, server_us);
    bytebuf blob;
    bb_init(&blob);
    size_t needed = blob_write(&blob, services, n, false);
    size_t first_pdu = s->to_client.n_pdus;
    if (needed > buffer_size) {
        bb_clear(&blob);
        bb_put_zeros(&blob, buffer_size);
        session_write_status_response(s, c, buffer_size, blob.data, blob.len, (uint32_t)needed, 0,
                                      HR_E_INSUFFICIENT_BUFFER);
        session_expect_services(c, NULL, 0);
    } else {
        bb_put_zeros(&blob, buffer_size - needed);
        session_write_status_response(s, c, buffer_size, blob.data, blob.len, (uint32_t)needed, (uint32_t)n,
                                      HR_S_OK);
        session_expect_services(c, services, n);
    }
    bb_free(&blob);
    size_t sizes[16];
    size_t n_sizes = 0;
    for (size_t i = first_pdu; segment_per_fragment && i < s->to_client.n_pdus && n_sizes < 16; i++)
        sizes[n_sizes++] = s->to_client.pdus[i].stream_end - s->to_client.pdus[i].stream_start;
    session_send(s, TCP_SERVER, n_sizes ? sizes : NULL, n_sizes);
    cap_advance_us(&s->cap, 1800);
    return needed;
}

int write_sample_sealed_packed(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "sealed-packed",
        "Raw NTLMSSP (auth_type 10, AUTH3) at PKT_PRIVACY with max_xmit_frag 1024 on a hosting server with 40 "
        "services: the first Status reply (E_ERROR_INSUFFICIENT_BUFFER, 1024 zero bytes) travels in 2 fragments "
        "and those with the services in 6, each fragment sealed on its own with its own verifier and sequence "
        "number (MS-RPCE 2.2.2.11: every fragment's body padded to 16). The first two replies go one fragment "
        "per TCP segment; after Stop and Start, the third Status reply goes at the MSS, so segments complete two "
        "sealed fragments at once; Kill follows. CONTOSO\\webadmin from ADMIN-PC; password file "
        "sealed-packed.password.");
    cfg.max_frag = PACKED_MAX_FRAG;
    cfg.client_isn = 0x3A7C19E5u;
    cfg.server_isn = 0x7E02B64Du;
    cfg.tshark_options[0] = "-o";
    cfg.tshark_options[1] = "ntlmssp.nt_password:" PACKED_PASSWORD;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.iissdump_options[0] = "--password-file";
    s.iissdump_options[1] = "sealed-packed.password";
    s.tshark_decrypt[0].user = "CONTOSO\\webadmin";
    s.tshark_decrypt[0].options[0] = "-o";
    s.tshark_decrypt[0].options[1] = "ntlmssp.nt_password:" PACKED_PASSWORD;
    session_handshake(&s);
    ntlm_account account = webadmin_account();
    account.password = PACKED_PASSWORD;
    memcpy(account.server_challenge, (const uint8_t[8]){0x13, 0x37, 0xC0, 0xDE, 0x52, 0x8B, 0xA4, 0x6F}, 8);
    memcpy(account.client_challenge, (const uint8_t[8]){0xE8, 0x05, 0x7D, 0x31, 0x9C, 0x46, 0xBA, 0x20}, 8);
    memcpy(account.random_session_key,
           (const uint8_t[16]){0x7A, 0x19, 0xD3, 0x60, 0x2E, 0x85, 0xF4, 0x0B, 0x96, 0x4D, 0xC1, 0x38, 0x5F, 0xE2,
                               0x07, 0xAB},
           16);
    ntlm_auth auth;
    ntlm_auth_bind(&auth, &s, &account, NTLM_RAW, DCE_AUTHN_LEVEL_PKT_PRIVACY, PACKED_AUTH_CONTEXT_ID);
    s.auth.with_credential = true;

    static blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_many(services, 40);
    /* First each fragment in a segment of its own, then (the last Status and
     * Kill) at the MSS, where segments complete two fragments at once. */
    size_t required = packed_status_call(&s, 1024, services, n, 21400, true);
    packed_status_call(&s, (uint32_t)required, services, n, 19800, true);
    const uint32_t stop[2] = {20000, 1};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 2870300);
    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 3650100);
    packed_status_call(&s, (uint32_t)required, services, n, 18200, false);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 610200);
    session_close_tcp(&s);
    const char *passwords[] = {PACKED_PASSWORD};
    int rc = credential_write_lines(out_dir, "sealed-packed.password", passwords, 1);
    session_expect_action(&s, "unknown", 0); /* Status, Stop, Start, Status, Kill */
    rc |= session_finish(&s);
    ntlm_auth_free(&auth);
    return rc;
}
