/* Pure functions over one DCE/RPC PDU's bytes; see dce_pdu.h. */
#include "dce_pdu.h"

#include <string.h>

#include "iiss/names.h"

/* Transfer syntaxes, little-endian fields. */
static const uint8_t uuid_ndr20[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                       0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
static const uint8_t uuid_ndr64[16] = {0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49,
                                       0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36};

/* Smallest frag_length each PDU type can have. */
static size_t min_frag_length(uint8_t ptype)
{
    switch (ptype) {
    case IISS_DCE_REQUEST:
    case IISS_DCE_RESPONSE: return 24;
    case IISS_DCE_FAULT: return 32;
    case IISS_DCE_BIND:
    case IISS_DCE_ALTER_CONTEXT:
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP: return 28;
    case IISS_DCE_BIND_NAK: return 18;
    default: return IISS_DCE_HEADER_LEN;
    }
}

bool iiss_dce_header_plausible(const uint8_t *p, size_t avail)
{
    if (avail > 0 && p[0] != 5)
        return false;
    if (avail > 1 && p[1] != 0)
        return false;
    if (avail > 2 && iiss_dce_ptype_name(p[2]) == NULL)
        return false;
    /* drep: integer order 0/1 (high nibble), character set 0/1 (low),
     * floating point 0-3, two reserved zero bytes. */
    if (avail > 4 && (p[4] & 0xEE) != 0)
        return false;
    if (avail > 5 && p[5] > 3)
        return false;
    if (avail > 6 && p[6] != 0)
        return false;
    if (avail > 7 && p[7] != 0)
        return false;
    if (avail >= 12) {
        iiss_reader rd;
        iiss_rd_init(&rd, p, avail, (p[4] & 0x10) == 0);
        iiss_rd_seek(&rd, 8);
        uint16_t frag_length = iiss_rd_u16(&rd);
        uint16_t auth_length = iiss_rd_u16(&rd);
        size_t min = min_frag_length(p[2]);
        if (auth_length > 0)
            min += IISS_DCE_SEC_TRAILER_LEN + auth_length;
        if (frag_length < min)
            return false;
    }
    return true;
}

uint16_t iiss_dce_header_frag_length(const uint8_t *p)
{
    iiss_reader rd;
    iiss_rd_init(&rd, p, IISS_DCE_HEADER_LEN, (p[4] & 0x10) == 0);
    iiss_rd_seek(&rd, 8);
    return iiss_rd_u16(&rd);
}

void iiss_dce_pdu_init(iiss_dce_pdu *v, const uint8_t *data, size_t len, size_t frag_length)
{
    memset(v, 0, sizeof *v);
    v->data = data;
    v->len = len;
    v->frag_length = frag_length;
    v->truncated = len < frag_length;
    iiss_reader rd;
    iiss_rd_init(&rd, data, len, (data[4] & 0x10) == 0);
    iiss_rd_skip(&rd, 2);
    v->ptype = iiss_rd_u8(&rd);
    v->flags = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 4);
    v->big_endian = rd.big_endian;
    (void)iiss_rd_u16(&rd); /* frag_length: passed in, checked by the framer */
    v->auth_length = iiss_rd_u16(&rd);
    v->call_id = iiss_rd_u32(&rd);
    v->body_end = len;
    if (v->auth_length > 0) {
        /* a plausible header has frag_length >= 16 + 8 + auth_length */
        size_t trailer = frag_length - v->auth_length - IISS_DCE_SEC_TRAILER_LEN;
        if (trailer + IISS_DCE_SEC_TRAILER_LEN <= len) {
            iiss_rd_seek(&rd, trailer);
            v->has_auth = true;
            v->auth_type = iiss_rd_u8(&rd);
            v->auth_level = iiss_rd_u8(&rd);
            v->auth_pad = iiss_rd_u8(&rd);
            v->auth_value_off = trailer + IISS_DCE_SEC_TRAILER_LEN;
        }
        if (trailer < v->body_end)
            v->body_end = trailer;
    }
}

bool iiss_dce_pdu_stub_bounds(iiss_dce_pdu *v, size_t body_off, size_t *stub_off, size_t *stub_len)
{
    size_t end = v->body_end;
    if (end < body_off) {
        v->malformed = true;
        *stub_off = body_off;
        *stub_len = 0;
        return false;
    }
    if (v->has_auth) {
        if (v->auth_pad > end - body_off) {
            v->malformed = true;
            end = body_off;
        } else {
            end -= v->auth_pad;
        }
    }
    *stub_off = body_off;
    *stub_len = end - body_off;
    return !v->malformed;
}

bool iiss_dce_pdu_sealed(const iiss_dce_pdu *v)
{
    return v->has_auth && v->auth_level == IISS_DCE_AUTH_LEVEL_PKT_PRIVACY;
}

bool iiss_dce_pdu_request_header(const iiss_dce_pdu *v, iiss_dce_request_header *h)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->body_end, v->big_endian);
    iiss_rd_seek(&rd, IISS_DCE_HEADER_LEN);
    (void)iiss_rd_u32(&rd); /* alloc_hint: a hint only, never trusted for sizing */
    h->ctx_id = iiss_rd_u16(&rd);
    h->opnum = iiss_rd_u16(&rd);
    memset(h->object, 0, sizeof h->object);
    h->has_object = (v->flags & IISS_DCE_PFC_OBJECT_UUID) != 0;
    if (h->has_object)
        iiss_dce_read_uuid(&rd, h->object);
    h->stub_off = rd.pos;
    return rd.ok;
}

uint32_t iiss_dce_pdu_fault_status(const iiss_dce_pdu *v)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->len, v->big_endian);
    iiss_rd_seek(&rd, IISS_DCE_HEADER_LEN + 8); /* alloc_hint, p_cont_id, cancel_count, reserved */
    return iiss_rd_u32(&rd);
}

bool iiss_dce_pdu_bind_contexts(const iiss_dce_pdu *v, iiss_dce_context *out, size_t max, size_t *n)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->body_end, v->big_endian);
    iiss_rd_seek(&rd, IISS_DCE_HEADER_LEN + 8); /* max_xmit_frag, max_recv_frag, assoc_group_id */
    uint8_t n_items = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 3);
    *n = 0;
    for (unsigned i = 0; i < n_items && rd.ok; i++) {
        iiss_dce_context c = {.ctx_id = iiss_rd_u16(&rd)};
        uint8_t n_transfer = iiss_rd_u8(&rd);
        iiss_rd_skip(&rd, 1);
        iiss_dce_read_uuid(&rd, c.abstract);
        c.version_major = iiss_rd_u16(&rd);
        c.version_minor = iiss_rd_u16(&rd);
        iiss_rd_skip(&rd, (size_t)n_transfer * 20u); /* the ack names the one accepted */
        if (rd.ok && *n < max)
            out[(*n)++] = c;
    }
    return rd.ok;
}

bool iiss_dce_pdu_ack_results(const iiss_dce_pdu *v, iiss_dce_ack_result *out, size_t max, size_t *n)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->body_end, v->big_endian);
    iiss_rd_seek(&rd, IISS_DCE_HEADER_LEN + 8);
    uint16_t sec_addr_len = iiss_rd_u16(&rd);
    iiss_rd_skip(&rd, sec_addr_len);
    iiss_rd_align(&rd, 4);
    uint8_t n_results = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 3);
    *n = 0;
    for (unsigned i = 0; i < n_results && rd.ok; i++) {
        iiss_dce_ack_result r = {.result = iiss_rd_u16(&rd)};
        (void)iiss_rd_u16(&rd); /* reason */
        uint8_t transfer[16];
        iiss_dce_read_uuid(&rd, transfer);
        uint16_t major = iiss_rd_u16(&rd);
        (void)iiss_rd_u16(&rd);
        r.syntax = iiss_dce_classify_transfer(transfer, major);
        if (rd.ok && *n < max)
            out[(*n)++] = r;
    }
    return rd.ok;
}

void iiss_dce_read_uuid(iiss_reader *rd, uint8_t out[16])
{
    const uint8_t *p = iiss_rd_take(rd, 16);
    if (!p) {
        memset(out, 0, 16);
        return;
    }
    memcpy(out, p, 16);
    if (rd->big_endian) {
        static const uint8_t order[8] = {3, 2, 1, 0, 5, 4, 7, 6};
        for (size_t i = 0; i < 8; i++)
            out[i] = p[order[i]];
    }
}

iiss_dce_syntax iiss_dce_classify_transfer(const uint8_t uuid[16], uint16_t major)
{
    if (memcmp(uuid, uuid_ndr20, 16) == 0 && major == 2)
        return IISS_DCE_SYNTAX_NDR20;
    if (memcmp(uuid, uuid_ndr64, 16) == 0 && major == 1)
        return IISS_DCE_SYNTAX_NDR64;
    return IISS_DCE_SYNTAX_OTHER;
}
