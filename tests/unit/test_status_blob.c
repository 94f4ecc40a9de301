/* STATUS_BLOB decoder against blobs laid out by hand from MS-IISS 2.2.1 /
 * 2.2.2: 36-byte records (iServiceName, iDisplayName, SERVICE_STATUS), then
 * NUL-terminated UTF-16LE strings. Every expected number below was computed
 * from that layout, not read back from the decoder.
 *
 * The realistic blob (414 bytes, 4 services, strings from byte 144):
 *   byte 144 "IISADMIN" (18 bytes)            wchar 72
 *   byte 162 "IIS Admin Service" (36)          wchar 81
 *   byte 198 "W3SVC" (12)                      wchar 99
 *   byte 210 "World Wide Web Publishing Service" (68)  wchar 105
 *   byte 278 "WAS" (8)                         wchar 139
 *   byte 286 "Windows Process Activation Service" (70) wchar 143
 *   byte 356 "FTPSVC" (14)                     wchar 178
 *   byte 370 "Microsoft FTP Service" (44)      wchar 185, ends at 414 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/status_blob.h"

#define REALISTIC_LEN 414u
#define BUF_MAX 1024u

/* Test-local writers: little-endian u32, and UTF-16LE of an ASCII literal
 * with its NUL. */
static void put_u32(uint8_t *b, size_t at, uint32_t v)
{
    b[at] = (uint8_t)v;
    b[at + 1] = (uint8_t)(v >> 8);
    b[at + 2] = (uint8_t)(v >> 16);
    b[at + 3] = (uint8_t)(v >> 24);
}

static void put_utf16(uint8_t *b, size_t at, const char *ascii)
{
    for (; *ascii; ascii++, at += 2) {
        b[at] = (uint8_t)*ascii;
        b[at + 1] = 0;
    }
    b[at] = 0;
    b[at + 1] = 0;
}

static const uint32_t wchar_offsets[8] = {72, 81, 99, 105, 139, 143, 178, 185};
static const uint32_t byte_offsets[8] = {144, 162, 198, 210, 278, 286, 356, 370};

/* The SERVICE_STATUS of each record: type, state, controls, win32 exit,
 * specific exit, checkpoint, wait hint. */
static const uint32_t statuses[4][7] = {
    {0x20, 4, 0x5, 0, 0, 0, 0},       /* IISADMIN: share process, running, stop|shutdown */
    {0x20, 4, 0x7, 0, 0, 0, 0},       /* W3SVC: running, stop|pause|shutdown */
    {0x20, 2, 0x0, 0, 0, 3, 2000},    /* WAS: start pending, checkpoint 3, wait 2 s */
    {0x10, 1, 0x0, 1066, 42, 0, 0},   /* FTPSVC: own process, stopped, service-specific error 42 */
};

static void build_realistic(uint8_t *b, const uint32_t offsets[8])
{
    memset(b, 0, BUF_MAX);
    for (size_t r = 0; r < 4; r++) {
        put_u32(b, r * 36 + 0, offsets[2 * r]);
        put_u32(b, r * 36 + 4, offsets[2 * r + 1]);
        for (size_t f = 0; f < 7; f++)
            put_u32(b, r * 36 + 8 + 4 * f, statuses[r][f]);
    }
    put_utf16(b, 144, "IISADMIN");
    put_utf16(b, 162, "IIS Admin Service");
    put_utf16(b, 198, "W3SVC");
    put_utf16(b, 210, "World Wide Web Publishing Service");
    put_utf16(b, 278, "WAS");
    put_utf16(b, 286, "Windows Process Activation Service");
    put_utf16(b, 356, "FTPSVC");
    put_utf16(b, 370, "Microsoft FTP Service");
}

static void assert_string(const iiss_blob_string *s, const char *utf8, uint32_t offset, uint32_t length)
{
    assert_true(s->present);
    assert_true(s->terminated);
    assert_non_null(s->utf8);
    assert_string_equal(s->utf8, utf8);
    assert_int_equal(s->offset, offset);
    assert_int_equal(s->length, length);
}

/* The four services exactly as laid out above. */
static void assert_realistic_services(const iiss_status_blob *blob)
{
    assert_int_equal(blob->service_count, 4);
    const iiss_service_record *s = blob->services;
    assert_string(&s[0].name, "IISADMIN", 144, 18);
    assert_string(&s[0].display_name, "IIS Admin Service", 162, 36);
    assert_string(&s[1].name, "W3SVC", 198, 12);
    assert_string(&s[1].display_name, "World Wide Web Publishing Service", 210, 68);
    assert_string(&s[2].name, "WAS", 278, 8);
    assert_string(&s[2].display_name, "Windows Process Activation Service", 286, 70);
    assert_string(&s[3].name, "FTPSVC", 356, 14);
    assert_string(&s[3].display_name, "Microsoft FTP Service", 370, 44);

    assert_int_equal(s[0].record_offset, 0);
    assert_int_equal(s[1].record_offset, 36);
    assert_int_equal(s[2].record_offset, 72);
    assert_int_equal(s[3].record_offset, 108);

    assert_int_equal(s[0].service_type, 0x20);
    assert_int_equal(s[0].current_state, 4);
    assert_int_equal(s[0].controls_accepted, 0x5);
    assert_int_equal(s[1].controls_accepted, 0x7);
    assert_int_equal(s[2].current_state, 2);
    assert_int_equal(s[2].check_point, 3);
    assert_int_equal(s[2].wait_hint, 2000);
    assert_int_equal(s[3].service_type, 0x10);
    assert_int_equal(s[3].current_state, 1);
    assert_int_equal(s[3].win32_exit_code, 1066);
    assert_int_equal(s[3].service_specific_exit_code, 42);
    assert_int_equal(s[3].check_point, 0);
    assert_int_equal(s[3].wait_hint, 0);
}

/* Finds the first anomaly of a kind; fails the test when there is none. */
static const iiss_anomaly *find_anomaly(const iiss_status_blob *blob, iiss_anomaly_kind kind)
{
    for (size_t i = 0; i < blob->anomalies.count; i++) {
        if (blob->anomalies.items[i].kind == kind)
            return &blob->anomalies.items[i];
    }
    fail_msg("no %s anomaly among %zu", iiss_anomaly_kind_name(kind), blob->anomalies.count);
    return NULL;
}

static void assert_only_anomaly(const iiss_status_blob *blob, iiss_anomaly_kind kind, uint32_t offset)
{
    assert_int_equal(blob->anomalies.count, 1);
    assert_int_equal(blob->anomalies.items[0].kind, kind);
    assert_int_equal(blob->anomalies.items[0].offset, offset);
}

static void test_realistic_wchar_inferred(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.num_services, 4);
    assert_true(blob.count_inferred);
    assert_false(blob.count_given);
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_int_equal(blob.buffer_length, 414);
    assert_int_equal(blob.records_end, 144);
    assert_int_equal(blob.strings_end, 414);
    assert_int_equal(blob.unused_tail, 0);
    assert_false(blob.all_zero);
    assert_int_equal(blob.services[0].name_offset, 72);
    assert_int_equal(blob.services[0].display_name_offset, 81);
    assert_int_equal(blob.services[3].name_offset, 178);
    assert_int_equal(blob.services[3].display_name_offset, 185);
    assert_realistic_services(&blob);
    assert_int_equal(blob.anomalies.count, 0);
    iiss_status_blob_free(&blob);
}

static void test_realistic_count_given(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    uint32_t count = 4;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, &count, &blob));
    assert_true(blob.count_given);
    assert_false(blob.count_inferred);
    assert_int_equal(blob.num_services, 4);
    assert_realistic_services(&blob);
    assert_int_equal(blob.anomalies.count, 0);
    iiss_status_blob_free(&blob);
}

/* A client buffer larger than needed: the rest is data, not an anomaly. */
static void test_unused_tail(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    uint32_t count = 4;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, 512, &count, &blob));
    assert_realistic_services(&blob);
    assert_int_equal(blob.strings_end, 414);
    assert_int_equal(blob.unused_tail, 98);
    assert_int_equal(blob.anomalies.count, 0);
    iiss_status_blob_free(&blob);
}

static void test_byte_offsets_recognised(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, byte_offsets);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_BYTE);
    assert_true(blob.count_inferred);
    assert_int_equal(blob.num_services, 4);
    assert_realistic_services(&blob);
    assert_int_equal(blob.services[0].name_offset, 144);
    assert_int_equal(blob.services[3].display_name_offset, 370);
    assert_only_anomaly(&blob, IISS_AN_BYTE_OFFSETS, 0);
    iiss_status_blob_free(&blob);
}

static void test_byte_offsets_with_count(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, byte_offsets);
    uint32_t count = 4;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, &count, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_BYTE);
    assert_realistic_services(&blob);
    assert_only_anomaly(&blob, IISS_AN_BYTE_OFFSETS, 0);
    iiss_status_blob_free(&blob);
}

/* The E_ERROR_INSUFFICIENT_BUFFER reply: pbBuffer zeroed (3.1.4.4). */
static void test_all_zero_buffer(void **state)
{
    (void)state;
    uint8_t b[400];
    memset(b, 0, sizeof b);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, sizeof b, NULL, &blob));
    assert_true(blob.all_zero);
    assert_true(blob.count_inferred);
    assert_int_equal(blob.num_services, 0);
    assert_int_equal(blob.service_count, 0);
    assert_int_equal(blob.unused_tail, 400);
    assert_int_equal(blob.anomalies.count, 0);
    iiss_status_blob_free(&blob);

    uint32_t zero = 0;
    assert_true(iiss_status_blob_decode(b, sizeof b, &zero, &blob));
    assert_int_equal(blob.service_count, 0);
    assert_int_equal(blob.anomalies.count, 0);
    iiss_status_blob_free(&blob);
}

static void test_empty_buffer(void **state)
{
    (void)state;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(NULL, 0, NULL, &blob));
    assert_int_equal(blob.service_count, 0);
    assert_int_equal(blob.buffer_length, 0);
    assert_int_equal(blob.anomalies.count, 0);
    iiss_status_blob_free(&blob);
}

/* pdwNumServices 0xFFFFFFFF with 100 bytes: two records fit (72 bytes), the
 * third would start at 72. */
static void test_hostile_count(void **state)
{
    (void)state;
    uint8_t b[100];
    memset(b, 0, sizeof b);
    uint32_t count = 0xFFFFFFFFu;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, sizeof b, &count, &blob));
    assert_int_equal(blob.num_services, 0xFFFFFFFFu);
    assert_int_equal(blob.service_count, 2);
    assert_int_equal(blob.records_end, 72);
    assert_int_equal(blob.anomalies.items[0].kind, IISS_AN_BUFFER_TOO_SHORT);
    assert_int_equal(blob.anomalies.items[0].offset, 72);
    assert_int_equal(blob.anomalies.items[0].length, 28);
    iiss_status_blob_free(&blob);
}

/* pdwNumServices 3, but the first string (byte 144) leaves room for 4. */
static void test_count_mismatch(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    uint32_t count = 3;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, &count, &blob));
    assert_int_equal(blob.service_count, 3);
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_only_anomaly(&blob, IISS_AN_COUNT_MISMATCH, 144);
    iiss_status_blob_free(&blob);
}

/* One record whose offsets (1000) lead outside a 36-byte buffer: nothing
 * marks where the records end. */
static void test_count_not_inferred(void **state)
{
    (void)state;
    uint8_t b[36];
    memset(b, 0, sizeof b);
    put_u32(b, 0, 1000);
    put_u32(b, 4, 1000);
    put_u32(b, 12, 4);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, sizeof b, NULL, &blob));
    assert_false(blob.count_inferred);
    assert_int_equal(blob.service_count, 0);
    assert_only_anomaly(&blob, IISS_AN_COUNT_NOT_INFERRED, 0);
    iiss_status_blob_free(&blob);
}

/* FTPSVC's iDisplayName (record 3 at 108, field at 112) set to 4096. */
static void test_string_out_of_bounds(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 112, 4096);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_int_equal(blob.service_count, 4);
    assert_only_anomaly(&blob, IISS_AN_STRING_OUT_OF_BOUNDS, 112);
    assert_false(blob.services[3].display_name.present);
    assert_null(blob.services[3].display_name.utf8);
    assert_string(&blob.services[3].name, "FTPSVC", 356, 14);
    /* The display name's 44 bytes are now referenced by nobody: unused tail. */
    assert_int_equal(blob.strings_end, 370);
    assert_int_equal(blob.unused_tail, 44);
    iiss_status_blob_free(&blob);
}

/* FTPSVC's iServiceName (field at 108) set to 10 WCHARs = byte 20: record
 * bytes, left unread. "FTPSVC" at [356,370) is then referenced by nobody. */
static void test_string_in_records(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 108, 10);
    uint32_t count = 4;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, &count, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_int_equal(blob.anomalies.count, 2);
    assert_int_equal(blob.anomalies.items[0].kind, IISS_AN_STRING_IN_RECORDS);
    assert_int_equal(blob.anomalies.items[0].offset, 108);
    assert_int_equal(blob.anomalies.items[1].kind, IISS_AN_UNREFERENCED_GAP);
    assert_int_equal(blob.anomalies.items[1].offset, 356);
    assert_int_equal(blob.anomalies.items[1].length, 14);
    assert_int_equal(blob.services[3].name_offset, 10);
    assert_false(blob.services[3].name.present);
    assert_null(blob.services[3].name.utf8);
    assert_string(&blob.services[3].display_name, "Microsoft FTP Service", 370, 44);
    iiss_status_blob_free(&blob);
}

/* The buffer cut before the last NUL: "Microsoft FTP Service" at 370 has
 * 42 bytes of characters and no terminator. */
static void test_string_unterminated(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, 412, NULL, &blob));
    assert_int_equal(blob.service_count, 4);
    assert_only_anomaly(&blob, IISS_AN_STRING_UNTERMINATED, 370);
    const iiss_blob_string *s = &blob.services[3].display_name;
    assert_true(s->present);
    assert_false(s->terminated);
    assert_int_equal(s->length, 42);
    assert_string_equal(s->utf8, "Microsoft FTP Service");
    iiss_status_blob_free(&blob);
}

/* Byte 145 (high byte of 'I' in "IISADMIN") set to 0xD8: 0xD849 is a high
 * surrogate followed by 'I', not a low one. */
static void test_invalid_utf16(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    b[145] = 0xD8;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_only_anomaly(&blob, IISS_AN_INVALID_UTF16, 144);
    assert_string(&blob.services[0].name, "\xEF\xBF\xBD" "ISADMIN", 144, 18);
    iiss_status_blob_free(&blob);
}

/* A valid surrogate pair (U+1F600 as D83D DE00) decodes without anomaly. */
static void test_surrogate_pair(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    /* "WAS" at 278 becomes U+1F600 'S' NUL: D83D DE00 0053 0000 */
    const uint8_t was[8] = {0x3D, 0xD8, 0x00, 0xDE, 0x53, 0x00, 0x00, 0x00};
    memcpy(b + 278, was, sizeof was);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.anomalies.count, 0);
    assert_string(&blob.services[2].name, "\xF0\x9F\x98\x80" "S", 278, 8);
    iiss_status_blob_free(&blob);
}

/* FTPSVC's iDisplayName 180 WCHARs = byte 360, inside "FTPSVC" [356,370): "PSVC". */
static void test_string_overlap(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 112, 180);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_only_anomaly(&blob, IISS_AN_STRING_OVERLAP, 360);
    assert_string(&blob.services[3].display_name, "PSVC", 360, 10);
    iiss_status_blob_free(&blob);
}

/* FTPSVC's iDisplayName = iServiceName = 178: both fields on byte 356. */
static void test_string_shared(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 112, 178);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_only_anomaly(&blob, IISS_AN_STRING_SHARED, 356);
    assert_string(&blob.services[3].display_name, "FTPSVC", 356, 14);
    iiss_status_blob_free(&blob);
}

/* IISADMIN's iServiceName 73 (byte 146): bytes 144-145 belong to nothing. */
static void test_unreferenced_gap_after_records(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 0, 73);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.num_services, 4);
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_only_anomaly(&blob, IISS_AN_UNREFERENCED_GAP, 144);
    assert_int_equal(blob.anomalies.items[0].length, 2);
    assert_string(&blob.services[0].name, "ISADMIN", 146, 16);
    iiss_status_blob_free(&blob);
}

/* FTPSVC's iDisplayName 186 (byte 372): bytes 370-371 belong to nothing. */
static void test_unreferenced_gap_between_strings(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 112, 186);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_only_anomaly(&blob, IISS_AN_UNREFERENCED_GAP, 370);
    assert_string(&blob.services[3].display_name, "icrosoft FTP Service", 372, 42);
    iiss_status_blob_free(&blob);
}

/* One byte more than the strings: odd length at byte 414, a 1-byte tail. */
static void test_odd_length(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, 415, NULL, &blob));
    assert_realistic_services(&blob);
    assert_only_anomaly(&blob, IISS_AN_ODD_LENGTH, 414);
    assert_int_equal(blob.unused_tail, 1);
    iiss_status_blob_free(&blob);
}

/* Byte offsets, FTPSVC's iDisplayName 371: odd start; byte 370 unreferenced. */
static void test_string_misaligned(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, byte_offsets);
    put_u32(b, 112, 371);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_BYTE);
    assert_int_equal(find_anomaly(&blob, IISS_AN_BYTE_OFFSETS)->offset, 0);
    assert_int_equal(find_anomaly(&blob, IISS_AN_STRING_MISALIGNED)->offset, 112);
    assert_int_equal(find_anomaly(&blob, IISS_AN_UNREFERENCED_GAP)->offset, 370);
    assert_int_equal(blob.anomalies.count, 3);
    iiss_status_blob_free(&blob);
}

/* 20 records of 0xFF bytes: 40 offsets beyond the buffer, 31 kept, the 32nd
 * slot says 9 more were dropped. */
static void test_too_many_anomalies(void **state)
{
    (void)state;
    uint8_t b[720];
    memset(b, 0xFF, sizeof b);
    uint32_t count = 20;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, sizeof b, &count, &blob));
    assert_int_equal(blob.service_count, 20);
    assert_int_equal(blob.anomalies.count, IISS_ANOMALY_LIST_MAX);
    assert_int_equal(blob.anomalies.items[0].kind, IISS_AN_STRING_OUT_OF_BOUNDS);
    assert_int_equal(blob.anomalies.items[0].offset, 0);
    assert_int_equal(blob.anomalies.items[30].offset, 15 * 36);
    assert_int_equal(blob.anomalies.items[31].kind, IISS_AN_TOO_MANY_ANOMALIES);
    assert_int_equal(blob.anomalies.dropped, 9);
    iiss_status_blob_free(&blob);
}

/* With WCHAR offsets a corrupted record must not make byte offsets win:
 * read as bytes, the first record points at byte 72 (inside record 2) and
 * the strings would land at odd positions. */
static void test_corruption_does_not_switch_unit(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, wchar_offsets);
    put_u32(b, 112, 4096);
    put_u32(b, 108, 5000);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_int_equal(blob.num_services, 4);
    assert_string(&blob.services[0].name, "IISADMIN", 144, 18);
    iiss_status_blob_free(&blob);
}

/* A byte-offset blob with one bad offset (FTPSVC's iDisplayName, field at
 * 112, set to 4096) is still read with byte offsets: read as WCHARs the
 * first string would sit at byte 288 and records 4-7 would be string text. */
static void test_corrupted_byte_offset_blob(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    build_realistic(b, byte_offsets);
    put_u32(b, 112, 4096);
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, REALISTIC_LEN, NULL, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_BYTE);
    assert_int_equal(blob.num_services, 4);
    assert_int_equal(blob.anomalies.count, 2);
    assert_int_equal(find_anomaly(&blob, IISS_AN_BYTE_OFFSETS)->offset, 0);
    assert_int_equal(find_anomaly(&blob, IISS_AN_STRING_OUT_OF_BOUNDS)->offset, 112);
    assert_string(&blob.services[3].name, "FTPSVC", 356, 14);
    assert_false(blob.services[3].display_name.present);
    iiss_status_blob_free(&blob);
}

/* Two services with byte offsets whose whole string area is shifted one
 * byte: records end at 72, byte 72 is padding, strings at 73 ("IISADMIN",
 * 18 bytes), 91 ("IIS Admin Service", 36), 127 ("W3SVC", 12), 139
 * ("World Wide Web Publishing Service", 68), end at 207 (odd length). */
static void test_shifted_byte_offset_strings(void **state)
{
    (void)state;
    uint8_t b[BUF_MAX];
    memset(b, 0, sizeof b);
    const uint32_t offsets[4] = {73, 91, 127, 139};
    for (size_t r = 0; r < 2; r++) {
        put_u32(b, r * 36 + 0, offsets[2 * r]);
        put_u32(b, r * 36 + 4, offsets[2 * r + 1]);
        for (size_t f = 0; f < 7; f++)
            put_u32(b, r * 36 + 8 + 4 * f, statuses[r][f]);
    }
    put_utf16(b, 73, "IISADMIN");
    put_utf16(b, 91, "IIS Admin Service");
    put_utf16(b, 127, "W3SVC");
    put_utf16(b, 139, "World Wide Web Publishing Service");
    uint32_t count = 2;
    iiss_status_blob blob;
    assert_true(iiss_status_blob_decode(b, 207, &count, &blob));
    assert_int_equal(blob.offset_unit, IISS_OFFSET_BYTE);
    assert_string(&blob.services[0].name, "IISADMIN", 73, 18);
    assert_string(&blob.services[1].display_name, "World Wide Web Publishing Service", 139, 68);
    assert_int_equal(find_anomaly(&blob, IISS_AN_BYTE_OFFSETS)->offset, 0);
    assert_int_equal(find_anomaly(&blob, IISS_AN_ODD_LENGTH)->offset, 206);
    assert_int_equal(find_anomaly(&blob, IISS_AN_STRING_MISALIGNED)->offset, 0);
    assert_int_equal(find_anomaly(&blob, IISS_AN_UNREFERENCED_GAP)->offset, 72);
    /* One misaligned anomaly per string, nothing else besides. */
    assert_int_equal(blob.anomalies.count, 7);
    assert_int_equal(blob.unused_tail, 0);
    iiss_status_blob_free(&blob);
}

static void test_offset_unit_names(void **state)
{
    (void)state;
    assert_string_equal(iiss_offset_unit_name(IISS_OFFSET_WCHAR), "wchar");
    assert_string_equal(iiss_offset_unit_name(IISS_OFFSET_BYTE), "byte");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realistic_wchar_inferred),
        cmocka_unit_test(test_realistic_count_given),
        cmocka_unit_test(test_unused_tail),
        cmocka_unit_test(test_byte_offsets_recognised),
        cmocka_unit_test(test_byte_offsets_with_count),
        cmocka_unit_test(test_all_zero_buffer),
        cmocka_unit_test(test_empty_buffer),
        cmocka_unit_test(test_hostile_count),
        cmocka_unit_test(test_count_mismatch),
        cmocka_unit_test(test_count_not_inferred),
        cmocka_unit_test(test_string_out_of_bounds),
        cmocka_unit_test(test_string_in_records),
        cmocka_unit_test(test_string_unterminated),
        cmocka_unit_test(test_invalid_utf16),
        cmocka_unit_test(test_surrogate_pair),
        cmocka_unit_test(test_string_overlap),
        cmocka_unit_test(test_string_shared),
        cmocka_unit_test(test_unreferenced_gap_after_records),
        cmocka_unit_test(test_unreferenced_gap_between_strings),
        cmocka_unit_test(test_odd_length),
        cmocka_unit_test(test_string_misaligned),
        cmocka_unit_test(test_too_many_anomalies),
        cmocka_unit_test(test_corruption_does_not_switch_unit),
        cmocka_unit_test(test_corrupted_byte_offset_blob),
        cmocka_unit_test(test_shifted_byte_offset_strings),
        cmocka_unit_test(test_offset_unit_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
