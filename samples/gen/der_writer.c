/* DER encoding helpers; see der_writer.h. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include "der_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void der_put_length(bytebuf *b, size_t len)
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
        fprintf(stderr, "der: element too long\n");
        abort();
    }
}

void der_put_tlv(bytebuf *b, uint8_t tag, const uint8_t *content, size_t len)
{
    bb_put_u8(b, tag);
    der_put_length(b, len);
    bb_put_bytes(b, content, len);
}

void der_put_wrapped(bytebuf *out, uint8_t tag, const bytebuf *inner)
{
    der_put_tlv(out, tag, inner->data, inner->len);
}

void der_put_integer_tagged(bytebuf *b, uint8_t tag, int64_t value)
{
    uint8_t octets[8];
    for (int i = 0; i < 8; i++)
        octets[i] = (uint8_t)((uint64_t)value >> (56 - 8 * i));
    /* Drop leading octets that only repeat the sign (X.690 8.3.2). */
    size_t skip = 0;
    while (skip < 7 && ((octets[skip] == 0x00 && !(octets[skip + 1] & 0x80)) ||
                        (octets[skip] == 0xFF && (octets[skip + 1] & 0x80))))
        skip++;
    der_put_tlv(b, tag, octets + skip, 8 - skip);
}

void der_put_integer(bytebuf *b, int64_t value)
{
    der_put_integer_tagged(b, DER_INTEGER, value);
}

void der_put_context_integer(bytebuf *b, unsigned n, int64_t value)
{
    bytebuf inner;
    bb_init(&inner);
    der_put_integer(&inner, value);
    der_put_wrapped(b, DER_CONTEXT(n), &inner);
    bb_free(&inner);
}

void der_put_context_octets(bytebuf *b, unsigned n, const uint8_t *data, size_t len)
{
    bytebuf inner;
    bb_init(&inner);
    der_put_tlv(&inner, DER_OCTET_STRING, data, len);
    der_put_wrapped(b, DER_CONTEXT(n), &inner);
    bb_free(&inner);
}

void der_put_context_general_string(bytebuf *b, unsigned n, const char *text)
{
    bytebuf inner;
    bb_init(&inner);
    der_put_tlv(&inner, DER_GENERAL_STRING, (const uint8_t *)text, strlen(text));
    der_put_wrapped(b, DER_CONTEXT(n), &inner);
    bb_free(&inner);
}

void der_put_context_time(bytebuf *b, unsigned n, uint64_t unix_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    char text[16];
    strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &tm);
    bytebuf inner;
    bb_init(&inner);
    der_put_tlv(&inner, DER_GENERALIZED_TIME, (const uint8_t *)text, strlen(text));
    der_put_wrapped(b, DER_CONTEXT(n), &inner);
    bb_free(&inner);
}

void der_put_context_bits32(bytebuf *b, unsigned n, uint32_t bits)
{
    const uint8_t content[5] = {0, (uint8_t)(bits >> 24), (uint8_t)(bits >> 16), (uint8_t)(bits >> 8), (uint8_t)bits};
    bytebuf inner;
    bb_init(&inner);
    der_put_tlv(&inner, DER_BIT_STRING, content, sizeof content);
    der_put_wrapped(b, DER_CONTEXT(n), &inner);
    bb_free(&inner);
}
