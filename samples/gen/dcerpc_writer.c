#include "dcerpc_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DCE_COMMON_HEADER_LEN 16u
#define DCE_REQUEST_HEADER_LEN 24u  /* + 16 with an object UUID */
#define DCE_RESPONSE_HEADER_LEN 24u
#define DCE_OFF_FRAG_LENGTH 8u
#define DCE_OFF_AUTH_LENGTH 10u
#define DCE_DREP_LITTLE_ENDIAN 0x10
#define DCE_DREP_BIG_ENDIAN 0x00

const dce_syntax DCE_SYNTAX_NDR20 = {{0x8A885D04u, 0x1CEB, 0x11C9, {0x9F, 0xE8, 0x08, 0x00, 0x2B, 0x10, 0x48, 0x60}}, 2, 0};
const dce_syntax DCE_SYNTAX_NDR64 = {{0x71710533u, 0xBEBA, 0x4937, {0x83, 0x19, 0xB5, 0xDB, 0xEF, 0x9C, 0xCC, 0x36}}, 1, 0};

void dce_stream_init(dce_stream *s, bool big_endian, uint16_t max_frag)
{
    memset(s, 0, sizeof *s);
    bb_init(&s->bytes);
    bb_init(&s->plaintext);
    s->bytes.big_endian = big_endian;
    s->max_frag = max_frag;
}

void dce_stream_free(dce_stream *s)
{
    bb_free(&s->bytes);
    bb_free(&s->plaintext);
    free(s->pdus);
    memset(s, 0, sizeof *s);
}

static dce_pdu_record *log_pdu(dce_stream *s, uint8_t pkt_type, uint8_t flags, uint32_t call_id, size_t start)
{
    if (s->n_pdus == s->cap_pdus) {
        s->cap_pdus = s->cap_pdus ? s->cap_pdus * 2 : 32;
        s->pdus = realloc(s->pdus, s->cap_pdus * sizeof *s->pdus);
        if (!s->pdus)
            abort();
    }
    dce_pdu_record *r = &s->pdus[s->n_pdus++];
    memset(r, 0, sizeof *r);
    r->pkt_type = pkt_type;
    r->flags = flags;
    r->call_id = call_id;
    r->ctx_id = -1;
    r->opnum = -1;
    r->stream_start = start;
    r->stream_end = start;
    return r;
}

/* The 16-byte common header; frag_length and auth_length are patched by
 * finish_pdu once the body is known. */
static size_t begin_pdu(dce_stream *s, uint8_t pkt_type, uint8_t flags, uint32_t call_id)
{
    bytebuf *b = &s->bytes;
    size_t start = b->len;
    bb_put_u8(b, 5); /* rpc_vers */
    bb_put_u8(b, 0); /* rpc_vers_minor */
    bb_put_u8(b, pkt_type);
    bb_put_u8(b, flags);
    bb_put_u8(b, b->big_endian ? DCE_DREP_BIG_ENDIAN : DCE_DREP_LITTLE_ENDIAN);
    bb_put_u8(b, 0); /* ASCII characters, IEEE floats */
    bb_put_u8(b, 0);
    bb_put_u8(b, 0);
    bb_put_u16(b, 0); /* frag_length */
    bb_put_u16(b, 0); /* auth_length */
    bb_put_u32(b, call_id);
    return start;
}

static void put_sec_trailer(bytebuf *b, const dce_auth *auth, uint8_t pad_length)
{
    bb_put_u8(b, auth->auth_type);
    bb_put_u8(b, auth->auth_level);
    bb_put_u8(b, pad_length);
    bb_put_u8(b, 0);
    bb_put_u32(b, auth->auth_context_id);
}

/* Appends a token verifier (bind-type PDUs and auth3). */
static void put_token_verifier(dce_stream *s, size_t start, const dce_auth *auth)
{
    if (!auth)
        return;
    bytebuf *b = &s->bytes;
    bb_align(b, start, 4, 0);
    put_sec_trailer(b, auth, 0);
    bb_put_bytes(b, auth->token, auth->token_len);
    bb_patch_u16(b, start + DCE_OFF_AUTH_LENGTH, (uint16_t)auth->token_len);
}

static void finish_pdu(dce_stream *s, size_t start, dce_pdu_record *r)
{
    size_t len = s->bytes.len - start;
    if (len > 0xFFFFu) {
        fprintf(stderr, "iiss-samplegen: PDU longer than 65535 bytes\n");
        abort();
    }
    bb_patch_u16(&s->bytes, start + DCE_OFF_FRAG_LENGTH, (uint16_t)len);
    r->stream_end = s->bytes.len;
}

static void put_syntax(bytebuf *b, const dce_syntax *syn)
{
    bb_put_guid(b, &syn->uuid);
    bb_put_u16(b, syn->version_major);
    bb_put_u16(b, syn->version_minor);
}

void dce_write_bind(dce_stream *s, uint8_t pkt_type, uint32_t call_id, uint8_t extra_flags, uint16_t max_xmit,
                    uint16_t max_recv, uint32_t assoc_group, const dce_context_item *items, size_t n_items,
                    const dce_auth *auth)
{
    uint8_t flags = (uint8_t)(DCE_PFC_FIRST_FRAG | DCE_PFC_LAST_FRAG | extra_flags);
    size_t start = begin_pdu(s, pkt_type, flags, call_id);
    dce_pdu_record *r = log_pdu(s, pkt_type, flags, call_id, start);
    bytebuf *b = &s->bytes;
    bb_put_u16(b, max_xmit);
    bb_put_u16(b, max_recv);
    bb_put_u32(b, assoc_group);
    bb_put_u8(b, (uint8_t)n_items);
    bb_put_u8(b, 0);
    bb_put_u16(b, 0);
    for (size_t i = 0; i < n_items; i++) {
        bb_put_u16(b, items[i].ctx_id);
        bb_put_u8(b, (uint8_t)items[i].n_transfer);
        bb_put_u8(b, 0);
        put_syntax(b, &items[i].abstract);
        for (size_t t = 0; t < items[i].n_transfer; t++)
            put_syntax(b, &items[i].transfer[t]);
        if (i < DCE_MAX_CONTEXT_ITEMS) {
            r->abstract[r->n_ctx_items] = items[i].abstract.uuid;
            r->ctx_items[r->n_ctx_items++] = items[i].ctx_id;
            for (size_t t = 0; t < items[i].n_transfer; t++)
                r->transfer[r->n_transfer++] = items[i].transfer[t].uuid;
        }
    }
    put_token_verifier(s, start, auth);
    finish_pdu(s, start, r);
}

void dce_write_bind_ack(dce_stream *s, uint8_t pkt_type, uint32_t call_id, uint8_t extra_flags, uint16_t max_xmit,
                        uint16_t max_recv, uint32_t assoc_group, const char *secondary_address,
                        const dce_ack_result_item *results, size_t n_results, const dce_auth *auth)
{
    uint8_t flags = (uint8_t)(DCE_PFC_FIRST_FRAG | DCE_PFC_LAST_FRAG | extra_flags);
    size_t start = begin_pdu(s, pkt_type, flags, call_id);
    dce_pdu_record *r = log_pdu(s, pkt_type, flags, call_id, start);
    bytebuf *b = &s->bytes;
    bb_put_u16(b, max_xmit);
    bb_put_u16(b, max_recv);
    bb_put_u32(b, assoc_group);
    /* port_any_t: length including the NUL, then the string; an empty
     * secondary address (alter_context_resp) is a zero length. */
    size_t addr_len = strlen(secondary_address);
    bb_put_u16(b, (uint16_t)(addr_len ? addr_len + 1 : 0));
    if (addr_len)
        bb_put_bytes(b, secondary_address, addr_len + 1);
    bb_align(b, start, 4, 0);
    bb_put_u8(b, (uint8_t)n_results);
    bb_put_u8(b, 0);
    bb_put_u16(b, 0);
    for (size_t i = 0; i < n_results; i++) {
        bb_put_u16(b, results[i].result);
        bb_put_u16(b, results[i].reason);
        put_syntax(b, &results[i].transfer);
        if (i < 2 * DCE_MAX_CONTEXT_ITEMS)
            r->transfer[r->n_transfer++] = results[i].transfer.uuid;
    }
    put_token_verifier(s, start, auth);
    finish_pdu(s, start, r);
}

void dce_write_auth3(dce_stream *s, uint32_t call_id, const dce_auth *auth)
{
    uint8_t flags = DCE_PFC_FIRST_FRAG | DCE_PFC_LAST_FRAG;
    size_t start = begin_pdu(s, DCE_PKT_AUTH3, flags, call_id);
    dce_pdu_record *r = log_pdu(s, DCE_PKT_AUTH3, flags, call_id, start);
    bb_put_zeros(&s->bytes, 4); /* pad (MS-RPCE 2.2.2.10) */
    put_token_verifier(s, start, auth);
    finish_pdu(s, start, r);
}

/* Appends auth padding, sec_trailer and a zero verifier after a stub that
 * started at body_start, then lets the hook seal and sign the PDU; the
 * record keeps the plaintext stub and what the hook did. */
static void put_protected_verifier(dce_stream *s, size_t start, size_t body_start, const dce_auth *auth,
                                   dce_pdu_record *r)
{
    bytebuf *b = &s->bytes;
    size_t stub_len = b->len - body_start;
    r->plain_start = s->plaintext.len;
    bb_put_bytes(&s->plaintext, b->data + body_start, stub_len);
    r->plain_end = s->plaintext.len;
    bb_align(b, body_start, DCE_AUTH_PAD_ALIGN, 0);
    size_t body_len = b->len - body_start;
    put_sec_trailer(b, auth, (uint8_t)(body_len - stub_len));
    size_t verifier_at = b->len;
    bb_put_zeros(b, auth->verifier_len);
    bb_patch_u16(b, start + DCE_OFF_AUTH_LENGTH, (uint16_t)auth->verifier_len);
    bb_patch_u16(b, start + DCE_OFF_FRAG_LENGTH, (uint16_t)(b->len - start));
    if (!auth->protect)
        return;
    r->auth_type = auth->auth_type;
    r->auth_level = auth->auth_level;
    int rc = auth->protect(auth->protect_ctx, b->data + start, b->len - start, body_start - start, body_len,
                           verifier_at - start, auth->verifier_len);
    if (rc == DCE_PROTECT_TAMPERED) {
        r->signature_invalid = true;
    } else if (rc != 0) {
        fprintf(stderr, "iiss-samplegen: the auth protect hook failed\n");
        abort();
    }
}

/* Largest stub chunk that fits a fragment of max_frag bytes: a multiple of
 * 8 (16 with a verifier, so only the last fragment carries auth padding). */
static size_t fragment_capacity(uint16_t max_frag, size_t header_len, const dce_auth *auth)
{
    size_t overhead = header_len + (auth ? DCE_SEC_TRAILER_LEN + auth->verifier_len : 0);
    size_t unit = auth ? DCE_AUTH_PAD_ALIGN : 8u;
    if (max_frag <= overhead + unit) {
        fprintf(stderr, "iiss-samplegen: max_frag %u too small\n", max_frag);
        abort();
    }
    return (max_frag - overhead) / unit * unit;
}

static void write_call_pdus(dce_stream *s, uint8_t pkt_type, const dce_call *call, const uint8_t *stub,
                            size_t stub_len, const dce_auth *auth)
{
    bool is_request = pkt_type == DCE_PKT_REQUEST;
    bool with_object = is_request && call->object;
    size_t header_len = (is_request ? DCE_REQUEST_HEADER_LEN : DCE_RESPONSE_HEADER_LEN) + (with_object ? 16u : 0u);
    size_t capacity = fragment_capacity(s->max_frag, header_len, auth);
    size_t done = 0;
    do {
        size_t left = stub_len - done;
        size_t chunk = left < capacity ? left : capacity;
        uint8_t flags = 0;
        if (done == 0)
            flags |= DCE_PFC_FIRST_FRAG;
        if (done + chunk == stub_len)
            flags |= DCE_PFC_LAST_FRAG;
        if (with_object)
            flags |= DCE_PFC_OBJECT_UUID;
        size_t start = begin_pdu(s, pkt_type, flags, call->call_id);
        dce_pdu_record *r = log_pdu(s, pkt_type, flags, call->call_id, start);
        r->ctx_id = call->ctx_id;
        r->opnum = call->opnum;
        bytebuf *b = &s->bytes;
        bb_put_u32(b, (uint32_t)left); /* alloc_hint: stub bytes from here on */
        bb_put_u16(b, call->ctx_id);
        if (is_request) {
            bb_put_u16(b, call->opnum);
            if (with_object) {
                bb_put_guid(b, call->object);
                r->has_object = true;
                r->object = *call->object;
            }
        } else {
            bb_put_u8(b, 0); /* cancel_count */
            bb_put_u8(b, 0);
        }
        size_t body_start = b->len;
        bb_put_bytes(b, stub + done, chunk);
        if (auth)
            put_protected_verifier(s, start, body_start, auth, r);
        finish_pdu(s, start, r);
        done += chunk;
    } while (done < stub_len);
}

void dce_write_request(dce_stream *s, const dce_call *call, const uint8_t *stub, size_t stub_len,
                       const dce_auth *auth)
{
    write_call_pdus(s, DCE_PKT_REQUEST, call, stub, stub_len, auth);
}

void dce_write_response(dce_stream *s, const dce_call *call, const uint8_t *stub, size_t stub_len,
                        const dce_auth *auth)
{
    write_call_pdus(s, DCE_PKT_RESPONSE, call, stub, stub_len, auth);
}

void dce_write_fault(dce_stream *s, const dce_call *call, uint32_t status, uint8_t extra_flags,
                     const dce_auth *auth)
{
    uint8_t flags = (uint8_t)(DCE_PFC_FIRST_FRAG | DCE_PFC_LAST_FRAG | extra_flags);
    size_t start = begin_pdu(s, DCE_PKT_FAULT, flags, call->call_id);
    dce_pdu_record *r = log_pdu(s, DCE_PKT_FAULT, flags, call->call_id, start);
    r->ctx_id = call->ctx_id;
    r->opnum = call->opnum;
    bytebuf *b = &s->bytes;
    bb_put_u32(b, 0); /* alloc_hint */
    bb_put_u16(b, call->ctx_id);
    bb_put_u8(b, 0);  /* cancel_count */
    bb_put_u8(b, 0);
    bb_put_u32(b, status);
    bb_put_u32(b, 0); /* reserved */
    if (auth) {
        /* The fault body is not a stub: nothing to seal but the padding. */
        put_protected_verifier(s, start, b->len, auth, r);
    }
    finish_pdu(s, start, r);
}
