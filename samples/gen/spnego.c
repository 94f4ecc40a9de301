/* SPNEGO tokens for the SPNEGO-wrapped samples (RFC 4178). */
#include "spnego.h"

#include "der_writer.h"

/* 1.3.6.1.5.5.2 and 1.3.6.1.4.1.311.2.2.10, content octets. */
static const uint8_t OID_SPNEGO[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t OID_NTLMSSP[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A};
/* 1.2.840.48018.1.2.2 (Microsoft's Kerberos OID, which Windows lists
 * first) and 1.2.840.113554.1.2.2 (RFC 4121). */
static const uint8_t OID_MS_KERBEROS[] = {0x2A, 0x86, 0x48, 0x82, 0xF7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t OID_KERBEROS[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02};

void spnego_write_mech_type_list(bytebuf *out, enum spnego_mech mech)
{
    bytebuf oids;
    bb_init(&oids);
    if (mech == SPNEGO_MECH_KERBEROS) {
        der_put_tlv(&oids, DER_OID, OID_MS_KERBEROS, sizeof OID_MS_KERBEROS);
        der_put_tlv(&oids, DER_OID, OID_KERBEROS, sizeof OID_KERBEROS);
    }
    der_put_tlv(&oids, DER_OID, OID_NTLMSSP, sizeof OID_NTLMSSP);
    der_put_wrapped(out, DER_SEQUENCE, &oids);
    bb_free(&oids);
}

void spnego_write_neg_token_init(bytebuf *out, enum spnego_mech mech, const uint8_t *mech_token,
                                 size_t mech_token_len)
{
    bytebuf list, fields, field, seq, token;
    bb_init(&list);
    bb_init(&fields);
    bb_init(&field);
    bb_init(&seq);
    bb_init(&token);
    spnego_write_mech_type_list(&list, mech);
    der_put_wrapped(&fields, DER_CONTEXT(0), &list); /* mechTypes [0] */
    der_put_tlv(&field, DER_OCTET_STRING, mech_token, mech_token_len);
    der_put_wrapped(&fields, DER_CONTEXT(2), &field); /* mechToken [2] */
    der_put_wrapped(&seq, DER_SEQUENCE, &fields);
    der_put_tlv(&token, DER_OID, OID_SPNEGO, sizeof OID_SPNEGO);
    der_put_wrapped(&token, DER_CONTEXT(0), &seq); /* NegotiationToken: negTokenInit [0] */
    der_put_wrapped(out, DER_APPLICATION(0), &token);
    bb_free(&list);
    bb_free(&fields);
    bb_free(&field);
    bb_free(&seq);
    bb_free(&token);
}

void spnego_write_neg_token_resp(bytebuf *out, enum spnego_mech mech, enum spnego_neg_state state,
                                 int with_supported_mech, const uint8_t *response, size_t response_len,
                                 const uint8_t *mic, size_t mic_len)
{
    bytebuf fields, field, seq;
    bb_init(&fields);
    bb_init(&field);
    bb_init(&seq);
    if (state != SPNEGO_NO_NEG_STATE) {
        uint8_t value = (uint8_t)state;
        der_put_tlv(&field, DER_ENUMERATED, &value, 1);
        der_put_wrapped(&fields, DER_CONTEXT(0), &field); /* negState [0] */
        bb_clear(&field);
    }
    if (with_supported_mech) {
        if (mech == SPNEGO_MECH_KERBEROS)
            der_put_tlv(&field, DER_OID, OID_MS_KERBEROS, sizeof OID_MS_KERBEROS);
        else
            der_put_tlv(&field, DER_OID, OID_NTLMSSP, sizeof OID_NTLMSSP);
        der_put_wrapped(&fields, DER_CONTEXT(1), &field); /* supportedMech [1] */
        bb_clear(&field);
    }
    if (response_len > 0) {
        der_put_tlv(&field, DER_OCTET_STRING, response, response_len);
        der_put_wrapped(&fields, DER_CONTEXT(2), &field); /* responseToken [2] */
        bb_clear(&field);
    }
    if (mic_len > 0) {
        der_put_tlv(&field, DER_OCTET_STRING, mic, mic_len);
        der_put_wrapped(&fields, DER_CONTEXT(3), &field); /* mechListMIC [3] */
    }
    der_put_wrapped(&seq, DER_SEQUENCE, &fields);
    der_put_wrapped(out, DER_CONTEXT(1), &seq); /* NegotiationToken: negTokenResp [1] */
    bb_free(&fields);
    bb_free(&field);
    bb_free(&seq);
}
