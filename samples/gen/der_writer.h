/* DER (X.690) encoding for the ASN.1 the samples carry (SPNEGO, Kerberos):
 * definite lengths only, built inside out: write an element's contents into
 * a bytebuf, then wrap it in its tag and length. */
#ifndef SAMPLEGEN_DER_WRITER_H
#define SAMPLEGEN_DER_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

enum {
    DER_INTEGER = 0x02,
    DER_BIT_STRING = 0x03,
    DER_OCTET_STRING = 0x04,
    DER_OID = 0x06,
    DER_ENUMERATED = 0x0A,
    DER_GENERAL_STRING = 0x1B,
    DER_GENERALIZED_TIME = 0x18,
    DER_SEQUENCE = 0x30,
};

/* [APPLICATION n] constructed, [n] constructed (context). */
#define DER_APPLICATION(n) ((uint8_t)(0x60 + (n)))
#define DER_CONTEXT(n) ((uint8_t)(0xA0 + (n)))

/* Length octets (X.690 8.1.3): short form below 128, else long form. */
void der_put_length(bytebuf *b, size_t len);
/* tag, length, content. */
void der_put_tlv(bytebuf *b, uint8_t tag, const uint8_t *content, size_t len);
/* What `inner` holds, in tag and length, appended to out. */
void der_put_wrapped(bytebuf *out, uint8_t tag, const bytebuf *inner);
/* An INTEGER (two's complement, fewest octets) under `tag` (DER_INTEGER,
 * DER_ENUMERATED). */
void der_put_integer_tagged(bytebuf *b, uint8_t tag, int64_t value);
void der_put_integer(bytebuf *b, int64_t value);
/* [n] { INTEGER value }: Kerberos' explicitly tagged Int32 fields. */
void der_put_context_integer(bytebuf *b, unsigned n, int64_t value);
/* [n] { OCTET STRING }, [n] { GeneralString }. */
void der_put_context_octets(bytebuf *b, unsigned n, const uint8_t *data, size_t len);
void der_put_context_general_string(bytebuf *b, unsigned n, const char *text);
/* [n] { GeneralizedTime "YYYYMMDDHHMMSSZ" } of a Unix time in seconds. */
void der_put_context_time(bytebuf *b, unsigned n, uint64_t unix_seconds);
/* [n] { BIT STRING of 32 bits, no unused bits }, bit 0 the high bit. */
void der_put_context_bits32(bytebuf *b, unsigned n, uint32_t bits);

#endif
