/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The options of a feed's definition by name: one parser for `feed add`
 * and `feed check` (--min-prefix4 16) and for the daemon's config file
 * (min_prefix4 = 16), so the two accept the same values with the same
 * checks. */
#ifndef XF_REGISTRY_OPTIONS_H
#define XF_REGISTRY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

/* Set the option called name ("min-prefix4" or "min_prefix4") of def.
 * value: the text given; NULL for a flag given alone on the command line
 * (allow-special, allow-shrink), which sets it. Relative paths (source,
 * ca-file) are made absolute against base_dir (NULL: the working
 * directory). Returns 0, -ENOENT (no such option), -EINVAL (the reason in
 * err, naming the option and the value) or -ENOMEM. */
int xf_feed_option_set(struct xf_feed_def *def, const char *name, const char *value,
		       const char *base_dir, char *err, size_t errlen);
/* May the option be given more than once (select)? */
bool xf_feed_option_repeats(const char *name);
/* The names of every option, for messages. */
#define XF_FEED_OPTION_NAMES                                                              \
	"source, format, action, tag, category, select, column, where, min-score, asn, "  \
	"min-prefix4, min-prefix6, allow-special, max-shrink, allow-shrink, timeout, "    \
	"connect-timeout, max-size, retries, ca-file, interval, max-age, stale"

/* What the whole definition must be: the options its format needs and
 * none it would ignore (the source is the caller's to check: `feed check`
 * takes it as an argument). report(problem, ctx) is called for each;
 * returns how many there were. */
size_t xf_feed_def_check(const struct xf_feed_def *def,
			 void (*report)(const char *problem, void *ctx), void *ctx);

#endif /* XF_REGISTRY_OPTIONS_H */
