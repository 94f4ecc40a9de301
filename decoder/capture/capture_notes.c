/* Names of the capture stages' note kinds. */
#include "capture_notes.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static const char *const note_names[IISS_NOTE_KIND_COUNT] = {
    [IISS_NOTE_TCP_GAP] = "tcp_gap",
    [IISS_NOTE_STUB_TOO_LARGE] = "stub_too_large",
    [IISS_NOTE_FRAGMENTS_INCOMPLETE] = "fragments_incomplete",
    [IISS_NOTE_PDU_MALFORMED] = "pdu_malformed",
    [IISS_NOTE_RESPONSE_NOT_AWAITED] = "response_not_awaited",
    [IISS_NOTE_PDU_TRUNCATED] = "pdu_truncated",
    [IISS_NOTE_SIGNATURE_INVALID] = "signature_invalid",
    [IISS_NOTE_NOT_DECRYPTED] = "not_decrypted",
    [IISS_NOTE_LIMIT_REACHED] = "limit_reached",
};

const char *iiss_note_kind_name(iiss_note_kind kind)
{
    if ((unsigned)kind >= IISS_NOTE_KIND_COUNT)
        return NULL;
    return note_names[kind];
}

void iiss_note_set(iiss_note *note, iiss_note_kind kind, uint64_t frame, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    iiss_note_vset(note, kind, frame, fmt, ap);
    va_end(ap);
}

void iiss_note_vset(iiss_note *note, iiss_note_kind kind, uint64_t frame, const char *fmt, va_list ap)
{
    note->kind = kind;
    note->frame = frame;
    vsnprintf(note->message, sizeof note->message, fmt, ap);
}
