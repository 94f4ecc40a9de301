/* The capture chain's memory budget (memory_budget.h): accounting per kind
 * and per connection, the connection's share, the order reclaimers are
 * asked in, and the list of connections holding buffered data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "memory_budget.h"

static iiss_memory_stats stats_of(const iiss_memory_budget *b)
{
    iiss_memory_stats st;
    iiss_memory_get_stats(b, &st);
    return st;
}

static void test_defaults_and_names(void **state)
{
    (void)state;
    iiss_memory_budget *b = iiss_memory_budget_new(NULL);
    assert_non_null(b);
    iiss_memory_stats st = stats_of(b);
    assert_int_equal(st.limit, 32u << 20);
    assert_int_equal(st.owner_limit, 16u << 20);
    iiss_memory_budget_free(b);
    iiss_memory_config zero = {0};
    b = iiss_memory_budget_new(&zero); /* zero fields: the defaults */
    assert_int_equal(stats_of(b).limit, 32u << 20);
    iiss_memory_budget_free(b);
    assert_string_equal(iiss_memory_kind_name(IISS_MEMORY_FLOWS), "flows");
    assert_string_equal(iiss_memory_kind_name(IISS_MEMORY_PARTIAL_PDUS), "partial_pdus");
    assert_null(iiss_memory_kind_name(IISS_MEMORY_KINDS));
}

static void test_accounting(void **state)
{
    (void)state;
    iiss_memory_config cfg = {.limit = 1000, .owner_limit = 600};
    iiss_memory_budget *b = iiss_memory_budget_new(&cfg);
    iiss_memory_owner a = {0}, c = {0};
    assert_true(iiss_memory_charge(b, &a, IISS_MEMORY_FLOWS, 100));
    assert_true(iiss_memory_charge(b, &a, IISS_MEMORY_STUBS, 300));
    assert_true(iiss_memory_charge(b, &c, IISS_MEMORY_PARTIAL_PDUS, 400));
    assert_true(iiss_memory_charge(b, NULL, IISS_MEMORY_STUBS, 50));
    iiss_memory_stats st = stats_of(b);
    assert_int_equal(st.used, 850);
    assert_int_equal(st.used_by[IISS_MEMORY_STUBS], 350);
    assert_int_equal(a.held, 400);
    assert_int_equal(a.buffered, 300); /* flows are state, stubs are buffered */
    /* over the connection's share of buffered data: refused, nothing
     * reclaimed; its state is not capped by the share */
    assert_false(iiss_memory_charge(b, &a, IISS_MEMORY_STUBS, 301));
    assert_int_equal(stats_of(b).owner_refusals, 1);
    assert_true(iiss_memory_fits(b, &a, 150));
    /* over the limit: refused (no reclaimer) */
    assert_false(iiss_memory_charge(b, &c, IISS_MEMORY_PARTIAL_PDUS, 151));
    assert_int_equal(stats_of(b).refusals, 1);
    assert_true(iiss_memory_charge(b, &c, IISS_MEMORY_PARTIAL_PDUS, 150));
    assert_int_equal(stats_of(b).used, 1000);
    /* state another cap bounds goes over */
    iiss_memory_charge_anyway(b, &a, IISS_MEMORY_CALL_SLOTS, 70);
    st = stats_of(b);
    assert_int_equal(st.used, 1070);
    assert_int_equal(st.peak, 1070);
    iiss_memory_release(b, &a, IISS_MEMORY_CALL_SLOTS, 70);
    iiss_memory_release(b, &a, IISS_MEMORY_STUBS, 300);
    iiss_memory_release(b, &a, IISS_MEMORY_FLOWS, 100);
    iiss_memory_release(b, &c, IISS_MEMORY_PARTIAL_PDUS, 550);
    iiss_memory_release(b, NULL, IISS_MEMORY_STUBS, 50);
    st = stats_of(b);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.peak, 1070);
    assert_int_equal(st.peak_by[IISS_MEMORY_PARTIAL_PDUS], 550);
    assert_int_equal(a.held, 0);
    assert_int_equal(c.held, 0);
    iiss_memory_budget_free(b);
}

/* Owners holding buffered data, least recently active first. */
static void test_waiting_list(void **state)
{
    (void)state;
    iiss_memory_budget *b = iiss_memory_budget_new(NULL);
    iiss_memory_owner o[3];
    memset(o, 0, sizeof o);
    assert_true(iiss_memory_charge(b, &o[0], IISS_MEMORY_FLOWS, 10));
    assert_null(iiss_memory_oldest_buffered(b, NULL, NULL)); /* state only */
    for (int i = 0; i < 3; i++)
        assert_true(iiss_memory_charge(b, &o[i], IISS_MEMORY_OUT_OF_ORDER, 10));
    assert_ptr_equal(iiss_memory_oldest_buffered(b, NULL, NULL), &o[0]);
    assert_ptr_equal(iiss_memory_oldest_buffered(b, NULL, &o[0]), &o[1]); /* the one being charged is kept */
    iiss_memory_touch(b, &o[0]);
    assert_ptr_equal(iiss_memory_oldest_buffered(b, NULL, NULL), &o[1]);
    iiss_memory_release(b, &o[1], IISS_MEMORY_OUT_OF_ORDER, 10);
    assert_ptr_equal(iiss_memory_oldest_buffered(b, NULL, NULL), &o[2]);
    /* a recycled buffer changing hands changes who holds it */
    iiss_memory_transfer(b, &o[2], NULL, IISS_MEMORY_OUT_OF_ORDER, 10);
    assert_ptr_equal(iiss_memory_oldest_buffered(b, NULL, NULL), &o[0]);
    assert_int_equal(stats_of(b).used, 30);
    iiss_memory_transfer(b, NULL, &o[1], IISS_MEMORY_OUT_OF_ORDER, 10);
    assert_ptr_equal(iiss_memory_oldest_buffered(b, NULL, &o[0]), &o[1]);
    /* only the owners of the stage that asks */
    static const int stage = 0;
    assert_null(iiss_memory_oldest_buffered(b, &stage, NULL));
    o[1].holder = &stage;
    assert_ptr_equal(iiss_memory_oldest_buffered(b, &stage, NULL), &o[1]);
    iiss_memory_budget_free(b);
}

typedef struct reclaimer {
    iiss_memory_budget *b;
    iiss_memory_owner *owner;
    uint64_t held;   /* what it can give, 10 at a time */
    int calls;
    bool lie;        /* says it freed something without freeing */
    bool nested;     /* charges while reclaiming */
    bool nested_ok;
    const iiss_memory_owner *keep_seen;
    int *order;
    int id;
} reclaimer;

static int order_log[16];
static int order_n;

static bool reclaim(void *user, const iiss_memory_owner *keep)
{
    reclaimer *r = user;
    r->calls++;
    r->keep_seen = keep;
    if (order_n < 16)
        order_log[order_n++] = r->id;
    if (r->nested)
        r->nested_ok = iiss_memory_charge(r->b, NULL, IISS_MEMORY_STUBS, 1000000);
    if (r->lie)
        return true;
    if (r->held == 0)
        return false;
    iiss_memory_release(r->b, r->owner, IISS_MEMORY_STUBS, 10);
    r->held -= 10;
    return true;
}

static void test_reclaim_order(void **state)
{
    (void)state;
    iiss_memory_config cfg = {.limit = 100};
    iiss_memory_budget *b = iiss_memory_budget_new(&cfg);
    iiss_memory_owner idle = {0}, old = {0}, now = {0};
    assert_true(iiss_memory_charge(b, &idle, IISS_MEMORY_STUBS, 20));
    assert_true(iiss_memory_charge(b, &old, IISS_MEMORY_STUBS, 80));
    reclaimer first = {b, &idle, 20, 0, false, false, false, NULL, NULL, 1};
    reclaimer second = {b, &old, 80, 0, false, false, false, NULL, NULL, 2};
    iiss_memory_add_reclaimer(b, reclaim, &first);
    iiss_memory_add_reclaimer(b, reclaim, &second);
    order_n = 0;
    /* 30 bytes: the first reclaimer gives its 20 (and is asked once more,
     * with nothing left), the second 10 */
    assert_true(iiss_memory_charge(b, &now, IISS_MEMORY_STUBS, 30));
    assert_int_equal(first.held, 0);
    assert_int_equal(second.held, 70);
    assert_ptr_equal(second.keep_seen, &now);
    int want[] = {1, 1, 1, 2};
    assert_int_equal(order_n, 4);
    assert_memory_equal(order_log, want, sizeof want);
    /* more than all of them hold: refused after trying */
    assert_false(iiss_memory_charge(b, &now, IISS_MEMORY_STUBS, 200));
    assert_int_equal(second.held, 0);
    assert_int_equal(stats_of(b).refusals, 1);
    iiss_memory_remove_reclaimer(b, &first);
    iiss_memory_remove_reclaimer(b, &second);
    iiss_memory_budget_free(b);
}

static void test_reclaim_guards(void **state)
{
    (void)state;
    iiss_memory_config cfg = {.limit = 100};
    iiss_memory_budget *b = iiss_memory_budget_new(&cfg);
    iiss_memory_owner o = {0};
    assert_true(iiss_memory_charge(b, &o, IISS_MEMORY_STUBS, 100));
    /* one that claims progress but frees nothing is asked once */
    reclaimer liar = {b, &o, 0, 0, true, false, false, NULL, NULL, 1};
    iiss_memory_add_reclaimer(b, reclaim, &liar);
    assert_false(iiss_memory_charge(b, NULL, IISS_MEMORY_STUBS, 10));
    assert_int_equal(liar.calls, 1);
    iiss_memory_remove_reclaimer(b, &liar);
    /* a charge made while reclaiming does not reclaim again */
    reclaimer nesting = {b, &o, 100, 0, false, true, true, NULL, NULL, 2};
    iiss_memory_add_reclaimer(b, reclaim, &nesting);
    assert_true(iiss_memory_charge(b, NULL, IISS_MEMORY_STUBS, 10));
    assert_int_equal(nesting.calls, 1);
    assert_false(nesting.nested_ok);
    iiss_memory_remove_reclaimer(b, &nesting);
    iiss_memory_budget_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_names),
        cmocka_unit_test(test_accounting),
        cmocka_unit_test(test_waiting_list),
        cmocka_unit_test(test_reclaim_order),
        cmocka_unit_test(test_reclaim_guards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
