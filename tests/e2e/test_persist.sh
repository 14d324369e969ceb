#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What only bpffs holds (manual ranges, protected services, run-time
# settings) survives a reboot: bpffs is empty afterwards, and the first
# command that creates the state again restores it from the state directory.
# A purge is a reset and forgets it.
. "$(dirname "$0")/lib.sh"
e2e_init

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

check "allow a /32" "$XDPFENCE" allow 198.51.100.5
check "block a /24" "$XDPFENCE" block 198.51.100.0/24
check "block a tagged /24" "$XDPFENCE" block 203.0.113.0/24 --action tag --tag 4
check "block an IPv6 /48" "$XDPFENCE" block 2001:db8:bad::/48
check "dry-run on" "$XDPFENCE" dry-run on
check "new-only on" "$XDPFENCE" config set new-only on
check "protect a service" "$XDPFENCE" protect 192.0.2.1:443/tcp
before=$("$XDPFENCE" -j ranges | json "sorted((r['range'], r['action'], r['tag']) for r in d['ranges'])")

# a reboot: the pinned state is gone, the state directory is not
rm -rf "$XDPFENCE_PIN_DIR"
check "state gone after the simulated reboot" test ! -e "$XDPFENCE_PIN_DIR"
check "an unrelated change recreates the state" "$XDPFENCE" config set event-rate 50
after=$("$XDPFENCE" -j ranges | json "sorted((r['range'], r['action'], r['tag']) for r in d['ranges'])")
check_eq "manual ranges restored with action and tag" "$before" "$after"
cfg=$("$XDPFENCE" -j config)
check_eq "dry-run restored" "True" "$(json "d['dry_run']" <<<"$cfg")"
check_eq "new-only restored" "True" "$(json "d['new_only']" <<<"$cfg")"
check_eq "the change itself applied" "50" "$(json "d['event_rate']" <<<"$cfg")"
check_eq "services restored" "['192.0.2.1/32:443/tcp']" "$("$XDPFENCE" -j protect | json "d['services']")"
check_eq "allowlist decides again" "allow" \
	"$("$XDPFENCE" -j lookup 198.51.100.5 | json "d['kernel']['action']")"

# purge is a reset: nothing comes back
check "purge" "$XDPFENCE" purge
check "block after purge" "$XDPFENCE" block 192.0.2.0/24
check_eq "only the new range after a purge" "['192.0.2.0/24']" \
	"$("$XDPFENCE" -j ranges | json "[r['range'] for r in d['ranges']]")"
check_eq "dry-run back to its default after a purge" "False" \
	"$("$XDPFENCE" -j config | json "d['dry_run']")"
e2e_done
