/* Capture file reader over libpcap's offline API. The file is opened here
 * (not by libpcap) so a failure can say why in the words of errno, and so
 * the FILE position gives a cheap progress figure. */
/* u_char and friends in <pcap/pcap.h>, fileno and fstat under -std=c11. */
#define _DEFAULT_SOURCE

#include "capture_file.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Record header of a classic pcap file: used to estimate progress on pipes,
 * where the FILE position is not available. */
#define PCAP_RECORD_HEADER_LEN 16
#define PCAP_FILE_HEADER_LEN 24

struct iiss_capture_file {
    pcap_t *pcap;
    FILE *fp; /* owned by pcap once it opened */
    bool has_filter;
    struct bpf_program filter;
    uint64_t frames;
    uint64_t filtered_out;
    uint64_t size;
    uint64_t bytes_estimated; /* for inputs ftell cannot measure */
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
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
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

/* Opens the input and learns its size; false with a reason on failure. */
static bool open_input(const char *path, FILE **fp_out, uint64_t *size_out, char *err, size_t err_len)
{
    struct stat st;
    bool is_stdin = strcmp(path, "-") == 0;
    if (is_stdin) {
        *fp_out = stdin;
        *size_out = (fstat(fileno(stdin), &st) == 0 && S_ISREG(st.st_mode)) ? (uint64_t)st.st_size : 0;
        return true;
    }
    if (stat(path, &st) != 0) {
        set_error(err, err_len, "%s", strerror(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        set_error(err, err_len, "%s", "is a directory, not a capture file");
        return false;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        set_error(err, err_len, "%s", strerror(errno));
        return false;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        fclose(fp);
        set_error(err, err_len, "%s", "empty file, not a capture");
        return false;
    }
    *fp_out = fp;
    *size_out = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    return true;
}

iiss_capture_open_status iiss_capture_file_open(const char *path, const char *filter, iiss_capture_file **out,
                                                char *err, size_t err_len)
{
    *out = NULL;
    if (err && err_len > 0)
        err[0] = '\0';
    iiss_capture_file *cf = calloc(1, sizeof *cf);
    if (!cf) {
        set_error(err, err_len, "%s", "out of memory");
        return IISS_CAPTURE_OPEN_FAILED;
    }
    if (!open_input(path, &cf->fp, &cf->size, err, err_len)) {
        free(cf);
        return IISS_CAPTURE_OPEN_FAILED;
    }
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    cf->pcap = pcap_fopen_offline_with_tstamp_precision(cf->fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (!cf->pcap) {
        /* On failure libpcap leaves the FILE to us. */
        if (cf->fp != stdin)
            fclose(cf->fp);
        describe_open_failure(pcap_err, err, err_len);
        free(cf);
        return IISS_CAPTURE_OPEN_FAILED;
    }
    if (filter) {
        if (!compile_filter(cf->pcap, filter, &cf->filter, err, err_len)) {
            pcap_close(cf->pcap);
            free(cf);
            return IISS_CAPTURE_FILTER_FAILED;
        }
        cf->has_filter = true;
    }
    cf->bytes_estimated = PCAP_FILE_HEADER_LEN;
    *out = cf;
    return IISS_CAPTURE_OPENED;
}

/* Keeps the first failure: later calls repeat it instead of asking libpcap
 * to read past a cut again. */
static iiss_capture_status finish(iiss_capture_file *cf, iiss_capture_status status, const char *msg)
{
    cf->finished = true;
    cf->final_status = status;
    if (status == IISS_CAPTURE_TRUNCATED)
        snprintf(cf->error, sizeof cf->error, "truncated capture, packets after record %llu are lost (%s)",
                 (unsigned long long)cf->frames, msg);
    else if (msg)
        snprintf(cf->error, sizeof cf->error, "read error after record %llu: %s", (unsigned long long)cf->frames,
                 msg);
    return status;
}

iiss_capture_status iiss_capture_file_next(iiss_capture_file *cf, iiss_capture_packet *out)
{
    if (cf->finished)
        return cf->final_status;
    for (;;) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(cf->pcap, &hdr, &data);
        if (rc == PCAP_ERROR_BREAK)
            return finish(cf, IISS_CAPTURE_END, NULL);
        if (rc != 1) {
            const char *msg = pcap_geterr(cf->pcap);
            /* "truncated dump file" (pcap) or "truncated pcapng dump file". */
            bool truncated = strstr(msg, "truncated") != NULL;
            return finish(cf, truncated ? IISS_CAPTURE_TRUNCATED : IISS_CAPTURE_READ_ERROR, msg);
        }
        cf->frames++;
        cf->bytes_estimated += PCAP_RECORD_HEADER_LEN + (uint64_t)hdr->caplen;
        if (cf->has_filter && pcap_offline_filter(&cf->filter, hdr, data) == 0) {
            cf->filtered_out++;
            continue;
        }
        out->frame = cf->frames;
        out->ts_sec = (int64_t)hdr->ts.tv_sec;
        /* With nanosecond precision requested, tv_usec holds nanoseconds. */
        out->ts_nsec = (uint32_t)hdr->ts.tv_usec;
        out->caplen = hdr->caplen;
        out->wirelen = hdr->len >= hdr->caplen ? hdr->len : hdr->caplen;
        out->data = data;
        return IISS_CAPTURE_PACKET;
    }
}

const char *iiss_capture_file_error(const iiss_capture_file *cf)
{
    return cf->error;
}

int iiss_capture_file_linktype(const iiss_capture_file *cf)
{
    return pcap_datalink(cf->pcap);
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
    return cf->size;
}

uint64_t iiss_capture_file_bytes_read(const iiss_capture_file *cf)
{
    FILE *fp = pcap_file(cf->pcap);
    long pos = fp ? ftell(fp) : -1;
    uint64_t read = pos >= 0 ? (uint64_t)pos : cf->bytes_estimated;
    if (cf->size && read > cf->size)
        read = cf->size;
    return read;
}

void iiss_capture_file_close(iiss_capture_file *cf)
{
    if (!cf)
        return;
    if (cf->has_filter)
        pcap_freecode(&cf->filter);
    pcap_close(cf->pcap); /* closes the FILE, unless it is stdin */
    free(cf);
}
