/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the libFuzzer targets of the feed parsers (tests/fuzz/run.sh
 * runs them). Each input is parsed under each of a target's option sets,
 * then put through the rails; beyond what ASan and UBSan catch (crashes,
 * leaks, undefined behaviour) the result must hold its invariants: entries
 * sorted, unique, masked, within their family; counts that add up. */
#ifndef XF_FUZZ_FEED_H
#define XF_FUZZ_FEED_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_parse.h"
#include "feed_rails.h"

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

static inline void fuzz_check_result(const struct xf_feed_result *r)
{
	size_t i, v4 = 0, v6 = 0;

	FUZZ_CHECK(r->n <= r->cap || (!r->n && !r->cap));
	FUZZ_CHECK(r->accepted == r->n);
	FUZZ_CHECK(r->nwarnings <= XF_FEED_MAX_WARNINGS && r->nwarnings <= r->warnings_total);
	FUZZ_CHECK(!r->refused || r->refuse_reason[0]);
	for (i = 0; i < r->n; i++) {
		struct xf_prefix p = r->entries[i].prefix;

		FUZZ_CHECK(p.family == XF_FAMILY_V4 || p.family == XF_FAMILY_V6);
		FUZZ_CHECK(p.len <= xf_family_bits(p.family));
		xf_prefix_mask(&p);
		FUZZ_CHECK(!memcmp(p.addr, r->entries[i].prefix.addr, sizeof(p.addr)));
		if (i)
			FUZZ_CHECK(xf_prefix_cmp(&r->entries[i - 1].prefix, &p) < 0);
		if (p.family == XF_FAMILY_V4)
			v4++;
		else
			v6++;
	}
	FUZZ_CHECK(v4 == r->v4 && v6 == r->v6);
}

static inline void fuzz_feed(const uint8_t *data, size_t size, const struct xf_feed_options *o)
{
	struct xf_feed_result r;
	struct xf_rails rails;
	struct xf_rails_counts c;
	size_t before;
	int err;

	err = xf_feed_parse_buffer("fuzz", data, size, o, &r);
	FUZZ_CHECK(err == 0 || err == -ENOMEM || err == -EFBIG);
	if (!err) {
		fuzz_check_result(&r);
		/* a parsed record gives at least one entry before dedup */
		FUZZ_CHECK(r.parsed <= r.n + r.duplicates);
		before = r.n;
		xf_rails_init(&rails);
		FUZZ_CHECK(xf_rails_apply(&r, &rails, &c) == 0);
		fuzz_check_result(&r);
		FUZZ_CHECK(c.kept == r.n && c.kept + c.zero_length + c.too_short + c.special ==
						    before);
	}
	xf_feed_result_free(&r);
}

#endif /* XF_FUZZ_FEED_H */
