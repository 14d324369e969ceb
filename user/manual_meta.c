// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The expiry and comment of manual ranges: a sorted table keyed by prefix
 * and list, and what an operator may give as either. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "manual_meta.h"

void xf_manual_meta_free(struct xf_manual_meta *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->entries[i].comment);
	free(m->entries);
	memset(m, 0, sizeof(*m));
}

static int key_cmp(const struct xf_manual_meta_entry *e, const struct xf_prefix *p, bool allow)
{
	int c = xf_prefix_cmp(&e->prefix, p);

	return c ? c : (int)e->allow - (int)allow;
}

/* Index of prefix/list, or of where it would go (*found false). */
static size_t position(const struct xf_manual_meta *m, const struct xf_prefix *p, bool allow,
		       bool *found)
{
	size_t lo = 0, hi = m->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(&m->entries[mid], p, allow);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct xf_manual_meta_entry *xf_manual_meta_find(const struct xf_manual_meta *m,
							const struct xf_prefix *p, bool allow)
{
	bool found;
	size_t i = position(m, p, allow, &found);

	return found ? &m->entries[i] : NULL;
}

void xf_manual_meta_remove(struct xf_manual_meta *m, const struct xf_prefix *p, bool allow)
{
	bool found;
	size_t i = position(m, p, allow, &found);

	if (!found)
		return;
	free(m->entries[i].comment);
	memmove(&m->entries[i], &m->entries[i + 1], (m->n - i - 1) * sizeof(*m->entries));
	m->n--;
}

int xf_manual_meta_set(struct xf_manual_meta *m, const struct xf_prefix *p, bool allow,
		       time_t expires, const char *comment)
{
	struct xf_manual_meta_entry *e;
	char *copy = NULL;
	bool found;
	size_t i;

	if (comment && !*comment)
		comment = NULL;
	if (!expires && !comment) {
		xf_manual_meta_remove(m, p, allow);
		return 0;
	}
	if (comment && !(copy = strdup(comment)))
		return -ENOMEM;
	i = position(m, p, allow, &found);
	if (!found) {
		if (m->n == m->cap) {
			size_t cap = m->cap ? 2 * m->cap : 16;
			void *grown = realloc(m->entries, cap * sizeof(*m->entries));

			if (!grown) {
				free(copy);
				return -ENOMEM;
			}
			m->entries = grown;
			m->cap = cap;
		}
		memmove(&m->entries[i + 1], &m->entries[i], (m->n - i) * sizeof(*m->entries));
		m->n++;
		m->entries[i] = (struct xf_manual_meta_entry){ .prefix = *p, .allow = allow };
	}
	e = &m->entries[i];
	free(e->comment);
	e->comment = copy;
	e->expires = expires;
	return 0;
}

int xf_manual_ttl_parse(const char *text, long long *seconds, char *why, size_t why_len)
{
	long long s;

	if (xf_duration_parse(text, &s)) {
		snprintf(why, why_len, "not a duration: numbers with a unit each (w, d, h, m, s), "
			 "largest first, each once, no spaces: 30s, 15m, 1h, 2d, 1h30m");
		return -EINVAL;
	}
	if (s < 1) {
		snprintf(why, why_len, "zero: the entry would expire at once (at least 1s)");
		return -EINVAL;
	}
	if (s > XF_TTL_MAX_SECONDS) {
		snprintf(why, why_len, "longer than %lldd", XF_TTL_MAX_SECONDS / 86400);
		return -EINVAL;
	}
	*seconds = s;
	return 0;
}

int xf_manual_comment_check(const char *text, char *why, size_t why_len)
{
	const unsigned char *c;

	if (strlen(text) > XF_COMMENT_MAX) {
		snprintf(why, why_len, "longer than %d bytes", XF_COMMENT_MAX);
		return -EINVAL;
	}
	for (c = (const unsigned char *)text; *c; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			snprintf(why, why_len, "control character 0x%02x at byte %zu (one line of text)",
				 *c, (size_t)(c - (const unsigned char *)text) + 1);
			return -EINVAL;
		}
	}
	return 0;
}
