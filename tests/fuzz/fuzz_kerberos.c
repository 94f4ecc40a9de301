/* Fuzzes the Kerberos authentication code with a fixed keytab key (the
 * service keys of samples/sealed-kerberos.pcap and sealed-kerberos-rc4.pcap:
 * AES256 and RC4-HMAC string-to-key of their machine password), so that a fitting AP-REQ reaches ticket and
 * authenticator decryption, the AP-REP's subkey and CFX unwrapping. The
 * input is a list of records: a byte h, a little-endian u16 length, then
 * that many bytes (or what is left). h & 0x80: sent by the server. h & 0x03:
 * 0 a raw Kerberos token (auth_type 16), 1 a SPNEGO token carrying one,
 * 2 a sealed PDU (body after the 24-byte header, 40 with an object UUID;
 * the verifier the last auth_length bytes, the 8-byte sec_trailer before
 * it), 3 bytes given to the decrypted-part parsers (EncTicketPart,
 * Authenticator, EncAPRepPart). The seed corpus holds the tokens and the
 * first sealed PDUs of both samples in this form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#include "credentials.h"
#include "kerberos_message.h"
#include "kerberos_session.h"
#include "spnego.h"

static iiss_credentials *creds;
static krb5_context ctx;

static void init(void)
{
    if (creds)
        return;
    creds = iiss_credentials_new();
    if (krb5_init_context(&ctx) != 0)
        abort();
    const char *pw = "Web01-Machine-Account-Secret", *salt = "CONTOSO.LOCALhostweb01.contoso.local";
    krb5_data pd = {KV5M_DATA, (unsigned)strlen(pw), (char *)pw};
    krb5_data sd = {KV5M_DATA, (unsigned)strlen(salt), (char *)salt};
    static const krb5_enctype enctypes[] = {ENCTYPE_AES256_CTS_HMAC_SHA1_96, ENCTYPE_ARCFOUR_HMAC};
    for (size_t i = 0; i < sizeof enctypes / sizeof enctypes[0]; i++) {
        krb5_keyblock key;
        if (krb5_c_string_to_key(ctx, enctypes[i], &pd, &sd, &key) != 0)
            abort();
        iiss_credentials_add_krb_key(creds, "host/web01.contoso.local@CONTOSO.LOCAL", 3, key.enctype, key.contents,
                                     key.length, "fuzz keytab");
        krb5_free_keyblock_contents(ctx, &key);
    }
}

static void run_pdu(const iiss_krb_session *s, bool from_server, const uint8_t *data, size_t len)
{
    size_t header = len > 3 && data[2] == 0 && (data[3] & 0x80) ? 40 : 24;
    if (len < 12)
        return;
    size_t auth = (size_t)data[10] | (size_t)data[11] << 8;
    if (len < header + 8 + auth)
        return;
    size_t verifier = len - auth, trailer = verifier - 8;
    uint8_t *plain = malloc(trailer - header + 1);
    if (!plain)
        return;
    (void)iiss_krb_session_unwrap(s, from_server, true, data, header, data + header, plain, trailer - header,
                                  data + trailer, 8, data + verifier, auth);
    free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    iiss_krb_session s;
    iiss_krb_session_init(&s, creds, ctx);
    size_t at = 0;
    while (at + 3 <= size) {
        uint8_t h = data[at];
        size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
        at += 3;
        if (len > size - at)
            len = size - at;
        const uint8_t *rec = data + at;
        at += len;
        bool from_server = (h & 0x80) != 0;
        iiss_krb_token tok;
        switch (h & 0x03) {
        case 0:
            if (iiss_krb_parse_token(rec, len, &tok) != IISS_KRB_TOKEN_NONE)
                iiss_krb_session_on_token(&s, from_server, &tok);
            break;
        case 1: {
            iiss_spnego_token sp;
            if (iiss_spnego_parse(rec, len, &sp) && sp.mech_token.data &&
                iiss_krb_parse_token(sp.mech_token.data, sp.mech_token.len, &tok) != IISS_KRB_TOKEN_NONE)
                iiss_krb_session_on_token(&s, from_server, &tok);
            break;
        }
        case 2:
            run_pdu(&s, from_server, rec, len);
            break;
        default: {
            iiss_krb_ticket_part tp;
            iiss_krb_authenticator au;
            iiss_krb_ap_rep_part rp;
            (void)iiss_krb_parse_ticket_part(rec, len, &tp);
            (void)iiss_krb_parse_authenticator(rec, len, &au);
            (void)iiss_krb_parse_ap_rep_part(rec, len, &rp);
            break;
        }
        }
    }
    iiss_krb_session_clear(&s);
    return 0;
}
