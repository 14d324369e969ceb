#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Real traffic through the filter: a client namespace with one source
# address per kind of range (clean, blocked, allowlisted inside a blocked
# range, tagged, counted), IPv4 and IPv6, sends TCP connections and UDP
# datagrams to a server namespace where xdpfence sits on the veth in native
# mode. What arrives, what carries the tag's mark, and what xdpfence
# counted must all agree with what the client sent (counted by nftables on
# the client's output hook, so retransmitted SYNs are included).
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

K=20        # UDP datagrams per source and phase
TRIES=3     # TCP connections per source
TAG=7
MARK=$(printf '0x%08x' $((TAG << 16))) # default mark mask 0x00ff0000
UDP_PORT=5353
TCP_PORT=8080

# kind -> source address, and the range that decides for it
declare -A SRC=(
	[clean4]=192.0.2.10 [blocked4]=198.51.100.10 [allowed4]=198.51.100.20
	[tagged4]=203.0.113.30 [counted4]=203.0.113.200
	[clean6]=2001:db8:1::10 [blocked6]=2001:db8:bad::10 [allowed6]=2001:db8:bad::20
	[tagged6]=2001:db8:7a9::30 [counted6]=2001:db8:c0::40
)
declare -A RANGE=(
	[blocked4]=198.51.100.0/24 [allowed4]=198.51.100.20/32
	[tagged4]=203.0.113.0/25 [counted4]=203.0.113.128/25
	[blocked6]=2001:db8:bad::/48 [allowed6]=2001:db8:bad::20/128
	[tagged6]=2001:db8:7a9::/48 [counted6]=2001:db8:c0::/48
)
# the per-range outcome each kind is counted under
declare -A OUTCOME=(
	[blocked]=dropped [allowed]=allowed [tagged]=tagged [counted]=would_block
)
KINDS4="clean4 blocked4 allowed4 tagged4 counted4"
KINDS6="clean6 blocked6 allowed6 tagged6 counted6"
KINDS="$KINDS4 $KINDS6"
RANGED="blocked4 allowed4 tagged4 counted4 blocked6 allowed6 tagged6 counted6"

srcs_of() {
	local k out=()
	for k in "$@"; do out+=("${SRC[$k]}"); done
	echo "${out[@]}"
}

# ---------------------------------------------------------------- set up
if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
for k in $KINDS; do
	[[ $k == clean* ]] || e2e_add_source "${SRC[$k]}"
done

# client: per source, every packet and the UDP ones, on the output hook
{
	echo "table inet xfcli {"
	for k in $KINDS; do echo "counter all_$k {}"; echo "counter udp_$k {}"; done
	echo "chain out { type filter hook output priority filter; policy accept;"
	for k in $KINDS; do
		fam=ip
		[[ $k == *6 ]] && fam=ip6
		echo "$fam saddr ${SRC[$k]} counter name all_$k"
		echo "$fam saddr ${SRC[$k]} meta l4proto udp counter name udp_$k"
	done
	echo "}"; echo "}"
} >"$E2E_TMP/cli.nft"
# server: after tc ingress (prerouting, priority raw), per source, every
# packet and the ones carrying the tag's mark; plus any marked packet
{
	echo "table inet xfsrv {"
	echo "counter marked_any {}"
	for k in $KINDS; do printf 'counter %s {}\n' "all_$k" "marked_$k" "remarked_$k"; done
	echo "chain pre { type filter hook prerouting priority raw; policy accept;"
	echo "meta mark & 0x00ff0000 == $MARK counter name marked_any"
	for k in $KINDS; do
		fam=ip
		[[ $k == *6 ]] && fam=ip6
		echo "$fam saddr ${SRC[$k]} counter name all_$k"
		echo "$fam saddr ${SRC[$k]} meta mark & 0x00ff0000 == $MARK counter name marked_$k"
		echo "$fam saddr ${SRC[$k]} meta mark & 0x0000ff00 == $((TAG << 8)) counter name remarked_$k"
	done
	echo "}"; echo "}"
} >"$E2E_TMP/srv.nft"
check "nftables counters in the client namespace" in_ns "$E2E_CLI" nft -f "$E2E_TMP/cli.nft"
check "nftables counters in the server namespace" in_ns "$E2E_SRV" nft -f "$E2E_TMP/srv.nft"
check "server listens (TCP $TCP_PORT, UDP $UDP_PORT)" \
	e2e_server_start --tcp-port "$TCP_PORT" --udp-port "$UDP_PORT"

check "attach --mode native on the server veth" xfq attach "$E2E_SRV_IF" --mode native
status=$(xf -j status)
check_eq "status: attached in native mode" native \
	"$(e2e_json '[i["mode"] for i in d["interfaces"] if i["interface"] == a[0]][0]' \
		"$E2E_SRV_IF" <<<"$status")"
link_id=$(e2e_json 'd["interfaces"][0]["link_id"]' <<<"$status")

check "block the drop ranges" xfq block "${RANGE[blocked4]}" "${RANGE[blocked6]}"
check "allow a host inside them" xfq allow "${RANGE[allowed4]}" "${RANGE[allowed6]}"
check "block the tag ranges (--tag $TAG)" \
	xfq block "${RANGE[tagged4]}" "${RANGE[tagged6]}" --action tag --tag "$TAG"
check "block the count ranges" xfq block "${RANGE[counted4]}" "${RANGE[counted6]}" --action count

stats=$(e2e_stats)
declare -A RANGE_ID
for k in $RANGED; do
	RANGE_ID[$k]=$(e2e_json '[r["range_id"] for r in d["ranges"] if r["range"] == a[0]][0]' \
		"${RANGE[$k]}" <<<"$stats")
done

send_udp() { # PHASE KIND...
	local phase=$1
	shift
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
		--count "$K" --phase "$phase" $(srcs_of "$@")
}

expected_udp() { # KIND... -> K per kind, 0 for the blocked ones
	local k out=()
	for k in "$@"; do
		if [[ $k == blocked* ]]; then out+=(0); else out+=("$K"); fi
	done
	echo "${out[@]}"
}

# ---------------------------------------------------------------- UDP
send_udp udp $KINDS
check_eq "UDP: datagrams received per source ($KINDS)" "$(expected_udp $KINDS)" \
	"$(e2e_udp_wait udp "$(expected_udp $KINDS)" $(srcs_of $KINDS))"
e2e_nft_load "$E2E_CLI" xfcli
for k in $KINDS; do
	check_eq "$k: client sent $K UDP datagrams (nft output)" "$K" "${NFT[udp_$k]:-}"
done
e2e_stats_load
for k in $RANGED; do
	kind=${k%?}
	check_eq "$k: range ${RANGE[$k]} counted $K as ${OUTCOME[$kind]}" "$K" \
		"${RC[${RANGE[$k]} ${OUTCOME[$kind]}]:-}"
	check_eq "$k: range ${RANGE[$k]} counted nothing else" "$K" "${RC[${RANGE[$k]} all]:-}"
done

# ---------------------------------------------------------------- TCP
expected_tcp=()
for k in $KINDS; do
	if [[ $k == blocked* ]]; then expected_tcp+=(0); else expected_tcp+=("$TRIES"); fi
done
check_eq "TCP: connections that succeeded per source ($KINDS)" "${expected_tcp[*]}" \
	"$(e2e_traffic "$E2E_CLI" tcp-try --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$TCP_PORT" \
		--tries "$TRIES" --timeout 1.2 $(srcs_of $KINDS))"

# Every packet a ranged source sent (UDP, TCP, retransmitted SYNs) is one
# its range counted: compare once the last FIN/ACKs have settled.
ranges_match_client() {
	local k
	e2e_stats_load
	e2e_nft_load "$E2E_CLI" xfcli
	for k in $RANGED; do
		[ "${RC[${RANGE[$k]} all]:-x}" = "${NFT[all_$k]:-y}" ] || return 1
	done
}
e2e_until 3 ranges_match_client
stats=$(e2e_stats)
e2e_stats_load "$stats"
e2e_nft_load "$E2E_CLI" xfcli
for k in $RANGED; do
	kind=${k%?}
	sent=${NFT[all_$k]:-}
	check_ge "$k: client sent TCP packets beyond the UDP ones" $((K + 1)) "$sent"
	check_eq "$k: range ${RANGE[$k]} ${OUTCOME[$kind]} = packets the client sent (nft)" \
		"$sent" "${RC[${RANGE[$k]} ${OUTCOME[$kind]}]:-}"
	check_eq "$k: range ${RANGE[$k]} counted nothing else" "$sent" "${RC[${RANGE[$k]} all]:-}"
	# bytes: XDP counts the frame, nftables the IP packet (14 bytes less)
	check_eq "$k: range bytes = client's IP bytes + Ethernet headers" \
		$((${NFT_BYTES[all_$k]:-0} + 14 * ${sent:-0})) "${RC_BYTES[${RANGE[$k]} all]:-}"
done
declare -A SENT
for k in $KINDS; do SENT[$k]=${NFT[all_$k]:-}; done

# the totals agree with the ranges
check_eq "stats: feed 'manual' = sum of its ranges, per outcome" ok "$(e2e_json '
("ok" if any(f["feed"] == "manual" for f in d["feeds"]) and
    all(f["counters"][o]["packets"] == sum(r["counters"][o]["packets"] for r in d["ranges"])
        for f in d["feeds"] if f["feed"] == "manual" for o in f["counters"])
 else d["feeds"])' <<<"$stats")"
check_eq "stats: global drop and tag verdicts = the ranges' dropped and tagged" \
	"$(e2e_json '"%d %d" % tuple(sum(r["counters"][o]["packets"] for r in d["ranges"]) for o in ("dropped", "tagged"))' <<<"$stats")" \
	"$(e2e_json '"%d %d" % (d["global"]["by_verdict"]["drop"]["packets"], d["global"]["by_verdict"]["tag"]["packets"])' <<<"$stats")"
top=$(xf -j stats --top 2)
check_eq "stats --top 2: two ranges shown of 8" "2 8" \
	"$(e2e_json '"%d %d" % (len(d["ranges"]), d["ranges_total"])' <<<"$top")"
check_eq "stats --top 2: the two with the most packets" \
	"$(e2e_json '" ".join(str(r["packets"]) for r in sorted(d["ranges"], key=lambda r: -r["packets"])[:2])' <<<"$stats")" \
	"$(e2e_json '" ".join(str(r["packets"]) for r in d["ranges"])' <<<"$top")"

# ---------------------------------------------------------------- marks
e2e_nft_load "$E2E_SRV" xfsrv
for fam in 4 6; do
	k=tagged$fam
	check_eq "$k: every packet arrived with mark $MARK" "${SENT[$k]}" "${NFT[marked_$k]:-}"
	check_eq "$k: server saw all ${SENT[$k]} packets" "${SENT[$k]}" "${NFT[all_$k]:-}"
	for k in clean$fam allowed$fam counted$fam; do
		check_eq "$k: every packet reached the server" "${SENT[$k]}" "${NFT[all_$k]:-}"
		check_eq "$k: no packet carries the mark" 0 "${NFT[marked_$k]:-}"
	done
	check_eq "blocked$fam: nothing reached the server's prerouting" 0 "${NFT[all_blocked$fam]:-}"
done
check_eq "marked packets are exactly the tagged sources' packets" \
	$((${NFT[marked_tagged4]:-0} + ${NFT[marked_tagged6]:-0})) "${NFT[marked_any]:-}"
marked_before=$(e2e_nft_packets "$E2E_SRV" xfsrv marked_any)

# the mask is a run-time setting: the tag moves to the new bits at once
check "config set mark-mask 0x0000ff00" xfq config set mark-mask 0x0000ff00
send_udp mask tagged4 tagged6
check_eq "mark-mask 0x0000ff00: tagged datagrams arrive" "$K $K" \
	"$(e2e_udp_wait mask "$K $K" $(srcs_of tagged4 tagged6))"
check_eq "mark-mask 0x0000ff00: marked $(printf '0x%08x' $((TAG << 8))) under the new mask" \
	"$K $K" "$(e2e_nft_packets "$E2E_SRV" xfsrv remarked_tagged4) $(e2e_nft_packets "$E2E_SRV" xfsrv remarked_tagged6)"
check_eq "mark-mask 0x0000ff00: nothing marked under the old mask" "$marked_before" \
	"$(e2e_nft_packets "$E2E_SRV" xfsrv marked_any)"
check "config set mark-mask 0x00ff0000" xfq config set mark-mask 0x00ff0000

# ---------------------------------------------------------------- dry-run
stats=$(e2e_stats)
declare -A dropped_before
for k in blocked4 blocked6; do
	dropped_before[$k]=$(e2e_range_packets "$stats" "${RANGE[$k]}" dropped)
done
check "dry-run on" xfq dry-run on
send_udp dry blocked4 blocked6
check_eq "dry-run on: the blocked sources' datagrams arrive" "$K $K" \
	"$(e2e_udp_wait dry "$K $K" $(srcs_of blocked4 blocked6))"
stats=$(e2e_stats)
for k in blocked4 blocked6; do
	check_eq "dry-run on: $k counted as dry_run_passed" "$K" \
		"$(e2e_range_packets "$stats" "${RANGE[$k]}" dry_run_passed)"
	check_eq "dry-run on: $k not counted as dropped" "${dropped_before[$k]}" \
		"$(e2e_range_packets "$stats" "${RANGE[$k]}" dropped)"
done
check_eq "dry-run on: global dry-run/pass counter" $((2 * K)) \
	"$(e2e_reason_packets "$stats" dry-run pass)"
check "dry-run off" xfq dry-run off
send_udp dryoff blocked4 blocked6
check_eq "dry-run off: the blocked sources are dropped again" "0 0" \
	"$(e2e_udp_wait dryoff "0 0" $(srcs_of blocked4 blocked6))"
stats=$(e2e_stats)
for k in blocked4 blocked6; do
	check_eq "dry-run off: $k dropped $K more" $((dropped_before[$k] + K)) \
		"$(e2e_range_packets "$stats" "${RANGE[$k]}" dropped)"
done
check_eq "dry-run on/off did not re-attach (same XDP link)" "$link_id" \
	"$(xf -j status | e2e_json 'd["interfaces"][0]["link_id"]')"

# ---------------------------------------------------------------- events
# Earlier phases left events in the ring buffer: read them away first,
# then watch for one while the blocked source keeps sending.
xf -j events --timeout 0.5 >/dev/null
for k in blocked4 blocked6; do
	out="$E2E_TMP/events.$k"
	xf -j events --count 1 --timeout 3 >"$out" 2>"$out.err" &
	ev_pid=$!
	for _ in $(seq 15); do
		kill -0 "$ev_pid" 2>/dev/null || break
		e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
			--count 1 --phase events "${SRC[$k]}"
		sleep 0.2
	done
	wait "$ev_pid"
	check_eq "events: one event line for $k" 1 "$(grep -c . "$out")"
	ev=$(head -n 1 "$out")
	check_eq "events: $k event source" "${SRC[$k]}" "$(e2e_json 'd["source"]' <<<"$ev")"
	check_eq "events: $k event range_id" "${RANGE_ID[$k]}" "$(e2e_json 'd["range_id"]' <<<"$ev")"
	dst=$E2E_SRV4
	[ "$k" = blocked6 ] && dst=$E2E_SRV6
	check_eq "events: $k event interface and destination" "$E2E_SRV_IF $dst" \
		"$(e2e_json '"%s %s" % (d["interface"], d["destination"])' <<<"$ev")"
	check_eq "events: $k event verdict and reason" "drop block-drop udp $UDP_PORT" \
		"$(e2e_json '"%s %s %s %s" % (d["verdict"], d["reason"], d["protocol"], d["dst_port"])' <<<"$ev")"
done

# one event per packet a range acted on (dry-run included), none for the
# allowlisted and clean sources
xf -j events --timeout 0.3 >/dev/null
check "dry-run on (events)" xfq dry-run on
e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
	--count 1 --phase kinds $(srcs_of blocked4 tagged4 counted6 allowed4 allowed6 clean4 clean6)
check "dry-run off (events)" xfq dry-run off
check_eq "events: source, action, verdict, reason, feed of each kind" \
	"${SRC[blocked4]} drop pass dry-run manual|${SRC[counted6]} count pass monitor manual|${SRC[tagged4]} tag tag block-tag manual" \
	"$(xf -j events --timeout 0.5 | "$E2E_PY" -c '
import json, sys
print("|".join(sorted("%(source)s %(action)s %(verdict)s %(reason)s %(feed)s" % json.loads(l)
                      for l in sys.stdin if l.strip())))')"

events_for() { # N: events the blocked IPv4 source's N datagrams produce
	xf -j events --timeout 0.3 >/dev/null
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --port "$UDP_PORT" --count "$1" \
		--interval 0.001 --phase events "${SRC[blocked4]}"
	# they wait in the ring buffer: a short read gets them all
	xf -j events --timeout 0.5 | grep -c '"source"'
}
check "config set event-sample 10" xfq config set event-sample 10
n=$(events_for 100)
check "event-sample 10: 100 drops give 10 events (11 if split over 2 CPUs), got $n" \
	test "$n" -ge 10 -a "$n" -le 11
check "config set event-sample 1, event-rate 3" \
	eval 'xfq config set event-sample 1 && xfq config set event-rate 3'
n=$(events_for 50)
check "event-rate 3: 50 drops within a second give 1..$((3 * $(nproc))) events, got $n" \
	test "$n" -ge 1 -a "$n" -le $((3 * $(nproc)))
check "config set event-rate 0" xfq config set event-rate 0
check_eq "event-rate 0: no events" 0 "$(events_for 20)"

# ---------------------------------------------------------------- no gap
# Rules change while traffic flows: nested weaker ranges come and go inside
# the blocked ranges (the /24 and /48 keep deciding), so no datagram of the
# blocked sources may pass and none of the allowlisted ones may be dropped.
N=400
stats=$(e2e_stats)
declare -A before
for k in blocked4 blocked6 allowed4 allowed6; do
	kind=${k%?}
	before[$k]=$(e2e_range_packets "$stats" "${RANGE[$k]}" "${OUTCOME[$kind]}")
done
e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
	--count "$N" --interval 0.004 --phase nogap $(srcs_of blocked4 blocked6 allowed4 allowed6) &
sender=$!
commits=0 commit_failed=0
for _ in $(seq 100); do
	kill -0 "$sender" 2>/dev/null || break
	xfq block 198.51.100.0/25 --action count || commit_failed=$((commit_failed + 1))
	xfq block 2001:db8:bad::/64 --action tag --tag "$TAG" || commit_failed=$((commit_failed + 1))
	xfq unblock 198.51.100.0/25 2001:db8:bad::/64 || commit_failed=$((commit_failed + 1))
	xfq allow 198.51.100.21 2001:db8:bad::21 || commit_failed=$((commit_failed + 1))
	xfq unallow 198.51.100.21 2001:db8:bad::21 || commit_failed=$((commit_failed + 1))
	commits=$((commits + 5))
done
wait "$sender"
check "no gap: every commit succeeded" test "$commit_failed" -eq 0
check_ge "no gap: rules changed while the datagrams flowed ($commits commits)" 20 "$commits"
check_eq "no gap: blocked never passed, allowlisted never dropped" "0 0 $N $N" \
	"$(e2e_udp_wait nogap "0 0 $N $N" $(srcs_of blocked4 blocked6 allowed4 allowed6))"
stats=$(e2e_stats)
for k in blocked4 blocked6 allowed4 allowed6; do
	kind=${k%?}
	check_eq "no gap: $k's range kept deciding (${OUTCOME[$kind]} +$N)" \
		$((before[$k] + N)) "$(e2e_range_packets "$stats" "${RANGE[$k]}" "${OUTCOME[$kind]}")"
done

# ---------------------------------------------------------------- generic
# The same filter in generic (skb) mode: verdicts, counters and the tag.
check "detach" xfq detach "$E2E_SRV_IF"
check "attach --mode generic" xfq attach "$E2E_SRV_IF" --mode generic
check_eq "status: generic mode" generic "$(xf -j status | e2e_json 'd["interfaces"][0]["mode"]')"
e2e_stats_load
declare -A RC0=() NFT0=()
for k in "${!RC[@]}"; do RC0[$k]=${RC[$k]}; done
e2e_nft_load "$E2E_SRV" xfsrv
for k in "${!NFT[@]}"; do NFT0[$k]=${NFT[$k]}; done
send_udp generic $KINDS
check_eq "generic: datagrams received per source ($KINDS)" "$(expected_udp $KINDS)" \
	"$(e2e_udp_wait generic "$(expected_udp $KINDS)" $(srcs_of $KINDS))"
e2e_stats_load
e2e_nft_load "$E2E_SRV" xfsrv
for k in $RANGED; do
	kind=${k%?}
	r="${RANGE[$k]} ${OUTCOME[$kind]}"
	check_eq "generic: $k counted $K more as ${OUTCOME[$kind]}" $((${RC0[$r]:-0} + K)) "${RC[$r]:-}"
done
for k in tagged4 tagged6; do
	check_eq "generic: $k datagrams carry the mark" $((${NFT0[marked_$k]:-0} + K)) "${NFT[marked_$k]:-}"
done
check_eq "generic: nothing else is marked" \
	$((${NFT0[marked_any]:-0} + 2 * K)) "${NFT[marked_any]:-}"

e2e_done
