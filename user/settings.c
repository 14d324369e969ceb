// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The run-time settings by name: what `config set` and the config file's
 * [settings] section accept, and the values the state starts with. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "settings.h"
#include "state.h"

int xf_parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "on") || !strcasecmp(s, "true") ||
	    !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "off") || !strcasecmp(s, "false") ||
		 !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_on_off(const char *s, __u8 *out)
{
	bool on;

	if (xf_parse_bool(s, &on))
		return -EINVAL;
	*out = on;
	return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static const struct {
	const char *key;
	const char *default_value; /* as the state is created */
} settings[] = {
	{ "new-only", "off" },
	{ "dry-run", "off" },
	{ "malformed", "pass" },
	{ "mark-mask", "0x00ff0000" },
	{ "dscp", "off" },
	{ "event-rate", "100" },
	{ "event-sample", "1" },
};

_Static_assert(XF_DEFAULT_MARK_MASK == 0x00ff0000u && XF_DEFAULT_EVENT_RATE == 100 &&
		       XF_DEFAULT_EVENT_SAMPLE == 1,
	       "the settings table states the defaults of state.h");

const char *xf_setting_default(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(settings[i].key, key))
			return settings[i].default_value;
	return NULL;
}

int xf_setting_apply(struct xf_config *cfg, const char *key, const char *value)
{
	unsigned long v;

	if (!strcmp(key, "new-only")) {
		if (parse_on_off(value, &cfg->new_conn_only))
			return -EINVAL;
	} else if (!strcmp(key, "dry-run")) {
		if (parse_on_off(value, &cfg->dry_run))
			return -EINVAL;
	} else if (!strcmp(key, "malformed")) {
		if (!strcmp(value, "pass"))
			cfg->malformed_verdict = XF_VERDICT_PASS;
		else if (!strcmp(value, "drop"))
			cfg->malformed_verdict = XF_VERDICT_DROP;
		else
			return -EINVAL;
	} else if (!strcmp(key, "mark-mask")) {
		/* contiguous bits: the tag is shifted into them whole */
		if (parse_ulong(value, 0xffffffffUL, &v) || !v ||
		    (((v >> __builtin_ctzl(v)) + 1) & (v >> __builtin_ctzl(v))))
			return -EINVAL;
		cfg->mark_mask = v;
		cfg->mark_shift = __builtin_ctz(v);
	} else if (!strcmp(key, "dscp")) {
		if (!strcmp(value, "off")) {
			cfg->dscp_enabled = 0;
		} else {
			if (parse_ulong(value, 63, &v))
				return -EINVAL;
			cfg->dscp = v;
			cfg->dscp_enabled = 1;
		}
	} else if (!strcmp(key, "event-rate")) {
		if (parse_ulong(value, 1000000, &v))
			return -EINVAL;
		cfg->event_rate = v;
	} else if (!strcmp(key, "event-sample")) {
		if (parse_ulong(value, 1000000, &v) || !v)
			return -EINVAL;
		cfg->event_sample = v;
	} else {
		return -ENOENT;
	}
	return 0;
}

