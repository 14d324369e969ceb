// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/top_ranges.c: the ranges /metrics exports per-range series for. By
 * all-time drops without a history; with one, by the drops since a
 * snapshot one to two windows old, so a range that stopped dropping gives
 * its place to one dropping now; ranges without packets never appear; an
 * id whose counters went back (given to a new range) counts from zero. */
#include <errno.h>

#include "check.h"
#include "top_ranges.h"

#define WINDOW 300.0

struct range_spec {
	__u32 id;
	__u64 dropped, tagged, allowed;
};

/* totals sorted by id, as xf_range_counters_collect gives them */
static size_t make_totals(const struct range_spec *spec, size_t n, struct xf_range_total *out)
{
	size_t i;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		out[i].range_id = spec[i].id;
		out[i].outcome[XF_OUTCOME_DROP].packets = spec[i].dropped;
		out[i].outcome[XF_OUTCOME_DROP].bytes = spec[i].dropped * 100;
		out[i].outcome[XF_OUTCOME_TAG].packets = spec[i].tagged;
		out[i].outcome[XF_OUTCOME_ALLOW].packets = spec[i].allowed;
	}
	return n;
}

/* The ids chosen, best first, as "7 3 9". */
static const char *ranked(const struct range_spec *spec, size_t n, struct xf_drop_history *h,
			  double now, size_t top_n)
{
	static char text[256];
	struct xf_range_total totals[16];
	size_t order[16], len = 0;
	long k, i;

	make_totals(spec, n, totals);
	k = xf_top_ranges(totals, n, h, now, top_n, order);
	if (k < 0)
		return "error";
	text[0] = '\0';
	for (i = 0; i < k; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s%u", i ? " " : "",
				totals[order[i]].range_id);
	return text;
}

static void test_top_ranges_all_time(void **state)
{
	/* 4: most drops; 2 and 9: equal drops, 9 acted on more (tags); 5: tags
	 * only; 6: allowed only; 8: nothing (never shown) */
	static const struct range_spec spec[] = {
	    {2, 50, 0, 0}, {4, 70, 0, 0}, {5, 0, 30, 0}, {6, 0, 0, 40}, {8, 0, 0, 0}, {9, 50, 5, 0},
	};

	(void)state;
	check_begin();
	check_str("no history", "top 10", ranked(spec, 6, NULL, 0, 10), "4 9 2 5 6");
	check_str("no history", "top 2", ranked(spec, 6, NULL, 0, 2), "4 9");
	check_str("no history", "top 0", ranked(spec, 6, NULL, 0, 0), "");
	check_str("no history", "no ranges", ranked(spec, 0, NULL, 0, 10), "");
	check_end();
}

static void test_top_ranges_recent(void **state)
{
	struct xf_drop_history h;
	struct range_spec spec[] = {{1, 1000, 0, 0}, {2, 10, 0, 0}, {3, 5, 0, 0}};

	(void)state;
	check_begin();
	xf_drop_history_init(&h, WINDOW);
	/* first look: nothing recent yet, all-time decides */
	check_str("t=0", "order", ranked(spec, 3, &h, 0, 3), "1 2 3");
	/* range 1 stops; 3 drops 50 more, 2 drops 20 more */
	spec[1].dropped = 30;
	spec[2].dropped = 55;
	check_str("t=100", "order", ranked(spec, 3, &h, 100, 3), "3 2 1");
	check_str("t=100", "top 1", ranked(spec, 3, &h, 100, 1), "3");
	/* t=300: the base moves to the snapshot of t=0 (still): same */
	check_str("t=300", "order", ranked(spec, 3, &h, 300, 3), "3 2 1");
	/* range 1 drops again, 30 by t=400: its recent drops count from the
	 * t=0 base (1030 - 1000), against 2's 20 and 3's 50 */
	spec[0].dropped = 1030;
	check_str("t=400", "order", ranked(spec, 3, &h, 400, 3), "3 1 2");
	/* t=600: the base is the snapshot of t=300 (1000, 30, 55): since then
	 * 1 dropped 30, 2 and 3 nothing */
	check_str("t=600", "order", ranked(spec, 3, &h, 600, 3), "1 3 2");
	/* t=900: the base is t=600's: nobody dropped since, all-time decides */
	check_str("t=900", "order", ranked(spec, 3, &h, 900, 3), "1 3 2");
	xf_drop_history_free(&h);
	check_end();
}

static void test_top_ranges_id_reused(void **state)
{
	struct xf_drop_history h;
	struct range_spec spec[] = {{1, 500, 0, 0}, {2, 100, 0, 0}};

	(void)state;
	check_begin();
	xf_drop_history_init(&h, WINDOW);
	ranked(spec, 2, &h, 0, 2);
	/* id 1 went to a new range that has dropped 40 since: counts from 0 */
	spec[0].dropped = 40;
	spec[1].dropped = 130;
	check_str("reused id", "order", ranked(spec, 2, &h, 10, 2), "1 2");
	/* a range new since the base counts all its drops */
	{
		struct range_spec more[] = {{1, 40, 0, 0}, {2, 130, 0, 0}, {7, 45, 0, 0}};

		check_str("new range", "order", ranked(more, 3, &h, 20, 3), "7 1 2");
	}
	xf_drop_history_free(&h);
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_top_ranges_all_time),
	    cmocka_unit_test(test_top_ranges_recent),
	    cmocka_unit_test(test_top_ranges_id_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
