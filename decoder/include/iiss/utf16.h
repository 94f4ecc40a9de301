/* The one lenient UTF-16 → UTF-8 converter of the project (wire strings:
 * STATUS_BLOB service names, NTLMSSP names, DCOM activation strings, which
 * follow the call's byte order). */
#ifndef IISS_UTF16_H
#define IISS_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a conversion met; any pointer to it may be NULL. */
typedef struct iiss_utf16_outcome {
    bool whole;         /* every code unit up to the NUL (or the end) was written */
    unsigned bad;       /* code units replaced by U+FFFD */
    size_t first_bad;   /* byte position of the first, when bad > 0 */
} iiss_utf16_outcome;

/* Converts the code units in bytes[0, len) (an odd last byte is ignored;
 * big_endian: the order of each unit's two bytes),
 * stopping before the first NUL unit. A lone surrogate becomes U+FFFD. At
 * most cap - 1 bytes are written, then a NUL; the conversion stops at the
 * first character that does not fit whole, so the output is always valid
 * UTF-8 (3 bytes per code unit + 1 always suffice; 1 per unit + 1 for
 * ASCII). Returns the bytes written, without the NUL. cap 0 writes
 * nothing. */
size_t iiss_utf16_to_utf8(const uint8_t *bytes, size_t len, bool big_endian, char *out, size_t cap,
                          iiss_utf16_outcome *outcome);

/* The little-endian case, the usual one on the wire. */
static inline size_t iiss_utf16le_to_utf8(const uint8_t *bytes, size_t len, char *out, size_t cap,
                                          iiss_utf16_outcome *outcome)
{
    return iiss_utf16_to_utf8(bytes, len, false, out, cap, outcome);
}

#endif
