// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "duration.h"

static const struct {
	char unit;
	long long seconds;
} units[] = {
	{ 'w', 7 * 86400 },
	{ 'd', 86400 },
	{ 'h', 3600 },
	{ 'm', 60 },
	{ 's', 1 },
};

#define NR_UNITS (sizeof(units) / sizeof(units[0]))

int xf_duration_parse(const char *text, long long *seconds)
{
	const char *p = text;
	long long total = 0;
	size_t next_unit = 0; /* units must come largest first, each once */

	if (!*p)
		return -EINVAL;
	while (*p) {
		const char *number = p;
		long long n = 0;
		size_t u;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			n = n * 10 + (*p - '0');
			if (n > XF_DURATION_MAX)
				return -EINVAL;
		}
		if (!*p) {
			/* a bare number is seconds, and only as the whole text */
			if (number != text)
				return -EINVAL;
			total = n;
			break;
		}
		for (u = next_unit; u < NR_UNITS && units[u].unit != *p; u++)
			;
		if (u == NR_UNITS)
			return -EINVAL;
		if (n > XF_DURATION_MAX / units[u].seconds)
			return -EINVAL;
		total += n * units[u].seconds;
		if (total > XF_DURATION_MAX)
			return -EINVAL;
		next_unit = u + 1;
		p++;
	}
	*seconds = total;
	return 0;
}

void xf_duration_format(long long seconds, char *buf, size_t len)
{
	size_t u, used = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (seconds <= 0) {
		snprintf(buf, len, "0s");
		return;
	}
	/* weeks read worse than days in a status line: days are the largest */
	for (u = 1; u < NR_UNITS && used < len; u++) {
		long long n = seconds / units[u].seconds;

		if (!n)
			continue;
		used += snprintf(buf + used, len - used, "%lld%c", n, units[u].unit);
		seconds -= n * units[u].seconds;
	}
}
