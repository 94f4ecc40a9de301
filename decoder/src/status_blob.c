/* STATUS_BLOB decoder (MS-IISS 2.2.1, 2.2.2).
 *
 * The blob is decoded once per candidate offset unit: WCHAR offsets as 2.2.1
 * says, and byte offsets (the 4.1 example, SCMR's habit) only when the WCHAR
 * reading puts strings where they cannot be. Byte offsets are kept only when
 * they place the strings plausibly (packed, one parity) and with fewer
 * problems than WCHAR offsets, and are then reported as an anomaly.
 *
 * Hostile input stays cheap: records are bounded by len/36, the NUL search
 * stays linear (a precomputed table once direct scans have read the buffer
 * over), and the UTF-8 produced for all strings together is bounded by a
 * budget proportional to len.
 *
 * One allocation per decoding holds the records and, behind them, the UTF-8
 * of every string: the block starts with room for ASCII strings packed
 * without overlap (the usual blob) and grows only for other text. */
#include "iiss/status_blob.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "iiss/reader.h"
#include "iiss/utf16.h"

#define NO_NUL UINT32_MAX

/* Finds the NUL code unit ending a string. Strings normally follow one
 * another, so scanning from each start reads the buffer about once; 2*len/36
 * hostile offsets into one long run would make that quadratic, so once the
 * scans have read as many code units as the buffer has bytes, a table gives
 * every terminator in O(1). Shared by both offset units of a decoding. */
typedef struct nul_finder {
    const uint8_t *buf;
    size_t len;
    size_t scan_budget; /* code units direct scans may still read */
    uint32_t *next_nul; /* next_nul[p]: the first NUL code unit at p, p+2, ...; built when the budget is spent */
    bool table_failed;  /* out of memory for the table: scan on (slower, same answers) */
} nul_finder;

/* Decoding context for one candidate unit. */
typedef struct blob_ctx {
    const uint8_t *buf;
    size_t len;                 /* clamped to UINT32_MAX: offsets are 32-bit */
    iiss_offset_unit unit;
    uint64_t records_area_end;  /* where the strings may begin: count*36, capped at len */
    nul_finder *nul;
    size_t utf8_budget;         /* code units still allowed to be converted */
    iiss_status_blob *out;      /* its services block also holds the strings' text */
    size_t text_len;            /* UTF-8 bytes written behind the records */
    size_t text_capacity;
    iiss_anomaly_list *anomalies;
} blob_ctx;

/* The utf8 of a converted string until the block stops moving; then it is
 * pointed at the text (see place_texts). */
static char text_pending[] = "";

const char *iiss_offset_unit_name(iiss_offset_unit unit)
{
    return unit == IISS_OFFSET_BYTE ? "byte" : "wchar";
}

static uint64_t unit_size(iiss_offset_unit unit)
{
    return unit == IISS_OFFSET_BYTE ? 1u : 2u;
}

static bool buffer_all_zero(const uint8_t *buf, size_t len)
{
    iiss_reader rd;
    iiss_rd_init(&rd, buf, len, false);
    while (iiss_rd_remaining(&rd) > 0) {
        if (iiss_rd_u8(&rd) != 0)
            return false;
    }
    return true;
}

static uint32_t *build_next_nul(const uint8_t *buf, size_t len)
{
    uint32_t *next = g_try_new(uint32_t, len - 1);
    if (!next)
        return NULL;
    for (size_t i = len - 1; i-- > 0;) {
        uint16_t unit = 1;
        iiss_peek_u16le(buf, len, i, &unit);
        if (unit == 0)
            next[i] = (uint32_t)i;
        else
            next[i] = i + 2 < len - 1 ? next[i + 2] : NO_NUL;
    }
    return next;
}

/* Position of the first NUL code unit at start, start+2, ... (whole code
 * units only), or NO_NUL. */
static uint32_t find_nul(nul_finder *f, size_t start)
{
    if (f->len < 2 || start >= f->len - 1)
        return NO_NUL;
    if (f->next_nul)
        return f->next_nul[start];
    for (size_t p = start; p + 1 < f->len; p += 2) {
        if (f->scan_budget == 0 && !f->table_failed) {
            f->next_nul = build_next_nul(f->buf, f->len);
            if (f->next_nul)
                return f->next_nul[start];
            f->table_failed = true;
        }
        if (f->scan_budget > 0)
            f->scan_budget--;
        uint16_t unit = 1;
        iiss_peek_u16le(f->buf, f->len, p, &unit);
        if (unit == 0)
            return (uint32_t)p;
    }
    return NO_NUL;
}

/* Makes room for `extra` more text bytes behind the records (the block may
 * move: services are re-read from ctx->out). */
static bool reserve_text(blob_ctx *ctx, size_t extra)
{
    if (ctx->text_capacity - ctx->text_len >= extra)
        return true;
    size_t records = ctx->out->service_count * sizeof *ctx->out->services;
    size_t capacity = ctx->text_capacity * 2 > ctx->text_len + extra ? ctx->text_capacity * 2 : ctx->text_len + extra;
    iiss_service_record *block = g_try_realloc(ctx->out->services, records + capacity);
    if (!block)
        return false;
    ctx->out->services = block;
    ctx->text_capacity = capacity;
    return true;
}

/* Where the text area begins: right after the records. */
static char *text_base(const blob_ctx *ctx)
{
    return (char *)(ctx->out->services + ctx->out->service_count);
}

/* The code units in [pos, end) (no NUL among them) as UTF-8, appended to
 * the text area with its NUL, through the library's lenient converter. An
 * ASCII string, the usual one, fits in one byte per unit; other text is
 * converted again with room for 3 bytes per unit. Returns false when out of
 * memory; *bad gets the number of replacements, *first_bad the byte
 * position of the first. */
static bool convert_utf16(blob_ctx *ctx, size_t pos, size_t end, unsigned *bad, size_t *first_bad)
{
    size_t units = (end - pos) / 2;
    iiss_utf16_outcome outcome;
    size_t n = 0;
    for (size_t per_unit = 1; per_unit <= 3; per_unit += 2) {
        size_t room = per_unit * units + 1;
        if (!reserve_text(ctx, room))
            return false;
        n = iiss_utf16le_to_utf8(ctx->buf + pos, end - pos, text_base(ctx) + ctx->text_len, room, &outcome);
        if (outcome.whole)
            break;
    }
    *bad = outcome.bad;
    if (outcome.bad > 0)
        *first_bad = pos + outcome.first_bad;
    ctx->text_len += n + 1;
    return true;
}

/* Resolves one string field: `field_pos` is where the offset sits in the
 * buffer (anomalies about the pointer itself are reported there). */
static bool decode_string(blob_ctx *ctx, uint32_t field_pos, uint32_t offset, const char *what, size_t service,
                          bool display_name)
{
    iiss_blob_string *str = display_name ? &ctx->out->services[service].display_name
                                         : &ctx->out->services[service].name;
    memset(str, 0, sizeof *str);
    uint64_t pos = (uint64_t)offset * unit_size(ctx->unit);
    if (pos >= ctx->len) {
        iiss_anomaly_add(ctx->anomalies, IISS_AN_STRING_OUT_OF_BOUNDS, field_pos, 4,
                         "%s offset %u (%s) points to byte %llu, beyond the %zu-byte buffer", what, offset,
                         iiss_offset_unit_name(ctx->unit), (unsigned long long)pos, ctx->len);
        return true;
    }
    if (pos < ctx->records_area_end) {
        /* Record bytes are no string: left unread rather than shown as text. */
        iiss_anomaly_add(ctx->anomalies, IISS_AN_STRING_IN_RECORDS, field_pos, 4,
                         "%s offset %u points to byte %llu, inside the record array (ends at %llu)", what,
                         offset, (unsigned long long)pos, (unsigned long long)ctx->records_area_end);
        return true;
    }
    if (pos % 2 != 0)
        iiss_anomaly_add(ctx->anomalies, IISS_AN_STRING_MISALIGNED, field_pos, 4,
                         "%s starts at odd byte %llu", what, (unsigned long long)pos);

    size_t start = (size_t)pos;
    uint32_t nul = find_nul(ctx->nul, start);
    size_t end; /* end of the characters, NUL excluded */
    str->present = true;
    str->offset = (uint32_t)start;
    if (nul == NO_NUL) {
        end = ctx->len;
        str->terminated = false;
        str->length = (uint32_t)(ctx->len - start);
        iiss_anomaly_add(ctx->anomalies, IISS_AN_STRING_UNTERMINATED, str->offset, str->length,
                         "%s at byte %u has no NUL before the end of the buffer", what, str->offset);
    } else {
        end = nul;
        str->terminated = true;
        str->length = (uint32_t)(nul + 2 - start);
    }

    size_t units = (end - start) / 2;
    if (units > ctx->utf8_budget)
        return true; /* only overlapping or shared strings exhaust it: leave unreadable */
    ctx->utf8_budget -= units;
    size_t first_bad = 0;
    unsigned bad = 0;
    if (!convert_utf16(ctx, start, end, &bad, &first_bad))
        return false;
    str = display_name ? &ctx->out->services[service].display_name : &ctx->out->services[service].name; /* moved */
    if (bad)
        iiss_anomaly_add(ctx->anomalies, IISS_AN_INVALID_UTF16, (uint32_t)first_bad, 2,
                         "%s at byte %u: %u invalid UTF-16 code unit%s replaced by U+FFFD", what, str->offset,
                         bad, bad == 1 ? "" : "s");
    str->utf8 = text_pending;
    return true;
}

/* Points each converted string at its text, now that the block no longer
 * moves: the texts follow one another, NUL-terminated, in decoding order.
 * After a failure the strings are left unreadable instead. */
static void place_texts(iiss_status_blob *out, bool complete)
{
    if (out->service_count == 0)
        return; /* no block */
    const char *text = (const char *)(out->services + out->service_count);
    for (size_t i = 0; i < out->service_count; i++) {
        iiss_blob_string *strs[2] = {&out->services[i].name, &out->services[i].display_name};
        for (size_t k = 0; k < 2; k++) {
            if (strs[k]->utf8 != text_pending)
                continue;
            if (complete) {
                strs[k]->utf8 = (char *)text;
                text += strlen(text) + 1;
            } else {
                strs[k]->utf8 = NULL;
            }
        }
    }
}

/* What the unit chooser weighs besides the anomalies. */
typedef struct layout_stats {
    size_t strings;    /* strings that landed in the buffer */
    size_t misaligned; /* of those, at an odd byte */
    uint64_t holes;    /* bytes between the first and the last string that no string covers */
    bool leading_gap;  /* bytes between the records and the first string */
} layout_stats;

typedef struct string_ref {
    uint32_t offset;
    uint32_t length;
    uint32_t field_pos;
} string_ref;

static int compare_refs(const void *a, const void *b)
{
    const string_ref *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->field_pos != y->field_pos)
        return x->field_pos < y->field_pos ? -1 : 1;
    return 0;
}

/* Shared strings (same start), overlapping ones (different starts, common
 * bytes) and holes between strings. */
static bool check_string_layout(iiss_status_blob *out, layout_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    size_t n = 0;
    string_ref *refs = g_try_new(string_ref, out->service_count * 2 + 1);
    if (!refs)
        return false;
    for (size_t i = 0; i < out->service_count; i++) {
        const iiss_service_record *s = &out->services[i];
        const iiss_blob_string *strs[2] = {&s->name, &s->display_name};
        for (size_t k = 0; k < 2; k++) {
            if (!strs[k]->present)
                continue;
            refs[n].offset = strs[k]->offset;
            refs[n].length = strs[k]->length;
            refs[n].field_pos = s->record_offset + (k == 0 ? IISS_REC_OFF_NAME : IISS_REC_OFF_DISPLAY_NAME);
            if (refs[n].offset % 2 != 0)
                stats->misaligned++;
            n++;
        }
    }
    qsort(refs, n, sizeof *refs, compare_refs);
    uint64_t reach = 0;  /* end of the furthest string seen so far */
    size_t reach_idx = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = (uint64_t)refs[i].offset + refs[i].length;
        if (i > 0 && refs[i].offset > reach) {
            stats->holes += refs[i].offset - reach;
            iiss_anomaly_add(&out->anomalies, IISS_AN_UNREFERENCED_GAP, (uint32_t)reach,
                             (uint32_t)(refs[i].offset - reach),
                             "%llu byte(s) between the strings at bytes %u and %u that nothing points at",
                             (unsigned long long)(refs[i].offset - reach), refs[reach_idx].offset, refs[i].offset);
        }
        if (i > 0 && refs[i].offset == refs[i - 1].offset) {
            iiss_anomaly_add(&out->anomalies, IISS_AN_STRING_SHARED, refs[i].offset, refs[i].length,
                             "fields at bytes %u and %u both point at the string at byte %u", refs[i - 1].field_pos,
                             refs[i].field_pos, refs[i].offset);
        } else if (i > 0 && refs[i].offset < reach) {
            iiss_anomaly_add(&out->anomalies, IISS_AN_STRING_OVERLAP, refs[i].offset,
                             (uint32_t)((reach < end ? reach : end) - refs[i].offset),
                             "string at byte %u (field at %u) overlaps the string at byte %u (field at %u)",
                             refs[i].offset, refs[i].field_pos, refs[reach_idx].offset, refs[reach_idx].field_pos);
        }
        if (end > reach) {
            reach = end;
            reach_idx = i;
        }
    }
    stats->strings = n;
    if (n > 0 && reach > out->strings_end)
        out->strings_end = (uint32_t)reach;
    g_free(refs);
    return true;
}

/* Lowers *lowest to where the string an offset of record `index` points at
 * begins. Positions inside that record or an earlier one, or beyond the
 * buffer, say nothing about where the records end and are ignored (they
 * get their own anomaly). */
static void note_string_start(uint32_t offset, iiss_offset_unit unit, size_t index, size_t span_len,
                              uint64_t *lowest)
{
    uint64_t pos = (uint64_t)offset * unit_size(unit);
    if (pos >= (uint64_t)(index + 1) * IISS_RECORD_SIZE && pos < span_len && pos < *lowest)
        *lowest = pos;
}

/* Decodes with one offset unit and one count. Returns false on allocation
 * failure (out is still valid for iiss_status_blob_free). */
static bool decode_with_unit(const uint8_t *buf, size_t len, uint32_t count, bool count_given, bool count_inferred,
                             iiss_offset_unit unit, bool all_zero, nul_finder *nul, iiss_status_blob *out,
                             layout_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    memset(out, 0, sizeof *out);
    iiss_anomaly_list_init(&out->anomalies);
    out->num_services = count;
    out->count_given = count_given;
    out->count_inferred = count_inferred;
    out->offset_unit = unit;
    out->buffer_length = len;
    out->all_zero = all_zero;
    size_t span_len = len > UINT32_MAX ? UINT32_MAX : len;

    if (unit == IISS_OFFSET_BYTE)
        iiss_anomaly_add(&out->anomalies, IISS_AN_BYTE_OFFSETS, IISS_REC_OFF_NAME, 4,
                         "string offsets are byte offsets: read as WCHARs (MS-IISS 2.2.1) they misplace the strings");
    if (len % 2 != 0)
        iiss_anomaly_add(&out->anomalies, IISS_AN_ODD_LENGTH, (uint32_t)(span_len - 1), 1,
                         "buffer length %zu is odd: UTF-16 strings cannot fill it", len);

    size_t fit = span_len / IISS_RECORD_SIZE;
    size_t n = count < fit ? count : fit;
    if (count > fit)
        iiss_anomaly_add(&out->anomalies, IISS_AN_BUFFER_TOO_SHORT, (uint32_t)(n * IISS_RECORD_SIZE),
                         (uint32_t)(span_len - n * IISS_RECORD_SIZE),
                         "%u services need %llu bytes of records, the buffer has %zu (room for %zu)", count,
                         (unsigned long long)count * IISS_RECORD_SIZE, len, fit);
    out->records_end = (uint32_t)(n * IISS_RECORD_SIZE);
    out->strings_end = out->records_end;
    /* Text room for the usual blob: ASCII strings packed after the records,
     * a byte per code unit and a NUL each. */
    size_t text_capacity = n > 0 ? (span_len - n * IISS_RECORD_SIZE) / 2 + 2 * n : 0;
    if (n > 0) {
        out->services = g_try_malloc(n * sizeof *out->services + text_capacity);
        if (!out->services)
            return false;
        memset(out->services, 0, n * sizeof *out->services);
    }
    out->service_count = n;

    blob_ctx ctx = {
        .buf = buf,
        .len = span_len,
        .unit = unit,
        .records_area_end = (uint64_t)count * IISS_RECORD_SIZE < span_len ? (uint64_t)count * IISS_RECORD_SIZE
                                                                         : span_len,
        .nul = nul,
        .utf8_budget = span_len, /* twice the code units the whole buffer holds */
        .out = out,
        .text_capacity = text_capacity,
        .anomalies = &out->anomalies,
    };
    uint64_t lowest = UINT64_MAX; /* the first string, by the records' own account */
    iiss_reader rd;
    iiss_rd_init(&rd, buf, span_len, false);
    for (size_t i = 0; i < n; i++) {
        iiss_service_record *s = &out->services[i];
        s->record_offset = (uint32_t)(i * IISS_RECORD_SIZE);
        iiss_rd_seek(&rd, s->record_offset);
        s->name_offset = iiss_rd_u32le(&rd);
        s->display_name_offset = iiss_rd_u32le(&rd);
        s->service_type = iiss_rd_u32le(&rd);
        s->current_state = iiss_rd_u32le(&rd);
        s->controls_accepted = iiss_rd_u32le(&rd);
        s->win32_exit_code = iiss_rd_u32le(&rd);
        s->service_specific_exit_code = iiss_rd_u32le(&rd);
        s->check_point = iiss_rd_u32le(&rd);
        s->wait_hint = iiss_rd_u32le(&rd);
        note_string_start(s->name_offset, unit, i, span_len, &lowest);
        note_string_start(s->display_name_offset, unit, i, span_len, &lowest);
        uint32_t display_name_offset = s->display_name_offset;
        uint32_t record_offset = s->record_offset;
        /* the block may move while strings are converted: s is not used past here */
        if (!decode_string(&ctx, record_offset + IISS_REC_OFF_NAME, s->name_offset, "service name", i, false) ||
            !decode_string(&ctx, record_offset + IISS_REC_OFF_DISPLAY_NAME, display_name_offset, "display name", i,
                           true)) {
            place_texts(out, false);
            return false;
        }
    }
    place_texts(out, true);

    if (!check_string_layout(out, stats))
        return false;
    if (lowest != UINT64_MAX) {
        uint64_t implied = lowest / IISS_RECORD_SIZE;
        if (count_given && implied != count) {
            iiss_anomaly_add(&out->anomalies, IISS_AN_COUNT_MISMATCH, (uint32_t)lowest, 0,
                             "pdwNumServices is %u but the first string, at byte %llu, leaves room for %llu records",
                             count, (unsigned long long)lowest, (unsigned long long)implied);
        } else if (lowest > out->records_end) {
            stats->leading_gap = true;
            iiss_anomaly_add(&out->anomalies, IISS_AN_UNREFERENCED_GAP, out->records_end,
                             (uint32_t)(lowest - out->records_end),
                             "%llu byte(s) between the records (end at byte %u) and the first string that nothing points at",
                             (unsigned long long)(lowest - out->records_end), out->records_end);
        }
    }
    out->unused_tail = (uint32_t)(span_len - out->strings_end);
    return true;
}

/* Where the strings start, read from the records themselves: records are
 * read while they end before the lowest string position seen so far.
 * Positions inside records already read, or beyond the buffer, say nothing
 * about that border and are ignored. Returns false when nothing bounds it. */
static bool infer_count(const uint8_t *buf, size_t len, iiss_offset_unit unit, uint32_t *count)
{
    size_t span_len = len > UINT32_MAX ? UINT32_MAX : len;
    size_t fit = span_len / IISS_RECORD_SIZE;
    uint64_t lowest = UINT64_MAX;
    iiss_reader rd;
    iiss_rd_init(&rd, buf, span_len, false);
    for (size_t k = 0; k < fit && (uint64_t)(k + 1) * IISS_RECORD_SIZE <= lowest; k++) {
        iiss_rd_seek(&rd, k * IISS_RECORD_SIZE);
        uint32_t name_offset = iiss_rd_u32le(&rd);
        uint32_t display_name_offset = iiss_rd_u32le(&rd);
        note_string_start(name_offset, unit, k, span_len, &lowest);
        note_string_start(display_name_offset, unit, k, span_len, &lowest);
    }
    if (lowest == UINT64_MAX)
        return false;
    *count = (uint32_t)(lowest / IISS_RECORD_SIZE);
    return true;
}

/* How many anomalies say the strings are not where this unit puts them. */
static size_t placement_problems(const iiss_status_blob *blob, const layout_stats *stats)
{
    size_t problems = stats->leading_gap ? 1 : 0;
    for (size_t i = 0; i < blob->anomalies.count; i++) {
        switch (blob->anomalies.items[i].kind) {
        case IISS_AN_STRING_OUT_OF_BOUNDS:
        case IISS_AN_STRING_IN_RECORDS:
        case IISS_AN_STRING_UNTERMINATED:
        case IISS_AN_STRING_OVERLAP:
        case IISS_AN_COUNT_MISMATCH:
        case IISS_AN_COUNT_NOT_INFERRED:
            problems++;
            break;
        case IISS_AN_TOO_MANY_ANOMALIES:
            problems += 1 + blob->anomalies.dropped;
            break;
        default:
            break;
        }
    }
    return problems;
}

/* Byte offsets must explain the blob as a server writes it: strings packed
 * one after the other, all at positions of one parity (a string area
 * shifted by one byte is misaligned, not misread). Reading a WCHAR blob with
 * byte offsets puts strings in the middle of other data: odd and even
 * mixed, scattered, with holes between them. */
static bool byte_offsets_plausible(const iiss_status_blob *blob, const layout_stats *stats)
{
    size_t aligned = stats->strings - stats->misaligned;
    size_t minority = aligned < stats->misaligned ? aligned : stats->misaligned;
    return blob->service_count > 0 && minority * 4 < stats->strings && stats->holes <= stats->strings;
}

/* One decoding attempt: count given, or inferred for this unit. */
static bool attempt(const uint8_t *buf, size_t len, const uint32_t *num_services, iiss_offset_unit unit,
                    bool all_zero, nul_finder *nul, iiss_status_blob *out, layout_stats *stats)
{
    if (num_services)
        return decode_with_unit(buf, len, *num_services, true, false, unit, all_zero, nul, out, stats);
    uint32_t count = 0;
    if (all_zero) /* the E_ERROR_INSUFFICIENT_BUFFER reply: no services, nothing wrong */
        return decode_with_unit(buf, len, 0, false, true, unit, all_zero, nul, out, stats);
    bool inferred = infer_count(buf, len, unit, &count);
    if (!decode_with_unit(buf, len, count, false, inferred, unit, all_zero, nul, out, stats))
        return false;
    if (!inferred)
        iiss_anomaly_add(&out->anomalies, IISS_AN_COUNT_NOT_INFERRED, 0, 0,
                         "no service count given and no string offset marks where the records end");
    return true;
}

bool iiss_status_blob_decode(const uint8_t *buf, size_t len, const uint32_t *num_services, iiss_status_blob *out)
{
    if (!buf)
        len = 0;
    bool all_zero = buffer_all_zero(buf, len);
    nul_finder nul = {.buf = buf, .len = len, .scan_budget = len};

    /* WCHAR offsets (2.2.1) unless they misplace strings and byte offsets
     * place them plausibly and with fewer problems (a byte-offset blob may
     * be corrupted too). */
    layout_stats wchar_stats, byte_stats;
    bool ok = attempt(buf, len, num_services, IISS_OFFSET_WCHAR, all_zero, &nul, out, &wchar_stats);
    size_t wchar_problems = ok ? placement_problems(out, &wchar_stats) : 0;
    if (wchar_problems > 0) {
        iiss_status_blob by_bytes;
        bool ok_bytes = attempt(buf, len, num_services, IISS_OFFSET_BYTE, all_zero, &nul, &by_bytes, &byte_stats);
        if (ok_bytes && byte_offsets_plausible(&by_bytes, &byte_stats) &&
            placement_problems(&by_bytes, &byte_stats) < wchar_problems) {
            iiss_status_blob_free(out);
            *out = by_bytes;
        } else {
            iiss_status_blob_free(&by_bytes);
        }
    }
    g_free(nul.next_nul);
    return ok;
}

void iiss_status_blob_free(iiss_status_blob *blob)
{
    if (!blob)
        return;
    g_free(blob->services); /* the strings' text too */
    blob->services = NULL;
    blob->service_count = 0;
}
