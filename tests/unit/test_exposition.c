// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/exposition.c: family headers, samples, label values and help text
 * escaped as the Prometheus text format 0.0.4 wants, invalid UTF-8
 * replaced, numbers that read back exactly. The expected texts are written
 * out by hand from the format's specification. */
#include <math.h>

#include "check.h"
#include "exposition.h"

/* Render through fn and compare with the expected text. */
static void expect_text(const char *ctx, void (*fn)(struct xf_expo *e), const char *want)
{
	struct xf_expo e;
	char *text = NULL;
	size_t len = 0;

	check_int(ctx, "xf_expo_open", xf_expo_open(&e), 0);
	fn(&e);
	check_int(ctx, "xf_expo_finish", xf_expo_finish(&e, &text, &len), 0);
	check_str(ctx, "text", text, want);
	check_int(ctx, "len", len, strlen(want));
	free(text);
}

static void counter_family(struct xf_expo *e)
{
	xf_expo_family(e, "x_packets_total", XF_METRIC_COUNTER, "Packets.");
	xf_expo_u64(e, "x_packets_total", XF_LABELS({"verdict", "drop"}, {"reason", "r"}),
		    18446744073709551615ULL);
	xf_expo_u64(e, "x_packets_total", XF_NO_LABELS, 0);
}

static void gauge_values(struct xf_expo *e)
{
	xf_expo_family(e, "x_seconds", XF_METRIC_GAUGE, "Seconds.");
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "a"}), 0.1);
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "b"}), 1.5e-7);
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "c"}), 3600);
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "d"}), NAN);
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "e"}), INFINITY);
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "f"}), -INFINITY);
	xf_expo_double(e, "x_seconds", XF_LABELS({"v", "g"}), 1.0 / 3);
}

static void escapes(struct xf_expo *e)
{
	xf_expo_family(e, "x_info", XF_METRIC_GAUGE, "Back\\slash, \"quotes\" and\nnewline.");
	xf_expo_u64(e, "x_info", XF_LABELS({"error", "a\\b \"c\"\nd"}), 1);
	xf_expo_u64(e, "x_info", XF_LABELS({"error", ""}), 2);
	xf_expo_u64(e, "x_info", XF_LABELS({"error", NULL}), 3);
}

static void utf8(struct xf_expo *e)
{
	xf_expo_family(e, "x_info", XF_METRIC_GAUGE, "Bad \xff byte.");
	/* valid: 2, 3 and 4 bytes */
	xf_expo_u64(e, "x_info", XF_LABELS({"s", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"}), 1);
	/* a lone continuation byte, a truncated sequence at the end */
	xf_expo_u64(e, "x_info", XF_LABELS({"s", "a\x80z\xe2\x82"}), 2);
	/* overlong '/' (c0 af), a surrogate (ed a0 80), past U+10FFFF (f4 90 80 80) */
	xf_expo_u64(e, "x_info", XF_LABELS({"s", "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80"}), 3);
}

#define FFFD "\xef\xbf\xbd"

static void test_exposition_format(void **state)
{
	(void)state;
	check_begin();
	expect_text("counter", counter_family,
		    "# HELP x_packets_total Packets.\n"
		    "# TYPE x_packets_total counter\n"
		    "x_packets_total{verdict=\"drop\",reason=\"r\"} 18446744073709551615\n"
		    "x_packets_total 0\n");
	expect_text("gauge", gauge_values,
		    "# HELP x_seconds Seconds.\n"
		    "# TYPE x_seconds gauge\n"
		    "x_seconds{v=\"a\"} 0.1\n"
		    "x_seconds{v=\"b\"} 1.5e-07\n"
		    "x_seconds{v=\"c\"} 3600\n"
		    "x_seconds{v=\"d\"} NaN\n"
		    "x_seconds{v=\"e\"} +Inf\n"
		    "x_seconds{v=\"f\"} -Inf\n"
		    "x_seconds{v=\"g\"} 0.33333333333333331\n");
	expect_text("escapes", escapes,
		    "# HELP x_info Back\\\\slash, \"quotes\" and\\nnewline.\n"
		    "# TYPE x_info gauge\n"
		    "x_info{error=\"a\\\\b \\\"c\\\"\\nd\"} 1\n"
		    "x_info{error=\"\"} 2\n"
		    "x_info{error=\"\"} 3\n");
	expect_text("utf-8", utf8,
		    "# HELP x_info Bad " FFFD " byte.\n"
		    "# TYPE x_info gauge\n"
		    "x_info{s=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"} 1\n"
		    "x_info{s=\"a" FFFD "z" FFFD FFFD "\"} 2\n"
		    "x_info{s=\"" FFFD FFFD "|" FFFD FFFD FFFD "|" FFFD FFFD FFFD FFFD "\"} 3\n");
	check_end();
}

/* Every double written reads back as itself. */
static void test_exposition_doubles_round_trip(void **state)
{
	static const double values[] = {
	    0,	    1,		 0.1, 0.2, 0.3, 1e-300, 1.7976931348623157e308, 123456789.123456789,
	    2.5e-3, 86400.000001};
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		struct xf_expo e;
		char *text = NULL, *sp;
		size_t len;

		xf_expo_open(&e);
		xf_expo_double(&e, "x", XF_NO_LABELS, values[i]);
		check_int("round trip", "finish", xf_expo_finish(&e, &text, &len), 0);
		sp = text ? strchr(text, ' ') : NULL;
		check(sp && strtod(sp + 1, NULL) == values[i], "%.17g written as '%s'", values[i],
		      text ? text : "(null)");
		free(text);
	}
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exposition_format),
	    cmocka_unit_test(test_exposition_doubles_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
