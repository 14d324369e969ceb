// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "names.h"

#define NAME_OR_UNKNOWN(table, i) ((i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : "unknown")

static const char *const action_names[XF_ACTION_MAX] = {
	[XF_ACTION_NONE] = "none",   [XF_ACTION_COUNT] = "count", [XF_ACTION_TAG] = "tag",
	[XF_ACTION_DROP] = "drop",   [XF_ACTION_ALLOW] = "allow",
};

static const char *const verdict_names[XF_VERDICT_MAX] = {
	[XF_VERDICT_PASS] = "pass",
	[XF_VERDICT_DROP] = "drop",
	[XF_VERDICT_TAG] = "tag",
};

static const struct {
	const char *name;
	const char *description;
} reasons[XF_REASON_MAX] = {
	[XF_REASON_CLEAN] = { "clean", "no range matched the source" },
	[XF_REASON_ALLOWLIST] = { "allowlist", "source is allowlisted" },
	[XF_REASON_BLOCK_DROP] = { "block-drop", "range with action drop" },
	[XF_REASON_BLOCK_TAG] = { "block-tag", "range with action tag" },
	[XF_REASON_MONITOR] = { "monitor", "range with action count (would drop/tag)" },
	[XF_REASON_DRY_RUN] = { "dry-run", "drop turned into a pass by dry-run" },
	[XF_REASON_TAG_NO_META] = { "tag-no-meta", "tag wanted, no room for XDP metadata" },
	[XF_REASON_NON_IP] = { "non-ip", "not IPv4 or IPv6" },
	[XF_REASON_OUT_OF_SCOPE] = { "out-of-scope", "not addressed to a protected service" },
	[XF_REASON_ESTABLISHED] = { "established", "not a new connection (new-only mode)" },
	[XF_REASON_TRUNC_ETH] = { "trunc-eth", "frame shorter than an Ethernet header" },
	[XF_REASON_TRUNC_VLAN] = { "trunc-vlan", "VLAN tag cut short" },
	[XF_REASON_VLAN_TOO_DEEP] = { "vlan-too-deep", "more than two VLAN tags" },
	[XF_REASON_TRUNC_IP4] = { "trunc-ip4", "IPv4 header cut short" },
	[XF_REASON_BAD_IP4_VERSION] = { "bad-ip4-version", "IPv4 version field is not 4" },
	[XF_REASON_BAD_IP4_IHL] = { "bad-ip4-ihl", "IPv4 header length below 20 bytes" },
	[XF_REASON_BAD_IP4_LEN] = { "bad-ip4-len", "IPv4 total length inconsistent with frame" },
	[XF_REASON_TRUNC_IP6] = { "trunc-ip6", "IPv6 header cut short" },
	[XF_REASON_BAD_IP6_VERSION] = { "bad-ip6-version", "IPv6 version field is not 6" },
	[XF_REASON_BAD_IP6_LEN] = { "bad-ip6-len", "IPv6 payload length beyond frame" },
	[XF_REASON_TRUNC_IP6_EXT] = { "trunc-ip6-ext", "IPv6 extension header cut short" },
	[XF_REASON_IP6_EXT_TOO_DEEP] = { "ip6-ext-too-deep", "IPv6 extension chain too long" },
	[XF_REASON_TRUNC_L4] = { "trunc-l4", "TCP/UDP header cut short" },
};

static const char *const outcome_names[XF_OUTCOME_MAX] = {
	[XF_OUTCOME_ALLOW] = "allowed",	 [XF_OUTCOME_DROP] = "dropped",
	[XF_OUTCOME_TAG] = "tagged",	 [XF_OUTCOME_MONITOR] = "would_block",
	[XF_OUTCOME_DRY_RUN] = "dry_run_passed",
};

static const char *const mode_names[] = {
	[0] = "none",
	[XF_MODE_NATIVE] = "native",
	[XF_MODE_GENERIC] = "generic",
};

const char *xf_action_name(unsigned int action)
{
	return NAME_OR_UNKNOWN(action_names, action);
}

const char *xf_verdict_name(unsigned int verdict)
{
	return NAME_OR_UNKNOWN(verdict_names, verdict);
}

const char *xf_reason_name(unsigned int reason)
{
	return reason < XF_REASON_MAX ? reasons[reason].name : "unknown";
}

const char *xf_reason_description(unsigned int reason)
{
	return reason < XF_REASON_MAX ? reasons[reason].description : "unknown";
}

const char *xf_outcome_name(unsigned int outcome)
{
	return NAME_OR_UNKNOWN(outcome_names, outcome);
}

const char *xf_mode_name(unsigned int mode)
{
	return NAME_OR_UNKNOWN(mode_names, mode);
}

int xf_action_parse(const char *text, __u8 *action)
{
	if (!strcmp(text, "drop"))
		*action = XF_ACTION_DROP;
	else if (!strcmp(text, "tag"))
		*action = XF_ACTION_TAG;
	else if (!strcmp(text, "count"))
		*action = XF_ACTION_COUNT;
	else
		return -EINVAL;
	return 0;
}
