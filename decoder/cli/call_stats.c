/* The --stats counts and their text tables (see call_stats.h). */
#include "call_stats.h"

#include "call_view.h"

static void table_init(iissdump_count_table *t)
{
    t->index = g_hash_table_new(g_str_hash, g_str_equal);
    t->labels = g_ptr_array_new_with_free_func(g_free);
    t->counts = g_array_new(FALSE, TRUE, sizeof(guint64));
}

static void table_add(iissdump_count_table *t, const char *label)
{
    gpointer pos;
    if (g_hash_table_lookup_extended(t->index, label, NULL, &pos)) {
        g_array_index(t->counts, guint64, GPOINTER_TO_UINT(pos))++;
        return;
    }
    gchar *copy = g_strdup(label);
    guint at = t->labels->len;
    g_ptr_array_add(t->labels, copy);
    guint64 one = 1;
    g_array_append_val(t->counts, one);
    g_hash_table_insert(t->index, copy, GUINT_TO_POINTER(at));
}

static void table_clear(iissdump_count_table *t)
{
    g_hash_table_destroy(t->index);
    g_ptr_array_free(t->labels, TRUE);
    g_array_free(t->counts, TRUE);
}

void iissdump_stats_init(iissdump_timeline_stats *stats)
{
    stats->calls = 0;
    stats->limits = NULL;
    table_init(&stats->by_method);
    table_init(&stats->by_result);
    table_init(&stats->by_server);
    stats->actions = 0;
    table_init(&stats->by_action);
}

void iissdump_stats_add(iissdump_timeline_stats *stats, const iiss_call_record *rec)
{
    char label[IISSDUMP_RESULT_MAX];
    stats->calls++;
    if (rec->method) {
        table_add(&stats->by_method, rec->method);
    } else {
        snprintf(label, sizeof label, "opnum %u", rec->opnum);
        table_add(&stats->by_method, label);
    }
    table_add(&stats->by_result, iissdump_call_result(rec, label, sizeof label));
    char server[IISS_ENDPOINT_STR_MAX];
    table_add(&stats->by_server, iiss_endpoint_format(&rec->server, server, sizeof server));
}

void iissdump_stats_add_action(iissdump_timeline_stats *stats, const iiss_action_record *rec)
{
    char label[64];
    stats->actions++;
    snprintf(label, sizeof label, "%s %s", iiss_action_kind_name(rec->kind), iiss_call_outcome_name(rec->outcome));
    table_add(&stats->by_action, label);
}

void iissdump_stats_clear(iissdump_timeline_stats *stats)
{
    table_clear(&stats->by_action);
    table_clear(&stats->by_method);
    table_clear(&stats->by_result);
    table_clear(&stats->by_server);
}

static void print_table(FILE *out, const char *title, const iissdump_count_table *t)
{
    fprintf(out, "%s:\n", title);
    size_t width = 0;
    for (guint i = 0; i < t->labels->len; i++) {
        size_t len = strlen(g_ptr_array_index(t->labels, i));
        if (len > width)
            width = len;
    }
    for (guint i = 0; i < t->labels->len; i++)
        fprintf(out, "  %-*s  %" G_GUINT64_FORMAT "\n", (int)width, (const char *)g_ptr_array_index(t->labels, i),
                g_array_index(t->counts, guint64, i));
    if (t->labels->len == 0)
        fprintf(out, "  (none)\n");
}

void iissdump_timeline_text_stats(FILE *out, const iissdump_timeline_stats *stats, bool after_calls)
{
    if (after_calls)
        fputc('\n', out); /* apart from the timeline above */
    fprintf(out, "%" G_GUINT64_FORMAT " call%s\n", stats->calls, stats->calls == 1 ? "" : "s");
    print_table(out, "by method", &stats->by_method);
    print_table(out, "by result", &stats->by_result);
    print_table(out, "by server", &stats->by_server);
    fprintf(out, "%" G_GUINT64_FORMAT " action%s\n", stats->actions, stats->actions == 1 ? "" : "s");
    print_table(out, "by action", &stats->by_action);
    if (stats->limits)
        iissdump_limits_text(out, stats->limits);
}

