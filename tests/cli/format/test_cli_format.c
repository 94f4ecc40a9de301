/* iissdump's formatting helpers where they take shortcuts: the arithmetic
 * date (years 1970-9999) against the gmtime_r fallback on both sides of its
 * range, and the output buffer growing past its first capacity. Expected
 * dates are calendar facts, not read back from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text_buf.h"
#include "timeline_text.h"

static void assert_time(int64_t sec, uint32_t nsec, const char *expected)
{
    char buf[IISSDUMP_TIME_MAX];
    assert_string_equal(iissdump_format_time(sec, nsec, buf, sizeof buf), expected);
}

static void test_epoch_and_leap_days(void **state)
{
    (void)state;
    assert_time(0, 0, "1970-01-01T00:00:00.000000Z");
    assert_time(951782400, 123456789, "2000-02-29T00:00:00.123456Z"); /* leap day of a century leap year */
    assert_time(4107456000, 0, "2100-02-28T00:00:00.000000Z");        /* 2100 is not a leap year: */
    assert_time(4107542400, 999, "2100-03-01T00:00:00.000000Z");      /* the next day is March 1st */
    assert_time(1715679001, 250000000, "2024-05-14T09:30:01.250000Z");
    assert_time(86399, 999999999, "1970-01-01T23:59:59.999999Z");
}

static void test_range_edges(void **state)
{
    (void)state;
    assert_time(253402300799, 0, "9999-12-31T23:59:59.000000Z");  /* last second of the arithmetic path */
    assert_time(253402300800, 0, "10000-01-01T00:00:00.000000Z"); /* gmtime_r from here */
    assert_time(-1, 0, "1969-12-31T23:59:59.000000Z");            /* and before the epoch */
    /* a nanosecond field beyond a second (hostile file): printed as is */
    assert_time(0, 2000000000u, "1970-01-01T00:00:00.2000000Z");
}

static void test_buffer_grows(void **state)
{
    (void)state;
    iissdump_buf b = {0};
    char long_text[10000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    iissdump_buf_str(&b, "a");
    iissdump_buf_printf(&b, "%s|%d", long_text, 42); /* more than the first 4096 bytes */
    iissdump_buf_u64(&b, UINT64_MAX);
    iissdump_buf_spaces(&b, 3);
    iissdump_buf_add(&b, "", 0);
    assert_int_equal(b.len, 1 + 9999 + 3 + 20 + 3);
    assert_memory_equal(b.data, "ax", 2);
    assert_memory_equal(b.data + 1 + 9999, "|4218446744073709551615   ", 26);
    iissdump_buf_free(&b);
    assert_null(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_leap_days),
        cmocka_unit_test(test_range_edges),
        cmocka_unit_test(test_buffer_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
