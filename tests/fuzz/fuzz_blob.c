/* libFuzzer target over the STATUS_BLOB decoder. The first byte chooses
 * whether the next 4 bytes are pdwNumServices (odd) or the blob starts right
 * after it (even), so both the given-count and the inferred-count paths are
 * explored. The checks below are the decoder's promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iiss/reader.h"
#include "iiss/status_blob.h"

static void check_string(const iiss_blob_string *s, size_t len)
{
    if (!s->present)
        return;
    /* Spans stay inside the buffer. */
    if ((size_t)s->offset + s->length > len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    iiss_reader rd;
    iiss_rd_init(&rd, data, size, false);
    bool with_count = (iiss_rd_u8(&rd) & 1) != 0;
    uint32_t count = 0;
    if (with_count) {
        count = iiss_rd_u32le(&rd);
        if (!rd.ok)
            return 0;
    }
    size_t len = iiss_rd_remaining(&rd);
    const uint8_t *blob_bytes = iiss_rd_take(&rd, len);

    iiss_status_blob blob;
    if (iiss_status_blob_decode(blob_bytes, len, with_count ? &count : NULL, &blob)) {
        if (blob.service_count > len / IISS_RECORD_SIZE)
            abort();
        if (blob.records_end > blob.strings_end || blob.strings_end > len ||
            (size_t)blob.strings_end + blob.unused_tail != len)
            abort();
        if (blob.anomalies.count > IISS_ANOMALY_LIST_MAX)
            abort();
        for (size_t i = 0; i < blob.service_count; i++) {
            check_string(&blob.services[i].name, len);
            check_string(&blob.services[i].display_name, len);
        }
    }
    iiss_status_blob_free(&blob);
    return 0;
}
