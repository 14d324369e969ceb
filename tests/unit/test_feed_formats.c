// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Each feed format on small synthetic inputs: exact prefixes, counts by
 * outcome and warning text (feed, file:line, the text). The quirks every
 * format must survive are in test_feed_quirks.c, the real files in
 * test_feed_real.c. */
#include "test_feed.h"

static struct xf_feed_options opts(enum xf_feed_format format)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, format);
	o.name = "t";
	return o;
}

static void test_format_names(void **state)
{
	enum xf_feed_format f;
	int i;

	(void)state;
	for (i = 0; i < XF_FORMAT_MAX; i++) {
		assert_int_equal(xf_feed_format_parse(xf_feed_format_name(i), &f), 0);
		assert_int_equal(f, i);
	}
	assert_int_equal(xf_feed_format_parse("spamhaus-json", &f), 0);
	assert_int_equal(f, XF_FORMAT_SPAMHAUS_JSON);
	assert_int_equal(xf_feed_format_parse("tor-exits", &f), 0);
	assert_int_equal(f, XF_FORMAT_TOR_EXITS);
	assert_int_equal(xf_feed_format_parse("netset", &f), -EINVAL);
	assert_int_equal(xf_feed_format_parse("", &f), -EINVAL);
}

static void test_list_entries_and_comments(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("# FireHOL header\n"
				  "; Spamhaus header\n"
				  "1.10.16.0/20 ; SBL256894\n"
				  "192.0.2.7\t3\n"
				  "198.51.100.0/24,extra,columns\n"
				  "203.0.113.9 # a comment\n"
				  "2001:db8::/32 ; SBL1\n"
				  "2001:db8:1::1 some text\n"
				  "\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "1.10.16.0/20", "192.0.2.7/32", "198.51.100.0/24", "203.0.113.9/32",
		  "2001:db8::/32", "2001:db8:1::1/128");
	TF_COUNT(r, lines, 9);
	TF_COUNT(r, comments_blank, 3);
	TF_COUNT(r, parsed, 6);
	TF_COUNT(r, bad, 0);
	TF_COUNT(r, v4, 4);
	TF_COUNT(r, v6, 2);
	TF_COUNT(r, accepted, 6);
	TF_COUNT(r, warnings_total, 0);
	TF_REFUSED(r, false);
	assert_int_equal(r->entries[0].line, 3);
	assert_int_equal(r->entries[5].line, 8);
}

static void test_list_bad_lines_warn(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	char text[4096] = "";
	int i;

	/* 1 bad in 20: counted and warned, not refused */
	for (i = 0; i < 19; i++)
		sprintf(text + strlen(text), "10.0.%d.0/24\n", i);
	strcat(text, "1.2.3.999/24\n");
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_COUNT(r, parsed, 19);
	TF_COUNT(r, bad, 1);
	TF_REFUSED(r, false);
	TF_WARNING(r, "feed 't': t.txt:20: '1.2.3.999/24' is not an address, CIDR or range");

	/* other kinds of bad text, each with its own message */
	assert_int_equal(tf_parse("1.2.3.4/33\n"
				  "1.2.3\n"
				  "fe80::1%eth0\n"
				  "1.2.3.4/024\n"
				  "+1.2.3.4\n"
				  "1.2.3.9-1.2.3.4\n"
				  "1.2.3.4-::1\n"
				  "1.2.3.4/24-1.2.3.9\n"
				  "1.2.3.4-x\n",
				  &o, r),
			 0);
	TF_EXPECT_NONE(r);
	TF_COUNT(r, bad, 9);
	TF_REFUSED(r, true);
	TF_REASON(r, "feed 't': t.txt: 9 of 9 records are bad (more than 10%)");
	TF_WARNING(r, "feed 't': t.txt:1: '1.2.3.4/33' is not an address, CIDR or range");
	TF_WARNING(r, "feed 't': t.txt:2: '1.2.3' is not an address, CIDR or range");
	TF_WARNING(r, "feed 't': t.txt:6: '1.2.3.9-1.2.3.4' is not a range: it starts after its "
		      "end");
	TF_WARNING(r, "feed 't': t.txt:7: '1.2.3.4-::1' is not a range: its ends are of different "
		      "families");
	TF_WARNING(r, "feed 't': t.txt:8: '1.2.3.4/24-1.2.3.9' is not a range: '1.2.3.4/24' is not "
		      "an address");
	TF_WARNING(r, "feed 't': t.txt:9: '1.2.3.4-x' is not a range: 'x' is not an address");
}

static void test_list_bad_share_threshold(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	const char *text = "10.0.0.0/8\n11.0.0.0/8\n12.0.0.0/8\n13.0.0.0/8\nnope\n";

	/* 1 bad of 5 records is 20 % */
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "1 of 5 records are bad (more than 10%)");
	TF_COUNT(r, n, 4); /* kept for reporting, not for applying */

	o.max_bad_share = 0.25;
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_REFUSED(r, false);

	o.max_bad_share = 0;
	assert_int_equal(tf_parse("10.0.0.0/8\n", &o, r), 0);
	TF_REFUSED(r, false);
	assert_int_equal(tf_parse("10.0.0.0/8\nnope\n", &o, r), 0);
	TF_REFUSED(r, true);

	o.max_bad_share = 1;
	assert_int_equal(tf_parse("nope\nnope\n", &o, r), 0);
	TF_REFUSED(r, false);
	TF_COUNT(r, bad, 2);
}

static void test_list_ranges(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("1.2.3.4-1.2.3.9\n"
				  "10.0.0.0 - 10.0.255.255\n"
				  "20.0.0.255 -20.0.1.0 ; crosses a /24 boundary\n"
				  "30.0.0.1- 30.0.0.1\n"
				  "2001:db8::1 - 2001:db8::4\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "1.2.3.4/30", "1.2.3.8/31", "10.0.0.0/16", "20.0.0.255/32", "20.0.1.0/32",
		  "30.0.0.1/32", "2001:db8::1/128", "2001:db8::2/127", "2001:db8::4/128");
	TF_COUNT(r, parsed, 5);
	TF_COUNT(r, ranges_split, 3);
	TF_COUNT(r, bad, 0);

	/* whole address spaces: the rails refuse /0, parsing keeps it */
	assert_int_equal(tf_parse("0.0.0.0-255.255.255.255\n"
				  ":: - ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"
				  "0.0.0.1-255.255.255.254\n",
				  &o, r),
			 0);
	TF_COUNT(r, n, 2 + 62);
	TF_COUNT(r, ranges_split, 1);
	assert_int_equal(r->entries[0].prefix.len, 0);
	assert_int_equal(r->entries[r->n - 1].prefix.len, 0);
}

static void test_list_min_score(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	const char *text = "# IP\tnumber of (black)lists\n"
			   "1.1.1.1\t10\n"
			   "2.2.2.2\t3\n"
			   "3.3.3.3\t2\n"
			   "4.4.4.4 5\n"
			   "5.5.5.5,4\n"
			   "6.6.6.6\n"
			   "7.7.7.7\tmany\n";

	/* without min_score the score is an extra column, ignored */
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_COUNT(r, n, 7);
	TF_COUNT(r, filtered, 0);

	o.has_min_score = true;
	o.min_score = 3;
	o.max_bad_share = 1;
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_EXPECT(r, "1.1.1.1/32", "2.2.2.2/32", "4.4.4.4/32", "5.5.5.5/32");
	TF_COUNT(r, filtered, 1);
	TF_COUNT(r, bad, 2);
	TF_WARNING(r, "feed 't': t.txt:7: '6.6.6.6' has no score column");
	TF_WARNING(r, "feed 't': t.txt:8: 'many' is not a score");
}

static void test_list_duplicates_and_nesting(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("10.1.0.0/16\n"
				  "10.0.0.0/8\n"
				  "10.1.0.0/16\n"
				  "10.1.2.3/16\n"
				  "10.1.0.0-10.1.255.255\n"
				  "2001:db8::/48\n"
				  "2001:DB8:0::/48\n",
				  &o, r),
			 0);
	/* sorted, exact duplicates gone (first line kept), nesting kept */
	TF_EXPECT(r, "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/48");
	TF_COUNT(r, parsed, 7);
	TF_COUNT(r, duplicates, 4);
	TF_COUNT(r, accepted, 3);
	assert_int_equal(r->entries[1].line, 1);
	assert_int_equal(r->entries[2].line, 6);
}

#define SH_REC1 "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n" /* 58 */
#define SH_REC2 "{\"cidr\":\"2.56.192.0/22\",\"sblid\":\"SBL459831\",\"rir\":null}\n"    /* 56 */
#define SH_REC3 "{\"cidr\":\"2.56.192.0/22\",\"sblid\":\"SBL459832\",\"rir\":\"ripencc\"}\n" /* 61 */
#define SH_TRAILER                                                                         \
	"{\"type\":\"metadata\",\"timestamp\":1784798042,\"size\":175,\"records\":3,"         \
	"\"copyright\":\"(c) Spamhaus\"}\n"

static const char spamhaus_good[] = SH_REC1 SH_REC2 SH_REC3 SH_TRAILER;

static void test_spamhaus_json(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_SPAMHAUS_JSON);

	assert_int_equal(tf_parse(spamhaus_good, &o, r), 0);
	TF_EXPECT(r, "1.10.16.0/20", "2.56.192.0/22");
	TF_COUNT(r, parsed, 3);
	TF_COUNT(r, duplicates, 1);
	TF_COUNT(r, comments_blank, 1);
	TF_REFUSED(r, false);
	assert_false(r->truncated);
}

static void test_spamhaus_json_truncated(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_SPAMHAUS_JSON);
	const char *trailer = strstr(spamhaus_good, "{\"type\"");
	char text[sizeof(spamhaus_good) + 64];

	/* cut before the trailer */
	assert_int_equal(tf_parse_len(spamhaus_good, trailer - spamhaus_good, &o, r), 0);
	TF_REFUSED(r, true);
	assert_true(r->truncated);
	TF_REASON(r, "feed 't': t.txt: no metadata trailer: the download is truncated");
	TF_COUNT(r, n, 2); /* what was read is reported, never applied */

	/* cut in the middle of a record line */
	assert_int_equal(tf_parse_len(spamhaus_good, 70, &o, r), 0);
	TF_REFUSED(r, true);
	assert_true(r->truncated);

	/* a record lost in the middle: records and size disagree */
	assert_int_equal(tf_parse(SH_REC1 SH_REC3 SH_TRAILER, &o, r), 0);
	TF_REFUSED(r, true);
	assert_true(r->truncated);
	TF_REASON(r, "line 3: the metadata trailer says 3 records in 175 bytes, read 2 records in "
		     "119 bytes: truncated download");

	/* a trailer without its counts */
	assert_int_equal(tf_parse("{\"cidr\":\"1.2.3.0/24\"}\n{\"type\":\"metadata\"}\n", &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "line 2: the metadata trailer has no valid \"records\" and \"size\"");

	/* something after the trailer */
	snprintf(text, sizeof(text), "%s{\"cidr\":\"9.9.9.0/24\"}\n", spamhaus_good);
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "line 5: data after the metadata trailer of line 4");
}

static void test_spamhaus_json_bad_records(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_SPAMHAUS_JSON);
	const char *text = "{\"cidr\":\"1.2.3.0/24\"}\n"	  /* 22 bytes */
			   "{\"cidr\":\"1.2.3.0/33\"}\n"	  /* 22 */
			   "{\"cidr\":null}\n"		  /* 14 */
			   "[1,2]\n"			  /* 6 */
			   "{\"cidr\":\"5.6.7.0/24\"} x\n" /* 24 */
			   "{\"cidr\":\"5.6.7.0/24\",\n"	  /* 22 */
			   "\n"				  /* 1 */
			   "{\"type\":\"metadata\",\"records\":6,\"size\":111}\n";

	o.max_bad_share = 1;
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24");
	TF_COUNT(r, bad, 5);
	TF_COUNT(r, comments_blank, 2);
	TF_REFUSED(r, false);
	TF_WARNING(r, "feed 't': t.txt:2: '1.2.3.0/33' is not an address, CIDR or range");
	TF_WARNING(r, "feed 't': t.txt:3: '{\"cidr\":null}' has no \"cidr\" string");
	TF_WARNING(r, "feed 't': t.txt:4: '[1,2]' is not a JSON object");
	TF_WARNING(r, "feed 't': t.txt:5: '{\"cidr\":\"5.6.7.0/24\"} x' is not a JSON object");
	TF_WARNING(r, "feed 't': t.txt:6: '{\"cidr\":\"5.6.7.0/24\",' is not a JSON object");
}

static const char aws_like[] =
	"{\"syncToken\":\"1\",\"prefixes\":["
	"{\"ip_prefix\":\"3.4.12.4/32\",\"service\":\"AMAZON\"},"
	"{\"ip_prefix\":\"3.5.140.0/22\",\"service\":\"AMAZON\"},"
	"{\"ip_prefix\":\"3.5.140.0/22\",\"service\":\"EC2\"},"
	"{\"ip_prefix\":null},"
	"{\"ip_prefix\":42},"
	"{\"service\":\"no prefix\"}],"
	"\"ipv6_prefixes\":["
	"{\"ipv6_prefix\":\"2600:1f00::/24\"},"
	"{\"ipv6_prefix\":\"2600:1f00::1/24\"},"
	"{\"ipv6_prefix\":\"2600:1f00::/129\"}]}";

static void test_json_select(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_JSON);

	o.select[o.nselect++] = ".prefixes[].ip_prefix";
	o.select[o.nselect++] = ".ipv6_prefixes[].ipv6_prefix";
	o.max_bad_share = 1;
	assert_int_equal(tf_parse(aws_like, &o, r), 0);
	TF_EXPECT(r, "3.4.12.4/32", "3.5.140.0/22", "2600:1f00::/24");
	TF_COUNT(r, parsed, 5);
	TF_COUNT(r, duplicates, 2);
	TF_COUNT(r, host_bits, 1);
	TF_COUNT(r, null_or_non_string, 3);
	TF_COUNT(r, bad, 1);
	TF_REFUSED(r, false);
	TF_WARNING(r, "feed 't': t.txt: '2600:1f00::/129' is not an address, CIDR or range");
	TF_WARNING(r, "feed 't': t.txt: '2600:1f00::1/24' has host bits set: using 2600:1f00::/24");

	/* one document, objects keyed by prefix (MaxMind test data) */
	xf_feed_options_init(&o, XF_FORMAT_JSON);
	o.select[o.nselect++] = ".[] | keys[]";
	assert_int_equal(tf_parse("[{\"::1.2.0.0/112\":{\"is_anonymous\":true}},"
				  "{\"2001:480:3a::/64\":{}}]",
				  &o, r),
			 0);
	TF_EXPECT(r, "1.2.0.0/16", "2001:480:3a::/64");
	TF_COUNT(r, mapped, 1);
}

static void test_json_errors(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_JSON);

	/* the config's fault: -EINVAL */
	assert_int_equal(tf_parse(aws_like, &o, r), -EINVAL);
	TF_REASON(r, "format json needs one to 8 select paths");
	o.select[o.nselect++] = ".prefixes[";
	assert_int_equal(tf_parse(aws_like, &o, r), -EINVAL);
	TF_REASON(r, "select '.prefixes[' is not a jq program");

	/* the document's fault: refused */
	o.select[0] = ".prefixes[].ip_prefix";
	assert_int_equal(tf_parse("{\"prefixes\":[{\"ip_prefix\":\"1.2.3.0/24\"}", &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "feed 't': t.txt: not a JSON document: ");
	assert_int_equal(tf_parse("", &o, r), 0);
	TF_REFUSED(r, true);
	assert_int_equal(tf_parse("{\"other\":1}", &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "select '.prefixes[].ip_prefix' fails on this document: Cannot iterate over "
		     "null");
	/* an error inside an iteration over an object (libjq 1.6 leaked a key
	 * there; valgrind or ASan on this test sees it) */
	o.select[0] = ".[] | .ip_prefix";
	assert_int_equal(tf_parse("{\"a\":\"1.2.3.0/24\",\"b\":{},\"c\":[]}", &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "select '.[] | .ip_prefix' fails on this document: Cannot index string with "
		     "string \"ip_prefix\"");
	/* the same error caught by the select itself: not refused, no leak */
	o.select[0] = "(.[] | .ip_prefix)?";
	assert_int_equal(tf_parse("{\"a\":\"1.2.3.0/24\",\"b\":{},\"c\":[]}", &o, r), 0);
	TF_REFUSED(r, false);
	TF_EXPECT_NONE(r);
	o.select[0] = ".prefixes[].ip_prefix";
	/* an empty list is a valid empty feed */
	assert_int_equal(tf_parse("{\"prefixes\":[]}", &o, r), 0);
	TF_REFUSED(r, false);
	TF_EXPECT_NONE(r);
}

static void test_csv_header_and_quotes(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_CSV);

	o.column = "network";
	assert_int_equal(tf_parse("name,Network,is_anonymous_vpn\n"
				  "\"a, with comma\",1.2.3.0/24,1\n"
				  "\"say \"\"hi\"\"\",\"2.3.4.0/24\",0\n"
				  "\"two\nlines\",3.4.5.0/24,1\n"
				  "plain, 4.5.6.7 ,1\n"
				  "short\n"
				  "x,\"\",1\n"
				  "x,\"5.6.7.8\"junk,1\n"
				  "x,6.7.8.9/24,1\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "1.2.3.0/24", "2.3.4.0/24", "3.4.5.0/24", "4.5.6.7/32", "6.7.8.0/24");
	TF_COUNT(r, bad, 3);
	TF_COUNT(r, comments_blank, 1);
	TF_COUNT(r, lines, 10);
	/* line numbers count the newline inside the quotes */
	assert_int_equal(r->entries[2].line, 4);
	assert_int_equal(r->entries[3].line, 6);
	TF_WARNING(r, "feed 't': t.txt:7: the row has 1 fields, column 2 is wanted");
	TF_WARNING(r, "feed 't': t.txt:8: the address field is empty");
	TF_WARNING(r, "feed 't': t.txt:9: text after a closing quote");
	TF_WARNING(r, "feed 't': t.txt:10: '6.7.8.9/24' has host bits set: using 6.7.8.0/24");

	/* with a row filter by another column */
	o.where_column = "is_anonymous_vpn";
	o.where_value = "1";
	o.max_bad_share = 1;
	assert_int_equal(tf_parse("network,is_anonymous_vpn\n"
				  "1.2.3.0/24,1\n"
				  "2.3.4.0/24,0\n"
				  "\"3.4.5.0/24\",\"1\"\n"
				  "4.5.6.0/24\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "1.2.3.0/24", "3.4.5.0/24");
	TF_COUNT(r, filtered, 1);
	TF_COUNT(r, bad, 1);
}

static void test_csv_abuse_ch_and_headerless(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_CSV);

	/* abuse.ch: '#' banner, quoted header, footer without a newline */
	o.column = "dst_ip";
	assert_int_equal(tf_parse("#####\n"
				  "# abuse.ch Feodo Tracker\n"
				  "#\n"
				  "\"first_seen_utc\",\"dst_ip\",\"dst_port\"\n"
				  "\"2023-05-23 17:51:44\",\"192.9.135.73\",\"1194\"\n"
				  "\"2024-02-08 19:20:49\",\"85.239.243.155\",\"5000\"\n"
				  "# END 2 entries",
				  &o, r),
			 0);
	TF_EXPECT(r, "85.239.243.155/32", "192.9.135.73/32");
	TF_COUNT(r, comments_blank, 5);
	TF_COUNT(r, lines, 7);

	/* RFC 8805 geofeed: no header, mixed families, column 1 */
	o.column = "1";
	assert_int_equal(tf_parse("5.101.96.0/21,NL,NL-NH,Amsterdam,1098 XH\n"
				  "2a03:b0c0:3:f0::/64,DE,DE-HE,Frankfurt,60341\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "5.101.96.0/21", "2a03:b0c0:3:f0::/64");
	TF_COUNT(r, comments_blank, 0);

	/* headerless with a numeric row filter */
	o.column = "2";
	o.where_column = "1";
	o.where_value = "yes";
	assert_int_equal(tf_parse("yes,1.2.3.4\nno,2.3.4.5\n", &o, r), 0);
	TF_EXPECT(r, "1.2.3.4/32");
	o.where_column = "name";
	assert_int_equal(tf_parse("yes,1.2.3.4\n", &o, r), -EINVAL);
}

static void test_csv_refusals(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_CSV);

	o.column = "network";
	assert_int_equal(tf_parse("prefix,country\n1.2.3.0/24,NL\n", &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "feed 't': t.txt: line 1: the header has no column 'network'");

	/* a quote left open swallows the rest of the file: refused */
	assert_int_equal(tf_parse("network,x\n1.2.3.0/24,\"open\n2.3.4.0/24,1\n", &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "line 2: a quoted field is still open at the end of the file");

	/* options that make no sense */
	o.column = NULL;
	assert_int_equal(tf_parse("network\n", &o, r), -EINVAL);
	o.column = "network";
	o.where_column = "x";
	assert_int_equal(tf_parse("network\n", &o, r), -EINVAL);
}

static void test_ranges_iptoasn(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_RANGES);
	static const __u32 google[] = { 15169 };
	const char *text = "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"
			   "1.0.4.0\t1.0.7.255\t0\tNone\tNot routed\n"
			   "8.8.4.0\t8.8.4.255\t15169\tUS\tGOOGLE - Google LLC\n"
			   "8.34.208.0\t8.34.223.255\t15169\tUS\tGOOGLE\n"
			   "8.35.192.1\t8.35.192.6\t15169\tUS\tGOOGLE\n"
			   "2001:4860::\t2001:4860:ffff:ffff:ffff:ffff:ffff:ffff\t15169\tUS\tGOOGLE\n"
			   "2606:4700::\t2606:4700::2:ff\t13335\tUS\tCLOUDFLARENET\n";

	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_EXPECT(r, "1.0.0.0/24", "8.8.4.0/24", "8.34.208.0/20", "8.35.192.1/32",
		  "8.35.192.2/31", "8.35.192.4/31", "8.35.192.6/32", "2001:4860::/32",
		  "2606:4700::/111", "2606:4700::2:0/120");
	TF_COUNT(r, parsed, 6);
	TF_COUNT(r, filtered, 1);
	TF_COUNT(r, ranges_split, 2);

	o.asns = google;
	o.nasns = ARRAY_SIZE(google);
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_EXPECT(r, "8.8.4.0/24", "8.34.208.0/20", "8.35.192.1/32", "8.35.192.2/31",
		  "8.35.192.4/31", "8.35.192.6/32", "2001:4860::/32");
	TF_COUNT(r, filtered, 3);

	o.asns = NULL;
	o.nasns = 0;
	o.max_bad_share = 1;
	assert_int_equal(tf_parse("1.0.0.0\t1.0.0.255\tAS13335\tUS\tx\n"
				  "1.0.0.0 1.0.0.255 13335\n"
				  "1.0.0.0\t1.0.0.256\t13335\tUS\tx\n"
				  "# comment\n",
				  &o, r),
			 0);
	TF_COUNT(r, bad, 3);
	TF_COUNT(r, comments_blank, 1);
	TF_WARNING(r, "feed 't': t.txt:1: '1.0.0.0\\x091.0.0.255\\x09AS13335\\x09US\\x09x': "
		      "'AS13335' is not an AS number");
	TF_WARNING(r, "feed 't': t.txt:3: '1.0.0.0\\x091.0.0.256' is not a range: '1.0.0.256' is "
		      "not an address");
}

static void test_tor_exit_addresses(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_TOR_EXITS);

	assert_int_equal(tf_parse("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n"
				  "Published 2024-03-11 21:35:39\n"
				  "LastStatus 2024-03-12 09:00:00\n"
				  "ExitAddress 162.247.74.201 2024-03-12 09:06:33\n"
				  "ExitNode 0091174DE56EB0E98B2A6F6B2D9B8C5F7D4A7E6C\n"
				  "Published 2024-03-11 20:01:02\n"
				  "LastStatus 2024-03-12 08:00:00\n"
				  "ExitAddress 162.247.74.201 2024-03-12 08:10:00\n"
				  "ExitAddress 2a0b:f4c2::1 2024-03-12 08:10:00\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "162.247.74.201/32", "2a0b:f4c2::1/128");
	TF_COUNT(r, parsed, 3);
	TF_COUNT(r, duplicates, 1);
	TF_COUNT(r, comments_blank, 6);

	/* not an exit list: every line is bad, so the file is refused */
	assert_int_equal(tf_parse("1.2.3.4\n5.6.7.8\nExitAddress 1.2.3.0/24 x\n", &o, r), 0);
	TF_COUNT(r, bad, 3);
	TF_REFUSED(r, true);
	TF_WARNING(r, "feed 't': t.txt:1: '1.2.3.4' is not a TorDNSEL exit-addresses line");
	TF_WARNING(r, "feed 't': t.txt:3: '1.2.3.0/24' is not an address");
}

static void test_parse_file_errors(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(xf_feed_parse_file("/nonexistent/feed.txt", &o, r), -ENOENT);
	TF_REASON(r, "feed 't': /nonexistent/feed.txt: cannot read: No such file or directory");
	xf_feed_result_free(r);
	o.format = XF_FORMAT_MAX;
	assert_int_equal(tf_parse("1.2.3.4\n", &o, r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		TF_TEST(test_list_entries_and_comments),
		TF_TEST(test_list_bad_lines_warn),
		TF_TEST(test_list_bad_share_threshold),
		TF_TEST(test_list_ranges),
		TF_TEST(test_list_min_score),
		TF_TEST(test_list_duplicates_and_nesting),
		TF_TEST(test_spamhaus_json),
		TF_TEST(test_spamhaus_json_truncated),
		TF_TEST(test_spamhaus_json_bad_records),
		TF_TEST(test_json_select),
		TF_TEST(test_json_errors),
		TF_TEST(test_csv_header_and_quotes),
		TF_TEST(test_csv_abuse_ch_and_headerless),
		TF_TEST(test_csv_refusals),
		TF_TEST(test_ranges_iptoasn),
		TF_TEST(test_tor_exit_addresses),
		TF_TEST(test_parse_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
