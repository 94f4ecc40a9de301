/* DER TLV reading (X.690 8.1.2 identifier, 8.1.3 length). */
#include "der.h"

bool iiss_der_next(iiss_reader *rd, iiss_der_tlv *tlv)
{
    size_t begin = rd->pos;
    uint8_t id = iiss_rd_u8(rd);
    if (!rd->ok)
        return false;
    tlv->tag_class = (uint8_t)(id >> 6);
    tlv->constructed = (id & 0x20) != 0;
    uint32_t tag = id & 0x1Fu;
    if (tag == 0x1F) {
        /* High tag number: base-128 digits, at most 3 of them. */
        tag = 0;
        for (int i = 0;; i++) {
            uint8_t b = iiss_rd_u8(rd);
            if (!rd->ok || i == 3) {
                iiss_rd_fail_(rd);
                return false;
            }
            tag = (tag << 7) | (b & 0x7Fu);
            if (!(b & 0x80))
                break;
        }
    }
    tlv->tag = tag;
    uint8_t first = iiss_rd_u8(rd);
    size_t len = first;
    if (first & 0x80) {
        size_t n = first & 0x7Fu;
        if (n == 0 || n > 4) { /* indefinite (not DER) or absurdly long */
            iiss_rd_fail_(rd);
            return false;
        }
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = (len << 8) | iiss_rd_u8(rd);
    }
    const uint8_t *value = iiss_rd_take(rd, len);
    if (!rd->ok)
        return false;
    tlv->value = value;
    tlv->len = len;
    tlv->whole = rd->data + begin;
    tlv->whole_len = rd->pos - begin;
    return true;
}

void iiss_der_enter(const iiss_der_tlv *tlv, iiss_reader *inner)
{
    iiss_rd_init(inner, tlv->value, tlv->len, true);
}

bool iiss_der_is(const iiss_der_tlv *tlv, uint8_t tag_class, bool constructed, uint32_t tag)
{
    return tlv->tag_class == tag_class && tlv->constructed == constructed && tlv->tag == tag;
}

bool iiss_der_small_uint(const iiss_der_tlv *tlv, uint32_t *out)
{
    if (tlv->len == 0 || tlv->len > 4 || tlv->constructed)
        return false;
    uint32_t v = 0;
    iiss_reader rd;
    iiss_der_enter(tlv, &rd);
    while (iiss_rd_has(&rd, 1))
        v = (v << 8) | iiss_rd_u8(&rd);
    *out = v;
    return true;
}
