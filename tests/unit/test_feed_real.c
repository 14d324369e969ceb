// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every real feed in ../shared/feeds (and the synthetic fixtures in
 * tests/feeds) parsed with its format and options, and compared with an
 * independent oracle, tests/feeds/oracle.py (Python's ipaddress, json,
 * csv): the same v4/v6 counts, duplicates, split ranges, bad and filtered
 * records, and the very same list of prefixes. The counts SOURCES.md
 * states are checked too, so the two cannot agree on a wrong answer.
 *
 * The feeds directory is $XF_FEEDS_DIR, else ../shared/feeds beside the
 * repository (git rev-parse --show-toplevel); its absence skips the real
 * files, never the fixtures. */
#include <sys/stat.h>
#include <zlib.h>

#include "test_feed.h"

struct real_case {
	const char *name;
	const char *file; /* "shared:" real feeds, "fixture:" tests/feeds */
	enum xf_feed_format format;
	const char *select[2];
	const char *column, *where_column, *where_value;
	long min_score; /* > 0: --min-score */
	const __u32 *asns;
	size_t nasns;
	long v4, v6; /* from SOURCES.md; -1: not stated there */
};

static const __u32 asn_google[] = { 15169 };
static const __u32 asn_cloudflare_private[] = { 13335, 64512 };

#define SHARED(path) "shared:" path
#define FIXTURE(path) "fixture:" path

static const struct real_case cases[] = {
	{ "firehol_level1", SHARED("najitestech__blocklist-ipsets/firehol_level1.netset"),
	  XF_FORMAT_LIST, .v4 = 2511, .v6 = 0 },
	{ "firehol_datacenters", SHARED("najitestech__blocklist-ipsets/datacenters.netset"),
	  XF_FORMAT_LIST, .v4 = 4224, .v6 = 0 },
	{ "firehol_tor_exits", SHARED("najitestech__blocklist-ipsets/tor_exits.ipset"),
	  XF_FORMAT_LIST, .v4 = 1204, .v6 = 0 },
	{ "firehol_socks_proxy_7d", SHARED("najitestech__blocklist-ipsets/socks_proxy_7d.ipset"),
	  XF_FORMAT_LIST, .v4 = 11264, .v6 = 0 },
	{ "firehol_feodo_empty", SHARED("najitestech__blocklist-ipsets/feodo.ipset"),
	  XF_FORMAT_LIST, .v4 = 0, .v6 = 0 },
	{ "firehol_anonymous", SHARED("SIXwishlist__blocklist-ipsets/firehol_anonymous.netset"),
	  XF_FORMAT_LIST, .v4 = 259423, .v6 = 0 },
	{ "x4bnet_datacenter_v4", SHARED("X4BNet__lists_vpn/output/datacenter/ipv4.txt"),
	  XF_FORMAT_LIST, .v4 = 42566, .v6 = 0 },
	{ "x4bnet_datacenter_v6", SHARED("X4BNet__lists_vpn/output/datacenter/ipv6.txt"),
	  XF_FORMAT_LIST, .v4 = 0, .v6 = 8752 },
	{ "spamhaus_drop_txt", SHARED("gvanem__wsock-trace/drop.txt"), XF_FORMAT_LIST,
	  .v4 = 1385, .v6 = 0 },
	{ "spamhaus_dropv6_txt", SHARED("gvanem__wsock-trace/dropv6.txt"), XF_FORMAT_LIST,
	  .v4 = 0, .v6 = 78 },
	{ "spamhaus_drop_v4_json", SHARED("fsinfrastructure__FS_DROP_LIST/drop_v4.json"),
	  XF_FORMAT_SPAMHAUS_JSON, .v4 = 1670 - 1, .v6 = 0 },
	{ "tor_bulk_exit_list", SHARED("javascripterzzeerrr__ipinfo-parser/torbulkexitlist"),
	  XF_FORMAT_LIST, .v4 = 1174, .v6 = 0 },
	{ "ipsum", SHARED("stamparm__ipsum/ipsum.txt"), XF_FORMAT_LIST, .v4 = 120430, .v6 = 0 },
	/* counts 3 to 10 of SOURCES.md's distribution */
	{ "ipsum_min_score_3", SHARED("stamparm__ipsum/ipsum.txt"), XF_FORMAT_LIST,
	  .min_score = 3, .v4 = 8863 + 3941 + 1095 + 248 + 47 + 14 + 6 + 3, .v6 = 0 },
	{ "et_compromised_ips",
	  SHARED("CriticalPathSecurity__Public-Intelligence-Feeds/compromised-ips.txt"),
	  XF_FORMAT_LIST, .v4 = 539, .v6 = 0 },
	{ "aws_ip_ranges", SHARED("femueller__cloud-ip-ranges/aws-ip-ranges.json"),
	  XF_FORMAT_JSON, { ".prefixes[].ip_prefix", ".ipv6_prefixes[].ipv6_prefix" },
	  .v4 = 8971 - 2121, .v6 = 4373 - 2157 },
	{ "digitalocean_geofeed", SHARED("femueller__cloud-ip-ranges/digitalocean.csv"),
	  XF_FORMAT_CSV, .column = "1", .v4 = 1037, .v6 = 145 },
	{ "abuse_ch_feodo_csv", SHARED("wizard-projects__abuse.chC2Feeds/ipblocklist.csv"),
	  XF_FORMAT_CSV, .column = "dst_ip", .v4 = 28, .v6 = 0 },
	{ "iptoasn_v4", SHARED("jpastuszek__asn-db/ip2asn-v4.tsv"), XF_FORMAT_RANGES,
	  .v4 = 1587, .v6 = 0 },
	{ "iptoasn_v4_asn_15169", SHARED("jpastuszek__asn-db/ip2asn-v4.tsv"), XF_FORMAT_RANGES,
	  .asns = asn_google, .nasns = 1, .v4 = -1, .v6 = -1 },
	{ "maxmind_anonymous_ip_json",
	  SHARED("maxmind__MaxMind-DB/source-data/GeoIP2-Anonymous-IP-Test.json"), XF_FORMAT_JSON,
	  { ".[] | keys[]" }, .v4 = 10, .v6 = 2 },

	{ "fixture_exit_addresses", FIXTURE("exit-addresses.txt"), XF_FORMAT_TOR_EXITS,
	  .v4 = -1, .v6 = -1 },
	{ "fixture_list_quirks", FIXTURE("list-quirks.txt"), XF_FORMAT_LIST, .v4 = -1, .v6 = -1 },
	{ "fixture_list_gzip", FIXTURE("list-crlf.txt.gz"), XF_FORMAT_LIST, .v4 = -1, .v6 = -1 },
	{ "fixture_ranges_mixed", FIXTURE("ranges-mixed.tsv"), XF_FORMAT_RANGES, .v4 = -1,
	  .v6 = -1 },
	{ "fixture_ranges_mixed_asns", FIXTURE("ranges-mixed.tsv"), XF_FORMAT_RANGES,
	  .asns = asn_cloudflare_private, .nasns = 2, .v4 = -1, .v6 = -1 },
	{ "fixture_anonymous_ip_csv", FIXTURE("anonymous-ip.csv"), XF_FORMAT_CSV,
	  .column = "network", .where_column = "is_anonymous_vpn", .where_value = "1", .v4 = -1,
	  .v6 = -1 },
};

struct ctx {
	const struct real_case *c;
	struct xf_feed_result r;
	char path[4096];
};

static const char *feeds_dir(void)
{
	static char dir[4096];
	const char *env = getenv("XF_FEEDS_DIR");

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/feeds", tf_top());
	return dir;
}

static int setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	x->c = *state;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	xf_feed_result_free(&x->r);
	free(x);
	return 0;
}

/* 'text' for the shell; no test argument contains a quote */
static void shell_arg(char *cmd, size_t len, const char *opt, const char *val)
{
	size_t used = strlen(cmd);

	assert_null(strchr(val, '\''));
	snprintf(cmd + used, len - used, " %s '%s'", opt, val);
}

struct oracle {
	long v4, v6, bad, filtered, duplicates, ranges_split;
	char **prefixes;
	size_t n;
};

static void oracle_free(struct oracle *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->prefixes[i]);
	free(o->prefixes);
}

static void run_oracle(const struct ctx *x, struct oracle *out)
{
	const struct real_case *c = x->c;
	char cmd[8192], *line = NULL, key[32];
	size_t cap = 0, i, alloc = 0;
	long value;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/feeds/oracle.py'", tf_top());
	shell_arg(cmd, sizeof(cmd), "--format", xf_feed_format_name(c->format));
	for (i = 0; i < ARRAY_SIZE(c->select) && c->select[i]; i++)
		shell_arg(cmd, sizeof(cmd), "--select", c->select[i]);
	if (c->column)
		shell_arg(cmd, sizeof(cmd), "--column", c->column);
	if (c->where_column) {
		char w[256];

		snprintf(w, sizeof(w), "%s=%s", c->where_column, c->where_value);
		shell_arg(cmd, sizeof(cmd), "--where", w);
	}
	if (c->min_score) {
		char s[32];

		snprintf(s, sizeof(s), "%ld", c->min_score);
		shell_arg(cmd, sizeof(cmd), "--min-score", s);
	}
	for (i = 0; i < c->nasns; i++) {
		char s[32];

		snprintf(s, sizeof(s), "%u", c->asns[i]);
		shell_arg(cmd, sizeof(cmd), "--asn", s);
	}
	shell_arg(cmd, sizeof(cmd), "", x->path);

	memset(out, 0, sizeof(*out));
	out->v4 = out->v6 = -1;
	p = popen(cmd, "r");
	assert_non_null(p);
	while (getline(&line, &cap, p) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "P ", 2)) {
			if (out->n == alloc) {
				alloc = alloc ? alloc * 2 : 1024;
				out->prefixes = realloc(out->prefixes, alloc * sizeof(char *));
				assert_non_null(out->prefixes);
			}
			out->prefixes[out->n++] = strdup(line + 2);
		} else if (sscanf(line, "%31s %ld", key, &value) == 2) {
			if (!strcmp(key, "v4"))
				out->v4 = value;
			else if (!strcmp(key, "v6"))
				out->v6 = value;
			else if (!strcmp(key, "bad"))
				out->bad = value;
			else if (!strcmp(key, "filtered"))
				out->filtered = value;
			else if (!strcmp(key, "duplicates"))
				out->duplicates = value;
			else if (!strcmp(key, "ranges_split"))
				out->ranges_split = value;
		}
	}
	free(line);
	if (pclose(p) != 0) {
		print_error("oracle failed: %s\n", cmd);
		fail();
	}
}

/* "4 01020300/24": the oracle's form, hex of the address bytes */
static void canonical(const struct xf_prefix *p, char *buf, size_t len)
{
	unsigned int i, bytes = p->family == XF_FAMILY_V4 ? 4 : 16;
	size_t o;

	o = snprintf(buf, len, "%u ", p->family);
	for (i = 0; i < bytes; i++)
		o += snprintf(buf + o, len - o, "%02x", p->addr[i]);
	snprintf(buf + o, len - o, "/%u", p->len);
}

#define SAME(what, mine, oracle)                                                        \
	do {                                                                            \
		if ((long)(mine) != (long)(oracle)) {                                   \
			print_error("%s: %s: xdpfence %ld, oracle %ld\n", c->name, what, \
				    (long)(mine), (long)(oracle));                      \
			fails++;                                                        \
		}                                                                       \
	} while (0)

static void test_real_feed(void **state)
{
	struct ctx *x = *state;
	const struct real_case *c = x->c;
	struct xf_feed_options o;
	struct xf_feed_result *r = &x->r;
	struct oracle orc;
	struct stat st;
	char buf[64];
	size_t i;
	int fails = 0;

	if (!strncmp(c->file, "shared:", 7)) {
		if (stat(feeds_dir(), &st)) {
			print_message("%s: no feeds directory %s (set XF_FEEDS_DIR)\n", c->name,
				      feeds_dir());
			skip();
		}
		snprintf(x->path, sizeof(x->path), "%s/%s", feeds_dir(), c->file + 7);
	} else {
		snprintf(x->path, sizeof(x->path), "%s/tests/feeds/%s", tf_top(), c->file + 8);
	}

	xf_feed_options_init(&o, c->format);
	o.name = c->name;
	for (i = 0; i < ARRAY_SIZE(c->select) && c->select[i]; i++)
		o.select[o.nselect++] = c->select[i];
	o.column = c->column;
	o.where_column = c->where_column;
	o.where_value = c->where_value;
	o.has_min_score = c->min_score > 0;
	o.min_score = c->min_score;
	o.asns = c->asns;
	o.nasns = c->nasns;
	assert_int_equal(xf_feed_parse_file(x->path, &o, r), 0);
	TF_REFUSED(r, false);

	run_oracle(x, &orc);
	print_message("%s: v4 %zu v6 %zu (oracle %ld %ld), duplicates %zu, split %zu, bad %zu, "
		      "filtered %zu\n",
		      c->name, r->v4, r->v6, orc.v4, orc.v6, r->duplicates, r->ranges_split,
		      r->bad, r->filtered);
	SAME("v4", r->v4, orc.v4);
	SAME("v6", r->v6, orc.v6);
	SAME("duplicates", r->duplicates, orc.duplicates);
	SAME("ranges_split", r->ranges_split, orc.ranges_split);
	SAME("bad", r->bad, orc.bad);
	SAME("filtered", r->filtered, orc.filtered);
	if (c->v4 >= 0)
		SAME("v4 (SOURCES.md)", r->v4, c->v4);
	if (c->v6 >= 0)
		SAME("v6 (SOURCES.md)", r->v6, c->v6);
	SAME("prefixes", r->n, orc.n);
	for (i = 0; i < r->n && i < orc.n; i++) {
		canonical(&r->entries[i].prefix, buf, sizeof(buf));
		if (strcmp(buf, orc.prefixes[i])) {
			print_error("%s: entry %zu: xdpfence %s (line %u), oracle %s\n", c->name,
				    i, buf, r->entries[i].line, orc.prefixes[i]);
			fails++;
			break;
		}
	}
	oracle_free(&orc);
	assert_int_equal(fails, 0);
}

/* FireHOL level1 carries full bogons: the rails take out exactly those,
 * and its 224.0.0.0/3 as too short. */
static void test_firehol_level1_rails(void **state)
{
	struct xf_feed_result *r = *state;
	struct xf_feed_options o;
	struct xf_rails rails;
	struct xf_rails_counts rc;
	char path[4200];
	struct stat st;

	if (stat(feeds_dir(), &st))
		skip();
	snprintf(path, sizeof(path), "%s/najitestech__blocklist-ipsets/firehol_level1.netset",
		 feeds_dir());
	xf_feed_options_init(&o, XF_FORMAT_LIST);
	o.name = "firehol_level1";
	assert_int_equal(xf_feed_parse_file(path, &o, r), 0);
	xf_rails_init(&rails);
	assert_int_equal(xf_rails_apply(r, &rails, &rc), 0);
	assert_int_equal(rc.zero_length, 0);
	assert_int_equal(rc.too_short, 1);
	assert_int_equal(rc.special, 12);
	assert_int_equal(rc.kept, 2511 - 13);
	TF_COUNT(r, v4, 2511 - 13);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ":2544: 224.0.0.0/3 is shorter "
								    "than the minimum /8: refused");
	assert_true(r->warnings_total == 13);
	assert_non_null(strstr(r->warnings[r->nwarnings - 1], path));
	assert_non_null(strstr(r->warnings[1], ":47: 10.0.0.0/8 overlaps special-purpose "
					       "10.0.0.0/8 (private-use, RFC 1918): skipped"));
}

/* iptoasn is served gzip-compressed: the same file inflated on the fly
 * gives the very same entries. */
static void test_iptoasn_gzip(void **state)
{
	struct xf_feed_result *r = *state, plain = {};
	struct xf_feed_options o;
	char path[4200], *data = NULL;
	unsigned char *gz = NULL;
	z_stream zs = {};
	struct stat st;
	FILE *f;
	size_t i;

	if (stat(feeds_dir(), &st))
		skip();
	snprintf(path, sizeof(path), "%s/jpastuszek__asn-db/ip2asn-v4.tsv", feeds_dir());
	xf_feed_options_init(&o, XF_FORMAT_RANGES);
	assert_int_equal(xf_feed_parse_file(path, &o, &plain), 0);
	assert_int_equal(stat(path, &st), 0);
	data = malloc(st.st_size);
	gz = malloc(st.st_size + 1024);
	f = fopen(path, "rb");
	assert_true(data && gz && f);
	assert_int_equal(fread(data, 1, st.st_size, f), st.st_size);
	fclose(f);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	zs.next_in = (unsigned char *)data;
	zs.avail_in = st.st_size;
	zs.next_out = gz;
	zs.avail_out = st.st_size + 1024;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	assert_int_equal(xf_feed_parse_buffer("ip2asn-v4.tsv.gz", gz, zs.total_out, &o, r), 0);
	free(data);
	free(gz);
	TF_COUNT(r, n, plain.n);
	TF_COUNT(r, lines, plain.lines);
	TF_COUNT(r, ranges_split, 92);
	for (i = 0; i < r->n; i++) {
		assert_memory_equal(&r->entries[i].prefix, &plain.entries[i].prefix,
				    sizeof(struct xf_prefix));
		assert_int_equal(r->entries[i].line, plain.entries[i].line);
	}
	xf_feed_result_free(&plain);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 2];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		tests[i] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = test_real_feed,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)&cases[i],
		};
	}
	tests[i++] = (struct CMUnitTest)TF_TEST(test_firehol_level1_rails);
	tests[i++] = (struct CMUnitTest)TF_TEST(test_iptoasn_gzip);
	return _cmocka_run_group_tests("test_feed_real", tests, ARRAY_SIZE(tests), NULL, NULL);
}
