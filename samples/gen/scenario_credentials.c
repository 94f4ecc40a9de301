/* The sealed samples about credentials and verification:
 *  - sealed-nthash: raw NTLMSSP at PKT_PRIVACY whose account is known only
 *    by its NT hash (a domain dump line, and a keytab holding it as an
 *    RC4-HMAC key); the generator itself never had a password;
 *  - integrity-tampered: raw NTLMSSP at PKT_INTEGRITY (stubs in clear,
 *    signed) where one signature was altered in transit;
 *  - sealed-two-users: two connections of two users (raw NTLMSSP, then
 *    SPNEGO) with two passwords, given in one file in the other order. */
#include <stdio.h>
#include <string.h>

#include "credential_files.h"
#include "ntlm_auth.h"
#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

/* CONTOSO\iisops, RID 1107: its NT hash, as a domain controller dump gives it. */
static const uint8_t IISOPS_NT_HASH[16] = {0x8F, 0x3C, 0x61, 0xD2, 0x0A, 0xB7, 0x45, 0xE9,
                                           0x2D, 0x96, 0x7B, 0x14, 0xC8, 0x50, 0xEF, 0x33};
/* Other accounts of the same dump, which fit no connection here. */
static const uint8_t ADMINISTRATOR_NT_HASH[16] = {0x31, 0xD6, 0xCF, 0xE0, 0xD1, 0x6A, 0xE9, 0x31,
                                                  0xB7, 0x3C, 0x59, 0xD7, 0xE0, 0xC0, 0x89, 0xC1};
static const uint8_t KRBTGT_NT_HASH[16] = {0x6E, 0x02, 0xA7, 0x9B, 0x4C, 0x15, 0xD8, 0x70,
                                           0xF3, 0x2A, 0x81, 0x5D, 0xB9, 0x06, 0xCE, 0x47};
static const uint8_t BACKUP_NT_HASH[16] = {0xA2, 0x71, 0x0C, 0x5F, 0xE4, 0x39, 0x86, 0x1B,
                                           0x7D, 0xC0, 0x53, 0x98, 0x2E, 0xF6, 0x14, 0x6A};

static int write_nt_hash_files(const char *out_dir)
{
    char lines[4][160];
    credential_nt_hash_line(lines[0], sizeof lines[0], "CONTOSO", "Administrator", 500, ADMINISTRATOR_NT_HASH);
    credential_nt_hash_line(lines[1], sizeof lines[1], "CONTOSO", "krbtgt", 502, KRBTGT_NT_HASH);
    credential_nt_hash_line(lines[2], sizeof lines[2], "CONTOSO", "iisops", 1107, IISOPS_NT_HASH);
    /* The plain "user:NTHASH" form too. */
    char hex[33];
    for (size_t i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", BACKUP_NT_HASH[i]);
    snprintf(lines[3], sizeof lines[3], "svc-backup:%s", hex);
    const char *text[4] = {lines[0], lines[1], lines[2], lines[3]};
    int rc = credential_write_lines(out_dir, "sealed-nthash.nthashes", text, 4);
    const char *principals[2] = {"Administrator@CONTOSO.LOCAL", "iisops@CONTOSO.LOCAL"};
    uint8_t keys[2][16];
    memcpy(keys[0], ADMINISTRATOR_NT_HASH, 16);
    memcpy(keys[1], IISOPS_NT_HASH, 16);
    rc |= credential_write_keytab(out_dir, "sealed-nthash.keytab", principals, (const uint8_t(*)[16])keys, 2);
    return rc;
}

int write_sample_sealed_nthash(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "sealed-nthash",
        "The iisreset-remote calls over raw NTLMSSP at PKT_PRIVACY by CONTOSO\\iisops from DEPLOY-01, an "
        "account known only by its NT hash: sealed-nthash.nthashes holds it as a domain dump line "
        "(CONTOSO\\iisops:1107:...) among three other accounts (one in the plain user:NTHASH form), and "
        "sealed-nthash.keytab holds it as an RC4-HMAC key (etype 23, iisops@CONTOSO.LOCAL, after a key of "
        "Administrator). No password exists for it; tshark decrypts with -K sealed-nthash.keytab.");
    cfg.client_isn = 0x5B0D3E97u;
    cfg.server_isn = 0x29A4C861u;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.iissdump_options[0] = "--nt-hashes";
    s.iissdump_options[1] = "sealed-nthash.nthashes";
    s.iissdump_alternatives[0][0] = "--keytab";
    s.iissdump_alternatives[0][1] = "sealed-nthash.keytab";
    s.tshark_decrypt[0].user = "CONTOSO\\iisops";
    s.tshark_decrypt[0].options[0] = "-K";
    s.tshark_decrypt[0].options[1] = "sealed-nthash.keytab";
    session_handshake(&s);
    ntlm_account account = {
        .domain = "CONTOSO",
        .user = "iisops",
        .workstation = "DEPLOY-01",
        .password = NULL,
        .server_challenge = {0x44, 0xB1, 0x9A, 0x07, 0xE3, 0x5C, 0x28, 0xF6},
        .client_challenge = {0x0D, 0x8E, 0x62, 0xA9, 0x17, 0xF4, 0x3B, 0xC5},
        .random_session_key = {0x95, 0x2E, 0x4B, 0xD0, 0x68, 0x13, 0xFA, 0x87, 0x3C, 0xE1, 0x06, 0x5A, 0xB4, 0x79,
                               0x20, 0xCD},
    };
    memcpy(account.nt_hash, IISOPS_NT_HASH, sizeof account.nt_hash);
    ntlm_auth auth;
    ntlm_auth_bind(&auth, &s, &account, NTLM_RAW, DCE_AUTHN_LEVEL_PKT_PRIVACY, 0x00002B67u);
    s.auth.with_credential = true;
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    int rc = write_nt_hash_files(out_dir);
    rc |= session_finish(&s);
    ntlm_auth_free(&auth);
    return rc;
}

#define INTEGRITY_PASSWORD "Signed-Not-Sealed-9"

int write_sample_integrity_tampered(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "integrity-tampered",
        "The iisreset-remote calls over raw NTLMSSP at PKT_INTEGRITY (CONTOSO\\webadmin from ADMIN-PC): every "
        "stub in clear with an NTLMSSP signature (NTLMv2, key exchange: each checksum RC4-encrypted). One byte "
        "of the Stop request's signature checksum was altered in transit: that call's verification fails, "
        "every other PDU verifies (the RC4 state is not disturbed by the change). Password file "
        "integrity-tampered.password.");
    cfg.client_isn = 0x1D6F8A2Bu;
    cfg.server_isn = 0x6C93E05Au;
    cfg.tshark_options[0] = "-o";
    cfg.tshark_options[1] = "ntlmssp.nt_password:" INTEGRITY_PASSWORD;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.iissdump_options[0] = "--password-file";
    s.iissdump_options[1] = "integrity-tampered.password";
    s.tshark_decrypt[0].user = "CONTOSO\\webadmin";
    s.tshark_decrypt[0].options[0] = "-o";
    s.tshark_decrypt[0].options[1] = "ntlmssp.nt_password:" INTEGRITY_PASSWORD;
    session_handshake(&s);
    ntlm_account account = {
        .domain = "CONTOSO",
        .user = "webadmin",
        .workstation = "ADMIN-PC",
        .password = INTEGRITY_PASSWORD,
        .server_challenge = {0xC7, 0x30, 0x5E, 0x82, 0x1B, 0xF9, 0x64, 0xAD},
        .client_challenge = {0x72, 0x0F, 0xB8, 0x4D, 0xE6, 0x21, 0x93, 0x5C},
        .random_session_key = {0x18, 0xE3, 0x7C, 0x45, 0xA0, 0x9B, 0x2F, 0xD6, 0x61, 0x0E, 0xC9, 0x34, 0x8D, 0x57,
                               0xF2, 0xBA},
    };
    ntlm_auth auth;
    ntlm_auth_bind(&auth, &s, &account, NTLM_RAW, DCE_AUTHN_LEVEL_PKT_INTEGRITY, 0x0000D0C5u);
    s.auth.with_credential = true;

    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    size_t required = session_status_call(&s, 512, services, n, 9500);
    session_status_call(&s, (uint32_t)required, services, n, 8700);
    auth.to_server.tamper_next = true; /* the Stop request's signature */
    const uint32_t stop[2] = {20000, 1};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 3215400);
    call_expect *tampered = &s.calls[s.n_calls - 1];
    tampered->signature_invalid = true;
    session_expect_anomaly(tampered, "signature_invalid");
    tampered->anomalies[tampered->n_anomalies - 1].frame =
        tcp_completion_frame(&s.tcp, TCP_CLIENT, tampered->request_end);
    n = services_iis_stopped(services, SESSION_MAX_SERVICES);
    session_status_call(&s, (uint32_t)required, services, n, 7900);
    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2148250);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 845300);
    session_close_tcp(&s);
    const char *passwords[] = {INTEGRITY_PASSWORD};
    int rc = credential_write_lines(out_dir, "integrity-tampered.password", passwords, 1);
    session_expect_action(&s, "unknown", 0); /* Status, Stop, Status, Start, Kill */
    rc |= session_finish(&s);
    ntlm_auth_free(&auth);
    return rc;
}

#define FIRST_USER_PASSWORD "Blue-Harbor-4417"
#define SECOND_USER_PASSWORD "Quiet-Meadow-0932"

int write_sample_sealed_two_users(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "sealed-two-users",
        "Two connections to the same IIS server at PKT_PRIVACY by two users: CONTOSO\\webadmin from ADMIN-PC "
        "(10.0.0.5:49712, raw NTLMSSP) runs Status twice and Stop; then CONTOSO\\deploy from BUILD-07 "
        "(10.0.0.6:52144, SPNEGO-wrapped NTLMSSP) runs Start, Status and Kill. sealed-two-users.passwords holds "
        "both passwords, deploy's first: each connection must find the one that fits.");
    cfg.client_isn = 0x47E2B19Cu;
    cfg.server_isn = 0x0B5D6F38u;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.iissdump_options[0] = "--password-file";
    s.iissdump_options[1] = "sealed-two-users.passwords";
    s.tshark_decrypt[0].user = "CONTOSO\\webadmin";
    s.tshark_decrypt[0].options[0] = "-o";
    s.tshark_decrypt[0].options[1] = "ntlmssp.nt_password:" FIRST_USER_PASSWORD;
    s.tshark_decrypt[1].user = "CONTOSO\\deploy";
    s.tshark_decrypt[1].options[0] = "-o";
    s.tshark_decrypt[1].options[1] = "ntlmssp.nt_password:" SECOND_USER_PASSWORD;

    session_handshake(&s);
    ntlm_account first = {
        .domain = "CONTOSO",
        .user = "webadmin",
        .workstation = "ADMIN-PC",
        .password = FIRST_USER_PASSWORD,
        .server_challenge = {0x2A, 0x9F, 0x04, 0xC6, 0x7B, 0xE1, 0x58, 0x33},
        .client_challenge = {0xD4, 0x16, 0xA8, 0x5B, 0x0C, 0x97, 0xE2, 0x6F},
        .random_session_key = {0x4E, 0xB0, 0x13, 0x8C, 0xF7, 0x29, 0x65, 0xDA, 0x02, 0x9E, 0x41, 0xC5, 0x7A, 0x36,
                               0xE8, 0x1D},
    };
    ntlm_auth first_auth;
    ntlm_auth_bind(&first_auth, &s, &first, NTLM_RAW, DCE_AUTHN_LEVEL_PKT_PRIVACY, 0x00003A01u);
    s.auth.with_credential = true;
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    size_t required = session_status_call(&s, 512, services, n, 9500);
    session_status_call(&s, (uint32_t)required, services, n, 8700);
    const uint32_t stop[2] = {20000, 1};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 3215400);
    session_expect_action(&s, "/stop", 0);
    session_close_tcp(&s);
    cap_advance_us(&s.cap, 41250000); /* the second admin comes 41 s later */

    static const uint8_t SECOND_MAC[6] = {0x00, 0x15, 0x5D, 0x01, 0x02, 0x06};
    net_endpoint second_client = net_endpoint_v4(SECOND_MAC, "10.0.0.6", 52144);
    session_next_connection(&s, &second_client, 0x71C05E2Au, 0x3F8D1B64u);
    s.ipid = guid_from_string("0000B402-0A1C-FFFF-6F3C-4E21A9D7C5B3"); /* its own activation's IPID */
    session_handshake(&s);
    ntlm_account second = {
        .domain = "CONTOSO",
        .user = "deploy",
        .workstation = "BUILD-07",
        .password = SECOND_USER_PASSWORD,
        .server_challenge = {0x86, 0x3D, 0xF0, 0x1A, 0xC5, 0x62, 0x9B, 0x0E},
        .client_challenge = {0x39, 0xA7, 0x5C, 0xE0, 0x14, 0x8B, 0xD3, 0x76},
        .random_session_key = {0xB5, 0x07, 0x6A, 0xF1, 0x2C, 0x98, 0x43, 0xDE, 0x70, 0x1B, 0xA6, 0x5F, 0xC2, 0x89,
                               0x34, 0xE7},
    };
    ntlm_auth second_auth;
    ntlm_auth_bind(&second_auth, &s, &second, NTLM_SPNEGO, DCE_AUTHN_LEVEL_PKT_PRIVACY, 0x00003A02u);
    s.auth.with_credential = true;
    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2148250);
    n = services_iis_started(services, SESSION_MAX_SERVICES);
    session_status_call(&s, (uint32_t)required, services, n, 7900);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 845300);
    session_expect_action(&s, "unknown", 3); /* Start, Status, Kill */
    session_close_tcp(&s);

    const char *passwords[] = {SECOND_USER_PASSWORD, FIRST_USER_PASSWORD};
    int rc = credential_write_lines(out_dir, "sealed-two-users.passwords", passwords, 2);
    rc |= session_finish(&s);
    ntlm_auth_free(&first_auth);
    ntlm_auth_free(&second_auth);
    return rc;
}
