/* pcapng block reader (draft-ietf-opsawg-pcapng): every interface with its
 * own link type, timestamp resolution and offset, several sections in
 * either byte order, Enhanced, Simple and obsolete Packet blocks.
 *
 * Why our own reader and not Wireshark's wiretap: libpcap 1.10 refuses a
 * file whose interfaces differ in link type, and wiretap would tie iissdump
 * to libwireshark's runtime (wtap_init, its plugin and encapsulation tables)
 * and to an API that changes between 4.0, 4.2 and 4.4, where the plugin
 * only needs it optionally. The format is small; this reader reads each
 * block through the bounds-checked iiss_reader and bounds every length.
 *
 * Frames are numbered as tshark 4.0 numbers them: besides packet blocks,
 * a systemd Journal Export block and a Custom block are frames too (they
 * come back here as records without a packet); Name Resolution, Interface
 * Statistics, Decryption Secrets and unknown blocks are skipped. */
#ifndef IISS_PCAPNG_READER_H
#define IISS_PCAPNG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_input.h"

/* The largest block accepted, as libpcap's own reader bounds them; a block
 * claiming more is reported, not allocated. */
#define IISS_PCAPNG_MAX_BLOCK (16u * 1024u * 1024u)
/* Interfaces one section may declare (real captures have a handful). */
#define IISS_PCAPNG_MAX_INTERFACES 65536u

#define IISS_PCAPNG_MAGIC 0x0A0D0D0Au

typedef struct iiss_pcapng_interface {
    uint16_t linktype; /* LINKTYPE_ value from the IDB */
    uint32_t snaplen;  /* 0: no limit */
    uint64_t units_per_second; /* from if_tsresol (default 10^6) */
    int64_t ts_offset;         /* if_tsoffset, seconds added to every timestamp */
} iiss_pcapng_interface;

typedef enum iiss_pcapng_status {
    IISS_PCAPNG_RECORD = 0, /* *out holds the next frame */
    IISS_PCAPNG_END,        /* clean end */
    IISS_PCAPNG_TRUNCATED,  /* the input stops inside a block */
    IISS_PCAPNG_BAD,        /* a block breaks the format, or the input failed */
} iiss_pcapng_status;

typedef struct iiss_pcapng_record {
    /* False for a frame that carries no link-layer packet (journal entry,
     * custom block): counted, not decoded. */
    bool is_packet;
    uint16_t linktype;  /* of the packet's interface */
    uint32_t interface; /* index within its section */
    bool has_ts;        /* false for a Simple Packet Block */
    int64_t ts_sec;     /* UTC, with if_tsoffset applied */
    uint32_t ts_nsec;
    uint32_t caplen;
    uint32_t wirelen;
    const uint8_t *data; /* valid until the next call */
} iiss_pcapng_record;

typedef struct iiss_pcapng_reader iiss_pcapng_reader;

/* Reads from `in`, which must start with a Section Header Block; `in` stays
 * the caller's. NULL when out of memory. */
iiss_pcapng_reader *iiss_pcapng_reader_new(iiss_capture_input *in);

/* The next frame. After TRUNCATED or BAD, iiss_pcapng_reader_error() says
 * why (without a record number) and further calls repeat the status. */
iiss_pcapng_status iiss_pcapng_reader_next(iiss_pcapng_reader *r, iiss_pcapng_record *out);

const char *iiss_pcapng_reader_error(const iiss_pcapng_reader *r);

/* Interfaces of the current section, in declaration order. */
size_t iiss_pcapng_reader_interface_count(const iiss_pcapng_reader *r);
const iiss_pcapng_interface *iiss_pcapng_reader_interface(const iiss_pcapng_reader *r, size_t index);

/* Converts a timestamp in `units_per_second` units to seconds and
 * nanoseconds (rounded down), adding `offset_sec`; saturates instead of
 * overflowing. Exposed for the tests. */
void iiss_pcapng_timestamp(uint64_t units, uint64_t units_per_second, int64_t offset_sec, int64_t *sec,
                           uint32_t *nsec);

void iiss_pcapng_reader_free(iiss_pcapng_reader *r);

#endif
