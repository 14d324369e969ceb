#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The rails between a feed file and the live maps, with small synthetic
# feeds: a shrinking, emptied, broken, truncated or missing version is
# refused and the previous one stays in force (ranges and lookup say so);
# --force and --allow-shrink are the ways through; /0 and too-short
# prefixes are refused, special-purpose space skipped, host bits cleared,
# each with a warning naming file:line; the allowlist conflict report; the
# sync summary and its exact added/removed/unchanged counts; precedence
# across feeds and manual rules as feeds come and go. Each part has its own
# pinned state and registry. No packet is sent.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

BASE_PIN=$XDPFENCE_PIN_DIR
D="$E2E_TMP/feeds"
mkdir -p "$D"
O="$E2E_TMP/out" E="$E2E_TMP/err"

x() { timeout 30 "$XDPFENCE" "$@"; }
xj() { x -j "$@"; }
run() { # OUTFILE ERRFILE ARGS... -> exit status
	local out=$1 err=$2
	shift 2
	x "$@" >"$out" 2>"$err"
}

# part NAME: a fresh pinned state and registry for what follows
part() {
	XDPFENCE_PIN_DIR=$BASE_PIN
	XDPFENCE_PIN_DIR=$(e2e_pin_dir_add "$1")
	export XDPFENCE_PIN_DIR XDPFENCE_STATE_DIR="$E2E_TMP/state.$1"
}

hosts() { # PREFIX FIRST LAST: one address per line, PREFIX.FIRST .. PREFIX.LAST
	local i
	for ((i = $2; i <= $3; i++)); do echo "$1.$i"; done
}

# the feed's ranges in the rule store, as "prefix,prefix,..."
feed_ranges() {
	xj ranges --feed "$1" | e2e_json '",".join(r["range"] for r in d["ranges"])'
}
feed_count() {
	xj ranges --feed "$1" | e2e_json 'len(d["ranges"])'
}
# "RANGE FEED ACTION" of the decision for an address, or None
decides() {
	xj lookup "$1" | e2e_json '"%s %s %s" % (d["decision"]["range"], d["decision"]["feed"], d["decision"]["action"]) if d["decision"] else "None"'
}
# a field of one feed's entry in `feed sync -j` output
sync_field() { # FILE FEED EXPR-over-f
	e2e_json '[eval(a[1], {"f": f}) for f in d["feeds"] if f["feed"] == a[0]][0]' "$2" "$3" <"$1"
}

# ---------------------------------------------------------------- summary
part summary
hosts 198.51.100 1 100 >"$D/diff.txt"
check "feed add diff (100 documentation /32s, --allow-special)" \
	eval 'x feed add diff --source "$D/diff.txt" --format list --allow-special >/dev/null'
run "$O" "$E" -j feed sync
check_eq "sync diff: exit status 0" 0 $?
check_eq "sync summary: every field is there" \
	"parsed accepted skipped:bad,duplicates,filtered,null_or_non_string,special,too_short,zero_length added removed changed unchanged prepare_ms" \
	"$(e2e_json '" ".join([k for k in ("parsed", "accepted") if isinstance(d["feeds"][0]["counts"].get(k), int)] + ["skipped:" + ",".join(sorted(d["feeds"][0]["counts"].get("skipped", {})))] + [k for k in ("added", "removed", "changed", "unchanged", "prepare_ms") if isinstance(d["feeds"][0].get(k), (int, float))])' <"$O")"
check_eq "sync diff: parsed 100 accepted 100 added 100" "100 100 100 0 0 0" \
	"$(sync_field "$O" diff '"%d %d %d %d %d %d" % (f["counts"]["parsed"], f["counts"]["accepted"], f["added"], f["removed"], f["changed"], f["unchanged"])')"
text=$(x feed sync)
check_contains "sync (text): the table header" \
	"PARSED  ACCEPTED  SKIPPED    ADDED  REMOVED   CHANGED UNCHANGED        MS" "$text"
check_contains "sync (text): the rules map line" "rules map: 0 added, 0 changed, 0 removed, 100 unchanged" "$text"
ids_before=$(xj ranges --feed diff | e2e_json '" ".join("%s=%d" % (r["range"], r["range_id"]) for r in d["ranges"] if not r["range"].startswith(("198.51.100.96/", "198.51.100.97/", "198.51.100.98/", "198.51.100.99/", "198.51.100.100/")))')
# 5 of 100 change: .96-.100 leave, 203.0.113.1-5 come
{ hosts 198.51.100 1 95; hosts 203.0.113 1 5; } >"$D/diff.txt"
run "$O" "$E" -j feed sync
check_eq "sync after 5 of 100 changed: exit status 0" 0 $?
check_eq "sync after 5 of 100 changed: added 5, removed 5, changed 0, unchanged 95" "5 5 0 95" \
	"$(sync_field "$O" diff '"%d %d %d %d" % (f["added"], f["removed"], f["changed"], f["unchanged"])')"
check_eq "sync after 5 of 100 changed: the rules map saw the same" "5 5 0 95" \
	"$(e2e_json '"%d %d %d %d" % (d["commit"]["added"], d["commit"]["removed"], d["commit"]["changed"], d["commit"]["unchanged"])' <"$O")"
check_eq "sync after 5 of 100 changed: the 95 that stay keep their range ids" "$ids_before" \
	"$(xj ranges --feed diff | e2e_json '" ".join("%s=%d" % (r["range"], r["range_id"]) for r in d["ranges"] if r["range"].startswith("198.51.100."))')"
check_eq "sync after 5 of 100 changed: the new ones are in, the old ones out" "203.0.113.3/32 diff drop|None" \
	"$(decides 203.0.113.3)|$(decides 198.51.100.98)"
# the registry is the configuration: a feed whose action changes (here by
# editing the registry file) changes all its ranges in place
"$E2E_PY" - "$XDPFENCE_STATE_DIR/feeds.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["feeds"][0]["action"] = "count"
json.dump(r, open(sys.argv[1], "w"))
EOF
run "$O" "$E" -j feed sync
check_eq "sync after the action became count: changed 100, nothing added or removed" "0 0 100 0" \
	"$(sync_field "$O" diff '"%d %d %d %d" % (f["added"], f["removed"], f["changed"], f["unchanged"])')"
check_eq "sync after the action became count: ranges say count, the 95 ids kept" "count 95" \
	"$(xj ranges --feed diff | e2e_json '"%s %d" % ("|".join(sorted({r["action"] for r in d["ranges"]})), sum(1 for r in d["ranges"] if "%s=%d" % (r["range"], r["range_id"]) in a[0].split()))' "$ids_before")"

# ---------------------------------------------------------------- shrink
part shrink
hosts 198.51.100 1 100 >"$D/shrink.txt"
check "feed add shrink" eval 'x feed add shrink --source "$D/shrink.txt" --format list --allow-special >/dev/null'
check "sync shrink (100 entries)" eval 'x feed sync >/dev/null'
hosts 198.51.100 1 49 >"$D/shrink.txt"
run "$O" "$E" feed sync
check_eq "shrink 100 -> 49: exit status 1" 1 $?
check_contains "shrink 100 -> 49: the reason is printed" \
	"the new version has 49 entries where 100 are in force (more than 50% fewer): not applied" "$(cat "$O")"
check_contains "shrink 100 -> 49: says how to apply it" "'feed sync --force shrink' applies it" "$(cat "$O")"
check_eq "shrink 100 -> 49: the previous version stays (ranges --feed)" 100 "$(feed_count shrink)"
check_eq "shrink 100 -> 49: an address only in the old version still decides" \
	"198.51.100.90/32 shrink drop" "$(decides 198.51.100.90)"
show=$(xj feed show shrink)
check_contains "shrink 100 -> 49: feed show has the refusal as last error" "not applied" \
	"$(e2e_json 'd["status"]["last_error"]' <<<"$show")"
check_eq "shrink 100 -> 49: feed show still counts 100 entries" 100 "$(e2e_json 'd["status"]["entries"]' <<<"$show")"
run "$O" "$E" -j feed sync --force shrink
check_eq "sync --force shrink: exit status 0" 0 $?
check_eq "sync --force shrink: applied, 51 removed" "applied 51" \
	"$(sync_field "$O" shrink '"%s %d" % (f["state"], f["removed"])')"
check_eq "sync --force shrink: 49 in force, the old-only address has no decision" "49 None" \
	"$(feed_count shrink) $(decides 198.51.100.90)"
check_eq "sync --force shrink: last error cleared" null "$(xj feed show shrink | e2e_json 'd["status"]["last_error"]')"
# the limit: losing exactly half is allowed, one more is not
hosts 198.51.100 1 100 >"$D/shrink.txt"
check "grow shrink back to 100" eval 'x feed sync >/dev/null'
hosts 198.51.100 1 50 >"$D/shrink.txt"
check "shrink 100 -> 50 (exactly 50% fewer): applied without --force" eval 'x feed sync >/dev/null'
check_eq "shrink 100 -> 50: 50 in force" 50 "$(feed_count shrink)"

# an emptied feed: a valid file with a header and no entry
printf '# shrink feed\n# no entries today\n' >"$D/shrink.txt"
run "$O" "$E" -j feed sync
check_eq "emptied feed: exit status 1" 1 $?
check_eq "emptied feed: refused, the reason names the 0 entries" "refused yes" \
	"$(sync_field "$O" shrink '"%s %s" % (f["state"], "yes" if "has 0 entries" in f["reason"] else f["reason"])')"
check_eq "emptied feed: the previous version stays" "50 198.51.100.7/32 shrink drop" \
	"$(feed_count shrink) $(decides 198.51.100.7)"
: >"$D/shrink.txt"
run "$O" "$E" feed sync
check_eq "zero-byte file: exit status 1, previous version stays" "1 50" "$? $(feed_count shrink)"

# --max-shrink: the operator's own limit
hosts 203.0.113 1 100 >"$D/strict.txt"
check "feed add strict --max-shrink 10" \
	eval 'x feed add strict --source "$D/strict.txt" --format list --allow-special --max-shrink 10 >/dev/null'
check "sync strict (100 entries)" eval 'x feed sync strict >/dev/null'
hosts 203.0.113 1 89 >"$D/strict.txt"
run "$O" "$E" feed sync strict
check_eq "--max-shrink 10: 100 -> 89 refused" "1 100" "$? $(feed_count strict)"
check_contains "--max-shrink 10: the reason says 10%" "more than 10% fewer" "$(cat "$O")"
hosts 203.0.113 1 90 >"$D/strict.txt"
run "$O" "$E" feed sync strict
check_eq "--max-shrink 10: 100 -> 90 applied" "0 90" "$? $(feed_count strict)"

# --allow-shrink: a feed that may lose anything, even everything
part allowshrink
hosts 198.51.100 1 100 >"$D/ok.txt"
check "feed add ok --allow-shrink" \
	eval 'x feed add ok --source "$D/ok.txt" --format list --allow-special --allow-shrink >/dev/null'
check "sync ok (100 entries)" eval 'x feed sync >/dev/null'
check_eq "feed show: allow_shrink recorded" true "$(xj feed show ok | e2e_json 'd["rails"]["allow_shrink"]')"
hosts 198.51.100 1 10 >"$D/ok.txt"
run "$O" "$E" feed sync
check_eq "--allow-shrink 100 -> 10: applied without --force" "0 10" "$? $(feed_count ok)"
printf '# empty\n' >"$D/ok.txt"
run "$O" "$E" feed sync
check_eq "--allow-shrink, emptied: applied (the feed may empty)" "0 0" "$? $(feed_count ok)"

# ---------------------------------------------------------------- broken
part broken
hosts 198.51.100 1 100 >"$D/bad.txt"
check "feed add bad" eval 'x feed add bad --source "$D/bad.txt" --format list --allow-special >/dev/null'
check "sync bad (100 entries)" eval 'x feed sync >/dev/null'
# a new version: 100 different good lines and 15 bad ones (13% > 10%)
{
	hosts 203.0.113 1 100
	for i in $(seq 1 15); do echo "not-an-address-$i"; done
} >"$D/bad.txt"
run "$O" "$E" -j feed check "$D/bad.txt" --format list --allow-special
check_eq "feed check, 15 bad of 115: exit status 1, refused" "1 True 15" \
	"$? $(e2e_json '"%s %d" % (d["refused"], d["counts"]["skipped"]["bad"])' <"$O")"
run "$O" "$E" feed sync
check_eq "sync, 15 bad of 115 lines: exit status 1" 1 $?
check_contains "sync, 15 bad of 115 lines: the reason is printed" "15 of 115 records are bad (more than 10%)" "$(cat "$O")"
check_eq "sync, 15 bad lines: the previous version stays" "100 198.51.100.42/32 bad drop None" \
	"$(feed_count bad) $(decides 198.51.100.42) $(decides 203.0.113.42)"
{
	hosts 203.0.113 1 100
	echo "1.2.3.999"
	for i in $(seq 1 4); do echo "garbage $i"; done
} >"$D/bad.txt"
run "$O" "$E" -j feed sync
check_eq "sync, 5 bad of 105 lines: applied" "0 applied 5" \
	"$? $(sync_field "$O" bad '"%s %d" % (f["state"], f["counts"]["skipped"]["bad"])')"
check_contains "sync, 5 bad lines: the warning names file:line and the text" \
	"$D/bad.txt:101: '1.2.3.999'" "$(sync_field "$O" bad '" ".join(f["warnings"])')"
check_eq "sync, 5 bad lines: the new version is in force" "100 203.0.113.42/32 bad drop" \
	"$(feed_count bad) $(decides 203.0.113.42)"

# a source file that is gone
mv "$D/bad.txt" "$D/bad.txt.away"
run "$O" "$E" -j feed sync
check_eq "missing source: exit status 1, state failed" "1 failed" \
	"$? $(sync_field "$O" bad 'f["state"]')"
check_contains "missing source: the error names the file" "$D/bad.txt: No such file or directory" \
	"$(sync_field "$O" bad 'f["reason"]')"
run "$O" "$E" feed sync
check_contains "missing source (text): the error names the file" "$D/bad.txt: No such file or directory" "$(cat "$O" "$E")"
check_eq "missing source: the previous version stays" "100 203.0.113.42/32 bad drop" \
	"$(feed_count bad) $(decides 203.0.113.42)"
check_contains "missing source: feed show has it as last error" "$D/bad.txt" \
	"$(xj feed show bad | e2e_json 'd["status"]["last_error"]')"
mv "$D/bad.txt.away" "$D/bad.txt"

# a truncated download of a gzip-compressed feed: refused, and no --force
# can turn it into "withdraw the feed" (the file says nothing about it).
# Known to fail: the gzip refusal is not marked truncated
# (user/feed_parse.c, inflate_gzip), so --force applies an empty feed;
# reported, left failing until fixed.
hosts 198.51.100 1 100 | gzip -n >"$D/gz.txt.gz"
check "feed add gz (a gzip file)" eval 'x feed add gz --source "$D/gz.txt.gz" --format list --allow-special >/dev/null'
check_eq "sync gz: 100 entries from the compressed file" "0 100" "$(x feed sync gz >/dev/null; echo $?) $(feed_count gz)"
head -c 200 "$D/gz.txt.gz" >"$D/gz.part" && mv "$D/gz.part" "$D/gz.txt.gz"
run "$O" "$E" -j feed sync gz
check_eq "truncated gzip: refused" "1 refused" "$? $(sync_field "$O" gz 'f["state"]')"
check_contains "truncated gzip: the reason says so" "truncated gzip stream" "$(sync_field "$O" gz 'f["reason"]')"
check_eq "truncated gzip: the previous version stays" 100 "$(feed_count gz)"
run "$O" "$E" -j feed sync --force gz
check_eq "truncated gzip, sync --force: still refused, the previous version stays (cannot be applied)" \
	"1 refused 100" "$? $(sync_field "$O" gz 'f["state"]') $(feed_count gz)"

# a truncated Spamhaus JSON download: refused even with --force
printf '%s\n' '{"cidr":"198.51.100.0/24","sblid":"SBL1","rir":"arin"}' \
	'{"cidr":"203.0.113.0/24","sblid":"SBL2","rir":null}' >"$D/drop.json"
printf '{"type":"metadata","timestamp":1,"size":%d,"records":2,"copyright":"test"}\n' \
	"$(stat -c %s "$D/drop.json")" >>"$D/drop.json"
check "feed add sh (spamhaus-json)" \
	eval 'x feed add sh --source "$D/drop.json" --format spamhaus-json --allow-special >/dev/null'
check_eq "sync sh: 2 entries" "0 2" "$(x feed sync sh >/dev/null; echo $?) $(feed_count sh)"
printf '%s\n' '{"cidr":"198.51.100.0/24","sblid":"SBL1","rir":"arin"}' \
	'{"type":"metadata","timestamp":1,"size":100,"records":2,"copyright":"test"}' >"$D/drop.json"
run "$O" "$E" -j feed sync --force sh
check_eq "truncated spamhaus-json, sync --force: refused, the previous version stays" "1 refused 2" \
	"$? $(sync_field "$O" sh 'f["state"]') $(feed_count sh)"
check_contains "truncated spamhaus-json: the reason says truncated" "truncated download" \
	"$(sync_field "$O" sh 'f["reason"]')"

# capacity is checked before the first write: a version that does not fit
# changes nothing
part capacity
hosts 198.51.100 1 100 >"$D/big.txt"
check "feed add big" eval 'x feed add big --source "$D/big.txt" --format list --allow-special >/dev/null'
check "sync big into a state of capacity 150" eval 'x --max-ranges 150 feed sync >/dev/null'
{ hosts 198.51.100 1 100; hosts 203.0.113 1 100; } >"$D/big.txt"
run "$O" "$E" -j feed sync
check_eq "200 entries into capacity 150: exit status 1, state failed" "1 failed" \
	"$? $(sync_field "$O" big 'f["state"]')"
check_contains "200 entries into capacity 150: the reason says the maps could not take it" \
	"could not take the update" "$(sync_field "$O" big 'f["reason"]')"
check_contains "200 entries into capacity 150: stderr names the capacity" "capacity is 150" "$(cat "$E")"
check_eq "200 entries into capacity 150: nothing written, the previous version stays" \
	"0 0 100 198.51.100.5/32 big drop None" \
	"$(e2e_json '"%d %d" % (d["commit"]["added"], d["commit"]["removed"])' <"$O") $(feed_count big) $(decides 198.51.100.5) $(decides 203.0.113.5)"
check_eq "200 entries into capacity 150: feed show keeps 100 entries" 100 \
	"$(xj feed show big | e2e_json 'd["status"]["entries"]')"

# ---------------------------------------------------------------- prefixes
part prefixes
cat >"$D/wide.txt" <<'EOF'
# /0 and prefixes shorter than the minimum (/8 IPv4, /19 IPv6)
0.0.0.0/0
::/0
2.0.0.0/7
2000::/18
198.51.100.0/24
2001:db8::/32
EOF
check "feed add wide --allow-special" eval 'x feed add wide --source "$D/wide.txt" --format list --allow-special >/dev/null'
run "$O" "$E" -j feed sync wide
check_eq "/0 and too short: zero_length 2, too_short 2, accepted 2" "0 2 2 2" \
	"$? $(sync_field "$O" wide '"%d %d %d" % (f["counts"]["skipped"]["zero_length"], f["counts"]["skipped"]["too_short"], f["counts"]["accepted"])')"
check_eq "/0 and too short: exactly the two others are in force" "198.51.100.0/24,2001:db8::/32" "$(feed_ranges wide)"
w=$(sync_field "$O" wide '"\n".join(f["warnings"])')
check_contains "warning: 0.0.0.0/0 refused at file:line" "$D/wide.txt:2: 0.0.0.0/0 covers every address: refused" "$w"
check_contains "warning: ::/0 refused at file:line" "$D/wide.txt:3: ::/0 covers every address: refused" "$w"
check_contains "warning: 2.0.0.0/7 too short at file:line" "$D/wide.txt:4: 2.0.0.0/7 is shorter than the minimum /8: refused" "$w"
check_contains "warning: 2000::/18 too short at file:line" "$D/wide.txt:5: 2000::/18 is shorter than the minimum /19: refused" "$w"
# the per-feed minimum, and /0 whatever the minimum
cp "$D/wide.txt" "$D/wide2.txt"
echo "198.51.0.0/16" >>"$D/wide2.txt"
check "feed add wide2 --min-prefix4 20 --min-prefix6 40" \
	eval 'x feed add wide2 --source "$D/wide2.txt" --format list --allow-special --min-prefix4 20 --min-prefix6 40 >/dev/null'
run "$O" "$E" -j feed sync wide2
check_eq "--min-prefix4 20 --min-prefix6 40: only the /24 is left" "0 2 4 198.51.100.0/24" \
	"$? $(sync_field "$O" wide2 '"%d %d" % (f["counts"]["skipped"]["zero_length"], f["counts"]["skipped"]["too_short"])') $(feed_ranges wide2)"
check "feed add wide3 --min-prefix4 1 --min-prefix6 1" \
	eval 'x feed add wide3 --source "$D/wide.txt" --format list --allow-special --min-prefix4 1 --min-prefix6 1 >/dev/null'
run "$O" "$E" -j feed sync wide3
check_eq "--min-prefix4 1 --min-prefix6 1: /0 still refused, the /7 and /18 kept" \
	"2 0 2.0.0.0/7,198.51.100.0/24,2000::/18,2001:db8::/32" \
	"$(sync_field "$O" wide3 '"%d %d" % (f["counts"]["skipped"]["zero_length"], f["counts"]["skipped"]["too_short"])') $(feed_ranges wide3)"

# special-purpose space: skipped with a warning unless --allow-special
cat >"$D/special.txt" <<'EOF'
# special-purpose space mixed with two global prefixes
10.0.0.0/8
10.1.2.0/24
192.168.1.0/24
192.0.2.0/24
198.51.100.7
203.0.113.0/25
100.64.0.0/10
127.0.0.1
169.254.1.0/24
233.252.0.0/24
2001:db8::/32
fe80::/64
fd00:1::/48
1.10.16.0/20
2a00:1450::/32
EOF
check "feed add special (no --allow-special)" eval 'x feed add special --source "$D/special.txt" --format list >/dev/null'
run "$O" "$E" -j feed sync special
check_eq "special space: 13 skipped, 2 accepted" "0 13 2" \
	"$? $(sync_field "$O" special '"%d %d" % (f["counts"]["skipped"]["special"], f["counts"]["accepted"])')"
check_eq "special space: only the global prefixes are in force" "1.10.16.0/20,2a00:1450::/32" "$(feed_ranges special)"
w=$(sync_field "$O" special '"\n".join(f["warnings"])')
check_eq "special space: one warning per skipped entry" 13 "$(sync_field "$O" special 'f["warnings_total"]')"
check_contains "warning names file:line and the block (10.0.0.0/8)" \
	"$D/special.txt:2: 10.0.0.0/8 overlaps special-purpose 10.0.0.0/8 (private-use" "$w"
check_contains "warning names file:line and the block (192.168.1.0/24)" \
	"$D/special.txt:4: 192.168.1.0/24 overlaps special-purpose 192.168.0.0/16" "$w"
check_contains "warning names file:line and the block (documentation)" \
	"$D/special.txt:6: 198.51.100.7/32 overlaps special-purpose 198.51.100.0/24 (documentation" "$w"
check_contains "warning names file:line and the block (2001:db8::/32)" \
	"$D/special.txt:12: 2001:db8::/32 overlaps special-purpose 2001:db8::/32 (documentation" "$w"
run "$O" "$E" -j feed check "$D/special.txt" --format list --allow-special
check_eq "feed check --allow-special: all 15 accepted, none skipped" "15 0" \
	"$(e2e_json '"%d %d" % (d["counts"]["accepted"], d["counts"]["skipped"]["special"])' <"$O")"
check "feed add special2 --allow-special" eval 'x feed add special2 --source "$D/special.txt" --format list --allow-special >/dev/null'
check_eq "sync special2 --allow-special: all 15 in force" "0 15" "$(x feed sync special2 >/dev/null; echo $?) $(feed_count special2)"

# host bits: the network, the same length, a warning with file:line
part hostbits
cat >"$D/hostbits.txt" <<'EOF'
# host bits set on purpose
198.51.100.77/24
2001:db8:abcd::1/48
203.0.113.5/32
192.0.2.130/25
EOF
check "feed add hostbits" eval 'x feed add hostbits --source "$D/hostbits.txt" --format list --allow-special >/dev/null'
run "$O" "$E" -j feed sync hostbits
check_eq "host bits: 3 records cleared, 4 accepted" "0 3 4" \
	"$? $(sync_field "$O" hostbits '"%d %d" % (f["counts"]["host_bits_cleared"], f["counts"]["accepted"])')"
check_eq "host bits: the networks, with the feed's prefix lengths" \
	"192.0.2.128/25,198.51.100.0/24,203.0.113.5/32,2001:db8:abcd::/48" "$(feed_ranges hostbits)"
w=$(sync_field "$O" hostbits '"\n".join(f["warnings"])')
check_contains "host bits: warning names file:line (IPv4)" "$D/hostbits.txt:2:" "$(grep -F 198.51.100.77/24 <<<"$w")"
check_contains "host bits: warning names file:line (IPv6)" "$D/hostbits.txt:3:" "$(grep -F 2001:db8:abcd::1/48 <<<"$w")"
check_contains "host bits: warning names file:line (/25)" "$D/hostbits.txt:5:" "$(grep -F 192.0.2.130/25 <<<"$w")"
check_eq "host bits: an address of the /24 other than .77 decides (not a /32)" "198.51.100.0/24 hostbits drop" \
	"$(decides 198.51.100.200)"

# ---------------------------------------------------------------- allowlist
part allow
check "allow 198.51.100.7" eval 'x allow 198.51.100.7 >/dev/null'
printf '198.51.100.0/24\n203.0.113.0/24\n' >"$D/conflict.txt"
check "feed add conflict" eval 'x feed add conflict --source "$D/conflict.txt" --format list --allow-special >/dev/null'
run "$O" "$E" feed sync
check_eq "sync with an allowlist conflict: exit status 0" 0 $?
check_contains "sync names the feed range and the allowlisted one" \
	"allowlist: 198.51.100.0/24 (feed 'conflict', drop) covers allowlisted 198.51.100.7/32: the allowlist wins" \
	"$(cat "$O")"
check_eq "sync -j: one conflict" 1 "$(xj feed sync | e2e_json 'd["allowlist_conflicts"]["total"]')"
check_eq "the allowlist wins, the rest of the range is dropped" "198.51.100.7/32 manual allow|198.51.100.8/32? 198.51.100.0/24 conflict drop" \
	"$(decides 198.51.100.7)|198.51.100.8/32? $(decides 198.51.100.8)"

# ---------------------------------------------------------------- precedence
# one prefix named by a manual rule and two feeds; nested ranges: the
# kernel's decision follows as they come and go
part prec
printf '198.51.100.0/24\n198.51.100.128/25\n' >"$D/tagf.txt"
printf '198.51.100.0/24\n' >"$D/countf.txt"
check "block 198.51.100.0/24 (manual drop)" eval 'x block 198.51.100.0/24 >/dev/null'
check "feed add tagf --action tag --tag 9" \
	eval 'x feed add tagf --source "$D/tagf.txt" --format list --allow-special --action tag --tag 9 >/dev/null'
check "feed add countf --action count" \
	eval 'x feed add countf --source "$D/countf.txt" --format list --allow-special --action count >/dev/null'
check "sync tagf countf" eval 'x feed sync >/dev/null'
consistent() { xj lookup "$1" | e2e_json 'd["consistent"]'; }
check_eq "three rules on 198.51.100.0/24: drop decides, kernel agrees" "198.51.100.0/24 manual drop true" \
	"$(decides 198.51.100.5) $(consistent 198.51.100.5)"
check_eq "the stronger /24 drop decides over the /25 tag" "198.51.100.0/24 manual drop true" \
	"$(decides 198.51.100.200) $(consistent 198.51.100.200)"
check "unblock 198.51.100.0/24" eval 'x unblock 198.51.100.0/24 >/dev/null'
check_eq "manual rule gone: tagf's /24 decides, kernel agrees" "198.51.100.0/24 tagf tag true" \
	"$(decides 198.51.100.5) $(consistent 198.51.100.5)"
check_eq "manual rule gone: tagf's /25 decides inside it" "198.51.100.128/25 tagf tag true" \
	"$(decides 198.51.100.200) $(consistent 198.51.100.200)"
check_eq "feed remove tagf: 2 ranges withdrawn" 2 "$(xj feed remove tagf | e2e_json 'd["ranges_removed"]')"
check_eq "tagf gone: countf's /24 decides everywhere, kernel agrees" \
	"198.51.100.0/24 countf count true|198.51.100.0/24 countf count true" \
	"$(decides 198.51.100.5) $(consistent 198.51.100.5)|$(decides 198.51.100.200) $(consistent 198.51.100.200)"
check_eq "feed remove countf" 1 "$(xj feed remove countf | e2e_json 'd["ranges_removed"]')"
check_eq "all gone: no decision, none in the kernel" "None null" \
	"$(decides 198.51.100.5) $(xj lookup 198.51.100.5 | e2e_json 'd["kernel"]')"
check_eq "ranges --kernel is empty" 0 "$(xj ranges --kernel | e2e_json 'len(d["ranges"])')"

# ---------------------------------------------------------------- misuse
part misuse
printf '198.51.100.0/24\n' >"$D/one.txt"
check "feed add one" eval 'x feed add one --source "$D/one.txt" --format list --allow-special >/dev/null'
run "$O" "$E" feed add one --source "$D/one.txt" --format list
check_eq "feed add, same name again: exit status 1, says it exists" "1 yes" \
	"$? $(grep -q "exists" "$E" && echo yes)"
run "$O" "$E" feed add Bad/Name --source "$D/one.txt" --format list
check_eq "feed add, invalid name: exit status 1, names it" "1 yes" "$? $(grep -q "'Bad/Name'" "$E" && echo yes)"
run "$O" "$E" feed sync nosuch
check_eq "feed sync of an unknown feed: exit status 1, names it" "1 yes" "$? $(grep -q "'nosuch'" "$E" && echo yes)"
run "$O" "$E" feed remove nosuch
check_eq "feed remove of an unknown feed: exit status 1, names it" "1 yes" "$? $(grep -q "'nosuch'" "$E" && echo yes)"
run "$O" "$E" -j feed sync nosuch
check_contains "feed sync -j of an unknown feed: JSON error" "nosuch" "$(e2e_json 'd["error"]' <"$O")"
check "the failed commands created no pinned state" test ! -e "$XDPFENCE_PIN_DIR"
check_eq "the failed commands left the registry as it was" one \
	"$(xj feed list | e2e_json '" ".join(f["name"] for f in d["feeds"])')"

e2e_done
