/* Lenient UTF-16 → UTF-8; see iiss/utf16.h. */
#include "iiss/utf16.h"

#include <glib.h>
#include <string.h>

#include "iiss/reader.h"

size_t iiss_utf16_to_utf8(const uint8_t *bytes, size_t len, bool big_endian, char *out, size_t cap,
                          iiss_utf16_outcome *outcome)
{
    iiss_utf16_outcome local;
    iiss_utf16_outcome *o = outcome ? outcome : &local;
    o->whole = false;
    o->bad = 0;
    o->first_bad = 0;
    if (cap == 0)
        return 0;
    size_t used = 0;
    size_t at = 0;
    uint16_t unit = 0;
    while (iiss_peek_u16(bytes, len, at, big_endian, &unit) && unit != 0) {
        if (unit < 0x80) {
            /* ASCII, the usual text: a byte per unit, no encoding step */
            if (used + 1 >= cap)
                break;
            out[used++] = (char)unit;
            at += 2;
            continue;
        }
        uint32_t cp = unit;
        size_t units = 1;
        uint16_t low = 0;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (iiss_peek_u16(bytes, len, at + 2, big_endian, &low) && low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000u + (((uint32_t)unit - 0xD800u) << 10) + ((uint32_t)low - 0xDC00u);
                units = 2;
            } else {
                cp = 0xFFFD; /* the next unit stands on its own */
            }
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char tmp[6];
        size_t n = (size_t)g_unichar_to_utf8(cp, tmp);
        if (used + n >= cap)
            break;
        if (cp == 0xFFFD && unit != 0xFFFD) {
            if (o->bad == 0)
                o->first_bad = at;
            o->bad++;
        }
        memcpy(out + used, tmp, n);
        used += n;
        at += 2 * units;
    }
    /* stopped at the NUL or the end, not for room */
    o->whole = !iiss_peek_u16(bytes, len, at, big_endian, &unit) || unit == 0;
    out[used] = '\0';
    return used;
}
