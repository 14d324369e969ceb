// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "ranges": iptoasn TSV, start<TAB>end<TAB>ASN<TAB>country<TAB>name,
 * IPv4 and IPv6. Each range becomes its minimal set of CIDRs (ranges are
 * often not aligned). ASN 0 means "not routed": such rows are filtered, as
 * are rows outside the ASN filter when one is given. Blank lines and '#'
 * comments are skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed_internal.h"

static int cmp_asn(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The next TAB-separated field of line from *pos on. */
static struct xf_span next_field(struct xf_span line, size_t *pos)
{
	struct xf_span f = { line.p + *pos, 0 };

	while (*pos < line.n && line.p[*pos] != '\t') {
		(*pos)++;
		f.n++;
	}
	if (*pos < line.n)
		(*pos)++;
	return f;
}

int xf_feed_parse_ranges(struct xf_feed_ctx *c)
{
	const struct xf_feed_options *o = c->o;
	struct xf_span line, text, start, end, asn_text;
	char q[XF_QUOTE_LEN], qa[XF_QUOTE_LEN];
	struct xf_line_iter it;
	__u32 *asns = NULL, asn;
	unsigned long v;
	size_t pos;
	int err = 0;

	if (o->nasns) {
		asns = malloc(o->nasns * sizeof(*asns));
		if (!asns)
			return -ENOMEM;
		memcpy(asns, o->asns, o->nasns * sizeof(*asns));
		qsort(asns, o->nasns, sizeof(*asns), cmp_asn);
	}
	xf_line_iter_init(&it, c);
	while (xf_line_next(&it, &line)) {
		text = xf_span_trim(line);
		if (!text.n || text.p[0] == '#') {
			c->r->comments_blank++;
			continue;
		}
		pos = 0;
		start = next_field(text, &pos);
		end = next_field(text, &pos);
		asn_text = xf_span_trim(next_field(text, &pos));
		if (!asn_text.n) {
			xf_feed_bad(c, it.lineno, "%s is not start<TAB>end<TAB>ASN...",
				    xf_quote(text, q));
			continue;
		}
		if (xf_span_to_ulong(asn_text, 0xffffffffUL, &v)) {
			xf_feed_bad(c, it.lineno, "%s: %s is not an AS number", xf_quote(text, q),
				    xf_quote(asn_text, qa));
			continue;
		}
		asn = (__u32)v;
		if (!asn || (asns && !bsearch(&asn, asns, o->nasns, sizeof(asn), cmp_asn))) {
			c->r->filtered++;
			continue;
		}
		err = xf_feed_take_range(c, start, end, (struct xf_span){ text.p, end.p + end.n - text.p },
					 it.lineno);
		if (err)
			break;
	}
	free(asns);
	return err;
}
