/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Durations as operators write them: a number of seconds, or numbers with a
 * unit each, largest first: "90", "45s", "15m", "1h30m", "7d", "2w". */
#ifndef XF_DURATION_H
#define XF_DURATION_H

#include <stddef.h>

#define XF_DURATION_MAX (100LL * 365 * 86400) /* a century: no overflow anywhere */

/* 0 or -EINVAL (not a duration, units out of order, above XF_DURATION_MAX). */
int xf_duration_parse(const char *text, long long *seconds);
/* The shortest form that parses back: "1h30m", "45s", "0s". */
void xf_duration_format(long long seconds, char *buf, size_t len);

#endif /* XF_DURATION_H */
