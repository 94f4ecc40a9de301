/* Buffered capture input over read(2) (or fread for a caller's stream),
 * inflated through zlib when gzip. */
#define _POSIX_C_SOURCE 200809L /* fstat, read, O_CLOEXEC */

#include "capture_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define INITIAL_BUFFER (256u * 1024u)
#define GZIP_MAGIC0 0x1Fu
#define GZIP_MAGIC1 0x8Bu
/* inflateInit2's window bits: 15 (the largest window) + 16 (gzip only:
 * a zlib or raw deflate stream is no capture format anyone writes). */
#define GZIP_WINDOW_BITS (15 + 16)

struct iiss_capture_input {
    int fd;
    bool owns_fd;
    FILE *stream; /* instead of fd when opened on a stream */
    bool compressed;
    bool eof;    /* the stored input is exhausted (and, for gzip, fully inflated) */
    bool failed; /* a read error or bad compressed data */
    bool cut;    /* compressed data that stops inside a member */
    uint64_t size;
    uint64_t raw_read; /* bytes read from fd or stream, as stored */
    uint64_t delivered;
    /* Decoded bytes: [start, end) are not consumed yet. */
    uint8_t *buf;
    size_t cap, start, end;
    /* Gzip only: compressed bytes waiting for inflate. */
    z_stream z;
    bool z_ready;
    bool member_done; /* inflate finished a member; more may follow */
    uint8_t *raw;
    size_t raw_cap;
    char error[256];
};

static void set_error(char *err, size_t err_len, const char *msg)
{
    if (err && err_len > 0)
        snprintf(err, err_len, "%s", msg);
}

static void fail(iiss_capture_input *in, bool cut, const char *fmt, const char *detail)
{
    in->failed = true;
    in->cut = cut;
    snprintf(in->error, sizeof in->error, fmt, detail ? detail : "");
}

/* One read into `dst`: >0 bytes, 0 at the end, -1 on an error (noted). */
static ssize_t read_raw(iiss_capture_input *in, uint8_t *dst, size_t n)
{
    if (in->stream) {
        size_t got = fread(dst, 1, n, in->stream);
        if (got == 0 && ferror(in->stream)) {
            fail(in, false, "read error: %s", strerror(errno));
            return -1;
        }
        in->raw_read += got;
        return (ssize_t)got;
    }
    for (;;) {
        ssize_t r = read(in->fd, dst, n);
        if (r >= 0) {
            in->raw_read += (uint64_t)r;
            return r;
        }
        if (errno != EINTR) {
            fail(in, false, "read error: %s", strerror(errno));
            return -1;
        }
    }
}

/* Grows the buffer so it can hold `need` unconsumed bytes, moving them to
 * the front first. */
static bool make_room(iiss_capture_input *in, size_t need)
{
    if (in->start > 0) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (need <= in->cap)
        return true;
    size_t cap = in->cap;
    while (cap < need)
        cap *= 2;
    uint8_t *b = realloc(in->buf, cap);
    if (!b) {
        fail(in, false, "%s", "out of memory for the input buffer");
        return false;
    }
    in->buf = b;
    in->cap = cap;
    return true;
}

/* At the end of a gzip member: another member may follow (gzip allows
 * concatenation, and `cat a.gz b.gz` makes one); anything else after the
 * last member is ignored, as gzip(1) and zlib's gzread do. */
static bool next_member(iiss_capture_input *in)
{
    while (in->z.avail_in < 2) {
        if (in->z.avail_in == 1)
            in->raw[0] = in->z.next_in[0];
        ssize_t r = read_raw(in, in->raw + in->z.avail_in, in->raw_cap - in->z.avail_in);
        if (r < 0)
            return false;
        in->z.next_in = in->raw;
        if (r == 0) {
            in->eof = true;
            return false;
        }
        in->z.avail_in += (uInt)r;
    }
    if (in->z.next_in[0] != GZIP_MAGIC0 || in->z.next_in[1] != GZIP_MAGIC1) {
        in->eof = true;
        return false;
    }
    inflateReset(&in->z);
    in->member_done = false;
    return true;
}

/* Adds at least one decoded byte after `end` unless the input is at its end
 * or failed. Reads only as often as it takes to get one decoded byte, so a
 * pipe is never waited on for a full buffer. */
static void fill_once(iiss_capture_input *in)
{
    if (in->eof || in->failed)
        return;
    if (in->end == in->cap && !make_room(in, in->end - in->start + 1))
        return;
    if (!in->compressed) {
        ssize_t r = read_raw(in, in->buf + in->end, in->cap - in->end);
        if (r > 0)
            in->end += (size_t)r;
        else if (r == 0)
            in->eof = true;
        return;
    }
    for (;;) {
        if (in->member_done && !next_member(in))
            return;
        if (in->z.avail_in == 0) {
            ssize_t r = read_raw(in, in->raw, in->raw_cap);
            if (r < 0)
                return;
            if (r == 0) {
                fail(in, true, "%s", "the gzip data stops early: the file was cut");
                return;
            }
            in->z.next_in = in->raw;
            in->z.avail_in = (uInt)r;
        }
        size_t room = in->cap - in->end;
        in->z.next_out = in->buf + in->end;
        in->z.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        int rc = inflate(&in->z, Z_NO_FLUSH);
        size_t produced = room - in->z.avail_out;
        in->end += produced;
        if (rc == Z_STREAM_END) {
            in->member_done = true;
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            fail(in, false, "corrupt gzip data: %s", in->z.msg ? in->z.msg : "invalid deflate stream");
            return;
        } else if (rc == Z_MEM_ERROR) {
            fail(in, false, "%s", "out of memory while decompressing");
            return;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            fail(in, false, "gzip error: %s", in->z.msg ? in->z.msg : "unexpected zlib state");
            return;
        }
        if (produced > 0)
            return;
    }
}

/* Reads the first bytes and decides plain or gzip from them. */
static bool detect(iiss_capture_input *in, char *err, size_t err_len)
{
    while (in->end < 2 && !in->eof && !in->failed)
        fill_once(in);
    if (in->failed) {
        set_error(err, err_len, in->error);
        return false;
    }
    if (in->end == 0) {
        set_error(err, err_len, "empty input, not a capture");
        return false;
    }
    if (in->end < 2 || in->buf[0] != GZIP_MAGIC0 || in->buf[1] != GZIP_MAGIC1)
        return true;
    /* Gzip: what was read is compressed. That buffer becomes inflate's
     * input (it may hold more than one chunk: nothing is read twice, so
     * this works on a pipe too), and a new one receives the output. */
    uint8_t *out = malloc(INITIAL_BUFFER);
    if (!out || inflateInit2(&in->z, GZIP_WINDOW_BITS) != Z_OK) {
        free(out);
        set_error(err, err_len, "out of memory");
        return false;
    }
    in->z_ready = true;
    in->raw = in->buf;
    in->raw_cap = in->cap;
    in->z.next_in = in->raw;
    in->z.avail_in = (uInt)in->end;
    in->buf = out;
    in->cap = INITIAL_BUFFER;
    in->start = in->end = 0;
    in->compressed = true;
    return true;
}

/* Sets up the input over `fd` or `stream` (each closed here on failure,
 * unless it is standard input) and reads its first bytes. */
static bool start(int fd, bool owns_fd, FILE *stream, uint64_t size, iiss_capture_input **out, char *err,
                  size_t err_len)
{
    iiss_capture_input *in = calloc(1, sizeof *in);
    uint8_t *buf = malloc(INITIAL_BUFFER);
    if (!in || !buf) {
        free(in);
        free(buf);
        if (owns_fd)
            close(fd);
        if (stream && stream != stdin)
            fclose(stream);
        set_error(err, err_len, "out of memory");
        return false;
    }
    in->fd = fd;
    in->owns_fd = owns_fd;
    in->stream = stream;
    in->buf = buf;
    in->cap = INITIAL_BUFFER;
    in->size = size;
    if (!detect(in, err, err_len)) {
        iiss_capture_input_close(in);
        return false;
    }
    *out = in;
    return true;
}

bool iiss_capture_input_open(const char *path, iiss_capture_input **out, char *err, size_t err_len)
{
    *out = NULL;
    struct stat st;
    int fd;
    bool is_stdin = strcmp(path, "-") == 0;
    if (is_stdin) {
        fd = STDIN_FILENO;
        if (fstat(fd, &st) != 0) {
            set_error(err, err_len, strerror(errno));
            return false;
        }
    } else {
        if (stat(path, &st) != 0) {
            set_error(err, err_len, strerror(errno));
            return false;
        }
        if (S_ISDIR(st.st_mode)) {
            set_error(err, err_len, "is a directory, not a capture file");
            return false;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            set_error(err, err_len, strerror(errno));
            return false;
        }
        if (fstat(fd, &st) != 0) {
            set_error(err, err_len, strerror(errno));
            close(fd);
            return false;
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) {
            close(fd);
            set_error(err, err_len, "empty file, not a capture");
            return false;
        }
    }
    return start(fd, !is_stdin, NULL, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, out, err, err_len);
}

bool iiss_capture_input_open_stream(FILE *fp, uint64_t size, iiss_capture_input **out, char *err,
                                    size_t err_len)
{
    *out = NULL;
    return start(-1, false, fp, size, out, err, err_len);
}

size_t iiss_capture_input_peek(iiss_capture_input *in, size_t n, const uint8_t **data)
{
    if (n > IISS_CAPTURE_INPUT_MAX_PEEK)
        n = IISS_CAPTURE_INPUT_MAX_PEEK;
    /* The buffer grows with the data that arrives, not with what a length
     * field claims: a block announcing 16 MiB in a short file costs little. */
    while (in->end - in->start < n && !in->eof && !in->failed) {
        size_t have = in->end - in->start;
        size_t want = n - have <= INITIAL_BUFFER ? n : have + INITIAL_BUFFER;
        if (in->cap - in->start < want && !make_room(in, want))
            break;
        fill_once(in);
    }
    size_t have = in->end - in->start;
    *data = in->buf + in->start;
    return have < n ? have : n;
}

void iiss_capture_input_consume(iiss_capture_input *in, size_t n)
{
    size_t have = in->end - in->start;
    if (n > have)
        n = have;
    in->start += n;
    in->delivered += n;
}

size_t iiss_capture_input_read(iiss_capture_input *in, void *dst, size_t n)
{
    if (in->start == in->end) {
        in->start = in->end = 0;
        while (in->start == in->end && !in->eof && !in->failed)
            fill_once(in);
    }
    size_t have = in->end - in->start;
    if (n > have)
        n = have;
    memcpy(dst, in->buf + in->start, n);
    iiss_capture_input_consume(in, n);
    return n;
}

bool iiss_capture_input_failed(const iiss_capture_input *in)
{
    return in->failed;
}

bool iiss_capture_input_cut(const iiss_capture_input *in)
{
    return in->failed && in->cut;
}

const char *iiss_capture_input_error(const iiss_capture_input *in)
{
    return in->error;
}

bool iiss_capture_input_compressed(const iiss_capture_input *in)
{
    return in->compressed;
}

uint64_t iiss_capture_input_size(const iiss_capture_input *in)
{
    return in->size;
}

uint64_t iiss_capture_input_position(const iiss_capture_input *in)
{
    /* Compressed: how much of the stored file is behind us. Plain: bytes
     * handed on, which on a regular file ends at its size. */
    uint64_t pos = in->compressed ? in->raw_read : in->delivered;
    if (in->size && pos > in->size)
        pos = in->size;
    return pos;
}

void iiss_capture_input_close(iiss_capture_input *in)
{
    if (!in)
        return;
    if (in->z_ready)
        inflateEnd(&in->z);
    if (in->owns_fd)
        close(in->fd);
    if (in->stream && in->stream != stdin)
        fclose(in->stream);
    free(in->raw);
    free(in->buf);
    free(in);
}
