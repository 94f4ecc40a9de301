/* pcapng blocks, one at a time: the whole block is made contiguous in the
 * input's buffer (bounded by IISS_PCAPNG_MAX_BLOCK), checked against its
 * trailing length, then read through iiss_reader. */
#include "pcapng_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iiss/reader.h"

#define BLOCK_IDB 0x00000001u
#define BLOCK_PB 0x00000002u /* obsolete Packet Block */
#define BLOCK_SPB 0x00000003u
#define BLOCK_EPB 0x00000006u
#define BLOCK_JOURNAL 0x00000009u      /* systemd Journal Export */
#define BLOCK_CUSTOM_COPY 0x00000BADu  /* Custom Block, may be copied */
#define BLOCK_CUSTOM_NOCOPY 0x40000BADu /* Custom Block, must not be copied */

#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define BLOCK_HEADER 8  /* type, total length */
#define BLOCK_OVERHEAD 12 /* header and trailing length */
#define SHB_MIN_BODY 16   /* byte-order magic, versions, section length */
#define IDB_MIN_BODY 8
#define EPB_MIN_BODY 20
#define PB_MIN_BODY 20
#define SPB_MIN_BODY 4

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

#define DEFAULT_UNITS_PER_SECOND 1000000u /* no if_tsresol: microseconds */
#define NSEC_PER_SEC 1000000000u

struct iiss_pcapng_reader {
    iiss_capture_input *in;
    bool in_section; /* a Section Header Block has been read */
    bool big_endian; /* of the current section */
    iiss_pcapng_interface *ifaces;
    size_t iface_count, iface_cap;
    uint64_t blocks; /* read so far, for messages */
    size_t pending_consume; /* bytes of the last block, consumed on the next call */
    bool finished;
    iiss_pcapng_status final_status;
    char error[256];
};

iiss_pcapng_reader *iiss_pcapng_reader_new(iiss_capture_input *in)
{
    iiss_pcapng_reader *r = calloc(1, sizeof *r);
    if (r)
        r->in = in;
    return r;
}

void iiss_pcapng_reader_free(iiss_pcapng_reader *r)
{
    if (!r)
        return;
    free(r->ifaces);
    free(r);
}

const char *iiss_pcapng_reader_error(const iiss_pcapng_reader *r)
{
    return r->error;
}

size_t iiss_pcapng_reader_interface_count(const iiss_pcapng_reader *r)
{
    return r->iface_count;
}

const iiss_pcapng_interface *iiss_pcapng_reader_interface(const iiss_pcapng_reader *r, size_t index)
{
    return index < r->iface_count ? &r->ifaces[index] : NULL;
}

static iiss_pcapng_status stop(iiss_pcapng_reader *r, iiss_pcapng_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static iiss_pcapng_status stop(iiss_pcapng_reader *r, iiss_pcapng_status status, const char *fmt, ...)
{
    r->finished = true;
    r->final_status = status;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->error, sizeof r->error, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* A short read: the input was cut (TRUNCATED) or failed (BAD, in the
 * input's words). `what` names where it stopped. */
static iiss_pcapng_status short_input(iiss_pcapng_reader *r, const char *what)
{
    if (iiss_capture_input_failed(r->in) && !iiss_capture_input_cut(r->in))
        return stop(r, IISS_PCAPNG_BAD, "%s", iiss_capture_input_error(r->in));
    if (iiss_capture_input_failed(r->in))
        return stop(r, IISS_PCAPNG_TRUNCATED, "%s, %s", what, iiss_capture_input_error(r->in));
    return stop(r, IISS_PCAPNG_TRUNCATED, "%s", what);
}

/* ---- timestamps ---- */

/* floor(rem * 10^9 / units) for rem < units, exactly. */
static uint32_t fraction_to_nsec(uint64_t rem, uint64_t units)
{
    if (units <= UINT64_MAX / NSEC_PER_SEC)
        return (uint32_t)(rem * NSEC_PER_SEC / units);
    /* rem * 10^9 needs up to 94 bits: form it as hi:lo, then divide by
     * shift and subtract (the quotient is below 10^9). */
    uint64_t part_lo = (rem & 0xFFFFFFFFu) * NSEC_PER_SEC;
    uint64_t part_hi = (rem >> 32) * NSEC_PER_SEC;
    uint64_t lo = part_lo + (part_hi << 32);
    uint64_t hi = (part_hi >> 32) + (lo < part_lo ? 1u : 0u);
    uint64_t q = 0, acc = hi; /* acc < units since rem < units */
    for (int bit = 63; bit >= 0; bit--) {
        bool carry = (acc >> 63) != 0;
        acc = (acc << 1) | ((lo >> bit) & 1u);
        q <<= 1;
        if (carry || acc >= units) {
            acc -= units;
            q |= 1u;
        }
    }
    return (uint32_t)q;
}

void iiss_pcapng_timestamp(uint64_t units, uint64_t units_per_second, int64_t offset_sec, int64_t *sec,
                           uint32_t *nsec)
{
    if (units_per_second == 0)
        units_per_second = DEFAULT_UNITS_PER_SECOND;
    uint64_t whole = units / units_per_second;
    *nsec = fraction_to_nsec(units % units_per_second, units_per_second);
    int64_t s = whole > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)whole;
    if (offset_sec > 0 && s > INT64_MAX - offset_sec)
        s = INT64_MAX;
    else if (offset_sec < 0 && s < INT64_MIN - offset_sec)
        s = INT64_MIN;
    else
        s += offset_sec;
    *sec = s;
}

/* if_tsresol: the low 7 bits are a negative power of 10, or of 2 when the
 * top bit is set. False when the unit does not fit in 64 bits. */
static bool units_from_tsresol(uint8_t tsresol, uint64_t *units)
{
    unsigned exp = tsresol & 0x7Fu;
    if (tsresol & 0x80u) {
        if (exp > 63)
            return false;
        *units = (uint64_t)1 << exp;
        return true;
    }
    if (exp > 19)
        return false;
    uint64_t u = 1;
    for (unsigned i = 0; i < exp; i++)
        u *= 10u;
    *units = u;
    return true;
}

/* ---- blocks ---- */

static iiss_pcapng_status read_shb(iiss_pcapng_reader *r, iiss_reader *body)
{
    iiss_rd_skip(body, 4); /* byte-order magic, checked by the caller */
    uint16_t major = iiss_rd_u16(body);
    uint16_t minor = iiss_rd_u16(body);
    if (!body->ok)
        return stop(r, IISS_PCAPNG_BAD, "section header block %llu is too short", (unsigned long long)r->blocks);
    /* Minor versions stay compatible; a new major version would not be. */
    if (major != 1)
        return stop(r, IISS_PCAPNG_BAD, "pcapng version %u.%u is not supported (1.x is)", major, minor);
    r->in_section = true;
    r->iface_count = 0; /* interfaces belong to their section */
    return IISS_PCAPNG_RECORD;
}

static iiss_pcapng_status read_idb(iiss_pcapng_reader *r, iiss_reader *body)
{
    iiss_pcapng_interface ifc = {.units_per_second = DEFAULT_UNITS_PER_SECOND};
    ifc.linktype = iiss_rd_u16(body);
    iiss_rd_skip(body, 2);
    ifc.snaplen = iiss_rd_u32(body);
    if (!body->ok)
        return stop(r, IISS_PCAPNG_BAD, "interface description block %llu is too short",
                    (unsigned long long)r->blocks);
    size_t index = r->iface_count;
    bool seen_tsresol = false, seen_tsoffset = false;
    while (iiss_rd_remaining(body) >= 4) {
        uint16_t code = iiss_rd_u16(body);
        uint16_t len = iiss_rd_u16(body);
        if (code == OPT_ENDOFOPT)
            break;
        iiss_reader value;
        const uint8_t *v = iiss_rd_take(body, len);
        if (!v)
            return stop(r, IISS_PCAPNG_BAD, "interface %zu: option %u of %u bytes runs past its block", index, code,
                        len);
        iiss_rd_init(&value, v, len, r->big_endian);
        iiss_rd_align(body, 4);
        /* The first occurrence counts; the spec allows each only once. */
        if (code == OPT_IF_TSRESOL && !seen_tsresol) {
            seen_tsresol = true;
            uint8_t tsresol = iiss_rd_u8(&value);
            if (len != 1 || !units_from_tsresol(tsresol, &ifc.units_per_second))
                return stop(r, IISS_PCAPNG_BAD,
                            "interface %zu: if_tsresol 0x%02x (%u bytes) is no timestamp unit that fits 64 bits",
                            index, tsresol, len);
        } else if (code == OPT_IF_TSOFFSET && !seen_tsoffset) {
            seen_tsoffset = true;
            if (len != 8)
                return stop(r, IISS_PCAPNG_BAD, "interface %zu: if_tsoffset of %u bytes (8 expected)", index, len);
            ifc.ts_offset = (int64_t)iiss_rd_u64(&value);
        }
    }
    if (r->iface_count >= IISS_PCAPNG_MAX_INTERFACES)
        return stop(r, IISS_PCAPNG_BAD, "more than %u interfaces in one section (the reader's limit)",
                    IISS_PCAPNG_MAX_INTERFACES);
    if (r->iface_count == r->iface_cap) {
        size_t cap = r->iface_cap ? r->iface_cap * 2 : 4;
        iiss_pcapng_interface *p = realloc(r->ifaces, cap * sizeof *p);
        if (!p)
            return stop(r, IISS_PCAPNG_BAD, "out of memory for %zu interfaces", cap);
        r->ifaces = p;
        r->iface_cap = cap;
    }
    r->ifaces[r->iface_count++] = ifc;
    return IISS_PCAPNG_RECORD;
}

static const iiss_pcapng_interface *packet_interface(iiss_pcapng_reader *r, uint32_t id, const char *block)
{
    if (id >= r->iface_count) {
        stop(r, IISS_PCAPNG_BAD, "%s block %llu names interface %u, but its section declares %zu", block,
             (unsigned long long)r->blocks, id, r->iface_count);
        return NULL;
    }
    return &r->ifaces[id];
}

static iiss_pcapng_status take_packet_data(iiss_pcapng_reader *r, iiss_reader *body, uint32_t caplen,
                                           const char *block, iiss_pcapng_record *out)
{
    size_t room = iiss_rd_remaining(body);
    out->data = iiss_rd_take(body, caplen);
    if (!out->data)
        return stop(r, IISS_PCAPNG_BAD, "%s block %llu claims %u captured bytes but holds %zu", block,
                    (unsigned long long)r->blocks, caplen, room);
    out->caplen = caplen;
    out->is_packet = true;
    return IISS_PCAPNG_RECORD;
}

/* Enhanced (EPB) and obsolete (PB) packet blocks differ only in how wide
 * the interface id is. */
static iiss_pcapng_status read_timed_packet(iiss_pcapng_reader *r, iiss_reader *body, bool obsolete,
                                            iiss_pcapng_record *out)
{
    const char *name = obsolete ? "packet" : "enhanced packet";
    uint32_t id;
    if (obsolete) {
        id = iiss_rd_u16(body);
        iiss_rd_skip(body, 2); /* drops count */
    } else {
        id = iiss_rd_u32(body);
    }
    uint32_t ts_high = iiss_rd_u32(body);
    uint32_t ts_low = iiss_rd_u32(body);
    uint32_t caplen = iiss_rd_u32(body);
    uint32_t wirelen = iiss_rd_u32(body);
    if (!body->ok)
        return stop(r, IISS_PCAPNG_BAD, "%s block %llu is too short", name, (unsigned long long)r->blocks);
    const iiss_pcapng_interface *ifc = packet_interface(r, id, name);
    if (!ifc)
        return r->final_status;
    out->interface = id;
    out->linktype = ifc->linktype;
    out->has_ts = true;
    uint64_t units = ((uint64_t)ts_high << 32) | ts_low;
    iiss_pcapng_timestamp(units, ifc->units_per_second, ifc->ts_offset, &out->ts_sec, &out->ts_nsec);
    out->wirelen = wirelen;
    return take_packet_data(r, body, caplen, name, out);
}

/* A Simple Packet Block belongs to the section's first interface and has no
 * timestamp; what it holds is the original length clipped to that
 * interface's snapshot length. */
static iiss_pcapng_status read_spb(iiss_pcapng_reader *r, iiss_reader *body, iiss_pcapng_record *out)
{
    uint32_t wirelen = iiss_rd_u32(body);
    if (!body->ok)
        return stop(r, IISS_PCAPNG_BAD, "simple packet block %llu is too short", (unsigned long long)r->blocks);
    const iiss_pcapng_interface *ifc = packet_interface(r, 0, "simple packet");
    if (!ifc)
        return r->final_status;
    uint32_t caplen = wirelen;
    if (ifc->snaplen && caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    out->interface = 0;
    out->linktype = ifc->linktype;
    out->has_ts = false;
    out->wirelen = wirelen;
    return take_packet_data(r, body, caplen, "simple packet", out);
}

static bool block_is_frame_without_packet(uint32_t type)
{
    return type == BLOCK_JOURNAL || type == BLOCK_CUSTOM_COPY || type == BLOCK_CUSTOM_NOCOPY;
}

iiss_pcapng_status iiss_pcapng_reader_next(iiss_pcapng_reader *r, iiss_pcapng_record *out)
{
    if (r->finished)
        return r->final_status;
    memset(out, 0, sizeof *out);
    for (;;) {
        iiss_capture_input_consume(r->in, r->pending_consume);
        r->pending_consume = 0;
        const uint8_t *p;
        size_t have = iiss_capture_input_peek(r->in, BLOCK_OVERHEAD, &p);
        if (have == 0) {
            if (iiss_capture_input_failed(r->in))
                return short_input(r, "the input stops between blocks");
            if (!r->in_section)
                return stop(r, IISS_PCAPNG_BAD, "%s", "empty input, not a pcapng file");
            return stop(r, IISS_PCAPNG_END, NULL);
        }
        if (have < BLOCK_OVERHEAD)
            return short_input(r, "the file stops inside a block header");
        iiss_reader hdr;
        iiss_rd_init(&hdr, p, have, r->big_endian);
        uint32_t type = iiss_rd_u32(&hdr);
        if (type == IISS_PCAPNG_MAGIC) {
            /* The section's byte order comes from its own magic; the type
             * reads the same either way. */
            uint32_t magic = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
            if (magic == BYTE_ORDER_MAGIC)
                r->big_endian = true;
            else if (magic == 0x4D3C2B1Au)
                r->big_endian = false;
            else
                return stop(r, IISS_PCAPNG_BAD, "section header block %llu has no byte-order magic",
                            (unsigned long long)r->blocks + 1);
            hdr.big_endian = r->big_endian;
        } else if (!r->in_section) {
            return stop(r, IISS_PCAPNG_BAD, "%s", "does not start with a section header block");
        }
        uint32_t total = iiss_rd_u32(&hdr);
        r->blocks++;
        size_t min = BLOCK_OVERHEAD + (type == IISS_PCAPNG_MAGIC ? SHB_MIN_BODY : 0);
        if (total < min || total % 4 != 0)
            return stop(r, IISS_PCAPNG_BAD, "block %llu (type 0x%08x) has an impossible length of %u bytes",
                        (unsigned long long)r->blocks, type, total);
        if (total > IISS_PCAPNG_MAX_BLOCK)
            return stop(r, IISS_PCAPNG_BAD, "block %llu (type 0x%08x) claims %u bytes, more than the %u accepted",
                        (unsigned long long)r->blocks, type, total, IISS_PCAPNG_MAX_BLOCK);
        have = iiss_capture_input_peek(r->in, total, &p);
        if (have < total) {
            char what[96];
            snprintf(what, sizeof what, "the file stops inside block %llu (%zu of its %u bytes)",
                     (unsigned long long)r->blocks, have, total);
            return short_input(r, what);
        }
        iiss_reader blk;
        iiss_rd_init(&blk, p, total, r->big_endian);
        iiss_rd_seek(&blk, total - 4);
        if (iiss_rd_u32(&blk) != total)
            return stop(r, IISS_PCAPNG_BAD, "block %llu (type 0x%08x): its trailing length differs from %u",
                        (unsigned long long)r->blocks, type, total);
        r->pending_consume = total;
        iiss_reader body;
        iiss_rd_init(&body, p + BLOCK_HEADER, total - BLOCK_OVERHEAD, r->big_endian);
        iiss_pcapng_status st = IISS_PCAPNG_RECORD;
        switch (type) {
        case IISS_PCAPNG_MAGIC:
            st = read_shb(r, &body);
            break;
        case BLOCK_IDB:
            st = read_idb(r, &body);
            break;
        case BLOCK_EPB:
        case BLOCK_PB:
            return read_timed_packet(r, &body, type == BLOCK_PB, out);
        case BLOCK_SPB:
            return read_spb(r, &body, out);
        default:
            if (block_is_frame_without_packet(type)) {
                out->is_packet = false;
                return IISS_PCAPNG_RECORD;
            }
            break; /* NRB, ISB, DSB and unknown types: nothing to deliver */
        }
        if (st != IISS_PCAPNG_RECORD)
            return st;
    }
}
