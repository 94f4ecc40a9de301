/* The one lenient UTF-16LE → UTF-8 converter of the project (wire strings:
 * STATUS_BLOB service names, NTLMSSP names). */
#ifndef IISS_UTF16_H
#define IISS_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* Converts the code units in bytes[0, len) (an odd last byte is ignored),
 * stopping before the first NUL unit. A lone surrogate becomes U+FFFD. At
 * most cap - 1 bytes are written, then a NUL; the conversion stops at the
 * first character that does not fit whole, so the output is always valid
 * UTF-8 (3 bytes per code unit + 1 always suffice). Returns the bytes
 * written, without the NUL. *bad (may be NULL) gets the number of
 * replacements, *first_bad the byte position of the first. cap 0 writes
 * nothing. */
size_t iiss_utf16le_to_utf8(const uint8_t *bytes, size_t len, char *out, size_t cap, unsigned *bad,
                            size_t *first_bad);

#endif
