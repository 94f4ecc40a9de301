/* Fuzzes the NTLMSSP/SPNEGO authentication code with fixed credentials (the
 * passwords of samples/sealed.pcap and of MS-NLMP 4.2, and an NT hash), so
 * that a fitting AUTHENTICATE reaches key derivation, sealing and signing.
 * The input is a list of records: a byte h, a little-endian u16 length,
 * then that many bytes (or what is left). h & 0x80: sent by the server.
 * h & 0x03: 0 an auth_type 10 token, 1 an auth_type 9 (SPNEGO) token, 2 a
 * sealed PDU, 3 a signed PDU; a PDU is unsealed / verified the way the
 * DCE/RPC stage does it (body after the 24-byte header, 40 with an object
 * UUID; signed bytes up to the 16-byte verifier at the end). The seed
 * corpus holds the tokens and the first sealed PDUs of samples/sealed.pcap
 * in this form, raw and wrapped in SPNEGO. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "ntlmssp_session.h"
#include "spnego.h"

static iiss_credentials *creds;

static void run_pdu(iiss_ntlm_session *s, iiss_ntlm_sender sender, bool sealed, const uint8_t *data, size_t len)
{
    iiss_ntlm_channel *ch = iiss_ntlm_session_channel(s, sender);
    /* A request with PFC_OBJECT_UUID carries the object UUID in its header. */
    size_t header = len > 3 && data[2] == 0 && (data[3] & 0x80) ? 40 : 24;
    if (!ch || len < header + 8 + IISS_NTLM_SIGNATURE_LEN)
        return;
    uint8_t *copy = malloc(len);
    memcpy(copy, data, len);
    size_t verifier = len - IISS_NTLM_SIGNATURE_LEN;
    size_t body_end = verifier - 8;
    if (sealed)
        iiss_ntlm_channel_crypt(ch, copy + header, body_end - header);
    iiss_ntlm_span parts[3] = {{copy, header}, {copy + header, body_end - header}, {copy + body_end, 8}};
    iiss_ntlm_span body = parts[1];
    (void)iiss_ntlm_channel_verify(ch, parts, 3, &body, copy + verifier, IISS_NTLM_SIGNATURE_LEN);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!creds) {
        creds = iiss_credentials_new();
        iiss_credentials_add_password(creds, "Iis-Reset-2024!");
        iiss_credentials_add_password(creds, "Password");
        iiss_credentials_add_nt_hash_hex(creds, "a4f49c406510bdcab6824ee7c30fd852", 32, "Domain\\User");
    }
    iiss_ntlm_session s;
    iiss_ntlm_session_init(&s, creds);
    size_t at = 0;
    while (at + 3 <= size) {
        uint8_t h = data[at];
        size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
        at += 3;
        if (len > size - at)
            len = size - at;
        const uint8_t *rec = data + at;
        at += len;
        iiss_ntlm_sender sender = (h & 0x80) ? IISS_NTLM_SERVER : IISS_NTLM_CLIENT;
        switch (h & 0x03) {
        case 0:
        case 1: {
            iiss_ntlm_token_result r;
            iiss_ntlm_session_on_token(&s, (h & 0x03) ? 9 : 10, sender, rec, len, &r);
            if (r.is_ntlmssp && (r.message < rec || r.message + r.message_len > rec + len))
                abort();
            break;
        }
        case 2:
        case 3:
            run_pdu(&s, sender, (h & 0x03) == 2, rec, len);
            break;
        }
    }
    iiss_ntlm_session_clear(&s);
    return 0;
}
