/* A bounded DER (X.690) reader for the few ASN.1 structures on the wire
 * (SPNEGO). One TLV at a time from an iiss_reader: definite lengths only
 * (DER has no other), at most 4 length bytes, tag numbers up to 2^21. A TLV
 * whose length runs past its container fails the read; nothing is copied. */
#ifndef IISS_DER_H
#define IISS_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/reader.h"

enum { IISS_DER_UNIVERSAL = 0, IISS_DER_APPLICATION = 1, IISS_DER_CONTEXT = 2, IISS_DER_PRIVATE = 3 };
enum { IISS_DER_ENUMERATED = 10, IISS_DER_OCTET_STRING = 4, IISS_DER_OID = 6, IISS_DER_SEQUENCE = 16 };

typedef struct iiss_der_tlv {
    uint8_t tag_class; /* IISS_DER_UNIVERSAL ... */
    bool constructed;
    uint32_t tag;
    const uint8_t *value; /* the contents */
    size_t len;
    const uint8_t *whole; /* identifier, length and contents: what a MIC covers */
    size_t whole_len;
} iiss_der_tlv;

/* Reads the next TLV at rd's position and moves past it. False (rd failed)
 * when it is malformed or does not fit. */
bool iiss_der_next(iiss_reader *rd, iiss_der_tlv *tlv);

/* A reader over a TLV's contents. */
void iiss_der_enter(const iiss_der_tlv *tlv, iiss_reader *inner);

bool iiss_der_is(const iiss_der_tlv *tlv, uint8_t tag_class, bool constructed, uint32_t tag);

/* An INTEGER / ENUMERATED value of up to 4 bytes; false otherwise. */
bool iiss_der_small_uint(const iiss_der_tlv *tlv, uint32_t *out);

#endif
