// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The quirks of ../shared/feeds/FORMATS.md, one test each: CRLF, UTF-8 BOM,
 * no final newline, trailing spaces, blank lines, a line past 100 KB, the
 * empty feed, host bits, IPv4-mapped/embedded IPv6, zero-padded octets,
 * ranges across CIDR boundaries (and the round trip that keeps a range a
 * range), /0, quoted CSV newlines, gzip. Truncated Spamhaus JSON is in
 * test_feed_formats.c, bogons and /0 refusal in test_feed_rails.c. */
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "test_feed.h"

static struct xf_feed_options opts(enum xf_feed_format format)
{
	struct xf_feed_options o;

	xf_feed_options_init(&o, format);
	o.name = "t";
	return o;
}

static void test_crlf(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("# header\r\n1.2.3.0/24\r\n\r\n2001:db8::/32 ; x\r\n", &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24", "2001:db8::/32");
	TF_COUNT(r, lines, 4);
	TF_COUNT(r, comments_blank, 2);
	TF_COUNT(r, bad, 0);

	o = opts(XF_FORMAT_CSV);
	o.column = "ip";
	assert_int_equal(tf_parse("\"ip\",\"note\"\r\n\"1.2.3.4\",\"a\r\nb\"\r\n5.6.7.8,c\r\n", &o, r),
			 0);
	TF_EXPECT(r, "1.2.3.4/32", "5.6.7.8/32");
	assert_int_equal(r->entries[1].line, 4);
	TF_COUNT(r, bad, 0);

	/* the trailer's size counts the bytes as sent, CRs included */
	o = opts(XF_FORMAT_SPAMHAUS_JSON);
	assert_int_equal(tf_parse("{\"cidr\":\"1.2.3.0/24\"}\r\n"
				  "{\"type\":\"metadata\",\"records\":1,\"size\":23}\r\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "1.2.3.0/24");
	TF_REFUSED(r, false);

	o = opts(XF_FORMAT_RANGES);
	assert_int_equal(tf_parse("1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\r\n", &o, r), 0);
	TF_EXPECT(r, "1.0.0.0/24");
}

static void test_utf8_bom(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("\xef\xbb\xbf" "1.2.3.0/24\n", &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24");
	TF_COUNT(r, bad, 0);

	/* the header's first name is found despite the BOM */
	o = opts(XF_FORMAT_CSV);
	o.column = "network";
	assert_int_equal(tf_parse("\xef\xbb\xbf" "network,x\n1.2.3.0/24,1\n", &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24");
	TF_REFUSED(r, false);

	o = opts(XF_FORMAT_JSON);
	o.select[o.nselect++] = ".[]";
	assert_int_equal(tf_parse("\xef\xbb\xbf[\"1.2.3.0/24\"]", &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24");
	TF_REFUSED(r, false);

	/* a BOM anywhere else is text, and not an address */
	o = opts(XF_FORMAT_LIST);
	o.max_bad_share = 1;
	assert_int_equal(tf_parse("1.2.3.0/24\n\xef\xbb\xbf" "5.6.7.0/24\n", &o, r), 0);
	TF_COUNT(r, bad, 1);
	TF_WARNING(r, "feed 't': t.txt:2: '\\xef\\xbb\\xbf5.6.7.0/24' is not an address, CIDR or "
		      "range");
}

static void test_no_final_newline_trailing_spaces_blank_lines(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("\n  \n\t\n1.2.3.0/24  \t\n   5.6.7.8 \n\n9.9.9.9", &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24", "5.6.7.8/32", "9.9.9.9/32");
	TF_COUNT(r, lines, 7);
	TF_COUNT(r, comments_blank, 4);
	TF_COUNT(r, bad, 0);
	assert_int_equal(r->entries[2].line, 7);

	o = opts(XF_FORMAT_TOR_EXITS);
	assert_int_equal(tf_parse("ExitNode AB\n\nExitAddress 1.2.3.4 2024-03-12 09:06:33  ", &o,
				  r),
			 0);
	TF_EXPECT(r, "1.2.3.4/32");
}

/* A line far longer than any fixed buffer: read whole, never cut (a cut
 * line would turn its tail into a second, different line). */
static void test_line_over_100k(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	size_t big = 150 * 1024, i, len;
	char *text = malloc(2 * big + 256), *p;

	assert_non_null(text);
	/* an entry with a 150 KB comment, then a 150 KB junk line */
	p = text + sprintf(text, "1.2.3.0/24 # ");
	memset(p, 'c', big);
	p += big;
	p += sprintf(p, " 9.9.9.9\n");
	memset(p, 'x', big);
	p += big;
	p += sprintf(p, "\n5.6.7.0/24\n");
	len = p - text;
	o.max_bad_share = 1;
	assert_int_equal(tf_parse_len(text, len, &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24", "5.6.7.0/24");
	TF_COUNT(r, lines, 3);
	TF_COUNT(r, bad, 1);
	assert_int_equal(r->entries[1].line, 3);
	/* the warning quotes the start of the line, not 150 KB of it */
	assert_int_equal(r->nwarnings, 1);
	assert_true(strlen(r->warnings[0]) < 256);
	assert_non_null(strstr(r->warnings[0], "t.txt:2: 'xxxx"));

	/* a cloud JSON document on one line with no newline: 6000 prefixes */
	p = text = realloc(text, 6000 * 40 + 64);
	assert_non_null(text);
	p += sprintf(p, "{\"prefixes\":[");
	for (i = 0; i < 6000; i++)
		p += sprintf(p, "%s{\"ip_prefix\":\"10.%zu.%zu.0/24\"}", i ? "," : "", i / 256,
			     i % 256);
	p += sprintf(p, "]}");
	assert_true(p - text > 100 * 1024);
	o = opts(XF_FORMAT_JSON);
	o.select[o.nselect++] = ".prefixes[].ip_prefix";
	assert_int_equal(tf_parse(text, &o, r), 0);
	TF_COUNT(r, lines, 1);
	TF_COUNT(r, v4, 6000);
	TF_COUNT(r, bad, 0);
	free(text);
}

/* A valid file with zero entries is a valid empty feed, not an error and
 * not a refusal (whether an empty update may be applied is the caller's
 * shrink rail). */
static void test_empty_feed(void **state)
{
	struct xf_feed_result *r = *state;
	static const struct {
		enum xf_feed_format format;
		const char *text;
	} cases[] = {
		{ XF_FORMAT_LIST, "" },
		{ XF_FORMAT_LIST, "#\n# feodo\n#\n# Entries : 0\n#\n" },
		{ XF_FORMAT_CSV, "" },
		{ XF_FORMAT_CSV, "#####\n\"first_seen_utc\",\"dst_ip\"\n# END 0 entries" },
		{ XF_FORMAT_RANGES, "" },
		{ XF_FORMAT_TOR_EXITS, "" },
		{ XF_FORMAT_SPAMHAUS_JSON, "{\"type\":\"metadata\",\"records\":0,\"size\":0}\n" },
		{ XF_FORMAT_JSON, "{\"prefixes\":[]}" },
	};
	struct xf_feed_options o;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		o = opts(cases[i].format);
		o.column = "dst_ip";
		o.select[o.nselect++] = ".prefixes[].ip_prefix";
		print_message("case %zu: %s\n", i, xf_feed_format_name(cases[i].format));
		assert_int_equal(tf_parse(cases[i].text, &o, r), 0);
		TF_EXPECT_NONE(r);
		TF_REFUSED(r, false);
		TF_COUNT(r, bad, 0);
	}
}

static void test_host_bits(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("1.2.3.4/24\n1.2.3.4/32\n2001:db8::1/32\n10.1.2.3/8\n", &o, r), 0);
	/* the length is kept, the network is what the feed meant */
	TF_EXPECT(r, "1.2.3.0/24", "1.2.3.4/32", "10.0.0.0/8", "2001:db8::/32");
	TF_COUNT(r, host_bits, 3);
	TF_WARNING(r, "feed 't': t.txt:1: '1.2.3.4/24' has host bits set: using 1.2.3.0/24");
	TF_WARNING(r, "feed 't': t.txt:3: '2001:db8::1/32' has host bits set: using "
		      "2001:db8::/32");
	TF_WARNING(r, "feed 't': t.txt:4: '10.1.2.3/8' has host bits set: using 10.0.0.0/8");
}

static void test_mapped_ipv6(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	assert_int_equal(tf_parse("::ffff:1.2.3.4\n"
				  "::1.2.0.0/112\n"
				  "::ffff:5.6.7.0/120\n"
				  "::81.2.69.0/120\n"
				  "::ffff:9.9.9.9 - ::ffff:9.9.9.10\n"
				  "::ffff:102:304\n",
				  &o, r),
			 0);
	/* written with a dotted quad: IPv4, length less 96; hex stays IPv6 */
	TF_EXPECT(r, "1.2.0.0/16", "1.2.3.4/32", "5.6.7.0/24", "9.9.9.9/32", "9.9.9.10/32",
		  "81.2.69.0/24", "::ffff:1.2.3.4/128");
	TF_COUNT(r, mapped, 5);
	TF_COUNT(r, host_bits, 0);
	TF_COUNT(r, v6, 1);
}

/* Zero-padded octets are read as decimal with a warning -- never as octal
 * (inet_aton reads 010 as 8) and never rejected outright, since some
 * formats pad (001.002.004.000). Shortened forms stay bad. */
static void test_zero_padded_octets(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	o.max_bad_share = 1;
	assert_int_equal(tf_parse("001.002.004.000/24\n"
				  "010.0.0.1\n"
				  "08.09.000.255\n"
				  "000.000.000.000/8\n"
				  "0300.0.0.1\n"
				  "1.2.3\n"
				  "0x7f.0.0.1\n"
				  "1.2.3.0/024\n"
				  "001.002.003.004-001.002.003.007\n",
				  &o, r),
			 0);
	TF_EXPECT(r, "0.0.0.0/8", "1.2.3.4/30", "1.2.4.0/24", "8.9.0.255/32", "10.0.0.1/32");
	TF_COUNT(r, zero_padded, 5);
	TF_COUNT(r, bad, 4);
	TF_WARNING(r, "feed 't': t.txt:1: '001.002.004.000/24' has zero-padded octets: read as "
		      "decimal");
	TF_WARNING(r, "feed 't': t.txt:2: '010.0.0.1' has zero-padded octets: read as decimal");
	TF_WARNING(r, "feed 't': t.txt:5: '0300.0.0.1' is not an address, CIDR or range");
}

static __u64 rnd_state;

static __u64 rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static void rnd_seed(void)
{
	const char *env = getenv("XF_TEST_SEED");

	rnd_state = env && *env ? strtoull(env, NULL, 0) : (__u64)time(NULL) ^ (__u64)getpid();
	if (!rnd_state)
		rnd_state = 1;
	print_message("seed %llu (replay: XF_TEST_SEED=%llu)\n", (unsigned long long)rnd_state,
		      (unsigned long long)rnd_state);
}

/* Reference math on 16-byte big-endian numbers, bit by bit, written apart
 * from the parser's. */
static void big_add_one(__u8 *a, unsigned int bytes)
{
	while (bytes-- && ++a[bytes] == 0)
		;
}

/* a += v; returns the carry out of the top byte */
static unsigned int big_add(__u8 *a, unsigned int bytes, __u64 v)
{
	unsigned int carry = 0;

	while (bytes--) {
		unsigned int sum = a[bytes] + (unsigned int)(v & 0xff) + carry;

		a[bytes] = (__u8)sum;
		carry = sum >> 8;
		v >>= 8;
	}
	return carry || v;
}

static int big_cmp(const __u8 *a, const __u8 *b, unsigned int bytes)
{
	return memcmp(a, b, bytes);
}

static unsigned int bit(const __u8 *a, unsigned int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* last address of p */
static void big_last(const struct xf_prefix *p, __u8 *out)
{
	unsigned int i, bits = p->family == XF_FAMILY_V4 ? 32 : 128;

	memcpy(out, p->addr, 16);
	for (i = p->len; i < bits; i++)
		out[i / 8] |= (__u8)(0x80 >> (i % 8));
}

static void addr_text(int family, const __u8 *a, char *buf, size_t len)
{
	inet_ntop(family == XF_FAMILY_V4 ? AF_INET : AF_INET6, a, buf, len);
}

/* Ranges across CIDR boundaries: a range becomes CIDRs that cover it
 * exactly, in order, each aligned, and minimal -- no two neighbours of one
 * length could merge into their parent. */
static void test_ranges_decompose_exactly(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	char text[256], sa[64], sb[64];
	int round;

	rnd_seed();
	for (round = 0; round < 400; round++) {
		int family = round % 2 ? XF_FAMILY_V6 : XF_FAMILY_V4;
		unsigned int bytes = family == XF_FAMILY_V4 ? 4 : 16, i;
		__u8 a[16] = {}, b[16] = {}, next[16], last[16];

		for (i = 0; i < bytes; i++)
			a[i] = (__u8)rnd();
		/* b = a + a span of 1 to 40 random bits: most cross boundaries */
		memcpy(b, a, 16);
		if (big_add(b, bytes, rnd() >> (24 + rnd() % 40))) {
			/* past the top: the range from a to the last address */
			memset(b, 0, 16);
			memset(b, 0xff, bytes);
		}
		addr_text(family, a, sa, sizeof(sa));
		addr_text(family, b, sb, sizeof(sb));
		snprintf(text, sizeof(text), "%s-%s\n", sa, sb);
		assert_int_equal(tf_parse(text, &o, r), 0);
		if (r->n == 0 || r->bad) {
			print_error("range %s: nothing parsed\n", text);
			fail();
		}
		memcpy(next, a, 16);
		for (i = 0; i < r->n; i++) {
			const struct xf_prefix *p = &r->entries[i].prefix;
			unsigned int k;

			/* starts where the previous one ended; aligned */
			if (p->family != family || big_cmp(p->addr, next, bytes)) {
				print_error("range %s: entry %u starts at the wrong place\n", text, i);
				tf_dump(r);
				fail();
			}
			for (k = p->len; k < bytes * 8; k++)
				assert_int_equal(bit(p->addr, k), 0);
			big_last(p, last);
			memcpy(next, last, 16);
			big_add_one(next, bytes);
			/* minimal: a same-length left sibling followed by its right
			 * sibling would merge */
			if (i && r->entries[i - 1].prefix.len == p->len && p->len &&
			    !bit(r->entries[i - 1].prefix.addr, p->len - 1) &&
			    bit(p->addr, p->len - 1)) {
				print_error("range %s: entries %u and %u could merge\n", text, i - 1,
					    i);
				tf_dump(r);
				fail();
			}
		}
		if (big_cmp(last, b, bytes)) {
			print_error("range %s: the last entry does not end at the end\n", text);
			tf_dump(r);
			fail();
		}
	}
}

/* The round trip: whatever a feed names comes out as exactly that
 * prefix -- a CIDR stays that CIDR, an aligned range becomes its CIDR (a
 * known bouncer turned ranges into single addresses), a single address
 * stays one address. Random prefixes, written three ways. */
static void test_round_trip(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	enum { N = 300 };
	struct xf_prefix want[N];
	char *text = malloc(N * 200), *t, a[64], b[64];
	int i, form;

	assert_non_null(text);
	rnd_seed();
	for (form = 0; form < 3; form++) {
		t = text;
		for (i = 0; i < N; i++) {
			struct xf_prefix *p = &want[i];
			__u8 last[16];
			unsigned int k;

			memset(p, 0, sizeof(*p));
			p->family = i % 3 ? XF_FAMILY_V4 : XF_FAMILY_V6;
			p->len = (__u8)(rnd() % ((p->family == XF_FAMILY_V4 ? 32 : 128) + 1));
			for (k = 0; k < (p->family == XF_FAMILY_V4 ? 4u : 16u); k++)
				p->addr[k] = (__u8)rnd();
			for (k = p->len; k < 128; k++)
				p->addr[k / 8] &= (__u8) ~(0x80 >> (k % 8));
			addr_text(p->family, p->addr, a, sizeof(a));
			big_last(p, last);
			addr_text(p->family, last, b, sizeof(b));
			if (form == 0)
				t += sprintf(t, "%s/%u\n", a, p->len);
			else if (form == 1)
				t += sprintf(t, "%s - %s ; range\n", a, b);
			else if (p->len == (p->family == XF_FAMILY_V4 ? 32 : 128))
				t += sprintf(t, "%s\n", a);
			else
				t += sprintf(t, "%s-%s\n", a, b);
		}
		assert_int_equal(tf_parse(text, &o, r), 0);
		TF_COUNT(r, bad, 0);
		TF_COUNT(r, parsed, N);
		TF_COUNT(r, ranges_split, 0);
		/* every wanted prefix is there, and nothing else */
		assert_int_equal(r->n + r->duplicates, N);
		for (i = 0; i < N; i++) {
			size_t k;

			for (k = 0; k < r->n; k++)
				if (r->entries[k].prefix.family == want[i].family &&
				    r->entries[k].prefix.len == want[i].len &&
				    !memcmp(r->entries[k].prefix.addr, want[i].addr, 16))
					break;
			if (k == r->n) {
				char buf[80];

				tf_prefix_text(&want[i], buf, sizeof(buf));
				print_error("form %d: %s did not come out\n", form, buf);
				fail();
			}
		}
	}
	free(text);
}

static void test_zero_length(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);

	/* parsing keeps /0 as written; the rails refuse it */
	assert_int_equal(tf_parse("0.0.0.0/0\n::/0\n1.2.3.4/0\n", &o, r), 0);
	TF_EXPECT(r, "0.0.0.0/0", "::/0");
	TF_COUNT(r, host_bits, 1);
	TF_COUNT(r, duplicates, 1);
}

/* gzip, made here with zlib, one member or several */
static size_t gzip_buf(const char *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream zs = {};

	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (unsigned int)len;
	zs.next_out = out;
	zs.avail_out = (unsigned int)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

static void test_gzip(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o = opts(XF_FORMAT_LIST);
	const char *a = "1.2.3.0/24\n", *b = "2001:db8::/32\n";
	unsigned char gz[512];
	char path[4200];
	size_t n, m;

	n = gzip_buf(a, strlen(a), gz, sizeof(gz));
	assert_int_equal(xf_feed_parse_buffer("t.txt.gz", gz, n, &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24");
	TF_REFUSED(r, false);

	/* two members, as `cat a.gz b.gz` makes */
	m = gzip_buf(b, strlen(b), gz + n, sizeof(gz) - n);
	assert_int_equal(tf_parse_len((char *)gz, n + m, &o, r), 0);
	TF_EXPECT(r, "1.2.3.0/24", "2001:db8::/32");
	TF_REFUSED(r, false);

	/* truncated and corrupt streams refuse the file */
	assert_int_equal(tf_parse_len((char *)gz, n - 5, &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "feed 't': t.txt: truncated gzip stream");
	gz[12] ^= 0xff;
	assert_int_equal(tf_parse_len((char *)gz, n, &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "corrupt gzip stream");
	gz[12] ^= 0xff;
	memcpy(gz + n, "junk", 4);
	assert_int_equal(tf_parse_len((char *)gz, n + 4, &o, r), 0);
	TF_REFUSED(r, true);
	TF_REASON(r, "4 bytes of garbage after the gzip stream");

	/* a file made with gzip(1): CRLF, comments, no final newline */
	snprintf(path, sizeof(path), "%s/tests/feeds/list-crlf.txt.gz", tf_top());
	xf_feed_result_free(r);
	assert_int_equal(xf_feed_parse_file(path, &o, r), 0);
	TF_EXPECT(r, "192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32");
	TF_COUNT(r, lines, 4);
	TF_COUNT(r, comments_blank, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TF_TEST(test_crlf),
		TF_TEST(test_utf8_bom),
		TF_TEST(test_no_final_newline_trailing_spaces_blank_lines),
		TF_TEST(test_line_over_100k),
		TF_TEST(test_empty_feed),
		TF_TEST(test_host_bits),
		TF_TEST(test_mapped_ipv6),
		TF_TEST(test_zero_padded_octets),
		TF_TEST(test_ranges_decompose_exactly),
		TF_TEST(test_round_trip),
		TF_TEST(test_zero_length),
		TF_TEST(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
