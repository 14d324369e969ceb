// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/conffile.c: the daemon's config file. A complete file becomes the
 * right interfaces, services, allowlist, settings and feed definitions;
 * every problem of a broken file is reported, each with its line, in one
 * load; line numbers stay right past long lines and continuation lines. */
#include <errno.h>

#include "check.h"
#include "conffile.h"

static void load(struct xf_conf *conf, const char *text)
{
	int err = xf_conf_load_string(conf, "t.conf", text);

	if (err)
		fail_msg("xf_conf_load_string: %d", err);
}

static void print_problems(const struct xf_conf *conf)
{
	size_t i;

	for (i = 0; i < conf->n_problems; i++)
		print_error("  t.conf:%d: %s\n", conf->problems[i].line, conf->problems[i].message);
}

static void test_complete_file(void **state)
{
	static const char text[] =
		"# a node of the fleet\n"			     /* 1 */
		"[daemon]\n"					     /* 2 */
		"state_dir = /var/lib/xf\n"			     /* 3 */
		"pin_dir = /sys/fs/bpf/xf\n"			     /* 4 */
		"metrics_listen = 127.0.0.1:9101 ; inline comment\n" /* 5 */
		"metrics_top_n = 50\n"				     /* 6 */
		"events = file:/var/log/xf/events.json\n"	     /* 7 */
		"events_rate = 20\n"				     /* 8 */
		"detach_on_stop = yes\n"			     /* 9 */
		"backend = lpm\n"				     /* 10 */
		"max_ranges = 100000\n"				     /* 11 */
		"retry_delay = 1m30s\n"				     /* 12 */
		"\n"						     /* 13 */
		"[settings]\n"					     /* 14 */
		"new_only = on\n"				     /* 15 */
		"mark-mask = 0x0000ff00\n"			     /* 16 */
		"\n"						     /* 17 */
		"[allowlist]\n"					     /* 18 */
		"cidr = 192.0.2.1, 2001:db8::/48\n"		     /* 19 */
		"cidr = 198.51.100.7/24\n"			     /* 20 */
		"   203.0.113.9\n"				     /* 21: continuation */
		"\n"						     /* 22 */
		"[interface eth0]\n"				     /* 23 */
		"[interface eth1]\n"				     /* 24 */
		"mode = generic\n"				     /* 25 */
		"[service https6]\n"				     /* 26 */
		"dst = 2001:db8::1\n"				     /* 27 */
		"port = 443\n"					     /* 28 */
		"protocol = TCP\n"				     /* 29 */
		"[service dns]\n"				     /* 30 */
		"port = 53\n"					     /* 31 */
		"protocol = udp\n"				     /* 32 */
		"[service lb]\n"				     /* 33 */
		"dst = 192.0.2.0/28\n"				     /* 34 */
		"[feed tor]\n"					     /* 35 */
		"source = https://feeds.example/tor.txt\n"	     /* 36 */
		"action = tag\n"				     /* 37 */
		"interval = 1h\n"				     /* 38 */
		"max_age = 6h\n"				     /* 39 */
		"stale = withdraw\n"				     /* 40 */
		"max_size = 64M\n"				     /* 41 */
		"connect_timeout = 5\n"				     /* 42 */
		"[feed aws]\n"					     /* 43 */
		"source = feeds/aws.json\n"			     /* 44 */
		"format = json\n"				     /* 45 */
		"select = .prefixes[].ip_prefix\n"		     /* 46 */
		"select = .ipv6_prefixes[].ipv6_prefix\n"	     /* 47 */
		"action = count\n"				     /* 48 */
		"[feed asn]\n"					     /* 49 */
		"source = /srv/ip2asn.tsv.gz\n"			     /* 50 */
		"format = ranges\n"				     /* 51 */
		"asn = AS15169, 13335\n"			     /* 52 */
		"min_prefix4 = 16\n"				     /* 53 */
		"allow_special = yes\n";			     /* 54 */
	char cwd[PATH_MAX / 2], path[PATH_MAX];
	struct xf_conf conf;
	const struct xf_feed_def *d;

	(void)state;
	load(&conf, text);
	check_begin();
	check_int("complete file", "problems", conf.n_problems, 0);
	print_problems(&conf);
	check_str("[daemon]", "state_dir", conf.state_dir, "/var/lib/xf");
	check_str("[daemon]", "pin_dir", conf.pin_dir, "/sys/fs/bpf/xf");
	check_str("[daemon]", "metrics_listen (inline comment gone)", conf.metrics_listen,
		  "127.0.0.1:9101");
	check_int("[daemon]", "metrics_top_n", conf.metrics_top_n, 50);
	check_str("[daemon]", "events", conf.events, "file:/var/log/xf/events.json");
	check_int("[daemon]", "events_rate", conf.events_rate, 20);
	check_int("[daemon]", "detach_on_stop", conf.detach_on_stop, 1);
	check_int("[daemon]", "backend", conf.backend_set && conf.backend == XF_BACKEND_LPM, 1);
	check_int("[daemon]", "max_ranges", conf.max_ranges, 100000);
	check_int("[daemon]", "retry_delay", conf.retry_delay, 90);

	check_int("[settings]", "count", conf.n_settings, 2);
	if (conf.n_settings == 2) {
		check_str("[settings]", "new_only as config set names it", conf.settings[0].key,
			  "new-only");
		check_str("[settings]", "value", conf.settings[0].value, "on");
		check_str("[settings]", "mark-mask", conf.settings[1].key, "mark-mask");
		check_int("[settings]", "line", conf.settings[1].line, 16);
	}

	check_int("[allowlist]", "count (lists, repeats, continuation)", conf.n_allow, 4);
	if (conf.n_allow == 4) {
		check_str("[allowlist]", "0", conf.allow[0].text, "192.0.2.1/32");
		check_str("[allowlist]", "1", conf.allow[1].text, "2001:db8::/48");
		check_str("[allowlist]", "2: host bits cleared", conf.allow[2].text,
			  "198.51.100.0/24");
		check_str("[allowlist]", "3: continuation line", conf.allow[3].text,
			  "203.0.113.9/32");
		check_int("[allowlist]", "3: its line", conf.allow[3].line, 21);
	}

	check_int("[interface]", "count", conf.n_ifaces, 2);
	if (conf.n_ifaces == 2) {
		check_str("[interface]", "a section without keys", conf.ifaces[0].name, "eth0");
		check_int("[interface]", "default mode", conf.ifaces[0].mode, XF_MODE_NATIVE);
		check_int("[interface]", "eth1 mode", conf.ifaces[1].mode, XF_MODE_GENERIC);
		check_int("[interface]", "eth1 line", conf.ifaces[1].line, 24);
	}

	check_int("[service]", "count", conf.n_services, 3);
	if (conf.n_services == 3) {
		check_str("[service]", "IPv6 with a port, in brackets", conf.services[0].spec,
			  "[2001:db8::1/128]:443/tcp");
		check_str("[service]", "a port alone", conf.services[1].spec, ":53/udp");
		check_str("[service]", "a prefix alone", conf.services[2].spec, "192.0.2.0/28");
	}

	check_int("[feed]", "count", conf.n_feeds, 3);
	d = conf.n_feeds == 3 ? &conf.feeds[0].def : NULL;
	if (d) {
		check_str("tor", "name", d->name, "tor");
		check_int("tor", "line", conf.feeds[0].line, 35);
		check_str("tor", "source", d->source, "https://feeds.example/tor.txt");
		check_int("tor", "format: the default", d->format, XF_FORMAT_LIST);
		check_int("tor", "action", d->action, XF_ACTION_TAG);
		check_int("tor", "tag: 1 when not given, as feed add does", d->tag, 1);
		check_int("tor", "interval", d->interval, 3600);
		check_int("tor", "max_age", d->max_age, 6 * 3600);
		check_int("tor", "stale", d->stale_policy, XF_STALE_WITHDRAW);
		check_int("tor", "max_size", d->max_size, 64 << 20);
		check_int("tor", "connect_timeout", d->connect_timeout, 5);

		d = &conf.feeds[1].def;
		if (!getcwd(cwd, sizeof(cwd)))
			cwd[0] = '\0';
		snprintf(path, sizeof(path), "%s/feeds/aws.json", cwd);
		check_str("aws", "a relative source is made absolute", d->source, path);
		check_int("aws", "format", d->format, XF_FORMAT_JSON);
		check_int("aws", "select paths", d->nselect, 2);
		if (d->nselect == 2)
			check_str("aws", "select[1]", d->select[1], ".ipv6_prefixes[].ipv6_prefix");
		check_int("aws", "action", d->action, XF_ACTION_COUNT);
		check_int("aws", "stale: enforce by default", d->stale_policy, XF_STALE_ENFORCE);

		d = &conf.feeds[2].def;
		check_int("asn", "asns", d->nasns, 2);
		if (d->nasns == 2)
			check_int("asn", "asns", (long long)d->asns[0] * 100000 + d->asns[1],
				  15169LL * 100000 + 13335);
		check_int("asn", "min_prefix4", d->rails.min_prefix4, 16);
		check_int("asn", "allow_special", d->rails.allow_special, 1);
	}
	check_end();
	xf_conf_free(&conf);
}

/* One broken file: every problem expected, each at its line. */
struct expected_problem {
	int line;
	const char *says; /* a part of the message */
};

static void check_problems(const char *what, const char *text, const struct expected_problem *want,
			   size_t n_want)
{
	struct xf_conf conf;
	size_t i, k;

	load(&conf, text);
	check_int(what, "number of problems", conf.n_problems, n_want);
	for (i = 0; i < n_want; i++) {
		for (k = 0; k < conf.n_problems; k++)
			if (conf.problems[k].line == want[i].line &&
			    strstr(conf.problems[k].message, want[i].says))
				break;
		check(k < conf.n_problems, "%s: no problem at line %d saying \"%s\"", what,
		      want[i].line, want[i].says);
	}
	for (k = 1; k < conf.n_problems; k++)
		check(conf.problems[k - 1].line <= conf.problems[k].line,
		      "%s: problems out of line order (%d after %d)", what, conf.problems[k].line,
		      conf.problems[k - 1].line);
	if (conf.n_problems != n_want)
		print_problems(&conf);
	xf_conf_free(&conf);
}

static void test_every_problem_with_its_line(void **state)
{
	static const char daemon_text[] =
		"key = 1\n"				   /* 1: before any section */
		"[daemon]\n"				   /* 2 */
		"metrics_listen = localhost\n"		   /* 3 */
		"bogus = 1\n"				   /* 4 */
		"events_rate = 0\n"			   /* 5 */
		"events_rate = 2\n"			   /* 6: twice */
		"state_dir = relative/dir\n"		   /* 7 */
		"events = file:relative\n"		   /* 8 */
		"backend = fastest\n"			   /* 9 */
		"max_ranges = 0\n"			   /* 10 */
		"retry_delay = soon\n"			   /* 11 */
		"detach_on_stop = perhaps\n"		   /* 12 */
		"[daemon extra]\n"			   /* 13: takes no name */
		"ignored = 1\n"				   /* 14: in a bad section */
		"[nonsense]\n"				   /* 15 */
		"[settings]\n"				   /* 16 */
		"new_only = maybe\n"			   /* 17 */
		"frob = 1\n"				   /* 18 */
		"novalue\n"				   /* 19 */
		"= 3\n";				   /* 20 */
	static const struct expected_problem daemon_want[] = {
		{ 1, "before any [section]" },	   { 3, "metrics_listen 'localhost'" },
		{ 4, "unknown key 'bogus'" },	   { 5, "events_rate '0'" },
		{ 6, "given twice (line 5)" },	   { 7, "not an absolute path" },
		{ 8, "events 'file:relative'" },   { 9, "backend 'fastest'" },
		{ 10, "max_ranges '0'" },	   { 11, "retry_delay 'soon'" },
		{ 12, "detach_on_stop 'perhaps'" }, { 13, "[daemon] takes no name" },
		{ 15, "unknown section [nonsense]" }, { 17, "'maybe' is not a valid value" },
		{ 18, "unknown setting 'frob'" },  { 19, "'novalue' is not KEY = VALUE" },
		{ 20, "a value without a key" },
	};
	static const char sections_text[] =
		"[allowlist]\n"				   /* 1 */
		"cidr = 192.0.2.300, x 192.0.2.1\n"	   /* 2: two bad items */
		"cidr = 192.0.2.1/32\n"			   /* 3: listed twice */
		"net = 192.0.2.0/24\n"			   /* 4 */
		"[interface eth0]\n"			   /* 5 */
		"mode = fast\n"				   /* 6 */
		"[interface eth0]\n"			   /* 7: twice */
		"[interface a/b]\n"			   /* 8 */
		"[interface]\n"				   /* 9: needs a name */
		"[service x]\n"				   /* 10 */
		"protocol = sctp\n"			   /* 11 */
		"port = 70000\n"			   /* 12 */
		"[service y]\n"				   /* 13: nothing to protect */
		"protocol = tcp\n"			   /* 14 */
		"[broken\n"				   /* 15 */
		"mode = 1\n"				   /* 16: not filed under [service y] */
		"[interface eth2]\n"			   /* 17 */
		"mode = generic\n";			   /* 18 */
	static const struct expected_problem sections_want[] = {
		{ 2, "'192.0.2.300' is not an address" }, { 2, "'x' is not an address" },
		{ 3, "192.0.2.1/32 is listed twice (line 2)" }, { 4, "unknown key 'net'" },
		{ 6, "mode 'fast'" },			  { 7, "declared twice (line 5)" },
		{ 8, "not an interface name" },		  { 9, "needs a name" },
		{ 11, "protocol 'sctp'" },		  { 12, "port '70000'" },
		{ 13, "give dst = CIDR or port = N" },	  { 15, "section header without ']'" },
	};
	static const char feeds_text[] =
		"[feed BAD]\n"				   /* 1 */
		"[feed manual]\n"			   /* 2: reserved */
		"[feed nosource]\n"			   /* 3 */
		"format = json\n"			   /* 4 */
		"tag = 3\n"				   /* 5 */
		"[feed t]\n"				   /* 6 */
		"source = /x\n"				   /* 7 */
		"action = tag\n"			   /* 8 */
		"tag = 300\n"				   /* 9: past the mask */
		"format = yaml\n"			   /* 10 */
		"interval = 5 minutes\n"		   /* 11 */
		"stale = maybe\n"			   /* 12 */
		"max_size = 0\n"			   /* 13 */
		"retries = 99\n"			   /* 14 */
		"source = /y\n"				   /* 15: twice */
		"colour = red\n"			   /* 16 */
		"min_prefix4 = 33\n"			   /* 17 */
		"[feed t]\n"				   /* 18: twice */
		"[feed c]\n"				   /* 19 */
		"source = /c.csv\n"			   /* 20 */
		"format = csv\n"			   /* 21: no column */
		"min_score = 2\n"			   /* 22 */
		"[settings]\n"				   /* 23 */
		"mark_mask = 0xff\n";			   /* 24 */
	static const struct expected_problem feeds_want[] = {
		{ 1, "[feed BAD]: not a valid feed name" },
		{ 2, "[feed manual]: not a valid feed name" },
		{ 3, "source = PATH|URL is required" },
		{ 3, "format json needs one or more select paths" },
		{ 3, "a tag needs action tag" },
		{ 6, "tag 300 does not fit mark-mask 0x000000ff" },
		{ 10, "format 'yaml'" },
		{ 11, "interval '5 minutes'" },
		{ 12, "stale 'maybe'" },
		{ 13, "max_size '0'" },
		{ 14, "retries '99'" },
		{ 15, "source is given twice (line 7)" },
		{ 16, "unknown feed option 'colour'" },
		{ 17, "min_prefix4 '33'" },
		{ 18, "[feed t] is declared twice (line 6)" },
		{ 19, "format csv needs a column" },
		{ 19, "a minimum score needs format list" },
	};

	(void)state;
	check_begin();
	check_problems("[daemon] and [settings]", daemon_text, daemon_want, ARRAY_SIZE(daemon_want));
	check_problems("sections", sections_text, sections_want, ARRAY_SIZE(sections_want));
	check_problems("feeds", feeds_text, feeds_want, ARRAY_SIZE(feeds_want));
	check_end();
}

/* libinih reads lines of at most 200 bytes: a longer line is a problem of
 * its own (a long comment is not), and the lines after it keep their
 * numbers. */
static void test_long_lines(void **state)
{
	static const struct expected_problem want[] = {
		{ 3, "line longer than" },
		{ 7, "mode 'fast'" },
	};
	char text[2048], pad[400];
	struct xf_conf conf;

	(void)state;
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "# %s\n"		/* 1: a long comment */
		 "[feed long]\n"	/* 2 */
		 "source = /%s\n"	/* 3: too long */
		 "[interface eth0]\n" /* 4 */
		 "mode = generic\n"	/* 5 */
		 "[interface eth1]\n" /* 6 */
		 "mode = fast\n",	/* 7 */
		 pad, pad);
	check_begin();
	check_problems("long lines", text, want, ARRAY_SIZE(want));
	load(&conf, text);
	check_int("long lines", "interfaces after the long line", conf.n_ifaces, 2);
	if (conf.n_ifaces == 2)
		check_int("long lines", "eth0 mode", conf.ifaces[0].mode, XF_MODE_GENERIC);
	xf_conf_free(&conf);
	check_end();
}

/* The daemon compares a registry entry with the config's definition by
 * identity; a copy for the registry is the same definition. */
static void test_feed_identity(void **state)
{
	static const char a_text[] = "[feed f]\nsource = /f.txt\ninterval = 1h\n";
	static const char b_text[] = "[feed f]\nsource = /f.txt\ninterval = 2h\n";
	static const char c_text[] = "[feed f]\nsource = /f.txt\ninterval = 1h\naction = count\n";
	struct xf_conf a, b, c;
	struct xf_feed_def copy;
	char *ia, *ib, *ic, *icopy;

	(void)state;
	load(&a, a_text);
	load(&b, b_text);
	load(&c, c_text);
	check_begin();
	check_int("identity", "feeds", a.n_feeds + b.n_feeds + c.n_feeds, 3);
	if (a.n_feeds + b.n_feeds + c.n_feeds == 3) {
		ia = xf_feed_def_identity(&a.feeds[0].def);
		ib = xf_feed_def_identity(&b.feeds[0].def);
		ic = xf_feed_def_identity(&c.feeds[0].def);
		check_int("identity", "copy", xf_conf_feed_def_copy(&a, &a.feeds[0], &copy), 0);
		copy.id = 7; /* id and status are not the definition */
		copy.status.last_success = 12345;
		icopy = xf_feed_def_identity(&copy);
		check(ia && icopy && !strcmp(ia, icopy), "a copy differs: %s / %s", ia, icopy);
		check(ia && ib && strcmp(ia, ib), "another interval is the same identity: %s", ia);
		check(ia && ic && strcmp(ia, ic), "another action is the same identity: %s", ia);
		free(ia);
		free(ib);
		free(ic);
		free(icopy);
		xf_feed_def_free(&copy);
	}
	check_end();
	xf_conf_free(&a);
	xf_conf_free(&b);
	xf_conf_free(&c);
}

static void test_unreadable_file(void **state)
{
	struct xf_conf conf;
	int err;

	(void)state;
	err = xf_conf_load(&conf, "/nonexistent/xdpfence.conf");
	check_begin();
	check_int("missing file", "error", err, -ENOENT);
	check_int("missing file", "problems", conf.n_problems, 1);
	if (conf.n_problems == 1) {
		check_int("missing file", "line", conf.problems[0].line, 0);
		check(strstr(conf.problems[0].message, "cannot read"), "message: %s",
		      conf.problems[0].message);
	}
	check_end();
	xf_conf_free(&conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_file),
		cmocka_unit_test(test_every_problem_with_its_line),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_feed_identity),
		cmocka_unit_test(test_unreadable_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
