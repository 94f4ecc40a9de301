/* Capture file reader: picks the format from the first bytes of the
 * (decompressed) input. Classic pcap goes to libpcap's offline reader
 * through a stdio stream over our input (fopencookie), so compression and
 * standard input work the same for it; pcapng goes to pcapng_reader. The
 * BPF filter is libpcap's either way. */
#define _GNU_SOURCE /* fopencookie; u_char and friends in <pcap/pcap.h> */

#include "capture_file.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture_input.h"
#include "pcapng_reader.h"

/* stdio buffer of the stream libpcap reads classic pcap from. */
#define PCAP_STREAM_BUFFER (64u * 1024u)
/* Snapshot length of the handles filters are compiled on: a matching
 * packet must give a non-zero verdict whatever its length. */
#define FILTER_SNAPLEN 262144
#define PCAP_FILE_HEADER_LEN 24

/* One link type met in a pcapng file: its DLT_ value and, with a filter,
 * the filter compiled for it. */
typedef struct link_entry {
    uint16_t linktype; /* LINKTYPE_ value as in the file */
    int dlt;
    bool compiled;
    struct bpf_program program;
} link_entry;

struct iiss_capture_file {
    iiss_capture_input *in;
    /* classic pcap */
    pcap_t *pcap;
    bool has_filter;
    struct bpf_program filter;
    /* pcapng */
    iiss_pcapng_reader *ng;
    char *filter_text;
    link_entry *links;
    size_t link_count, link_cap;
    int first_dlt;
    bool has_pending; /* the first record, read while opening */
    iiss_pcapng_status pending_status;
    iiss_pcapng_record pending;
    int64_t last_sec; /* time of the latest packet, for one without */
    uint32_t last_nsec;

    uint64_t frames;
    uint64_t filtered_out;
    bool finished;
    iiss_capture_status final_status;
    char error[IISS_CAPTURE_ERROR_MAX];
};

static void set_error(char *err, size_t err_len, const char *fmt, const char *detail)
{
    if (err && err_len > 0)
        snprintf(err, err_len, fmt, detail);
}

/* libpcap says "unknown file format" for anything that is not a capture;
 * say it in the reader's terms. */
static void describe_open_failure(const char *pcap_msg, char *err, size_t err_len)
{
    if (strstr(pcap_msg, "unknown file format"))
        set_error(err, err_len, "not a pcap or pcapng capture (%s)", pcap_msg);
    else if (strstr(pcap_msg, "truncated"))
        set_error(err, err_len, "not a capture, or its header is cut short (%s)", pcap_msg);
    else
        set_error(err, err_len, "%s", pcap_msg);
}

static bool compile_filter(pcap_t *pcap, const char *filter, struct bpf_program *prog, char *err, size_t err_len)
{
    if (pcap_compile(pcap, prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        set_error(err, err_len, "invalid filter: %s", pcap_geterr(pcap));
        return false;
    }
    return true;
}

bool iiss_capture_filter_check(const char *filter, char *err, size_t err_len)
{
    if (!filter)
        return true;
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, FILTER_SNAPLEN);
    if (!dead) {
        set_error(err, err_len, "%s", "out of memory");
        return false;
    }
    struct bpf_program prog;
    bool ok = compile_filter(dead, filter, &prog, err, err_len);
    if (ok)
        pcap_freecode(&prog);
    pcap_close(dead);
    return ok;
}

/* ---- classic pcap through libpcap ---- */

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
    iiss_capture_input *in = cookie;
    size_t got = iiss_capture_input_read(in, buf, size);
    if (got == 0 && iiss_capture_input_failed(in)) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)got;
}

/* The input outlives the stream: iiss_capture_file_close frees it. */
static int stream_close(void *cookie)
{
    (void)cookie;
    return 0;
}

static iiss_capture_open_status open_pcap(iiss_capture_file *cf, const char *filter, char *err, size_t err_len)
{
    cookie_io_functions_t io = {.read = stream_read, .close = stream_close};
    FILE *stream = fopencookie(cf->in, "rb", io);
    if (!stream) {
        set_error(err, err_len, "%s", strerror(errno));
        return IISS_CAPTURE_OPEN_FAILED;
    }
    setvbuf(stream, NULL, _IOFBF, PCAP_STREAM_BUFFER);
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    cf->pcap = pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (!cf->pcap) {
        fclose(stream); /* on failure libpcap leaves the stream to us */
        if (iiss_capture_input_failed(cf->in))
            set_error(err, err_len, "%s", iiss_capture_input_error(cf->in));
        else
            describe_open_failure(pcap_err, err, err_len);
        return IISS_CAPTURE_OPEN_FAILED;
    }
    if (filter) {
        if (!compile_filter(cf->pcap, filter, &cf->filter, err, err_len))
            return IISS_CAPTURE_FILTER_FAILED;
        cf->has_filter = true;
    }
    return IISS_CAPTURE_OPENED;
}

/* ---- pcapng: link types and their filters ---- */

/* libpcap keeps its LINKTYPE_ → DLT_ table private (they differ for raw IP
 * and a few others); opening a classic pcap header that names the link
 * type is the public way to apply it. The same handle compiles the filter
 * for that link type. */
static link_entry *link_for(iiss_capture_file *cf, uint16_t linktype, bool *bad_filter, char *err, size_t err_len)
{
    *bad_filter = false;
    for (size_t i = 0; i < cf->link_count; i++)
        if (cf->links[i].linktype == linktype)
            return &cf->links[i];
    if (cf->link_count == cf->link_cap) {
        size_t cap = cf->link_cap ? cf->link_cap * 2 : 4;
        link_entry *p = realloc(cf->links, cap * sizeof *p);
        if (!p) {
            set_error(err, err_len, "%s", "out of memory");
            return NULL;
        }
        cf->links = p;
        cf->link_cap = cap;
    }
    uint8_t hdr[PCAP_FILE_HEADER_LEN] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0};
    hdr[16] = (uint8_t)FILTER_SNAPLEN;
    hdr[17] = (uint8_t)(FILTER_SNAPLEN >> 8);
    hdr[18] = (uint8_t)(FILTER_SNAPLEN >> 16);
    hdr[20] = (uint8_t)linktype;
    hdr[21] = (uint8_t)(linktype >> 8);
    link_entry e = {.linktype = linktype, .dlt = linktype};
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    FILE *mem = fmemopen(hdr, sizeof hdr, "rb");
    pcap_t *p = mem ? pcap_fopen_offline(mem, pcap_err) : NULL;
    if (!p && mem)
        fclose(mem);
    if (p)
        e.dlt = pcap_datalink(p);
    if (cf->filter_text) {
        pcap_t *dead = p ? NULL : pcap_open_dead(linktype, FILTER_SNAPLEN);
        pcap_t *handle = p ? p : dead;
        if (!handle) {
            set_error(err, err_len, "%s", "out of memory");
            return NULL;
        }
        char why[IISS_CAPTURE_ERROR_MAX];
        bool ok = compile_filter(handle, cf->filter_text, &e.program, why, sizeof why);
        if (dead)
            pcap_close(dead);
        if (!ok) {
            if (p)
                pcap_close(p);
            *bad_filter = true;
            const char *name = pcap_datalink_val_to_name(e.dlt);
            if (err && err_len > 0)
                snprintf(err, err_len, "%s (for link type %d, %s)", why, e.dlt, name ? name : "unknown");
            return NULL;
        }
        e.compiled = true;
    }
    if (p)
        pcap_close(p); /* closes `mem` */
    cf->links[cf->link_count] = e;
    return &cf->links[cf->link_count++];
}

static iiss_capture_open_status open_pcapng(iiss_capture_file *cf, const char *filter, char *err, size_t err_len)
{
    cf->first_dlt = -1;
    cf->ng = iiss_pcapng_reader_new(cf->in);
    if (filter)
        cf->filter_text = strdup(filter);
    if (!cf->ng || (filter && !cf->filter_text)) {
        set_error(err, err_len, "%s", "out of memory");
        return IISS_CAPTURE_OPEN_FAILED;
    }
    /* Read up to the first frame, so the interfaces declared before it are
     * known (link type, filter) when the file is reported open. */
    cf->pending_status = iiss_pcapng_reader_next(cf->ng, &cf->pending);
    cf->has_pending = true;
    if (cf->pending_status != IISS_PCAPNG_RECORD && cf->pending_status != IISS_PCAPNG_END &&
        iiss_pcapng_reader_interface_count(cf->ng) == 0) {
        set_error(err, err_len, "not a readable pcapng capture (%s)", iiss_pcapng_reader_error(cf->ng));
        return IISS_CAPTURE_OPEN_FAILED;
    }
    size_t n = iiss_pcapng_reader_interface_count(cf->ng);
    for (size_t i = 0; i < n; i++) {
        bool bad_filter;
        link_entry *e = link_for(cf, iiss_pcapng_reader_interface(cf->ng, i)->linktype, &bad_filter, err, err_len);
        if (!e)
            return bad_filter ? IISS_CAPTURE_FILTER_FAILED : IISS_CAPTURE_OPEN_FAILED;
        if (i == 0)
            cf->first_dlt = e->dlt;
    }
    return IISS_CAPTURE_OPENED;
}

/* ---- open, next, close ---- */

/* Picks the format of an opened input; `in` is the capture file's. */
static iiss_capture_open_status open_input(iiss_capture_input *in, const char *filter, iiss_capture_file **out,
                                           char *err, size_t err_len)
{
    iiss_capture_file *cf = calloc(1, sizeof *cf);
    if (!cf) {
        iiss_capture_input_close(in);
        set_error(err, err_len, "%s", "out of memory");
        return IISS_CAPTURE_OPEN_FAILED;
    }
    cf->in = in;
    const uint8_t *magic;
    size_t have = iiss_capture_input_peek(cf->in, 4, &magic);
    bool pcapng = have == 4 && magic[0] == 0x0A && magic[1] == 0x0D && magic[2] == 0x0D && magic[3] == 0x0A;
    /* Anything but pcapng goes to libpcap, which names what it is not. */
    iiss_capture_open_status st = pcapng ? open_pcapng(cf, filter, err, err_len) : open_pcap(cf, filter, err, err_len);
    if (st != IISS_CAPTURE_OPENED) {
        iiss_capture_file_close(cf);
        return st;
    }
    *out = cf;
    return IISS_CAPTURE_OPENED;
}

iiss_capture_open_status iiss_capture_file_open(const char *path, const char *filter, iiss_capture_file **out,
                                                char *err, size_t err_len)
{
    *out = NULL;
    if (err && err_len > 0)
        err[0] = '\0';
    iiss_capture_input *in;
    if (!iiss_capture_input_open(path, &in, err, err_len))
        return IISS_CAPTURE_OPEN_FAILED;
    return open_input(in, filter, out, err, err_len);
}

iiss_capture_open_status iiss_capture_file_open_stream(FILE *fp, uint64_t size, const char *filter,
                                                       iiss_capture_file **out, char *err, size_t err_len)
{
    *out = NULL;
    if (err && err_len > 0)
        err[0] = '\0';
    iiss_capture_input *in;
    if (!iiss_capture_input_open_stream(fp, size, &in, err, err_len))
        return IISS_CAPTURE_OPEN_FAILED;
    return open_input(in, filter, out, err, err_len);
}

/* Keeps the first failure: later calls repeat it instead of reading past a
 * cut again. */
static iiss_capture_status finish(iiss_capture_file *cf, iiss_capture_status status, const char *msg)
{
    cf->finished = true;
    cf->final_status = status;
    unsigned long long n = (unsigned long long)cf->frames;
    if (status == IISS_CAPTURE_TRUNCATED && n == 0)
        snprintf(cf->error, sizeof cf->error, "truncated capture, cut before its first record was complete (%s)",
                 msg);
    else if (status == IISS_CAPTURE_TRUNCATED)
        snprintf(cf->error, sizeof cf->error, "truncated capture, packets after record %llu are lost (%s)", n, msg);
    else if (msg && n == 0)
        snprintf(cf->error, sizeof cf->error, "read error before the first record: %s", msg);
    else if (msg)
        snprintf(cf->error, sizeof cf->error, "read error after record %llu: %s", n, msg);
    return status;
}

/* libpcap stopped: in the words of the input when that is what failed
 * (cut or corrupt gzip), else in libpcap's. */
static iiss_capture_status pcap_stopped(iiss_capture_file *cf, int rc)
{
    if (iiss_capture_input_failed(cf->in))
        return finish(cf, iiss_capture_input_cut(cf->in) ? IISS_CAPTURE_TRUNCATED : IISS_CAPTURE_READ_ERROR,
                      iiss_capture_input_error(cf->in));
    if (rc == PCAP_ERROR_BREAK)
        return finish(cf, IISS_CAPTURE_END, NULL);
    const char *msg = pcap_geterr(cf->pcap);
    /* "truncated dump file" (pcap) or "truncated pcapng dump file". */
    bool truncated = strstr(msg, "truncated") != NULL;
    return finish(cf, truncated ? IISS_CAPTURE_TRUNCATED : IISS_CAPTURE_READ_ERROR, msg);
}

static iiss_capture_status next_pcap(iiss_capture_file *cf, iiss_capture_packet *out)
{
    for (;;) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(cf->pcap, &hdr, &data);
        if (rc != 1)
            return pcap_stopped(cf, rc);
        cf->frames++;
        if (cf->has_filter && pcap_offline_filter(&cf->filter, hdr, data) == 0) {
            cf->filtered_out++;
            continue;
        }
        out->frame = cf->frames;
        out->linktype = pcap_datalink(cf->pcap);
        out->interface = 0;
        /* With nanosecond precision requested, tv_usec holds nanoseconds;
         * libpcap passes a hostile fraction of a second or more as it is,
         * so the whole seconds in it are carried over. */
        int64_t frac = (int64_t)hdr->ts.tv_usec;
        int64_t carry = frac / 1000000000;
        frac %= 1000000000;
        if (frac < 0) {
            frac += 1000000000;
            carry--;
        }
        out->ts_sec = (int64_t)hdr->ts.tv_sec + carry;
        out->ts_nsec = (uint32_t)frac;
        out->caplen = hdr->caplen;
        out->wirelen = hdr->len >= hdr->caplen ? hdr->len : hdr->caplen;
        out->data = data;
        return IISS_CAPTURE_PACKET;
    }
}

static iiss_capture_status next_pcapng(iiss_capture_file *cf, iiss_capture_packet *out)
{
    for (;;) {
        iiss_pcapng_record rec;
        iiss_pcapng_status st;
        if (cf->has_pending) {
            cf->has_pending = false;
            rec = cf->pending;
            st = cf->pending_status;
        } else {
            st = iiss_pcapng_reader_next(cf->ng, &rec);
        }
        if (st == IISS_PCAPNG_END)
            return finish(cf, IISS_CAPTURE_END, NULL);
        if (st != IISS_PCAPNG_RECORD)
            return finish(cf, st == IISS_PCAPNG_TRUNCATED ? IISS_CAPTURE_TRUNCATED : IISS_CAPTURE_READ_ERROR,
                          iiss_pcapng_reader_error(cf->ng));
        cf->frames++;
        if (!rec.is_packet)
            continue;
        char why[IISS_CAPTURE_ERROR_MAX / 2];
        bool bad_filter;
        link_entry *link = link_for(cf, rec.linktype, &bad_filter, why, sizeof why);
        if (!link) {
            cf->frames--; /* the record was not delivered: the message counts those before it */
            char msg[IISS_CAPTURE_ERROR_MAX];
            snprintf(msg, sizeof msg, "interface %u: %s", rec.interface, why);
            return finish(cf, IISS_CAPTURE_READ_ERROR, msg);
        }
        if (rec.has_ts) {
            cf->last_sec = rec.ts_sec;
            cf->last_nsec = rec.ts_nsec;
        }
        if (link->compiled) {
            struct pcap_pkthdr hdr = {.caplen = rec.caplen, .len = rec.wirelen};
            if (pcap_offline_filter(&link->program, &hdr, rec.data) == 0) {
                cf->filtered_out++;
                continue;
            }
        }
        out->frame = cf->frames;
        out->linktype = link->dlt;
        out->interface = rec.interface;
        out->ts_sec = cf->last_sec;
        out->ts_nsec = cf->last_nsec;
        out->caplen = rec.caplen;
        out->wirelen = rec.wirelen >= rec.caplen ? rec.wirelen : rec.caplen;
        out->data = rec.data;
        return IISS_CAPTURE_PACKET;
    }
}

iiss_capture_status iiss_capture_file_next(iiss_capture_file *cf, iiss_capture_packet *out)
{
    if (cf->finished)
        return cf->final_status;
    return cf->ng ? next_pcapng(cf, out) : next_pcap(cf, out);
}

const char *iiss_capture_file_error(const iiss_capture_file *cf)
{
    return cf->error;
}

int iiss_capture_file_linktype(const iiss_capture_file *cf)
{
    return cf->ng ? cf->first_dlt : pcap_datalink(cf->pcap);
}

bool iiss_capture_file_is_pcapng(const iiss_capture_file *cf)
{
    return cf->ng != NULL;
}

bool iiss_capture_file_compressed(const iiss_capture_file *cf)
{
    return iiss_capture_input_compressed(cf->in);
}

const char *iiss_capture_linktype_name(int linktype)
{
    return pcap_datalink_val_to_name(linktype);
}

uint64_t iiss_capture_file_frames(const iiss_capture_file *cf)
{
    return cf->frames;
}

uint64_t iiss_capture_file_frames_filtered_out(const iiss_capture_file *cf)
{
    return cf->filtered_out;
}

uint64_t iiss_capture_file_size(const iiss_capture_file *cf)
{
    return iiss_capture_input_size(cf->in);
}

uint64_t iiss_capture_file_bytes_read(const iiss_capture_file *cf)
{
    return iiss_capture_input_position(cf->in);
}

void iiss_capture_file_close(iiss_capture_file *cf)
{
    if (!cf)
        return;
    if (cf->has_filter)
        pcap_freecode(&cf->filter);
    if (cf->pcap)
        pcap_close(cf->pcap); /* closes the stream; the input stays ours */
    for (size_t i = 0; i < cf->link_count; i++)
        if (cf->links[i].compiled)
            pcap_freecode(&cf->links[i].program);
    free(cf->links);
    free(cf->filter_text);
    iiss_pcapng_reader_free(cf->ng);
    iiss_capture_input_close(cf->in);
    free(cf);
}

uint64_t iiss_capture_files_size(const char *const *paths, size_t count, bool *all_known)
{
    uint64_t total = 0;
    *all_known = true;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(paths[i], "-") == 0) {
            *all_known = false;
            continue;
        }
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    return total;
}
