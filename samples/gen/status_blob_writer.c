#include "status_blob_writer.h"

#include <string.h>

static size_t utf16_size(const char *ascii)
{
    return 2u * (strlen(ascii) + 1u);
}

size_t blob_size(const blob_service *services, size_t n)
{
    size_t total = n * BLOB_RECORD_SIZE;
    for (size_t i = 0; i < n; i++)
        total += utf16_size(services[i].name) + utf16_size(services[i].display_name);
    return total;
}

size_t blob_write(bytebuf *out, blob_service *services, size_t n, bool byte_offsets)
{
    /* The blob is little-endian even inside a big-endian stub. */
    bool saved_order = out->big_endian;
    out->big_endian = false;
    size_t start = out->len;
    size_t unit = byte_offsets ? 1u : 2u;
    size_t at = n * BLOB_RECORD_SIZE;
    for (size_t i = 0; i < n; i++) {
        services[i].name_offset = (uint32_t)(at / unit);
        at += utf16_size(services[i].name);
        services[i].display_name_offset = (uint32_t)(at / unit);
        at += utf16_size(services[i].display_name);
    }
    for (size_t i = 0; i < n; i++) {
        const blob_service *s = &services[i];
        bb_put_u32(out, s->name_offset);
        bb_put_u32(out, s->display_name_offset);
        bb_put_u32(out, s->service_type);
        bb_put_u32(out, s->current_state);
        bb_put_u32(out, s->controls_accepted);
        bb_put_u32(out, s->win32_exit_code);
        bb_put_u32(out, s->service_specific_exit_code);
        bb_put_u32(out, s->check_point);
        bb_put_u32(out, s->wait_hint);
    }
    for (size_t i = 0; i < n; i++) {
        bb_put_utf16le_z(out, services[i].name);
        bb_put_utf16le_z(out, services[i].display_name);
    }
    out->big_endian = saved_order;
    return out->len - start;
}
