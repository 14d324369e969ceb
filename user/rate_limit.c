// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rate_limit.h"

int xf_rate_limit_init(struct xf_rate_limit *rl, unsigned max_per_second)
{
	memset(rl, 0, sizeof(*rl));
	if (max_per_second > XF_RATE_LIMIT_MAX)
		return -ERANGE;
	rl->max = max_per_second;
	if (!rl->max)
		return 0;
	rl->ring = calloc(rl->max, sizeof(*rl->ring));
	return rl->ring ? 0 : -ENOMEM;
}

void xf_rate_limit_free(struct xf_rate_limit *rl)
{
	free(rl->ring);
	memset(rl, 0, sizeof(*rl));
}

bool xf_rate_limit_admit(struct xf_rate_limit *rl, unsigned long long ts)
{
	unsigned last;

	if (!rl->max)
		return true;
	/* Events from several CPUs come a little out of order: one older than
	 * the last admitted counts as if it came with it, so the ring stays
	 * sorted and its oldest entry is the one at next. */
	last = (rl->next + rl->max - 1) % rl->max;
	if (rl->count && ts < rl->ring[last])
		ts = rl->ring[last];
	/* full: the oldest of the last max must be a second old */
	if (rl->count == rl->max && ts - rl->ring[rl->next] < 1000000000ULL)
		return false;
	if (rl->count < rl->max)
		rl->count++;
	rl->ring[rl->next] = ts;
	rl->next = (rl->next + 1) % rl->max;
	return true;
}
