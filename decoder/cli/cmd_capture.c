/* `iissdump [options] CAPTURE...`: parses the options, runs the files
 * through the library's capture chain (pipeline.h) and prints each IIS call
 * record and each DCOM activation with the timeline printers. Everything else lives in the stages. */
#define _POSIX_C_SOURCE 200809L /* isatty, stat */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "call_stats.h"
#include "credential_options.h"
#include "iissdump.h"
#include "limit_report.h"
#include "output_json.h"
#include "pipeline.h"
#include "report_html.h"
#include "timeline_formats.h"
#include "timeline_actions.h"
#include "timeline_json.h"
#include "timeline_text.h"

#ifndef IISS_VERSION
#define IISS_VERSION "0.1.0"
#endif

/* stdout's buffer when it is a file or a pipe: a timeline is written in
 * large blocks, not per call. */
#define STDOUT_BUFFER_BYTES (1u << 20)

/* Inputs at least this large get a progress line on a terminal. */
#define PROGRESS_MIN_BYTES (64u * 1024u * 1024u)

typedef struct capture_run {
    iissdump_format format;
    gboolean quiet;
    gboolean stats_wanted;
    gboolean actions_wanted;      /* --actions: one record per action instead of per call */
    gboolean show_progress;
    gboolean progress_drawn;
    FILE *out;
    iissdump_buf text;            /* the current call's text, one fwrite per call */
    iissdump_table_scratch table; /* services table cells, reused */
    yajl_gen json_gen;            /* the JSON formats: one JSON Lines document per call */
    iissdump_buf scratch;         /* a JSON format's message text, a CSV list cell */
    iissdump_endpoint_names endpoints;
    uint64_t calls;
    uint64_t actions;
    iissdump_timeline_stats stats;
    iissdump_html_report *html;   /* --html: the actions kept for the report */
} capture_run;

static void clear_progress(capture_run *run)
{
    if (run->progress_drawn) {
        fputs("\r\033[K", stderr);
        run->progress_drawn = FALSE;
    }
}

static void on_record(void *user, const iiss_call_record *rec)
{
    capture_run *run = user;
    run->calls++;
    if (run->stats_wanted)
        iissdump_stats_add(&run->stats, rec);
    if (run->quiet || run->actions_wanted)
        return;
    clear_progress(run); /* stdout may share the terminal */
    switch (run->format) {
    case IISSDUMP_FORMAT_JSONL:
        iissdump_timeline_json_call(run->json_gen, &run->endpoints, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_TIMESKETCH:
        iissdump_timeline_timesketch_call(run->json_gen, &run->scratch, &run->endpoints, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_ECS:
        iissdump_timeline_ecs_call(run->json_gen, &run->scratch, &run->endpoints, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_CSV:
        iissdump_timeline_csv_call(&run->text, &run->scratch, &run->endpoints, rec);
        iissdump_buf_write(&run->text, run->out);
        break;
    case IISSDUMP_FORMAT_TEXT:
        iissdump_timeline_text_call(&run->text, &run->table, &run->endpoints, rec);
        iissdump_buf_write(&run->text, run->out);
        break;
    }
}

static void on_action(void *user, const iiss_action_record *rec)
{
    capture_run *run = user;
    run->actions++;
    if (run->stats_wanted)
        iissdump_stats_add_action(&run->stats, rec);
    if (run->html)
        iissdump_html_report_add(run->html, rec);
    if (run->quiet || !run->actions_wanted)
        return;
    clear_progress(run);
    switch (run->format) {
    case IISSDUMP_FORMAT_JSONL:
        iissdump_action_json(run->json_gen, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_TIMESKETCH:
        iissdump_timeline_timesketch_action(run->json_gen, &run->scratch, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_ECS:
        iissdump_timeline_ecs_action(run->json_gen, &run->scratch, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_CSV:
        iissdump_timeline_csv_action(&run->text, &run->scratch, rec);
        iissdump_buf_write(&run->text, run->out);
        break;
    case IISSDUMP_FORMAT_TEXT:
        iissdump_action_text_line(&run->text, rec);
        iissdump_buf_char(&run->text, '\n');
        iissdump_buf_write(&run->text, run->out);
        break;
    }
}

/* A DCOM activation: its line among the calls, by request order. */
static void on_activation(void *user, const iiss_activation_record *rec)
{
    capture_run *run = user;
    if (run->quiet || run->actions_wanted)
        return;
    clear_progress(run);
    /* Timesketch, ECS and CSV carry one event per IIS call: the activation
     * has no row of its own there. */
    switch (run->format) {
    case IISSDUMP_FORMAT_JSONL:
        iissdump_timeline_json_activation(run->json_gen, &run->endpoints, rec);
        iissdump_json_write(run->json_gen, run->out);
        break;
    case IISSDUMP_FORMAT_TEXT:
        iissdump_timeline_text_activation(&run->text, &run->endpoints, rec);
        iissdump_buf_write(&run->text, run->out);
        break;
    default:
        break;
    }
}

static void on_progress(void *user, const iiss_pipeline_progress *p)
{
    capture_run *run = user;
    if (!run->show_progress)
        return;
    double mib = 1024.0 * 1024.0;
    if (p->all_bytes_total > 0)
        fprintf(stderr, "\r\033[Kiissdump: %s: %.1f of %.1f MiB (%.0f%%), %" PRIu64 " calls",
                p->path, (double)p->all_bytes_read / mib, (double)p->all_bytes_total / mib,
                100.0 * (double)p->all_bytes_read / (double)p->all_bytes_total, run->calls);
    else
        fprintf(stderr, "\r\033[Kiissdump: %s: %.1f MiB, %" PRIu64 " calls", p->path,
                (double)p->all_bytes_read / mib, run->calls);
    fflush(stderr);
    run->progress_drawn = TRUE;
}

static void on_file_end(void *user, const iiss_pipeline_file_result *r)
{
    capture_run *run = user;
    /* Every call of the file has been printed. */
    fflush(run->out);
    if (r->unsupported_link_packets > 0 && r->status != IISS_PIPELINE_FILE_UNSUPPORTED_LINK) {
        clear_progress(run);
        const char *name = iiss_capture_linktype_name(r->unsupported_linktype);
        fprintf(stderr, "iissdump: %s: %" PRIu64 " packet(s) skipped: their interface's link type %d (%s) is not "
                        "decoded\n",
                r->path, r->unsupported_link_packets, r->unsupported_linktype, name ? name : "unknown");
    }
    if (r->status == IISS_PIPELINE_FILE_OK)
        return;
    clear_progress(run);
    const char *why = r->message && r->message[0] ? r->message : iiss_pipeline_file_status_name(r->status);
    bool stopped = r->status == IISS_PIPELINE_FILE_TRUNCATED || r->status == IISS_PIPELINE_FILE_READ_ERROR;
    if (stopped && r->frames == 0)
        fprintf(stderr, "iissdump: %s: %s (no record could be read from it: nothing was decoded)\n", r->path, why);
    else if (stopped)
        fprintf(stderr, "iissdump: %s: %s (calls before that point were decoded)\n", r->path, why);
    else
        fprintf(stderr, "iissdump: %s: %s\n", r->path, why);
}

static gboolean parse_size(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    if (errno || end == text)
        return FALSE;
    uint64_t unit = 1;
    if (*end == 'k' || *end == 'K')
        unit = 1024u;
    else if (*end == 'm' || *end == 'M')
        unit = 1024u * 1024u;
    else if (*end == 'g' || *end == 'G')
        unit = 1024u * 1024u * 1024u;
    if (unit != 1)
        end++;
    if (*end != '\0' || v > UINT64_MAX / unit)
        return FALSE;
    *out = v * unit;
    return TRUE;
}

/* A plain decimal count (no unit). */
static gboolean parse_count(const char *text, uint64_t *out)
{
    char *end = NULL;
    if (!g_ascii_isdigit(text[0]))
        return FALSE;
    errno = 0;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    if (errno || *end != '\0')
        return FALSE;
    *out = v;
    return TRUE;
}

/* What GOptionContext allocated for us, freed on every way out. */
typedef struct option_strings {
    gchar *filter, *max_flow, *max_memory, *max_flow_memory, *max_flows, *max_stub, *max_pending,
        *max_pending_per_flow, *format, *html;
    gchar **files;
    gchar **passwords, **password_files, **nt_hashes, **nt_hash_files, **keytabs;
    iiss_credentials *credentials;
} option_strings;

static iissdump_credential_options credential_options_of(const option_strings *o)
{
    iissdump_credential_options c = {
        .passwords = o->passwords,
        .password_files = o->password_files,
        .nt_hashes = o->nt_hashes,
        .nt_hash_files = o->nt_hash_files,
        .keytabs = o->keytabs,
    };
    return c;
}

static void option_strings_free(option_strings *o)
{
    iissdump_credential_options c = credential_options_of(o);
    iissdump_credential_options_wipe(&c);
    g_strfreev(o->passwords);
    g_strfreev(o->password_files);
    g_strfreev(o->nt_hashes);
    g_strfreev(o->nt_hash_files);
    g_strfreev(o->keytabs);
    iiss_credentials_free(o->credentials);
    g_free(o->filter);
    g_free(o->format);
    g_free(o->html);
    g_free(o->max_flow);
    g_free(o->max_memory);
    g_free(o->max_flow_memory);
    g_free(o->max_flows);
    g_free(o->max_stub);
    g_free(o->max_pending);
    g_free(o->max_pending_per_flow);
    g_strfreev(o->files);
}

static int usage_error(GOptionContext *octx, option_strings *o, const char *fmt, const char *arg)
{
    fputs("iissdump: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'iissdump --help'.\n", stderr);
    g_option_context_free(octx);
    option_strings_free(o);
    return IISSDUMP_EXIT_USAGE;
}

int iissdump_capture_main(int argc, char **argv)
{
    gboolean json = FALSE, stats = FALSE, actions = FALSE, quiet = FALSE, no_infer = FALSE, progress = FALSE, no_progress = FALSE;
    gboolean version = FALSE;
    option_strings o = {0};
    GOptionEntry entries[] = {
        {"format", 0, 0, G_OPTION_ARG_STRING, &o.format,
         "Output format: text (default), jsonl, timesketch, ecs (Elastic Common Schema) or csv", "FORMAT"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Write JSON Lines, one object per call or activation (--format jsonl)", NULL},
        {"actions", 0, 0, G_OPTION_ARG_NONE, &actions,
         "One line (object, row) per action: the calls of one iisreset run grouped, named /restart, /stop ...",
         NULL},
        {"html", 0, 0, G_OPTION_ARG_FILENAME, &o.html,
         "Also write a self-contained HTML report of the actions (a timeline per server) to FILE", "FILE"},
        {"stats", 0, 0, G_OPTION_ARG_NONE, &stats,
         "End with counts per method, result, server and action, and the limits reached", NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No line per call (with --stats: only the counts)", NULL},
        {"filter", 'f', 0, G_OPTION_ARG_STRING, &o.filter, "Read only packets matching this BPF filter", "EXPR"},
        {"no-infer", 0, 0, G_OPTION_ARG_NONE, &no_infer,
         "Do not recognise calls whose bind was not captured", NULL},
        {"max-memory", 0, 0, G_OPTION_ARG_STRING, &o.max_memory,
         "Memory for all connections' state and buffers (default 32M); when full, the connections that waited "
         "longest give theirs up",
         "N[K|M|G]"},
        {"max-flow-memory", 0, 0, G_OPTION_ARG_STRING, &o.max_flow_memory,
         "The most one connection may buffer of it (default 16M)", "N[K|M|G]"},
        {"max-flows", 0, 0, G_OPTION_ARG_STRING, &o.max_flows, "Connections followed at once (default 100000)",
         "N"},
        {"max-flow-bytes", 0, 0, G_OPTION_ARG_STRING, &o.max_flow,
         "Out-of-order bytes held per connection direction (default 4M)", "N[K|M|G]"},
        {"max-stub-bytes", 0, 0, G_OPTION_ARG_STRING, &o.max_stub,
         "Largest reassembled request or response of one call (default 16M)", "N[K|M|G]"},
        {"max-pending-calls", 0, 0, G_OPTION_ARG_STRING, &o.max_pending,
         "Calls waiting for their response, over all connections (default 8192)", "N"},
        {"max-pending-per-flow", 0, 0, G_OPTION_ARG_STRING, &o.max_pending_per_flow,
         "Calls waiting for their response on one connection (default 256)", "N"},
        {"password", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.passwords,
         "Decrypt NTLMSSP-sealed calls with this password (repeatable; --password-file keeps it out of ps)",
         "PASSWORD"},
        {"password-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.password_files,
         "Passwords to try, one per line (repeatable)", "FILE"},
        {"nt-hash", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.nt_hashes,
         "An account's NT hash, 32 hex digits (repeatable)", "HEX"},
        {"nt-hashes", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.nt_hash_files,
         "NT hashes as a domain dump writes them (DOMAIN\\user:RID:LM:NT:::) or user:NT lines (repeatable)",
         "FILE"},
        {"keytab", 'K', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.keytabs,
         "MIT keytab: service keys for Kerberos tickets, RC4-HMAC keys also as NT hashes (repeatable)", "FILE"},
        {"progress", 0, 0, G_OPTION_ARG_NONE, &progress, "Show progress on a terminal even for small input", NULL},
        {"no-progress", 0, 0, G_OPTION_ARG_NONE, &no_progress, "Never show progress", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.files, NULL, "CAPTURE..."},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *octx = g_option_context_new("- timeline of IIS ServiceControl calls");
    g_option_context_add_main_entries(octx, entries, NULL);
    g_option_context_set_description(
        octx, "CAPTURE is a pcap or pcapng file, '-' for standard input.\n"
              "`iissdump blob FILE` decodes a raw STATUS_BLOB instead.\n"
              "Exit status: 0 success, 1 some input could not be read fully, 2 usage error.\n");
    GError *err = NULL;
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        int rc = usage_error(octx, &o, "%s", err->message);
        g_error_free(err);
        return rc;
    }
    if (version) {
        printf("iissdump %s\n", IISS_VERSION);
        g_option_context_free(octx);
        option_strings_free(&o);
        return IISSDUMP_EXIT_OK;
    }
    if (!o.files || !o.files[0])
        return usage_error(octx, &o, "%s", "no capture file given");
    if (progress && no_progress)
        return usage_error(octx, &o, "%s", "--progress and --no-progress exclude each other");
    iissdump_format format = json ? IISSDUMP_FORMAT_JSONL : IISSDUMP_FORMAT_TEXT;
    if (o.format) {
        iissdump_format named;
        if (!iissdump_format_parse(o.format, &named))
            return usage_error(octx, &o, "unknown --format '%s' (text, jsonl, timesketch, ecs, csv)", o.format);
        if (json && named != IISSDUMP_FORMAT_JSONL)
            return usage_error(octx, &o, "--json is --format jsonl: it excludes --format %s", o.format);
        format = named;
    }
    /* Only text and jsonl have a place for --stats in their output; for the
     * others, the counts go to standard error and standard output stays one
     * document per call. */
    gboolean stats_to_stderr = format != IISSDUMP_FORMAT_TEXT && format != IISSDUMP_FORMAT_JSONL;
    gboolean json_out = format == IISSDUMP_FORMAT_JSONL || format == IISSDUMP_FORMAT_TIMESKETCH ||
                        format == IISSDUMP_FORMAT_ECS;

    iiss_pipeline_config pcfg;
    iiss_pipeline_config_default(&pcfg);
    pcfg.filter = o.filter;
    pcfg.calls.no_infer = no_infer;
    uint64_t size;
    if (o.max_memory) {
        if (!parse_size(o.max_memory, &size) || size == 0)
            return usage_error(octx, &o, "bad --max-memory '%s'", o.max_memory);
        pcfg.memory.limit = size;
    }
    if (o.max_flow_memory) {
        if (!parse_size(o.max_flow_memory, &size) || size == 0)
            return usage_error(octx, &o, "bad --max-flow-memory '%s'", o.max_flow_memory);
        pcfg.memory.owner_limit = size;
    }
    if (o.max_flows) {
        if (!parse_count(o.max_flows, &size) || size == 0 || size > UINT32_MAX)
            return usage_error(octx, &o, "bad --max-flows '%s'", o.max_flows);
        pcfg.tcp.max_flows = (uint32_t)size;
    }
    if (o.max_flow) {
        if (!parse_size(o.max_flow, &size) || size == 0)
            return usage_error(octx, &o, "bad --max-flow-bytes '%s'", o.max_flow);
        pcfg.tcp.max_buffered_per_direction = size;
    }
    if (o.max_stub) {
        if (!parse_size(o.max_stub, &size) || size == 0 || size > SIZE_MAX)
            return usage_error(octx, &o, "bad --max-stub-bytes '%s'", o.max_stub);
        pcfg.dce.max_call_stub = (size_t)size;
    }
    if (o.max_pending) {
        if (!parse_count(o.max_pending, &size) || size == 0 || size > SIZE_MAX)
            return usage_error(octx, &o, "bad --max-pending-calls '%s'", o.max_pending);
        pcfg.dce.max_pending_total = (size_t)size;
    }
    if (o.max_pending_per_flow) {
        if (!parse_count(o.max_pending_per_flow, &size) || size == 0 || size > SIZE_MAX)
            return usage_error(octx, &o, "bad --max-pending-per-flow '%s'", o.max_pending_per_flow);
        pcfg.dce.max_pending_per_conn = (size_t)size;
    }
    if (o.filter) {
        char why[512];
        if (!iiss_capture_filter_check(o.filter, why, sizeof why))
            return usage_error(octx, &o, "bad filter: %s", why);
    }
    {
        char why[1024];
        iissdump_credential_options copts = credential_options_of(&o);
        o.credentials = iissdump_credentials_load(&copts, why, sizeof why);
        if (!o.credentials && why[0])
            return usage_error(octx, &o, "%s", why);
        /* The secrets are hashed: their text is no longer needed. */
        iissdump_credential_options_wipe(&copts);
        pcfg.dce.auth.credentials = o.credentials;
    }
    /* Opened first: a report that cannot be written is known before the
     * captures are read. */
    FILE *html_out = NULL;
    if (o.html) {
        html_out = fopen(o.html, "w");
        if (!html_out) {
            char why[512];
            snprintf(why, sizeof why, "cannot write the report %s: %s", o.html, g_strerror(errno));
            return usage_error(octx, &o, "%s", why);
        }
    }
    g_option_context_free(octx);

    gchar **files = o.files;
    size_t count = g_strv_length(files);
    /* Before anything is written to it. A terminal keeps its line buffering:
     * a reader there sees each call as it comes, between progress lines. */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, STDOUT_BUFFER_BYTES);
    capture_run run = {
        .format = format, .quiet = quiet, .stats_wanted = stats, .actions_wanted = actions, .out = stdout};
    if (stats)
        iissdump_stats_init(&run.stats);
    if (!no_progress && isatty(STDERR_FILENO)) {
        if (progress) {
            run.show_progress = TRUE;
        } else {
            /* Only for large regular files: a pipe's size is unknown. */
            bool all_known;
            run.show_progress =
                iiss_capture_files_size((const char *const *)files, count, &all_known) >= PROGRESS_MIN_BYTES;
        }
    }

    iiss_pipeline *pl = iiss_pipeline_new(&pcfg, on_record, &run);
    if (html_out)
        run.html = iissdump_html_report_new();
    if (pl && (actions || stats || html_out))
        iiss_pipeline_set_action_fn(pl, on_action, &run);
    run.json_gen = json_out ? iissdump_json_new(false) : NULL;
    if (!pl || (json_out && !run.json_gen)) {
        fprintf(stderr, "iissdump: out of memory\n");
        if (run.json_gen)
            yajl_gen_free(run.json_gen);
        iiss_pipeline_free(pl);
        if (stats)
            iissdump_stats_clear(&run.stats);
        if (html_out)
            fclose(html_out);
        iissdump_html_report_free(run.html);
        option_strings_free(&o);
        return IISSDUMP_EXIT_PARTIAL;
    }
    iiss_pipeline_set_activation_fn(pl, on_activation, &run);
    iiss_pipeline_callbacks cb = {
        .user = &run,
        .on_file_end = on_file_end,
        .on_progress = run.show_progress ? on_progress : NULL,
    };
    if (format == IISSDUMP_FORMAT_CSV && !quiet) {
        if (actions)
            iissdump_timeline_csv_action_header(&run.text);
        else
            iissdump_timeline_csv_header(&run.text);
        iissdump_buf_write(&run.text, run.out);
    }
    size_t failed = iiss_pipeline_run_files(pl, (const char *const *)files, count, &cb);
    clear_progress(&run);
    iiss_pipeline_stats pstats;
    iiss_pipeline_get_stats(pl, &pstats);
    iissdump_limits limits;
    iissdump_limits_collect(&limits, &pstats, &pcfg);
    run.stats.limits = &limits;

    if (stats) {
        if (format == IISSDUMP_FORMAT_JSONL) {
            iissdump_timeline_json_stats(run.json_gen, &run.stats);
            iissdump_json_write(run.json_gen, run.out);
        } else if (stats_to_stderr) {
            fflush(run.out);
            iissdump_timeline_text_stats(stderr, &run.stats, FALSE);
        } else {
            iissdump_timeline_text_stats(run.out, &run.stats, !quiet && (actions ? run.actions : run.calls) > 0);
        }
        iissdump_stats_clear(&run.stats);
    }
    fflush(run.out);
    iissdump_limits_warn(stderr, &limits);
    if (pstats.calls.out_of_order > 0)
        fprintf(stderr,
                "iissdump: %" PRIu64 " call(s) printed ahead of an older one still waiting for its response "
                "(output order is by request otherwise)\n",
                pstats.calls.out_of_order);
    uint64_t lost = iiss_pipeline_alloc_failures(&pstats);
    if (lost > 0)
        fprintf(stderr, "iissdump: out of memory %" PRIu64 " time(s): the output misses what those allocations were "
                        "for (%" PRIu64 " call(s) dropped)\n",
                lost, pstats.calls.records_dropped);
    iiss_pipeline_free(pl);
    bool html_failed = false;
    if (html_out) {
        html_failed = !iissdump_html_report_write(run.html, html_out, (const char *const *)files, count);
        html_failed = fclose(html_out) != 0 || html_failed;
        if (html_failed)
            fprintf(stderr, "iissdump: %s: the report could not be written whole\n", o.html);
        iissdump_html_report_free(run.html);
    }
    iissdump_buf_free(&run.text);
    iissdump_buf_free(&run.scratch);
    iissdump_table_scratch_free(&run.table);
    iissdump_endpoint_names_free(&run.endpoints);
    if (run.json_gen)
        yajl_gen_free(run.json_gen);
    option_strings_free(&o);
    return failed > 0 || lost > 0 || html_failed ? IISSDUMP_EXIT_PARTIAL : IISSDUMP_EXIT_OK;
}
