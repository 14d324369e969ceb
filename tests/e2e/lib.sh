# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared helpers for the end-to-end tests: unique namespace names, teardown
# on every exit path, and test cases reported in cmocka's format so
# scripts/run-tests.sh counts them like the C tests.
#
# Usage in a test script:
#   . "$(dirname "$0")/lib.sh"
#   e2e_init            # unique names, traps, private pin dir
#   ... set up with e2e_netns_add / ip ...
#   check "name" command args...     # passes when the command succeeds
#   check_eq "name" expected actual  # passes when equal
#   e2e_done                          # exit status = failures
#
# Traffic tests (see the second half of this file):
#   e2e_require                       # skip the script where it cannot run
#   e2e_topology; e2e_add_source ADDR # client/server namespaces, one veth pair
#   e2e_server_start --tcp-port P --udp-port P   # traffic.py server
#   xf ARGS / xfq ARGS                # xdpfence in the server namespace
#   e2e_traffic NS udp-send|tcp-try|tcp-session ...   # traffic.py clients
#   e2e_stats, e2e_range_packets, e2e_nft_packets, e2e_json   # reading results

set -u

XDPFENCE=${XDPFENCE:-build/xdpfence}
case "$XDPFENCE" in /*) ;; *) XDPFENCE="$PWD/$XDPFENCE" ;; esac
E2E_FAILED=0
E2E_NETNS=()
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_PY=${E2E_PY:-$(command -v python3)}

e2e_cleanup() {
	local ns
	# e2e_netns_add usually runs in $(...): its names come back through a file
	[ -n "${E2E_TMP:-}" ] && [ -f "$E2E_TMP/netns" ] && mapfile -t -O "${#E2E_NETNS[@]}" E2E_NETNS <"$E2E_TMP/netns"
	# first whatever still runs in them (servers, clients, an xdpfence that
	# might hold the lock), so that purge cannot wait on it
	for ns in "${E2E_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	# detach and unpin before the namespaces go (extra pin directories of
	# e2e_pin_dir_add too)
	if [ -n "${XDPFENCE_PIN_DIR:-}" ] && [ -d "$XDPFENCE_PIN_DIR" ]; then
		timeout 30 "$XDPFENCE" purge >/dev/null 2>&1 || rm -rf "$XDPFENCE_PIN_DIR"
	fi
	if [ -n "${E2E_TMP:-}" ] && [ -f "$E2E_TMP/pin_dirs" ]; then
		while read -r dir; do
			[ -d "$dir" ] || continue
			timeout 30 "$XDPFENCE" --pin-dir "$dir" purge >/dev/null 2>&1 || rm -rf "$dir"
		done <"$E2E_TMP/pin_dirs"
	fi
	for ns in "${E2E_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${E2E_TMP:-}" ] && rm -rf "$E2E_TMP"
}

e2e_init() {
	E2E_ID="$$"
	E2E_TMP=$(mktemp -d /tmp/xdpfence-e2e.XXXXXX)
	export XDPFENCE_PIN_DIR="/sys/fs/bpf/xdpfence-e2e-$E2E_ID"
	# feed registry and saved settings: private to the test, removed with E2E_TMP
	export XDPFENCE_STATE_DIR="$E2E_TMP/state"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

# e2e_netns_add SHORTNAME -> prints the unique namespace name
e2e_netns_add() {
	local ns="xf$1$E2E_ID"
	ip netns add "$ns" || return 1
	E2E_NETNS+=("$ns")
	echo "$ns" >>"$E2E_TMP/netns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# e2e_pin_dir_add NAME -> a second private pin directory, purged on exit
e2e_pin_dir_add() {
	local dir="$XDPFENCE_PIN_DIR-$1"
	echo "$dir" >>"$E2E_TMP/pin_dirs"
	echo "$dir"
}

# Run a command in a namespace, keeping bpffs pins visible.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

check() {
	local name=$1
	shift
	if "$@"; then
		echo "[       OK ] $name"
	else
		echo "[  FAILED  ] $name (command failed: $*)"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

check_eq() {
	local name=$1 expected=$2 actual=$3
	if [ "$expected" = "$actual" ]; then
		echo "[       OK ] $name"
	else
		echo "[  FAILED  ] $name: expected '$expected', got '$actual'"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

skip() {
	echo "[  SKIPPED ] $1: $2"
}

e2e_done() {
	exit "$E2E_FAILED"
}

# ------------------------------------------------------------------------
# Extensions for the traffic tests. Addresses are documentation ranges
# only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), and
# every packet stays on the veth pair between the test's namespaces.

# The whole script is skipped (not failed) when it cannot run here.
e2e_skip_all() {
	skip "${0##*/}" "$1"
	exit 0
}

e2e_require() {
	local c
	[ "$(id -u)" -eq 0 ] || e2e_skip_all "needs root (namespaces, BPF)"
	[ -x "$XDPFENCE" ] || e2e_skip_all "$XDPFENCE is not built (make)"
	[ -n "$E2E_PY" ] || e2e_skip_all "python3 is not installed"
	for c in ip nft nsenter tc timeout; do
		command -v "$c" >/dev/null || e2e_skip_all "$c is not installed"
	done
	mountpoint -q /sys/fs/bpf || e2e_skip_all "no bpffs mounted at /sys/fs/bpf"
}

# check_fails NAME CMD...: passes when the command fails
check_fails() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "[  FAILED  ] $name (command succeeded, expected a failure: $*)"
		E2E_FAILED=$((E2E_FAILED + 1))
	else
		echo "[       OK ] $name"
	fi
}

# check_contains NAME NEEDLE HAYSTACK
check_contains() {
	local name=$1 needle=$2 haystack=$3
	if [[ "$haystack" == *"$needle"* ]]; then
		echo "[       OK ] $name"
	else
		echo "[  FAILED  ] $name: '$needle' not found in '$haystack'"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

# check_ge NAME MINIMUM ACTUAL (integers)
check_ge() {
	local name=$1 min=$2 actual=$3
	if [[ "$actual" =~ ^[0-9]+$ ]] && [ "$actual" -ge "$min" ]; then
		echo "[       OK ] $name"
	else
		echo "[  FAILED  ] $name: expected at least $min, got '$actual'"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

# e2e_json EXPR [ARG...] < json: evaluate a Python expression over the
# parsed document `d` (extra arguments in `a`); strings and numbers print
# bare, everything else as JSON (true, false, null, lists).
e2e_json() {
	"$E2E_PY" -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    print("<not json>")
    sys.exit(1)
a = sys.argv[2:]
try:
    r = eval(sys.argv[1])
except Exception as e:
    print("<%s: %s>" % (type(e).__name__, e))
    sys.exit(1)
print(r if isinstance(r, (str, int)) and not isinstance(r, bool) else json.dumps(r))
' "$@"
}

# e2e_until SECONDS CMD...: retry CMD every 0.1 s until it succeeds
e2e_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# e2e_veth NS_A IF_A NS_B IF_B: a veth pair created straight inside the
# two namespaces (names need only be unique there, but carry $$ anyway)
e2e_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

e2e_mac() {
	ip -n "$1" -o link show dev "$2" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'
}

# e2e_topology: client and server namespaces joined by one veth pair.
#   server  $E2E_SRV  on $E2E_SRV_IF: $E2E_SRV4 (192.0.2.1/24),  $E2E_SRV6 (2001:db8:1::1/64)
#   client  $E2E_CLI  on $E2E_CLI_IF: $E2E_CLI4 (192.0.2.10/24), $E2E_CLI6 (2001:db8:1::10/64)
# Neighbours are static (no ARP or neighbour discovery on the wire), so
# every packet a source sends is one the test sent on purpose.
e2e_topology() {
	E2E_CLI=$(e2e_netns_add cli) || return 1
	E2E_SRV=$(e2e_netns_add srv) || return 1
	E2E_CLI_IF="xfc$E2E_ID"
	E2E_SRV_IF="xfs$E2E_ID"
	E2E_SRV4=192.0.2.1 E2E_SRV6=2001:db8:1::1
	E2E_CLI4=192.0.2.10 E2E_CLI6=2001:db8:1::10
	e2e_veth "$E2E_CLI" "$E2E_CLI_IF" "$E2E_SRV" "$E2E_SRV_IF" || return 1
	E2E_CLI_MAC=$(e2e_mac "$E2E_CLI" "$E2E_CLI_IF")
	E2E_SRV_MAC=$(e2e_mac "$E2E_SRV" "$E2E_SRV_IF")
	ip -n "$E2E_SRV" addr add "$E2E_SRV4/24" dev "$E2E_SRV_IF"
	ip -n "$E2E_SRV" addr add "$E2E_SRV6/64" dev "$E2E_SRV_IF" nodad
	ip -n "$E2E_CLI" addr add "$E2E_CLI4/24" dev "$E2E_CLI_IF"
	ip -n "$E2E_CLI" addr add "$E2E_CLI6/64" dev "$E2E_CLI_IF" nodad
	ip -n "$E2E_CLI" neigh replace "$E2E_SRV4" lladdr "$E2E_SRV_MAC" dev "$E2E_CLI_IF" nud permanent
	ip -n "$E2E_CLI" neigh replace "$E2E_SRV6" lladdr "$E2E_SRV_MAC" dev "$E2E_CLI_IF" nud permanent
	ip -n "$E2E_SRV" neigh replace "$E2E_CLI4" lladdr "$E2E_CLI_MAC" dev "$E2E_SRV_IF" nud permanent
	ip -n "$E2E_SRV" neigh replace "$E2E_CLI6" lladdr "$E2E_CLI_MAC" dev "$E2E_SRV_IF" nud permanent
}

# e2e_add_source ADDR: one more client source address (a /32 or /128),
# routed back from the server
e2e_add_source() {
	local a=$1 len=32 nodad=()
	[[ "$a" == *:* ]] && len=128 nodad=(nodad)
	ip -n "$E2E_CLI" addr add "$a/$len" dev "$E2E_CLI_IF" "${nodad[@]}" || return 1
	ip -n "$E2E_SRV" route add "$a/$len" dev "$E2E_SRV_IF" || return 1
	ip -n "$E2E_SRV" neigh replace "$a" lladdr "$E2E_CLI_MAC" dev "$E2E_SRV_IF" nud permanent
}

# xdpfence in the server namespace (where the filter is attached); no
# invocation may hang the test (a stuck lock, say)
xf() {
	in_ns "$E2E_SRV" timeout 30 "$XDPFENCE" "$@"
}

# the same, output discarded (for `check`: the verdict is the exit status)
xfq() {
	xf "$@" >/dev/null
}

# traffic.py in a namespace, never longer than a minute
e2e_traffic() {
	local ns=$1
	shift
	in_ns "$ns" timeout 60 "$E2E_PY" "$E2E_DIR/traffic.py" "$@"
}

# e2e_server_start [--tcp-port P]... --udp-port P: the echo/sink server in
# the server namespace; its counts live under $E2E_TMP/server
e2e_server_start() {
	E2E_SERVER_STATE="$E2E_TMP/server"
	in_ns "$E2E_SRV" timeout 300 "$E2E_PY" "$E2E_DIR/traffic.py" server \
		--state "$E2E_SERVER_STATE" "$@" >"$E2E_TMP/server.log" 2>&1 &
	e2e_until 10 test -e "$E2E_SERVER_STATE/ready"
}

# e2e_udp_received PHASE SRC...: datagrams the server got per source
e2e_udp_received() {
	local phase=$1
	shift
	"$E2E_PY" "$E2E_DIR/traffic.py" udp-count --state "$E2E_SERVER_STATE" --phase "$phase" "$@"
}

# e2e_udp_wait PHASE EXPECTED SRC...: wait (bounded) until the server got
# EXPECTED datagrams from every SRC (space-separated list of counts);
# prints what it got. A source expected to get nothing is given 0.5 s.
_e2e_udp_is() {
	local expected=$1
	shift
	[ "$(e2e_udp_received "$@")" = "$expected" ]
}

e2e_udp_wait() {
	local phase=$1 expected=$2
	shift 2
	e2e_until 5 _e2e_udp_is "$expected" "$phase" "$@"
	[[ " $expected " == *" 0 "* ]] && sleep 0.5
	e2e_udp_received "$phase" "$@"
}

# e2e_nft_packets NS TABLE COUNTER [bytes]: packets (or bytes) of a named
# counter of an inet table
e2e_nft_packets() {
	in_ns "$1" nft -j list counter inet "$2" "$3" 2>/dev/null |
		e2e_json '[x["counter"][a[0]] for x in d["nftables"] if "counter" in x][0]' "${4:-packets}"
}

# e2e_nft_load NS TABLE: every named counter of an inet table in one read,
# into NFT[name] (packets) and NFT_BYTES[name]
declare -gA NFT=() NFT_BYTES=()
e2e_nft_load() {
	local name p b
	NFT=() NFT_BYTES=()
	while read -r name p b; do
		[ -n "$name" ] || continue
		NFT[$name]=$p NFT_BYTES[$name]=$b
	done < <(in_ns "$1" nft -j list counters table inet "$2" 2>/dev/null | e2e_json '
"\n".join("%s %d %d" % (c["name"], c["packets"], c["bytes"])
          for c in (x["counter"] for x in d["nftables"] if "counter" in x))')
}

# e2e_stats_load [STATS_JSON]: every range's counters in one read, into
# RC["RANGE OUTCOME"] (packets; OUTCOME "all" sums them) and RC_BYTES
declare -gA RC=() RC_BYTES=()
e2e_stats_load() {
	local range outcome p b json=${1:-$(e2e_stats)}
	RC=() RC_BYTES=()
	while read -r range outcome p b; do
		[ -n "$range" ] || continue
		RC["$range $outcome"]=$p RC_BYTES["$range $outcome"]=$b
	done < <(e2e_json '
"\n".join("%s %s %d %d" % (r["range"], o, c["packets"], c["bytes"])
          for r in d["ranges"]
          for o, c in list(r["counters"].items()) + [("all", {
              "packets": sum(x["packets"] for x in r["counters"].values()),
              "bytes": sum(x["bytes"] for x in r["counters"].values())})])' <<<"$json")
}

# e2e_stats: `xdpfence stats -j` with every range
e2e_stats() {
	xf -j stats --top 0
}

# e2e_range_packets STATS_JSON RANGE OUTCOME|all [bytes]: a range's packet
# (or byte) count
e2e_range_packets() {
	e2e_json '
[sum(c[a[2]] for k, c in r["counters"].items() if a[1] in ("all", k))
 for r in d["ranges"] if r["range"] == a[0]][0]' "$2" "$3" "${4:-packets}" <<<"$1"
}

# e2e_reason_packets STATS_JSON REASON VERDICT: global counter
e2e_reason_packets() {
	e2e_json '
sum(r["packets"] for r in d["global"]["by_reason"]
    if r["reason"] == a[0] and r["verdict"] == a[1])' "$2" "$3" <<<"$1"
}
