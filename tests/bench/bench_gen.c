/* Benchmark captures, made from the iisreset-remote sample (Ethernet + IPv4 +
 * TCP, one DCE/RPC PDU per segment; other layouts are refused or copied
 * unchanged). Two shapes:
 *
 *   bench_gen short SAMPLE.pcap OUT.pcap COPIES CONCURRENCY
 *       every connection of the sample copied COPIES times, each copy with its
 *       own client address, CONCURRENCY copies interleaved packet by packet:
 *       thousands of short iisreset sessions, hundreds open at once;
 *
 *   bench_gen long-lived SAMPLE.pcap OUT.pcap CONNECTIONS CALLS
 *       CONNECTIONS clients, each with one connection (the sample's activation
 *       and bind) that then makes CALLS calls before closing: nine in ten a
 *       Status (cycling through the sample's Status calls), the tenth one of
 *       its other calls in turn, as a monitoring job polling IIS does. Each
 *       call repeats one of the sample's with the TCP sequence numbers carried
 *       on and its own DCE/RPC call_id; the connections run side by side, in
 *       time order.
 *
 * Checksums are recomputed for every rewritten frame. */
#define _DEFAULT_SOURCE /* u_char and friends in pcap.h under -std=c11 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define ETH_HEADER 14
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define DCE_PTYPE_REQUEST 0
#define IISS_FIRST_OPNUM 7  /* Stop */
#define IISS_STATUS_OPNUM 10
#define IISS_LAST_OPNUM 11  /* Kill */
/* long-lived: one non-Status call in this many */
#define OTHER_CALL_EVERY 10
/* long-lived: client c starts c * this after the first, and waits this long
 * between a reply and its next request (microseconds) */
#define CLIENT_STAGGER_US 5000
#define CALL_GAP_US 2000

typedef struct frame {
    struct pcap_pkthdr hdr;
    uint8_t *data;
    /* TCP view (is_tcp == 0: copied as it is) */
    int is_tcp;
    size_t tcp_off, payload_off, payload_len;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    /* a DCE/RPC PDU filling the whole payload */
    int is_pdu, pdu_little_endian;
    uint8_t ptype;
    uint16_t opnum;
} frame;

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)~acc;
}

/* Fills the TCP and DCE/RPC view of f from its bytes. */
static void parse_frame(frame *f)
{
    const uint8_t *p = f->data;
    uint32_t caplen = f->hdr.caplen;
    f->is_tcp = 0;
    if (caplen < ETH_HEADER + 20 + 20 || p[12] != 0x08 || p[13] != 0x00)
        return;
    const uint8_t *ip = p + ETH_HEADER;
    size_t ihl = (size_t)(ip[0] & 0x0F) * 4, total = get16(ip + 2);
    if (ip[9] != 6 || ihl < 20 || ETH_HEADER + total > caplen || total < ihl + 20)
        return;
    const uint8_t *tcp = ip + ihl;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    if (thl < 20 || ihl + thl > total)
        return;
    f->is_tcp = 1;
    f->tcp_off = ETH_HEADER + ihl;
    f->payload_off = f->tcp_off + thl;
    f->payload_len = total - ihl - thl;
    f->sport = get16(tcp);
    f->dport = get16(tcp + 2);
    f->seq = get32(tcp + 4);
    f->ack = get32(tcp + 8);
    f->flags = tcp[13];
    const uint8_t *pdu = p + f->payload_off;
    f->is_pdu = f->payload_len >= 24 && pdu[0] == 5 && pdu[1] == 0;
    if (!f->is_pdu)
        return;
    f->pdu_little_endian = (pdu[4] & 0x10) != 0;
    uint16_t frag_len = f->pdu_little_endian ? (uint16_t)(pdu[8] | pdu[9] << 8) : get16(pdu + 8);
    f->is_pdu = frag_len == f->payload_len;
    f->ptype = pdu[2];
    f->opnum = f->pdu_little_endian ? (uint16_t)(pdu[22] | pdu[23] << 8) : get16(pdu + 22);
}

/* Recomputes the IPv4 and TCP checksums of an Ethernet/IPv4/TCP frame. */
static void fix_checksums(uint8_t *p, const frame *f)
{
    uint8_t *ip = p + ETH_HEADER;
    size_t ihl = f->tcp_off - ETH_HEADER, total = get16(ip + 2);
    ip[10] = ip[11] = 0;
    uint16_t c = sum16(ip, ihl, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    uint8_t *tcp = p + f->tcp_off;
    size_t tcp_len = total - ihl;
    tcp[16] = tcp[17] = 0;
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)(tcp_len >> 8);
    pseudo[11] = (uint8_t)tcp_len;
    uint32_t acc = (uint16_t)~sum16(pseudo, sizeof pseudo, 0);
    c = sum16(tcp, tcp_len, acc);
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;
}

/* Gives the client (address `client`) the address of client number `copy`,
 * keeping the ports: the address alone makes each copy's connections
 * distinct. */
static void set_client(uint8_t *p, const uint8_t client[4], uint32_t copy)
{
    uint8_t *ip = p + ETH_HEADER;
    uint8_t new_addr[4] = {10, (uint8_t)(100 + copy / 62500), (uint8_t)(copy / 250 % 250), (uint8_t)(1 + copy % 250)};
    if (memcmp(ip + 12, client, 4) == 0)
        memcpy(ip + 12, new_addr, 4);
    else if (memcmp(ip + 16, client, 4) == 0)
        memcpy(ip + 16, new_addr, 4);
}

static int load_sample(const char *path, frame **out, size_t *count, pcap_t **in)
{
    char err[PCAP_ERRBUF_SIZE];
    *in = pcap_open_offline(path, err);
    if (!*in) {
        fprintf(stderr, "%s: %s\n", path, err);
        return 0;
    }
    size_t n = 0, cap = 64;
    frame *frames = malloc(cap * sizeof *frames);
    struct pcap_pkthdr *h;
    const u_char *d;
    while (frames && pcap_next_ex(*in, &h, &d) == 1) {
        if (n == cap) {
            frame *grown = realloc(frames, (cap *= 2) * sizeof *frames);
            if (!grown)
                break;
            frames = grown;
        }
        frames[n].hdr = *h;
        frames[n].data = malloc(h->caplen);
        if (!frames[n].data)
            break;
        memcpy(frames[n].data, d, h->caplen);
        parse_frame(&frames[n]);
        n++;
    }
    if (!frames || n == 0 || !frames[0].is_tcp) {
        fprintf(stderr, "%s: no usable frames (Ethernet/IPv4/TCP expected)\n", path);
        return 0;
    }
    *out = frames;
    *count = n;
    return 1;
}

static int64_t ts_us(const struct pcap_pkthdr *h)
{
    return (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
}

static void set_ts(struct pcap_pkthdr *h, int64_t us)
{
    h->ts.tv_sec = (time_t)(us / 1000000);
    h->ts.tv_usec = (suseconds_t)(us % 1000000);
}

/* ---- short ---- */

static long shape_short(const frame *frames, size_t n, const uint8_t client[4], pcap_dumper_t *out, long copies,
                        long concurrency, uint8_t *buf)
{
    long written = 0;
    for (long group = 0; group < copies; group += concurrency) {
        long in_group = copies - group < concurrency ? copies - group : concurrency;
        /* frame j of every copy of the group, then frame j+1 ... */
        for (size_t j = 0; j < n; j++) {
            for (long k = 0; k < in_group; k++) {
                long copy = group + k;
                struct pcap_pkthdr hdr = frames[j].hdr;
                memcpy(buf, frames[j].data, hdr.caplen);
                if (frames[j].is_tcp) {
                    set_client(buf, client, (uint32_t)copy);
                    fix_checksums(buf, &frames[j]);
                }
                /* each group starts 10 s after the previous; copies 1 ms apart */
                set_ts(&hdr, ts_us(&frames[j].hdr) + (group / concurrency) * 10000000LL + k * 1000LL);
                pcap_dump((u_char *)out, &hdr, buf);
                written++;
            }
        }
    }
    fprintf(stderr, "bench_gen: %ld frames, %ld connections of %zu frames\n", written, copies, n);
    return written;
}

/* ---- long-lived ---- */

/* A run of the sample's frames replayed as a unit: the frames before the
 * first call (setup), one call (its request to the next request of the
 * connection), or what follows the last call (teardown). */
typedef struct segment {
    size_t first, end;      /* frames [first, end) */
    uint32_t start_seq[2];  /* each direction's next sequence number at the start */
    uint32_t bytes[2];      /* sequence space each direction uses */
    int status;             /* a Status call */
} segment;

typedef struct sample_plan {
    uint16_t client_port, server_port; /* the connection carrying the calls */
    uint32_t first_call_id;
    segment setup, teardown;
    segment *calls;
    size_t ncalls;
    size_t *status_calls, nstatus, *other_calls, nother;
} sample_plan;

/* 0: client to server on the calls' connection, 1: back, -1: another one */
static int direction(const sample_plan *plan, const frame *f)
{
    if (!f->is_tcp)
        return -1;
    if (f->sport == plan->client_port && f->dport == plan->server_port)
        return 0;
    if (f->sport == plan->server_port && f->dport == plan->client_port)
        return 1;
    return -1;
}

static uint32_t pdu_call_id(const frame *f)
{
    const uint8_t *c = f->data + f->payload_off + 12;
    return f->pdu_little_endian ? (uint32_t)(c[0] | c[1] << 8 | c[2] << 16 | (uint32_t)c[3] << 24) : get32(c);
}

static int plan_sample(const frame *frames, size_t n, sample_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    size_t i;
    for (i = 0; i < n; i++)
        if (frames[i].is_pdu && frames[i].ptype == DCE_PTYPE_REQUEST && frames[i].opnum == IISS_STATUS_OPNUM)
            break;
    if (i == n) {
        fprintf(stderr, "bench_gen: the sample holds no Status request\n");
        return 0;
    }
    plan->client_port = frames[i].sport;
    plan->server_port = frames[i].dport;
    plan->calls = calloc(n, sizeof *plan->calls);
    plan->status_calls = calloc(n, sizeof *plan->status_calls);
    plan->other_calls = calloc(n, sizeof *plan->other_calls);
    if (!plan->calls || !plan->status_calls || !plan->other_calls)
        return 0;
    uint32_t next_seq[2] = {0, 0};
    segment *open = &plan->setup;
    open->first = 0;
    for (i = 0; i < n; i++) {
        const frame *f = &frames[i];
        int d = direction(plan, f);
        int is_request = d == 0 && f->is_pdu && f->ptype == DCE_PTYPE_REQUEST;
        int in_call = open != &plan->setup && open != &plan->teardown;
        if (is_request && open != &plan->teardown) {
            int iiss = f->opnum >= IISS_FIRST_OPNUM && f->opnum <= IISS_LAST_OPNUM;
            /* an IIS request starts a call; any other one after the calls,
             * the teardown (before them it belongs to the setup) */
            if (iiss || plan->ncalls > 0) {
                open->end = i;
                if (in_call) {
                    open->bytes[0] = next_seq[0] - open->start_seq[0];
                    open->bytes[1] = next_seq[1] - open->start_seq[1];
                }
                if (iiss) {
                    if (plan->ncalls == 0)
                        plan->first_call_id = pdu_call_id(f);
                    open = &plan->calls[plan->ncalls++];
                    open->status = f->opnum == IISS_STATUS_OPNUM;
                } else {
                    open = &plan->teardown;
                }
                open->first = i;
                memcpy(open->start_seq, next_seq, sizeof next_seq);
            }
        } else if (d >= 0 && in_call && (f->flags & (TCP_SYN | TCP_FIN))) {
            fprintf(stderr, "bench_gen: frame %zu opens or closes the connection inside a call\n", i + 1);
            return 0;
        }
        if (d >= 0)
            next_seq[d] = f->seq + (uint32_t)f->payload_len + !!(f->flags & TCP_SYN) + !!(f->flags & TCP_FIN);
    }
    open->end = n;
    if (open != &plan->setup && open != &plan->teardown) {
        open->bytes[0] = next_seq[0] - open->start_seq[0];
        open->bytes[1] = next_seq[1] - open->start_seq[1];
    }
    if (open != &plan->teardown) {
        plan->teardown.first = plan->teardown.end = n; /* none */
        memcpy(plan->teardown.start_seq, next_seq, sizeof next_seq);
    }
    for (size_t c = 0; c < plan->ncalls; c++) {
        if (plan->calls[c].status)
            plan->status_calls[plan->nstatus++] = c;
        else
            plan->other_calls[plan->nother++] = c;
    }
    return 1;
}

/* One client's connection being replayed. */
typedef struct replay {
    uint32_t client;
    long call;               /* the call being replayed; -1 setup, `calls` teardown */
    const segment *seg;
    size_t next;             /* next frame of seg */
    int64_t seg_start_us;    /* the output time of seg's first frame */
    uint32_t out_next_seq[2];
    uint32_t delta[2];       /* output sequence number minus the sample's */
    int64_t last_us;
} replay;

static const segment *call_segment(const sample_plan *plan, long call)
{
    if (plan->nother > 0 && call % OTHER_CALL_EVERY == OTHER_CALL_EVERY - 1)
        return &plan->calls[plan->other_calls[(size_t)(call / OTHER_CALL_EVERY) % plan->nother]];
    return &plan->calls[plan->status_calls[(size_t)call % plan->nstatus]];
}

static void replay_enter(replay *r, const sample_plan *plan, long calls, int64_t start_us)
{
    if (r->call < 0)
        r->seg = &plan->setup;
    else if (r->call < calls)
        r->seg = call_segment(plan, r->call);
    else
        r->seg = &plan->teardown;
    r->next = r->seg->first;
    r->seg_start_us = start_us;
    for (int d = 0; d < 2; d++)
        r->delta[d] = r->call < 0 ? 0 : r->out_next_seq[d] - r->seg->start_seq[d];
}

/* The output time of r's next frame; INT64_MAX when r is done. */
static int64_t replay_peek(const replay *r, const frame *frames)
{
    if (r->next >= r->seg->end)
        return INT64_MAX;
    return r->seg_start_us + ts_us(&frames[r->next].hdr) - ts_us(&frames[r->seg->first].hdr);
}

/* Moves r to its next segment when the current one is used up. */
static void replay_advance(replay *r, const sample_plan *plan, long calls)
{
    while (r->next >= r->seg->end && r->call < calls) {
        if (r->call >= 0) {
            r->out_next_seq[0] += r->seg->bytes[0];
            r->out_next_seq[1] += r->seg->bytes[1];
        } else {
            memcpy(r->out_next_seq, plan->calls[0].start_seq, sizeof r->out_next_seq);
        }
        r->call++;
        replay_enter(r, plan, calls, r->last_us + CALL_GAP_US);
    }
}

static void replay_emit(replay *r, const sample_plan *plan, const frame *frames, long calls, const uint8_t client[4],
                        pcap_dumper_t *out, uint8_t *buf, int64_t at_us)
{
    const frame *f = &frames[r->next];
    struct pcap_pkthdr hdr = f->hdr;
    memcpy(buf, f->data, hdr.caplen);
    set_ts(&hdr, at_us);
    if (f->is_tcp) {
        int d = direction(plan, f);
        if (d >= 0) {
            put32(buf + f->tcp_off + 4, f->seq + r->delta[d]);
            if (f->flags & TCP_ACK)
                put32(buf + f->tcp_off + 8, f->ack + r->delta[1 - d]);
            if (f->is_pdu && r->call >= 0) {
                /* every call its own call_id, the teardown's after them */
                uint32_t id = plan->first_call_id + (uint32_t)r->call;
                uint8_t *c = buf + f->payload_off + 12;
                if (f->pdu_little_endian) {
                    c[0] = (uint8_t)id;
                    c[1] = (uint8_t)(id >> 8);
                    c[2] = (uint8_t)(id >> 16);
                    c[3] = (uint8_t)(id >> 24);
                } else {
                    put32(c, id);
                }
            }
        }
        set_client(buf, client, r->client);
        fix_checksums(buf, f);
    }
    pcap_dump((u_char *)out, &hdr, buf);
    r->last_us = at_us;
    r->next++;
    replay_advance(r, plan, calls);
}

static long shape_long_lived(const frame *frames, size_t n, const uint8_t client[4], pcap_dumper_t *out,
                             long connections, long calls, uint8_t *buf)
{
    sample_plan plan;
    if (!plan_sample(frames, n, &plan) || plan.nstatus == 0)
        return -1;
    replay *clients = calloc((size_t)connections, sizeof *clients);
    if (!clients)
        return -1;
    int64_t base = ts_us(&frames[0].hdr);
    for (long c = 0; c < connections; c++) {
        clients[c].client = (uint32_t)c;
        clients[c].call = -1;
        clients[c].last_us = base + c * (int64_t)CLIENT_STAGGER_US;
        replay_enter(&clients[c], &plan, calls, clients[c].last_us);
        replay_advance(&clients[c], &plan, calls); /* past an empty setup */
    }
    long written = 0;
    /* merge the clients' frames in time order (the earliest client wins a tie) */
    for (;;) {
        long best = -1;
        int64_t best_us = INT64_MAX;
        for (long c = 0; c < connections; c++) {
            int64_t t = replay_peek(&clients[c], frames);
            if (t < best_us) {
                best_us = t;
                best = c;
            }
        }
        if (best < 0)
            break;
        replay_emit(&clients[best], &plan, frames, calls, client, out, buf, best_us);
        written++;
    }
    fprintf(stderr, "bench_gen: %ld frames, %ld connections of %ld calls (%zu Status and %zu other calls replayed)\n",
            written, connections, calls, plan.nstatus, plan.nother);
    free(clients);
    free(plan.calls);
    free(plan.status_calls);
    free(plan.other_calls);
    return written;
}

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[1], "short") != 0 && strcmp(argv[1], "long-lived") != 0)) {
        fprintf(stderr,
                "usage: %s short SAMPLE.pcap OUT.pcap COPIES CONCURRENCY\n"
                "       %s long-lived SAMPLE.pcap OUT.pcap CONNECTIONS CALLS\n",
                argv[0], argv[0]);
        return 2;
    }
    long a = strtol(argv[4], NULL, 10), b = strtol(argv[5], NULL, 10);
    if (a <= 0 || b <= 0 || a > 1000000 || b > 100000000) {
        fprintf(stderr, "bench_gen: counts out of range\n");
        return 2;
    }
    frame *frames;
    size_t n;
    pcap_t *in;
    if (!load_sample(argv[2], &frames, &n, &in))
        return 1;
    /* The client is the sender of the first frame (the SYN). */
    uint8_t client[4];
    memcpy(client, frames[0].data + ETH_HEADER + 12, 4);
    pcap_dumper_t *out = pcap_dump_open(in, argv[3]);
    uint32_t largest = 0;
    for (size_t i = 0; i < n; i++)
        largest = frames[i].hdr.caplen > largest ? frames[i].hdr.caplen : largest;
    uint8_t *buf = malloc((size_t)largest + 1);
    if (!out || !buf) {
        fprintf(stderr, "%s: %s\n", argv[3], out ? "out of memory" : pcap_geterr(in));
        return 1;
    }
    long written = strcmp(argv[1], "short") == 0 ? shape_short(frames, n, client, out, a, b, buf)
                                                 : shape_long_lived(frames, n, client, out, a, b, buf);
    pcap_dump_close(out);
    pcap_close(in);
    for (size_t i = 0; i < n; i++)
        free(frames[i].data);
    free(frames);
    free(buf);
    return written < 0;
}
