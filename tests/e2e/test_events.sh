#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The drop/tag event stream leaving xdpfence: JSON lines appended to a file
# (`events --output file:PATH`), followed while traffic flows and read from
# what waits in the ring buffer; the rate limit (--rate N: at most N events
# in any second of traffic, every other event accounted for as limited);
# syslog, received on a /dev/log socket of the test's own (a private mount
# namespace, so the host's logger never sees it).
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init
command -v unshare >/dev/null || e2e_skip_all "unshare is not installed"

UDP_PORT=5353
BLOCKED=198.51.100.10 TAGGED=203.0.113.30
if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
e2e_add_source "$BLOCKED"
e2e_add_source "$TAGGED"
check "attach --mode native on the server veth" xfq attach "$E2E_SRV_IF" --mode native
check "block 198.51.100.0/24 (drop)" xfq block 198.51.100.0/24
check "block 203.0.113.0/24 (tag 4)" xfq block 203.0.113.0/24 --action tag --tag 4
# one event per matching packet, and the data plane's own limit far away
check "config set event-sample 1, event-rate 100000" \
	eval 'xfq config set event-sample 1 && xfq config set event-rate 100000'
range_id=$(xf -j stats --top 0 | e2e_json '[r["range_id"] for r in d["ranges"] if r["range"] == "198.51.100.0/24"][0]')

send() { # SRC COUNT INTERVAL
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --port "$UDP_PORT" --count "$2" \
		--interval "$3" --phase events "$1"
}
drain() { # what earlier phases left in the ring buffer
	xf events --timeout 0.3 >/dev/null
}
lines() { grep -c . "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- file, following
F="$E2E_TMP/events.jsonl"
drain
in_ns "$E2E_SRV" timeout 30 "$XDPFENCE" events --output "file:$F" --count 40 --timeout 20 \
	>"$E2E_TMP/ev.out" 2>"$E2E_TMP/ev.err" &
ev_pid=$!
sleep 0.3
send "$BLOCKED" 30 0.002
send "$TAGGED" 10 0.002
rc=0
wait "$ev_pid" || rc=$?
check_eq "events --output file: --count 40 ends when 40 are written, exit 0" 0 "$rc"
check_eq "40 JSON lines appended (30 drops, 10 tags)" 40 "$(lines "$F")"
check_eq "nothing on stdout" "" "$(cat "$E2E_TMP/ev.out")"
check_eq "every line: a JSON object with the event's fields, the time now" ok "$("$E2E_PY" -c '
import datetime, json, sys
want = {"time", "timestamp_ns", "interface", "source", "destination", "protocol", "dst_port",
        "range_id", "feed", "action", "verdict", "reason"}
for n, line in enumerate(open(sys.argv[1]), 1):
    e = json.loads(line)
    if set(e) != want:
        sys.exit("line %d: fields %s" % (n, sorted(set(e) ^ want)))
    t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
    if abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) > 60:
        sys.exit("line %d: time %s is not now" % (n, e["time"]))
print("ok")' "$F" 2>&1)"
check_eq "the drops: 30, each with source, verdict, reason, range, feed, interface, port" \
	"30 $BLOCKED drop block-drop $range_id manual $E2E_SRV_IF udp $UDP_PORT" "$("$E2E_PY" -c '
import json, sys
mine = [e for e in map(json.loads, open(sys.argv[1])) if e["source"] == sys.argv[2]]
kinds = {"%(source)s %(verdict)s %(reason)s %(range_id)s %(feed)s %(interface)s %(protocol)s %(dst_port)s" % e
         for e in mine}
print(len(mine), " / ".join(sorted(kinds)))' "$F" "$BLOCKED")"
check_eq "the tags: 10, verdict tag, action tag" "10 $TAGGED tag tag" "$("$E2E_PY" -c '
import json, sys
t = [e for e in map(json.loads, open(sys.argv[1])) if e["source"] == sys.argv[2]]
print(len(t), t[0]["source"], t[0]["verdict"], t[0]["action"])' "$F" "$TAGGED")"

# ---------------------------------------------------------------- file, queued
drain
send "$BLOCKED" 25 0.002
check "events --output file: appends what waits in the ring buffer" \
	xfq events --output "file:$F" --timeout 1
check_eq "25 more lines: 65" 65 "$(lines "$F")"

# ---------------------------------------------------------------- SIGTERM
# as the daemon's sink stops: what arrived is written, the exit is clean
T="$E2E_TMP/term.jsonl"
drain
# not through a shell function: $! is the process the signal goes to
nsenter --net="/run/netns/$E2E_SRV" timeout 30 "$XDPFENCE" events --output "file:$T" \
	>/dev/null 2>&1 &
ev_pid=$!
sleep 0.3
send "$BLOCKED" 15 0.002
e2e_until 5 test "$(lines "$T")" -ge 15
kill -TERM "$ev_pid"
rc=0
wait "$ev_pid" || rc=$?
check_eq "SIGTERM: exit 0 with the 15 events written" "0 15" "$rc $(lines "$T")"

# ---------------------------------------------------------------- rate limit
R=20 N=600
L="$E2E_TMP/limited.jsonl"
drain
t0=$(date +%s.%N)
send "$BLOCKED" "$N" 0.005
t1=$(date +%s.%N)
xf events --output "file:$L" --rate "$R" --timeout 1 >/dev/null 2>"$E2E_TMP/rate.err"
written=$(lines "$L")
check_contains "the summary accounts for every event: written + over --rate = $N" \
	"events: $written written, $((N - written)) over --rate, 0 not taken" \
	"$(cat "$E2E_TMP/rate.err")"
check_eq "the limit bit (fewer than $N written)" yes "$([ "$written" -lt "$N" ] && echo yes)"
# the window property on the events' own timestamps (1 ms for CPUs out of order)
check_eq "no second of traffic has more than $R events" ok "$("$E2E_PY" -c '
import json, sys
r = int(sys.argv[2])
ts = sorted(json.loads(l)["timestamp_ns"] for l in open(sys.argv[1]))
bad = [(i, ts[i + r] - ts[i]) for i in range(len(ts) - r) if ts[i + r] - ts[i] < 1e9 - 1e6]
print("ok" if not bad else "%d windows too dense, first: events %d..%d within %d ns" %
      (len(bad), bad[0][0], bad[0][0] + r, bad[0][1]))' "$L" "$R")"
# the traffic was steady (3 s at least): each of its whole seconds let $R
# through; up to 1.2 s of the time measured may be the sender starting
check_eq "every whole second of the traffic had its $R" ok "$("$E2E_PY" -c '
import sys
written, r, t0, t1 = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
low = r * max(1, int(t1 - t0 - 1.2))
print("ok" if written >= low else "%d written, %d expected for %.2f s" % (written, low, t1 - t0))' \
	"$written" "$R" "$t0" "$t1")"
drain
send "$BLOCKED" 40 0.001
xf events --output "file:$E2E_TMP/unlimited.jsonl" --rate 0 --timeout 0.5 >/dev/null 2>&1
check_eq "--rate 0 is no limit: 40 events, 40 lines" 40 "$(lines "$E2E_TMP/unlimited.jsonl")"

# ---------------------------------------------------------------- syslog
# A private mount namespace with a /dev of its own, where a socket of the
# test's is /dev/log: what glibc's syslog() sends ends up in a file.
S="$E2E_TMP/syslog.txt"
cat >"$E2E_TMP/devlog.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(20)
with open(sys.argv[1], "ab", buffering=0) as out:
    open(sys.argv[2], "w").close()
    try:
        while True:
            out.write(s.recv(65536).rstrip(b"\n") + b"\n")
    except socket.timeout:
        pass
EOF
drain
send "$BLOCKED" 12 0.002
mkdir -p "$E2E_TMP/realdev"
in_ns "$E2E_SRV" unshare --mount --propagation private bash -c '
	set -e
	mount --bind /dev "$1/realdev"
	mount -t tmpfs -o mode=0755 xfdev /dev
	touch /dev/null && mount --bind "$1/realdev/null" /dev/null
	timeout 30 "$2" "$1/devlog.py" "$3" "$1/devlog.ready" &
	for _ in $(seq 100); do [ -e "$1/devlog.ready" ] && break; sleep 0.05; done
	timeout 10 "$4" events --output syslog --rate 5 --timeout 1
	kill %1
' _ "$E2E_TMP" "$E2E_PY" "$S" "$XDPFENCE" >"$E2E_TMP/syslog.out" 2>"$E2E_TMP/syslog.err"
check_eq "syslog: 5 messages (12 events, --rate 5)" 5 "$(lines "$S")"
check_eq "syslog: daemon.info from xdpfence[pid], the event's JSON" ok "$("$E2E_PY" -c '
import json, re, sys
for line in open(sys.argv[1]):
    m = re.match(r"<30>.*xdpfence\[\d+\]: (\{.*\})$", line.rstrip("\n"))
    if not m:
        sys.exit("not a daemon.info message of xdpfence: %r" % line)
    e = json.loads(m.group(1))
    if e["source"] != sys.argv[2] or e["verdict"] != "drop":
        sys.exit("unexpected event %r" % e)
print("ok")' "$S" "$BLOCKED" 2>&1)"
check_contains "syslog: the summary names what went over --rate" "5 written, 7 over --rate" \
	"$(cat "$E2E_TMP/syslog.err")"

# ---------------------------------------------------------------- errors
check_fails "--output nowhere:x is refused" xf events --output nowhere:x --timeout 0.1
check_fails "--output file: (no path) is refused" xf events --output file: --timeout 0.1
check_fails "--rate -1 is refused" xf events --rate -1 --timeout 0.1
check_fails "--output into a missing directory fails" \
	xf events --output "file:$E2E_TMP/missing/dir/ev.jsonl" --timeout 0.1
check_contains "-j: the failure as JSON on stdout, naming the output" \
	"\"error\":\"events: file:$E2E_TMP/missing/dir/ev.jsonl: No such file or directory\"" \
	"$(xf -j events --output "file:$E2E_TMP/missing/dir/ev.jsonl" --timeout 0.1 2>/dev/null)"
e2e_done
