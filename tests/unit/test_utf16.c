/* The one UTF-16 → UTF-8 converter: code units in either byte order
 * (RFC 2781 2.1 for surrogate pairs; RFC 3629 for the UTF-8 bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/utf16.h"

/* "Hé" then U+1F600 (D83D DE00) then NUL then "x", in both orders. */
static const uint8_t text_le[] = {'H', 0, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE, 0, 0, 'x', 0};
static const uint8_t text_be[] = {0, 'H', 0, 0xE9, 0xD8, 0x3D, 0xDE, 0x00, 0, 0, 0, 'x'};
static const char text_utf8[] = "H\xC3\xA9\xF0\x9F\x98\x80";

static void test_both_byte_orders_give_the_same_text(void **state)
{
    (void)state;
    char out[32];
    iiss_utf16_outcome o;
    assert_int_equal(iiss_utf16_to_utf8(text_le, sizeof text_le, false, out, sizeof out, &o), strlen(text_utf8));
    assert_string_equal(out, text_utf8);
    assert_true(o.whole); /* stopped at the NUL: "x" is not text */
    assert_int_equal(o.bad, 0);
    assert_int_equal(iiss_utf16_to_utf8(text_be, sizeof text_be, true, out, sizeof out, &o), strlen(text_utf8));
    assert_string_equal(out, text_utf8);
    assert_true(o.whole);
    assert_int_equal(iiss_utf16le_to_utf8(text_le, sizeof text_le, out, sizeof out, NULL), strlen(text_utf8));
}

static void test_lone_surrogates_become_replacement_characters(void **state)
{
    (void)state;
    /* a high surrogate followed by 'A', then a low surrogate alone (BE) */
    const uint8_t units[] = {0xD8, 0x3D, 0x00, 'A', 0xDE, 0x00};
    char out[32];
    iiss_utf16_outcome o;
    iiss_utf16_to_utf8(units, sizeof units, true, out, sizeof out, &o);
    assert_string_equal(out, "\xEF\xBF\xBD" "A" "\xEF\xBF\xBD");
    assert_int_equal(o.bad, 2);
    assert_int_equal(o.first_bad, 0);
    assert_true(o.whole);
}

static void test_a_character_that_does_not_fit_is_left_out_whole(void **state)
{
    (void)state;
    char out[6]; /* "H" + "é" (2 bytes) fit; the 4-byte emoji does not */
    iiss_utf16_outcome o;
    assert_int_equal(iiss_utf16_to_utf8(text_be, sizeof text_be, true, out, sizeof out, &o), 3);
    assert_string_equal(out, "H\xC3\xA9");
    assert_false(o.whole);
}

static void test_an_odd_last_byte_is_ignored(void **state)
{
    (void)state;
    const uint8_t units[] = {0, 'o', 0, 'k', 0x41};
    char out[8];
    iiss_utf16_outcome o;
    assert_int_equal(iiss_utf16_to_utf8(units, sizeof units, true, out, sizeof out, &o), 2);
    assert_string_equal(out, "ok");
    assert_true(o.whole);
    assert_int_equal(iiss_utf16_to_utf8(units, sizeof units, true, out, 0, &o), 0); /* cap 0: nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_byte_orders_give_the_same_text),
        cmocka_unit_test(test_lone_surrogates_become_replacement_characters),
        cmocka_unit_test(test_a_character_that_does_not_fit_is_left_out_whole),
        cmocka_unit_test(test_an_odd_last_byte_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
