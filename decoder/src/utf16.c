/* Lenient UTF-16LE → UTF-8; see iiss/utf16.h. */
#include "iiss/utf16.h"

#include <glib.h>

#include "iiss/reader.h"

size_t iiss_utf16le_to_utf8(const uint8_t *bytes, size_t len, char *out, size_t cap, unsigned *bad,
                            size_t *first_bad)
{
    unsigned replaced = 0;
    size_t used = 0;
    if (cap == 0)
        goto done;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, len, false);
    while (iiss_rd_has(&rd, 2)) {
        size_t at = rd.pos;
        uint32_t unit = iiss_rd_u16le(&rd);
        if (unit == 0)
            break;
        uint32_t cp = unit;
        if (unit < 0x80) {
            /* ASCII, the usual text: no encoding step */
            if (used + 1 >= cap)
                break;
            out[used++] = (char)unit;
            continue;
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            size_t save = rd.pos;
            uint32_t low = iiss_rd_has(&rd, 2) ? iiss_rd_u16le(&rd) : 0;
            if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            } else {
                cp = 0xFFFD;
                iiss_rd_seek(&rd, save); /* the next unit stands on its own */
            }
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char tmp[6];
        size_t n = (size_t)g_unichar_to_utf8(cp, tmp);
        if (used + n >= cap)
            break;
        if (cp == 0xFFFD && unit != 0xFFFD) {
            if (replaced == 0 && first_bad)
                *first_bad = at;
            replaced++;
        }
        for (size_t i = 0; i < n; i++)
            out[used++] = (char)tmp[i];
    }
    out[used] = '\0';
done:
    if (bad)
        *bad = replaced;
    return used;
}
