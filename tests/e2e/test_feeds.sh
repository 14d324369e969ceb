#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The feed registry and sync with every real feed of ../shared/feeds: what
# `feed check` counts, what `feed sync` applies, what the rule store and the
# kernel's rules map then hold, prefix by prefix, against an independent
# oracle (tests/feeds/oracle.py, then the rails applied by
# tests/e2e/feeds/feedtool.py's own table of special-purpose space). The
# registry outlives the process and the pinned state (a purge stands in for
# a reboot), and `feed remove` withdraws exactly one feed's ranges.
# No packet is sent: the real feeds hold real public addresses.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

top=$(git -C "$E2E_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$E2E_DIR/../.." && pwd))
FEEDS=${XF_FEEDS_DIR:-$top/../shared/feeds}
[ -d "$FEEDS" ] || e2e_skip_all "no real feeds at $FEEDS (set XF_FEEDS_DIR)"
FEEDS=$(cd "$FEEDS" && pwd)
TOOL=("$E2E_PY" "$E2E_DIR/feeds/feedtool.py")
export XDPFENCE_STATE_DIR="$E2E_TMP/state"
# the kernel-map checks compare entry by entry with what the feeds mean:
# the reference backend holds one entry per distinct prefix (the fast one
# decodes its /24 table into the fewest blocks; the lookups are the same,
# the differential test holds both to it)
export XDPFENCE_BACKEND=lpm
MAX_RANGES=1048576 # all real feeds together hold about 480k (feed, prefix) rules
T="$E2E_TMP"

x() { timeout 60 "$XDPFENCE" "$@"; }
xj() { x -j "$@"; }

# ---------------------------------------------------------------- the feeds
# name, file under $FEEDS, then the format and its options (the same for
# xdpfence and the oracle; see tests/unit/test_feed_real.c)
NAMES=()
declare -A FILE=() OPTS=()
feed_case() {
	local name=$1 file=$2
	shift 2
	if [ ! -f "$FEEDS/$file" ]; then
		skip "$name" "$FEEDS/$file is missing"
		return
	fi
	NAMES+=("$name")
	FILE[$name]="$FEEDS/$file"
	OPTS[$name]=$(printf '%q ' "$@")
}
feed_case firehol_level1 najitestech__blocklist-ipsets/firehol_level1.netset --format list
feed_case firehol_datacenters najitestech__blocklist-ipsets/datacenters.netset --format list
feed_case firehol_tor_exits najitestech__blocklist-ipsets/tor_exits.ipset --format list
feed_case firehol_socks_proxy_7d najitestech__blocklist-ipsets/socks_proxy_7d.ipset --format list
feed_case firehol_feodo_empty najitestech__blocklist-ipsets/feodo.ipset --format list
feed_case firehol_anonymous SIXwishlist__blocklist-ipsets/firehol_anonymous.netset --format list
feed_case x4bnet_datacenter_v4 X4BNet__lists_vpn/output/datacenter/ipv4.txt --format list
feed_case x4bnet_datacenter_v6 X4BNet__lists_vpn/output/datacenter/ipv6.txt --format list
feed_case spamhaus_drop_txt gvanem__wsock-trace/drop.txt --format list
feed_case spamhaus_dropv6_txt gvanem__wsock-trace/dropv6.txt --format list
feed_case spamhaus_drop_v4_json fsinfrastructure__FS_DROP_LIST/drop_v4.json --format spamhaus-json
feed_case tor_bulk_exit_list javascripterzzeerrr__ipinfo-parser/torbulkexitlist --format list
feed_case ipsum stamparm__ipsum/ipsum.txt --format list
feed_case ipsum_min_score_3 stamparm__ipsum/ipsum.txt --format list --min-score 3
feed_case et_compromised_ips CriticalPathSecurity__Public-Intelligence-Feeds/compromised-ips.txt \
	--format list
feed_case aws_ip_ranges femueller__cloud-ip-ranges/aws-ip-ranges.json --format json \
	--select '.prefixes[].ip_prefix' --select '.ipv6_prefixes[].ipv6_prefix'
feed_case digitalocean_geofeed femueller__cloud-ip-ranges/digitalocean.csv --format csv --column 1
feed_case abuse_ch_feodo_csv wizard-projects__abuse.chC2Feeds/ipblocklist.csv --format csv \
	--column dst_ip
feed_case iptoasn_v4 jpastuszek__asn-db/ip2asn-v4.tsv --format ranges
feed_case iptoasn_v4_asn_15169 jpastuszek__asn-db/ip2asn-v4.tsv --format ranges --asn 15169
feed_case maxmind_anonymous_ip_json maxmind__MaxMind-DB/source-data/GeoIP2-Anonymous-IP-Test.json \
	--format json --select '.[] | keys[]'
[ "${#NAMES[@]}" -gt 0 ] || e2e_skip_all "none of the real feed files is in $FEEDS"

opts_of() { # NAME -> the case's options in the array `opts`
	eval "opts=(${OPTS[$1]})"
}

# The oracle takes seconds on the large files: run it for every feed in the
# background (two at a time) while xdpfence works.
expect_all() {
	local n opts pids=()
	for n in "${NAMES[@]}"; do
		opts_of "$n"
		timeout 120 "${TOOL[@]}" expect --out "$T/exp.$n.json" -- "${opts[@]}" "${FILE[$n]}" \
			>"$T/exp.$n.txt" 2>&1 &
		pids+=($!)
		if [ "${#pids[@]}" -ge 2 ]; then
			wait "${pids[0]}"
			pids=("${pids[@]:1}")
		fi
	done
	wait "${pids[@]}"
}
forget() { # NAME: drop a removed feed from NAMES
	local m keep=()
	for m in "${NAMES[@]}"; do [ "$m" = "$1" ] || keep+=("$m"); done
	NAMES=("${keep[@]}")
}
expect_all &
oracle_pid=$!

# ---------------------------------------------------------------- check, add
for n in "${NAMES[@]}"; do
	opts_of "$n"
	xj feed check "${FILE[$n]}" "${opts[@]}" >"$T/check.$n.json" 2>"$T/check.$n.err"
	check_eq "$n: feed check exits 0" 0 $?
	check "$n: feed add" eval 'x feed add "$n" --source "${FILE[$n]}" "${opts[@]}" --category real >/dev/null'
done
check_eq "feed list: every feed registered, in order" "${NAMES[*]}" \
	"$(xj feed list | e2e_json '" ".join(f["name"] for f in d["feeds"])')"
check_eq "feed list: nothing synced yet (entries 0, last success 0)" "0 0" \
	"$(xj feed list | e2e_json '"%d %d" % (sum(f["status"]["entries"] for f in d["feeds"]), sum(f["status"]["last_success"] for f in d["feeds"]))')"

start=$SECONDS
xj --max-ranges "$MAX_RANGES" feed sync >"$T/sync.json" 2>"$T/sync.err"
check_eq "feed sync of ${#NAMES[@]} real feeds exits 0 ($((SECONDS - start)) s)" 0 $?

# ---------------------------------------------------------------- round trip
# what the store and the kernel hold, read back
xj feed list >"$T/list.json"
xj ranges >"$T/store.json"
xj ranges --kernel >"$T/kernel.json"
wait "$oracle_pid"
# per feed: counts (check vs oracle and rails), the sync's summary, feed
# list, and ranges --feed against what the feed means; then the kernel map
while IFS=$'\t' read -r name expected actual; do
	check_eq "$name" "$expected" "$actual"
done < <("${TOOL[@]}" report --dir "$T" "${NAMES[@]}" 2>&1 || echo "feedtool report$(printf '\t')ran$(printf '\t')failed")
accepted() { # NAME -> accepted count of its feed check
	e2e_json 'd["counts"]["accepted"]' <"$T/check.$1.json"
}
total=0
for n in "${NAMES[@]}"; do total=$((total + $(accepted "$n"))); done
check_eq "status: the rule store holds as many ranges as the feeds accepted" "$total" \
	"$(xj status | e2e_json 'd["ranges"]["in_use"]')"
# ranges --feed is the store filtered by feed: a few of them, as the
# operator would ask (the split above covers every feed)
for n in spamhaus_dropv6_txt aws_ip_ranges firehol_anonymous; do
	[ -n "${FILE[$n]:-}" ] || continue
	xj ranges --feed "$n" >"$T/ranges.$n.json"
	check_eq "ranges --feed $n -j = exactly the prefixes the feed means" ok \
		"$("${TOOL[@]}" same "$T/exp.$n.json" "$T/ranges.$n.json")"
done

# ---------------------------------------------------------------- sync again
# nothing changed: nothing is written, every range keeps its id
digest=$("${TOOL[@]}" digest "$T/store.json")
xj feed sync >"$T/sync2.json" 2>/dev/null
check_eq "second sync, same files: exits 0" 0 $?
check_eq "second sync: no feed added, removed or changed anything; all unchanged" \
	"$(for n in "${NAMES[@]}"; do printf '%s:0:0:0:%s ' "$n" "$(accepted "$n")"; done)" \
	"$(e2e_json '"".join("%s:%d:%d:%d:%d " % (f["feed"], f["added"], f["removed"], f["changed"], f["unchanged"]) for f in d["feeds"])' <"$T/sync2.json")"
check_eq "second sync: the rules map was not written" "0 0 0" \
	"$(e2e_json '"%d %d %d" % (d["commit"]["added"], d["commit"]["removed"], d["commit"]["changed"])' <"$T/sync2.json")"
check_eq "second sync: content unchanged for every feed" "[]" \
	"$(e2e_json '[f["feed"] for f in d["feeds"] if f["content_changed"]]' <"$T/sync2.json")"
xj ranges >"$T/store2.json"
check_eq "second sync: same ranges with the same range ids" "$digest" \
	"$("${TOOL[@]}" digest "$T/store2.json")"

# ---------------------------------------------------------------- feed show
for n in aws_ip_ranges ipsum_min_score_3 iptoasn_v4_asn_15169; do
	[ -n "${FILE[$n]:-}" ] || continue
	xj feed show "$n" >"$T/show.json"
	check_eq "feed show $n: source, format, action, category" \
		"${FILE[$n]} $(e2e_json 'd["format"]' <"$T/check.$n.json") drop real" \
		"$(e2e_json '"%s %s %s %s" % (d["source"], d["format"], d["action"], d["category"])' <"$T/show.json")"
	check_eq "feed show $n: entries, last error, content hash = sha256 of the file" \
		"$(accepted "$n") None $(sha256sum "${FILE[$n]}" | cut -d' ' -f1)" \
		"$(e2e_json '"%d %s %s" % (d["status"]["entries"], d["status"]["last_error"], d["status"]["content_hash"])' <"$T/show.json")"
	check "feed show $n: last success is a time of this run" \
		test "$(e2e_json 'd["status"]["last_success"]' <"$T/show.json")" -ge "$(($(date +%s) - 600))"
	check_eq "feed show $n: ranges in force" "$(accepted "$n")" \
		"$(e2e_json 'd["ranges_in_force"]' <"$T/show.json")"
done
check_eq "feed show aws_ip_ranges: the --select paths are kept" \
	'[".prefixes[].ip_prefix", ".ipv6_prefixes[].ipv6_prefix"]' \
	"$(xj feed show aws_ip_ranges | e2e_json 'd["options"]["select"]')"
check_eq "feed show ipsum_min_score_3 / iptoasn_v4_asn_15169: --min-score and --asn kept" "3 [15169]" \
	"$(xj feed show ipsum_min_score_3 | e2e_json 'd["options"]["min_score"]') $(xj feed show iptoasn_v4_asn_15169 | e2e_json 'd["options"]["asn"]')"
text=$(x feed show firehol_level1)
for field in source format options action category entries last_success last_error content_hash; do
	check_contains "feed show (text) has $field" "$field" "$text"
done

# ---------------------------------------------------------------- reboot
# The registry lives in the state directory, the ranges in bpffs: a purge
# (what a reboot leaves) and one sync bring every feed back.
kdigest=$("${TOOL[@]}" digest --no-ids "$T/kernel.json")
check "purge (stands in for a reboot)" eval 'x purge >/dev/null'
check "purge: the pinned state is gone" test ! -e "$XDPFENCE_PIN_DIR"
check_eq "after purge: feed list still has every feed and its entries" \
	"$(e2e_json '" ".join("%s:%d" % (f["name"], f["status"]["entries"]) for f in d["feeds"])' <"$T/list.json")" \
	"$(xj feed list | e2e_json '" ".join("%s:%d" % (f["name"], f["status"]["entries"]) for f in d["feeds"])')"
start=$SECONDS
xj --max-ranges "$MAX_RANGES" feed sync >"$T/sync3.json" 2>/dev/null
check_eq "after purge: feed sync rebuilds from the registry, exits 0 ($((SECONDS - start)) s)" 0 $?
check_eq "after purge: every feed applied" "[]" \
	"$(e2e_json '[f["feed"] for f in d["feeds"] if f["state"] != "applied"]' <"$T/sync3.json")"
check_eq "after purge: each feed added all its prefixes again" \
	"$(for n in "${NAMES[@]}"; do printf '%s:%s ' "$n" "$(accepted "$n")"; done)" \
	"$(e2e_json '"".join("%s:%d " % (f["feed"], f["added"]) for f in d["feeds"])' <"$T/sync3.json")"
check_eq "after purge: the rule store holds as many ranges as before" "$total" \
	"$(xj status | e2e_json 'd["ranges"]["in_use"]')"
xj ranges --kernel >"$T/kernel3.json"
check_eq "after purge: the same kernel map as before" "$kdigest" \
	"$("${TOOL[@]}" digest --no-ids "$T/kernel3.json")"

# ---------------------------------------------------------------- remove
# a feed all of whose prefixes another feed lists too: the kernel keeps them
if [ -n "${FILE[ipsum_min_score_3]:-}" ] && [ -n "${FILE[ipsum]:-}" ]; then
	n=ipsum_min_score_3
	check_eq "feed remove $n: withdraws its ranges" "$(accepted "$n")" \
		"$(xj feed remove "$n" | e2e_json 'd["ranges_removed"]')"
	check_eq "feed remove $n: no range of it left" 0 \
		"$(xj ranges | e2e_json 'sum(r["feed"] == a[0] for r in d["ranges"])' "$n")"
	check_eq "feed remove $n: ranges --feed says it is not applied" "1 no feed named '$n' is applied" \
		"$(xj ranges --feed "$n" >/dev/null 2>&1; echo $?) $(xj ranges --feed "$n" | e2e_json 'd["error"].split(": ", 1)[1]')"
	forget "$n"
fi
# a feed with a prefix nobody else covers: its address loses its decision
victim="" addr=""
for n in spamhaus_dropv6_txt abuse_ch_feodo_csv et_compromised_ips spamhaus_drop_txt; do
	[ -n "${FILE[$n]:-}" ] || continue
	others=()
	for m in "${NAMES[@]}"; do [ "$m" = "$n" ] || others+=("$T/exp.$m.json"); done
	if read -r addr prefix < <("${TOOL[@]}" unique "$T/exp.$n.json" "${others[@]}"); then
		[ "$addr" != none ] && victim=$n && break
	fi
done
if [ -z "$victim" ]; then
	skip "feed remove: lookup" "no feed has a prefix no other feed overlaps"
else
	check_eq "lookup $addr: decided by $victim's $prefix" "$prefix drop $victim" \
		"$(xj lookup "$addr" | e2e_json '"%s %s %s" % (d["decision"]["range"], d["decision"]["action"], d["decision"]["feed"])')"
	check_eq "feed remove $victim: withdraws its ranges" "$(accepted "$victim")" \
		"$(xj feed remove "$victim" | e2e_json 'd["ranges_removed"]')"
	check_eq "feed remove $victim: no range of it left" 0 \
		"$(xj ranges | e2e_json 'sum(r["feed"] == a[0] for r in d["ranges"])' "$victim")"
	check_eq "feed remove $victim: ranges --feed says it is not applied" "1 no feed named '$victim' is applied" \
		"$(xj ranges --feed "$victim" >/dev/null 2>&1; echo $?) $(xj ranges --feed "$victim" | e2e_json 'd["error"].split(": ", 1)[1]')"
	check_eq "feed remove $victim: lookup $addr has no decision, in the store or the kernel" \
		"None None []" \
		"$(xj lookup "$addr" | e2e_json '"%s %s %s" % (d["decision"], d["kernel"], d["ranges"])')"
	check "feed remove $victim: no longer listed" eval \
		'! xj feed list | e2e_json "[f[\"name\"] for f in d[\"feeds\"]]" | grep -q "\"$victim\""'
	check_fails "feed show $victim fails" x feed show "$victim"
	forget "$victim"
fi
# ipsum lists every prefix of ipsum_min_score_3: the kernel keeps them
rest=()
for m in "${NAMES[@]}"; do rest+=("$T/exp.$m.json"); done
xj ranges >"$T/store5.json"
xj ranges --kernel >"$T/kernel5.json"
check_eq "after feed remove: kernel map = union of the remaining feeds" ok \
	"$("${TOOL[@]}" kernel "$T/kernel5.json" "$T/store5.json" "${rest[@]}")"

# ---------------------------------------------------------------- paths
# The registry is read by later processes with another working directory
# (cron, the daemon): a relative source given to feed add must still name
# the same file. Known to fail: feed add stores --source as given
# (user/feed.c, OPT_SOURCE); reported, left failing until fixed.
f=${FILE[spamhaus_dropv6_txt]:-${FILE[${NAMES[0]}]}}
(cd "$(dirname "$f")" && x feed add relpath --source "./$(basename "$f")" --format list >/dev/null)
check_eq "feed add with a relative --source: registered" 0 $?
(cd / && xj feed sync relpath >"$T/sync6.json" 2>"$T/sync6.err")
rc=$?
check_eq "feed sync relpath from another directory: exits 0 (reason: $(e2e_json '[f["reason"] for f in d["feeds"]]' <"$T/sync6.json" 2>/dev/null))" 0 "$rc"

e2e_done
