// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "fetch.h"
#include "names.h"
#include "registry_options.h"
#include "settings.h"

static int parse_long(const char *v, long long min, long long max, long long *out)
{
	char *end;

	if (!*v || isspace((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno || *end || *out < min || *out > max ? -EINVAL : 0;
}

/* A flag alone on the command line, or a boolean (settings.h). */
static int parse_flag(const char *v, bool *out)
{
	if (!v) {
		*out = true;
		return 0;
	}
	return xf_parse_bool(v, out);
}

/* A size in bytes, or with a binary unit: 1048576, 512K, 64M, 1G. */
static int parse_size(const char *v, size_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		const char *u = strchr(units, *end);

		if (!u || !*u || (end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B")))
			return -EINVAL;
		shift = 10 * (u - units + 1);
	}
	if (!n || n > (1ULL << 40) >> shift)
		return -EINVAL;
	*out = n << shift;
	return 0;
}

/* AS numbers separated by commas and/or blanks, "AS" in front or not. */
static int parse_asns(const char *v, struct xf_feed_def *def)
{
	char *copy = strdup(v), *cursor = copy, *item;
	long long n;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	while (!err && (item = strsep(&cursor, ", \t"))) {
		__u32 *grown;

		if (!*item)
			continue;
		if (!strncasecmp(item, "AS", 2))
			item += 2;
		if (parse_long(item, 1, 0xffffffffLL, &n)) {
			err = -EINVAL;
			break;
		}
		grown = realloc(def->asns, (def->nasns + 1) * sizeof(*grown));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		def->asns = grown;
		def->asns[def->nasns++] = n;
	}
	free(copy);
	return err ?: def->nasns ? 0 : -EINVAL;
}

/* A path is stored absolute (a sync runs from cron, the daemon or another
 * directory); a URL as it is. */
static int absolute(const char *v, const char *base_dir, char **out)
{
	char cwd[4096];

	free(*out);
	*out = NULL;
	if (!base_dir && !xf_source_is_url(v) && v[0] != '/')
		base_dir = getcwd(cwd, sizeof(cwd));
	if (xf_source_is_url(v) || v[0] == '/' || !base_dir)
		*out = strdup(v);
	else if (asprintf(out, "%s/%s", base_dir, v) < 0)
		*out = NULL;
	return *out ? 0 : -ENOMEM;
}

static int replace_string(char **slot, const char *v)
{
	free(*slot);
	*slot = strdup(v);
	return *slot ? 0 : -ENOMEM;
}

/* The option's name with '-' for '_', for comparing. */
static void canonical(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		out[i] = name[i] == '_' ? '-' : name[i];
	out[i] = '\0';
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int xf_feed_option_set(struct xf_feed_def *def, const char *name, const char *value,
		       const char *base_dir, char *err, size_t errlen)
{
	const char *v = value ? value : "";
	long long n;
	char key[32];

	canonical(name, key, sizeof(key));
	if (!value && strcmp(key, "allow-special") && strcmp(key, "allow-shrink"))
		return bad(err, errlen, "%s needs a value", name);

	if (!strcmp(key, "source")) {
		return absolute(v, base_dir, &def->source);
	} else if (!strcmp(key, "format")) {
		if (xf_feed_format_parse(v, &def->format))
			return bad(err, errlen,
				   "%s '%s' is not list, spamhaus-json, json, csv, ranges or "
				   "tor-exits",
				   name, v);
	} else if (!strcmp(key, "action")) {
		if (xf_action_parse(v, &def->action))
			return bad(err, errlen, "%s '%s' is not drop, tag or count", name, v);
	} else if (!strcmp(key, "tag")) {
		if (parse_long(v, 1, 0xffffffffLL, &n))
			return bad(err, errlen, "%s '%s' is not a number from 1 to 4294967295",
				   name, v);
		def->tag = n;
	} else if (!strcmp(key, "category")) {
		return replace_string(&def->category, v);
	} else if (!strcmp(key, "min-prefix4") || !strcmp(key, "min-prefix6")) {
		bool v4 = key[10] == '4';

		if (parse_long(v, 1, v4 ? 32 : 128, &n))
			return bad(err, errlen, "%s '%s' is not 1..%d", name, v, v4 ? 32 : 128);
		if (v4)
			def->rails.min_prefix4 = n;
		else
			def->rails.min_prefix6 = n;
	} else if (!strcmp(key, "allow-special")) {
		if (parse_flag(value, &def->rails.allow_special))
			return bad(err, errlen, "%s '%s' is not yes or no", name, v);
	} else if (!strcmp(key, "max-shrink")) {
		if (parse_long(v, 0, 100, &n))
			return bad(err, errlen, "%s '%s' is not 0..100 (percent)", name, v);
		def->max_shrink = n;
	} else if (!strcmp(key, "allow-shrink")) {
		if (parse_flag(value, &def->allow_shrink))
			return bad(err, errlen, "%s '%s' is not yes or no", name, v);
	} else if (!strcmp(key, "select")) {
		if (def->nselect == XF_FEED_MAX_SELECT)
			return bad(err, errlen, "at most %d %s paths", XF_FEED_MAX_SELECT, name);
		if (!(def->select[def->nselect] = strdup(v)))
			return -ENOMEM;
		def->nselect++;
	} else if (!strcmp(key, "column")) {
		return replace_string(&def->column, v);
	} else if (!strcmp(key, "where")) {
		const char *eq = strchr(v, '=');

		if (!eq || eq == v)
			return bad(err, errlen, "%s '%s' is not COLUMN=VALUE", name, v);
		free(def->where_column);
		free(def->where_value);
		def->where_column = strndup(v, eq - v);
		def->where_value = strdup(eq + 1);
		if (!def->where_column || !def->where_value)
			return -ENOMEM;
	} else if (!strcmp(key, "min-score")) {
		if (parse_long(v, 0, 1L << 30, &n))
			return bad(err, errlen, "%s '%s' is not a number from 0 to 2^30", name, v);
		def->min_score = n;
		def->has_min_score = true;
	} else if (!strcmp(key, "asn")) {
		int ret = parse_asns(v, def);

		if (ret == -EINVAL)
			return bad(err, errlen, "%s '%s' is not a list of AS numbers", name, v);
		return ret;
	} else if (!strcmp(key, "timeout") || !strcmp(key, "connect-timeout")) {
		if (xf_duration_parse(v, &n) || n < 1 || n > 3600)
			return bad(err, errlen, "%s '%s' is not a duration from 1s to 1h", name, v);
		if (key[0] == 't')
			def->timeout = n;
		else
			def->connect_timeout = n;
	} else if (!strcmp(key, "max-size")) {
		if (parse_size(v, &def->max_size))
			return bad(err, errlen,
				   "%s '%s' is not a size (bytes, or with K, M, G: 64M), at most 1T",
				   name, v);
	} else if (!strcmp(key, "retries")) {
		if (parse_long(v, 0, XF_FEED_MAX_RETRIES, &n))
			return bad(err, errlen, "%s '%s' is not 0..%d", name, v, XF_FEED_MAX_RETRIES);
		def->retries = n;
	} else if (!strcmp(key, "ca-file")) {
		int ret = absolute(v, base_dir, &def->ca_file);

		if (ret)
			return ret;
		if (access(def->ca_file, R_OK))
			return bad(err, errlen, "%s '%s': %s", name, def->ca_file, strerror(errno));
	} else if (!strcmp(key, "interval") || !strcmp(key, "max-age")) {
		if (xf_duration_parse(v, &n))
			return bad(err, errlen, "%s '%s' is not a duration (90, 15m, 1h30m, 7d)",
				   name, v);
		if (key[0] == 'i')
			def->interval = n;
		else
			def->max_age = n;
	} else if (!strcmp(key, "stale")) {
		if (xf_stale_policy_parse(v, &def->stale_policy))
			return bad(err, errlen, "%s '%s' is neither enforce nor withdraw", name, v);
	} else {
		snprintf(err, errlen, "unknown feed option '%s' (%s)", name, XF_FEED_OPTION_NAMES);
		return -ENOENT;
	}
	return 0;
}

bool xf_feed_option_repeats(const char *name)
{
	return !strcmp(name, "select");
}

size_t xf_feed_def_check(const struct xf_feed_def *d,
			 void (*report)(const char *problem, void *ctx), void *ctx)
{
	static const char *const problems[] = {
		"select paths need format json",
		"format json needs one or more select paths",
		"column and where need format csv",
		"format csv needs a column",
		"a minimum score needs format list",
		"asn needs format ranges",
		"a tag needs action tag",
	};
	const bool found[] = {
		d->nselect && d->format != XF_FORMAT_JSON,
		d->format == XF_FORMAT_JSON && !d->nselect,
		(d->column || d->where_column) && d->format != XF_FORMAT_CSV,
		d->format == XF_FORMAT_CSV && !d->column,
		d->has_min_score && d->format != XF_FORMAT_LIST,
		d->nasns && d->format != XF_FORMAT_RANGES,
		d->tag && d->action != XF_ACTION_TAG,
	};
	size_t i, n = 0;

	_Static_assert(sizeof(problems) / sizeof(problems[0]) == sizeof(found) / sizeof(found[0]),
		       "one check per problem");
	for (i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
		if (!found[i])
			continue;
		report(problems[i], ctx);
		n++;
	}
	return n;
}
