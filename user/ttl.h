/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Manual ranges with an expiry (`block CIDR --ttl 1h`, user/block.c): the
 * removal of those whose time has come, by `xdpfence expire` and
 * periodically by the daemon. */
#ifndef XF_TTL_H
#define XF_TTL_H

#include <time.h>

struct xf_cli;

/* Remove every manual range whose expiry is at or before now, in one
 * commit (whatever stays is never uncovered), under the state lock; each
 * removal is logged (info). *next_due (may be NULL) gets the earliest
 * expiry still pending, 0 when none. No state yet: nothing to do. Returns
 * the number of ranges removed, or a negative errno. */
int xf_ttl_expire(const struct xf_cli *cli, time_t now, time_t *next_due);

#endif /* XF_TTL_H */
