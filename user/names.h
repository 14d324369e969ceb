/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Strings for the ABI's enums: they exist only in userspace. */
#ifndef XF_NAMES_H
#define XF_NAMES_H

#include "xdpfence_abi.h"

const char *xf_action_name(unsigned int action);
const char *xf_verdict_name(unsigned int verdict);
const char *xf_reason_name(unsigned int reason);
const char *xf_reason_description(unsigned int reason);
const char *xf_outcome_name(unsigned int outcome);
const char *xf_mode_name(unsigned int mode);
/* Parse "drop", "tag", "count" (block actions). Returns 0 or -EINVAL. */
int xf_action_parse(const char *text, __u8 *action);

#endif /* XF_NAMES_H */
