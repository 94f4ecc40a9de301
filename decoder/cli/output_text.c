/* Text rendering of STATUS_BLOB services and anomalies (see output_text.h).
 * Hot in the capture timeline (a Status reply per few calls): cells are
 * formatted once into the scratch, widths counted as they are written, rows
 * assembled with memcpy and space runs. */
#include "output_text.h"

#include <glib.h>
#include <string.h>

#include "iiss/names.h"

#define NAME_BUF 512

enum {
    COL_NAME,
    COL_DISPLAY_NAME,
    COL_TYPE,
    COL_STATE,
    COL_CONTROLS,
    COL_WIN32_EXIT,
    COL_SPECIFIC_EXIT,
    COL_CHECK_POINT,
    COL_WAIT_HINT,
    COL_COUNT
};

static const char *const column_titles[COL_COUNT] = {
    "NAME", "DISPLAY NAME", "TYPE", "STATE", "CONTROLS ACCEPTED", "WIN32 EXIT CODE", "SPECIFIC EXIT", "CHECKPOINT",
    "WAIT HINT",
};

/* Columns are two spaces apart. */
#define COLUMN_GAP 2

/* A cell's text in the scratch, and its width in characters. */
struct table_cell {
    size_t offset;
    size_t length;
    size_t width;
};

/* controls_accepted takes a handful of values (running services accept
 * stop, pause, shutdown...): their names, joined by iiss_flags_format with
 * an snprintf per bit, are remembered. */
#define CONTROLS_REMEMBERED 8

struct controls_text {
    bool used;
    uint32_t value;
    char text[NAME_BUF];
};

static const char *controls_name(iissdump_table_scratch *scratch, uint32_t value)
{
    if (!scratch->controls)
        scratch->controls = g_new0(struct controls_text, CONTROLS_REMEMBERED);
    for (size_t i = 0; i < CONTROLS_REMEMBERED; i++)
        if (scratch->controls[i].used && scratch->controls[i].value == value)
            return scratch->controls[i].text;
    struct controls_text *entry = &scratch->controls[scratch->controls_next];
    scratch->controls_next = (scratch->controls_next + 1) % CONTROLS_REMEMBERED;
    entry->used = true;
    entry->value = value;
    return iiss_flags_format(iiss_controls_accepted_bits, value, entry->text, sizeof entry->text);
}

void iissdump_table_scratch_free(iissdump_table_scratch *scratch)
{
    iissdump_buf_free(&scratch->text);
    g_free(scratch->controls);
    g_free(scratch->cells);
    *scratch = (iissdump_table_scratch){0};
}

/* Characters on screen of valid UTF-8 (the decoder's strings, the
 * printable() form of them, ASCII names): the bytes that start a code
 * point. */
static size_t utf8_width(const char *s, size_t n)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++)
        width += ((unsigned char)s[i] & 0xC0) != 0x80;
    return width;
}

static void add_escaped(iissdump_buf *out, unsigned code)
{
    static const char hex[] = "0123456789ABCDEF";
    char text[4] = {'\\', 'x', hex[code >> 4], hex[code & 0xF]};
    iissdump_buf_add(out, text, sizeof text);
}

/* Strings come from the wire: C0 and C1 control characters and DEL would
 * reach the terminal, so they are shown as \xNN; everything else is copied
 * as it is (valid UTF-8 from the decoder). */
static void add_printable(iissdump_buf *out, const char *utf8)
{
    if (!utf8) {
        iissdump_buf_str(out, "(unreadable)");
        return;
    }
    if (!*utf8) {
        iissdump_buf_str(out, "\"\""); /* keep an empty name visible in the table */
        return;
    }
    const unsigned char *p = (const unsigned char *)utf8;
    const unsigned char *run = p; /* start of the bytes not yet copied */
    for (; *p; p++) {
        unsigned code;
        size_t skip;
        if (*p < 0x20 || *p == 0x7F) {
            code = *p;
            skip = 1;
        } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) { /* U+0080..U+009F */
            code = p[1];
            skip = 2;
        } else {
            continue;
        }
        iissdump_buf_add(out, run, (size_t)(p - (const unsigned char *)run));
        add_escaped(out, code);
        p += skip - 1;
        run = p + 1;
    }
    iissdump_buf_add(out, run, (size_t)(p - run));
}

static void add_win32_exit(iissdump_buf *out, uint32_t code)
{
    iissdump_buf_u64(out, code);
    const char *name = iiss_lookup(iiss_win32_error_names, code);
    if (name) {
        iissdump_buf_add(out, " (", 2);
        iissdump_buf_str(out, name);
        iissdump_buf_char(out, ')');
    }
}

/* Appends the cell text of column `col` of a service to the scratch. */
static void add_cell(iissdump_table_scratch *scratch, const iiss_service_record *s, int col)
{
    iissdump_buf *text = &scratch->text;
    char buf[NAME_BUF];
    const char *name;
    switch (col) {
    case COL_NAME:
        add_printable(text, s->name.utf8);
        break;
    case COL_DISPLAY_NAME:
        add_printable(text, s->display_name.utf8);
        break;
    case COL_TYPE: /* the formatters only for the rare value without a name (snprintf) */
        name = iiss_lookup(iiss_service_type_names, s->service_type);
        iissdump_buf_str(text, name ? name : iiss_service_type_format(s->service_type, buf, sizeof buf));
        break;
    case COL_STATE:
        name = iiss_lookup(iiss_service_state_names, s->current_state);
        iissdump_buf_str(text, name ? name : iiss_state_format(s->current_state, buf, sizeof buf));
        break;
    case COL_CONTROLS:
        iissdump_buf_str(text, controls_name(scratch, s->controls_accepted));
        break;
    case COL_WIN32_EXIT:
        add_win32_exit(text, s->win32_exit_code);
        break;
    case COL_SPECIFIC_EXIT:
        iissdump_buf_u64(text, s->service_specific_exit_code);
        break;
    case COL_CHECK_POINT:
        iissdump_buf_u64(text, s->check_point);
        break;
    case COL_WAIT_HINT:
        iissdump_buf_u64(text, s->wait_hint);
        break;
    default:
        break;
    }
}

/* One line: each cell padded to its column's width plus the gap, the last
 * one not padded. */
static void add_row(iissdump_buf *out, const char *indent, const char *text, const struct table_cell *row,
                    const size_t *widths)
{
    iissdump_buf_str(out, indent);
    for (size_t c = 0; c < COL_COUNT; c++) {
        iissdump_buf_add(out, text + row[c].offset, row[c].length);
        if (c + 1 < COL_COUNT)
            iissdump_buf_spaces(out, widths[c] + COLUMN_GAP - row[c].width);
    }
    iissdump_buf_char(out, '\n');
}

void iissdump_text_services(iissdump_buf *out, iissdump_table_scratch *scratch, const iiss_status_blob *blob,
                            const char *indent)
{
    if (!indent)
        indent = "";
    if (blob->service_count == 0) {
        iissdump_buf_str(out, indent);
        iissdump_buf_str(out, "(no services)\n");
        return;
    }
    size_t rows = blob->service_count + 1; /* the titles first */
    if (rows > SIZE_MAX / COL_COUNT / sizeof *scratch->cells)
        g_error("iissdump: too many services for a table");
    if (scratch->cell_capacity < rows * COL_COUNT) {
        scratch->cell_capacity = rows * COL_COUNT;
        scratch->cells = g_realloc(scratch->cells, scratch->cell_capacity * sizeof *scratch->cells);
    }
    iissdump_buf *text = &scratch->text;
    text->len = 0;
    size_t widths[COL_COUNT] = {0};
    for (size_t r = 0; r < rows; r++) {
        struct table_cell *row = &scratch->cells[r * COL_COUNT];
        for (int c = 0; c < COL_COUNT; c++) {
            size_t start = text->len;
            if (r == 0)
                iissdump_buf_str(text, column_titles[c]);
            else
                add_cell(scratch, &blob->services[r - 1], c);
            row[c].offset = start;
            row[c].length = text->len - start;
            /* only the wire's strings can hold non-ASCII text */
            row[c].width = r > 0 && (c == COL_NAME || c == COL_DISPLAY_NAME)
                               ? utf8_width(text->data + start, row[c].length)
                               : row[c].length;
            if (row[c].width > widths[c])
                widths[c] = row[c].width;
        }
    }
    for (size_t r = 0; r < rows; r++)
        add_row(out, indent, text->data, &scratch->cells[r * COL_COUNT], widths);
}

void iissdump_text_anomalies(iissdump_buf *out, const iiss_anomaly_list *list, uint32_t offset_base,
                             const char *indent)
{
    if (!indent)
        indent = "";
    for (size_t i = 0; i < list->count; i++) {
        const iiss_anomaly *a = &list->items[i];
        iissdump_buf_str(out, indent);
        const char *kind = iiss_anomaly_kind_name(a->kind);
        iissdump_buf_str(out, kind ? kind : "(null)");
        iissdump_buf_str(out, " at byte ");
        iissdump_buf_u64(out, (uint64_t)offset_base + a->offset);
        iissdump_buf_add(out, ": ", 2);
        add_printable(out, a->message);
        iissdump_buf_char(out, '\n');
    }
}

void iissdump_text_blob_summary(iissdump_buf *out, const iiss_status_blob *blob, const char *indent)
{
    if (!indent)
        indent = "";
    const char *origin = blob->count_given ? "given" : blob->count_inferred ? "inferred" : "not inferred";
    iissdump_buf_printf(out,
                        "%sservices: %u (%s), offsets in %s units, buffer %zu bytes, records end at %u, strings end "
                        "at %u, unused tail %u bytes%s\n",
                        indent, blob->num_services, origin, iiss_offset_unit_name(blob->offset_unit),
                        blob->buffer_length, blob->records_end, blob->strings_end, blob->unused_tail,
                        blob->all_zero ? ", all zero" : "");
}
