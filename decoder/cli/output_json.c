/* JSON objects of STATUS_BLOB services and anomalies (see output_json.h). */
#include "output_json.h"

#include "iiss/names.h"

/* Large enough for every bit name of a table joined by '|'. */
#define NAME_BUF 512

static void add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
    json_builder_set_member_name(b, key);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_int(JsonBuilder *b, const char *key, gint64 value)
{
    json_builder_set_member_name(b, key);
    json_builder_add_int_value(b, value);
}

static void add_bool(JsonBuilder *b, const char *key, gboolean value)
{
    json_builder_set_member_name(b, key);
    json_builder_add_boolean_value(b, value);
}

/* {"offset", "length", "terminated"} of a string, or null when its offset
 * led nowhere. */
static void add_span(JsonBuilder *b, const char *key, const iiss_blob_string *str)
{
    json_builder_set_member_name(b, key);
    if (!str->present) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    add_int(b, "offset", str->offset);
    add_int(b, "length", str->length);
    add_bool(b, "terminated", str->terminated);
    json_builder_end_object(b);
}

/* The bit names iiss_flags_format gives ("A|B|0x40"), as an array; none
 * for 0. */
static void add_bit_names(JsonBuilder *b, const char *key, const iiss_value_name *bits, uint32_t value)
{
    char buf[NAME_BUF];
    json_builder_set_member_name(b, key);
    json_builder_begin_array(b);
    if (value != 0) {
        gchar **parts = g_strsplit(iiss_flags_format(bits, value, buf, sizeof buf), "|", -1);
        for (gchar **p = parts; *p; p++)
            json_builder_add_string_value(b, *p);
        g_strfreev(parts);
    }
    json_builder_end_array(b);
}

static void build_service(JsonBuilder *b, const iiss_service_record *s)
{
    char buf[NAME_BUF];
    json_builder_begin_object(b);
    add_string_or_null(b, "name", s->name.utf8);
    add_string_or_null(b, "display_name", s->display_name.utf8);
    add_int(b, "name_offset", s->name_offset);
    add_int(b, "display_name_offset", s->display_name_offset);
    add_int(b, "service_type", s->service_type);
    add_string_or_null(b, "service_type_name", iiss_service_type_format(s->service_type, buf, sizeof buf));
    add_int(b, "current_state", s->current_state);
    add_string_or_null(b, "current_state_name", iiss_lookup(iiss_service_state_names, s->current_state));
    add_int(b, "controls_accepted", s->controls_accepted);
    add_bit_names(b, "controls_accepted_names", iiss_controls_accepted_bits, s->controls_accepted);
    add_int(b, "win32_exit_code", s->win32_exit_code);
    add_string_or_null(b, "win32_exit_code_name", iiss_lookup(iiss_win32_error_names, s->win32_exit_code));
    add_int(b, "service_specific_exit_code", s->service_specific_exit_code);
    add_int(b, "check_point", s->check_point);
    add_int(b, "wait_hint", s->wait_hint);
    add_int(b, "record_offset", s->record_offset);
    add_span(b, "name_span", &s->name);
    add_span(b, "display_name_span", &s->display_name);
    json_builder_end_object(b);
}

static void build_anomalies(JsonBuilder *b, const iiss_anomaly_list *list, uint32_t offset_base)
{
    json_builder_begin_array(b);
    for (size_t i = 0; i < list->count; i++) {
        const iiss_anomaly *a = &list->items[i];
        json_builder_begin_object(b);
        add_string_or_null(b, "kind", iiss_anomaly_kind_name(a->kind));
        add_int(b, "offset", (gint64)offset_base + a->offset);
        add_int(b, "length", a->length);
        add_string_or_null(b, "message", a->message);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static JsonNode *finish(JsonBuilder *b)
{
    JsonNode *root = json_builder_get_root(b);
    g_object_unref(b);
    return root;
}

JsonNode *iissdump_json_service(const iiss_service_record *s)
{
    JsonBuilder *b = json_builder_new();
    build_service(b, s);
    return finish(b);
}

JsonNode *iissdump_json_anomalies(const iiss_anomaly_list *list, uint32_t offset_base)
{
    JsonBuilder *b = json_builder_new();
    build_anomalies(b, list, offset_base);
    return finish(b);
}

JsonNode *iissdump_json_blob(const iiss_status_blob *blob)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_int(b, "num_services", blob->num_services);
    add_bool(b, "count_inferred", blob->count_inferred);
    add_bool(b, "count_given", blob->count_given);
    add_string_or_null(b, "offset_unit", iiss_offset_unit_name(blob->offset_unit));
    add_int(b, "buffer_length", (gint64)blob->buffer_length);
    add_int(b, "records_end", blob->records_end);
    add_int(b, "strings_end", blob->strings_end);
    add_int(b, "unused_tail_bytes", blob->unused_tail);
    add_bool(b, "all_zero", blob->all_zero);
    json_builder_set_member_name(b, "services");
    json_builder_begin_array(b);
    for (size_t i = 0; i < blob->service_count; i++)
        build_service(b, &blob->services[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "anomalies");
    build_anomalies(b, &blob->anomalies, 0);
    json_builder_end_object(b);
    return finish(b);
}

void iissdump_json_print(FILE *out, JsonNode *node, bool pretty)
{
    JsonGenerator *gen = json_generator_new();
    json_generator_set_pretty(gen, pretty);
    json_generator_set_indent(gen, 2);
    json_generator_set_root(gen, node);
    gsize len = 0;
    gchar *text = json_generator_to_data(gen, &len);
    fwrite(text, 1, len, out);
    fputc('\n', out);
    g_free(text);
    g_object_unref(gen);
}
