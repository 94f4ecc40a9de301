/* malformed, malformed-snaplen, status-blob: Status replies whose blobs
 * carry each anomaly a decoder must report, broken stubs, ORPCTHAT
 * extensions, a capture cut by its snaplen, and a raw STATUS_BLOB file. */
#include <stdio.h>
#include <string.h>

#include "json_writer.h"
#include "scenario_common.h"
#include "scenarios.h"
#include "services.h"

#define SERVER_US 6400u
#define THINK_US 2100u

/* IISADMIN and W3SVC running: records 0..72, strings at 72, 90, 126, 138,
 * blob 206 bytes. The anomaly cases start from this and break one thing. */
static size_t two_services(blob_service out[2])
{
    blob_service all[SESSION_MAX_SERVICES];
    services_iis_started(all, SESSION_MAX_SERVICES);
    out[0] = all[0];
    out[1] = all[1];
    return 2;
}

static void put_le32_at(bytebuf *b, size_t at, uint32_t v)
{
    bool saved = b->big_endian;
    b->big_endian = false;
    bb_patch_u32(b, at, v);
    b->big_endian = saved;
}

/* Status(request_size) answered with `buffer` under conformance
 * `conformance`; the expectation gets the result fields, the caller adds
 * services and anomalies. */
static call_expect *status_reply(session *s, uint32_t request_size, uint64_t conformance, const bytebuf *buffer,
                                 uint32_t required, uint32_t num_services, uint32_t hresult)
{
    call_expect *c = session_begin_call(s, IISS_OPNUM_STATUS);
    session_write_request(s, c, &request_size, 1);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, SERVER_US);
    session_write_status_response(s, c, conformance, buffer->data, buffer->len, required, num_services, hresult);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, THINK_US);
    return c;
}

/* A Status reply with this blob as the whole buffer (S_OK). */
static call_expect *blob_reply(session *s, const bytebuf *blob, uint32_t num_services)
{
    return status_reply(s, (uint32_t)blob->len, blob->len, blob, (uint32_t)blob->len, num_services, HR_S_OK);
}

static void blob_anomaly_calls(session *s)
{
    blob_service svc[2], want[2];
    bytebuf blob;
    bb_init(&blob);
    call_expect *c;

    /* buffer_too_short: one record announced, 20 bytes sent. */
    two_services(svc);
    blob_write(&blob, svc, 2, false);
    blob.len = 20;
    c = blob_reply(s, &blob, 1);
    session_expect_services(c, NULL, 0);
    session_expect_anomaly(c, "buffer_too_short");

    /* count_mismatch: two records and four strings, pdwNumServices 1. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    c = blob_reply(s, &blob, 1);
    session_expect_services(c, svc, 1);
    session_expect_anomaly(c, "count_mismatch");

    /* string_out_of_bounds: W3SVC's display name at WCHAR 2048. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    put_le32_at(&blob, blob_record_field(1, BLOB_REC_DISPLAY_NAME), 2048);
    c = blob_reply(s, &blob, 2);
    memcpy(want, svc, sizeof want);
    want[1].display_name = NULL;
    want[1].display_name_offset = 2048;
    session_expect_services(c, want, 2);
    session_expect_anomaly(c, "string_out_of_bounds");

    /* string_in_records: W3SVC's display name at WCHAR 4, inside record 0. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    put_le32_at(&blob, blob_record_field(1, BLOB_REC_DISPLAY_NAME), 4);
    c = blob_reply(s, &blob, 2);
    memcpy(want, svc, sizeof want);
    want[1].display_name = NULL;
    want[1].display_name_offset = 4;
    session_expect_services(c, want, 2);
    session_expect_anomaly(c, "string_in_records");

    /* string_unterminated: the buffer ends before the last string's NUL. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    blob.len -= 2;
    c = blob_reply(s, &blob, 2);
    session_expect_services(c, svc, 2);
    session_expect_anomaly(c, "string_unterminated");

    /* invalid_utf16: a lone high surrogate replaces the 'P' of "Publishing". */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    const uint8_t lone_surrogate[2] = {0x00, 0xD8};
    bb_patch_bytes(&blob, 2u * svc[1].display_name_offset + 2u * strlen("World Wide Web "), lone_surrogate, 2);
    c = blob_reply(s, &blob, 2);
    memcpy(want, svc, sizeof want);
    want[1].display_name = "World Wide Web \xEF\xBF\xBDublishing Service";
    session_expect_services(c, want, 2);
    session_expect_anomaly(c, "invalid_utf16");

    /* string_overlap: W3SVC's display name starts inside its name ("SVC"). */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    put_le32_at(&blob, blob_record_field(1, BLOB_REC_DISPLAY_NAME), svc[1].name_offset + 2);
    c = blob_reply(s, &blob, 2);
    memcpy(want, svc, sizeof want);
    want[1].display_name = "SVC";
    want[1].display_name_offset = svc[1].name_offset + 2;
    session_expect_services(c, want, 2);
    session_expect_anomaly(c, "string_overlap");

    /* string_shared: W3SVC's display name is IISADMIN's. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    put_le32_at(&blob, blob_record_field(1, BLOB_REC_DISPLAY_NAME), svc[0].display_name_offset);
    c = blob_reply(s, &blob, 2);
    memcpy(want, svc, sizeof want);
    want[1].display_name = svc[0].display_name;
    want[1].display_name_offset = svc[0].display_name_offset;
    session_expect_services(c, want, 2);
    session_expect_anomaly(c, "string_shared");

    /* unreferenced_gap: 16 bytes nobody points at between records and strings. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    {
        bytebuf gapped;
        bb_init(&gapped);
        bb_put_bytes(&gapped, blob.data, 2 * BLOB_RECORD_SIZE);
        bb_put_fill(&gapped, 0xCC, 16);
        bb_put_bytes(&gapped, blob.data + 2 * BLOB_RECORD_SIZE, blob.len - 2 * BLOB_RECORD_SIZE);
        memcpy(want, svc, sizeof want);
        for (size_t i = 0; i < 2; i++) {
            want[i].name_offset += 8;
            want[i].display_name_offset += 8;
            put_le32_at(&gapped, blob_record_field(i, BLOB_REC_NAME), want[i].name_offset);
            put_le32_at(&gapped, blob_record_field(i, BLOB_REC_DISPLAY_NAME), want[i].display_name_offset);
        }
        c = blob_reply(s, &gapped, 2);
        session_expect_services(c, want, 2);
        session_expect_anomaly(c, "unreferenced_gap");
        bb_free(&gapped);
    }

    /* odd_length: one zero byte after the blob, dwBufferSize odd. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    bb_put_u8(&blob, 0);
    c = blob_reply(s, &blob, 2);
    session_expect_services(c, svc, 2);
    session_expect_anomaly(c, "odd_length");

    /* byte_offsets: offsets in bytes, as the 4.1 example reads them. */
    bb_clear(&blob);
    blob_service by_bytes[2];
    two_services(by_bytes);
    blob_write(&blob, by_bytes, 2, true);
    c = blob_reply(s, &blob, 2);
    session_expect_services(c, by_bytes, 2);
    session_expect_anomaly(c, "byte_offsets");

    /* string_misaligned: byte offsets, strings after a 1-byte gap (odd). */
    bb_clear(&blob);
    blob_write(&blob, by_bytes, 2, true);
    {
        bytebuf odd;
        bb_init(&odd);
        bb_put_bytes(&odd, blob.data, 2 * BLOB_RECORD_SIZE);
        bb_put_u8(&odd, 0);
        bb_put_bytes(&odd, blob.data + 2 * BLOB_RECORD_SIZE, blob.len - 2 * BLOB_RECORD_SIZE);
        memcpy(want, by_bytes, sizeof want);
        for (size_t i = 0; i < 2; i++) {
            want[i].name_offset += 1;
            want[i].display_name_offset += 1;
            put_le32_at(&odd, blob_record_field(i, BLOB_REC_NAME), want[i].name_offset);
            put_le32_at(&odd, blob_record_field(i, BLOB_REC_DISPLAY_NAME), want[i].display_name_offset);
        }
        c = blob_reply(s, &odd, 2);
        session_expect_services(c, want, 2);
        session_expect_anomaly(c, "byte_offsets");
        session_expect_anomaly(c, "string_misaligned");
        session_expect_anomaly(c, "unreferenced_gap");
        session_expect_anomaly(c, "odd_length");
        bb_free(&odd);
    }

    /* too_many_anomalies: 40 records whose 80 offsets all point nowhere. */
    {
        static blob_service lost[40];
        bytebuf records;
        bb_init(&records);
        for (size_t i = 0; i < 40; i++) {
            memset(&lost[i], 0, sizeof lost[i]);
            lost[i].name_offset = 0x00100000u + (uint32_t)i;
            lost[i].display_name_offset = 0x00200000u + (uint32_t)i;
            lost[i].service_type = SVC_WIN32_SHARE_PROCESS;
            lost[i].current_state = SVC_RUNNING;
            lost[i].controls_accepted = SVC_ACCEPT_STOP;
            bb_put_u32le(&records, lost[i].name_offset);
            bb_put_u32le(&records, lost[i].display_name_offset);
            bb_put_u32le(&records, lost[i].service_type);
            bb_put_u32le(&records, lost[i].current_state);
            bb_put_u32le(&records, lost[i].controls_accepted);
            bb_put_zeros(&records, 16);
        }
        c = blob_reply(s, &records, 40);
        session_expect_services(c, lost, 40);
        session_expect_anomaly(c, "string_out_of_bounds");
        session_expect_anomaly(c, "too_many_anomalies");
        bb_free(&records);
    }

    /* nonzero_error_buffer: E_ERROR_INSUFFICIENT_BUFFER with blob bytes in the buffer. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    size_t required = blob.len;
    blob.len = 100;
    c = status_reply(s, 100, 100, &blob, (uint32_t)required, 0, HR_E_INSUFFICIENT_BUFFER);
    session_expect_services(c, NULL, 0);
    session_expect_anomaly(c, "nonzero_error_buffer");

    /* required_size_inconsistent: E_ERROR_INSUFFICIENT_BUFFER although 512 >= 206. */
    bb_clear(&blob);
    bb_put_zeros(&blob, 512);
    c = status_reply(s, 512, 512, &blob, (uint32_t)required, 0, HR_E_INSUFFICIENT_BUFFER);
    session_expect_services(c, NULL, 0);
    session_expect_anomaly(c, "required_size_inconsistent");

    /* conformance_mismatch: asked 1024, answered a 206-byte array. */
    bb_clear(&blob);
    blob_write(&blob, svc, 2, false);
    c = status_reply(s, 1024, blob.len, &blob, (uint32_t)blob.len, 2, HR_S_OK);
    session_expect_services(c, svc, 2);
    session_expect_anomaly(c, "conformance_mismatch");
    bb_free(&blob);
}

static void stub_anomaly_calls(session *s)
{
    call_expect *c;

    /* stub_truncated (response): conformance 1024, 150 bytes, then nothing. */
    {
        uint32_t size = 1024;
        c = session_begin_call(s, IISS_OPNUM_STATUS);
        session_write_request(s, c, &size, 1);
        session_send(s, TCP_CLIENT, NULL, 0);
        cap_advance_us(&s->cap, SERVER_US);
        blob_service svc[2];
        two_services(svc);
        bytebuf blob, stub;
        bb_init(&blob);
        bb_init(&stub);
        blob_write(&blob, svc, 2, false);
        bb_put_zeros(&blob, size - blob.len);
        iiss_write_status_response(&stub, &s->style, size, blob.data, blob.len, 206, 2, HR_S_OK);
        stub.len = 8 + 4 + 150; /* ORPCTHAT, conformance, 150 bytes of the array */
        session_write_raw_response(s, c, stub.data, stub.len);
        session_expect_anomaly(c, "stub_truncated");
        bb_free(&blob);
        bb_free(&stub);
        session_send(s, TCP_SERVER, NULL, 0);
        cap_advance_us(&s->cap, THINK_US);
    }

    /* ORPCTHAT with an extension (MS-DCOM 2.2.13.4): a valid Stop reply. */
    {
        static const uint8_t extension_data[20] = {0x01, 0x00, 0x00, 0x00, 0x57, 0x00, 0x33, 0x00, 0x53, 0x00,
                                                   0x56, 0x00, 0x43, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00, 0x00};
        orpc_extent extent = {guid_from_string("0000031C-0000-0000-C000-000000000046"), extension_data,
                              sizeof extension_data};
        c = session_begin_call(s, IISS_OPNUM_STOP);
        const uint32_t stop[2] = {20000, 1};
        session_write_request(s, c, stop, 2);
        session_send(s, TCP_CLIENT, NULL, 0);
        cap_advance_us(&s->cap, 2840000);
        s->orpcthat_extents = &extent;
        s->n_orpcthat_extents = 1;
        session_write_simple_response(s, c, HR_S_OK);
        s->orpcthat_extents = NULL;
        s->n_orpcthat_extents = 0;
        session_send(s, TCP_SERVER, NULL, 0);
        cap_advance_us(&s->cap, THINK_US);
    }

    /* ORPCTHIS with two extensions (2.2.13.3): a valid Start request; the
     * extent array holds (2+1)&~1 = 2 pointers, both used. */
    {
        static const uint8_t debug_data[12] = {0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xEF, 0xBE, 0xAD, 0xDE};
        static const uint8_t locale_data[5] = {0x09, 0x04, 0x00, 0x00, 0x01};
        orpc_extent extents[2] = {
            {guid_from_string("F1F19680-4D2A-11CE-A66A-0020AF6E72F4"), debug_data, sizeof debug_data},
            {guid_from_string("00000334-0000-0000-C000-000000000046"), locale_data, sizeof locale_data},
        };
        s->orpcthis_extents = extents;
        s->n_orpcthis_extents = 2;
        const uint32_t start[1] = {20000};
        session_simple_call(s, IISS_OPNUM_START, start, 1, HR_S_OK, 1770000);
        s->orpcthis_extents = NULL;
        s->n_orpcthis_extents = 0;
    }

    /* bool_out_of_range: Stop(20000, 2). */
    {
        const uint32_t stop[2] = {20000, 2};
        session_simple_call(s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 1320000);
        session_expect_anomaly(&s->calls[s->n_calls - 1], "bool_out_of_range");
    }

    /* stub_truncated (request): Stop without dwForce; the server faults. */
    {
        c = session_begin_call(s, IISS_OPNUM_STOP);
        const uint32_t timeout_only[1] = {20000};
        session_write_request(s, c, timeout_only, 1);
        session_expect_anomaly(c, "stub_truncated");
        session_send(s, TCP_CLIENT, NULL, 0);
        cap_advance_us(&s->cap, 350);
        session_write_fault(s, c, FAULT_NCA_S_FAULT_NDR);
        session_send(s, TCP_SERVER, NULL, 0);
        cap_advance_us(&s->cap, THINK_US);
    }

    /* stub_trailing_bytes: Kill with a stray DWORD after ORPCTHIS. */
    {
        const uint32_t stray[1] = {0};
        session_simple_call(s, IISS_OPNUM_KILL, stray, 1, HR_S_OK, 780000);
        session_expect_anomaly(&s->calls[s->n_calls - 1], "stub_trailing_bytes");
    }
}

int write_sample_malformed(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "malformed",
        "Status replies whose STATUS_BLOBs each carry an anomaly kind (buffer_too_short, count_mismatch, "
        "string_out_of_bounds, string_in_records, string_unterminated, invalid_utf16, string_overlap, "
        "string_shared, unreferenced_gap, odd_length, byte_offsets, string_misaligned, too_many_anomalies, "
        "nonzero_error_buffer, required_size_inconsistent, conformance_mismatch), a truncated response stub, an "
        "ORPCTHAT with an extension, a Start request whose ORPCTHIS carries two extensions, Stop with dwForce 2, a truncated Stop request answered by a fault, Kill with "
        "trailing bytes. Each call lists the kinds it was built to carry.");
    cfg.client_isn = 0x600DF00Du;
    cfg.server_isn = 0x0DDBA11u;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);
    blob_anomaly_calls(&s);
    stub_anomaly_calls(&s);
    session_close_tcp(&s);
    session_expect_action(&s, "unknown", 0); /* every method, some twice */
    return session_finish(&s);
}

int write_sample_malformed_snaplen(const char *out_dir)
{
    session_config cfg = scenario_default_config(
        "malformed-snaplen",
        "A capture taken with a 128-byte snaplen: the handshake, the bind and Status, Stop, Start, Kill calls, "
        "every frame cut after 74 bytes of TCP payload, so no stub and no bind is complete.");
    cfg.snaplen = 128;
    cfg.client_isn = 0x1234ABCDu;
    cfg.server_isn = 0x5678EF01u;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    session_handshake(&s);
    session_bind(&s);
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    session_status_call(&s, 4096, services, n, 8800);
    const uint32_t stop[2] = {20000, 1};
    session_simple_call(&s, IISS_OPNUM_STOP, stop, 2, HR_S_OK, 3011000);
    const uint32_t start[1] = {20000};
    session_simple_call(&s, IISS_OPNUM_START, start, 1, HR_S_OK, 2210000);
    session_simple_call(&s, IISS_OPNUM_KILL, NULL, 0, HR_S_OK, 640000);
    session_close_tcp(&s);
    session_expect_action(&s, "unknown", 0); /* Status, Stop, Start, Kill */
    return session_finish(&s);
}

/* status-blob.bin / .hex: the S_OK blob of iisreset-remote's second Status
 * call, alone, for `iissdump blob`; the expected file is the blob --json
 * object (no pdwNumServices given, so the count is inferred). */
int write_sample_status_blob(const char *out_dir)
{
    blob_service services[SESSION_MAX_SERVICES];
    size_t n = services_iis_running(services, SESSION_MAX_SERVICES);
    bytebuf blob;
    bb_init(&blob);
    blob_write(&blob, services, n, false);

    char path[4096];
    snprintf(path, sizeof path, "%s/status-blob.bin", out_dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int rc = fwrite(blob.data, 1, blob.len, f) == blob.len ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;

    snprintf(path, sizeof path, "%s/status-blob.hex", out_dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < blob.len; i++)
        fprintf(f, "%02x%s", blob.data[i], (i % 16 == 15 || i + 1 == blob.len) ? "\n" : " ");
    if (fclose(f) != 0)
        rc = -1;

    json_writer j;
    json_init(&j);
    json_begin_object(&j, NULL);
    json_int(&j, "num_services", (int64_t)n);
    json_bool(&j, "count_inferred", true);
    json_string(&j, "offset_unit", "wchar");
    session_put_services(&j, "services", services, n);
    json_begin_array(&j, "anomalies");
    json_end_array(&j);
    json_end_object(&j);
    snprintf(path, sizeof path, "%s/status-blob.expected.json", out_dir);
    if (json_save(&j, path) != 0)
        rc = -1;
    json_free(&j);
    bb_free(&blob);
    return rc;
}
