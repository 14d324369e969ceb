#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Manual ranges with an expiry: `block/allow --ttl D --comment T` keep the
# expiry and comment beside the range, `ranges` shows the time left and the
# comment, `expire` removes what is due (and nothing else) in one commit,
# after which the kernel's tables no longer decide for those addresses;
# re-blocking restates the entry. Across a simulated reboot (bpffs purged,
# the state directory kept) expiry and comment come back, and a range that
# expired meanwhile does not.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || e2e_skip_all "needs root (BPF)"
mountpoint -q /sys/fs/bpf || e2e_skip_all "no bpffs mounted at /sys/fs/bpf"
[ -x "$XDPFENCE" ] || e2e_skip_all "$XDPFENCE is not built (make)"
e2e_init

X() { timeout 30 "$XDPFENCE" "$@"; }
Xq() { X "$@" >/dev/null; }
ranges_json() { X -j ranges; }
# FIELD of the entry of RANGE (ACTION: allow or a block action) in `ranges -j`
field() { # JSON RANGE KIND FIELD
	e2e_json '[r.get(a[2]) for r in d["ranges"] if r["range"] == a[0] and
	           (r["action"] == "allow") == (a[1] == "allow")][0]' "$2" "$3" "$4" <<<"$1"
}
decides() { X -j lookup "$1" | e2e_json 'd["kernel"]["action"] if d["kernel"] else "none"'; }
# wait until the wall clock has passed epoch second $1
wait_past() { while [ "$(date +%s)" -le "$1" ]; do sleep 0.2; done; }

# -- refusals change nothing
check_fails "--ttl with a space is refused" X block 198.51.100.0/24 --ttl "1h 30m"
check_fails "--ttl with units out of order is refused" X block 198.51.100.0/24 --ttl 30m1h
check_fails "--ttl 0s is refused" X block 198.51.100.0/24 --ttl 0s
check_fails "a comment of two lines is refused" X block 198.51.100.0/24 --comment "$(printf 'a\nb')"
err=$(X block 198.51.100.0/24 --ttl 1x 2>&1 >/dev/null)
check_contains "the refusal says what a duration is" "not a duration: numbers with a unit each" "$err"
check_eq "exit status 2 for a bad --ttl" 2 "$(X block 198.51.100.0/24 --ttl soon >/dev/null 2>&1; echo $?)"
check_eq "nothing was created by the refusals" "" "$(ls "$XDPFENCE_PIN_DIR" 2>/dev/null)"

# -- entries with and without a ttl; the short ones last, so that the
# checks before their expiry have the time they need
check "block with --ttl 1h and a comment" Xq block 203.0.113.0/24 --action tag --tag 3 --ttl 1h \
	--comment "ticket 42"
check "block without a ttl, with a comment" Xq block 192.0.2.0/24 --comment "permanent"
check "block without either" Xq block 198.51.100.128/25 --action count
check "allow without a ttl" Xq allow 192.0.2.7
t0=$(date +%s)
check "block with --ttl 4s and a comment" Xq block 198.51.100.0/24 --ttl 4s --comment "ticket 41"
check "allow with --ttl 4s" Xq allow 203.0.113.7 --ttl 4s --comment "partner test"
check "block IPv6 with --ttl 4s" Xq block 2001:db8:bad::/48 --ttl 4s
t1=$(date +%s)
R=$(ranges_json)
before_expiry=(
	"$(decides 198.51.100.9)" "$(decides 203.0.113.7)" "$(decides 2001:db8:bad::1)"
)
early=$(X -j expire)
t2=$(date +%s)
check "the checks before the expiry ran before it (else this machine is too slow)" \
	test "$t2" -lt $((t0 + 4))

left=$(field "$R" 198.51.100.0/24 drop expires_in)
check "remaining time of a 4s entry is listed (2 to 4 seconds)" test "$left" -ge 2 -a "$left" -le 4
check_eq "its comment is listed" "ticket 41" "$(field "$R" 198.51.100.0/24 drop comment)"
exp=$(field "$R" 198.51.100.0/24 drop expires)
check "its expiry is absolute wall-clock time 4s after the block" \
	test "$exp" -ge $((t0 + 4)) -a "$exp" -le $((t1 + 4))
left=$(field "$R" 203.0.113.0/24 tag expires_in)
check "remaining time of a 1h entry" test "$left" -ge 3590 -a "$left" -le 3600
check_eq "the allowlist entry has its own expiry" "partner test" \
	"$(field "$R" 203.0.113.7/32 allow comment)"
check_eq "a permanent entry has no expiry" "null" "$(field "$R" 192.0.2.0/24 drop expires)"
check_eq "a permanent entry keeps its comment" "permanent" "$(field "$R" 192.0.2.0/24 drop comment)"
check_eq "an entry without either has no comment" "null" \
	"$(field "$R" 198.51.100.128/25 count comment)"
table=$(X ranges)
check "the table has columns for the time left and the comment" \
	grep -q "EXPIRES-IN COMMENT" <<<"$table"
check "the table shows the 1h entry's time left and comment" \
	grep -qE '^203\.0\.113\.0/24 .* (59m[0-9]+s|1h) +ticket 42$' <<<"$table"
id_tag=$(field "$R" 203.0.113.0/24 tag range_id)
id_perm=$(field "$R" 192.0.2.0/24 drop range_id)

check_eq "before expiry: the ranges decide (IPv4 drop, allow, IPv6 drop)" "drop allow drop" \
	"${before_expiry[*]}"
check_eq "expire before the time: nothing removed" "[]" "$(e2e_json 'd["removed"]' <<<"$early")"
check "expire before the time says when the next expiry is due" \
	test "$(e2e_json 'd["next_expiry_in"]' <<<"$early")" -le 4

wait_past "$exp"
check_eq "past its time, before expire: still listed, 0s left" 0 \
	"$(field "$(ranges_json)" 198.51.100.0/24 drop expires_in)"
out=$(X expire)
check_contains "expire prints a removed range with its comment" "198.51.100.0/24" "$out"
check "expire prints the comment" grep -q "198.51.100.0/24 .*ticket 41" <<<"$out"
check_contains "expire counts what it removed" "3 manual ranges removed" "$out"
check_contains "expire says when the next one is due" "next expiry in" "$out"
check_eq "after expire: the range no longer decides" none "$(decides 198.51.100.9)"
check_eq "after expire: the IPv6 range no longer decides" none "$(decides 2001:db8:bad::1)"
check_eq "after expire: the allowlisted address falls to the tag range again" tag \
	"$(decides 203.0.113.7)"
check_eq "entries without ttl untouched: the /25 counts" count "$(decides 198.51.100.200)"
check_eq "entries without ttl untouched: the permanent range drops" drop "$(decides 192.0.2.9)"
check_eq "entries without ttl untouched: the permanent allow passes" allow "$(decides 192.0.2.7)"
R=$(ranges_json)
check_eq "what stays is listed: 4 ranges" 4 "$(e2e_json 'len(d["ranges"])' <<<"$R")"
check_eq "a range that stays keeps its range id (1h entry)" "$id_tag" \
	"$(field "$R" 203.0.113.0/24 tag range_id)"
check_eq "a range that stays keeps its range id (permanent)" "$id_perm" \
	"$(field "$R" 192.0.2.0/24 drop range_id)"
check_eq "expire again: nothing left to remove" "[]" "$(X -j expire | e2e_json 'd["removed"]')"

# -- re-blocking restates the entry
check "re-block with a new ttl and comment" Xq block 203.0.113.0/24 --action tag --tag 3 \
	--ttl 2h --comment "ticket 42, extended"
R=$(ranges_json)
check "the new ttl replaces the old" test "$(field "$R" 203.0.113.0/24 tag expires_in)" -gt 3600
check_eq "the new comment replaces the old" "ticket 42, extended" \
	"$(field "$R" 203.0.113.0/24 tag comment)"
check "re-block a permanent range with a ttl" Xq block 192.0.2.0/24 --ttl 1d
R=$(ranges_json)
check "it now expires" test "$(field "$R" 192.0.2.0/24 drop expires_in)" -gt 86000
check_eq "without --comment it has none" "null" "$(field "$R" 192.0.2.0/24 drop comment)"
check "re-block without --ttl" Xq block 192.0.2.0/24
check_eq "it is permanent again" "null" "$(field "$(ranges_json)" 192.0.2.0/24 drop expires)"
check "unblock and block again" bash -c "'$XDPFENCE' unblock 203.0.113.0/24 >/dev/null &&
	'$XDPFENCE' block 203.0.113.0/24 >/dev/null"
check_eq "unblock forgets the expiry" "null" "$(field "$(ranges_json)" 203.0.113.0/24 drop expires)"

# -- a simulated reboot: bpffs purged, the state directory kept
check "block a range for 2s" Xq block 198.51.100.0/24 --ttl 2s --comment "gone by then"
exp=$(field "$(ranges_json)" 198.51.100.0/24 drop expires)
check "block a range for 1h with a comment" Xq block 203.0.113.0/24 --ttl 1h --comment "still due"
check "allow an address for 1h" Xq allow 198.51.100.77 --ttl 1h --comment "vendor"
before=$(ranges_json)
check "the settings file records the expiry" \
	grep -q '"expires"' "$XDPFENCE_STATE_DIR"/settings-*.json
rm -rf "$XDPFENCE_PIN_DIR"
check "state gone after the simulated reboot" test ! -e "$XDPFENCE_PIN_DIR"
wait_past "$exp"
err=$(X -v config set event-rate 50 2>&1 >/dev/null)
check "an unrelated change recreates the state" test -e "$XDPFENCE_PIN_DIR"
check_contains "the restore says the expired range is not restored" \
	"198.51.100.0/24 (drop) expired while the state was gone" "$err"
after=$(ranges_json)
check_eq "the expired range did not come back" "[]" \
	"$(e2e_json '[r for r in d["ranges"] if r["range"] == "198.51.100.0/24"]' <<<"$after")"
check_eq "after the reboot: its addresses are not dropped" none "$(decides 198.51.100.9)"
check_eq "the 1h range came back with its expiry" "$(field "$before" 203.0.113.0/24 drop expires)" \
	"$(field "$after" 203.0.113.0/24 drop expires)"
check_eq "the 1h range came back with its comment" "still due" \
	"$(field "$after" 203.0.113.0/24 drop comment)"
check_eq "the timed allow entry came back with expiry and comment" \
	"$(field "$before" 198.51.100.77/32 allow expires) vendor" \
	"$(field "$after" 198.51.100.77/32 allow expires) $(field "$after" 198.51.100.77/32 allow comment)"
check_eq "after the reboot: the 1h range drops" drop "$(decides 203.0.113.9)"
check_eq "after the reboot: permanent entries are back" "count allow" \
	"$(decides 198.51.100.200) $(decides 192.0.2.7)"
check "no temporary settings file left behind" \
	bash -c "! ls '$XDPFENCE_STATE_DIR'/*.new 2>/dev/null | grep -q ."

# -- nothing to do without a state
check "purge" Xq purge
out=$(X -j expire)
check_eq "expire without a state removes nothing and succeeds" "[] null" \
	"$(e2e_json 'd["removed"]' <<<"$out") $(e2e_json 'd["next_expiry"]' <<<"$out")"
check "expire did not create a state" test ! -e "$XDPFENCE_PIN_DIR"
e2e_done
