// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/registry.c, the fields for fetching in production: staleness by
 * age, HTTP validators that serve only the definition they were stored
 * under and never carry a header break, the new fields surviving a save
 * and a reopen, and a registry written before them reading with their
 * defaults. */
#include <errno.h>
#include <sys/stat.h>

#include "check.h"
#include "registry.h"

static void test_staleness(void **state)
{
	static const struct {
		long long max_age, last_success, now;
		long long age;
		bool stale;
	} cases[] = {
		{ 0, 0, 1000, -1, false },	 /* no max age: never stale */
		{ 0, 100, 1000000, 999900, false },
		{ 3600, 0, 1000, -1, true },	 /* never succeeded: stale */
		{ 3600, 1000, 1000, 0, false },
		{ 3600, 1000, 4600, 3600, false }, /* exactly max_age: not yet */
		{ 3600, 1000, 4601, 3601, true },
		{ 3600, 5000, 4000, 0, false }, /* clock stepped back: age 0 */
	};
	struct xf_feed_def d;
	size_t i;

	(void)state;
	check_begin();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char ctx[64];

		xf_feed_def_init(&d);
		d.max_age = cases[i].max_age;
		d.status.last_success = cases[i].last_success;
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		check_int(ctx, "xf_feed_age", xf_feed_age(&d, cases[i].now), cases[i].age);
		check_int(ctx, "xf_feed_is_stale", xf_feed_is_stale(&d, cases[i].now),
			  cases[i].stale);
		xf_feed_def_free(&d);
	}
	check_end();
}

static void test_policy_and_result_names(void **state)
{
	enum xf_stale_policy p = XF_STALE_ENFORCE;
	unsigned int r, k;

	(void)state;
	check_begin();
	check_int("withdraw", "parse", xf_stale_policy_parse("withdraw", &p), 0);
	check_int("withdraw", "policy", p, XF_STALE_WITHDRAW);
	check_int("enforce", "parse", xf_stale_policy_parse("enforce", &p), 0);
	check_int("enforce", "policy", p, XF_STALE_ENFORCE);
	check_int("Withdraw", "parse", xf_stale_policy_parse("Withdraw", &p), -EINVAL);
	check_int("", "parse", xf_stale_policy_parse("", &p), -EINVAL);
	for (r = 0; r < XF_RESULT_MAX; r++) {
		check(strcmp(xf_sync_result_name(r), "unknown"), "result %u has no name", r);
		for (k = 0; k < r; k++)
			check(strcmp(xf_sync_result_name(r), xf_sync_result_name(k)),
			      "results %u and %u are both \"%s\"", r, k, xf_sync_result_name(r));
	}
	check_str("XF_RESULT_MAX", "name", xf_sync_result_name(XF_RESULT_MAX), "unknown");
	check_end();
}

static void make_def(struct xf_feed_def *d)
{
	xf_feed_def_init(d);
	snprintf(d->name, sizeof(d->name), "web");
	d->source = strdup("https://feeds.example/list.txt");
	d->id = 1;
}

/* A 304 says the bytes did not change, not how other options would parse
 * them: the validators serve only the definition they were stored with. */
static void test_validators_follow_the_definition(void **state)
{
	struct xf_feed_def d;

	(void)state;
	check_begin();
	make_def(&d);
	xf_feed_def_set_validators(&d, "\"abc\"", "Tue, 02 Jan 2024 03:04:05 GMT");
	check_str("stored", "etag", xf_feed_def_etag(&d), "\"abc\"");
	check_str("stored", "last_modified", xf_feed_def_last_modified(&d),
		  "Tue, 02 Jan 2024 03:04:05 GMT");

	/* what only changes how or when it is fetched keeps them */
	d.timeout = 5;
	d.retries = 7;
	d.interval = 60;
	d.max_age = 600;
	d.stale_policy = XF_STALE_WITHDRAW;
	d.status.last_success = 12345;
	check(xf_feed_def_etag(&d) != NULL,
	      "the ETag no longer serves after changing timeouts, interval or status");

	/* what changes the ranges drops them */
	d.action = XF_ACTION_COUNT;
	check(!xf_feed_def_etag(&d) && !xf_feed_def_last_modified(&d),
	      "the validators still serve after the action changed");
	d.action = XF_ACTION_DROP;
	check(xf_feed_def_etag(&d) != NULL, "back to the same definition: they serve again");
	d.rails.allow_special = true;
	check(!xf_feed_def_etag(&d), "the validators still serve after the rails changed");
	d.rails.allow_special = false;
	free(d.source);
	d.source = strdup("https://feeds.example/other.txt");
	check(!xf_feed_def_etag(&d), "the validators still serve after the source changed");

	/* forgetting them */
	xf_feed_def_set_validators(&d, NULL, NULL);
	check(!d.etag && !d.last_modified && !d.validated_def[0], "validators not forgotten");
	xf_feed_def_free(&d);
	check_end();
}

/* A validator is sent back as a header: one with a line break or other
 * control characters, or absurdly long, is not kept at all. */
static void test_validators_are_safe_headers(void **state)
{
	char long_tag[XF_FEED_VALIDATOR_MAX + 2];
	struct xf_feed_def d;

	(void)state;
	check_begin();
	make_def(&d);
	xf_feed_def_set_validators(&d, "\"a\"\r\nX-Injected: 1", NULL);
	check(!d.etag, "an ETag with CR LF was kept");
	xf_feed_def_set_validators(&d, "\"a\tb\"", NULL);
	check(!d.etag, "an ETag with a tab was kept");
	xf_feed_def_set_validators(&d, "", "");
	check(!d.etag && !d.last_modified, "empty validators were kept");
	memset(long_tag, 'x', sizeof(long_tag) - 1);
	long_tag[sizeof(long_tag) - 1] = '\0';
	xf_feed_def_set_validators(&d, long_tag, NULL);
	check(!d.etag, "an ETag of %zu bytes was kept", strlen(long_tag));
	xf_feed_def_set_validators(&d, "W/\"weak-1\"", NULL);
	check_str("weak", "etag", d.etag, "W/\"weak-1\"");
	xf_feed_def_free(&d);
	check_end();
}

static void temp_dir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/xdpfence-test-registry.XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static void remove_dir(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, XF_REGISTRY_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock", dir);
	unlink(path);
	rmdir(dir);
}

static void test_round_trip(void **state)
{
	struct xf_registry reg;
	struct xf_feed_def d, *got;
	char dir[64];

	(void)state;
	check_begin();
	temp_dir(dir, sizeof(dir));
	assert_int_equal(xf_registry_open(&reg, dir, true), 0);
	make_def(&d);
	d.connect_timeout = 7;
	d.max_size = 65536;
	d.retries = 5;
	d.ca_file = strdup("/etc/xdpfence/ca.pem");
	d.interval = 1800;
	d.max_age = 21600;
	d.stale_policy = XF_STALE_WITHDRAW;
	xf_feed_def_set_validators(&d, "\"v1\"", "Tue, 02 Jan 2024 03:04:05 GMT");
	d.status.last_result = XF_RESULT_NOT_MODIFIED;
	d.status.sync_duration = 0.25;
	assert_int_equal(xf_registry_add(&reg, &d), 0);
	assert_int_equal(xf_registry_save(&reg), 0);
	xf_registry_close(&reg);

	assert_int_equal(xf_registry_open(&reg, dir, false), 0);
	got = xf_registry_find(&reg, "web");
	assert_non_null(got);
	check_int("web", "connect_timeout", got->connect_timeout, 7);
	check_int("web", "max_size", got->max_size, 65536);
	check_int("web", "retries", got->retries, 5);
	check_str("web", "ca_file", got->ca_file, "/etc/xdpfence/ca.pem");
	check_int("web", "interval", got->interval, 1800);
	check_int("web", "max_age", got->max_age, 21600);
	check_int("web", "stale_policy", got->stale_policy, XF_STALE_WITHDRAW);
	check_int("web", "last_result", got->status.last_result, XF_RESULT_NOT_MODIFIED);
	check(got->status.sync_duration == 0.25, "sync_duration %g, want 0.25",
	      got->status.sync_duration);
	check_str("web", "etag in force", xf_feed_def_etag(got), "\"v1\"");
	check_str("web", "last_modified in force", xf_feed_def_last_modified(got),
		  "Tue, 02 Jan 2024 03:04:05 GMT");
	xf_registry_close(&reg);
	remove_dir(dir);
	check_end();
}

/* feeds.json as the previous version wrote it: no download options, no
 * interval, no validators, no last result. */
static void test_reads_earlier_registries(void **state)
{
	static const char old[] =
		"{\"version\": 1, \"feeds\": [{\"name\": \"old\", \"id\": 3,"
		" \"source\": \"/srv/feeds/old.txt\", \"format\": \"list\", \"action\": \"drop\","
		" \"timeout\": 30, \"options\": {}, \"rails\": {\"min_prefix4\": 8,"
		" \"min_prefix6\": 19, \"allow_special\": false, \"max_shrink\": 50,"
		" \"allow_shrink\": false}, \"status\": {\"entries\": 12, \"v4\": 12, \"v6\": 0,"
		" \"last_attempt\": 1700000000, \"last_success\": 1700000000,"
		" \"last_error\": null, \"content_hash\": null}}]}\n";
	struct xf_registry reg;
	struct xf_feed_def *got;
	char dir[64], path[128];
	FILE *f;

	(void)state;
	check_begin();
	temp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, XF_REGISTRY_FILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(old, f);
	fclose(f);
	assert_int_equal(xf_registry_open(&reg, dir, false), 0);
	got = xf_registry_find(&reg, "old");
	assert_non_null(got);
	check_int("old", "timeout", got->timeout, 30);
	check_int("old", "connect_timeout", got->connect_timeout, 0);
	check_int("old", "max_size", got->max_size, 0);
	check_int("old", "retries", got->retries, XF_FEED_DEFAULT_RETRIES);
	check(!got->ca_file && !got->etag && !got->last_modified,
	      "ca_file, etag or last_modified set from nothing");
	check_int("old", "interval", got->interval, 0);
	check_int("old", "max_age", got->max_age, 0);
	check_int("old", "stale_policy", got->stale_policy, XF_STALE_ENFORCE);
	check_int("old", "last_result", got->status.last_result, XF_RESULT_NONE);
	check_int("old", "entries", got->status.entries, 12);
	check_int("old", "stale", xf_feed_is_stale(got, 1800000000), false);
	xf_registry_close(&reg);
	remove_dir(dir);
	check_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_staleness),
		cmocka_unit_test(test_policy_and_result_names),
		cmocka_unit_test(test_validators_follow_the_definition),
		cmocka_unit_test(test_validators_are_safe_headers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reads_earlier_registries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
