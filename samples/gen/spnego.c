/* SPNEGO tokens for the SPNEGO-wrapped NTLMSSP sample (RFC 4178). */
#include "spnego.h"

#include <stdio.h>
#include <stdlib.h>

enum {
    DER_INTEGER_ENUMERATED = 0x0A,
    DER_OCTET_STRING = 0x04,
    DER_OID = 0x06,
    DER_SEQUENCE = 0x30,
    DER_APPLICATION_0 = 0x60,
    DER_CONTEXT_0 = 0xA0, /* [n] constructed: 0xA0 + n */
};

/* 1.3.6.1.5.5.2 and 1.3.6.1.4.1.311.2.2.10, content octets. */
static const uint8_t OID_SPNEGO[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t OID_NTLMSSP[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A};

/* DER length octets (X.690 8.1.3): short form below 128, else long form. */
static void put_length(bytebuf *b, size_t len)
{
    if (len < 0x80) {
        bb_put_u8(b, (uint8_t)len);
    } else if (len <= 0xFF) {
        bb_put_u8(b, 0x81);
        bb_put_u8(b, (uint8_t)len);
    } else if (len <= 0xFFFF) {
        bb_put_u8(b, 0x82);
        bb_put_u8(b, (uint8_t)(len >> 8));
        bb_put_u8(b, (uint8_t)len);
    } else {
        fprintf(stderr, "spnego: element too long\n");
        abort();
    }
}

/* tag, length, content. */
static void put_tlv(bytebuf *b, uint8_t tag, const uint8_t *content, size_t len)
{
    bb_put_u8(b, tag);
    put_length(b, len);
    bb_put_bytes(b, content, len);
}

/* Wraps what `inner` holds in tag + length, appended to out. */
static void put_wrapped(bytebuf *out, uint8_t tag, const bytebuf *inner)
{
    put_tlv(out, tag, inner->data, inner->len);
}

void spnego_write_mech_type_list(bytebuf *out)
{
    bytebuf oids;
    bb_init(&oids);
    put_tlv(&oids, DER_OID, OID_NTLMSSP, sizeof OID_NTLMSSP);
    put_wrapped(out, DER_SEQUENCE, &oids);
    bb_free(&oids);
}

void spnego_write_neg_token_init(bytebuf *out, const uint8_t *mech_token, size_t mech_token_len)
{
    bytebuf list, fields, field, seq, token;
    bb_init(&list);
    bb_init(&fields);
    bb_init(&field);
    bb_init(&seq);
    bb_init(&token);
    spnego_write_mech_type_list(&list);
    put_wrapped(&fields, DER_CONTEXT_0 + 0, &list); /* mechTypes [0] */
    put_tlv(&field, DER_OCTET_STRING, mech_token, mech_token_len);
    put_wrapped(&fields, DER_CONTEXT_0 + 2, &field); /* mechToken [2] */
    put_wrapped(&seq, DER_SEQUENCE, &fields);
    put_tlv(&token, DER_OID, OID_SPNEGO, sizeof OID_SPNEGO);
    put_wrapped(&token, DER_CONTEXT_0 + 0, &seq); /* NegotiationToken: negTokenInit [0] */
    put_wrapped(out, DER_APPLICATION_0, &token);
    bb_free(&list);
    bb_free(&fields);
    bb_free(&field);
    bb_free(&seq);
    bb_free(&token);
}

void spnego_write_neg_token_resp(bytebuf *out, enum spnego_neg_state state, int with_supported_mech,
                                 const uint8_t *response, size_t response_len, const uint8_t *mic,
                                 size_t mic_len)
{
    bytebuf fields, field, seq;
    bb_init(&fields);
    bb_init(&field);
    bb_init(&seq);
    if (state != SPNEGO_NO_NEG_STATE) {
        uint8_t value = (uint8_t)state;
        put_tlv(&field, DER_INTEGER_ENUMERATED, &value, 1);
        put_wrapped(&fields, DER_CONTEXT_0 + 0, &field); /* negState [0] */
        bb_clear(&field);
    }
    if (with_supported_mech) {
        put_tlv(&field, DER_OID, OID_NTLMSSP, sizeof OID_NTLMSSP);
        put_wrapped(&fields, DER_CONTEXT_0 + 1, &field); /* supportedMech [1] */
        bb_clear(&field);
    }
    if (response_len > 0) {
        put_tlv(&field, DER_OCTET_STRING, response, response_len);
        put_wrapped(&fields, DER_CONTEXT_0 + 2, &field); /* responseToken [2] */
        bb_clear(&field);
    }
    if (mic_len > 0) {
        put_tlv(&field, DER_OCTET_STRING, mic, mic_len);
        put_wrapped(&fields, DER_CONTEXT_0 + 3, &field); /* mechListMIC [3] */
    }
    put_wrapped(&seq, DER_SEQUENCE, &fields);
    put_wrapped(out, DER_CONTEXT_0 + 1, &seq); /* NegotiationToken: negTokenResp [1] */
    bb_free(&fields);
    bb_free(&field);
    bb_free(&seq);
}
