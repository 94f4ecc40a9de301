/* JSON objects of STATUS_BLOB services and anomalies (see output_json.h).
 * yajl does the escaping; values are handed to it as they are. */
#include "output_json.h"

#include <string.h>

#include "iiss/names.h"

/* Large enough for every bit name of a table joined by '|'. */
#define NAME_BUF 512

yajl_gen iissdump_json_new(bool pretty)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g && pretty) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
    }
    return g;
}

bool iissdump_json_write(yajl_gen g, FILE *out)
{
    const unsigned char *text = NULL;
    size_t len = 0;
    yajl_gen_get_buf(g, &text, &len);
    bool ok = fwrite(text, 1, len, out) == len;
    /* yajl ends a pretty document with a newline itself */
    if (len == 0 || text[len - 1] != '\n')
        ok = fputc('\n', out) != EOF && ok;
    yajl_gen_clear(g);
    yajl_gen_reset(g, NULL);
    return ok;
}

void iissdump_json_key(yajl_gen g, const char *key)
{
    yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void iissdump_json_string(yajl_gen g, const char *value)
{
    yajl_gen_string(g, (const unsigned char *)value, strlen(value));
}

void iissdump_json_string_or_null(yajl_gen g, const char *value)
{
    if (value)
        iissdump_json_string(g, value);
    else
        yajl_gen_null(g);
}

/* yajl_gen_integer goes through sprintf, a quarter of --json's time: the
 * digits are written here and handed over as a number. */
void iissdump_json_int(yajl_gen g, int64_t value)
{
    char digits[21];
    size_t at = sizeof digits;
    uint64_t magnitude = value < 0 ? 0u - (uint64_t)value : (uint64_t)value;
    do {
        digits[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        digits[--at] = '-';
    yajl_gen_number(g, digits + at, sizeof digits - at);
}

void iissdump_json_add_string(yajl_gen g, const char *key, const char *value)
{
    iissdump_json_key(g, key);
    iissdump_json_string(g, value);
}

void iissdump_json_add_string_or_null(yajl_gen g, const char *key, const char *value)
{
    iissdump_json_key(g, key);
    iissdump_json_string_or_null(g, value);
}

void iissdump_json_add_int(yajl_gen g, const char *key, int64_t value)
{
    iissdump_json_key(g, key);
    iissdump_json_int(g, value);
}

void iissdump_json_add_bool(yajl_gen g, const char *key, bool value)
{
    iissdump_json_key(g, key);
    yajl_gen_bool(g, value);
}

void iissdump_json_add_null(yajl_gen g, const char *key)
{
    iissdump_json_key(g, key);
    yajl_gen_null(g);
}

/* {"offset", "length", "terminated"} of a string, or null when its offset
 * led nowhere. */
static void add_span(yajl_gen g, const char *key, const iiss_blob_string *str)
{
    iissdump_json_key(g, key);
    if (!str->present) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_map_open(g);
    iissdump_json_add_int(g, "offset", str->offset);
    iissdump_json_add_int(g, "length", str->length);
    iissdump_json_add_bool(g, "terminated", str->terminated);
    yajl_gen_map_close(g);
}

/* The bit names iiss_flags_format gives ("A|B|0x40"), as an array; none
 * for 0. */
static void add_bit_names(yajl_gen g, const char *key, const iiss_value_name *bits, uint32_t value)
{
    char buf[NAME_BUF];
    iissdump_json_key(g, key);
    yajl_gen_array_open(g);
    if (value != 0) {
        const char *part = iiss_flags_format(bits, value, buf, sizeof buf);
        for (;;) {
            const char *bar = strchr(part, '|');
            size_t len = bar ? (size_t)(bar - part) : strlen(part);
            yajl_gen_string(g, (const unsigned char *)part, len);
            if (!bar)
                break;
            part = bar + 1;
        }
    }
    yajl_gen_array_close(g);
}

void iissdump_json_service(yajl_gen g, const iiss_service_record *s)
{
    char buf[NAME_BUF];
    yajl_gen_map_open(g);
    iissdump_json_add_string_or_null(g, "name", s->name.utf8);
    iissdump_json_add_string_or_null(g, "display_name", s->display_name.utf8);
    iissdump_json_add_int(g, "name_offset", s->name_offset);
    iissdump_json_add_int(g, "display_name_offset", s->display_name_offset);
    iissdump_json_add_int(g, "service_type", s->service_type);
    /* the formatter (snprintf) only for a type without a name of its own */
    const char *type_name = iiss_lookup(iiss_service_type_names, s->service_type);
    iissdump_json_add_string_or_null(g, "service_type_name",
                       type_name ? type_name : iiss_service_type_format(s->service_type, buf, sizeof buf));
    iissdump_json_add_int(g, "current_state", s->current_state);
    iissdump_json_add_string_or_null(g, "current_state_name", iiss_lookup(iiss_service_state_names, s->current_state));
    iissdump_json_add_int(g, "controls_accepted", s->controls_accepted);
    add_bit_names(g, "controls_accepted_names", iiss_controls_accepted_bits, s->controls_accepted);
    iissdump_json_add_int(g, "win32_exit_code", s->win32_exit_code);
    iissdump_json_add_string_or_null(g, "win32_exit_code_name", iiss_lookup(iiss_win32_error_names, s->win32_exit_code));
    iissdump_json_add_int(g, "service_specific_exit_code", s->service_specific_exit_code);
    iissdump_json_add_int(g, "check_point", s->check_point);
    iissdump_json_add_int(g, "wait_hint", s->wait_hint);
    iissdump_json_add_int(g, "record_offset", s->record_offset);
    add_span(g, "name_span", &s->name);
    add_span(g, "display_name_span", &s->display_name);
    yajl_gen_map_close(g);
}

void iissdump_json_anomaly_items(yajl_gen g, const iiss_anomaly_list *list, uint32_t offset_base, const char *in)
{
    for (size_t i = 0; i < list->count; i++) {
        const iiss_anomaly *a = &list->items[i];
        yajl_gen_map_open(g);
        iissdump_json_add_string_or_null(g, "kind", iiss_anomaly_kind_name(a->kind));
        iissdump_json_add_int(g, "offset", (int64_t)offset_base + a->offset);
        iissdump_json_add_int(g, "length", a->length);
        iissdump_json_add_string_or_null(g, "message", a->message);
        if (in)
            iissdump_json_add_string_or_null(g, "in", in);
        yajl_gen_map_close(g);
    }
}

void iissdump_json_blob(yajl_gen g, const iiss_status_blob *blob)
{
    yajl_gen_map_open(g);
    iissdump_json_add_int(g, "num_services", blob->num_services);
    iissdump_json_add_bool(g, "count_inferred", blob->count_inferred);
    iissdump_json_add_bool(g, "count_given", blob->count_given);
    iissdump_json_add_string_or_null(g, "offset_unit", iiss_offset_unit_name(blob->offset_unit));
    iissdump_json_add_int(g, "buffer_length", (int64_t)blob->buffer_length);
    iissdump_json_add_int(g, "records_end", blob->records_end);
    iissdump_json_add_int(g, "strings_end", blob->strings_end);
    iissdump_json_add_int(g, "unused_tail_bytes", blob->unused_tail);
    iissdump_json_add_bool(g, "all_zero", blob->all_zero);
    iissdump_json_key(g, "services");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < blob->service_count; i++)
        iissdump_json_service(g, &blob->services[i]);
    yajl_gen_array_close(g);
    iissdump_json_key(g, "anomalies");
    yajl_gen_array_open(g);
    iissdump_json_anomaly_items(g, &blob->anomalies, 0, NULL);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
}
