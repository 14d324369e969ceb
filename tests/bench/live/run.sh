#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Live-traffic peer benchmark (part of `make bench`): how fast the same
# prefix set is enforced on real frames by
#   xdpfence-*  xdpfence's XDP program (+ its tc companion), loaded through the CLI
#               (one row per --backend when the CLI has that option)
#   nftables    an interval set, `ip saddr @set drop` in a netdev ingress chain
#               (the earliest netfilter hook: before prerouting and conntrack)
#   ipset       hash:net + an iptables raw-table PREROUTING DROP rule
#               (iptables-legacy when installed: the classic xtables path)
# against, measured in the same run on the same receiver,
#   xdp-drop    a bare XDP_DROP (the ratios' denominator)
#   none        no filter: clean traffic through the stack alone (reference)
# Both baselines are measured again for every prefix set, just before its
# peers (their rows carry that set's n_ranges and name).
#
# Topology: two namespaces named with the PID, one veth pair. The generator
# (tests/bench/live/trafficgen.c, BPF_PROG_RUN live frames + XDP_TX) runs on
# CPU 0 in the sender namespace. Receiver, identical for every peer: GRO on
# (which gives the veth its NAPI instance: XDP_TX'd frames arrive through
# veth's ring and NAPI, with or without an XDP program), threaded NAPI, the
# NAPI thread pinned to CPU 1 with SCHED_FIFO, so the receive path (XDP, tc,
# netfilter, IP, UDP) runs in that one thread and its CPU time is exactly
# the receiver's cost. Frames: 60-byte UDP/IPv4 or 80-byte UDP/IPv6 to
# 192.0.2.1 / 2001:db8:1::1 port 9, valid checksums; clean ones end as UDP
# "no port" (counted per namespace); nothing routes anywhere else.
#
# Per measurement: the generator offers as much as it can for
# XF_LIVE_SECONDS; rx = frames the receiver took off the veth ring
# (ethtool rx_queue_0_xdp_packets); ns/pkt = NAPI thread CPU time / rx;
# pps = rx / generator run time; CPU% = NAPI thread CPU time / run time;
# passed = UDP no-port delta (must be 0 for blocked traffic and rx for
# clean traffic; a row that breaks this is flagged). The CPU figures are
# robust to other load on the machine; pps is not.
#
# Environment: BUILD (build dir), XDPFENCE (CLI), XF_FEEDS_DIR (real feeds,
# default ../shared/feeds), XF_LIVE_SETS (default
# v4:feeds,v4:1000000,v6:feeds,v6:100000: FAMILY:SIZE, SIZE "feeds" = the
# merged real feeds), XF_LIVE_SOURCES (distinct sources per traffic kind,
# default 1048576), XF_LIVE_SECONDS (default 3), XF_LIVE_OUT (default
# $BUILD/bench-live.json), XF_LIVE_RT_GEN=1 (run the generator SCHED_FIFO
# too: steadier pps on a busy machine, but it starves everything else on
# its CPU while it runs). --quick: v4:feeds,v6:feeds, 262144 sources, 2 s.
# Exits non-zero only when it cannot run; timing never fails it.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
here="$top/tests/bench/live"
build=${BUILD:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
XDPFENCE=${XDPFENCE:-$build/xdpfence}
TGEN=${XF_TGEN:-$build/tests/bench/live/xdpfence-trafficgen}
SETS=${XF_LIVE_SETS:-v4:feeds,v4:1000000,v6:feeds,v6:100000}
NSRC=${XF_LIVE_SOURCES:-1048576}
SECONDS_PER=${XF_LIVE_SECONDS:-3}
OUT=${XF_LIVE_OUT:-$build/bench-live.json}
for a in "$@"; do
	case "$a" in
	--quick)
		SETS=${XF_LIVE_SETS:-v4:feeds,v6:feeds}
		NSRC=${XF_LIVE_SOURCES:-262144}
		SECONDS_PER=${XF_LIVE_SECONDS:-2}
		;;
	esac
done
if [ -z "${XF_FEEDS_DIR:-}" ]; then
	gittop=$(git -C "$top" rev-parse --show-toplevel 2>/dev/null) || gittop=$top
	XF_FEEDS_DIR="$gittop/../shared/feeds"
fi

die() {
	echo "bench-live: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- checks
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, BPF, netfilter)"
for c in ip nft ipset ethtool nsenter taskset chrt timeout python3; do
	command -v "$c" >/dev/null || die "$c is not installed (scripts/deps.sh)"
done
IPT4=iptables IPT6=ip6tables
if command -v iptables-legacy >/dev/null && command -v ip6tables-legacy >/dev/null; then
	IPT4=iptables-legacy IPT6=ip6tables-legacy
fi
command -v "$IPT4" >/dev/null || die "iptables is not installed (scripts/deps.sh)"
mountpoint -q /sys/fs/bpf || die "no bpffs at /sys/fs/bpf"
[ -x "$XDPFENCE" ] || die "$XDPFENCE is not built (make)"
[ -x "$TGEN" ] || die "$TGEN is not built (make bench-bin)"
[ -d "$XF_FEEDS_DIR" ] || die "no feeds at $XF_FEEDS_DIR (XF_FEEDS_DIR)"

# ---------------------------------------------------------------- names, cleanup
ID=$$
GEN_NS="xflg$ID" RX_NS="xflr$ID"
GEN_IF="xg$ID" RX_IF="xr$ID" # NAPI thread "napi/xr<pid>-<id>" fits the 15-char comm
TMP=$(mktemp -d /tmp/xdpfence-live.XXXXXX) || die "mktemp failed"
export XDPFENCE_PIN_DIR="/sys/fs/bpf/xfbench-$ID"
export XDPFENCE_STATE_DIR="$TMP/state"
ROWS="$TMP/rows.jsonl"
NS_MADE=()

in_gen() { nsenter --net="/run/netns/$GEN_NS" "$@"; }
in_rx() { nsenter --net="/run/netns/$RX_NS" "$@"; }

cleanup() {
	local ns
	trap - EXIT INT TERM
	for ns in "${NS_MADE[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	# xdpfence first, from inside the namespace so its tc companion goes too
	if [ -d "$XDPFENCE_PIN_DIR" ]; then
		in_rx timeout 30 "$XDPFENCE" purge >/dev/null 2>&1 ||
			timeout 30 "$XDPFENCE" purge >/dev/null 2>&1
		rm -rf "$XDPFENCE_PIN_DIR"
	fi
	# netfilter state lives in the receiver namespace only; remove it
	# explicitly, then the namespaces (which would take it anyway)
	if [[ " ${NS_MADE[*]} " == *" $RX_NS "* ]]; then
		in_rx nft delete table netdev xfbench 2>/dev/null
		in_rx "$IPT4" -t raw -F PREROUTING 2>/dev/null
		in_rx "$IPT6" -t raw -F PREROUTING 2>/dev/null
		in_rx ipset destroy xfbench 2>/dev/null
	fi
	for ns in "${NS_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- topology
setup_topology() {
	ip netns add "$GEN_NS" || return 1
	NS_MADE+=("$GEN_NS")
	ip netns add "$RX_NS" || return 1
	NS_MADE+=("$RX_NS")
	ip link add "$GEN_IF" netns "$GEN_NS" type veth peer name "$RX_IF" netns "$RX_NS" || return 1
	# the sender says nothing of its own (no router solicitations, no MLD)
	in_gen sysctl -qw "net.ipv6.conf.all.disable_ipv6=1" || return 1
	in_rx sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		"net.ipv4.conf.$RX_IF.rp_filter=0" || return 1
	ip -n "$GEN_NS" link set "$GEN_IF" up &&
		ip -n "$RX_NS" link set lo up &&
		ip -n "$RX_NS" link set "$RX_IF" up || return 1
	ip -n "$RX_NS" addr add 192.0.2.1/24 dev "$RX_IF" &&
		ip -n "$RX_NS" addr add 2001:db8:1::1/64 dev "$RX_IF" nodad || return 1
	# the receiver configuration every peer shares: NAPI through GRO,
	# threaded, the thread on CPU 1 (see the header)
	in_rx ethtool -K "$RX_IF" gro on || return 1
	ip netns exec "$RX_NS" sh -c "echo 1 > /sys/class/net/$RX_IF/threaded" || return 1
	RX_MAC=$(ip -n "$RX_NS" -o link show dev "$RX_IF" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p')
	[ -n "$RX_MAC" ]
}

NCPU=$(nproc)
GEN_CPU=0 RX_CPU=$((NCPU > 1 ? 1 : 0))
GEN_PRIO=()
[ "${XF_LIVE_RT_GEN:-0}" = 1 ] && GEN_PRIO=(chrt -f 40)

napi_pid() {
	pgrep "^napi/$RX_IF-" | head -1
}

# Pin and prioritise the receiver's NAPI thread (again before each run: a
# NAPI instance re-created by a configuration change has a new thread).
prepare_receiver() {
	local pid
	pid=$(napi_pid)
	[ -n "$pid" ] || return 1
	taskset -pc "$RX_CPU" "$pid" >/dev/null && chrt -f -p 50 "$pid"
}

# runtime_ns rx_packets udp4_noports udp6_noports
snapshot() {
	local pid rt rx u4 u6
	pid=$(napi_pid)
	rt=$(cut -d' ' -f1 "/proc/$pid/schedstat" 2>/dev/null)
	rx=$(in_rx ethtool -S "$RX_IF" | awk '$1 == "rx_queue_0_xdp_packets:" { print $2 }')
	u4=$(in_rx awk '/^Udp:/ { if (++n == 2) print $3 }' /proc/net/snmp)
	u6=$(in_rx awk '$1 == "Udp6NoPorts" { print $2 }' /proc/net/snmp6)
	echo "${rt:-0} ${rx:-0} ${u4:-0} ${u6:-0}"
}

# measure BACKEND FAMILY SET N_RANGES KIND LOAD_SECONDS
measure() {
	local backend=$1 family=$2 set=$3 n=$4 kind=$5 load=$6 before after gen
	prepare_receiver || { echo "bench-live: no NAPI thread on $RX_IF" >&2; return 1; }
	before=$(snapshot)
	gen=$(in_gen taskset -c "$GEN_CPU" "${GEN_PRIO[@]}" "$TGEN" send --dev "$GEN_IF" --dst-mac "$RX_MAC" \
		--sources "$TMP/sets/$set/$kind.txt" --seconds "$SECONDS_PER") || {
		echo "bench-live: the generator failed ($backend $set $kind)" >&2
		return 1
	}
	sleep 0.05 # the ring drains in microseconds
	after=$(snapshot)
	python3 - "$backend" "$family" "$set" "$n" "$kind" "$load" "$before" "$after" "$gen" \
		"$NSRC" >>"$ROWS" <<'EOF'
import json, sys
backend, family, set_name, n, kind, load, before, after, gen, nsrc = sys.argv[1:]
b = [int(x) for x in before.split()]
a = [int(x) for x in after.split()]
g = json.loads(gen)
runtime, rx = a[0] - b[0], a[1] - b[1]
passed = (a[2] - b[2]) if family == "v4" else (a[3] - b[3])
secs = g["busy_seconds"] or 1e-9
filtering = backend not in ("none",)
expect = 0 if (kind == "hit" and filtering) or backend == "xdp-drop" else rx
print(json.dumps({
    "scenario": "live-veth", "backend": backend, "family": family,
    "n_ranges": int(n), "set": set_name, "traffic": "cold", "kind": kind,
    "ns_per_pkt": round(runtime / rx, 1) if rx else None,
    "pps": round(rx / secs), "cpu_pct": round(100.0 * runtime / 1e9 / secs, 1),
    "offered_pps": round(g["frames"] / secs), "rx_packets": rx, "passed": passed,
    "dropped": rx - passed, "ok": rx > 0 and passed == expect,
    "sources": int(nsrc), "seconds": round(secs, 3),
    "load_seconds": float(load) if load else None,
}))
EOF
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------- peers
XF_BACKENDS=("")
if "$XDPFENCE" --help 2>&1 | grep -q -- '--backend'; then
	XF_BACKENDS=(fast lpm)
fi

# xdpfence: a fresh private state per set, the set as a feed file
xf_load() { # BACKEND FAMILY SET N
	local b=$1 set=$3 n=$4 opts=()
	opts=(--max-ranges "$((n + n / 10 + 1024))")
	[ -n "$b" ] && opts+=(--backend "$b")
	XF=("$XDPFENCE" "${opts[@]}")
	"${XF[@]}" feed add bench --source "$TMP/sets/$set/prefixes.txt" --format list \
		--allow-special >/dev/null || return 1
	"${XF[@]}" feed sync bench >"$TMP/sync.out" 2>&1 || { cat "$TMP/sync.out" >&2; return 1; }
	in_rx "${XF[@]}" attach "$RX_IF" --mode native >/dev/null
}

xf_unload() {
	in_rx timeout 60 "$XDPFENCE" purge >/dev/null 2>&1
	rm -rf "$XDPFENCE_PIN_DIR" "$XDPFENCE_STATE_DIR"
}

nft_load() { # FAMILY SET
	local type=ipv4_addr match=ip
	[ "$1" = v6 ] && type=ipv6_addr match=ip6
	{
		echo "table netdev xfbench {"
		echo "  set blocked { type $type; flags interval; auto-merge; elements = {"
		sed 's/$/,/' "$TMP/sets/$2/prefixes.txt"
		echo "  } }"
		echo "  chain ingress { type filter hook ingress device \"$RX_IF\" priority -500; policy accept;"
		echo "    $match saddr @blocked drop; }"
		echo "}"
	} >"$TMP/set.nft"
	in_rx nft -f "$TMP/set.nft"
}

nft_unload() {
	in_rx nft delete table netdev xfbench
}

ipset_load() { # FAMILY SET N
	local fam=inet ipt=$IPT4
	[ "$1" = v6 ] && fam=inet6 ipt=$IPT6
	{
		echo "create xfbench hash:net family $fam hashsize 65536 maxelem $(($3 + 1024))"
		sed 's/^/add xfbench /' "$TMP/sets/$2/prefixes.txt"
	} >"$TMP/set.ipset"
	in_rx ipset restore -f "$TMP/set.ipset" &&
		in_rx "$ipt" -t raw -A PREROUTING -m set --match-set xfbench src -j DROP
}

ipset_unload() {
	in_rx "$IPT4" -t raw -F PREROUTING
	in_rx "$IPT6" -t raw -F PREROUTING
	in_rx ipset destroy xfbench
}

# run_peer NAME FAMILY SET N LOADFN UNLOADFN [ARGS for LOADFN...]
run_peer() {
	local name=$1 family=$2 set=$3 n=$4 load=$5 unload=$6 t kind rc=0
	shift 6
	t=$(now)
	if ! "$load" "$@"; then
		echo "bench-live: cannot load $name with $set" >&2
		"$unload" >/dev/null 2>&1
		return 1
	fi
	t=$(since "$t")
	for kind in hit miss; do
		measure "$name" "$family" "$set" "$n" "$kind" "$t" || rc=1
	done
	"$unload" || rc=1
	return $rc
}

# ---------------------------------------------------------------- run
start=$(now)
setup_topology || die "cannot set up the namespaces and the veth pair"
prepare_receiver || die "$RX_IF has no threaded NAPI thread (GRO on veth needs kernel >= 5.13)"

echo "xdpfence live-traffic peer benchmark: veth between two namespaces, receiver CPU $RX_CPU"
echo "building prefix sets ($SETS) from $XF_FEEDS_DIR, $NSRC sources per kind ..."
python3 "$here/prefixes.py" --feeds "$XF_FEEDS_DIR" --out "$TMP/sets" --sets "$SETS" \
	--sources "$NSRC" >"$TMP/sets.json" || die "cannot build the prefix sets"
: >"$ROWS"

status=0
mapfile -t set_lines < <(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["sets"]:
    print(s["name"], s["family"], s["n_ranges"])' "$TMP/sets.json")

# every set: the baselines first (measured again for each set, so that a
# ratio compares measurements taken minutes apart at most), then the peers
for line in "${set_lines[@]}"; do
	read -r set family n <<<"$line"
	echo "  $set: $n ranges ..."
	t=$(now)
	in_rx "$TGEN" xdp-drop "$RX_IF" || die "cannot attach XDP_DROP to $RX_IF"
	t=$(since "$t")
	measure xdp-drop "$family" "$set" "$n" hit "$t" || status=1
	measure xdp-drop "$family" "$set" "$n" miss "$t" || status=1
	ip -n "$RX_NS" link set dev "$RX_IF" xdp off || die "cannot detach XDP_DROP"
	measure none "$family" "$set" "$n" miss 0 || status=1
	for b in "${XF_BACKENDS[@]}"; do
		run_peer "xdpfence-${b:-lpm}" "$family" "$set" "$n" xf_load xf_unload \
			"$b" "$family" "$set" "$n" || status=1
	done
	run_peer nftables "$family" "$set" "$n" nft_load nft_unload "$family" "$set" || status=1
	run_peer ipset "$family" "$set" "$n" ipset_load ipset_unload "$family" "$set" "$n" ||
		status=1
done

python3 "$here/report.py" --rows "$ROWS" --sets "$TMP/sets.json" --out "$OUT" \
	--receiver "veth, GRO on (NAPI), threaded NAPI pinned to CPU $RX_CPU (SCHED_FIFO); generator on CPU $GEN_CPU" \
	--iptables "$IPT4" || status=1
echo "bench-live: $(since "$start") s in all; rows in $OUT"
exit $status
