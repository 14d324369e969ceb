// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "tor-exits": TorDNSEL exit-addresses, records of
 *   ExitNode <fingerprint>
 *   Published <date> <time>
 *   LastStatus <date> <time>
 *   ExitAddress <ip> <date> <time>     (one or more)
 * Only ExitAddress gives entries; many relays share one address, and the
 * common deduplication removes the repeats. The other keywords are record
 * structure (counted with comments); any other line is bad, so that a file
 * of another format is not read as an empty exit list. */
#include <string.h>

#include "feed_internal.h"

static const char *const structure[] = { "ExitNode", "Published", "LastStatus" };

static struct xf_span word(struct xf_span s, size_t *pos)
{
	struct xf_span w;

	while (*pos < s.n && xf_is_space(s.p[*pos]))
		(*pos)++;
	w.p = s.p + *pos;
	w.n = 0;
	while (*pos < s.n && !xf_is_space(s.p[*pos])) {
		(*pos)++;
		w.n++;
	}
	return w;
}

int xf_feed_parse_tor(struct xf_feed_ctx *c)
{
	struct xf_span line, text, kw, addr;
	char q[XF_QUOTE_LEN];
	struct xf_line_iter it;
	size_t pos, i;
	int err;

	xf_line_iter_init(&it, c);
	while (xf_line_next(&it, &line)) {
		text = xf_span_trim(line);
		if (!text.n || text.p[0] == '#') {
			c->r->comments_blank++;
			continue;
		}
		pos = 0;
		kw = word(text, &pos);
		if (xf_span_eq(kw, "ExitAddress")) {
			addr = word(text, &pos);
			/* one address: no prefix, no range */
			if (memchr(addr.p, '/', addr.n) || memchr(addr.p, '-', addr.n) || !addr.n) {
				xf_feed_bad(c, it.lineno, "%s is not an address",
					    xf_quote(addr.n ? addr : text, q));
				continue;
			}
			err = xf_feed_take(c, addr, it.lineno);
			if (err)
				return err;
			continue;
		}
		for (i = 0; i < sizeof(structure) / sizeof(structure[0]); i++)
			if (xf_span_eq(kw, structure[i]))
				break;
		if (i < sizeof(structure) / sizeof(structure[0])) {
			c->r->comments_blank++;
			continue;
		}
		xf_feed_bad(c, it.lineno, "%s is not a TorDNSEL exit-addresses line",
			    xf_quote(text, q));
	}
	return 0;
}
