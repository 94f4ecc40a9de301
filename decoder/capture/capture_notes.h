/* What the capture stages notice about a call (lost bytes, cut or capped
 * PDUs, an answer given up on, a signature that fails, sealed data nobody
 * can open). These are facts about the transport and the authentication,
 * not about the method's bytes: the decoder library's anomaly kinds
 * (iiss/anomaly.h) cover those. Names are a stable contract (JSON "kind"). */
#ifndef IISS_CAPTURE_NOTES_H
#define IISS_CAPTURE_NOTES_H

#include <stdarg.h>
#include <stdint.h>

typedef enum iiss_note_kind {
    IISS_NOTE_TCP_GAP = 0,           /* "tcp_gap": bytes of the connection were lost around this call */
    IISS_NOTE_STUB_TOO_LARGE,        /* "stub_too_large": reassembly stopped at the cap */
    IISS_NOTE_FRAGMENTS_INCOMPLETE,  /* "fragments_incomplete": a fragment never came, the stub has a hole */
    IISS_NOTE_PDU_MALFORMED,         /* "pdu_malformed": a PDU of the call had inconsistent lengths */
    IISS_NOTE_RESPONSE_NOT_AWAITED,  /* "response_not_awaited": gave up waiting (cap or timeout) */
    IISS_NOTE_PDU_TRUNCATED,         /* "pdu_truncated": a PDU of the call was cut short by the capture */
    IISS_NOTE_SIGNATURE_INVALID,     /* "signature_invalid": a PDU's verifier (or a mechListMIC) does not verify */
    IISS_NOTE_NOT_DECRYPTED,         /* "not_decrypted": credentials were given but none fits this connection */
    IISS_NOTE_LIMIT_REACHED,         /* "limit_reached": a memory or connection limit of the reader dropped part of the call */
    IISS_NOTE_KIND_COUNT
} iiss_note_kind;

/* "tcp_gap", ...; NULL for an out-of-range kind. */
const char *iiss_note_kind_name(iiss_note_kind kind);

/* One note: what, where (the frame it was noticed in; 0 when the stage
 * that records it fills the frame in), and a message for the reader. */
#define IISS_NOTE_MESSAGE_MAX 160 /* room for a principal and an enctype */
typedef struct iiss_note {
    iiss_note_kind kind;
    uint64_t frame;
    char message[IISS_NOTE_MESSAGE_MAX];
} iiss_note;

void iiss_note_set(iiss_note *note, iiss_note_kind kind, uint64_t frame, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void iiss_note_vset(iiss_note *note, iiss_note_kind kind, uint64_t frame, const char *fmt, va_list ap);

#endif
