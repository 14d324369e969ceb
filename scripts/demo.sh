#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xdpfence demo: a signup front end behind a load balancer, in network
# namespaces on this machine.
#
#   clients ──veth──> lb (xdpfence on its NIC, nftables steering) ──veth──> signup server
#
# Clients come from a CAPTCHA-solver farm (dropped at the NIC), a residential
# proxy pool (tagged; the load balancer steers them to a hard challenge by
# the mark the tag becomes), a datacenter range (monitored only), an
# allowlisted uptime checker, and clean users. Only documentation addresses
# are used, and everything is torn down on exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
XDPFENCE="$build/xdpfence"
demo_dir="$top/scripts/demo"
id=$$
export XDPFENCE_PIN_DIR="/sys/fs/bpf/xdpfence-demo-$id"
export XDPFENCE_STATE_DIR=$(mktemp -d /tmp/xdpfence-demo.XXXXXX)
ns_cl="xfdemo-cl-$id" ns_lb="xfdemo-lb-$id" ns_srv="xfdemo-srv-$id"
if_cl="xdc$id" if_lbi="xdi$id" if_lbo="xdo$id" if_srv="xds$id"

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it creates namespaces and loads BPF)" >&2; exit 1; }
[ -x "$XDPFENCE" ] || { echo "demo: $XDPFENCE not built (make)" >&2; exit 1; }

cleanup() {
	set +e
	"$XDPFENCE" purge >/dev/null 2>&1
	for ns in "$ns_cl" "$ns_lb" "$ns_srv"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$XDPFENCE_PIN_DIR" "$XDPFENCE_STATE_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
xf() { in_ns "$ns_lb" "$XDPFENCE" "$@"; }

say "building the network: clients -> load balancer -> signup server"
for ns in "$ns_cl" "$ns_lb" "$ns_srv"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip link add "$if_cl" netns "$ns_cl" type veth peer name "$if_lbi" netns "$ns_lb"
ip link add "$if_lbo" netns "$ns_lb" type veth peer name "$if_srv" netns "$ns_srv"

# no duplicate address detection on these links: a tentative link-local
# address would stall the first IPv6 neighbour lookups for a second or two
for pair in "$ns_cl:$if_cl" "$ns_lb:$if_lbi" "$ns_lb:$if_lbo" "$ns_srv:$if_srv"; do
	in_ns "${pair%%:*}" sysctl -qw "net.ipv6.conf.${pair#*:}.accept_dad=0"
done

# clients: one clean address per family, the rest as /32 and /128 extras
ip -n "$ns_cl" addr add 192.0.2.10/25 dev "$if_cl"
ip -n "$ns_cl" addr add 2001:db8:1::10/64 dev "$if_cl" nodad
for a in 198.51.100.7/32 203.0.113.50/32 198.51.100.150/32 198.51.100.200/32; do
	ip -n "$ns_cl" addr add "$a" dev "$if_cl"
done
for a in 2001:db8:bad::7/128 2001:db8:f0::50/128; do
	ip -n "$ns_cl" addr add "$a" dev "$if_cl" nodad
done
ip -n "$ns_cl" link set "$if_cl" up
ip -n "$ns_cl" route add default via 192.0.2.1
ip -n "$ns_cl" -6 route add default via 2001:db8:1::1

# load balancer: virtual IPs 192.0.2.1 and 2001:db8:1::1, port 80
ip -n "$ns_lb" addr add 192.0.2.1/25 dev "$if_lbi"
ip -n "$ns_lb" addr add 2001:db8:1::1/64 dev "$if_lbi" nodad
ip -n "$ns_lb" addr add 192.0.2.129/25 dev "$if_lbo"
ip -n "$ns_lb" addr add 2001:db8:2::1/64 dev "$if_lbo" nodad
ip -n "$ns_lb" link set "$if_lbi" up
ip -n "$ns_lb" link set "$if_lbo" up
for r in 198.51.100.0/24 203.0.113.0/24; do ip -n "$ns_lb" route add "$r" dev "$if_lbi"; done
for r in 2001:db8:bad::/48 2001:db8:f0::/48; do ip -n "$ns_lb" -6 route add "$r" dev "$if_lbi"; done
in_ns "$ns_lb" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# the steering: tagged clients (mark 0x00010000 under xdpfence's default
# mask 0x00ff0000) get the hard challenge on port 8081
in_ns "$ns_lb" nft -f - <<NFT
table inet lb {
	counter steered { }
	chain prerouting {
		type nat hook prerouting priority dstnat;
		ip daddr 192.0.2.1 tcp dport 80 meta mark & 0x00ff0000 == 0x00010000 counter name steered dnat ip to 192.0.2.130:8081
		ip daddr 192.0.2.1 tcp dport 80 dnat ip to 192.0.2.130:8080
		ip6 daddr 2001:db8:1::1 tcp dport 80 meta mark & 0x00ff0000 == 0x00010000 counter name steered dnat ip6 to [2001:db8:2::130]:8081
		ip6 daddr 2001:db8:1::1 tcp dport 80 dnat ip6 to [2001:db8:2::130]:8080
	}
}
NFT

# signup server
ip -n "$ns_srv" addr add 192.0.2.130/25 dev "$if_srv"
ip -n "$ns_srv" addr add 2001:db8:2::130/64 dev "$if_srv" nodad
ip -n "$ns_srv" link set "$if_srv" up
ip -n "$ns_srv" route add default via 192.0.2.129
ip -n "$ns_srv" -6 route add default via 2001:db8:2::1
ready=$(mktemp)
in_ns "$ns_srv" python3 "$demo_dir/signup_server.py" >"$ready" 2>/dev/null &
for _ in $(seq 50); do grep -q ready "$ready" && break; sleep 0.1; done
rm -f "$ready"

say "attaching xdpfence to the load balancer's NIC ($if_lbi, native XDP)"
xf attach "$if_lbi" --mode native

say "loading the embedded threat list (scripts/demo/blocklist.txt)"
grep -v '^#' "$demo_dir/blocklist.txt" | while read -r action range label; do
	[ -n "$action" ] || continue
	case "$action" in
	allow) xf allow "$range" >/dev/null ;;
	tag) xf block "$range" --action tag --tag 1 >/dev/null ;;
	*) xf block "$range" --action "$action" >/dev/null ;;
	esac
	printf '  %-6s %-20s %s\n' "$action" "$range" "$label"
done

say "clients sign up through the load balancer"
in_ns "$ns_cl" python3 "$demo_dir/clients.py" \
	"clean user,192.0.2.10,192.0.2.1" \
	"clean user (IPv6),2001:db8:1::10,2001:db8:1::1" \
	"captcha-solver farm,198.51.100.7,192.0.2.1" \
	"captcha-solver farm (IPv6),2001:db8:bad::7,2001:db8:1::1" \
	"residential proxy,203.0.113.50,192.0.2.1" \
	"residential proxy (IPv6),2001:db8:f0::50,2001:db8:1::1" \
	"datacenter (monitored),198.51.100.150,192.0.2.1" \
	"allowlisted uptime checker,198.51.100.200,192.0.2.1"

say "what xdpfence did, per range (xdpfence stats)"
xf stats --top 10

say "connections the load balancer steered by the tag's mark"
in_ns "$ns_lb" nft list counter inet lb steered | grep -o 'packets [0-9]* bytes [0-9]*'

say "why was 203.0.113.50 treated that way? (xdpfence lookup)"
xf lookup 203.0.113.50

say "tearing down"
