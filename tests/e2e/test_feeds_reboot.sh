#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A rejected feed leaves the last good state in force, also across a
# reboot: bpffs is empty afterwards, and a feed whose source then fails or
# shrinks gets its last good version (kept in the state directory) applied,
# not nothing and not the broken one.
. "$(dirname "$0")/lib.sh"
e2e_init

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
src="$E2E_TMP/feed.txt"
write_feed() { # COUNT: 198.51.100.1 .. 198.51.100.COUNT
	: >"$src"
	for i in $(seq "$1"); do echo "198.51.100.$i"; done >>"$src"
}
in_force() { "$XDPFENCE" -j ranges | json "sum(r['feed'] == 'web' for r in d['ranges'])"; }
sync_state() { json "d['feeds'][0]['state'] + ' ' + str(d['feeds'][0]['from_last_good'])"; }
reboot() { rm -rf "$XDPFENCE_PIN_DIR"; }

write_feed 100
check "feed add" "$XDPFENCE" feed add web --source "$src" --format list --allow-special
check "first sync applies" "$XDPFENCE" feed sync web
check_eq "100 in force" 100 "$(in_force)"
check "the last good version is saved" test -s "$XDPFENCE_STATE_DIR/feeds/web.last"

reboot
rm -f "$src"
out=$("$XDPFENCE" -j feed sync web)
status=$?
check_eq "after a reboot, source missing: sync reports failure" 1 "$status"
check_eq "the last good version was applied instead" "applied True" "$(sync_state <<<"$out")"
check_eq "its 100 ranges are in force" 100 "$(in_force)"
check_eq "and decide" "drop" "$("$XDPFENCE" -j lookup 198.51.100.77 | json "d['kernel']['action']")"
check_eq "the source's failure is the feed's last error" "True" \
	"$("$XDPFENCE" -j feed list | json "'No such file' in d['feeds'][0]['status']['last_error']")"

reboot
write_feed 10
out=$("$XDPFENCE" -j feed sync web)
check_eq "after a reboot, a version 90 % smaller: refused against the registry's size" \
	"applied True" "$(sync_state <<<"$out")"
check_eq "the last good 100 are in force, not the 10" 100 "$(in_force)"

write_feed 100
check "the source is well again" "$XDPFENCE" feed sync web
check_eq "a normal sync applies from the source" "applied False" \
	"$("$XDPFENCE" -j feed sync web | sync_state)"
check "feed remove" "$XDPFENCE" feed remove web
check "the saved version goes with the feed" test ! -e "$XDPFENCE_STATE_DIR/feeds/web.last"
e2e_done
