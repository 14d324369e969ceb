/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Run-time settings by the names `config set` and the config file use. */
#ifndef XF_SETTINGS_H
#define XF_SETTINGS_H

#include <stdbool.h>

#include "xdpfence_abi.h"

#define XF_SETTING_NAMES "new-only, dry-run, malformed, mark-mask, dscp, event-rate, event-sample"

/* yes/no, on/off, true/false, 1/0 (any case): 0 or -EINVAL. The one
 * spelling of a boolean for settings, config file keys and feed options. */
int xf_parse_bool(const char *text, bool *out);

/* Set one setting in cfg: 0, -ENOENT (no such setting) or -EINVAL (not a
 * value for it; cfg unchanged). */
int xf_setting_apply(struct xf_config *cfg, const char *key, const char *value);
/* The value a setting has when the state is created; NULL: no such setting. */
const char *xf_setting_default(const char *key);

#endif /* XF_SETTINGS_H */
