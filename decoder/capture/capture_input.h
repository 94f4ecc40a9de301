/* The bytes of one capture input (a path or standard input), decompressed
 * by zlib when they are gzip. Gzip is told by its magic (1F 8B), never by
 * the name, so `.pcap`, `.pcapng`, `.pcap.gz`, `.pcapng.gz` and a pipe of
 * any of them read alike. zlib's inflate runs over our own read() buffer
 * rather than gzread, because gzread waits until its whole buffer fills: a
 * capture piped in live would then reach the decoder late.
 *
 * Reads are buffered here so the format readers can look at whole blocks in
 * place: iiss_capture_input_peek makes the next n bytes contiguous, and
 * iiss_capture_input_consume moves past them. */
#ifndef IISS_CAPTURE_INPUT_H
#define IISS_CAPTURE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct iiss_capture_input iiss_capture_input;

/* Opens `path` ("-": standard input, which is left open at the end). False
 * with a reason in `err` (no path in it) when it is missing, unreadable, a
 * directory or an empty regular file. */
bool iiss_capture_input_open(const char *path, iiss_capture_input **out, char *err, size_t err_len);

/* The same over an open stream (an in-memory capture through fmemopen, a
 * socket) of `size` bytes (0: unknown), read with fread. The stream is the
 * input's from here on, closed with it or on failure (except stdin). */
bool iiss_capture_input_open_stream(FILE *fp, uint64_t size, iiss_capture_input **out, char *err,
                                    size_t err_len);

/* Makes up to `n` next bytes contiguous at *data without consuming them.
 * Returns how many are there: fewer than `n` only at the end of the input
 * or on an error (iiss_capture_input_failed says which). `n` may not exceed
 * IISS_CAPTURE_INPUT_MAX_PEEK. */
#define IISS_CAPTURE_INPUT_MAX_PEEK (16u * 1024u * 1024u + 64u)
size_t iiss_capture_input_peek(iiss_capture_input *in, size_t n, const uint8_t **data);

/* Moves past `n` bytes that the last peek returned. */
void iiss_capture_input_consume(iiss_capture_input *in, size_t n);

/* Copies up to `n` bytes out (for libpcap's FILE): what is buffered, or
 * else what one read brings, so a pipe is not waited on for more than it
 * has. Returns 0 only at the end of the input or on an error. */
size_t iiss_capture_input_read(iiss_capture_input *in, void *dst, size_t n);

/* After a short peek or read: true when it was an error (a read failure,
 * corrupt or cut compressed data) rather than the clean end of the input;
 * iiss_capture_input_error() then says why. */
bool iiss_capture_input_failed(const iiss_capture_input *in);
/* True when the failure is compressed data that stops early (the input was
 * cut), as opposed to corrupt data or an I/O error. */
bool iiss_capture_input_cut(const iiss_capture_input *in);
const char *iiss_capture_input_error(const iiss_capture_input *in);

/* True once the first bytes showed gzip data. */
bool iiss_capture_input_compressed(const iiss_capture_input *in);
/* Size of the input as stored (compressed size for gzip), 0 when unknown. */
uint64_t iiss_capture_input_size(const iiss_capture_input *in);
/* How far into the stored input reading has got, for a progress display:
 * the position in the file where it can be asked, else the bytes delivered. */
uint64_t iiss_capture_input_position(const iiss_capture_input *in);

void iiss_capture_input_close(iiss_capture_input *in);

#endif
