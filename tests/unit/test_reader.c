/* The bounds-checked reader: byte orders, the sticky failure, alignment,
 * seeking and the random-access peeks at the edges of the span. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/reader.h"

static const uint8_t bytes[12] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C};

static void test_little_endian(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    assert_int_equal(iiss_rd_u8(&rd), 0x01);
    assert_int_equal(iiss_rd_u16(&rd), 0x0302);
    assert_int_equal(iiss_rd_u32(&rd), 0x07060504);
    assert_int_equal(rd.pos, 7);
    iiss_rd_seek(&rd, 0);
    assert_true(iiss_rd_u64(&rd) == 0x0807060504030201ull);
    assert_true(rd.ok);
}

static void test_big_endian(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, sizeof bytes, true);
    assert_int_equal(iiss_rd_u16(&rd), 0x0102);
    assert_int_equal(iiss_rd_u32(&rd), 0x03040506);
    iiss_rd_seek(&rd, 4);
    assert_true(iiss_rd_u64(&rd) == 0x05060708090A0B0Cull);
    assert_int_equal(iiss_rd_remaining(&rd), 0);
    assert_true(rd.ok);
}

/* STATUS_BLOB and NTLMSSP are little-endian whatever the drep says. */
static void test_forced_little_endian(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, sizeof bytes, true);
    assert_int_equal(iiss_rd_u16le(&rd), 0x0201);
    assert_int_equal(iiss_rd_u32le(&rd), 0x06050403);
}

/* A read past the end fails, returns 0, parks at the end, and every later
 * read fails too, even one that would fit. */
static void test_overrun_is_sticky(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, 6, false);
    assert_int_equal(iiss_rd_u32(&rd), 0x04030201);
    assert_int_equal(iiss_rd_u32(&rd), 0);
    assert_false(rd.ok);
    assert_int_equal(rd.pos, 6);
    assert_int_equal(iiss_rd_remaining(&rd), 0);
    assert_false(iiss_rd_has(&rd, 0));
    assert_int_equal(iiss_rd_u8(&rd), 0);
    assert_false(iiss_rd_seek(&rd, 0));
    assert_false(rd.ok);
}

static void test_exact_fit(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, 4, false);
    assert_true(iiss_rd_has(&rd, 4));
    assert_false(iiss_rd_has(&rd, 5));
    assert_int_equal(iiss_rd_u32(&rd), 0x04030201);
    assert_true(rd.ok);
    assert_true(iiss_rd_has(&rd, 0));
    assert_true(iiss_rd_skip(&rd, 0));
}

static void test_take_skip_copy(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    const uint8_t *p = iiss_rd_take(&rd, 3);
    assert_ptr_equal(p, bytes);
    assert_true(iiss_rd_skip(&rd, 5));
    assert_int_equal(rd.pos, 8);
    uint8_t dst[4];
    assert_true(iiss_rd_copy(&rd, dst, 4));
    const uint8_t tail[4] = {0x09, 0x0A, 0x0B, 0x0C};
    assert_memory_equal(dst, tail, 4);
    /* A failed copy zeroes the destination. */
    memset(dst, 0xAA, sizeof dst);
    assert_false(iiss_rd_copy(&rd, dst, 1));
    assert_int_equal(dst[0], 0);
    assert_null(iiss_rd_take(&rd, 1));
}

/* A huge length must not wrap around the bounds check. */
static void test_huge_lengths(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    iiss_rd_u8(&rd);
    assert_null(iiss_rd_take(&rd, SIZE_MAX));
    assert_false(rd.ok);
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    assert_false(iiss_rd_skip(&rd, SIZE_MAX - 1));
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    assert_false(iiss_rd_seek(&rd, 13));
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    assert_true(iiss_rd_seek(&rd, 12));
    assert_int_equal(iiss_rd_remaining(&rd), 0);
}

/* Alignment is relative to the span start; padding is skipped unchecked. */
static void test_align(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, bytes, sizeof bytes, false);
    assert_true(iiss_rd_align(&rd, 4));
    assert_int_equal(rd.pos, 0);
    iiss_rd_u8(&rd);
    assert_true(iiss_rd_align(&rd, 4));
    assert_int_equal(rd.pos, 4);
    iiss_rd_u8(&rd);
    assert_true(iiss_rd_align(&rd, 8));
    assert_int_equal(rd.pos, 8);
    assert_true(iiss_rd_align(&rd, 1));
    iiss_rd_u8(&rd);
    /* 9 → 16 is past the 12-byte span. */
    assert_false(iiss_rd_align(&rd, 8));
    assert_false(rd.ok);
}

static void test_null_data(void **state)
{
    (void)state;
    iiss_reader rd;
    iiss_rd_init(&rd, NULL, 100, false);
    assert_int_equal(rd.len, 0);
    assert_int_equal(iiss_rd_u8(&rd), 0);
    assert_false(rd.ok);
}

static void test_peek(void **state)
{
    (void)state;
    uint16_t v16 = 0;
    uint32_t v32 = 0;
    assert_true(iiss_peek_u16le(bytes, sizeof bytes, 10, &v16));
    assert_int_equal(v16, 0x0C0B);
    assert_false(iiss_peek_u16le(bytes, sizeof bytes, 11, &v16));
    assert_false(iiss_peek_u16le(bytes, sizeof bytes, 12, &v16));
    assert_true(iiss_peek_u32le(bytes, sizeof bytes, 8, &v32));
    assert_int_equal(v32, 0x0C0B0A09);
    assert_false(iiss_peek_u32le(bytes, sizeof bytes, 9, &v32));
    assert_false(iiss_peek_u32le(bytes, sizeof bytes, SIZE_MAX, &v32));
    assert_false(iiss_peek_u32le(bytes, sizeof bytes, SIZE_MAX - 2, &v32));
    assert_false(iiss_peek_u16le(NULL, 10, 0, &v16));
    assert_int_equal(v32, 0x0C0B0A09); /* untouched by failed peeks */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_little_endian),
        cmocka_unit_test(test_big_endian),
        cmocka_unit_test(test_forced_little_endian),
        cmocka_unit_test(test_overrun_is_sticky),
        cmocka_unit_test(test_exact_fit),
        cmocka_unit_test(test_take_skip_copy),
        cmocka_unit_test(test_huge_lengths),
        cmocka_unit_test(test_align),
        cmocka_unit_test(test_null_data),
        cmocka_unit_test(test_peek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
