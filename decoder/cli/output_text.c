/* Text rendering of STATUS_BLOB services and anomalies (see output_text.h). */
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

/* Strings come from the wire: control characters would reach the terminal,
 * so they are shown escaped. */
static gchar *printable(const char *utf8)
{
    if (!utf8)
        return g_strdup("(unreadable)");
    if (!*utf8)
        return g_strdup("\"\""); /* keep an empty name visible in the table */
    GString *s = g_string_new(NULL);
    for (const char *p = utf8; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
            g_string_append_printf(s, "\\x%02X", (unsigned)c);
        else
            g_string_append_unichar(s, c);
    }
    return g_string_free(s, FALSE);
}

static gchar *win32_exit_text(uint32_t code)
{
    const char *name = iiss_lookup(iiss_win32_error_names, code);
    return name ? g_strdup_printf("%u (%s)", code, name) : g_strdup_printf("%u", code);
}

static void fill_row(gchar **row, const iiss_service_record *s)
{
    char buf[NAME_BUF];
    row[COL_NAME] = printable(s->name.utf8);
    row[COL_DISPLAY_NAME] = printable(s->display_name.utf8);
    row[COL_TYPE] = g_strdup(iiss_service_type_format(s->service_type, buf, sizeof buf));
    row[COL_STATE] = g_strdup(iiss_state_format(s->current_state, buf, sizeof buf));
    row[COL_CONTROLS] = g_strdup(iiss_flags_format(iiss_controls_accepted_bits, s->controls_accepted, buf, sizeof buf));
    row[COL_WIN32_EXIT] = win32_exit_text(s->win32_exit_code);
    row[COL_SPECIFIC_EXIT] = g_strdup_printf("%u", s->service_specific_exit_code);
    row[COL_CHECK_POINT] = g_strdup_printf("%u", s->check_point);
    row[COL_WAIT_HINT] = g_strdup_printf("%u", s->wait_hint);
}

static void print_row(FILE *out, const char *indent, const char *const *row, const size_t *widths)
{
    fputs(indent, out);
    for (size_t c = 0; c < COL_COUNT; c++) {
        fputs(row[c], out);
        if (c + 1 == COL_COUNT)
            break;
        for (size_t w = g_utf8_strlen(row[c], -1); w < widths[c] + 2; w++)
            fputc(' ', out);
    }
    fputc('\n', out);
}

void iissdump_text_services(FILE *out, const iiss_status_blob *blob, const char *indent)
{
    if (!indent)
        indent = "";
    if (blob->service_count == 0) {
        fprintf(out, "%s(no services)\n", indent);
        return;
    }
    size_t rows = blob->service_count;
    gchar **cells = g_new0(gchar *, rows * COL_COUNT);
    size_t widths[COL_COUNT];
    for (size_t c = 0; c < COL_COUNT; c++)
        widths[c] = strlen(column_titles[c]);
    for (size_t r = 0; r < rows; r++) {
        gchar **row = &cells[r * COL_COUNT];
        fill_row(row, &blob->services[r]);
        for (size_t c = 0; c < COL_COUNT; c++) {
            size_t w = g_utf8_strlen(row[c], -1);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    print_row(out, indent, column_titles, widths);
    for (size_t r = 0; r < rows; r++)
        print_row(out, indent, (const char *const *)&cells[r * COL_COUNT], widths);
    for (size_t i = 0; i < rows * COL_COUNT; i++)
        g_free(cells[i]);
    g_free(cells);
}

void iissdump_text_anomalies(FILE *out, const iiss_anomaly_list *list, uint32_t offset_base, const char *indent)
{
    if (!indent)
        indent = "";
    for (size_t i = 0; i < list->count; i++) {
        const iiss_anomaly *a = &list->items[i];
        gchar *message = printable(a->message);
        fprintf(out, "%s%s at byte %llu: %s\n", indent, iiss_anomaly_kind_name(a->kind),
                (unsigned long long)offset_base + a->offset, message);
        g_free(message);
    }
}

void iissdump_text_blob_summary(FILE *out, const iiss_status_blob *blob, const char *indent)
{
    if (!indent)
        indent = "";
    const char *origin = blob->count_given ? "given" : blob->count_inferred ? "inferred" : "not inferred";
    fprintf(out, "%sservices: %u (%s), offsets in %s units, buffer %zu bytes, records end at %u, strings end at %u, "
                 "unused tail %u bytes%s\n",
            indent, blob->num_services, origin, iiss_offset_unit_name(blob->offset_unit), blob->buffer_length,
            blob->records_end, blob->strings_end, blob->unused_tail, blob->all_zero ? ", all zero" : "");
}
