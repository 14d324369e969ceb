// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/names.c: every ABI enum value has its own name, out-of-range values
 * read "unknown", and the block actions parse. */
#include <errno.h>

#include "check.h"
#include "names.h"

struct enum_names {
	const char *what;
	const char *(*name)(unsigned int);
	unsigned int max;
};

static const struct enum_names enums[] = {
	{ .what = "xf_action_name", .name = xf_action_name, .max = XF_ACTION_MAX },
	{ .what = "xf_verdict_name", .name = xf_verdict_name, .max = XF_VERDICT_MAX },
	{ .what = "xf_reason_name", .name = xf_reason_name, .max = XF_REASON_MAX },
	{ .what = "xf_reason_description", .name = xf_reason_description, .max = XF_REASON_MAX },
	{ .what = "xf_outcome_name", .name = xf_outcome_name, .max = XF_OUTCOME_MAX },
};

static void test_names_distinct(void **state)
{
	size_t e;
	unsigned int i, j;

	(void)state;
	check_begin();
	for (e = 0; e < ARRAY_SIZE(enums); e++) {
		const struct enum_names *en = &enums[e];

		for (i = 0; i < en->max; i++) {
			const char *n = en->name(i);

			check(n && *n && strcmp(n, "unknown"), "%s(%u): got \"%s\", want a name",
			      en->what, i, n ? n : "(null)");
			if (!n)
				continue;
			for (j = 0; j < i; j++) {
				const char *m = en->name(j);

				check(!m || strcmp(n, m), "%s(%u) and %s(%u) are both \"%s\"", en->what,
				      i, en->what, j, n);
			}
		}
		/* past the end, including values that would index far away */
		check_str(en->what, "MAX", en->name(en->max), "unknown");
		check_str(en->what, "MAX + 1", en->name(en->max + 1), "unknown");
		check_str(en->what, "~0", en->name(~0u), "unknown");
	}
	check_end();
}

static void test_mode_names(void **state)
{
	(void)state;
	check_begin();
	check_str("xf_mode_name", "native", xf_mode_name(XF_MODE_NATIVE), "native");
	check_str("xf_mode_name", "generic", xf_mode_name(XF_MODE_GENERIC), "generic");
	check_str("xf_mode_name", "99", xf_mode_name(99), "unknown");
	check_end();
}

static void test_action_parse(void **state)
{
	static const struct {
		const char *text;
		int err;
		__u8 action;
	} cases[] = {
		{ .text = "drop", .err = 0, .action = XF_ACTION_DROP },
		{ .text = "tag", .err = 0, .action = XF_ACTION_TAG },
		{ .text = "count", .err = 0, .action = XF_ACTION_COUNT },
		/* allow is a list of its own, not a block action */
		{ .text = "allow", .err = -EINVAL },
		{ .text = "none", .err = -EINVAL },
		{ .text = "", .err = -EINVAL },
		{ .text = "DROP", .err = -EINVAL },
		{ .text = "Drop", .err = -EINVAL },
		{ .text = "drop ", .err = -EINVAL },
		{ .text = " drop", .err = -EINVAL },
		{ .text = "drop\n", .err = -EINVAL },
		{ .text = "dro", .err = -EINVAL },
		{ .text = "drops", .err = -EINVAL },
		{ .text = "d", .err = -EINVAL },
		{ .text = "counts", .err = -EINVAL },
		{ .text = "3", .err = -EINVAL },
		{ .text = "pass", .err = -EINVAL },
	};
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u8 action = 0xee;
		int err = xf_action_parse(cases[i].text, &action);

		check_int(cases[i].text, "xf_action_parse", err, cases[i].err);
		if (!err && !cases[i].err)
			check_int(cases[i].text, "action", action, cases[i].action);
	}
	/* every block action parses back from its own name */
	for (i = XF_ACTION_COUNT; i <= XF_ACTION_DROP; i++) {
		__u8 action = 0xee;
		int err = xf_action_parse(xf_action_name((unsigned int)i), &action);

		check_int(xf_action_name((unsigned int)i), "parse(name)", err, 0);
		check_int(xf_action_name((unsigned int)i), "parse(name)", action, i);
	}
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_distinct),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_action_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
