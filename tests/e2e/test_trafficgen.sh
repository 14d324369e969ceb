#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The live benchmark's traffic generator (tests/bench/live/trafficgen.c)
# really delivers: a known table of sources, one frame each, sent with
# BPF_PROG_RUN live frames + XDP_TX through a veth to a namespace where
# xdpfence sits in native mode with one blocked range. Every frame must
# reach the receiver (veth ring counter), xdpfence must count exactly the
# blocked ones as drops and the rest as passes, and the passed ones must
# reach UDP with valid checksums (no-port counter), for IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"
e2e_require
TGEN=${XF_TGEN:-$(dirname "$XDPFENCE")/tests/bench/live/xdpfence-trafficgen}
[ -x "$TGEN" ] || e2e_skip_all "$TGEN is not built (make test-bin)"
command -v ethtool >/dev/null || e2e_skip_all "ethtool is not installed"
e2e_init

BLOCK4=198.51.100.0/24 BLOCK6=2001:db8:bad::/48
NB=300 NC=200 # blocked and clean sources (one frame each) per family

# --------------------------------------------------------------- set up
GEN=$(e2e_netns_add gen) && E2E_SRV=$(e2e_netns_add rx) || {
	check "namespaces" false
	e2e_done
}
GEN_IF="xtg$E2E_ID" RX_IF="xtr$E2E_ID"
check "veth pair between the namespaces" e2e_veth "$GEN" "$GEN_IF" "$E2E_SRV" "$RX_IF"
in_ns "$GEN" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
in_ns "$E2E_SRV" sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$RX_IF.rp_filter=0"
ip -n "$E2E_SRV" addr add 192.0.2.1/24 dev "$RX_IF"
ip -n "$E2E_SRV" addr add 2001:db8:1::1/64 dev "$RX_IF" nodad
RX_MAC=$(e2e_mac "$E2E_SRV" "$RX_IF")

# the XDP program gives the receiving veth the NAPI instance that frames
# sent with XDP_TX need
check "attach --mode native on the receiving veth" xfq attach "$RX_IF" --mode native
check "block $BLOCK4 $BLOCK6" xfq block "$BLOCK4" "$BLOCK6"

# sources: blocked and clean interleaved, all distinct
"$E2E_PY" - "$E2E_TMP" "$NB" "$NC" <<'EOF'
import sys
tmp, nb, nc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
blocked4 = ["198.51.100.%d" % (i % 254 + 1) for i in range(nb)]
clean4 = ["203.0.113.%d" % (i % 254 + 1) for i in range(nc)]
blocked6 = ["2001:db8:bad::%x" % (i + 1) for i in range(nb)]
clean6 = ["2001:db8:c1e::%x" % (i + 1) for i in range(nc)]

def interleave(a, b):
    out = []
    while a or b:
        for src in (a, b, a):
            if src:
                out.append(src.pop(0))
    return out

for fam, a, b in (("4", blocked4, clean4), ("6", blocked6, clean6)):
    with open("%s/src%s.txt" % (tmp, fam), "w") as f:
        f.write("\n".join(interleave(a, b)) + "\n")
EOF

rx_frames() {
	in_ns "$E2E_SRV" ethtool -S "$RX_IF" | awk '$1 == "rx_queue_0_xdp_packets:" { print $2 }'
}

# counter of /proc/net/snmp (Udp) or /proc/net/snmp6 in the receiver
udp_counter() {
	if [ "$1" = 4 ]; then
		in_ns "$E2E_SRV" awk -v f="$2" '/^Udp:/ { if (++n == 1) for (i = 2; i <= NF; i++) col[$i] = i; else print $col[f] }' /proc/net/snmp
	else
		in_ns "$E2E_SRV" awk -v f="Udp6$2" '$1 == f { print $2 }' /proc/net/snmp6
	fi
}

verdicts() { # -> "drop pass" packets, global
	xf -j stats --top 0 | e2e_json '"%d %d" % (d["global"]["by_verdict"]["drop"]["packets"], d["global"]["by_verdict"]["pass"]["packets"])'
}

# --------------------------------------------------------------- send
for fam in 4 6; do
	block=BLOCK$fam
	total=$((NB + NC))
	before_rx=$(rx_frames)
	before_noport=$(udp_counter "$fam" NoPorts)
	before_csum=$(udp_counter "$fam" InCsumErrors)
	read -r before_drop before_pass <<<"$(verdicts)"
	# test runs of 32 frames, paced: the ring of a veth holds 256
	out=$(in_ns "$GEN" timeout 60 "$TGEN" send --dev "$GEN_IF" --dst-mac "$RX_MAC" \
		--sources "$E2E_TMP/src$fam.txt" --count "$total" --batch 32 --pace-us 2000)
	check_eq "IPv$fam: the generator ran $total frames from $total sources" "$total $total" \
		"$(e2e_json '"%d %d" % (d["frames"], d["sources"])' <<<"$out")"
	e2e_until 5 test "$(rx_frames)" -ge $((before_rx + total))
	check_eq "IPv$fam: the receiving veth got all $total frames" "$total" \
		"$(($(rx_frames) - before_rx))"
	read -r drop pass <<<"$(verdicts)"
	check_eq "IPv$fam: xdpfence dropped $NB and passed $NC" "$NB $NC" \
		"$((drop - before_drop)) $((pass - before_pass))"
	check_eq "IPv$fam: range ${!block} counted the $NB drops" "$NB" \
		"$(e2e_range_packets "$(e2e_stats)" "${!block}" dropped)"
	check_eq "IPv$fam: the $NC passed frames reached UDP (no port), checksums valid" "$NC 0" \
		"$(($(udp_counter "$fam" NoPorts) - before_noport)) $(($(udp_counter "$fam" InCsumErrors) - before_csum))"
done

# --------------------------------------------------------------- the rule
check_fails "a destination outside documentation space is refused" \
	in_ns "$GEN" timeout 10 "$TGEN" send --dev "$GEN_IF" --dst-mac "$RX_MAC" \
	--sources "$E2E_TMP/src4.txt" --count 1 --dst 192.0.3.1
e2e_done
