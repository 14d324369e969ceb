// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Format "list": one address, CIDR or inclusive range per line. FireHOL
 * netset/ipset, Spamhaus drop.txt/dropv6.txt, X4BNet, the Tor bulk exit
 * list, ipsum, ET compromised-ips.
 *   entry [sep column...] [# comment | ; comment]
 * where entry is "a", "a/n", "a-b" or "a - b", and sep is spaces, TABs or
 * a comma. Extra columns are ignored, except that with min_score the first
 * one is a decimal score (ipsum: IP<TAB>number of lists) and rows below it
 * are filtered before their address is looked at. */
#include <string.h>

#include "feed_internal.h"

static bool is_sep(char ch)
{
	return ch == ',' || xf_is_space(ch);
}

static size_t skip_seps(struct xf_span s, size_t i)
{
	while (i < s.n && is_sep(s.p[i]))
		i++;
	return i;
}

static size_t skip_spaces(struct xf_span s, size_t i)
{
	while (i < s.n && xf_is_space(s.p[i]))
		i++;
	return i;
}

static size_t token_end(struct xf_span s, size_t i)
{
	while (i < s.n && !is_sep(s.p[i]))
		i++;
	return i;
}

/* The entry at the start of s: one token, or "a - b" spread over up to
 * three. Returns the offset just past it. */
static size_t entry_end(struct xf_span s)
{
	size_t end = token_end(s, 0), next;

	if (memchr(s.p, '-', end)) {
		if (s.p[end - 1] != '-')
			return end;
		/* "a- b" */
		return token_end(s, skip_spaces(s, end));
	}
	next = skip_spaces(s, end);
	if (next < s.n && s.p[next] == '-') {
		/* "a - b" or "a -b" */
		next = skip_spaces(s, next + 1);
		return token_end(s, next);
	}
	return end;
}

static struct xf_span strip_comment(struct xf_span s)
{
	size_t i;

	for (i = 0; i < s.n; i++) {
		if (s.p[i] == '#' || s.p[i] == ';') {
			s.n = i;
			break;
		}
	}
	return xf_span_trim(s);
}

int xf_feed_parse_list(struct xf_feed_ctx *c)
{
	char q[XF_QUOTE_LEN];
	struct xf_line_iter it;
	struct xf_span line, data, entry, score;
	size_t end, i;
	long value;
	int err;

	xf_line_iter_init(&it, c);
	while (xf_line_next(&it, &line)) {
		data = strip_comment(line);
		if (!data.n) {
			c->r->comments_blank++;
			continue;
		}
		end = entry_end(data);
		entry = (struct xf_span){ data.p, end };
		if (c->o->has_min_score) {
			i = skip_seps(data, end);
			score = (struct xf_span){ data.p + i, token_end(data, i) - i };
			if (!score.n) {
				xf_feed_bad(c, it.lineno, "%s has no score column",
					    xf_quote(xf_span_trim(line), q));
				continue;
			}
			if (xf_span_to_long(score, &value)) {
				xf_feed_bad(c, it.lineno, "%s is not a score",
					    xf_quote(score, q));
				continue;
			}
			if (value < c->o->min_score) {
				c->r->filtered++;
				continue;
			}
		}
		err = xf_feed_take(c, entry, it.lineno);
		if (err)
			return err;
	}
	return 0;
}
