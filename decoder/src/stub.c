/* IIsServiceControl method stubs (MS-IISS 3.1.4, IDL in section 6) behind
 * the DCOM ORPC headers (MS-DCOM 2.2.13).
 *
 * Layout choice: in an NDR64 context a peer may marshal ORPCTHIS/ORPCTHAT
 * in NDR20 layout, as MS-DCOM 2.2.13 asks, or like any NDR64 structure
 * (8-byte pointers). Both are accepted and neither is an anomaly: the
 * layout found is data (orpcthis.layout / orpcthat.layout). The stub is
 * decoded under both layouts and the one under which the whole stub parses
 * consistently wins (exact length, COM version 5.x, referents that agree
 * with the bytes); NDR64 wins ties. Whatever layout the ORPC header has,
 * the method parameters use the context's transfer syntax, aligned
 * relative to the stub start (an NDR64 conformance after an NDR20 ORPCTHAT
 * is therefore at the next multiple of 8 of the stub offset).
 *
 * Nothing here allocates: each attempt decodes into a result struct on the
 * stack and the best one is copied out. */
#include "iiss/stub.h"

#include <string.h>

#include "iiss/names.h"
#include "iiss/reader.h"

#define DCOM_VERSION_MAJOR 5u
/* MS-DCOM 2.2.13.3 wants 0 in ORPC calls; older revisions defined
 * ORPCF_LOCAL and ORPCF_RESERVED1..4, so those bits are tolerated. Any other
 * bit means the bytes are no ORPCTHIS (used to rank layouts and to infer). */
#define ORPCTHIS_KNOWN_FLAGS 0x1Fu
/* Bytes after the last parameter pass as padding only up to this alignment
 * (from the stub start): at most 7, and none after an 8-aligned end. */
#define TRAILING_PADDING_ALIGNMENT 8u

const char *iiss_ndr_name(iiss_ndr ndr)
{
    switch (ndr) {
    case IISS_NDR20:
        return "NDR20";
    case IISS_NDR64:
        return "NDR64";
    }
    return "unknown";
}

/* ---- A bounded walk over the stub ------------------------------------- */

/* One decoding attempt: the cursor plus the first reason it stopped. */
typedef struct ndr_walk {
    iiss_reader rd;
    bool truncated;
    uint32_t truncated_at;    /* where the item that did not fit starts */
    uint64_t truncated_needs; /* bytes that item needs */
    const char *truncated_what;
    bool malformed;
    uint32_t malformed_at;
    const char *malformed_why;
} ndr_walk;

static void walk_init(ndr_walk *w, const uint8_t *stub, size_t len, bool big_endian)
{
    memset(w, 0, sizeof *w);
    /* Spans are 32-bit: a stub beyond 4 GiB is decoded up to there. */
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    iiss_rd_init(&w->rd, stub, len, big_endian);
}

static bool walk_ok(const ndr_walk *w)
{
    return !w->truncated && !w->malformed;
}

static uint32_t walk_pos(const ndr_walk *w)
{
    return (uint32_t)w->rd.pos;
}

static void walk_truncated(ndr_walk *w, size_t at, uint64_t needs, const char *what)
{
    if (!walk_ok(w))
        return;
    w->truncated = true;
    w->truncated_at = (uint32_t)at;
    w->truncated_needs = needs;
    w->truncated_what = what;
}

static void walk_malformed(ndr_walk *w, size_t at, const char *why)
{
    if (!walk_ok(w))
        return;
    w->malformed = true;
    w->malformed_at = (uint32_t)at;
    w->malformed_why = why;
}

/* Aligns to `align` (relative to the stub start) and checks that `width`
 * bytes follow; on success the cursor is at the item, whose offset goes to
 * *at. Padding is skipped whatever its value. */
static bool walk_field(ndr_walk *w, size_t align, uint64_t width, const char *what, uint32_t *at)
{
    if (!walk_ok(w))
        return false;
    size_t pos = w->rd.pos;
    size_t pad = (align > 1 && pos % align != 0) ? align - pos % align : 0;
    size_t end = w->rd.len;
    if (pad > end - pos) {
        walk_truncated(w, end, width, what);
        return false;
    }
    pos += pad;
    if (width > end - pos) {
        walk_truncated(w, pos, width, what);
        return false;
    }
    iiss_rd_seek(&w->rd, pos);
    if (at)
        *at = (uint32_t)pos;
    return true;
}

static bool walk_u16(ndr_walk *w, const char *what, uint16_t *value, uint32_t *at)
{
    if (!walk_field(w, 2, 2, what, at))
        return false;
    *value = iiss_rd_u16(&w->rd);
    return true;
}

static bool walk_u32(ndr_walk *w, const char *what, uint32_t *value, uint32_t *at)
{
    if (!walk_field(w, 4, 4, what, at))
        return false;
    *value = iiss_rd_u32(&w->rd);
    return true;
}

/* A pointer referent ID or a conformance: 4 bytes in NDR20, 8 bytes
 * aligned to 8 in NDR64. */
static bool walk_ndr_long(ndr_walk *w, iiss_ndr ndr, const char *what, uint64_t *value, uint32_t *at)
{
    size_t width = ndr == IISS_NDR64 ? 8 : 4;
    if (!walk_field(w, width, width, what, at))
        return false;
    *value = ndr == IISS_NDR64 ? iiss_rd_u64(&w->rd) : iiss_rd_u32(&w->rd);
    return true;
}

/* A GUID is a structure of u32, u16, u16, u8[8]: aligned to 4, kept in
 * wire order. */
static bool walk_guid(ndr_walk *w, const char *what, uint8_t out[16], uint32_t *at)
{
    if (!walk_field(w, 4, 16, what, at))
        return false;
    iiss_rd_copy(&w->rd, out, 16);
    return true;
}

/* `count` bytes, unaligned; *span covers what is present even when short. */
static bool walk_bytes(ndr_walk *w, const char *what, uint64_t count, iiss_span *span)
{
    if (!walk_ok(w))
        return false;
    size_t pos = w->rd.pos;
    size_t present = iiss_rd_remaining(&w->rd);
    if (count < present)
        present = (size_t)count;
    span->offset = (uint32_t)pos;
    span->length = (uint32_t)present;
    iiss_rd_skip(&w->rd, present);
    if (present < count) {
        walk_truncated(w, pos, count, what);
        return false;
    }
    return true;
}

/* ---- ORPC headers (MS-DCOM 2.2.13) ------------------------------------ */

static size_t pointer_width(iiss_ndr layout)
{
    return layout == IISS_NDR64 ? 8 : 4;
}

/* Reads entry `index` of the extent pointer array without moving the walk. */
static uint64_t extent_pointer_at(const ndr_walk *w, iiss_ndr layout, size_t array_start, uint64_t index)
{
    iiss_reader peek;
    iiss_rd_init(&peek, w->rd.data, w->rd.len, w->rd.big_endian);
    if (!iiss_rd_seek(&peek, array_start + (size_t)index * pointer_width(layout)))
        return 0;
    return layout == IISS_NDR64 ? iiss_rd_u64(&peek) : iiss_rd_u32(&peek);
}

/* One ORPC_EXTENT referent (2.2.13.1): a conformant structure, so its
 * conformance comes first, then id, size and the (size+7)&~7 data bytes. */
static void walk_extent(ndr_walk *w, iiss_ndr layout, iiss_orpc_extensions *ext)
{
    uint64_t conformance = 0;
    uint32_t conformance_at = 0;
    uint8_t id[16];
    uint32_t size = 0;
    iiss_span data = {0, 0};
    if (!walk_ndr_long(w, layout, "ORPC_EXTENT conformance", &conformance, &conformance_at) ||
        !walk_guid(w, "ORPC_EXTENT id", id, NULL) || !walk_u32(w, "ORPC_EXTENT size", &size, NULL))
        return;
    /* The IDL says (size+7)&~7; a peer that sends exactly `size` is tolerated,
     * anything else means these bytes are no extent. */
    if (conformance < size || conformance - size >= 8) {
        walk_malformed(w, conformance_at, "ORPC_EXTENT conformance does not match its size");
        return;
    }
    bool complete = walk_bytes(w, "ORPC_EXTENT data", conformance, &data);
    if (ext->count < IISS_ORPC_EXTENTS_KEPT) {
        iiss_orpc_extent *kept = &ext->kept[ext->count];
        memcpy(kept->id, id, sizeof kept->id);
        kept->size = size;
        kept->data.offset = data.offset;
        kept->data.length = data.length < size ? data.length : size;
    }
    if (complete)
        ext->count++;
}

/* The deferred ORPC_EXTENT_ARRAY referent (2.2.13.2) and everything it
 * points to: size, reserved, the pointer to the conformant array of extent
 * pointers; then that array; then each non-NULL extent. */
static void walk_extent_array(ndr_walk *w, iiss_ndr layout, uint32_t start, iiss_orpc_extensions *ext)
{
    uint64_t array_referent = 0;
    uint64_t conformance = 0;
    uint32_t conformance_at = 0;
    if (!walk_u32(w, "ORPC_EXTENT_ARRAY size", &ext->size, NULL) ||
        !walk_u32(w, "ORPC_EXTENT_ARRAY reserved", &ext->reserved, NULL) ||
        !walk_ndr_long(w, layout, "ORPC_EXTENT_ARRAY extent pointer", &array_referent, NULL))
        return;
    if (array_referent == 0) {
        if (ext->size != 0)
            walk_malformed(w, start, "ORPC_EXTENT_ARRAY counts extents but has no array");
        return;
    }
    if (!walk_ndr_long(w, layout, "ORPC_EXTENT_ARRAY conformance", &conformance, &conformance_at))
        return;
    uint64_t expected = ((uint64_t)ext->size + 1) & ~(uint64_t)1;
    if (conformance != expected && conformance != ext->size) {
        walk_malformed(w, conformance_at, "extent array conformance is not (size+1)&~1");
        return;
    }
    /* The pointer array must be present in full before anything is read
     * from it: this bounds the loop below by the bytes in the stub. */
    size_t width = pointer_width(layout);
    uint64_t array_bytes = conformance > UINT64_MAX / width ? UINT64_MAX : conformance * width;
    uint32_t array_start = 0;
    if (!walk_field(w, 1, array_bytes, "ORPC_EXTENT pointer array", &array_start))
        return;
    iiss_rd_skip(&w->rd, (size_t)array_bytes);
    uint64_t non_null = 0;
    for (uint64_t i = 0; i < conformance && walk_ok(w); i++) {
        if (extent_pointer_at(w, layout, array_start, i) == 0)
            continue;
        if (++non_null > ext->size) {
            walk_malformed(w, array_start + (size_t)i * width, "more extent pointers than ORPC_EXTENT_ARRAY.size");
            return;
        }
        walk_extent(w, layout, ext);
    }
    if (walk_ok(w) && non_null != ext->size)
        walk_malformed(w, start, "ORPC_EXTENT_ARRAY.size differs from the extents present");
}

static void walk_extensions(ndr_walk *w, iiss_ndr layout, iiss_orpc_extensions *ext)
{
    uint32_t start = walk_pos(w);
    ext->present = true;
    /* The structure holds a pointer, so it aligns like one. */
    if (walk_field(w, pointer_width(layout), 4, "ORPC_EXTENT_ARRAY", &start))
        walk_extent_array(w, layout, start, ext);
    ext->span.offset = start;
    ext->span.length = walk_pos(w) > start ? walk_pos(w) - start : 0;
}

/* A fixed field read at `offset`, `width` bytes: where a display shows it. */
static iiss_span field_span(uint32_t offset, uint32_t width)
{
    iiss_span span = {offset, width};
    return span;
}

/* ORPCTHIS (2.2.13.3) at the stub start. */
static void walk_orpcthis(ndr_walk *w, iiss_ndr layout, iiss_orpcthis *t)
{
    uint64_t extensions_referent = 0;
    uint32_t at[5] = {0};
    t->layout = layout;
    if (walk_u16(w, "ORPCTHIS version major", &t->version_major, &at[0]) &&
        walk_u16(w, "ORPCTHIS version minor", &t->version_minor, &at[1]) &&
        walk_u32(w, "ORPCTHIS flags", &t->flags, &at[2]) && walk_u32(w, "ORPCTHIS reserved1", &t->reserved1, &at[3]) &&
        walk_guid(w, "ORPCTHIS cid", t->cid, &at[4]) &&
        walk_ndr_long(w, layout, "ORPCTHIS extensions pointer", &extensions_referent, NULL) &&
        extensions_referent != 0)
        walk_extensions(w, layout, &t->extensions);
    t->span.offset = 0;
    t->span.length = walk_pos(w);
    t->parsed = walk_ok(w);
    if (t->parsed) {
        t->at.version_major = field_span(at[0], 2);
        t->at.version_minor = field_span(at[1], 2);
        t->at.flags = field_span(at[2], 4);
        t->at.reserved1 = field_span(at[3], 4);
        t->at.cid = field_span(at[4], 16);
    }
}

/* ORPCTHAT (2.2.13.4) at the stub start. */
static void walk_orpcthat(ndr_walk *w, iiss_ndr layout, iiss_orpcthat *t)
{
    uint64_t extensions_referent = 0;
    uint32_t flags_at = 0;
    t->layout = layout;
    if (walk_u32(w, "ORPCTHAT flags", &t->flags, &flags_at) &&
        walk_ndr_long(w, layout, "ORPCTHAT extensions pointer", &extensions_referent, NULL) &&
        extensions_referent != 0)
        walk_extensions(w, layout, &t->extensions);
    t->span.offset = 0;
    t->span.length = walk_pos(w);
    t->parsed = walk_ok(w);
    if (t->parsed)
        t->at.flags = field_span(flags_at, 4);
}

/* ---- Attempts and how they are ranked --------------------------------- */

/* How well one layout explains the whole stub; higher is better. */
typedef enum layout_fit {
    FIT_MALFORMED = 0, /* the ORPC header is not one */
    FIT_TRUNCATED = 1, /* plausible so far, but the stub ran out */
    FIT_TRAILING = 2,  /* every parameter read, more than padding left over */
    FIT_EXACT = 3,     /* every parameter read, at most padding left over */
} layout_fit;

typedef struct attempt {
    layout_fit fit;
    bool consistent; /* the values agree with what the spec expects (tie-breaker) */
    uint32_t malformed_at;
    const char *malformed_why;
} attempt;

static bool attempt_better(const attempt *candidate, const attempt *best)
{
    if (candidate->fit != best->fit)
        return candidate->fit > best->fit;
    return candidate->consistent && !best->consistent;
}

static void note_truncation(const ndr_walk *w, iiss_anomaly_list *anomalies)
{
    uint32_t len = (uint32_t)w->rd.len;
    uint32_t at = w->truncated_at;
    iiss_anomaly_add(anomalies, IISS_AN_STUB_TRUNCATED, at, len - at,
                     "stub ends at byte %u: %s at %u needs %llu bytes, %u present", len, w->truncated_what, at,
                     (unsigned long long)w->truncated_needs, len - at);
}

/* After the last parameter: padding up to the next multiple of 8 passes
 * silently; anything more is data nobody accounts for. */
static layout_fit note_trailing(const ndr_walk *w, iiss_anomaly_list *anomalies)
{
    uint32_t end = walk_pos(w);
    uint32_t trailing = (uint32_t)w->rd.len - end;
    uint32_t padding = (TRAILING_PADDING_ALIGNMENT - end % TRAILING_PADDING_ALIGNMENT) % TRAILING_PADDING_ALIGNMENT;
    if (trailing <= padding)
        return FIT_EXACT;
    iiss_anomaly_add(anomalies, IISS_AN_STUB_TRAILING_BYTES, end, trailing,
                     "%u bytes after the last parameter", trailing);
    return FIT_TRAILING;
}

static bool is_known_opnum(uint16_t opnum)
{
    return opnum >= IISS_OPNUM_STOP && opnum <= IISS_OPNUM_KILL;
}

static void note_unknown_opnum(uint16_t opnum, iiss_anomaly_list *anomalies)
{
    iiss_anomaly_add(anomalies, IISS_AN_UNKNOWN_OPNUM, 0, 0, "opnum %u is not a method of IIsServiceControl",
                     (unsigned)opnum);
}

static void walk_dword_param(ndr_walk *w, const char *what, iiss_dword_param *param)
{
    if (walk_u32(w, what, &param->value, &param->span.offset)) {
        param->present = true;
        param->span.length = 4;
    }
}

static void check_bool(const iiss_dword_param *param, const char *name, iiss_anomaly_list *anomalies)
{
    if (param->present && param->value > 1)
        iiss_anomaly_add(anomalies, IISS_AN_BOOL_NOT_0_OR_1, param->span.offset, param->span.length,
                         "%s is %u, not 0 or 1", name, param->value);
}

/* The ORPC header is no header: the attempt ends there, saying why. */
static bool header_malformed(const ndr_walk *w, attempt *result)
{
    if (!w->malformed)
        return false;
    result->malformed_at = w->malformed_at;
    result->malformed_why = w->malformed_why;
    return true;
}

/* How well a finished walk explains the stub; *complete when every
 * parameter of a known method was read. */
static layout_fit walk_fit(const ndr_walk *w, uint16_t opnum, bool *complete, iiss_anomaly_list *anomalies)
{
    if (w->truncated) {
        note_truncation(w, anomalies);
        return FIT_TRUNCATED;
    }
    if (!is_known_opnum(opnum))
        return FIT_EXACT; /* unknown parameters: only the ORPC header can be judged */
    *complete = true;
    return note_trailing(w, anomalies);
}

static attempt attempt_request(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, iiss_ndr layout,
                               bool big_endian, iiss_request *out)
{
    attempt result = {FIT_MALFORMED, false, 0, NULL};
    ndr_walk w;
    walk_init(&w, stub, len, big_endian);
    memset(out, 0, sizeof *out);
    out->opnum = opnum;
    out->ndr = ndr;
    iiss_anomaly_list_init(&out->anomalies);

    walk_orpcthis(&w, layout, &out->orpcthis);
    if (header_malformed(&w, &result))
        return result;
    result.consistent = out->orpcthis.version_major == DCOM_VERSION_MAJOR &&
                        (out->orpcthis.flags & ~ORPCTHIS_KNOWN_FLAGS) == 0;

    switch (opnum) {
    case IISS_OPNUM_STOP:
        walk_dword_param(&w, "dwTimeoutMsecs", &out->timeout_ms);
        walk_dword_param(&w, "dwForce", &out->force);
        check_bool(&out->force, "dwForce", &out->anomalies);
        break;
    case IISS_OPNUM_START:
        walk_dword_param(&w, "dwTimeoutMsecs", &out->timeout_ms);
        break;
    case IISS_OPNUM_REBOOT:
        walk_dword_param(&w, "dwTimeoutMsecs", &out->timeout_ms);
        walk_dword_param(&w, "dwForceAppsClosed", &out->force_apps_closed);
        check_bool(&out->force_apps_closed, "dwForceAppsClosed", &out->anomalies);
        break;
    case IISS_OPNUM_STATUS:
        walk_dword_param(&w, "dwBufferSize", &out->buffer_size);
        break;
    case IISS_OPNUM_KILL:
        break;
    default:
        note_unknown_opnum(opnum, &out->anomalies);
        break;
    }

    result.fit = walk_fit(&w, opnum, &out->complete, &out->anomalies);
    return result;
}

static attempt attempt_response(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, iiss_ndr layout,
                                bool big_endian, const uint32_t *request_buffer_size, iiss_response *out)
{
    attempt result = {FIT_MALFORMED, true, 0, NULL};
    ndr_walk w;
    walk_init(&w, stub, len, big_endian);
    memset(out, 0, sizeof *out);
    out->opnum = opnum;
    out->ndr = ndr;
    iiss_anomaly_list_init(&out->anomalies);

    walk_orpcthat(&w, layout, &out->orpcthat);
    if (header_malformed(&w, &result))
        return result;

    if (opnum == IISS_OPNUM_STATUS) {
        /* pbBuffer: a top-level [out, size_is] reference pointer, so no
         * referent ID, only the conformance and the bytes. */
        uint64_t conformance = 0;
        if (walk_ndr_long(&w, ndr, "pbBuffer conformance", &conformance, &out->conformance_span.offset)) {
            out->has_buffer = true;
            out->conformance = conformance;
            out->conformance_span.length = (uint32_t)pointer_width(ndr);
            if (request_buffer_size && conformance != *request_buffer_size) {
                result.consistent = false;
                iiss_anomaly_add(&out->anomalies, IISS_AN_CONFORMANCE_MISMATCH, out->conformance_span.offset,
                                 out->conformance_span.length,
                                 "pbBuffer conformance %llu, the request's dwBufferSize was %u",
                                 (unsigned long long)conformance, *request_buffer_size);
            }
            walk_bytes(&w, "pbBuffer", conformance, &out->buffer);
        }
        walk_dword_param(&w, "pdwMDRequiredBufferSize", &out->required_size);
        walk_dword_param(&w, "pdwNumServices", &out->num_services);
    }
    if (is_known_opnum(opnum))
        walk_dword_param(&w, "HRESULT", &out->hresult);
    else
        note_unknown_opnum(opnum, &out->anomalies);

    if (out->hresult.present && out->hresult.value == IISS_E_ERROR_INSUFFICIENT_BUFFER && out->required_size.present &&
        out->has_buffer) {
        uint64_t given = request_buffer_size ? *request_buffer_size : out->conformance;
        if (out->required_size.value <= given)
            iiss_anomaly_add(&out->anomalies, IISS_AN_REQUIRED_SIZE_SMALLER, out->required_size.span.offset,
                             out->required_size.span.length,
                             "E_ERROR_INSUFFICIENT_BUFFER, yet %u bytes required and %llu given",
                             out->required_size.value, (unsigned long long)given);
    }

    result.fit = walk_fit(&w, opnum, &out->complete, &out->anomalies);
    return result;
}

static iiss_ndr normalize_ndr(iiss_ndr ndr)
{
    return ndr == IISS_NDR64 ? IISS_NDR64 : IISS_NDR20;
}

/* ---- Layout choice, once for requests and responses ------------------ */

typedef struct decode_args {
    const uint8_t *stub;
    size_t len;
    uint16_t opnum;
    iiss_ndr ndr; /* the context's transfer syntax */
    bool big_endian;
    const uint32_t *request_buffer_size; /* responses only */
} decode_args;

/* One decoding attempt of a request or response under an ORPC layout. */
typedef attempt (*attempt_fn)(const decode_args *args, iiss_ndr layout, void *out);

static attempt try_request(const decode_args *a, iiss_ndr layout, void *out)
{
    return attempt_request(a->stub, a->len, a->opnum, a->ndr, layout, a->big_endian, out);
}

static attempt try_response(const decode_args *a, iiss_ndr layout, void *out)
{
    return attempt_response(a->stub, a->len, a->opnum, a->ndr, layout, a->big_endian, a->request_buffer_size, out);
}

/* The parts of *out every result (request or response) has. */
typedef struct result_fields {
    uint16_t *opnum;
    iiss_ndr *ndr;
    iiss_ndr *layout; /* of its ORPC header */
    iiss_anomaly_list *anomalies;
} result_fields;

/* Decodes under the context's layout and, in an NDR64 context, under NDR20
 * as well (into `scratch`, of `size` bytes like *out), keeping the better.
 * When the ORPC header (named `header`) parses in no layout, *out is reset
 * to an empty result holding only the orpc_malformed anomaly (and
 * unknown_opnum): nothing after a header that is no header can be trusted. */
static void decode_best_layout(const decode_args *args, attempt_fn try, void *out, void *scratch, size_t size,
                               const char *header, const result_fields *fields)
{
    attempt best = try(args, args->ndr, out);
    if (args->ndr == IISS_NDR64) {
        attempt other = try(args, IISS_NDR20, scratch);
        if (attempt_better(&other, &best)) {
            memcpy(out, scratch, size);
            best = other;
        }
    }
    if (best.fit != FIT_MALFORMED)
        return;
    memset(out, 0, size);
    *fields->opnum = args->opnum;
    *fields->ndr = args->ndr;
    *fields->layout = args->ndr;
    iiss_anomaly_list_init(fields->anomalies);
    iiss_anomaly_add(fields->anomalies, IISS_AN_ORPC_MALFORMED, best.malformed_at, 0,
                     "%s parses in no known layout: %s", header, best.malformed_why);
    if (!is_known_opnum(args->opnum))
        note_unknown_opnum(args->opnum, fields->anomalies);
}

/* ---- Public entry points ---------------------------------------------- */

bool iiss_decode_request(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, bool big_endian,
                         iiss_request *out)
{
    decode_args args = {stub, len, opnum, normalize_ndr(ndr), big_endian, NULL};
    iiss_request alternative;
    result_fields fields = {&out->opnum, &out->ndr, &out->orpcthis.layout, &out->anomalies};
    decode_best_layout(&args, try_request, out, &alternative, sizeof *out, "ORPCTHIS", &fields);
    return out->complete;
}

bool iiss_decode_response(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, bool big_endian,
                          const uint32_t *request_buffer_size, iiss_response *out)
{
    decode_args args = {stub, len, opnum, normalize_ndr(ndr), big_endian, request_buffer_size};
    iiss_response alternative;
    result_fields fields = {&out->opnum, &out->ndr, &out->orpcthat.layout, &out->anomalies};
    decode_best_layout(&args, try_response, out, &alternative, sizeof *out, "ORPCTHAT", &fields);
    return out->complete;
}

bool iiss_response_decode_blob(const uint8_t *stub, size_t len, const iiss_response *resp, iiss_status_blob *out)
{
    static const uint8_t no_bytes[1] = {0};
    const uint8_t *buffer = no_bytes;
    size_t buffer_len = 0;
    bool usable = resp->has_buffer && stub && resp->buffer.offset <= len &&
                  resp->buffer.length <= len - resp->buffer.offset;
    if (usable) {
        buffer = stub + resp->buffer.offset;
        buffer_len = resp->buffer.length;
    }
    const uint32_t *count = resp->num_services.present ? &resp->num_services.value : NULL;
    bool decoded = iiss_status_blob_decode(buffer, buffer_len, count, out);
    if (!usable)
        return false;

    /* On E_ERROR_INSUFFICIENT_BUFFER the server has nothing to say in the
     * buffer; bytes there are leftovers worth a note. */
    if (resp->hresult.present && resp->hresult.value == IISS_E_ERROR_INSUFFICIENT_BUFFER) {
        iiss_reader rd;
        iiss_rd_init(&rd, buffer, buffer_len, false);
        while (iiss_rd_remaining(&rd) > 0) {
            size_t at = rd.pos;
            uint8_t byte = iiss_rd_u8(&rd);
            if (byte != 0) {
                iiss_anomaly_add(&out->anomalies, IISS_AN_NONZERO_ERROR_BUFFER, (uint32_t)at,
                                 (uint32_t)(buffer_len - at),
                                 "buffer byte %zu is 0x%02x in an E_ERROR_INSUFFICIENT_BUFFER reply", at, byte);
                break;
            }
        }
    }
    return decoded;
}

/* Exact means exact here: without auth padding (the caller strips it) an
 * NDR stub ends with its last parameter. */
static bool request_fits_exactly(const iiss_request *req, size_t len)
{
    if (!req->complete || !req->orpcthis.parsed || req->orpcthis.version_major != DCOM_VERSION_MAJOR ||
        (req->orpcthis.flags & ~ORPCTHIS_KNOWN_FLAGS) != 0)
        return false;
    const iiss_dword_param *last = NULL;
    switch (req->opnum) {
    case IISS_OPNUM_STOP:
        last = &req->force;
        break;
    case IISS_OPNUM_START:
        last = &req->timeout_ms;
        break;
    case IISS_OPNUM_REBOOT:
        last = &req->force_apps_closed;
        break;
    case IISS_OPNUM_STATUS:
        last = &req->buffer_size;
        break;
    default:
        break;
    }
    size_t end = last ? (size_t)last->span.offset + last->span.length
                      : (size_t)req->orpcthis.span.offset + req->orpcthis.span.length;
    return end == len;
}

bool iiss_request_looks_like_iiss(const uint8_t *stub, size_t len, uint16_t opnum, bool big_endian,
                                  iiss_ndr *ndr_out)
{
    if (!is_known_opnum(opnum) || !stub)
        return false;
    /* *ndr_out on entry says which transfer syntax to try first. */
    iiss_ndr first = (ndr_out && *ndr_out == IISS_NDR64) ? IISS_NDR64 : IISS_NDR20;
    iiss_ndr order[2] = {first, first == IISS_NDR64 ? IISS_NDR20 : IISS_NDR64};
    iiss_request req;
    for (size_t i = 0; i < 2; i++) {
        iiss_decode_request(stub, len, opnum, order[i], big_endian, &req);
        if (request_fits_exactly(&req, len)) {
            if (ndr_out)
                *ndr_out = order[i];
            return true;
        }
    }
    return false;
}

static iiss_orpc_status orpc_status_of(const ndr_walk *w, const char **why)
{
    if (why)
        *why = w->malformed ? w->malformed_why : w->truncated ? w->truncated_what : NULL;
    if (w->malformed)
        return IISS_ORPC_MALFORMED;
    return w->truncated ? IISS_ORPC_TRUNCATED : IISS_ORPC_OK;
}

iiss_orpc_status iiss_orpcthis_decode(const uint8_t *stub, size_t len, iiss_ndr layout, bool big_endian,
                                      iiss_orpcthis *out, const char **why)
{
    ndr_walk w;
    walk_init(&w, stub, len, big_endian);
    memset(out, 0, sizeof *out);
    walk_orpcthis(&w, normalize_ndr(layout), out);
    return orpc_status_of(&w, why);
}

iiss_orpc_status iiss_orpcthat_decode(const uint8_t *stub, size_t len, iiss_ndr layout, bool big_endian,
                                      iiss_orpcthat *out, const char **why)
{
    ndr_walk w;
    walk_init(&w, stub, len, big_endian);
    memset(out, 0, sizeof *out);
    walk_orpcthat(&w, normalize_ndr(layout), out);
    return orpc_status_of(&w, why);
}
