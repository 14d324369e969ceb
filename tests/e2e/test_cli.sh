#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The operator's view of xdpfence: attach/detach/purge and what the kernel
# then shows (ip link, tc), the pinned link outliving the CLI, bad input
# that names the bad value and changes nothing (text and -j), command
# prefixes, lookup's explanation, and parallel invocations under the lock.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

K=10
UDP_PORT=5353
BLOCKED=198.51.100.10

if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
e2e_add_source "$BLOCKED"
check "server listens" e2e_server_start --tcp-port 8080 --udp-port "$UDP_PORT"

# run xdpfence, keeping stdout, stderr and the exit status apart
run() { # OUTFILE ERRFILE ARGS... -> exit status
	local out=$1 err=$2
	shift 2
	xf "$@" >"$out" 2>"$err"
}
O="$E2E_TMP/out" E="$E2E_TMP/err"

xdp_on() { # NS IFACE: does ip link show an XDP program?
	ip -n "$1" link show dev "$2" | grep -q 'prog/xdp'
}
tc_on() { # NS IFACE: is our tc companion on clsact ingress?
	tc -n "$1" filter show dev "$2" ingress 2>/dev/null | grep -q xdpfence
}
interfaces() { # attached interfaces as "name:mode ..."
	xf -j status 2>/dev/null |
		e2e_json '" ".join("%s:%s" % (i["interface"], i["mode"]) for i in d["interfaces"])'
}
send_blocked_and_clean() { # PHASE -> "received-from-blocked received-from-clean"
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --port "$UDP_PORT" --count "$K" \
		--phase "$1" "$BLOCKED" "$E2E_CLI4"
	e2e_udp_wait "$1" "$2" "$BLOCKED" "$E2E_CLI4"
}

# ---------------------------------------------------------------- attach
bad=nosuch$E2E_ID
run "$O" "$E" attach "$bad"
check_eq "attach $bad: exit status 1" 1 $?
check_contains "attach $bad: the message names it" "'$bad'" "$(cat "$E")"
check "attach $bad: nothing created (no pin directory)" test ! -e "$XDPFENCE_PIN_DIR"
xf -j attach "$bad" >"$O" 2>/dev/null
check_contains "attach $bad -j: JSON error on stdout" "$bad" \
	"$(e2e_json 'd["error"]' <"$O")"

if run "$O" "$E" attach lo --mode native; then
	skip "attach lo --mode native" "this kernel's loopback accepted native XDP: no failure to test"
	xfq detach lo
else
	msg=$(cat "$E")
	check_contains "attach lo --mode native: the message names lo" "lo (native mode)" "$msg"
	check_contains "attach lo --mode native: says why and what to do" "--mode generic" "$msg"
	check "attach lo --mode native: no XDP program on lo" eval '! xdp_on "$E2E_SRV" lo'
	check "attach lo --mode native: no tc companion on lo" eval '! tc_on "$E2E_SRV" lo'
	check_eq "attach lo --mode native: nothing recorded" "" "$(interfaces)"
fi

check "attach --mode generic" xfq attach "$E2E_SRV_IF" --mode generic
check_eq "status -j: mode generic" "$E2E_SRV_IF:generic" "$(interfaces)"
check_contains "ip link: generic XDP on $E2E_SRV_IF" xdpgeneric \
	"$(ip -n "$E2E_SRV" link show dev "$E2E_SRV_IF")"
check "tc: companion on $E2E_SRV_IF ingress" tc_on "$E2E_SRV" "$E2E_SRV_IF"
link_id=$(xf -j status | e2e_json 'd["interfaces"][0]["link_id"]')

run "$O" "$E" attach "$E2E_SRV_IF" --mode generic
check_eq "attach twice: exit status 1" 1 $?
check_contains "attach twice: already attached" "$E2E_SRV_IF: already attached" "$(cat "$E")"
check_eq "attach twice: the first attachment stays" "$E2E_SRV_IF:generic $link_id" \
	"$(xf -j status | e2e_json '"%s:%s %s" % (d["interfaces"][0]["interface"], d["interfaces"][0]["mode"], d["interfaces"][0]["link_id"])')"

# a second xdpfence state (another pin directory) cannot take the NIC over
other=$(e2e_pin_dir_add other)
run "$O" "$E" --pin-dir "$other" attach "$E2E_SRV_IF" --mode generic
check_eq "attach from another state: exit status 1" 1 $?
check_contains "attach from another state: another XDP program is there" \
	"$E2E_SRV_IF (generic mode): another XDP program is already attached" "$(cat "$E")"
check "purge the other state" xfq --pin-dir "$other" purge
check_eq "the first attachment and its tc companion stay" "$E2E_SRV_IF:generic $link_id yes" \
	"$(xf -j status | e2e_json '"%s:%s %s" % (d["interfaces"][0]["interface"], d["interfaces"][0]["mode"], d["interfaces"][0]["link_id"])') $(tc_on "$E2E_SRV" "$E2E_SRV_IF" && echo yes)"

# the CLI that attached has exited: the pinned link keeps filtering
check "block $BLOCKED's /24 after attach" xfq block 198.51.100.0/24
check_eq "pinned link: fresh sender's datagrams dropped, clean ones arrive" "0 $K" \
	"$(send_blocked_and_clean pinned "0 $K")"
check_eq "pinned link: range counted the drops" "$K" \
	"$(e2e_range_packets "$(e2e_stats)" 198.51.100.0/24 dropped)"

# ---------------------------------------------------------------- detach
check "detach $E2E_SRV_IF" xfq detach "$E2E_SRV_IF"
check "detach: ip link shows no XDP program" eval '! xdp_on "$E2E_SRV" "$E2E_SRV_IF"'
check "detach: no xdpfence tc filter on ingress" eval '! tc_on "$E2E_SRV" "$E2E_SRV_IF"'
check_eq "detach: status lists no interface" "" "$(interfaces)"
check_eq "detach: blocked source's datagrams arrive again" "$K $K" \
	"$(send_blocked_and_clean detached "$K $K")"
run "$O" "$E" detach "$E2E_SRV_IF"
check_eq "detach again: exit status 1" 1 $?
check_contains "detach again: says it is not attached" "not attached" "$(cat "$E")"

# detach --all: two interfaces (a second veth pair inside the server)
X1="xfx$E2E_ID" X2="xfy$E2E_ID"
check "second veth pair" e2e_veth "$E2E_SRV" "$X1" "$E2E_SRV" "$X2"
check "attach two interfaces" xfq attach "$E2E_SRV_IF" "$X1" --mode generic
check_eq "status: both attached" "$E2E_SRV_IF:generic $X1:generic" "$(interfaces)"
check "detach --all" xfq detach --all
for i in "$E2E_SRV_IF" "$X1"; do
	check "detach --all: no XDP program on $i" eval '! xdp_on "$E2E_SRV" "$i"'
	check "detach --all: no tc companion on $i" eval '! tc_on "$E2E_SRV" "$i"'
done
check_eq "detach --all: status lists no interface" "" "$(interfaces)"

# all or nothing: the second interface fails, the first is undone
run "$O" "$E" attach "$X1" lo --mode native
check_eq "attach $X1 lo --mode native: exit status 1" 1 $?
check_contains "attach $X1 lo --mode native: names lo" "lo (native mode)" "$(cat "$E")"
check "attach $X1 lo: $X1 rolled back (no XDP)" eval '! xdp_on "$E2E_SRV" "$X1"'
check "attach $X1 lo: $X1 rolled back (no tc companion)" eval '! tc_on "$E2E_SRV" "$X1"'
check_eq "attach $X1 lo: nothing recorded" "" "$(interfaces)"
check "attach $X1 alone still works afterwards" xfq attach "$X1" --mode native
check "detach $X1" xfq detach "$X1"

# native XDP on veth refuses a large MTU (the program is not frags-aware):
# the operator must learn that the MTU is the problem
ip -n "$E2E_SRV" link set "$X1" mtu 9000 && ip -n "$E2E_SRV" link set "$X2" mtu 9000
run "$O" "$E" attach "$X1" --mode native
rc=$?
if [ "$rc" -eq 0 ]; then
	skip "attach --mode native with MTU 9000" "this kernel's veth accepts it: no failure to test"
	xfq detach "$X1"
else
	check_eq "attach --mode native with MTU 9000: exit status 1" 1 "$rc"
	check_contains "attach --mode native with MTU 9000: names the interface" "$X1 (native mode)" "$(cat "$E")"
	check_contains "attach --mode native with MTU 9000: says the MTU is the cause" MTU "$(cat "$E")"
	check "attach --mode native with MTU 9000: no XDP program left" eval '! xdp_on "$E2E_SRV" "$X1"'
	check_eq "attach --mode native with MTU 9000: nothing recorded" "" "$(interfaces)"
fi
check "unblock 198.51.100.0/24" xfq unblock 198.51.100.0/24

# ---------------------------------------------------------------- bad input
snapshot() { # the rule store as the operator sees it
	{
		xf -j stats --top 0 | e2e_json 'sorted("%s %s" % (r["range"], r["action"]) for r in d["ranges"])'
		xf -j lookup 198.51.100.10 | e2e_json 'd["decision"]'
	} 2>&1
}
check "block 192.0.2.128/25 (something to keep)" xfq block 192.0.2.128/25
before=$(snapshot)

bad_input() { # VALUE ARGS...: exit non-zero, name VALUE, text and -j, change nothing
	local value=$1 rc
	shift
	run "$O" "$E" "$@"
	rc=$?
	check "'$*': exit status non-zero" test "$rc" -ne 0
	check_contains "'$*': message names '$value'" "$value" "$(cat "$E")"
	check_eq "'$*': stdout is empty in text mode" "" "$(cat "$O")"
	xf -j "$@" >"$O" 2>/dev/null
	check_contains "'$*' -j: {\"error\": ...} on stdout names '$value'" "$value" \
		"$(e2e_json 'd["error"] if isinstance(d, dict) else "<not an object>"' <"$O")"
	check_eq "'$*': rules unchanged" "$before" "$(snapshot)"
}
bad_input 1.2.3.999/24 block 1.2.3.999/24
bad_input 10.0.0.0/33 block 10.0.0.0/33
bad_input 0.0.0.0/0 block 0.0.0.0/0
bad_input ::/0 block ::/0
bad_input 203.0.113.0/24 unblock 203.0.113.0/24
bad_input foo block --action foo 192.0.2.0/24
bad_input not-an-ip lookup not-an-ip
bad_input bogus block 198.51.100.0/24 bogus
check_eq "mixed list: 198.51.100.0/24 was not added" null \
	"$(xf -j lookup 198.51.100.10 | e2e_json 'd["decision"]')"
bad_input 198.51.100.0/33 allow 198.51.100.0/24 198.51.100.0/33

# ---------------------------------------------------------------- prefixes
check "prefix 'blo' runs block" xfq blo 192.0.2.0/24
check_eq "prefix 'blo': 192.0.2.0/24 is blocked" "192.0.2.0/24 drop" \
	"$(xf -j lookup 192.0.2.99 | e2e_json '"%s %s" % (d["decision"]["range"], d["decision"]["action"])')"
run "$O" "$E" un 192.0.2.0/24
rc=$?
check "prefix 'un': exit status non-zero" test "$rc" -ne 0
check_contains "prefix 'un': reported ambiguous" "'un' is ambiguous" "$(cat "$E")"
check_eq "prefix 'un': nothing removed" "192.0.2.0/24" \
	"$(xf -j lookup 192.0.2.99 | e2e_json 'd["decision"]["range"]')"
check "unblock 192.0.2.0/24 192.0.2.128/25" xfq unblock 192.0.2.0/24 192.0.2.128/25

# ---------------------------------------------------------------- lookup
check "block 198.51.100.0/24 drop" xfq block 198.51.100.0/24
check "block 198.51.100.0/25 count" xfq block 198.51.100.0/25 --action count
check "allow 198.51.100.20" xfq allow 198.51.100.20
lk=$(xf -j lookup 198.51.100.20)
check_eq "lookup allowlisted host: allowlisted" true "$(e2e_json 'd["allowlisted"]' <<<"$lk")"
check_eq "lookup allowlisted host: deciding range" "198.51.100.20/32 allow" \
	"$(e2e_json '"%s %s" % (d["decision"]["range"], d["decision"]["action"])' <<<"$lk")"
check_eq "lookup allowlisted host: every containing range, deciding marked" \
	"198.51.100.0/24:drop:False 198.51.100.0/25:count:False 198.51.100.20/32:allow:True" \
	"$(e2e_json '" ".join(sorted("%s:%s:%s" % (r["range"], r["action"], r["deciding"]) for r in d["ranges"]))' <<<"$lk")"
check_eq "lookup allowlisted host: kernel map agrees" true "$(e2e_json 'd["consistent"]' <<<"$lk")"
lk=$(xf -j lookup 198.51.100.5)
check_eq "lookup nested: not allowlisted" false "$(e2e_json 'd["allowlisted"]' <<<"$lk")"
check_eq "lookup nested: the stronger action decides (/24 drop over /25 count)" \
	"198.51.100.0/24 drop" \
	"$(e2e_json '"%s %s" % (d["decision"]["range"], d["decision"]["action"])' <<<"$lk")"
check_eq "lookup nested: the other containing range is listed, not deciding" \
	"198.51.100.0/24:True 198.51.100.0/25:False" \
	"$(e2e_json '" ".join(sorted("%s:%s" % (r["range"], r["deciding"]) for r in d["ranges"]))' <<<"$lk")"
check_eq "lookup nested: kernel map agrees" true "$(e2e_json 'd["consistent"]' <<<"$lk")"
lk=$(xf -j lookup 203.0.113.99)
check_eq "lookup outside every range: no decision, no ranges" "None []" \
	"$(e2e_json '"%s %s" % (d["decision"], d["ranges"])' <<<"$lk")"
lk=$(xf -j lookup ::ffff:198.51.100.20)
check_eq "lookup ::ffff:198.51.100.20: the IPv4 address, allowlisted" "198.51.100.20 True" \
	"$(e2e_json '"%s %s" % (d["address"], d["allowlisted"])' <<<"$lk")"
run "$O" "$E" block 203.0.113.77/24 --action count
check_contains "block 203.0.113.77/24: warns about the host bits" "host bits" "$(cat "$E")"
check_eq "block 203.0.113.77/24: stored as 203.0.113.0/24" "203.0.113.0/24 count" \
	"$(xf -j lookup 203.0.113.1 | e2e_json '"%s %s" % (d["decision"]["range"], d["decision"]["action"])')"
check "unblock 203.0.113.0/24" xfq unblock 203.0.113.0/24
text=$(xf lookup 198.51.100.20)
check_contains "lookup text: allowlisted line" "allowlisted: true" "$text"
check_contains "lookup text: decision line" "decision:    allow by 198.51.100.20/32" "$text"
check_contains "lookup text: deciding range marked" "=>  198.51.100.20/32" "$text"

# ---------------------------------------------------------------- lock
n_before=$(xf -j stats --top 0 | e2e_json 'd["ranges_total"]')
pids=()
for i in $(seq 1 20); do
	xf block "203.0.113.$i/32" >"$E2E_TMP/par.$i" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "20 parallel blocks: all exit 0" 0 "$failed"
st=$(xf -j stats --top 0)
check_eq "20 parallel blocks: ranges_total grew by 20" $((n_before + 20)) \
	"$(e2e_json 'd["ranges_total"]' <<<"$st")"
check_eq "20 parallel blocks: every /32 is there" 20 \
	"$(e2e_json 'len({r["range"] for r in d["ranges"]} & {"203.0.113.%d/32" % i for i in range(1, 21)})' <<<"$st")"
check_eq "20 parallel blocks: distinct range ids" $((n_before + 20)) \
	"$(e2e_json 'len({r["range_id"] for r in d["ranges"]})' <<<"$st")"
incons=0
for i in $(seq 1 20); do
	[ "$(xf -j lookup "203.0.113.$i" | e2e_json 'd["consistent"]')" = true ] || incons=$((incons + 1))
done
check_eq "20 parallel blocks: kernel map agrees for each" 0 "$incons"

# ---------------------------------------------------------------- purge
check "attach again before purge" xfq attach "$E2E_SRV_IF" --mode generic
check "purge" xfq purge
check "purge: pin directory removed" test ! -e "$XDPFENCE_PIN_DIR"
check "purge: no XDP program" eval '! xdp_on "$E2E_SRV" "$E2E_SRV_IF"'
check "purge: no tc companion" eval '! tc_on "$E2E_SRV" "$E2E_SRV_IF"'
check_eq "purge: blocked source gets through" "$K $K" \
	"$(send_blocked_and_clean purged "$K $K")"
run "$O" "$E" status
check_eq "purge: status exits 1" 1 $?
check_contains "purge: status says there is no state" "no xdpfence state" "$(cat "$E")"

# ---------------------------------------------------------------- creation
# many invocations racing to create the state: one creates, all apply
pids=()
for i in $(seq 1 10); do
	xf block "203.0.113.$i/32" >"$E2E_TMP/par.$i" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "10 parallel blocks on no state: all exit 0" 0 "$failed"
check_eq "10 parallel blocks on no state: all 10 ranges there" 10 \
	"$(xf -j stats --top 0 | e2e_json 'len({r["range"] for r in d["ranges"]} & {"203.0.113.%d/32" % i for i in range(1, 11)})')"
check "purge" xfq purge

# capacity, fixed when the state is created; a change that does not fit
# changes nothing
check "--max-ranges 4: block three ranges" xfq --max-ranges 4 block 203.0.113.1 203.0.113.2 203.0.113.3
check_eq "--max-ranges 4: status shows the capacity" "3 4" \
	"$(xf -j status | e2e_json '"%d %d" % (d["ranges"]["in_use"], d["ranges"]["capacity"])')"
run "$O" "$E" block 203.0.113.4 203.0.113.5
check "block two more than fit: exit status non-zero" test $? -ne 0
check_contains "block two more than fit: says the capacity" "capacity is 4" "$(cat "$E")"
check_eq "block two more than fit: nothing added" 3 \
	"$(xf -j stats --top 0 | e2e_json 'd["ranges_total"]')"
check_eq "block two more than fit: 203.0.113.4 not in the kernel map" "None None" \
	"$(xf -j lookup 203.0.113.4 | e2e_json '"%s %s" % (d["decision"], d["kernel"])')"
check "block the fourth" xfq block 203.0.113.4
run "$O" "$E" --max-ranges 8 block 203.0.113.1
check_contains "--max-ranges on an existing state: warns it is ignored" "ignored" "$(cat "$E")"
check_eq "--max-ranges on an existing state: capacity unchanged" 4 \
	"$(xf -j status | e2e_json 'd["ranges"]["capacity"]')"

e2e_done
