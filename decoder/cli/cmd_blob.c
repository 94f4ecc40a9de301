/* `iissdump blob [--hex] [--count N] [--json] FILE|-`: decodes one raw
 * STATUS_BLOB (the Status method's pbBuffer) from a file or standard input. */
#include <errno.h>
#include <stdarg.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "iiss/status_blob.h"
#include "iissdump.h"
#include "output_json.h"
#include "output_text.h"

/* A Status reply's buffer is at most a few kilobytes; this only keeps a
 * wrong file from eating the memory. */
#define MAX_INPUT_BYTES (64u * 1024u * 1024u)

static void fail_input(const char *label, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail_input(const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "iissdump: %s: ", label);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Reads the whole file ("-": standard input). */
static GByteArray *read_input(const char *path, const char *label)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fail_input(label, "%s", strerror(errno));
        return NULL;
    }
    GByteArray *data = g_byte_array_new();
    guint8 chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (data->len + n > MAX_INPUT_BYTES) {
            fail_input(label, "larger than %u bytes", MAX_INPUT_BYTES);
            g_byte_array_unref(data);
            data = NULL;
            break;
        }
        g_byte_array_append(data, chunk, (guint)n);
    }
    if (data && ferror(f)) {
        fail_input(label, "%s", strerror(errno));
        g_byte_array_unref(data);
        data = NULL;
    }
    if (f != stdin)
        fclose(f);
    return data;
}

static bool is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ':' || c == ',';
}

/* Hex text to bytes. Tokens are separated by whitespace, ':' or ','; each
 * may start with 0x and must hold whole bytes; '#' comments out the rest of
 * the line (fixtures annotate their fields). */
static GByteArray *parse_hex(const GByteArray *text, const char *label)
{
    GByteArray *out = g_byte_array_new();
    const char *s = (const char *)text->data;
    size_t len = text->len, i = 0;
    while (i < len) {
        if (is_separator(s[i])) {
            i++;
            continue;
        }
        if (s[i] == '#') {
            while (i < len && s[i] != '\n')
                i++;
            continue;
        }
        size_t token = i;
        if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
            i += 2;
        size_t digits = i;
        while (i < len && !is_separator(s[i]) && s[i] != '#') {
            if (!g_ascii_isxdigit(s[i])) {
                if (g_ascii_isprint(s[i]))
                    fail_input(label, "invalid hex at offset %zu ('%c')", i, s[i]);
                else
                    fail_input(label, "invalid hex at offset %zu (byte 0x%02X)", i, (unsigned)(guint8)s[i]);
                g_byte_array_unref(out);
                return NULL;
            }
            i++;
        }
        if ((i - digits) % 2 != 0 || i == digits) {
            fail_input(label, "invalid hex at offset %zu (%s)", token,
                       i == digits ? "0x without digits" : "odd number of hex digits");
            g_byte_array_unref(out);
            return NULL;
        }
        for (size_t d = digits; d < i; d += 2) {
            guint8 byte = (guint8)((g_ascii_xdigit_value(s[d]) << 4) | g_ascii_xdigit_value(s[d + 1]));
            g_byte_array_append(out, &byte, 1);
        }
    }
    return out;
}

static bool parse_count(const char *text, uint32_t *count)
{
    guint64 value = 0;
    if (!text || !g_ascii_string_to_unsigned(text, 10, 0, UINT32_MAX, &value, NULL)) {
        /* Also accept 0x... */
        if (!text || g_ascii_strncasecmp(text, "0x", 2) != 0 || text[2] == '\0')
            return false;
        gchar *end = NULL;
        errno = 0;
        value = g_ascii_strtoull(text + 2, &end, 16);
        if (errno != 0 || *end != '\0' || value > UINT32_MAX)
            return false;
    }
    *count = (uint32_t)value;
    return true;
}

static void print_text(const iiss_status_blob *blob)
{
    iissdump_buf out = {0};
    iissdump_table_scratch table = {0};
    iissdump_text_services(&out, &table, blob, "");
    iissdump_buf_char(&out, '\n');
    if (blob->anomalies.count == 0) {
        iissdump_buf_str(&out, "anomalies: none\n");
    } else {
        iissdump_buf_printf(&out, "anomalies (%zu):\n", blob->anomalies.count);
        iissdump_text_anomalies(&out, &blob->anomalies, 0, "  ");
    }
    iissdump_text_blob_summary(&out, blob, "");
    iissdump_buf_write(&out, stdout);
    iissdump_buf_free(&out);
    iissdump_table_scratch_free(&table);
}

int iissdump_blob_main(int argc, char **argv)
{
    gboolean hex = FALSE, json = FALSE;
    gchar *count_text = NULL;
    GOptionEntry entries[] = {
        {"hex", 'x', 0, G_OPTION_ARG_NONE, &hex, "Input is hex text (whitespace, ':' and 0x tolerated; # comments)",
         NULL},
        {"count", 'c', 0, G_OPTION_ARG_STRING, &count_text, "pdwNumServices, when known (else inferred)", "N"},
        {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_set_prgname("iissdump blob"); /* for --help's usage line */
    GOptionContext *ctx = g_option_context_new("FILE|-");
    g_option_context_set_summary(ctx, "Decode a raw STATUS_BLOB (the buffer of an IIsServiceControl::Status reply).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *error = NULL;
    int status = IISSDUMP_EXIT_USAGE;
    GByteArray *raw = NULL, *bytes = NULL;
    uint32_t count = 0;

    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "iissdump blob: %s\n", error->message);
        g_error_free(error);
        goto out;
    }
    if (argc != 2) {
        fprintf(stderr, "iissdump blob: expected one FILE (or - for standard input)\n");
        goto out;
    }
    if (count_text && !parse_count(count_text, &count)) {
        fprintf(stderr, "iissdump blob: --count: not a 32-bit unsigned number: '%s'\n", count_text);
        goto out;
    }
    const char *path = argv[1];
    const char *label = strcmp(path, "-") == 0 ? "<stdin>" : path;
    raw = read_input(path, label);
    if (!raw)
        goto out;
    bytes = hex ? parse_hex(raw, label) : g_byte_array_ref(raw);
    if (!bytes)
        goto out;

    iiss_status_blob blob;
    bool decoded = iiss_status_blob_decode(bytes->data, bytes->len, count_text ? &count : NULL, &blob);
    if (!decoded) {
        fail_input(label, "out of memory while decoding");
        iiss_status_blob_free(&blob);
        goto out;
    }
    if (json) {
        yajl_gen g = iissdump_json_new(true);
        if (!g) {
            fail_input(label, "out of memory while printing");
            iiss_status_blob_free(&blob);
            goto out;
        }
        iissdump_json_blob(g, &blob);
        iissdump_json_write(g, stdout);
        yajl_gen_free(g);
    } else {
        print_text(&blob);
    }
    iiss_status_blob_free(&blob);
    status = fflush(stdout) == 0 ? IISSDUMP_EXIT_OK : IISSDUMP_EXIT_USAGE;

out:
    if (bytes)
        g_byte_array_unref(bytes);
    if (raw)
        g_byte_array_unref(raw);
    g_free(count_text);
    g_option_context_free(ctx);
    return status;
}
