/* The Kerberos-sealed sample: the iisreset-remote calls at PKT_PRIVACY over
 * raw Kerberos (auth_type 16, RPC_C_AUTHN_GSS_KERBEROS), DCE style, as a
 * domain member sends them when it names the server by host name:
 *  - bind: the AP-REQ (no GSS framing in DCE style), mutual-required, with
 *    a service ticket for host/web01.contoso.local@CONTOSO.LOCAL (AES256,
 *    kvno 3) made offline for CONTOSO.LOCAL\webadmin;
 *  - bind_ack: the AP-REP with the acceptor subkey;
 *  - AUTH3: the client's AP-REP;
 * then every stub sealed with CFX wrap tokens under the acceptor subkey.
 * The service key is string-to-key of a known machine password; the keytab
 * holding it is written beside the capture. Its expected file is what a
 * reader with that keytab sees: the plaintext calls of iisreset-remote.
 * sealed-kerberos-rc4 is the same exchange with RC4-HMAC keys (RFC 4757). */
#include <string.h>

#include "credential_files.h"
#include "kerberos.h"
#include "krb_auth.h"
#include "scenario_common.h"
#include "scenarios.h"

#define KRB_REALM "CONTOSO.LOCAL"
#define KRB_SERVICE_HOST "web01.contoso.local"
#define KRB_SERVICE_PRINCIPAL "host/" KRB_SERVICE_HOST "@" KRB_REALM
#define KRB_MACHINE_PASSWORD "Web01-Machine-Account-Secret"
#define KRB_SERVICE_KVNO 3
#define KRB_AUTH_CONTEXT_ID 0x00005E11u
/* The ticket was issued at 08:12:07Z that morning. */
#define KRB_AUTH_TIME 1715674327ull
/* RFC 4121 4.1.1.1: mutual, replay, sequence, confidentiality, integrity, DCE style. */
#define KRB_GSS_FLAGS 0x103Eu

/* The service's key from its password: AES with the realm and the
 * principal's parts as salt (RFC 3962 4), RC4-HMAC the NT hash (RFC 4757). */
static int service_key(krb5_context ctx, krb5_enctype enctype, krb5_keyblock *key)
{
    const char *password = KRB_MACHINE_PASSWORD;
    const char *salt = KRB_REALM "host" KRB_SERVICE_HOST;
    krb5_data pw = {KV5M_DATA, (unsigned)strlen(password), (char *)password};
    krb5_data sd = {KV5M_DATA, (unsigned)strlen(salt), (char *)salt};
    return krb5_c_string_to_key(ctx, enctype, &pw, &sd, key) ? -1 : 0;
}

/* What differs between the Kerberos samples. */
typedef struct kerberos_sample {
    const char *name;
    const char *keytab;
    const char *description;
    krb5_enctype enctype;
    krb_wrapping wrapping;
    uint32_t client_isn, server_isn;
    uint64_t random_seed;
} kerberos_sample;

static const uint8_t SESSION_KEY[32] = {0x8B, 0x21, 0xE4, 0x5A, 0x0F, 0x93, 0x6C, 0xD7, 0x34, 0xA8, 0x1E,
                                        0x57, 0xC2, 0x09, 0x7D, 0xB6, 0x4F, 0xE1, 0x28, 0x95, 0x6A, 0x03,
                                        0xDC, 0x71, 0xB8, 0x4E, 0x12, 0xA7, 0x5C, 0xF0, 0x39, 0x86};
static const uint8_t INITIATOR_SUBKEY[32] = {0x17, 0xC4, 0x6E, 0x92, 0xB3, 0x08, 0xFA, 0x5D, 0x21, 0x7B, 0xE6,
                                             0x3C, 0x90, 0x4A, 0xD5, 0x1F, 0x68, 0xAE, 0x02, 0xC7, 0x3B, 0x54,
                                             0xE9, 0x86, 0x0D, 0x72, 0xBF, 0x45, 0x99, 0x2E, 0x63, 0xD1};
static const uint8_t ACCEPTOR_SUBKEY[32] = {0xD2, 0x5F, 0x09, 0xA6, 0x73, 0xEC, 0x38, 0x41, 0xBD, 0x16, 0x8F,
                                            0x64, 0x0A, 0xC9, 0x57, 0xE3, 0x2C, 0x90, 0x7E, 0x15, 0xA4, 0x6B,
                                            0xF8, 0x33, 0xC1, 0x4D, 0x06, 0x9A, 0xE7, 0x52, 0x1B, 0x88};

static int write_kerberos_sample(const char *out_dir, const kerberos_sample *k)
{
    session_config cfg = scenario_default_config(k->name, k->description);
    cfg.client_isn = k->client_isn;
    cfg.server_isn = k->server_isn;
    krb5_context ctx;
    if (krb5_init_context(&ctx) != 0)
        return -1;
    krb_random_reset(k->random_seed);
    krb5_keyblock skey;
    if (service_key(ctx, k->enctype, &skey) != 0) {
        krb5_free_context(ctx);
        return -1;
    }
    session s;
    if (session_open(&s, &cfg, out_dir) != 0) {
        krb5_free_keyblock_contents(ctx, &skey);
        krb5_free_context(ctx);
        return -1;
    }
    s.iissdump_options[0] = "-K";
    s.iissdump_options[1] = k->keytab;
    s.tshark_decrypt[0].user = "webadmin@" KRB_REALM;
    s.tshark_decrypt[0].options[0] = "-K";
    s.tshark_decrypt[0].options[1] = k->keytab;
    s.tshark_decrypt[0].options[2] = "-o";
    s.tshark_decrypt[0].options[3] = "kerberos.decrypt:TRUE";
    session_handshake(&s);

    krb_exchange x = {
        .ctx = ctx,
        .realm = KRB_REALM,
        .service = {"host", KRB_SERVICE_HOST},
        .client = "webadmin",
        .service_key = &skey,
        .service_kvno = KRB_SERVICE_KVNO,
        .initiator_seq = 0x2F6B1A03u,
        .acceptor_seq = 0x0C7E4D95u,
        .auth_time = KRB_AUTH_TIME,
        .gss_flags = KRB_GSS_FLAGS,
    };
    /* The session key and subkeys are of the ticket's enctype, their
     * leading bytes for the shorter RC4 keys. */
    size_t key_len = skey.length;
    krb_key_from_bytes(&x.session_key, k->enctype, SESSION_KEY, key_len);
    krb_key_from_bytes(&x.initiator_subkey, k->enctype, INITIATOR_SUBKEY, key_len);
    krb_key_from_bytes(&x.acceptor_subkey, k->enctype, ACCEPTOR_SUBKEY, key_len);
    krb_auth auth;
    krb_auth_bind(&auth, &s, &x, k->wrapping, DCE_AUTHN_LEVEL_PKT_PRIVACY, KRB_AUTH_CONTEXT_ID);
    s.auth.with_credential = true;
    scenario_iisreset_calls(&s);
    session_close_tcp(&s);
    keytab_key entry = {KRB_SERVICE_PRINCIPAL, KRB_SERVICE_KVNO, k->enctype, skey.contents, skey.length};
    int rc = credential_write_keytab_keys(out_dir, k->keytab, &entry, 1);
    rc |= session_finish(&s);
    krb_auth_free(&auth);
    krb5_free_keyblock_contents(ctx, &x.session_key);
    krb5_free_keyblock_contents(ctx, &x.initiator_subkey);
    krb5_free_keyblock_contents(ctx, &x.acceptor_subkey);
    krb5_free_keyblock_contents(ctx, &skey);
    krb5_free_context(ctx);
    return rc;
}

int write_sample_sealed_kerberos(const char *out_dir)
{
    static const kerberos_sample k = {
        .name = "sealed-kerberos",
        .keytab = "sealed-kerberos.keytab",
        .description =
            "The iisreset-remote calls at PKT_PRIVACY over raw Kerberos (auth_type 16), DCE style: the AP-REQ in "
            "the bind (a service ticket for " KRB_SERVICE_PRINCIPAL ", AES256-CTS-HMAC-SHA1-96, kvno 3, for "
            "webadmin@" KRB_REALM "; the authenticator's subkey and sequence number; GSS flags with DCE style), "
            "the AP-REP with the acceptor subkey in the bind_ack, the client's AP-REP in AUTH3; then every stub "
            "sealed with RFC 4121 CFX wrap tokens (EC 16, RRC 28, header signing) under the acceptor subkey. "
            "Keytab file sealed-kerberos.keytab.",
        .enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96,
        .client_isn = 0x1B3D5F71u,
        .server_isn = 0x6A8CAE02u,
        .random_seed = 0x5EA1ED00CAFEF00Dull,
    };
    return write_kerberos_sample(out_dir, &k);
}

int write_sample_sealed_kerberos_rc4(const char *out_dir)
{
    static const kerberos_sample k = {
        .name = "sealed-kerberos-rc4",
        .keytab = "sealed-kerberos-rc4.keytab",
        .description =
            "The sealed-kerberos exchange with RC4-HMAC (etype 23, RFC 4757) keys throughout: the service key is "
            "the NT hash of the machine password, the ticket, authenticator and AP-REPs are RC4-HMAC encrypted, "
            "and every stub is sealed with an RFC 4757 wrap token (32 bytes: SGN_ALG HMAC, SEAL_ALG RC4, the "
            "checksum over the PDU header, body and sec_trailer) under the acceptor subkey. Keytab file "
            "sealed-kerberos-rc4.keytab.",
        .enctype = ENCTYPE_ARCFOUR_HMAC,
        .client_isn = 0x4C0E2A97u,
        .server_isn = 0x1F93D6B8u,
        .random_seed = 0x0DDBA11C0FFEE123ull,
    };
    return write_kerberos_sample(out_dir, &k);
}

int write_sample_sealed_kerberos_spnego(const char *out_dir)
{
    static const kerberos_sample k = {
        .name = "sealed-kerberos-spnego",
        .keytab = "sealed-kerberos-spnego.keytab",
        .description =
            "The sealed-kerberos exchange (AES256) inside SPNEGO (auth_type 9), as Windows negotiates in a domain: "
            "bind with negTokenInit (mechTypes MS Kerberos, Kerberos, NTLMSSP; mechToken the GSS-framed AP-REQ), "
            "bind_ack with negTokenResp (accept-incomplete, supportedMech MS Kerberos, the AP-REP), alter_context "
            "with negTokenResp (the client's AP-REP), alter_context_resp with accept-completed; then every stub "
            "sealed with CFX wrap tokens as in sealed-kerberos. Keytab file sealed-kerberos-spnego.keytab.",
        .enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96,
        .wrapping = KRB_SPNEGO,
        .client_isn = 0x7D21C4E9u,
        .server_isn = 0x35B80F6Au,
        .random_seed = 0x5B1E60C0DE5EED01ull,
    };
    return write_kerberos_sample(out_dir, &k);
}
