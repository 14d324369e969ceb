// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/duration.c: the durations operators write (--interval, --max-age)
 * parse to the seconds they mean, mistakes are refused rather than
 * guessed, and the formatted form parses back to the same value. */
#include <errno.h>

#include "check.h"
#include "duration.h"

static void test_parse(void **state)
{
	static const struct {
		const char *text;
		int err;
		long long seconds;
	} cases[] = {
		{ "0", 0, 0 },
		{ "90", 0, 90 },
		{ "45s", 0, 45 },
		{ "15m", 0, 900 },
		{ "1h", 0, 3600 },
		{ "1h30m", 0, 5400 },
		{ "1d2h3m4s", 0, 93784 },
		{ "2w", 0, 1209600 },
		{ "0s", 0, 0 },
		{ "36500d", 0, 36500LL * 86400 },
		{ "", -EINVAL, 0 },
		{ "h", -EINVAL, 0 },
		{ "1x", -EINVAL, 0 },
		{ "-5", -EINVAL, 0 },
		{ "1.5h", -EINVAL, 0 },
		{ "30m1h", -EINVAL, 0 }, /* largest unit first */
		{ "1h1h", -EINVAL, 0 },  /* each unit once */
		{ "1h30", -EINVAL, 0 },  /* a bare number only alone */
		{ " 5m", -EINVAL, 0 },
		{ "5m ", -EINVAL, 0 },
		{ "36501d", -EINVAL, 0 }, /* above a century */
		{ "99999999999999999999", -EINVAL, 0 },
	};
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		long long s = -1;
		int err = xf_duration_parse(cases[i].text, &s);

		check_int(cases[i].text, "xf_duration_parse", err, cases[i].err);
		if (!err && !cases[i].err)
			check_int(cases[i].text, "seconds", s, cases[i].seconds);
	}
	check_end();
}

static void test_format_round_trip(void **state)
{
	static const struct {
		long long seconds;
		const char *text;
	} cases[] = {
		{ 0, "0s" },
		{ 59, "59s" },
		{ 60, "1m" },
		{ 5400, "1h30m" },
		{ 86400, "1d" },
		{ 93784, "1d2h3m4s" },
		{ 1209600, "14d" },
		{ -3, "0s" },
	};
	char buf[32];
	long long s, v;
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		xf_duration_format(cases[i].seconds, buf, sizeof(buf));
		check_str("xf_duration_format", cases[i].text, buf, cases[i].text);
	}
	for (s = 0; s < 200000; s += 997) {
		xf_duration_format(s, buf, sizeof(buf));
		check(!xf_duration_parse(buf, &v) && v == s,
		      "%lld formats as \"%s\", parses as %lld", s, buf, v);
	}
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
