// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/manual_meta.c: --ttl as operators write it (30s, 15m, 1h, 2d,
 * 1h30m) and nothing else, each refusal with a reason; the table of
 * expiries and comments of manual ranges; what a comment may hold. (The
 * duration grammar itself: test_duration.c.) */
#include <errno.h>

#include "check.h"
#include "manual_meta.h"

static void test_ttl_accepts(void **state)
{
	static const struct {
		const char *text;
		long long seconds;
	} cases[] = {
		{ "30s", 30 },
		{ "15m", 15 * 60 },
		{ "1h", 3600 },
		{ "2d", 2 * 86400 },
		{ "1h30m", 5400 },
		{ "1d12h", 36 * 3600 },
		{ "1d2h3m4s", 86400 + 2 * 3600 + 3 * 60 + 4 },
		{ "2w", 14 * 86400 },
		/* a unit may hold more than the next one up */
		{ "90m", 5400 },
		/* a bare number is seconds, as everywhere on the command line */
		{ "90", 90 },
		/* zero parts are fine while the total is not zero */
		{ "0h5m", 300 },
		{ "1s", 1 },
		{ "3650d", XF_TTL_MAX_SECONDS },
		{ "3649d23h59m59s", XF_TTL_MAX_SECONDS - 1 },
	};
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char why[160] = "";
		long long s = -1;
		int err = xf_manual_ttl_parse(cases[i].text, &s, why, sizeof(why));

		check(!err, "'%s': refused (%d): %s", cases[i].text, err, why);
		check_int(cases[i].text, "seconds", s, cases[i].seconds);
	}
	check_end();
}

static void test_ttl_refuses(void **state)
{
	static const struct {
		const char *text;
		const char *reason; /* a phrase the reason must contain */
	} cases[] = {
		{ "", "not a duration" },
		{ "1x", "not a duration" },
		{ "1H", "not a duration" },
		{ "soon", "not a duration" },
		{ "1h 30m", "no spaces" },
		{ " 1h", "not a duration" },
		{ "1h30", "not a duration" },
		{ "-1h", "not a duration" },
		{ "+1h", "not a duration" },
		{ "1.5h", "not a duration" },
		{ "1e3s", "not a duration" },
		{ "30m1h", "largest first" },
		{ "1h1h", "each once" },
		{ "0", "zero" },
		{ "0s", "zero" },
		{ "0d0h0m0s", "zero" },
		{ "3651d", "longer than 3650d" },
		{ "3650d1s", "longer than 3650d" },
		{ "99999999999999999999999s", "not a duration" },
	};
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char why[160] = "";
		long long s = -1;
		int err = xf_manual_ttl_parse(cases[i].text, &s, why, sizeof(why));

		check_int(cases[i].text, "error", err, -EINVAL);
		check(strstr(why, cases[i].reason), "'%s': reason \"%s\" does not say \"%s\"",
		      cases[i].text, why, cases[i].reason);
		check_int(cases[i].text, "seconds left alone", s, -1);
	}
	check_end();
}

static struct xf_prefix pfx(const char *text)
{
	struct xf_prefix p;

	assert_int_equal(xf_prefix_parse(text, &p, NULL), 0);
	return p;
}

static void test_manual_meta_table(void **state)
{
	struct xf_manual_meta m = {};
	struct xf_prefix a = pfx("198.51.100.0/24"), b = pfx("2001:db8:bad::/48");
	const struct xf_manual_meta_entry *e;
	char text[32], why[160];
	size_t i;

	(void)state;
	check_begin();
	check_int("set a", "error", xf_manual_meta_set(&m, &a, false, 1000, "ticket 1"), 0);
	check_int("set a allow", "error", xf_manual_meta_set(&m, &a, true, 0, "ok"), 0);
	check_int("set b", "error", xf_manual_meta_set(&m, &b, false, 2000, NULL), 0);
	check_int("table", "entries", m.n, 3);
	e = xf_manual_meta_find(&m, &a, false);
	check(e && e->expires == 1000 && e->comment && !strcmp(e->comment, "ticket 1"),
	      "block entry of a: wrong or missing");
	e = xf_manual_meta_find(&m, &a, true);
	check(e && e->expires == 0 && e->comment && !strcmp(e->comment, "ok"),
	      "allow entry of a: wrong or missing (the two lists are apart)");
	e = xf_manual_meta_find(&m, &b, false);
	check(e && e->expires == 2000 && !e->comment, "b: wrong or missing");
	check(!xf_manual_meta_find(&m, &b, true), "b has no allow entry");

	/* setting again replaces both fields */
	check_int("reset a", "error", xf_manual_meta_set(&m, &a, false, 0, "ticket 2"), 0);
	e = xf_manual_meta_find(&m, &a, false);
	check(e && e->expires == 0 && e->comment && !strcmp(e->comment, "ticket 2"),
	      "a after the update: wrong");
	/* neither expiry nor comment: the entry goes (an empty comment is none) */
	check_int("clear a", "error", xf_manual_meta_set(&m, &a, false, 0, ""), 0);
	check(!xf_manual_meta_find(&m, &a, false), "a still there after clearing");
	xf_manual_meta_remove(&m, &b, false);
	xf_manual_meta_remove(&m, &b, false); /* twice: nothing to do */
	check_int("after removals", "entries", m.n, 1);
	xf_manual_meta_free(&m);

	/* many, in random order: all found, table sorted */
	rnd_seed("test_manual_meta_table");
	for (i = 0; i < 2000; i++) {
		struct xf_prefix p;

		snprintf(text, sizeof(text), "10.%u.%u.0/24", (unsigned)(i / 256), (unsigned)(i % 256));
		p = pfx(text);
		check_int(text, "set", xf_manual_meta_set(&m, &p, rnd() & 1, 1 + i, NULL), 0);
	}
	for (i = 0; i < 2000; i++) {
		struct xf_prefix p;

		snprintf(text, sizeof(text), "10.%u.%u.0/24", (unsigned)(i / 256), (unsigned)(i % 256));
		p = pfx(text);
		e = xf_manual_meta_find(&m, &p, false) ?: xf_manual_meta_find(&m, &p, true);
		check(e && e->expires == (time_t)(1 + i), "%s: not found or wrong", text);
	}
	for (i = 1; i < m.n; i++)
		check(xf_prefix_cmp(&m.entries[i - 1].prefix, &m.entries[i].prefix) < 0,
		      "table not sorted at %zu", i);
	xf_manual_meta_free(&m);
	check_int("freed", "entries", m.n, 0);

	/* comments: one printable line, UTF-8 welcome, bounded */
	check_int("plain comment", "check", xf_manual_comment_check("abuse ticket #42", why, sizeof(why)), 0);
	check_int("UTF-8 comment", "check",
		  xf_manual_comment_check("Ärger \xe2\x80\x93 signup spam", why, sizeof(why)), 0);
	check_int("newline", "check", xf_manual_comment_check("a\nb", why, sizeof(why)), -EINVAL);
	check(strstr(why, "0x0a"), "newline: reason \"%s\" does not name the character", why);
	check_int("tab", "check", xf_manual_comment_check("a\tb", why, sizeof(why)), -EINVAL);
	check_int("escape", "check", xf_manual_comment_check("\x1b[31mred", why, sizeof(why)), -EINVAL);
	check_int("DEL", "check", xf_manual_comment_check("a\x7f", why, sizeof(why)), -EINVAL);
	{
		char longest[XF_COMMENT_MAX + 2];

		memset(longest, 'c', sizeof(longest));
		longest[XF_COMMENT_MAX] = '\0';
		check_int("longest comment", "check", xf_manual_comment_check(longest, why, sizeof(why)), 0);
		longest[XF_COMMENT_MAX] = 'c';
		longest[XF_COMMENT_MAX + 1] = '\0';
		check_int("one byte too long", "check",
			  xf_manual_comment_check(longest, why, sizeof(why)), -EINVAL);
	}
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_accepts),
		cmocka_unit_test(test_ttl_refuses),
		cmocka_unit_test(test_manual_meta_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
