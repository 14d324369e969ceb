#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What the filter looks at, with real traffic: protected services (a
# blocked source is dropped on the protected port and passes, counted
# out-of-scope, on another one), new-only mode (an established connection
# from a source blocked mid-session keeps working, a new one does not; with
# new-only off it stalls), and the DSCP the tc companion writes into tagged
# packets (IPv4 with its header checksum, IPv6; ECN bits kept).
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

K=10
UDP_PORT=5353
TAG=5
MARK=$(printf '0x%08x' $((TAG << 16)))
DSCP=10
BLOCKED=198.51.100.10   # in the blocked 198.51.100.0/24
BLOCKED6=2001:db8:bad::10 # in the blocked 2001:db8:bad::/48
LATE=203.0.113.77       # blocked while its connection is open
TAGGED4=203.0.113.30    # in the tagged 203.0.113.0/25
TAGGED6=2001:db8:7a9::30 # in the tagged 2001:db8:7a9::/48

if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
for a in "$BLOCKED" "$BLOCKED6" "$LATE" "$TAGGED4" "$TAGGED6"; do e2e_add_source "$a"; done

# client output: what the blocked source sent to each port
check "nftables counters in the client namespace" in_ns "$E2E_CLI" nft -f - <<NFT
table inet xfcli {
	counter to8080_4 {}
	counter to8081_4 {}
	counter to8080_6 {}
	counter to8081_6 {}
	counter housekeeping {}
	chain out {
		type filter hook output priority filter; policy accept;
		meta l4proto { icmp, igmp, ipv6-icmp } counter name housekeeping
		ip saddr $BLOCKED tcp dport 8080 counter name to8080_4
		ip saddr $BLOCKED tcp dport 8081 counter name to8081_4
		ip6 saddr $BLOCKED6 tcp dport 8080 counter name to8080_6
		ip6 saddr $BLOCKED6 tcp dport 8081 counter name to8081_6
	}
}
NFT
# server prerouting (after tc ingress): DSCP and ECN as they arrive
check "nftables counters in the server namespace" in_ns "$E2E_SRV" nft -f - <<NFT
table inet xfsrv {
	counter all4 {}
	counter dscp4 {}
	counter ect4 {}
	counter mark4 {}
	counter all6 {}
	counter dscp6 {}
	counter ect6 {}
	counter mark6 {}
	counter clean_dscp {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr $TAGGED4 counter name all4
		ip saddr $TAGGED4 ip dscp $DSCP counter name dscp4
		ip saddr $TAGGED4 ip dscp $DSCP ip ecn ect0 counter name ect4
		ip saddr $TAGGED4 meta mark & 0x00ff0000 == $MARK counter name mark4
		ip6 saddr $TAGGED6 counter name all6
		ip6 saddr $TAGGED6 ip6 dscp $DSCP counter name dscp6
		ip6 saddr $TAGGED6 ip6 dscp $DSCP ip6 ecn ect0 counter name ect6
		ip6 saddr $TAGGED6 meta mark & 0x00ff0000 == $MARK counter name mark6
		ip saddr $E2E_CLI4 ip dscp $DSCP counter name clean_dscp
		ip6 saddr $E2E_CLI6 ip6 dscp $DSCP counter name clean_dscp
	}
}
NFT
check "server listens (TCP 8080, 8081; UDP $UDP_PORT)" \
	e2e_server_start --tcp-port 8080 --tcp-port 8081 --udp-port "$UDP_PORT"
check "attach --mode native" xfq attach "$E2E_SRV_IF" --mode native
check "block 198.51.100.0/24 2001:db8:bad::/48" xfq block 198.51.100.0/24 2001:db8:bad::/48

tcp_ok() { # PORT TRIES SRC... -> connections that worked, per source
	local port=$1 tries=$2
	shift 2
	e2e_traffic "$E2E_CLI" tcp-try --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$port" \
		--tries "$tries" --timeout 1.2 "$@"
}

# ---------------------------------------------------------------- scope
check_eq "protect 192.0.2.1:8080/tcp [2001:db8:1::1]:8080/tcp" \
	'["192.0.2.1/32:8080/tcp", "[2001:db8:1::1/128]:8080/tcp"]' \
	"$(xf -j protect 192.0.2.1:8080/tcp '[2001:db8:1::1]:8080/tcp' | e2e_json 'd["services"]')"
check_eq "status: scope is the protected services" "protected services 2" \
	"$(xf -j status | e2e_json '"%s %s" % (d["config"]["scope"], d["config"]["services"])')"
hk0=$(e2e_nft_packets "$E2E_CLI" xfcli housekeeping)
s0=$(e2e_stats)
check_eq "protected port 8080: blocked sources cannot connect" "0 0" \
	"$(tcp_ok 8080 1 "$BLOCKED" "$BLOCKED6")"
check_eq "other port 8081: blocked sources connect" "2 2" "$(tcp_ok 8081 2 "$BLOCKED" "$BLOCKED6")"
check_eq "clean sources connect to 8080" "1 1" "$(tcp_ok 8080 1 "$E2E_CLI4" "$E2E_CLI6")"
s1=$(e2e_stats)
hk1=$(e2e_nft_packets "$E2E_CLI" xfcli housekeeping)
for f in 4 6; do
	r=198.51.100.0/24
	[ $f = 6 ] && r=2001:db8:bad::/48
	sent8080=$(e2e_nft_packets "$E2E_CLI" xfcli "to8080_$f")
	sent8081=$(e2e_nft_packets "$E2E_CLI" xfcli "to8081_$f")
	check_eq "IPv$f: range dropped exactly the packets sent to 8080 (nft)" "$sent8080" \
		$(($(e2e_range_packets "$s1" $r dropped) - $(e2e_range_packets "$s0" $r dropped)))
	check_eq "IPv$f: range counted nothing of the 8081 connections" "$sent8080" \
		$(($(e2e_range_packets "$s1" $r all) - $(e2e_range_packets "$s0" $r all)))
	check_ge "IPv$f: the client did send to 8081" 5 "$sent8081"
	total8081=$((${total8081:-0} + sent8081))
done
# out of scope in this window: the 8081 packets, plus any ICMPv6
# housekeeping (MLD) the client sent meanwhile, and nothing else
oos=$(($(e2e_reason_packets "$s1" out-of-scope pass) - $(e2e_reason_packets "$s0" out-of-scope pass)))
check "8081 packets counted out-of-scope/pass: $oos for $total8081 sent (+$((hk1 - hk0)) ICMP)" \
	test "$oos" -ge "$total8081" -a "$oos" -le $((total8081 + hk1 - hk0))

# UDP has no protected service: a blocked source's fragmented datagram is
# out of scope as a whole, its non-first fragments (no port) included
big() { # PHASE: 3 datagrams of 3000 bytes (3 fragments each) per source
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
		--count 3 --size 3000 --phase "$1" "$BLOCKED" "$BLOCKED6" "$E2E_CLI4" "$E2E_CLI6"
	e2e_udp_wait "$1" "$2" "$BLOCKED" "$BLOCKED6" "$E2E_CLI4" "$E2E_CLI6"
}
check_eq "fragmented UDP to an unprotected port passes whole (blocked4 blocked6 clean4 clean6)" \
	"3 3 3 3" "$(big frag "3 3 3 3")"

# a service without an address: the port on every destination, both families
check "protect :8081/tcp (any destination) as well" xfq protect :8081/tcp
check_eq "protect :8081/tcp: the blocked sources now fail on 8081 too" "0 0" \
	"$(tcp_ok 8081 1 "$BLOCKED" "$BLOCKED6")"
check "unprotect the 8080 services" xfq unprotect 192.0.2.1:8080/tcp '[2001:db8:1::1]:8080/tcp'
check_eq "only :8081/tcp left: the blocked sources connect to 8080" "1 1" \
	"$(tcp_ok 8080 1 "$BLOCKED" "$BLOCKED6")"

check "unprotect --all" xfq unprotect --all
check_eq "status: scope is all traffic again" "all traffic 0" \
	"$(xf -j status | e2e_json '"%s %s" % (d["config"]["scope"], d["config"]["services"])')"
check_eq "unprotected: blocked sources cannot connect to 8081 either" "0 0" \
	"$(tcp_ok 8081 1 "$BLOCKED" "$BLOCKED6")"
check_eq "unprotected: every fragment of the blocked sources is dropped" "0 0 3 3" \
	"$(big fragall "0 0 3 3")"

# ---------------------------------------------------------------- new-only
# session KIND: a connection from $LATE, blocked after its first exchange;
# prints what the second exchange did
session() {
	local out="$E2E_TMP/session.$1" go="$E2E_TMP/go.$1" pid
	e2e_traffic "$E2E_CLI" tcp-session --dst "$E2E_SRV4" --port 8080 --src "$LATE" \
		--go "$go" --timeout 1.5 >"$out" 2>&1 &
	pid=$!
	if ! e2e_until 10 grep -q connect "$out" || ! grep -q connected "$out"; then
		echo "no connection: $(cat "$out")"
		touch "$go"
		wait "$pid"
		return
	fi
	xfq block "$LATE/32"
	touch "$go"
	wait "$pid"
	tail -n 1 "$out"
}

check "config set new-only on" xfq config set new-only on
s0=$(e2e_stats)
check_eq "new-only on: established connection survives the block" second-ok "$(session on)"
check_eq "new-only on: a new connection from it fails" 0 "$(tcp_ok 8080 1 "$LATE")"
s1=$(e2e_stats)
check_ge "new-only on: its non-SYN packets passed as established" 2 \
	$(($(e2e_reason_packets "$s1" established pass) - $(e2e_reason_packets "$s0" established pass)))
check_ge "new-only on: its new SYN was dropped by $LATE/32" 1 \
	"$(e2e_range_packets "$s1" "$LATE/32" dropped)"

check "config set new-only off" xfq config set new-only off
check "unblock $LATE/32" xfq unblock "$LATE/32"
check_eq "new-only off: established connection stalls after the block" second-failed \
	"$(session off)"
check_ge "new-only off: its packets were dropped" 1 \
	"$(e2e_range_packets "$(e2e_stats)" "$LATE/32" dropped)"

# ---------------------------------------------------------------- DSCP
check "block tag ranges (--tag $TAG)" \
	xfq block 203.0.113.0/25 2001:db8:7a9::/48 --action tag --tag "$TAG"
check_eq "config set dscp $DSCP" "$DSCP" \
	"$(xf -j config set dscp "$DSCP" | e2e_json 'd["dscp"]')"
send() { # PHASE: K datagrams, ECN ECT(0), from both tagged and both clean sources
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
		--count "$K" --phase "$1" --tos 0x02 "$TAGGED4" "$TAGGED6" "$E2E_CLI4" "$E2E_CLI6"
	e2e_udp_wait "$1" "$K $K $K $K" "$TAGGED4" "$TAGGED6" "$E2E_CLI4" "$E2E_CLI6"
}
check_eq "dscp on: every datagram arrives (IPv4 checksum still valid)" "$K $K $K $K" \
	"$(send dscp)"
for f in 4 6; do
	check_eq "dscp on: IPv$f tagged packets arrive with DSCP $DSCP" "$K" \
		"$(e2e_nft_packets "$E2E_SRV" xfsrv "dscp$f")"
	check_eq "dscp on: IPv$f tagged packets keep ECN ECT(0)" "$K" \
		"$(e2e_nft_packets "$E2E_SRV" xfsrv "ect$f")"
	check_eq "dscp on: IPv$f tagged packets carry mark $MARK" "$K" \
		"$(e2e_nft_packets "$E2E_SRV" xfsrv "mark$f")"
done
check_eq "dscp on: clean packets keep their DSCP" 0 "$(e2e_nft_packets "$E2E_SRV" xfsrv clean_dscp)"
check_eq "dscp on: tagged sources move 1 MB over TCP and get it back intact" "1 1" \
	"$(e2e_traffic "$E2E_CLI" tcp-try --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port 8080 \
		--timeout 5 --bytes 1000000 "$TAGGED4" "$TAGGED6")"
for f in 4 6; do
	check_eq "dscp on: IPv$f every tagged packet (UDP and TCP) has DSCP $DSCP" \
		"$(e2e_nft_packets "$E2E_SRV" xfsrv "all$f")" "$(e2e_nft_packets "$E2E_SRV" xfsrv "dscp$f")"
done
# IPv4 options make the header longer: the tc companion's parse and the
# checksum fix-up must follow the header length
ect_before=$(e2e_nft_packets "$E2E_SRV" xfsrv ect4)
e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --port "$UDP_PORT" --count "$K" --tos 0x02 \
	--ip-options 01010100 --phase options "$TAGGED4" "$BLOCKED" "$E2E_CLI4"
check_eq "IPv4 options: tagged and clean arrive, blocked dropped" "$K 0 $K" \
	"$(e2e_udp_wait options "$K 0 $K" "$TAGGED4" "$BLOCKED" "$E2E_CLI4")"
check_eq "IPv4 options: tagged packets rewritten to DSCP $DSCP, ECN kept" \
	$((ect_before + K)) "$(e2e_nft_packets "$E2E_SRV" xfsrv ect4)"
check_eq "IPv4 options: still every tagged packet has DSCP $DSCP" \
	"$(e2e_nft_packets "$E2E_SRV" xfsrv all4)" "$(e2e_nft_packets "$E2E_SRV" xfsrv dscp4)"
dscp_before4=$(e2e_nft_packets "$E2E_SRV" xfsrv dscp4)
dscp_before6=$(e2e_nft_packets "$E2E_SRV" xfsrv dscp6)
check_eq "config set dscp off" off "$(xf -j config set dscp off | e2e_json 'd["dscp"]')"
check_eq "dscp off: every datagram arrives" "$K $K $K $K" "$(send nodscp)"
check_eq "dscp off: no more DSCP $DSCP rewrites" "$dscp_before4 $dscp_before6" \
	"$(e2e_nft_packets "$E2E_SRV" xfsrv dscp4) $(e2e_nft_packets "$E2E_SRV" xfsrv dscp6)"

e2e_done
