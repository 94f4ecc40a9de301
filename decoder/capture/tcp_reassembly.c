/* TCP reassembly: per connection direction, bytes in sequence order to an
 * iiss_stream_sink. The rules are stated in tcp_reassembly.h; this file
 * keeps to them.
 *
 * Per direction the state is the next byte expected (`next_seq`) and a
 * sorted list of non-overlapping ranges received ahead of it. A range holds
 * either bytes or "known lost" (payload the snapshot length cut off: it was
 * on the wire, it will never be readable). In-order data never touches the
 * list unless it runs into a buffered range. */
#include "tcp_reassembly.h"

#include <glib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BUFFERED_PER_DIRECTION (4u * 1024 * 1024)
#define DEFAULT_IDLE_TIMEOUT_SEC 600u
#define DEFAULT_MAX_FLOWS 100000u
/* How long a closed flow lingers to absorb late retransmissions and ACKs
 * (twice a 60-second maximum segment lifetime, as TIME_WAIT). */
#define CLOSED_LINGER_SEC 120

/* Held ranges per direction: inserting into the sorted list walks it, so a
 * hostile capture of tiny interleaved segments must not make that walk long.
 * 4 MiB of full-size segments is under 3,000 ranges. */
#define MAX_RANGES_PER_DIRECTION 4096u

/* Server endpoints learnt from handshakes, to tell the roles of connections
 * joined midstream; past this many, no more are learnt. */
#define MAX_KNOWN_SERVERS 65536u

/* A segment further ahead than this is not from this connection's window
 * (the largest scaled TCP window is just under 1 GiB). */
#define SEQ_WINDOW (1u << 30)

void iiss_tcp_config_default(iiss_tcp_config *opts)
{
    opts->max_buffered_per_direction = DEFAULT_MAX_BUFFERED_PER_DIRECTION;
    opts->idle_timeout_sec = DEFAULT_IDLE_TIMEOUT_SEC;
    opts->max_flows = DEFAULT_MAX_FLOWS;
    opts->memory = NULL;
}

/* ---- sequence arithmetic modulo 2^32 ---- */

/* a - b as a signed distance in (-2^31, 2^31]. */
static int64_t seq_offset(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d <= 0x80000000u ? (int64_t)d : (int64_t)d - ((int64_t)1 << 32);
}

static bool seq_lt(uint32_t a, uint32_t b)
{
    return seq_offset(a, b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
    return seq_offset(a, b) <= 0;
}

/* ---- state ---- */

/* A range received ahead of next_seq. Lost ranges carry no bytes. */
typedef struct ooo_range {
    struct ooo_range *next;
    iiss_packet_meta meta; /* the packet that carried it */
    uint32_t seq;
    uint32_t len;
    bool lost;
    uint8_t data[];
} ooo_range;

typedef struct flow_dir {
    bool started;  /* next_seq is known */
    bool syn_seen; /* isn is known */
    uint32_t isn;
    uint32_t next_seq;
    bool fin_seen;
    uint32_t fin_seq; /* sequence number of the FIN: one past the last byte */
    bool peer_ack_valid;
    uint32_t peer_ack; /* highest acknowledgement the other side sent for this direction */
    ooo_range *ooo;
    ooo_range *ooo_tail; /* appends at the tail are the common out-of-order case */
    uint64_t buffered;   /* bytes charged for the list, headers included */
    uint32_t ranges;     /* entries in the list */
} flow_dir;

/* Canonical connection key: the lower (address, port) first, so both
 * directions find the same flow. Fixed size and zero-padded so it can be
 * compared and hashed as bytes. */
#define FLOW_KEY_LEN 40
typedef struct flow_key {
    uint8_t bytes[FLOW_KEY_LEN];
} flow_key;

typedef enum flow_state { FLOW_OPEN = 0, FLOW_CLOSED = 1 } flow_state;

typedef struct tcp_flow {
    flow_key key;
    iiss_tcp_stream stream;
    flow_dir dir[2]; /* indexed by iiss_direction */
    flow_state state;
    bool delivered_any; /* the sink has heard of this stream */
    iiss_packet_meta last_meta;
    struct tcp_flow *lru_prev, *lru_next; /* in the list of its state, least recently active first */
    iiss_memory_owner memory; /* the flow and what every stage holds for it */
} tcp_flow;

/* What a flow costs the budget: the flow, its hash table entry (keys,
 * values, hashes, at the table's fill), malloc's overhead. */
#define FLOW_CHARGE (sizeof(tcp_flow) + 48u)

static tcp_flow *flow_of_owner(iiss_memory_owner *o)
{
    return (tcp_flow *)(void *)((char *)o - offsetof(tcp_flow, memory));
}

typedef struct flow_list {
    struct tcp_flow *head, *tail;
} flow_list;

struct iiss_tcp_reassembler {
    iiss_tcp_config opts;
    iiss_stream_sink sink;
    GHashTable *flows; /* flow_key* → tcp_flow* (the key lives in the flow) */
    /* Open and closed flows in separate activity lists: closed ones retire
     * sooner and are evicted first. Indexed by flow_state. */
    flow_list lists[2];
    tcp_flow *last_flow; /* consecutive packets of one flow skip the hash */
    /* Endpoints seen answering a SYN (endpoint_key* → itself). */
    GHashTable *known_servers;
    uint64_t next_stream_id;
    iiss_tcp_stats stats;
    iiss_memory_budget *memory;
    iiss_memory_budget *own_memory; /* when the config gave none */
    bool flushing; /* closing every flow: nothing is reclaimed meanwhile */
};

/* ---- flow key and table ---- */

static int endpoint_compare(const iiss_endpoint *a, const iiss_endpoint *b)
{
    int c = memcmp(a->addr, b->addr, sizeof a->addr);
    if (c != 0)
        return c;
    return (int)a->port - (int)b->port;
}

static void put_endpoint(uint8_t *at, const iiss_endpoint *ep)
{
    memcpy(at, ep->addr, 16);
    at[16] = (uint8_t)(ep->port >> 8);
    at[17] = (uint8_t)ep->port;
}

static void make_key(flow_key *key, const iiss_tcp_segment *seg)
{
    memset(key, 0, sizeof *key);
    bool src_low = endpoint_compare(&seg->src, &seg->dst) <= 0;
    key->bytes[0] = seg->src.family;
    put_endpoint(key->bytes + 1, src_low ? &seg->src : &seg->dst);
    put_endpoint(key->bytes + 19, src_low ? &seg->dst : &seg->src);
}

/* 64-bit multiply-xorshift over whole words of a zero-padded key. */
static guint hash_words(const uint8_t *bytes, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w;
        memcpy(&w, bytes + i, 8);
        h ^= w;
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    return (guint)(h ^ (h >> 32));
}

static guint flow_key_hash(gconstpointer p)
{
    return hash_words(((const flow_key *)p)->bytes, FLOW_KEY_LEN);
}

/* One endpoint (family, address, port), zero-padded like flow_key. */
#define ENDPOINT_KEY_LEN 24
typedef struct endpoint_key {
    uint8_t bytes[ENDPOINT_KEY_LEN];
} endpoint_key;

static void make_endpoint_key(endpoint_key *key, const iiss_endpoint *ep)
{
    memset(key, 0, sizeof *key);
    key->bytes[0] = ep->family;
    put_endpoint(key->bytes + 1, ep);
}

static guint endpoint_key_hash(gconstpointer p)
{
    return hash_words(((const endpoint_key *)p)->bytes, ENDPOINT_KEY_LEN);
}

static gboolean endpoint_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, ENDPOINT_KEY_LEN) == 0;
}

static void learn_server(iiss_tcp_reassembler *ra, const iiss_endpoint *server)
{
    endpoint_key key;
    make_endpoint_key(&key, server);
    if (g_hash_table_size(ra->known_servers) >= MAX_KNOWN_SERVERS || g_hash_table_contains(ra->known_servers, &key))
        return;
    endpoint_key *stored = malloc(sizeof *stored);
    if (!stored) {
        ra->stats.alloc_failures++;
        return;
    }
    *stored = key;
    g_hash_table_add(ra->known_servers, stored);
}

static bool is_known_server(const iiss_tcp_reassembler *ra, const iiss_endpoint *ep)
{
    endpoint_key key;
    make_endpoint_key(&key, ep);
    return g_hash_table_contains(ra->known_servers, &key);
}

static gboolean flow_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, FLOW_KEY_LEN) == 0;
}

static void lru_unlink(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    flow_list *l = &ra->lists[f->state];
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    flow_list *l = &ra->lists[f->state];
    f->lru_prev = l->tail;
    f->lru_next = NULL;
    if (l->tail)
        l->tail->lru_next = f;
    else
        l->head = f;
    l->tail = f;
}

static void lru_touch(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    if (ra->lists[f->state].tail == f)
        return;
    lru_unlink(ra, f);
    lru_append(ra, f);
}

/* Moves a flow to the list of its new state. */
static void set_state(iiss_tcp_reassembler *ra, tcp_flow *f, flow_state state)
{
    if (f->state == state)
        return;
    lru_unlink(ra, f);
    f->state = state;
    lru_append(ra, f);
}

/* ---- delivery to the sink ---- */

static void emit_data(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, const uint8_t *data, size_t len,
                      const iiss_packet_meta *meta)
{
    if (len == 0)
        return;
    f->delivered_any = true;
    ra->stats.bytes_delivered += len;
    if (ra->sink.on_data)
        ra->sink.on_data(ra->sink.user, &f->stream, d, data, len, meta);
}

static void emit_gap(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, uint64_t missing,
                     const iiss_packet_meta *meta)
{
    if (missing == 0)
        return;
    f->delivered_any = true;
    ra->stats.gaps++;
    ra->stats.gap_bytes += missing;
    if (ra->sink.on_gap)
        ra->sink.on_gap(ra->sink.user, &f->stream, d, missing, meta);
}

/* Consecutive lost ranges are reported as one gap: the emitter holds the
 * missing count until bytes follow or the walk ends. Gaps carry the packet
 * that triggered the walk; data carries `data_meta`, set per range. */
typedef struct emitter {
    iiss_tcp_reassembler *ra;
    tcp_flow *flow;
    iiss_direction dir;
    const iiss_packet_meta *meta;
    const iiss_packet_meta *data_meta;
    uint64_t pending_gap;
} emitter;

static void emitter_data(emitter *em, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    emit_gap(em->ra, em->flow, em->dir, em->pending_gap, em->meta);
    em->pending_gap = 0;
    emit_data(em->ra, em->flow, em->dir, data, len, em->data_meta);
}

static void emitter_gap(emitter *em, uint64_t missing)
{
    em->pending_gap += missing;
}

static void emitter_done(emitter *em)
{
    emit_gap(em->ra, em->flow, em->dir, em->pending_gap, em->meta);
    em->pending_gap = 0;
}

/* What a held range costs: the range, its bytes, malloc's overhead. */
static uint64_t range_charge(uint32_t len, bool lost)
{
    return sizeof(ooo_range) + 16u + (lost ? 0 : len);
}

static void free_range(iiss_tcp_reassembler *ra, tcp_flow *f, flow_dir *fd, ooo_range *r)
{
    uint64_t charge = range_charge(r->len, r->lost);
    fd->buffered -= charge;
    fd->ranges--;
    ra->stats.buffered_bytes -= charge;
    iiss_memory_release(ra->memory, &f->memory, IISS_MEMORY_OUT_OF_ORDER, charge);
    free(r);
}

static void pop_head(iiss_tcp_reassembler *ra, tcp_flow *f, flow_dir *fd)
{
    ooo_range *r = fd->ooo;
    fd->ooo = r->next;
    if (!fd->ooo)
        fd->ooo_tail = NULL;
    free_range(ra, f, fd, r);
}

/* Counts bytes where a later copy differs from the buffered one. */
static void count_conflicts(iiss_tcp_reassembler *ra, const ooo_range *r, uint32_t seg_seq, const uint8_t *data,
                            uint32_t len)
{
    if (r->lost || !data)
        return;
    uint32_t lo = seq_lt(r->seq, seg_seq) ? seg_seq : r->seq;
    uint32_t r_end = r->seq + r->len, d_end = seg_seq + len;
    uint32_t hi = seq_lt(r_end, d_end) ? r_end : d_end;
    if (!seq_lt(lo, hi))
        return;
    uint32_t n = hi - lo;
    if (memcmp(r->data + (uint32_t)(lo - r->seq), data + (uint32_t)(lo - seg_seq), n) != 0)
        ra->stats.overlap_conflicts++;
}

/* Emits part of a range from `from` (inside it) to its end or `limit`,
 * whichever comes first; returns the sequence number reached. */
static uint32_t emit_range_part(emitter *em, uint32_t range_seq, const uint8_t *data, uint32_t data_len,
                                uint32_t lost_len, uint32_t from, uint32_t limit)
{
    uint32_t range_end = range_seq + data_len + lost_len;
    uint32_t end = seq_lt(limit, range_end) ? limit : range_end;
    uint32_t data_end = range_seq + data_len;
    if (seq_lt(from, data_end)) {
        uint32_t stop = seq_lt(end, data_end) ? end : data_end;
        emitter_data(em, data + (uint32_t)(from - range_seq), (uint32_t)(stop - from));
        from = stop;
    }
    if (seq_lt(from, end)) {
        emitter_gap(em, (uint32_t)(end - from));
        from = end;
    }
    return from;
}

/* Delivers from next_seq on: buffered ranges that start at or before the
 * cursor (received earlier, so they win), and the new segment (`data`,
 * `len` bytes, then `lost` bytes known lost, starting at next_seq) where no
 * buffered range covers it. With len == lost == 0 it just drains, after a
 * hole was given up.
 *
 * Which packet the bytes are attributed to: when a new segment fills a
 * hole, the held bytes after it became deliverable with that segment (as
 * tshark says "reassembled in"); when a hole is given up, nothing filled it,
 * and held bytes keep the packet that carried them, so a timeline built on
 * them is not shifted to whenever the hole was abandoned. */
static void advance(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, const uint8_t *data, uint32_t len,
                    uint32_t lost, const iiss_packet_meta *meta)
{
    flow_dir *fd = &f->dir[d];
    bool filling = (uint64_t)len + lost > 0;
    emitter em = {ra, f, d, meta, meta, 0};
    uint32_t new_seq = fd->next_seq;
    uint32_t new_end = new_seq + len + lost;
    uint32_t pos = fd->next_seq;
    bool overlapped = false;
    for (;;) {
        ooo_range *head = fd->ooo;
        if (head && seq_le(head->seq, pos)) {
            uint32_t head_end = head->seq + head->len;
            if (seq_lt(head->seq, new_end)) {
                /* The new segment covers bytes held from an earlier copy. */
                overlapped = true;
                count_conflicts(ra, head, new_seq, data, len);
            }
            if (seq_lt(pos, head_end)) {
                em.data_meta = filling ? meta : &head->meta;
                if (head->lost)
                    pos = emit_range_part(&em, head->seq, NULL, 0, head->len, pos, head_end);
                else
                    pos = emit_range_part(&em, head->seq, head->data, head->len, 0, pos, head_end);
            }
            pop_head(ra, f, fd);
            continue;
        }
        if (seq_lt(pos, new_end)) {
            uint32_t limit = new_end;
            if (head && seq_lt(head->seq, limit))
                limit = head->seq;
            em.data_meta = meta;
            pos = emit_range_part(&em, new_seq, data, len, lost, pos, limit);
            continue;
        }
        break;
    }
    fd->next_seq = pos;
    emitter_done(&em);
    if (overlapped)
        ra->stats.overlaps++;
}

/* Gives up the hole before the first buffered range: reports it missing
 * (`limit` names the bound that gave it up, NULL when the capture lost it)
 * and delivers what follows. */
static void give_up_first_hole(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, const iiss_packet_meta *meta,
                               const char *limit)
{
    flow_dir *fd = &f->dir[d];
    if (!fd->ooo)
        return;
    uint32_t hole_end = fd->ooo->seq;
    if (seq_lt(fd->next_seq, hole_end)) {
        const char *was = f->stream.limit; /* a flow ended early keeps its reason */
        if (limit)
            f->stream.limit = limit;
        emit_gap(ra, f, d, (uint32_t)(hole_end - fd->next_seq), meta);
        f->stream.limit = was;
        fd->next_seq = hole_end;
    }
    advance(ra, f, d, NULL, 0, 0, meta);
}

/* ---- buffering out-of-order ranges ---- */

/* False when the piece could not be held (the budget, or malloc). */
static bool insert_piece(iiss_tcp_reassembler *ra, tcp_flow *f, flow_dir *fd, ooo_range **link, uint32_t seq,
                         const uint8_t *data, uint32_t len, bool lost, const iiss_packet_meta *meta)
{
    if (len == 0)
        return true;
    uint64_t charge = range_charge(len, lost);
    if (!iiss_memory_charge(ra->memory, &f->memory, IISS_MEMORY_OUT_OF_ORDER, charge))
        return false;
    ooo_range *r = malloc(sizeof *r + (lost ? 0 : len));
    if (!r) {
        iiss_memory_release(ra->memory, &f->memory, IISS_MEMORY_OUT_OF_ORDER, charge);
        ra->stats.alloc_failures++;
        return false;
    }
    r->meta = *meta;
    r->seq = seq;
    r->len = len;
    r->lost = lost;
    if (!lost)
        memcpy(r->data, data, len);
    r->next = *link;
    *link = r;
    if (!r->next)
        fd->ooo_tail = r;
    fd->buffered += charge;
    fd->ranges++;
    ra->stats.buffered_bytes += charge;
    if (ra->stats.buffered_bytes > ra->stats.buffered_peak)
        ra->stats.buffered_peak = ra->stats.buffered_bytes;
    return true;
}

/* Inserts [seq, end) split at the data/lost boundary. */
static bool insert_span(iiss_tcp_reassembler *ra, tcp_flow *f, flow_dir *fd, ooo_range **link, uint32_t seq,
                        uint32_t end, uint32_t seg_seq, const uint8_t *data, uint32_t len,
                        const iiss_packet_meta *meta)
{
    uint32_t data_end = seg_seq + len;
    if (seq_lt(seq, data_end)) {
        uint32_t stop = seq_lt(end, data_end) ? end : data_end;
        if (!insert_piece(ra, f, fd, link, seq, data + (uint32_t)(seq - seg_seq), (uint32_t)(stop - seq), false,
                          meta))
            return false;
        link = &(*link)->next;
        seq = stop;
    }
    if (seq_lt(seq, end))
        return insert_piece(ra, f, fd, link, seq, NULL, (uint32_t)(end - seq), true, meta);
    return true;
}

/* Buffers the parts of [seq, seq + len + lost) no buffered range covers
 * (first copy wins). False when a part could not be held: it is lost, as
 * if not captured. */
static bool buffer_segment(iiss_tcp_reassembler *ra, tcp_flow *f, flow_dir *fd, uint32_t seq, const uint8_t *data,
                           uint32_t len, uint32_t lost, const iiss_packet_meta *meta)
{
    uint32_t end = seq + len + lost;
    ooo_range **link = &fd->ooo;
    if (fd->ooo_tail && seq_le(fd->ooo_tail->seq + fd->ooo_tail->len, seq))
        link = &fd->ooo_tail->next; /* beyond everything buffered */
    uint32_t pos = seq;
    bool overlapped = false, held = true;
    while (seq_lt(pos, end)) {
        ooo_range *r = *link;
        if (!r) {
            held = insert_span(ra, f, fd, link, pos, end, seq, data, len, meta);
            break;
        }
        uint32_t r_end = r->seq + r->len;
        if (seq_le(r_end, pos)) {
            link = &r->next;
            continue;
        }
        if (seq_lt(pos, r->seq)) {
            uint32_t stop = seq_lt(end, r->seq) ? end : r->seq;
            if (!insert_span(ra, f, fd, link, pos, stop, seq, data, len, meta)) {
                held = false;
                break;
            }
            /* Step past what was just inserted, up to r. */
            while (*link != r)
                link = &(*link)->next;
            pos = stop;
            continue;
        }
        /* r covers pos: the buffered copy stays. */
        overlapped = true;
        count_conflicts(ra, r, seq, data, len);
        pos = r_end;
        link = &r->next;
    }
    if (overlapped)
        ra->stats.overlaps++;
    return held;
}

/* ---- stream lifecycle ---- */

static iiss_direction direction_of(const tcp_flow *f, const iiss_tcp_segment *seg)
{
    const iiss_endpoint *c = &f->stream.client;
    bool from_client = c->port == seg->src.port && memcmp(c->addr, seg->src.addr, sizeof c->addr) == 0;
    return from_client ? IISS_DIR_CLIENT_TO_SERVER : IISS_DIR_SERVER_TO_CLIENT;
}

static void begin_stream(iiss_tcp_reassembler *ra, tcp_flow *f, const iiss_endpoint *client,
                         const iiss_endpoint *server)
{
    memset(&f->stream, 0, sizeof f->stream);
    memset(f->dir, 0, sizeof f->dir);
    f->stream.memory = &f->memory;
    f->stream.id = ra->next_stream_id++;
    f->stream.client = *client;
    f->stream.server = *server;
    set_state(ra, f, FLOW_OPEN);
    f->delivered_any = false;
    ra->stats.streams++;
}

/* Who is the client when no handshake says: an endpoint seen answering a
 * SYN earlier in the capture is the server; else a privileged port facing
 * an unprivileged one is; otherwise whoever sent first is the client. */
static bool src_is_client_without_handshake(const iiss_tcp_reassembler *ra, const iiss_tcp_segment *seg)
{
    bool src_server = is_known_server(ra, &seg->src), dst_server = is_known_server(ra, &seg->dst);
    if (src_server != dst_server)
        return dst_server;
    bool src_low = seg->src.port < 1024, dst_low = seg->dst.port < 1024;
    if (src_low != dst_low)
        return dst_low;
    return true;
}

static void flush_direction(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, const iiss_packet_meta *meta)
{
    while (f->dir[d].ooo)
        give_up_first_hole(ra, f, d, meta, NULL);
}

/* Delivers what is held (gaps for holes) and tells the sink the stream is
 * over. The flow lingers closed with its sequence numbers so late copies of
 * old segments are recognised. */
static void close_stream(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    if (f->state != FLOW_OPEN)
        return;
    flush_direction(ra, f, IISS_DIR_CLIENT_TO_SERVER, &f->last_meta);
    flush_direction(ra, f, IISS_DIR_SERVER_TO_CLIENT, &f->last_meta);
    set_state(ra, f, FLOW_CLOSED);
    if (f->delivered_any && ra->sink.on_close)
        ra->sink.on_close(ra->sink.user, &f->stream);
    f->stream.app = NULL;
    f->stream.limit = NULL;
}

static void retire_flow(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    close_stream(ra, f);
    if (ra->last_flow == f)
        ra->last_flow = NULL;
    lru_unlink(ra, f);
    g_hash_table_remove(ra->flows, &f->key);
    ra->stats.flows_now--;
    iiss_memory_release(ra->memory, &f->memory, IISS_MEMORY_FLOWS, FLOW_CHARGE);
    free(f);
}

/* Drops the out-of-order bytes of both directions unread, reported as one
 * gap per direction given up to the memory limit: delivering them would
 * only buffer them again further on. */
static void discard_out_of_order(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    for (int d = 0; d < 2; d++) {
        flow_dir *fd = &f->dir[d];
        if (!fd->ooo)
            continue;
        uint32_t end = fd->ooo_tail->seq + fd->ooo_tail->len;
        while (fd->ooo)
            pop_head(ra, f, fd);
        if (seq_lt(fd->next_seq, end)) {
            f->stream.limit = IISS_TCP_LIMIT_MEMORY;
            emit_gap(ra, f, (iiss_direction)d, (uint32_t)(end - fd->next_seq), &f->last_meta);
            f->stream.limit = NULL;
            fd->next_seq = end;
        }
    }
}

/* Retires an open flow before its time; `limit` names the bound, for the
 * calls it ends (which keep their stubs). */
static void end_flow_early(iiss_tcp_reassembler *ra, tcp_flow *f, const char *limit)
{
    discard_out_of_order(ra, f);
    f->stream.limit = limit;
    retire_flow(ra, f);
}

/* The memory budget takes what the flow holds but its state: the sink's
 * buffered data first (so the gap after finds no partial PDU to hand on),
 * then the out-of-order bytes. */
static void shed_flow(iiss_tcp_reassembler *ra, tcp_flow *f)
{
    if (f->delivered_any && ra->sink.on_shed)
        ra->sink.on_shed(ra->sink.user, &f->stream, &f->last_meta);
    discard_out_of_order(ra, f);
}

static tcp_flow *other_than(tcp_flow *f, const iiss_memory_owner *keep)
{
    if (f && &f->memory == keep)
        f = f->lru_next;
    return f;
}

/* How far down the open flows the budget looks for one that carries
 * nothing to keep: bounded, so a capture of many such flows costs little. */
#define END_SCAN_FLOWS 64

/* The open flow to end for room: among the least recently active, the
 * first without stream.keep_longer, else the least recently active. */
static tcp_flow *flow_to_end(iiss_tcp_reassembler *ra, const iiss_memory_owner *keep)
{
    tcp_flow *first = other_than(ra->lists[FLOW_OPEN].head, keep);
    tcp_flow *f = first;
    for (int n = 0; f && n < END_SCAN_FLOWS; n++, f = other_than(f->lru_next, keep))
        if (!f->stream.keep_longer)
            return f;
    return first;
}

/* The budget's reclaimer: one step of making room (tcp_reassembly.h). */
static bool reclaim_memory(void *user, const iiss_memory_owner *keep)
{
    iiss_tcp_reassembler *ra = user;
    if (ra->flushing)
        return false;
    tcp_flow *f = other_than(ra->lists[FLOW_CLOSED].head, keep);
    if (f) {
        retire_flow(ra, f);
        return true;
    }
    iiss_memory_owner *o = iiss_memory_oldest_buffered(ra->memory, ra, keep);
    if (o) {
        uint64_t before = o->buffered;
        iiss_memory_count_shed(ra->memory);
        shed_flow(ra, flow_of_owner(o));
        if (o->buffered < before)
            return true;
        /* Nothing it holds could be given up: end a flow instead, so the
         * budget is not stuck on it. */
    }
    f = flow_to_end(ra, keep);
    if (f) {
        iiss_memory_count_flow_ended(ra->memory);
        end_flow_early(ra, f, IISS_TCP_LIMIT_MEMORY);
        return true;
    }
    return false;
}

static void retire_idle(iiss_tcp_reassembler *ra, int64_t now_sec)
{
    int64_t open_limit = (int64_t)ra->opts.idle_timeout_sec;
    int64_t closed_limit = open_limit < CLOSED_LINGER_SEC ? open_limit : CLOSED_LINGER_SEC;
    flow_list *open = &ra->lists[FLOW_OPEN], *closed = &ra->lists[FLOW_CLOSED];
    while (open->head && open->head->last_meta.ts_sec + open_limit < now_sec) {
        ra->stats.flows_retired_idle++;
        retire_flow(ra, open->head);
    }
    /* Closed flows hold no stream: forgetting them is not worth counting. */
    while (closed->head && closed->head->last_meta.ts_sec + closed_limit < now_sec)
        retire_flow(ra, closed->head);
}

static tcp_flow *find_flow(iiss_tcp_reassembler *ra, const flow_key *key)
{
    if (ra->last_flow && memcmp(ra->last_flow->key.bytes, key->bytes, FLOW_KEY_LEN) == 0)
        return ra->last_flow;
    return g_hash_table_lookup(ra->flows, key);
}

static tcp_flow *create_flow(iiss_tcp_reassembler *ra, const flow_key *key)
{
    while (ra->stats.flows_now >= ra->opts.max_flows) {
        /* A lingering closed flow goes before any open one, and an open one
         * without something to keep before one with (flow_to_end). */
        tcp_flow *victim = ra->lists[FLOW_CLOSED].head ? ra->lists[FLOW_CLOSED].head : flow_to_end(ra, NULL);
        if (!victim)
            break;
        if (victim->state == FLOW_OPEN) {
            ra->stats.flows_evicted++;
            end_flow_early(ra, victim, IISS_TCP_LIMIT_FLOWS);
        } else {
            retire_flow(ra, victim);
        }
    }
    tcp_flow *f = calloc(1, sizeof *f);
    if (!f) {
        ra->stats.alloc_failures++;
        return NULL;
    }
    if (!iiss_memory_charge(ra->memory, &f->memory, IISS_MEMORY_FLOWS, FLOW_CHARGE)) {
        free(f);
        ra->stats.flows_refused++;
        return NULL;
    }
    f->key = *key;
    f->memory.holder = ra;
    f->state = FLOW_CLOSED;
    g_hash_table_insert(ra->flows, &f->key, f);
    lru_append(ra, f);
    ra->stats.flows_now++;
    if (ra->stats.flows_now > ra->stats.flows_peak)
        ra->stats.flows_peak = ra->stats.flows_now;
    return f;
}

/* ---- segments ---- */

static void note_syn(tcp_flow *f, iiss_direction d, uint32_t seq)
{
    flow_dir *fd = &f->dir[d];
    fd->syn_seen = true;
    fd->isn = seq;
    fd->started = true;
    fd->next_seq = seq + 1;
    f->stream.handshake_seen = true;
}

/* A SYN (without ACK) or SYN+ACK on a flow. Returns false when the segment
 * repeats a handshake already seen and needs nothing more. */
static bool handle_syn(iiss_tcp_reassembler *ra, tcp_flow *f, const iiss_tcp_segment *seg)
{
    bool syn_ack = (seg->flags & IISS_TCP_ACK) != 0;
    iiss_direction expected = syn_ack ? IISS_DIR_SERVER_TO_CLIENT : IISS_DIR_CLIENT_TO_SERVER;
    bool had_stream = f->stream.client.family != 0;
    if (had_stream) {
        iiss_direction d = direction_of(f, seg);
        const flow_dir *fd = &f->dir[d];
        if (d == expected && fd->syn_seen && fd->isn == seg->seq)
            return false; /* a retransmitted SYN or SYN+ACK */
        /* The other half of a handshake in progress joins the stream;
         * anything else is a new connection on the same ports. */
        bool joins = f->state == FLOW_OPEN && d == expected && !fd->syn_seen && !f->delivered_any;
        if (!joins) {
            close_stream(ra, f);
            ra->stats.port_reuses++;
        }
    }
    if (f->state != FLOW_OPEN) {
        if (syn_ack)
            begin_stream(ra, f, &seg->dst, &seg->src);
        else
            begin_stream(ra, f, &seg->src, &seg->dst);
    }
    iiss_direction d = direction_of(f, seg);
    note_syn(f, d, seg->seq);
    learn_server(ra, &f->stream.server);
    /* A SYN+ACK acknowledges the client's ISN + 1: where the client's bytes
     * start even when its SYN was not captured. */
    if (syn_ack && !f->dir[!d].started) {
        f->dir[!d].started = true;
        f->dir[!d].next_seq = seg->ack;
    }
    return true;
}

/* Stores the highest acknowledgement `d`'s peer has sent, then gives up
 * holes in `d` the peer has acknowledged past: those bytes reached the peer
 * but not the capture, and nobody will send them again. */
static void note_ack_and_give_up(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, const iiss_tcp_segment *seg,
                                 const iiss_packet_meta *meta)
{
    flow_dir *fd = &f->dir[d];
    if (!fd->started)
        return;
    if ((seg->flags & IISS_TCP_ACK) && !(seg->flags & IISS_TCP_RST)) {
        int64_t ahead = seq_offset(seg->ack, fd->next_seq);
        if (ahead <= (int64_t)SEQ_WINDOW && (!fd->peer_ack_valid || seq_lt(fd->peer_ack, seg->ack))) {
            fd->peer_ack = seg->ack;
            fd->peer_ack_valid = true;
        }
    }
    if (!fd->peer_ack_valid)
        return;
    while (fd->ooo && seq_lt(fd->ooo->seq, fd->peer_ack) && seq_lt(fd->next_seq, fd->ooo->seq)) {
        ra->stats.holes_acked++;
        give_up_first_hole(ra, f, d, meta, NULL);
    }
}

/* `refused`: the budget could not hold all of the last segment, so the
 * oldest hole goes, making room for what follows it. */
static void enforce_caps(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, bool refused,
                         const iiss_packet_meta *meta)
{
    flow_dir *fd = &f->dir[d];
    while (fd->ooo && (fd->buffered > ra->opts.max_buffered_per_direction || fd->ranges > MAX_RANGES_PER_DIRECTION)) {
        ra->stats.caps_per_direction++;
        give_up_first_hole(ra, f, d, meta, IISS_TCP_LIMIT_PER_DIRECTION);
    }
    if (refused) {
        ra->stats.caps_total++;
        if (fd->ooo)
            give_up_first_hole(ra, f, d, meta, IISS_TCP_LIMIT_MEMORY);
    }
}

/* Payload of one direction at `seq`: trimmed to what is new, then delivered
 * or buffered. */
static void add_payload(iiss_tcp_reassembler *ra, tcp_flow *f, iiss_direction d, uint32_t seq, const uint8_t *data,
                        uint32_t len, uint32_t lost, const iiss_packet_meta *meta)
{
    flow_dir *fd = &f->dir[d];
    if (!fd->started) {
        fd->started = true;
        fd->next_seq = seq;
    }
    int64_t offset = seq_offset(seq, fd->next_seq);
    if (offset > (int64_t)SEQ_WINDOW) {
        ra->stats.out_of_window++;
        return;
    }
    if (offset < 0) {
        uint64_t old = (uint64_t)(-offset);
        if (old >= (uint64_t)len + lost) {
            ra->stats.duplicates++;
            return;
        }
        ra->stats.overlaps++;
        /* Bytes before next_seq were delivered already: they win. */
        if (old <= len) {
            data += old;
            len -= (uint32_t)old;
        } else {
            lost -= (uint32_t)(old - len);
            len = 0;
        }
        seq = fd->next_seq;
        offset = 0;
    }
    if (offset == 0) {
        advance(ra, f, d, data, len, lost, meta);
        return;
    }
    ra->stats.out_of_order++;
    bool held = buffer_segment(ra, f, fd, seq, data, len, lost, meta);
    enforce_caps(ra, f, d, !held, meta);
}

static bool direction_complete(const flow_dir *fd)
{
    return fd->fin_seen && !fd->ooo && seq_le(fd->fin_seq, fd->next_seq);
}

/* A segment for a flow whose stream ended: a late copy of old data, or the
 * first data of a new connection whose handshake was not captured. */
static bool closed_flow_restarts(const tcp_flow *f, const iiss_tcp_segment *seg)
{
    if (seg->payload_len + seg->payload_missing == 0 || (seg->flags & IISS_TCP_RST))
        return false;
    if (f->stream.client.family == 0)
        return true; /* never had a stream */
    const flow_dir *fd = &f->dir[direction_of(f, seg)];
    if (!fd->started)
        return true;
    uint32_t end = seg->seq + seg->payload_len + seg->payload_missing;
    int64_t behind = seq_offset(fd->next_seq, end);
    return !(behind >= 0 && behind <= (int64_t)SEQ_WINDOW);
}

void iiss_tcp_reassembler_add(iiss_tcp_reassembler *ra, const iiss_tcp_segment *seg, const iiss_packet_meta *meta)
{
    ra->stats.segments++;
    if (seg->payload_len + (uint64_t)seg->payload_missing > 0)
        ra->stats.payload_segments++;
    retire_idle(ra, meta->ts_sec);

    flow_key key;
    make_key(&key, seg);
    tcp_flow *f = find_flow(ra, &key);
    bool syn = (seg->flags & IISS_TCP_SYN) != 0;
    bool has_payload = seg->payload_len + (uint64_t)seg->payload_missing > 0;
    if (!f) {
        /* Pure ACKs, FINs and RSTs of unknown flows carry nothing to keep. */
        if (!syn && !has_payload)
            return;
        f = create_flow(ra, &key);
        if (!f)
            return;
    }
    ra->last_flow = f;
    f->last_meta = *meta;
    lru_touch(ra, f);
    iiss_memory_touch(ra->memory, &f->memory);

    uint32_t data_seq = seg->seq;
    if (syn) {
        if (seg->flags & IISS_TCP_RST)
            return; /* nonsense combination */
        if (!handle_syn(ra, f, seg))
            return;
        data_seq++; /* the SYN takes one sequence number */
    } else if (f->state == FLOW_CLOSED) {
        if (!closed_flow_restarts(f, seg))
            return;
        if (f->stream.client.family == 0) {
            bool src_client = src_is_client_without_handshake(ra, seg);
            begin_stream(ra, f, src_client ? &seg->src : &seg->dst, src_client ? &seg->dst : &seg->src);
        } else {
            /* Same ports again: keep the roles the last stream had. */
            iiss_endpoint client = f->stream.client, server = f->stream.server;
            begin_stream(ra, f, &client, &server);
        }
        ra->stats.streams_midstream++;
    }

    iiss_direction d = direction_of(f, seg);
    if (has_payload && !(seg->flags & IISS_TCP_RST))
        add_payload(ra, f, d, data_seq, seg->payload, seg->payload_len, seg->payload_missing, meta);
    if (f->state != FLOW_OPEN)
        return;
    /* This segment's ACK speaks for the other direction. */
    note_ack_and_give_up(ra, f, (iiss_direction)!d, seg, meta);
    if (seg->flags & IISS_TCP_RST) {
        close_stream(ra, f);
        return;
    }
    if (seg->flags & IISS_TCP_FIN) {
        flow_dir *fd = &f->dir[d];
        uint32_t fin_seq = data_seq + seg->payload_len + seg->payload_missing;
        if (!fd->started) {
            fd->started = true;
            fd->next_seq = fin_seq;
        }
        fd->fin_seen = true;
        fd->fin_seq = fin_seq;
    }
    if (direction_complete(&f->dir[0]) && direction_complete(&f->dir[1]))
        close_stream(ra, f);
}

/* ---- whole reassembler ---- */

iiss_tcp_reassembler *iiss_tcp_reassembler_new(const iiss_tcp_config *opts, const iiss_stream_sink *sink)
{
    iiss_tcp_reassembler *ra = calloc(1, sizeof *ra);
    if (!ra)
        return NULL;
    iiss_tcp_config_default(&ra->opts);
    if (opts) {
        if (opts->max_buffered_per_direction)
            ra->opts.max_buffered_per_direction = opts->max_buffered_per_direction;
        ra->opts.memory = opts->memory;
        if (opts->idle_timeout_sec)
            ra->opts.idle_timeout_sec = opts->idle_timeout_sec;
        if (opts->max_flows)
            ra->opts.max_flows = opts->max_flows;
    }
    if (sink)
        ra->sink = *sink;
    ra->memory = ra->opts.memory;
    if (!ra->memory) {
        ra->own_memory = iiss_memory_budget_new(NULL);
        if (!ra->own_memory) {
            free(ra);
            return NULL;
        }
        ra->memory = ra->own_memory;
    }
    iiss_memory_add_reclaimer(ra->memory, reclaim_memory, ra);
    ra->flows = g_hash_table_new(flow_key_hash, flow_key_equal);
    ra->known_servers = g_hash_table_new_full(endpoint_key_hash, endpoint_key_equal, free, NULL);
    return ra;
}

iiss_memory_budget *iiss_tcp_reassembler_memory(iiss_tcp_reassembler *ra)
{
    return ra->memory;
}

static int compare_stream_id(const void *a, const void *b)
{
    const tcp_flow *fa = *(tcp_flow *const *)a, *fb = *(tcp_flow *const *)b;
    return fa->stream.id < fb->stream.id ? -1 : fa->stream.id > fb->stream.id;
}

void iiss_tcp_reassembler_flush(iiss_tcp_reassembler *ra)
{
    if (!ra)
        return;
    /* The flows are closed in an order fixed below: the budget must not
     * retire one of them meanwhile. */
    ra->flushing = true;
    size_t n = (size_t)ra->stats.flows_now;
    tcp_flow **order = n ? malloc(n * sizeof *order) : NULL;
    if (n && !order)
        ra->stats.alloc_failures++; /* the streams still close, in list order */
    if (order) {
        /* Close in stream order so the sink's output does not depend on
         * hash or activity order. */
        size_t i = 0;
        for (int l = 0; l < 2; l++)
            for (tcp_flow *f = ra->lists[l].head; f && i < n; f = f->lru_next)
                order[i++] = f;
        qsort(order, i, sizeof *order, compare_stream_id);
        for (size_t k = 0; k < i; k++)
            retire_flow(ra, order[k]);
        free(order);
    }
    for (int l = 0; l < 2; l++)
        while (ra->lists[l].head)
            retire_flow(ra, ra->lists[l].head);
    ra->flushing = false;
}

void iiss_tcp_reassembler_get_stats(const iiss_tcp_reassembler *ra, iiss_tcp_stats *out)
{
    *out = ra->stats;
}

void iiss_tcp_reassembler_free(iiss_tcp_reassembler *ra)
{
    if (!ra)
        return;
    iiss_tcp_reassembler_flush(ra);
    iiss_memory_remove_reclaimer(ra->memory, ra);
    g_hash_table_destroy(ra->flows);
    g_hash_table_destroy(ra->known_servers);
    iiss_memory_budget_free(ra->own_memory);
    free(ra);
}
