#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Feeds in force on real packets: two synthetic feeds of documentation
# ranges (--allow-special), one dropping, one tagging with tag 5, applied by
# `feed sync` to the maps of an XDP filter on the server side of a veth
# pair. The dropped sources' datagrams never arrive, the tagged ones arrive
# with the mark, and the per-feed and per-range counters count exactly what
# the client sent (nftables on the client's output hook). A sync that keeps
# a range keeps its id and its counter, also while datagrams flow through
# many large syncs (no gap: not one passes); a sync that removes the range
# lets its traffic pass.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

export XDPFENCE_STATE_DIR="$E2E_TMP/state"
K=20
UDP_PORT=5353
TAG=5
MARK=$(printf '0x%08x' $((TAG << 16))) # default mark mask 0x00ff0000
FILLER=3000                            # extra /48s in the drop feed: syncs with real work

declare -A SRC=([drop4]=198.51.100.10 [drop6]=2001:db8:bad::10 [tag4]=203.0.113.30
	[clean4]=192.0.2.10 [clean6]=2001:db8:1::10)
declare -A RANGE=([drop4]=198.51.100.0/24 [drop6]=2001:db8:bad::/48 [tag4]=203.0.113.0/24)
KINDS="drop4 drop6 tag4 clean4 clean6"
srcs_of() {
	local k out=()
	for k in "$@"; do out+=("${SRC[$k]}"); done
	echo "${out[@]}"
}

if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
for k in drop4 drop6 tag4; do e2e_add_source "${SRC[$k]}"; done

# client: UDP per source on the output hook; server: per source after the
# tc companion (prerouting, priority raw), all and marked with the tag
nft_rules() { # TABLE HOOK COUNTERS...: one rule per source and counter kind
	local table=$1 hook=$2 k fam c
	shift 2
	echo "table inet $table {"
	for k in $KINDS; do for c in "$@"; do echo "counter ${c}_$k {}"; done; done
	echo "chain c { type filter hook $hook priority raw; policy accept;"
	for k in $KINDS; do
		fam=ip
		[[ $k == *6 ]] && fam=ip6
		for c in "$@"; do
			case $c in
			marked) echo "$fam saddr ${SRC[$k]} meta l4proto udp meta mark & 0x00ff0000 == $MARK counter name ${c}_$k" ;;
			*) echo "$fam saddr ${SRC[$k]} meta l4proto udp counter name ${c}_$k" ;;
			esac
		done
	done
	echo "}"
	echo "}"
}
nft_rules xfcli output udp >"$E2E_TMP/cli.nft"
nft_rules xfsrv prerouting all marked >"$E2E_TMP/srv.nft"
check "nftables counters (client)" in_ns "$E2E_CLI" nft -f "$E2E_TMP/cli.nft"
check "nftables counters (server)" in_ns "$E2E_SRV" nft -f "$E2E_TMP/srv.nft"
check "server listens (UDP $UDP_PORT)" e2e_server_start --udp-port "$UDP_PORT"
check "attach --mode native on the server veth" xfq attach "$E2E_SRV_IF" --mode native

# ---------------------------------------------------------------- feeds
F="$E2E_TMP/feeds"
mkdir -p "$F"
filler() { # FIRST COUNT: documentation /48s far from the test's addresses
	"$E2E_PY" -c 'import sys; f, n = map(int, sys.argv[1:]); print("\n".join("2001:db8:%x::/48" % (0x8000 + i) for i in range(f, f + n)))' "$1" "$2"
}
drop_feed() { # FIRST: the drop feed with both ranges and FILLER /48s from FIRST
	{
		echo "# drop feed (documentation space)"
		echo "${RANGE[drop4]}"
		echo "${RANGE[drop6]}"
		filler "$1" "$FILLER"
	} >"$F/drop.txt.new" && mv "$F/drop.txt.new" "$F/drop.txt"
}
drop_feed 0
printf '# tag feed\n%s\n' "${RANGE[tag4]}" >"$F/tag.txt"
check "feed add fdrop --action drop" \
	xfq feed add fdrop --source "$F/drop.txt" --format list --allow-special --action drop
check "feed add ftag --action tag --tag $TAG" \
	xfq feed add ftag --source "$F/tag.txt" --format list --allow-special --action tag --tag "$TAG"
xf -j feed sync >"$E2E_TMP/sync.json" 2>/dev/null
check_eq "feed sync: exit status 0" 0 $?
check_eq "feed sync: both applied" "fdrop:applied:$((FILLER + 2)) ftag:applied:1" \
	"$(e2e_json '" ".join("%s:%s:%d" % (f["feed"], f["state"], f["added"]) for f in d["feeds"])' <"$E2E_TMP/sync.json")"

range_id() { # STATS_JSON RANGE
	e2e_json '[r["range_id"] for r in d["ranges"] if r["range"] == a[0]][0]' "$2" <<<"$1"
}
feed_pkts() { # STATS_JSON FEED OUTCOME|all
	e2e_json '[sum(c["packets"] for o, c in f["counters"].items() if a[1] in ("all", o)) for f in d["feeds"] if f["feed"] == a[0]][0]' "$2" "$3" <<<"$1"
}
send() { # PHASE COUNT KIND... (no pacing beyond traffic.py's default)
	local phase=$1 count=$2
	shift 2
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
		--count "$count" --phase "$phase" $(srcs_of "$@")
}

# ---------------------------------------------------------------- in force
send first "$K" $KINDS
check_eq "datagrams received (drop4 drop6 tag4 clean4 clean6)" "0 0 $K $K $K" \
	"$(e2e_udp_wait first "0 0 $K $K $K" $(srcs_of $KINDS))"
e2e_nft_load "$E2E_CLI" xfcli
declare -A SENT=()
for k in $KINDS; do SENT[$k]=${NFT[udp_$k]:-}; done
check_eq "the client sent $K datagrams per source (nft output)" "$K $K $K $K $K" \
	"${SENT[drop4]} ${SENT[drop6]} ${SENT[tag4]} ${SENT[clean4]} ${SENT[clean6]}"
e2e_nft_load "$E2E_SRV" xfsrv
check_eq "tag4: every datagram arrived with mark $MARK" "${SENT[tag4]} ${SENT[tag4]}" \
	"${NFT[all_tag4]:-} ${NFT[marked_tag4]:-}"
check_eq "clean sources: arrived unmarked" "$K 0 $K 0" \
	"${NFT[all_clean4]:-} ${NFT[marked_clean4]:-} ${NFT[all_clean6]:-} ${NFT[marked_clean6]:-}"
check_eq "dropped sources: nothing reached the server's prerouting" "0 0" \
	"${NFT[all_drop4]:-} ${NFT[all_drop6]:-}"
stats=$(e2e_stats)
check_eq "stats feeds: fdrop dropped = what drop4 and drop6 sent, nothing else" \
	"$((SENT[drop4] + SENT[drop6])) $((SENT[drop4] + SENT[drop6]))" \
	"$(feed_pkts "$stats" fdrop dropped) $(feed_pkts "$stats" fdrop all)"
check_eq "stats feeds: ftag tagged = what tag4 sent, nothing else" "${SENT[tag4]} ${SENT[tag4]}" \
	"$(feed_pkts "$stats" ftag tagged) $(feed_pkts "$stats" ftag all)"
check_eq "stats feeds: manual counted nothing" 0 "$(feed_pkts "$stats" manual all)"
check_eq "stats ranges: each range counted its source's datagrams" \
	"${SENT[drop4]} ${SENT[drop6]} ${SENT[tag4]}" \
	"$(e2e_range_packets "$stats" "${RANGE[drop4]}" dropped) $(e2e_range_packets "$stats" "${RANGE[drop6]}" dropped) $(e2e_range_packets "$stats" "${RANGE[tag4]}" tagged)"
check_eq "feed show fdrop: its counters agree with stats" "$(feed_pkts "$stats" fdrop dropped)" \
	"$(xf -j feed show fdrop | e2e_json 'd["counters"]["dropped"]["packets"]')"
id4=$(range_id "$stats" "${RANGE[drop4]}")
id6=$(range_id "$stats" "${RANGE[drop6]}")
dropped4=$(e2e_range_packets "$stats" "${RANGE[drop4]}" dropped)

# ---------------------------------------------------------------- kept
# a new version that keeps the ranges and changes 500 of the filler
drop_feed 500
xf -j feed sync fdrop >"$E2E_TMP/sync.json" 2>/dev/null
check_eq "sync keeping the ranges: 500 added, 500 removed, the rest unchanged" "0 500 500 $((FILLER + 2 - 500))" \
	"$? $(e2e_json '"%d %d %d" % (d["feeds"][0]["added"], d["feeds"][0]["removed"], d["feeds"][0]["unchanged"])' <"$E2E_TMP/sync.json")"
send kept "$K" drop4
check_eq "kept: drop4 still dropped" 0 "$(e2e_udp_wait kept 0 "${SRC[drop4]}")"
stats=$(e2e_stats)
check_eq "kept: same range ids" "$id4 $id6" \
	"$(range_id "$stats" "${RANGE[drop4]}") $(range_id "$stats" "${RANGE[drop6]}")"
check_eq "kept: ${RANGE[drop4]}'s counter kept counting (not reset)" $((dropped4 + K)) \
	"$(e2e_range_packets "$stats" "${RANGE[drop4]}" dropped)"

# no gap: datagrams from both dropped sources while large syncs swap the
# filler back and forth; not one may pass, every one is counted
N=300
stats=$(e2e_stats)
before4=$(e2e_range_packets "$stats" "${RANGE[drop4]}" dropped)
before6=$(e2e_range_packets "$stats" "${RANGE[drop6]}" dropped)
e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
	--count "$N" --interval 0.005 --phase nogap $(srcs_of drop4 drop6 clean4) &
sender=$!
syncs=0 failed=0 first=0
for _ in $(seq 60); do
	kill -0 "$sender" 2>/dev/null || break
	first=$((first == 0 ? 1000 : 0))
	drop_feed "$first"
	xfq feed sync fdrop || failed=$((failed + 1))
	syncs=$((syncs + 1))
done
wait "$sender"
check "no gap: every sync succeeded ($failed failed)" test "$failed" -eq 0
check_ge "no gap: $syncs syncs of $((FILLER + 2)) entries (1000 swapped each time) ran while the datagrams flowed" 3 "$syncs"
check_eq "no gap: drop4 and drop6 never passed, clean4 always did" "0 0 $N" \
	"$(e2e_udp_wait nogap "0 0 $N" $(srcs_of drop4 drop6 clean4))"
stats=$(e2e_stats)
check_eq "no gap: each range counted all $N, ids unchanged" \
	"$((before4 + N)) $((before6 + N)) $id4 $id6" \
	"$(e2e_range_packets "$stats" "${RANGE[drop4]}" dropped) $(e2e_range_packets "$stats" "${RANGE[drop6]}" dropped) $(range_id "$stats" "${RANGE[drop4]}") $(range_id "$stats" "${RANGE[drop6]}")"
e2e_nft_load "$E2E_CLI" xfcli
check_eq "stats feeds: fdrop dropped = everything drop4 and drop6 sent (nft)" \
	"$((${NFT[udp_drop4]:-0} + ${NFT[udp_drop6]:-0}))" "$(feed_pkts "$stats" fdrop dropped)"

# ---------------------------------------------------------------- removed
fdrop_before=$(feed_pkts "$stats" fdrop all)
{
	echo "# drop feed without ${RANGE[drop4]}"
	echo "${RANGE[drop6]}"
	filler "$first" "$FILLER"
} >"$F/drop.txt"
xf -j feed sync fdrop >"$E2E_TMP/sync.json" 2>/dev/null
check_eq "sync without ${RANGE[drop4]}: exit status 0, 1 removed" "0 1" \
	"$? $(e2e_json 'd["feeds"][0]["removed"]' <"$E2E_TMP/sync.json")"
check_eq "lookup ${SRC[drop4]}: no decision" null "$(xf -j lookup "${SRC[drop4]}" | e2e_json 'd["decision"]')"
send gone "$K" drop4 drop6
check_eq "range gone: drop4's datagrams pass, drop6 still dropped" "$K 0" \
	"$(e2e_udp_wait gone "$K 0" $(srcs_of drop4 drop6))"
stats=$(e2e_stats)
check_eq "range gone: fdrop counted only drop6's $K" $((fdrop_before + K)) "$(feed_pkts "$stats" fdrop all)"
e2e_nft_load "$E2E_SRV" xfsrv
check_eq "range gone: drop4 arrived unmarked at the server" "$K 0" \
	"${NFT[all_drop4]:-} ${NFT[marked_drop4]:-}"

# ---------------------------------------------------------------- id reuse
# a removed feed's counters go with it; a new feed that gets its id starts
# from zero and counts only its own packets
check_eq "feed remove ftag: 1 range withdrawn" 1 "$(xf -j feed remove ftag | e2e_json 'd["ranges_removed"]')"
check_eq "stats feeds: ftag is gone" "[]" \
	"$(e2e_stats | e2e_json '[f["feed"] for f in d["feeds"] if f["feed"] == "ftag"]')"
check "feed add fnew (tag $TAG, the same file)" \
	xfq feed add fnew --source "$F/tag.txt" --format list --allow-special --action tag --tag "$TAG"
check "feed sync fnew" xfq feed sync fnew
stats=$(e2e_stats)
check_eq "fnew took ftag's feed id and starts from zero" \
	"$(e2e_json '[f["feed_id"] for f in d["feeds"] if f["feed"] == "fdrop"][0] + 1' <<<"$stats") 0" \
	"$(e2e_json '[f["feed_id"] for f in d["feeds"] if f["feed"] == "fnew"][0]' <<<"$stats") $(feed_pkts "$stats" fnew all)"
send reuse "$K" tag4
check_eq "fnew: tag4's datagrams arrive" "$K" "$(e2e_udp_wait reuse "$K" "${SRC[tag4]}")"
stats=$(e2e_stats)
check_eq "fnew counted exactly the $K it tagged" "$K $K" \
	"$(feed_pkts "$stats" fnew tagged) $(feed_pkts "$stats" fnew all)"

e2e_done
