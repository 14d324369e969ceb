// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The safety rails on parsed feeds: /0 always refused, the per-family
 * minimum prefix length, special-purpose space skipped (inside it or
 * containing it) unless allowed, with warnings naming file:line. */
#include "test_feed.h"

static void parse(struct xf_feed_result *r, const char *text)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, XF_FORMAT_LIST);
	o.name = "t";
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_COUNT(r, bad, 0);
}

#define RC_EXPECT(c, z, s, sp, k)                                                          \
	do {                                                                               \
		if ((c).zero_length != (z) || (c).too_short != (s) || (c).special != (sp) ||  \
		    (c).kept != (k)) {                                                     \
			print_error("%s:%d: counts zero %zu short %zu special %zu kept %zu, " \
				    "want %d %d %d %d\n",                                  \
				    __FILE__, __LINE__, (c).zero_length, (c).too_short,    \
				    (c).special, (c).kept, z, s, sp, k);                   \
			tf_dump(r);                                                        \
			fail();                                                            \
		}                                                                          \
	} while (0)

static void test_zero_length_always_refused(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_rails rails = { .min_prefix4 = 0, .min_prefix6 = 0, .allow_special = true };
	struct xf_rails_counts c;

	parse(r, "0.0.0.0/0\n::/0\n8.8.8.0/24\n");
	assert_int_equal(xf_rails_apply(r, &rails, &c), 0);
	RC_EXPECT(c, 2, 0, 0, 1);
	TF_EXPECT(r, "8.8.8.0/24");
	TF_COUNT(r, v4, 1);
	TF_COUNT(r, v6, 0);
	TF_COUNT(r, accepted, 1);
	TF_WARNING(r, "feed 't': t.txt:1: 0.0.0.0/0 covers every address: refused");
	TF_WARNING(r, "feed 't': t.txt:2: ::/0 covers every address: refused");
}

static void test_min_prefix(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_rails rails;
	struct xf_rails_counts c;

	xf_rails_init(&rails);
	assert_int_equal(rails.min_prefix4, 8);
	assert_int_equal(rails.min_prefix6, 19);
	assert_false(rails.allow_special);

	parse(r, "8.0.0.0/7\n8.0.0.0/8\n2600::/18\n2600::/19\n");
	assert_int_equal(xf_rails_apply(r, &rails, &c), 0);
	RC_EXPECT(c, 0, 2, 0, 2);
	TF_EXPECT(r, "8.0.0.0/8", "2600::/19");
	TF_WARNING(r, "feed 't': t.txt:1: 8.0.0.0/7 is shorter than the minimum /8: refused");
	TF_WARNING(r, "feed 't': t.txt:3: 2600::/18 is shorter than the minimum /19: refused");

	parse(r, "8.8.8.0/24\n8.8.8.8\n2600::/32\n");
	rails.min_prefix4 = 32;
	rails.min_prefix6 = 48;
	assert_int_equal(xf_rails_apply(r, &rails, &c), 0);
	RC_EXPECT(c, 0, 2, 0, 1);
	TF_EXPECT(r, "8.8.8.8/32");

	rails.min_prefix4 = 33;
	assert_int_equal(xf_rails_apply(r, &rails, &c), -EINVAL);
	rails.min_prefix4 = 8;
	rails.min_prefix6 = 129;
	assert_int_equal(xf_rails_apply(r, &rails, &c), -EINVAL);
}

/* Inside special space, equal to it, or containing it: all skipped. */
static void test_special_space(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_rails rails;
	struct xf_rails_counts c;

	xf_rails_init(&rails);
	rails.min_prefix4 = 1;
	rails.min_prefix6 = 1;
	parse(r, "10.0.0.0/8\n"
		 "10.1.2.0/24\n"
		 "192.168.1.1\n"
		 "172.16.0.0/12\n"
		 "172.32.0.0/16\n"
		 "100.64.0.0/10\n"
		 "100.128.0.0/10\n"
		 "127.0.0.1\n"
		 "169.254.1.0/24\n"
		 "192.0.2.0/24\n"
		 "198.51.100.7\n"
		 "203.0.113.0/25\n"
		 "198.18.0.0/15\n"
		 "224.0.0.0/3\n"
		 "239.1.1.1\n"
		 "255.255.255.255\n"
		 "0.0.0.0/8\n"
		 "0.0.0.0/1\n"
		 "8.8.8.8\n"
		 "1.1.1.0/24\n");
	assert_int_equal(xf_rails_apply(r, &rails, &c), 0);
	TF_EXPECT(r, "1.1.1.0/24", "8.8.8.8/32", "100.128.0.0/10", "172.32.0.0/16");
	RC_EXPECT(c, 0, 0, 16, 4);
	TF_WARNING(r, "feed 't': t.txt:2: 10.1.2.0/24 overlaps special-purpose 10.0.0.0/8 "
		      "(private-use, RFC 1918): skipped");
	TF_WARNING(r, "feed 't': t.txt:6: 100.64.0.0/10 overlaps special-purpose 100.64.0.0/10 "
		      "(shared address space, CGNAT, RFC 6598): skipped");
	/* containing special space: FireHOL level1's 224/3 */
	TF_WARNING(r, "feed 't': t.txt:14: 224.0.0.0/3 overlaps special-purpose 224.0.0.0/4 "
		      "(multicast, RFC 5771): skipped");
	TF_WARNING(r, "feed 't': t.txt:18: 0.0.0.0/1 overlaps special-purpose 0.0.0.0/8 "
		      "(\"this network\", RFC 791): skipped");
}

static void test_special_space_v6(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_rails rails;
	struct xf_rails_counts c;

	xf_rails_init(&rails);
	rails.min_prefix6 = 1;
	parse(r, "::1\n"
		 "::\n"
		 "::ffff:0:0/96\n"
		 "64:ff9b::/96\n"
		 "fc00::/7\n"
		 "fd12:3456::/32\n"
		 "fe80::1\n"
		 "ff02::1\n"
		 "2001:db8:1::/48\n"
		 "2001::/32\n"
		 "3fff:1::/32\n"
		 "abcd:1000::/112\n"
		 "::/1\n"
		 "2000::/3\n"
		 "2a00:1450::/32\n"
		 "2002:c000:204::/48\n"
		 "2606:4700::/32\n");
	assert_int_equal(xf_rails_apply(r, &rails, &c), 0);
	TF_EXPECT(r, "2002:c000:204::/48", "2606:4700::/32", "2a00:1450::/32");
	RC_EXPECT(c, 0, 0, 14, 3);
	TF_WARNING(r, "feed 't': t.txt:12: abcd:1000::/112 overlaps special-purpose the space "
		      "outside 2000::/3 (not global unicast, RFC 4291): skipped");
	TF_WARNING(r, "feed 't': t.txt:14: 2000::/3 overlaps special-purpose 2001::/23 (IETF "
		      "protocol assignments, RFC 2928): skipped");
	TF_WARNING(r, "feed 't': t.txt:6: fd12:3456::/32 overlaps special-purpose fc00::/7 "
		      "(unique local, RFC 4193): skipped");
}

static void test_allow_special(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_rails rails;
	struct xf_rails_counts c;

	xf_rails_init(&rails);
	rails.allow_special = true;
	parse(r, "10.0.0.0/8\n192.168.0.0/16\n224.0.0.0/3\nfc00::/7\n0.0.0.0/0\n");
	assert_int_equal(xf_rails_apply(r, &rails, &c), 0);
	/* the minimum length and /0 still hold */
	RC_EXPECT(c, 1, 2, 0, 2);
	TF_EXPECT(r, "10.0.0.0/8", "192.168.0.0/16");
}

static void test_special_overlap_lookup(void **state)
{
	static const struct {
		const char *text;
		bool special;
	} cases[] = {
		{ "10.255.255.255/32", true }, { "11.0.0.0/8", false },
		{ "100.63.255.255/32", false }, { "100.64.0.0/32", true },
		{ "100.127.255.255/32", true }, { "100.128.0.0/32", false },
		{ "172.15.255.255/32", false }, { "172.31.255.255/32", true },
		{ "192.0.0.9/32", true },	{ "192.31.196.0/24", false },
		{ "192.88.99.1/32", true },	{ "198.17.255.255/32", false },
		{ "198.19.255.255/32", true },	{ "223.255.255.255/32", false },
		{ "224.0.0.0/32", true },	{ "255.255.255.255/32", true },
		{ "128.0.0.0/1", true },	{ "64.0.0.0/2", true },
		{ "1.0.0.0/8", false },		{ "2001:200::/23", false },
		{ "2001:1ff::/32", true },	{ "1fff:ffff::/32", true },
		{ "4000::/32", true },		{ "2620:4f:8000::/48", false },
	};
	struct xf_prefix p;
	size_t i;
	int fails = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *name;

		assert_int_equal(xf_prefix_parse(cases[i].text, &p, NULL), 0);
		name = xf_special_overlap(&p);
		if (!!name != cases[i].special) {
			print_error("%s: special %s, want %s\n", cases[i].text,
				    name ? name : "no", cases[i].special ? "yes" : "no");
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TF_TEST(test_zero_length_always_refused),
		TF_TEST(test_min_prefix),
		TF_TEST(test_special_space),
		TF_TEST(test_special_space_v6),
		TF_TEST(test_allow_special),
		cmocka_unit_test(test_special_overlap_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
