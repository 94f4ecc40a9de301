/* DCE/RPC framing and resynchronisation; see dce_framing.h. */
#include "dce_framing.h"

#include <string.h>

#include "dce_pdu.h"

/* A partial-PDU buffer grown past this is released once the PDU is
 * handled: thousands of idle connections must not each pin 64 KiB. */
#define KEEP_PARTIAL_BYTES (16u * 1024u)

void iiss_dce_framer_init(iiss_dce_framer *f, iiss_memory_owner *owner)
{
    memset(f, 0, sizeof *f);
    f->hunting = true;
    f->owner = owner;
}

void iiss_dce_framer_free(const iiss_dce_framing *fr, iiss_dce_framer *f)
{
    iiss_dce_buf_free(fr->budget, f->owner, IISS_MEMORY_PARTIAL_PDUS, &f->partial);
}

static bool append_partial(const iiss_dce_framing *fr, iiss_dce_framer *f, const uint8_t *data, size_t n,
                           size_t limit)
{
    return iiss_dce_buf_append(fr->budget, f->owner, IISS_MEMORY_PARTIAL_PDUS, &f->partial, data, n, limit);
}

size_t iiss_dce_framer_shed(const iiss_dce_framing *fr, iiss_dce_framer *f)
{
    size_t have = f->partial.len;
    if (have > 0) {
        fr->stats->pdus_dropped++;
        if (have >= IISS_DCE_HEADER_LEN && !f->hunting)
            f->skip = iiss_dce_header_frag_length(f->partial.data) - have;
        else
            f->hunting = true;
    }
    iiss_dce_framer_free(fr, f);
    return have;
}

/* Offset of the first plausible header start in data (a full 16-byte
 * header, or a plausible prefix running to the end), or len. */
static size_t hunt(const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const uint8_t *p = memchr(data + i, 5, len - i);
        if (!p)
            return len;
        i = (size_t)(p - data);
        size_t avail = len - i < IISS_DCE_HEADER_LEN ? len - i : IISS_DCE_HEADER_LEN;
        if (iiss_dce_header_plausible(data + i, avail))
            return i;
        i++;
    }
    return len;
}

/* A PDU that cannot be buffered (memory budget): what came of it is handed
 * on, marked cut by the memory limit, so its call says what it lost; the
 * rest of it (`frag_length` counted from its start) is passed over so
 * framing holds. */
static void drop_partial(const iiss_dce_framing *fr, iiss_dce_framer *f, const uint8_t *have, size_t have_len,
                         size_t frag_length, const iiss_packet_meta *meta, void *user)
{
    fr->stats->pdus_dropped++;
    f->partial.len = 0;
    f->skip = frag_length - have_len;
    fr->on_pdu(user, have, have_len, frag_length, true, meta);
    iiss_dce_buf_recycle(fr->budget, f->owner, IISS_MEMORY_PARTIAL_PDUS, &f->partial, KEEP_PARTIAL_BYTES);
}

/* The buffered header proved implausible: rescan its bytes after the
 * first, then continue with the chunk. */
static void rehunt_partial(const iiss_dce_framing *fr, iiss_dce_framer *f, const iiss_packet_meta *meta, void *user)
{
    uint8_t tail[IISS_DCE_HEADER_LEN];
    size_t n = f->partial.len - 1;
    memcpy(tail, f->partial.data + 1, n);
    f->partial.len = 0;
    f->hunting = true;
    fr->stats->resyncs++;
    fr->stats->bytes_skipped++;
    iiss_dce_framer_data(fr, f, tail, n, meta, user);
}

void iiss_dce_framer_data(const iiss_dce_framing *fr, iiss_dce_framer *f, const uint8_t *data, size_t len,
                          const iiss_packet_meta *meta, void *user)
{
    while (len > 0) {
        if (f->skip > 0) {
            /* the tail of a PDU already handled as cut short */
            size_t n = f->skip < len ? f->skip : len;
            f->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        if (f->partial.len > 0) {
            f->partial_meta = *meta;
            /* Complete the header first, then the PDU it announces. */
            if (f->partial.len < IISS_DCE_HEADER_LEN) {
                size_t take = IISS_DCE_HEADER_LEN - f->partial.len;
                if (take > len)
                    take = len;
                if (!append_partial(fr, f, data, take, IISS_DCE_HEADER_LEN)) {
                    /* no room for 16 bytes: hunt afresh */
                    fr->stats->pdus_dropped++;
                    f->partial.len = 0;
                    f->hunting = true;
                    return;
                }
                data += take;
                len -= take;
                if (f->partial.len < IISS_DCE_HEADER_LEN)
                    return;
                if (!iiss_dce_header_plausible(f->partial.data, IISS_DCE_HEADER_LEN)) {
                    rehunt_partial(fr, f, meta, user);
                    continue;
                }
            }
            size_t frag_length = iiss_dce_header_frag_length(f->partial.data);
            size_t take = frag_length - f->partial.len;
            if (take > len)
                take = len;
            if (!append_partial(fr, f, data, take, frag_length)) {
                /* no room: lose the rest of this PDU but keep the framing */
                drop_partial(fr, f, f->partial.data, f->partial.len, frag_length, &f->partial_meta, user);
                continue;
            }
            data += take;
            len -= take;
            if (f->partial.len < frag_length)
                return;
            f->partial.len = 0;
            fr->on_pdu(user, f->partial.data, frag_length, frag_length, false, meta);
            iiss_dce_buf_recycle(fr->budget, f->owner, IISS_MEMORY_PARTIAL_PDUS, &f->partial, KEEP_PARTIAL_BYTES);
            continue;
        }
        if (f->hunting) {
            size_t at = hunt(data, len);
            if (f->synced_once)
                fr->stats->bytes_skipped += at;
            data += at;
            len -= at;
            if (len == 0)
                return;
            f->hunting = false;
        }
        if (len < IISS_DCE_HEADER_LEN) {
            if (!iiss_dce_header_plausible(data, len)) {
                f->hunting = true;
                fr->stats->resyncs++;
                continue;
            }
            if (!append_partial(fr, f, data, len, IISS_DCE_HEADER_LEN)) {
                fr->stats->pdus_dropped++;
                f->hunting = true;
            }
            f->partial_meta = *meta;
            return;
        }
        if (!iiss_dce_header_plausible(data, IISS_DCE_HEADER_LEN)) {
            /* Lost framing: skip a byte and hunt for the next header. */
            f->hunting = true;
            fr->stats->resyncs++;
            fr->stats->bytes_skipped++;
            data++;
            len--;
            continue;
        }
        f->synced_once = true;
        size_t frag_length = iiss_dce_header_frag_length(data);
        if (frag_length <= len) {
            /* Whole PDU in this chunk: handed on in place. */
            fr->on_pdu(user, data, frag_length, frag_length, false, meta);
            data += frag_length;
            len -= frag_length;
            continue;
        }
        if (!append_partial(fr, f, data, len, frag_length)) {
            drop_partial(fr, f, data, len, frag_length, meta, user);
            return;
        }
        f->partial_meta = *meta;
        return;
    }
}

bool iiss_dce_framer_gap(const iiss_dce_framing *fr, iiss_dce_framer *f, uint64_t missing_bytes,
                         uint64_t *missing_after, void *user)
{
    if (f->partial.len >= IISS_DCE_HEADER_LEN && !f->hunting) {
        size_t frag_length = iiss_dce_header_frag_length(f->partial.data);
        size_t rest = frag_length - f->partial.len;
        size_t have = f->partial.len;
        f->partial.len = 0;
        fr->on_pdu(user, f->partial.data, have, frag_length, false, &f->partial_meta);
        if (missing_bytes <= rest) {
            f->skip = rest - (size_t)missing_bytes;
            return false;
        }
        missing_bytes -= rest;
    } else if (f->skip > 0) {
        if (missing_bytes <= f->skip) {
            f->skip -= (size_t)missing_bytes;
            return false;
        }
        missing_bytes -= f->skip;
        f->skip = 0;
    }
    f->partial.len = 0;
    f->hunting = true;
    fr->stats->resyncs++;
    *missing_after = missing_bytes;
    return true;
}
