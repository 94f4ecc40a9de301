/* A minimal JSON emitter for the expected-decode files: nested objects and
 * arrays, commas and two-space indentation handled here, strings escaped.
 * Keys are NULL inside arrays. Output order is call order, so files are
 * deterministic. */
#ifndef SAMPLEGEN_JSON_WRITER_H
#define SAMPLEGEN_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

#define JSON_MAX_DEPTH 16

typedef struct json_writer {
    bytebuf out;
    size_t depth;
    bool has_items[JSON_MAX_DEPTH];
    bool inline_array[JSON_MAX_DEPTH]; /* short scalar arrays on one line */
} json_writer;

void json_init(json_writer *j);
void json_free(json_writer *j);
void json_begin_object(json_writer *j, const char *key);
void json_end_object(json_writer *j);
void json_begin_array(json_writer *j, const char *key);
void json_begin_inline_array(json_writer *j, const char *key);
void json_end_array(json_writer *j);
void json_string(json_writer *j, const char *key, const char *value); /* NULL value -> null */
void json_int(json_writer *j, const char *key, int64_t value);
void json_null(json_writer *j, const char *key);
void json_bool(json_writer *j, const char *key, bool value);
/* A number already formatted (e.g. "12.500"). */
void json_number_text(json_writer *j, const char *key, const char *text);
/* "0x%08X" as a string. */
void json_hex32(json_writer *j, const char *key, uint32_t value);
/* Writes the document plus a final newline to path; 0 on success. */
int json_save(json_writer *j, const char *path);

#endif
