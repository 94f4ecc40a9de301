#include "json_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(json_writer *j)
{
    memset(j, 0, sizeof *j);
    bb_init(&j->out);
}

void json_free(json_writer *j)
{
    bb_free(&j->out);
}

static void put_text(json_writer *j, const char *text)
{
    bb_put_bytes(&j->out, text, strlen(text));
}

static void put_escaped(json_writer *j, const char *s)
{
    bb_put_u8(&j->out, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            bb_put_u8(&j->out, '\\');
            bb_put_u8(&j->out, *c);
        } else if (*c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", *c);
            put_text(j, esc);
        } else {
            bb_put_u8(&j->out, *c);
        }
    }
    bb_put_u8(&j->out, '"');
}

/* Comma, newline and indentation before a member, then its key. */
static void begin_member(json_writer *j, const char *key)
{
    if (j->depth > 0) {
        bool inline_parent = j->inline_array[j->depth - 1];
        if (j->has_items[j->depth - 1])
            put_text(j, inline_parent ? ", " : ",");
        if (!inline_parent) {
            bb_put_u8(&j->out, '\n');
            bb_put_fill(&j->out, ' ', 2 * j->depth);
        }
        j->has_items[j->depth - 1] = true;
    }
    if (key) {
        put_escaped(j, key);
        put_text(j, ": ");
    }
}

static void open_container(json_writer *j, const char *key, char bracket, bool inline_items)
{
    begin_member(j, key);
    bb_put_u8(&j->out, (uint8_t)bracket);
    if (j->depth + 1 >= JSON_MAX_DEPTH)
        abort();
    j->has_items[j->depth] = false;
    j->inline_array[j->depth] = inline_items;
    j->depth++;
}

static void close_container(json_writer *j, char bracket)
{
    j->depth--;
    if (j->has_items[j->depth] && !j->inline_array[j->depth]) {
        bb_put_u8(&j->out, '\n');
        bb_put_fill(&j->out, ' ', 2 * j->depth);
    }
    bb_put_u8(&j->out, (uint8_t)bracket);
}

void json_begin_object(json_writer *j, const char *key)
{
    open_container(j, key, '{', false);
}

void json_end_object(json_writer *j)
{
    close_container(j, '}');
}

void json_begin_array(json_writer *j, const char *key)
{
    open_container(j, key, '[', false);
}

void json_begin_inline_array(json_writer *j, const char *key)
{
    open_container(j, key, '[', true);
}

void json_end_array(json_writer *j)
{
    close_container(j, ']');
}

void json_string(json_writer *j, const char *key, const char *value)
{
    begin_member(j, key);
    if (value)
        put_escaped(j, value);
    else
        put_text(j, "null");
}

void json_int(json_writer *j, const char *key, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, value);
    json_number_text(j, key, text);
}

void json_null(json_writer *j, const char *key)
{
    begin_member(j, key);
    put_text(j, "null");
}

void json_bool(json_writer *j, const char *key, bool value)
{
    begin_member(j, key);
    put_text(j, value ? "true" : "false");
}

void json_number_text(json_writer *j, const char *key, const char *text)
{
    begin_member(j, key);
    put_text(j, text);
}

void json_hex32(json_writer *j, const char *key, uint32_t value)
{
    char text[16];
    snprintf(text, sizeof text, "0x%08" PRIX32, value);
    json_string(j, key, text);
}

int json_save(json_writer *j, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t written = fwrite(j->out.data, 1, j->out.len, f);
    int rc = (written == j->out.len && fputc('\n', f) != EOF) ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}
