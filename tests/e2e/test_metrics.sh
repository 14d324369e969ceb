#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prometheus metrics against real traffic: xdpfence on the server side of a
# veth pair, `xdpfence metrics --listen` serving /metrics on 127.0.0.1 in
# the server's namespace, UDP from sources in a dropped, a tagged and a
# counted range and from a clean one. Scraped with curl during and after
# the traffic; the global, per-feed and per-range numbers must equal what
# the client sent (nftables counters on its output hook), the top ranges
# must be the ones with the most drops, feed freshness must follow the
# feed's syncs, and promtool must accept the exposition.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init
command -v curl >/dev/null || e2e_skip_all "curl is not installed"
command -v promtool >/dev/null || e2e_skip_all "promtool is not installed (Debian: prometheus)"

UDP_PORT=5353
MAX_RANGES=5000
# datagrams per source: all different, so the top ranges have one order
declare -A SRC=([drop4]=198.51.100.10 [drop6]=2001:db8:bad::10 [tag4]=203.0.113.30
	[count4]=203.0.113.200 [clean4]=192.0.2.10)
declare -A RANGE=([drop4]=198.51.100.0/24 [drop6]=2001:db8:bad::/48 [tag4]=203.0.113.0/25
	[count4]=203.0.113.128/25)
declare -A K=([drop4]=30 [drop6]=20 [tag4]=25 [count4]=15 [clean4]=10)
KINDS="drop4 drop6 tag4 count4 clean4"

if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
for k in drop4 drop6 tag4 count4; do e2e_add_source "${SRC[$k]}"; done

# the client's output hook counts what each source sent (packets, IP bytes)
{
	echo "table inet xfcli {"
	for k in $KINDS; do echo "counter out_$k {}"; done
	echo "chain out { type filter hook output priority filter; policy accept;"
	for k in $KINDS; do
		fam=ip
		[[ $k == *6 ]] && fam=ip6
		echo "$fam saddr ${SRC[$k]} meta l4proto udp counter name out_$k"
	done
	echo "}"
	echo "}"
} >"$E2E_TMP/cli.nft"
check "nftables counters in the client namespace" in_ns "$E2E_CLI" nft -f "$E2E_TMP/cli.nft"
check "server listens (UDP $UDP_PORT)" e2e_server_start --udp-port "$UDP_PORT"

check "attach --mode native (state with --max-ranges $MAX_RANGES)" \
	xfq --max-ranges "$MAX_RANGES" attach "$E2E_SRV_IF" --mode native
check "block the drop ranges" xfq block "${RANGE[drop4]}" "${RANGE[drop6]}"
check "block the tag range" xfq block "${RANGE[tag4]}" --action tag --tag 3
# the counted range comes from a feed, so that a second feed has counters
mkdir -p "$E2E_TMP/feeds"
printf '%s\n' "${RANGE[count4]}" 2001:db8:c0::/48 2001:db8:c1::/48 >"$E2E_TMP/feeds/watch.txt"
MAX_AGE=5
check "feed add watch (action count, --max-age $MAX_AGE, --interval 60)" \
	xfq feed add watch --source "$E2E_TMP/feeds/watch.txt" --format list --action count \
	--allow-special --max-age "$MAX_AGE" --interval 60
sync_started=$(date +%s)
check "feed sync" xfq feed sync
sync_done=$(date +%s)
# registered, never synced: stale from the start (it has a max age)
cp "$E2E_TMP/feeds/watch.txt" "$E2E_TMP/feeds/later.txt"
check "feed add later (--max-age 1h --stale withdraw), not synced" \
	xfq feed add later --source "$E2E_TMP/feeds/later.txt" --format list --allow-special \
	--max-age 1h --stale withdraw

# ---------------------------------------------------------------- server
# not through a shell function: $! is then the process SIGTERM goes to
# (nsenter execs timeout, which passes the signal on to xdpfence)
nsenter --net="/run/netns/$E2E_SRV" timeout 120 "$XDPFENCE" -j metrics --listen 127.0.0.1:0 \
	--top 3 >"$E2E_TMP/listen.json" 2>"$E2E_TMP/listen.err" &
METRICS_PID=$!
check "metrics --listen 127.0.0.1:0 reports its port" e2e_until 10 test -s "$E2E_TMP/listen.json"
PORT=$(e2e_json 'd["port"]' <"$E2E_TMP/listen.json")
check_eq "it names the address it listens on" "127.0.0.1:$PORT" \
	"$(e2e_json 'd["listen"]' <"$E2E_TMP/listen.json")"
URL="http://127.0.0.1:$PORT/metrics"
check_eq "the server listens on 127.0.0.1:$PORT only" "127.0.0.1:$PORT" \
	"$(in_ns "$E2E_SRV" ss -Htln "sport = :$PORT" | awk '{print $4}' | sort -u | tr '\n' ' ' | sed 's/ $//')"

scrape() { # FILE: GET /metrics into FILE; fails on an HTTP error
	in_ns "$E2E_SRV" curl -sS -f --max-time 10 -o "$1" "$URL"
}
# metric FILE 'NAME{LABELS}': the sample's value ('' when absent); labels in
# the order the exposition writes them
metric() {
	awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "" }' "$1"
}
# the sample names of a family with labels matching a regex
series() { # FILE NAME REGEX
	grep -E "^$2\{" "$1" | grep -E -- "$3" | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'
}
# one value per outcome, in the order given
outcomes() { # FILE FAMILY LABELS-BEFORE-OUTCOME OUTCOME...
	local file=$1 family=$2 labels=$3 o out=()
	shift 3
	for o in "$@"; do out+=("$(metric "$file" "$family{$labels${labels:+,}outcome=\"$o\"}")"); done
	echo "${out[*]}"
}

# ---------------------------------------------------------------- traffic
M0="$E2E_TMP/m0" M1="$E2E_TMP/m1" M2="$E2E_TMP/m2"
check "scrape before the traffic" scrape "$M0"
check "promtool check metrics (before the traffic)" promtool check metrics <"$M0"
check_eq "feed watch just synced: not stale, max age $MAX_AGE, interval 60" "0 $MAX_AGE 60" \
	"$(metric "$M0" 'xdpfence_feed_stale{feed="watch"}') $(metric "$M0" 'xdpfence_feed_max_age_seconds{feed="watch"}') $(metric "$M0" 'xdpfence_feed_interval_seconds{feed="watch"}')"
age=$(metric "$M0" 'xdpfence_feed_age_seconds{feed="watch"}')
check "feed watch age: from its sync to now ($((sync_done - sync_started))..), '$age'" \
	test -n "$age" -a "${age:-99}" -le $(($(date +%s) - sync_started))
check_eq "feed watch: info (format, action, stale policy), last result applied" "1 1" \
	"$(metric "$M0" 'xdpfence_feed_info{feed="watch",format="list",action="count",stale_policy="enforce"}') $(metric "$M0" 'xdpfence_feed_last_result_info{feed="watch",result="applied"}')"
dur=$(metric "$M0" 'xdpfence_feed_sync_duration_seconds{feed="watch"}')
check "feed watch sync duration: more than 0, less than the sync took ($dur)" \
	"$E2E_PY" -c 'import sys; d = float(sys.argv[1]); sys.exit(not (0 < d <= float(sys.argv[2]) + 1))' \
	"${dur:-0}" $((sync_done - sync_started))
check_eq "feed later, never synced: stale, down, no age, no result, 0 ranges" "1 0  0 0" \
	"$(metric "$M0" 'xdpfence_feed_stale{feed="later"}') $(metric "$M0" 'xdpfence_feed_up{feed="later"}') $(metric "$M0" 'xdpfence_feed_age_seconds{feed="later"}') $(grep -c 'xdpfence_feed_last_result_info{feed="later"' "$M0") $(metric "$M0" 'xdpfence_feed_entries{feed="later"}')"
check_eq "feed later: policy withdraw, max age 3600" "1 3600" \
	"$(metric "$M0" 'xdpfence_feed_info{feed="later",format="list",action="drop",stale_policy="withdraw"}') $(metric "$M0" 'xdpfence_feed_max_age_seconds{feed="later"}')"
CLIENTS=()
for k in $KINDS; do
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
		--count "${K[$k]}" --interval 0.01 --phase metrics "${SRC[$k]}" &
	CLIENTS+=($!)
done
sleep 0.1
check "scrape during the traffic" scrape "$M1"
check "promtool check metrics (during the traffic)" promtool check metrics <"$M1"
wait "${CLIENTS[@]}"
check_eq "the clean source's datagrams arrived" "${K[clean4]}" \
	"$(e2e_udp_wait metrics "${K[clean4]}" "${SRC[clean4]}")"
e2e_nft_load "$E2E_CLI" xfcli
for k in $KINDS; do
	check_eq "$k: the client sent ${K[$k]} datagrams (nft)" "${K[$k]}" "${NFT[out_$k]:-}"
done
# bytes as XDP counts them: the frame (IP bytes + 14 for Ethernet)
declare -A FB
for k in $KINDS; do FB[$k]=$((${NFT_BYTES[out_$k]:-0} + 14 * ${NFT[out_$k]:-0})); done

all_counted() { # the drop and monitor verdicts reached what was sent
	scrape "$M2" &&
		[ "$(metric "$M2" 'xdpfence_packets_total{verdict="drop",reason="block-drop"}')" = \
			$((K[drop4] + K[drop6])) ] &&
		[ "$(metric "$M2" 'xdpfence_packets_total{verdict="pass",reason="monitor"}')" = \
			"${K[count4]}" ]
}
e2e_until 5 all_counted
check "promtool check metrics (after the traffic)" promtool check metrics <"$M2"

# ---------------------------------------------------------------- global
check_eq "packets_total{drop,block-drop} = drop4 + drop6 sent" $((K[drop4] + K[drop6])) \
	"$(metric "$M2" 'xdpfence_packets_total{verdict="drop",reason="block-drop"}')"
check_eq "bytes_total{drop,block-drop} = their frames' bytes" $((FB[drop4] + FB[drop6])) \
	"$(metric "$M2" 'xdpfence_bytes_total{verdict="drop",reason="block-drop"}')"
check_eq "packets_total{tag,block-tag} = tag4 sent" "${K[tag4]}" \
	"$(metric "$M2" 'xdpfence_packets_total{verdict="tag",reason="block-tag"}')"
check_eq "bytes_total{tag,block-tag} = its frames' bytes" "${FB[tag4]}" \
	"$(metric "$M2" 'xdpfence_bytes_total{verdict="tag",reason="block-tag"}')"
check_eq "packets_total{pass,monitor} = count4 sent" "${K[count4]}" \
	"$(metric "$M2" 'xdpfence_packets_total{verdict="pass",reason="monitor"}')"
# the clean source shares the reason with anything else the client sends
check_ge "packets_total{pass,clean} >= clean4 sent" "${K[clean4]}" \
	"$(metric "$M2" 'xdpfence_packets_total{verdict="pass",reason="clean"}')"
check_eq "every verdict x reason pair has its series (3 x 23, both families)" "69 69" \
	"$(grep -c '^xdpfence_packets_total{' "$M2") $(grep -c '^xdpfence_bytes_total{' "$M2")"
grew=ok
for s in 'verdict="drop",reason="block-drop"' 'verdict="tag",reason="block-tag"' \
	'verdict="pass",reason="monitor"'; do
	a=$(metric "$M1" "xdpfence_packets_total{$s}") b=$(metric "$M2" "xdpfence_packets_total{$s}")
	[ -n "$a" ] && [ "$a" -le "$b" ] || grew="$s: $a during, $b after"
done
check_eq "counters only grew: the scrape during the traffic <= the one after" ok "$grew"

# ---------------------------------------------------------------- feeds
check_eq "feed manual dropped = drop4 + drop6" $((K[drop4] + K[drop6])) \
	"$(metric "$M2" 'xdpfence_feed_packets_total{feed="manual",outcome="dropped"}')"
check_eq "feed manual dropped bytes" $((FB[drop4] + FB[drop6])) \
	"$(metric "$M2" 'xdpfence_feed_bytes_total{feed="manual",outcome="dropped"}')"
check_eq "feed manual tagged = tag4" "${K[tag4]}" \
	"$(metric "$M2" 'xdpfence_feed_packets_total{feed="manual",outcome="tagged"}')"
check_eq "feed watch would_block = count4 (and bytes)" "${K[count4]} ${FB[count4]}" \
	"$(metric "$M2" 'xdpfence_feed_packets_total{feed="watch",outcome="would_block"}') $(metric "$M2" 'xdpfence_feed_bytes_total{feed="watch",outcome="would_block"}')"
check_eq "feed watch: nothing else" "0 0 0 0" \
	"$(outcomes "$M2" xdpfence_feed_packets_total 'feed="watch"' allowed dropped tagged dry_run_passed)"
check_eq "feed_entries: manual 3, watch 3" "3 3" \
	"$(metric "$M2" 'xdpfence_feed_entries{feed="manual"}') $(metric "$M2" 'xdpfence_feed_entries{feed="watch"}')"
check_eq "feed watch up, no error standing" "1 " \
	"$(metric "$M2" 'xdpfence_feed_up{feed="watch"}') $(series "$M2" xdpfence_feed_last_error_info 'feed="watch"')"
ts=$(metric "$M2" 'xdpfence_feed_last_success_timestamp_seconds{feed="watch"}')
check "feed watch last success within the sync ($sync_started..$sync_done): '$ts'" \
	test "${ts:-0}" -ge "$sync_started" -a "${ts:-0}" -le "$sync_done"
check_eq "feed watch last attempt = last success" "$ts" \
	"$(metric "$M2" 'xdpfence_feed_last_attempt_timestamp_seconds{feed="watch"}')"

# ---------------------------------------------------------------- top ranges
top_series() { # FILE: the ranges of the top-range series, in the order written
	grep '^xdpfence_top_range_packets_total{' "$1" | sed -E 's/.*range="([^"]*)".*/\1/' | uniq |
		tr '\n' ' ' | sed 's/ $//'
}
# --top 3 by drops: the two drop ranges (30, 20), then the tag range (25
# packets, no drop) before the counted one (15)
check_eq "top 3 ranges by drops, most first" "${RANGE[drop4]} ${RANGE[drop6]} ${RANGE[tag4]}" \
	"$(top_series "$M2")"
check_eq "top range drop4 dropped = sent, with feed and action" "${K[drop4]}" \
	"$(metric "$M2" "xdpfence_top_range_packets_total{range=\"${RANGE[drop4]}\",feed=\"manual\",action=\"drop\",outcome=\"dropped\"}")"
check_eq "top range drop4 dropped bytes" "${FB[drop4]}" \
	"$(metric "$M2" "xdpfence_top_range_bytes_total{range=\"${RANGE[drop4]}\",feed=\"manual\",action=\"drop\",outcome=\"dropped\"}")"
check_eq "top range drop6 dropped = sent" "${K[drop6]}" \
	"$(metric "$M2" "xdpfence_top_range_packets_total{range=\"${RANGE[drop6]}\",feed=\"manual\",action=\"drop\",outcome=\"dropped\"}")"
check_eq "top range tag4 tagged = sent" "${K[tag4]}" \
	"$(metric "$M2" "xdpfence_top_range_packets_total{range=\"${RANGE[tag4]}\",feed=\"manual\",action=\"tag\",outcome=\"tagged\"}")"
check_eq "5 outcomes per top range, packets and bytes" "15 15" \
	"$(grep -c '^xdpfence_top_range_packets_total{' "$M2") $(grep -c '^xdpfence_top_range_bytes_total{' "$M2")"
xf metrics --top 1 >"$E2E_TMP/once1"
check_eq "metrics --top 1 (printed once): only the most dropped range" "${RANGE[drop4]}" \
	"$(top_series "$E2E_TMP/once1")"
ONCE="$E2E_TMP/once10"
xf metrics --top 10 >"$ONCE"
check_eq "metrics --top 10: every range with traffic, counted one last" \
	"${RANGE[drop4]} ${RANGE[drop6]} ${RANGE[tag4]} ${RANGE[count4]}" "$(top_series "$ONCE")"
check_eq "metrics --top 10: watch's range would_block = count4" "${K[count4]}" \
	"$(metric "$ONCE" "xdpfence_top_range_packets_total{range=\"${RANGE[count4]}\",feed=\"watch\",action=\"count\",outcome=\"would_block\"}")"
check_eq "unattributed: nothing (every range held a counter)" "0 0 0 0 0" \
	"$(outcomes "$ONCE" xdpfence_range_unattributed_packets_total '' allowed dropped tagged would_block dry_run_passed)"
check_eq "per outcome: the ranges + unattributed = the feeds" ok "$("$E2E_PY" -c '
import re, sys
sums = {}
for line in open(sys.argv[1]):
    m = re.match(r"xdpfence_(top_range|range_unattributed|feed)_packets_total\{.*outcome=\"(\w+)\"\} (\d+)$", line)
    if m:
        kind = "feed" if m.group(1) == "feed" else "ranges"
        sums[(kind, m.group(2))] = sums.get((kind, m.group(2)), 0) + int(m.group(3))
bad = sorted({o for (k, o) in sums if sums.get(("ranges", o)) != sums.get(("feed", o))})
print("no series" if not sums else "differ: %s" % bad if bad else "ok")' "$ONCE")"
check_eq "metrics --top 0: no per-range series" 0 \
	"$(xf metrics --top 0 | grep -c '^xdpfence_top_range')"
check_fails "metrics --top 1001 is refused" xf metrics --top 1001

# ---------------------------------------------------------------- maps, interfaces
check_eq "map xf_ranges: 6 ranges of $MAX_RANGES" "6 $MAX_RANGES" \
	"$(metric "$M2" 'xdpfence_map_entries{map="xf_ranges"}') $(metric "$M2" 'xdpfence_map_capacity{map="xf_ranges"}')"
check_eq "map xf_range_stats: the 4 ranges with traffic hold a counter" 4 \
	"$(metric "$M2" 'xdpfence_map_entries{map="xf_range_stats"}')"
check_ge "map xf_range_stats: room for at least 4096 ranges" 4096 \
	"$(metric "$M2" 'xdpfence_map_capacity{map="xf_range_stats"}')"
check_eq "map xf_feeds: 2 (manual, watch) of 256" "2 256" \
	"$(metric "$M2" 'xdpfence_map_entries{map="xf_feeds"}') $(metric "$M2" 'xdpfence_map_capacity{map="xf_feeds"}')"
# the IPv4 ranges: a /24 and two /25s fill two /24 slots of 2^24
check_eq "map xf_v4_slots: 2 /24 slots of 16777216" "2 16777216" \
	"$(metric "$M2" 'xdpfence_map_entries{map="xf_v4_slots"}') $(metric "$M2" 'xdpfence_map_capacity{map="xf_v4_slots"}')"
check_eq "interface_attached: the server veth, native" 1 \
	"$(metric "$M2" "xdpfence_interface_attached{interface=\"$E2E_SRV_IF\",mode=\"native\"}")"
check_eq "state_loaded 1, dry_run 0" "1 0" \
	"$(metric "$M2" xdpfence_state_loaded) $(metric "$M2" xdpfence_dry_run)"
check "dry-run on" xfq dry-run on
check "scrape (dry-run on)" scrape "$M2"
check_eq "dry_run 1" 1 "$(metric "$M2" xdpfence_dry_run)"
check "dry-run off" xfq dry-run off

# ---------------------------------------------------------------- manual expiry
check_eq "no manual range waits for an expiry" "0 0 0" \
	"$(metric "$M2" 'xdpfence_manual_ranges_expiring{list="block"}') $(metric "$M2" 'xdpfence_manual_ranges_expiring{list="allow"}') $(metric "$M2" xdpfence_manual_range_next_expiry_timestamp_seconds)"
t_ttl=$(date +%s)
check "block 192.0.2.200 --ttl 1h, allow 198.51.100.99 --ttl 2h" \
	eval 'xfq block 192.0.2.200 --ttl 1h --comment metrics && xfq allow 198.51.100.99 --ttl 2h'
check "scrape (expiring ranges)" scrape "$M2"
check_eq "expiring: 1 block, 1 allow" "1 1" \
	"$(metric "$M2" 'xdpfence_manual_ranges_expiring{list="block"}') $(metric "$M2" 'xdpfence_manual_ranges_expiring{list="allow"}')"
next=$(metric "$M2" xdpfence_manual_range_next_expiry_timestamp_seconds)
check "the next expiry is the block's, in an hour: '$next'" \
	test "${next:-0}" -ge $((t_ttl + 3600)) -a "${next:-0}" -le $(($(date +%s) + 3600))
check "unblock and unallow them again" \
	eval 'xfq unblock 192.0.2.200 && xfq unallow 198.51.100.99'

# ---------------------------------------------------------------- a failing feed
rm -f "$E2E_TMP/feeds/watch.txt"
check_fails "feed sync of a source that is gone fails" xf feed sync watch
check "scrape (failed feed)" scrape "$M2"
check_eq "feed watch down, its error standing, its ranges still in force" "0 1 3" \
	"$(metric "$M2" 'xdpfence_feed_up{feed="watch"}') $(grep -c '^xdpfence_feed_last_error_info{feed="watch",error="..*"} 1$' "$M2") $(metric "$M2" 'xdpfence_feed_entries{feed="watch"}')"
check_eq "feed watch last success unchanged, last attempt later or equal" "$ts ok" \
	"$(metric "$M2" 'xdpfence_feed_last_success_timestamp_seconds{feed="watch"}') $([ "$(metric "$M2" 'xdpfence_feed_last_attempt_timestamp_seconds{feed="watch"}')" -ge "$ts" ] && echo ok)"
check "promtool check metrics (failed feed, error label)" promtool check metrics <"$M2"
check_eq "feed watch: last result failed" 1 \
	"$(metric "$M2" 'xdpfence_feed_last_result_info{feed="watch",result="failed"}')"
watch_stale() {
	scrape "$M2" && [ "$(metric "$M2" 'xdpfence_feed_stale{feed="watch"}')" = 1 ]
}
check "feed watch goes stale past its max age ($MAX_AGE s)" e2e_until $((MAX_AGE + 5)) watch_stale
check_eq "stale under the enforce policy: its 3 ranges stay in force" 3 \
	"$(metric "$M2" 'xdpfence_feed_entries{feed="watch"}')"
check "its age is past the max age" \
	test "$(metric "$M2" 'xdpfence_feed_age_seconds{feed="watch"}')" -gt "$MAX_AGE"

# ---------------------------------------------------------------- dashboard
# docs/grafana-dashboard.json: every query names families the exposition
# has, and is PromQL that promtool accepts (as recording rules, with the
# dashboard's variables filled in)
DASH="$(cd "$(dirname "$0")/../.." && pwd)/docs/grafana-dashboard.json"
check_eq "dashboard: queries name only families of the exposition" ok "$("$E2E_PY" -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
have = {l.split()[2] for l in open(sys.argv[2]) if l.startswith("# TYPE ")}
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
exprs += [v["definition"] for v in d["templating"]["list"] if "definition" in v]
used = {m for e in exprs for m in re.findall(r"\bxdpfence_[a-z_]+", e)}
missing = sorted(used - have)
ids = [p["id"] for p in d["panels"]]
print("no queries" if not exprs else "missing: %s" % missing if missing else
      "duplicate panel ids" if len(ids) != len(set(ids)) else "ok")' "$DASH" "$M2" 2>&1)"
"$E2E_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n- name: dashboard\n  rules:")
n = 0
for p in d["panels"]:
    for t in p.get("targets", []):
        e = t["expr"].replace("$__rate_interval", "5m").replace("$instance", ".*").replace("$feed", ".*")
        n += 1
        print("  - record: dashboard:query_%d\n    expr: %s" % (n, json.dumps(e)))' "$DASH" \
	>"$E2E_TMP/dashboard-rules.yml"
check "dashboard: every query is valid PromQL (promtool check rules)" \
	promtool check rules "$E2E_TMP/dashboard-rules.yml"

# ---------------------------------------------------------------- HTTP
code() { # METHOD PATH -> HTTP status
	in_ns "$E2E_SRV" curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$1" \
		"http://127.0.0.1:$PORT$2"
}
check_eq "GET / is 404" 404 "$(code GET /)"
check_eq "GET /metricsx is 404" 404 "$(code GET /metricsx)"
check_eq "POST /metrics is 405" 405 "$(code POST /metrics)"
check_eq "Content-Type is the text format 0.0.4" "text/plain; version=0.0.4; charset=utf-8" \
	"$(in_ns "$E2E_SRV" curl -s -o /dev/null -w '%{content_type}' --max-time 10 "$URL")"
check_fails "a second server on the same port fails" \
	in_ns "$E2E_SRV" timeout 10 "$XDPFENCE" metrics --listen "127.0.0.1:$PORT"
check_fails "--listen without a port is refused" xf metrics --listen 127.0.0.1
check_fails "--listen with a host name (never looked up) is refused" \
	xf metrics --listen metrics.example:9000
kill -TERM "$METRICS_PID"
rc=0
wait "$METRICS_PID" || rc=$?
check_eq "SIGTERM stops the server, exit status 0" 0 "$rc"
check_eq "nothing listens on $PORT any more" "" "$(in_ns "$E2E_SRV" ss -Htln "sport = :$PORT")"

# no state: the exposition says so and stays valid
xf purge >/dev/null
xf metrics >"$E2E_TMP/nostate"
check_eq "without state: state_loaded 0" 0 "$(metric "$E2E_TMP/nostate" xdpfence_state_loaded)"
check "promtool check metrics (without state)" promtool check metrics <"$E2E_TMP/nostate"
e2e_done
