// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* block / unblock / allow / unallow: manual ranges (feed "manual"). Every
 * argument is checked before anything is written: one bad value changes
 * nothing. block and allow may give the ranges an expiry (--ttl) and a
 * comment; these are kept with the manual ranges in the settings file, and
 * a block or allow states the entry whole: without --ttl it is permanent,
 * without --comment it has none. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "cli.h"
#include "duration.h"
#include "log.h"
#include "manual_meta.h"
#include "names.h"
#include "rules.h"

#define XF_DEFAULT_TAG 1

enum rule_op {
	OP_PUT,
	OP_DEL,
};

/* Long-only options of block and allow. */
enum {
	OPT_TTL = 0x100,
	OPT_COMMENT,
};

/* What block and allow record beside the rule. */
struct manual_note {
	long long ttl; /* seconds; 0: permanent */
	const char *comment;
};

/* --ttl and --comment, shared by block and allow. Returns 0, or the exit
 * code of a usage error. */
static int parse_note_option(struct xf_cli *cli, const char *cmd, int opt, const char *arg,
			     struct manual_note *note)
{
	char why[160];

	if (opt == OPT_TTL) {
		if (xf_manual_ttl_parse(arg, &note->ttl, why, sizeof(why)))
			return xf_usage_error(cli, cmd, "%s: --ttl '%s': %s", cmd, arg, why);
		return 0;
	}
	if (xf_manual_comment_check(arg, why, sizeof(why)))
		return xf_usage_error(cli, cmd, "%s: --comment: %s", cmd, why);
	note->comment = arg;
	return 0;
}

/* Parse every CIDR argument; warn about host bits, refuse /0. */
static int parse_prefixes(const struct xf_cli *cli, const char *cmd, int argc, char **argv,
			  struct xf_prefix *out)
{
	int i;

	for (i = 0; i < argc; i++) {
		unsigned int flags;
		char text[XF_PREFIX_STRLEN];

		if (xf_prefix_parse(argv[i], &out[i], &flags))
			return xf_fail(cli, "%s: '%s' is not an IPv4/IPv6 address or CIDR", cmd,
				       argv[i]);
		xf_prefix_format(&out[i], text, sizeof(text));
		if (out[i].len == 0)
			return xf_fail(cli, "%s: refusing '%s': a /0 covers every address", cmd,
				       argv[i]);
		if (flags & XF_PARSE_HOST_BITS)
			xf_warn("%s: '%s' has host bits set; using %s", cmd, argv[i], text);
		if (flags & XF_PARSE_MAPPED)
			xf_info("%s: '%s' is IPv4 in IPv6 notation; using %s", cmd, argv[i], text);
	}
	return 0;
}

static void render_change(struct json_object *result)
{
	struct json_object *ranges, *lpm;
	size_t i;

	json_object_object_get_ex(result, "ranges", &ranges);
	for (i = 0; i < json_object_array_length(ranges); i++) {
		struct json_object *r = json_object_array_get_idx(ranges, i);

		printf("%-8s %-43s %-6s", xf_json_str(r, "op"), xf_json_str(r, "range"),
		       xf_json_str(r, "action"));
		if (!strcmp(xf_json_str(r, "action"), "tag"))
			printf(" tag %lld", xf_json_int(r, "tag"));
		if (xf_json_int(r, "range_id") >= 0)
			printf(" (range %lld)", xf_json_int(r, "range_id"));
		if (strcmp(xf_json_str(r, "ttl"), "-"))
			printf(" expires in %s", xf_json_str(r, "ttl"));
		if (strcmp(xf_json_str(r, "comment"), "-"))
			printf(" \"%s\"", xf_json_str(r, "comment"));
		putchar('\n');
	}
	if (json_object_object_get_ex(result, "lpm", &lpm))
		printf("rules map: %lld added, %lld changed, %lld removed, %lld unchanged\n",
		       xf_json_int(lpm, "added"), xf_json_int(lpm, "changed"),
		       xf_json_int(lpm, "removed"), xf_json_int(lpm, "unchanged"));
}

/* The tc companion shifts the tag into the mark bits xdpfence owns; a tag
 * that does not fit would lose bits silently. */
static bool tag_fits_mark(const struct xf_cli *cli, const struct xf_state *st, __u32 tag)
{
	struct xf_config cfg;
	__u64 max;

	if (xf_config_read(st, &cfg))
		return true;
	max = (__u64)cfg.mark_mask >> cfg.mark_shift;
	if (tag <= max)
		return true;
	xf_fail(cli, "block: tag %u does not fit mark-mask 0x%08x (largest tag %llu; "
		"'config set mark-mask' widens it)",
		tag, cfg.mark_mask, (unsigned long long)max);
	return false;
}

/* Record the expiry and comment of every range in meta; *changed is set
 * when that changes what was on record. */
static int note_ranges(struct xf_manual_meta *meta, const struct xf_prefix *prefixes, int n,
		       bool allow, const struct manual_note *note, time_t now, bool *changed)
{
	time_t expires = note->ttl ? now + (time_t)note->ttl : 0;
	const char *comment = note->comment && *note->comment ? note->comment : NULL;
	int i, err;

	for (i = 0; i < n; i++) {
		const struct xf_manual_meta_entry *e = xf_manual_meta_find(meta, &prefixes[i], allow);

		if (e ? e->expires != expires || !comment != !e->comment ||
				(comment && strcmp(comment, e->comment))
		      : expires || comment)
			*changed = true;
		err = xf_manual_meta_set(meta, &prefixes[i], allow, expires, comment);
		if (err)
			return err;
	}
	return 0;
}

static int apply_rules(struct xf_cli *cli, const char *cmd, enum rule_op op, __u8 action,
		       __u32 tag, const struct manual_note *note, int argc, char **argv)
{
	struct xf_ruleset old = {}, next = {};
	struct xf_commit_stats stats = {};
	struct json_object *result = NULL, *list;
	struct xf_manual_meta meta = {};
	struct xf_prefix *prefixes = NULL;
	bool allow = action == XF_ACTION_ALLOW, meta_changed = false;
	time_t now = time(NULL);
	struct xf_state st;
	int i, err, ret = 1;

	if (argc < 1)
		return xf_usage_error(cli, cmd, "%s: no CIDR given", cmd);
	prefixes = calloc(argc, sizeof(*prefixes));
	if (!prefixes)
		return xf_fail(cli, "%s: out of memory", cmd);
	if (parse_prefixes(cli, cmd, argc, argv, prefixes))
		goto out_free;
	if (xf_cli_open_state(cli, &st, true))
		goto out_free;
	if (action == XF_ACTION_TAG && !tag_fits_mark(cli, &st, tag))
		goto out;

	err = xf_ruleset_read(&st, &old);
	if (!err)
		err = xf_ruleset_copy(&next, &old);
	if (err) {
		xf_fail(cli, "%s: cannot read the rules: %s", cmd, strerror(-err));
		goto out;
	}
	for (i = 0; i < argc; i++) {
		struct xf_rule r = {
			.prefix = prefixes[i],
			.action = action,
			.tag = action == XF_ACTION_TAG ? tag : 0,
			.feed_id = XF_FEED_MANUAL,
		};

		if (op == OP_PUT) {
			err = xf_ruleset_put(&next, &r);
		} else {
			err = xf_ruleset_del(&next, XF_FEED_MANUAL, &prefixes[i], allow);
			if (err == -ENOENT) {
				char text[XF_PREFIX_STRLEN];

				xf_prefix_format(&prefixes[i], text, sizeof(text));
				xf_fail(cli, "%s: %s is not in the manual %s", cmd, text,
					allow ? "allowlist" : "blocklist");
				goto out;
			}
		}
		if (err) {
			xf_fail(cli, "%s: %s", cmd, strerror(-err));
			goto out;
		}
	}
	/* the expiries and comments on file, read under the lock we hold */
	xf_persist_load_meta(cli, st.pin_dir, &meta);
	if (op == OP_PUT) {
		err = note_ranges(&meta, prefixes, argc, allow, note, now, &meta_changed);
		if (err) {
			xf_fail(cli, "%s: %s", cmd, strerror(-err));
			goto out;
		}
	} else {
		for (i = 0; i < argc; i++)
			xf_manual_meta_remove(&meta, &prefixes[i], allow);
	}
	err = xf_ruleset_commit(&st, &old, &next, &stats);
	if (err) {
		xf_fail(cli, "%s: nothing changed: %s", cmd, strerror(-err));
		goto out;
	}
	err = xf_persist_save_meta(cli, &st, &meta);
	if (err && meta_changed) {
		/* an expiry that is not on record would never come: take the
		 * change back rather than leave a permanent entry */
		int undo = xf_ruleset_commit(&st, &next, &old, NULL);

		if (undo)
			xf_fail(cli, "%s: the expiry or comment could not be recorded (%s) and "
				"undoing the change failed (%s): the ranges are in force without them",
				cmd, strerror(-err), strerror(-undo));
		else
			xf_fail(cli, "%s: nothing changed: the expiry or comment could not be "
				"recorded: %s", cmd, strerror(-err));
		goto out;
	}

	result = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < argc; i++) {
		struct json_object *o = json_object_new_object();
		char text[XF_PREFIX_STRLEN];
		long idx = xf_ruleset_find(&next, XF_FEED_MANUAL, &prefixes[i], allow);

		xf_prefix_format(&prefixes[i], text, sizeof(text));
		json_object_object_add(o, "op", json_object_new_string(cmd));
		json_object_object_add(o, "range", json_object_new_string(text));
		json_object_object_add(o, "action", json_object_new_string(xf_action_name(action)));
		if (action == XF_ACTION_TAG)
			json_object_object_add(o, "tag", json_object_new_int64(tag));
		json_object_object_add(o, "range_id",
				       json_object_new_int64(idx >= 0 ? (long long)next.rules[idx].range_id : -1));
		if (op == OP_PUT && note->ttl) {
			char ttl[32];

			xf_duration_format(note->ttl, ttl, sizeof(ttl));
			json_object_object_add(o, "ttl", json_object_new_string(ttl));
			json_object_object_add(o, "expires",
					       json_object_new_int64(now + (time_t)note->ttl));
		}
		if (op == OP_PUT && note->comment && *note->comment)
			json_object_object_add(o, "comment", json_object_new_string(note->comment));
		json_object_array_add(list, o);
	}
	json_object_object_add(result, "ranges", list);
	list = json_object_new_object();
	json_object_object_add(list, "added", json_object_new_uint64(stats.added));
	json_object_object_add(list, "changed", json_object_new_uint64(stats.changed));
	json_object_object_add(list, "removed", json_object_new_uint64(stats.removed));
	json_object_object_add(list, "unchanged", json_object_new_uint64(stats.unchanged));
	json_object_object_add(result, "lpm", list);
	ret = xf_output(cli, result, render_change);
out:
	xf_ruleset_free(&old);
	xf_ruleset_free(&next);
	xf_manual_meta_free(&meta);
	xf_state_close(&st);
out_free:
	free(prefixes);
	return ret;
}

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffffffffUL)
		return -EINVAL;
	*out = v;
	return 0;
}

int xf_cmd_block(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "tag", required_argument, NULL, 't' },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "comment", required_argument, NULL, OPT_COMMENT },
		{ NULL, 0, NULL, 0 },
	};
	struct manual_note note = {};
	__u8 action = XF_ACTION_DROP;
	__u32 tag = XF_DEFAULT_TAG;
	bool tag_given = false;
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (xf_action_parse(optarg, &action))
				return xf_usage_error(cli, "block",
						      "block: unknown action '%s' (drop, tag, count)",
						      optarg);
			break;
		case 't':
			if (parse_u32(optarg, &tag) || tag == 0)
				return xf_usage_error(cli, "block",
						      "block: tag '%s' is not a number from 1 to "
						      "4294967295",
						      optarg);
			tag_given = true;
			break;
		case OPT_TTL:
		case OPT_COMMENT:
			err = parse_note_option(cli, "block", c, optarg, &note);
			if (err)
				return err;
			break;
		case ':':
			return xf_usage_error(cli, "block", "block: %s needs a value",
					      argv[optind - 1]);
		default:
			return xf_usage_error(cli, "block", "block: unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (tag_given && action != XF_ACTION_TAG)
		return xf_usage_error(cli, "block", "block: --tag needs --action tag");
	return apply_rules(cli, "block", OP_PUT, action, tag, &note, argc - optind, argv + optind);
}

/* Commands without options: reject anything that looks like one. */
static int plain_args(struct xf_cli *cli, const char *cmd, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] && !strchr(argv[i], ':'))
			return xf_usage_error(cli, cmd, "%s: unknown option '%s'", cmd, argv[i]);
	return 0;
}

int xf_cmd_unblock(struct xf_cli *cli, int argc, char **argv)
{
	return plain_args(cli, "unblock", argc, argv)
		       ?: apply_rules(cli, "unblock", OP_DEL, XF_ACTION_DROP, 0, NULL, argc - 1,
				      argv + 1);
}

int xf_cmd_allow(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "comment", required_argument, NULL, OPT_COMMENT },
		{ NULL, 0, NULL, 0 },
	};
	struct manual_note note = {};
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == ':')
			return xf_usage_error(cli, "allow", "allow: %s needs a value",
					      argv[optind - 1]);
		if (c != OPT_TTL && c != OPT_COMMENT)
			return xf_usage_error(cli, "allow", "allow: unknown option '%s'",
					      argv[optind - 1]);
		err = parse_note_option(cli, "allow", c, optarg, &note);
		if (err)
			return err;
	}
	return apply_rules(cli, "allow", OP_PUT, XF_ACTION_ALLOW, 0, &note, argc - optind,
			   argv + optind);
}

int xf_cmd_unallow(struct xf_cli *cli, int argc, char **argv)
{
	return plain_args(cli, "unallow", argc, argv)
		       ?: apply_rules(cli, "unallow", OP_DEL, XF_ACTION_ALLOW, 0, NULL, argc - 1,
				      argv + 1);
}
