#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The daemon (`xdpfence run --config FILE`) on the server side of a veth
# pair, with a feed from a file and one over HTTP from a test server on
# 127.0.0.1 in the server's namespace:
#  - a restart under traffic: datagrams from blocked ranges keep coming
#    while the daemon is stopped and started again, and not one arrives;
#    the same with --detach-on-stop lets them through (the check can fail);
#  - feeds refreshed on their interval pick up a changed file and a changed
#    download, without any `feed sync`;
#  - SIGHUP adds and removes feeds and nothing else: the other ranges keep
#    their range ids and counters; a broken config on SIGHUP is refused,
#    every problem logged with its line, and the running state stays;
#  - a feed whose source keeps failing turns stale after max_age: reported
#    by `feed list` and the log, withdrawn under stale = withdraw, kept
#    under stale = enforce, fresh again when the source comes back;
#  - manual ranges blocked with --ttl are removed on time by the daemon;
#  - the daemon serves /metrics (numbers agree with `stats`, staleness is
#    there, promtool accepts it) and writes the drop events to a file;
#  - a reboot (empty bpffs) with the HTTP source down: the daemon restores
#    everything, the HTTP feed from its last good copy.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
UDP_PORT=5353
CONF="$E2E_TMP/xdpfence.conf"
RUN="$E2E_TMP/run"
LOG="$E2E_TMP/daemon.log"
W="$E2E_TMP/www"
F="$E2E_TMP/feeds"
EVENTS="$E2E_TMP/events.jsonl"
METRICS_PORT=9101 # in the test's own namespace
mkdir -p "$RUN" "$W" "$F"

declare -A SRC=([file4]=198.51.100.10 [file6]=2001:db8:bad::10 [web4]=203.0.113.20
	[clean4]=192.0.2.10 [stale4]=203.0.113.140 [keep6]=2001:db8:beef::20)
srcs_of() {
	local k out=()
	for k in "$@"; do out+=("${SRC[$k]}"); done
	echo "${out[@]}"
}

if ! e2e_topology; then
	check "topology: namespaces and veth pair" false
	e2e_done
fi
for k in file4 file6 web4; do e2e_add_source "${SRC[$k]}"; done
check "server listens (UDP $UDP_PORT)" e2e_server_start --udp-port "$UDP_PORT"
in_ns "$E2E_SRV" timeout 250 "$E2E_PY" "$E2E_DIR/feeds/feedtool.py" serve --dir "$W" \
	--port-file "$E2E_TMP/port" --log "$E2E_TMP/http.log" --lifetime 240 \
	>"$E2E_TMP/http.out" 2>&1 &
check "HTTP server started on 127.0.0.1" e2e_until 10 test -s "$E2E_TMP/port"
URL="http://127.0.0.1:$(cat "$E2E_TMP/port" 2>/dev/null)"
mode() { echo "$2" >"$W/$1.mode"; } # NAME MODE: how /dyn/NAME answers from now on

# ---------------------------------------------------------------- helpers
daemon_start() { # [ARGS...]
	rm -f "$E2E_TMP/daemon.rc"
	(
		in_ns "$E2E_SRV" timeout 280 "$XDPFENCE" run --config "$CONF" "$@" >>"$LOG" 2>&1
		echo $? >"$E2E_TMP/daemon.rc"
	) &
	e2e_until 10 test -s "$RUN/xdpfence.pid"
}
daemon_stop() { # exit status of the daemon
	kill -TERM "$(cat "$RUN/xdpfence.pid" 2>/dev/null)" 2>/dev/null
	e2e_until 20 test -s "$E2E_TMP/daemon.rc" && cat "$E2E_TMP/daemon.rc"
}
daemon_alive() { kill -0 "$(cat "$RUN/xdpfence.pid" 2>/dev/null)" 2>/dev/null; }
log_mark() { wc -l <"$LOG"; }
log_since() { tail -n +"$(($1 + 1))" "$LOG"; } # MARK
log_has() { log_since "$1" | grep -qF -- "$2"; } # MARK TEXT
wait_log() { e2e_until "${3:-10}" log_has "$1" "$2"; } # MARK TEXT [SECONDS]
feed_field() { # NAME EXPR-over-f: from `feed list -j`
	xf -j feed list | e2e_json '[eval(a[1], {"f": f}) for f in d["feeds"] if f["name"] == a[0]][0]' "$1" "$2"
}
feed_is() { [ "$(feed_field "$1" "$2")" = "$3" ]; } # NAME EXPR VALUE
decides() { # ADDR: "RANGE FEED ACTION", or None
	xf -j lookup "$1" | e2e_json '"%s %s %s" % (d["decision"]["range"], d["decision"]["feed"], d["decision"]["action"]) if d["decision"] else "None"'
}
decides_is() { [ "$(decides "$1")" = "$2" ]; }
scrape() { in_ns "$E2E_SRV" curl -sf --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics"; }
metric() { # NAME{LABELS}: its value in a scrape
	scrape | awk -v m="$1" '$1 == m { print $2 }'
}
# staleness in the exposition (xdpfence_feed_stale) comes with the metrics'
# support of the registry's max_age; until then those checks are skipped
has_stale_metric() { scrape | grep -q '^xdpfence_feed_stale{'; }
check_stale_metric() { # NAME EXPECTED METRIC...
	local name=$1 expected=$2 m values=()
	shift 2
	if ! has_stale_metric; then
		skip "$name" "the exposition has no xdpfence_feed_stale"
		return
	fi
	for m in "$@"; do values+=("$(metric "$m")"); done
	check_eq "$name" "$expected" "${values[*]}"
}
range_id() { # RANGE
	xf -j ranges | e2e_json '[r["range_id"] for r in d["ranges"] if r["range"] == a[0]][0]' "$1"
}
send() { # PHASE COUNT KIND...
	local phase=$1 count=$2
	shift 2
	e2e_traffic "$E2E_CLI" udp-send --dst "$E2E_SRV4" --dst "$E2E_SRV6" --port "$UDP_PORT" \
		--count "$count" --phase "$phase" $(srcs_of "$@")
}

# ---------------------------------------------------------------- config check
top=$(cd "$E2E_DIR/../.." && pwd)
check "config check: docs/xdpfence.conf.example is valid" \
	xfq config check "$top/docs/xdpfence.conf.example"
cat >"$E2E_TMP/broken.conf" <<'EOF'
[daemon]
metrics_listen = everywhere
[interface eth0]
mode = turbo
[feed tor]
format = list
action = tag
tag = 0
[allowlist]
cidr = 192.0.2.1 not-an-address
EOF
xf config check "$E2E_TMP/broken.conf" >"$E2E_TMP/check.out" 2>&1
check_eq "config check: a broken file exits with 1" 1 $?
for want in "2: metrics_listen 'everywhere'" "4: interface eth0: mode 'turbo'" \
	"5: feed 'tor': source = PATH|URL is required" "8: feed 'tor': tag '0'" \
	"10: [allowlist]: 'not-an-address'"; do
	check_contains "config check: broken.conf:$want..." "$E2E_TMP/broken.conf:$want" \
		"$(cat "$E2E_TMP/check.out")"
done
check_eq "config check -j: five problems, their lines, an error key" "[2, 4, 5, 8, 10] 5 problems" \
	"$(xf -j config check "$E2E_TMP/broken.conf" | e2e_json '"%s %s" % ([p["line"] for p in d["problems"]], d["error"])')"
check_eq "run refuses a broken file, logs every problem with its line, exit 1" "1 5" \
	"$(in_ns "$E2E_SRV" timeout 10 "$XDPFENCE" run --config "$E2E_TMP/broken.conf" 2>"$E2E_TMP/run.err" >/dev/null
	echo "$? $(grep -c "$E2E_TMP/broken.conf:[0-9]*: " "$E2E_TMP/run.err")")"

# ---------------------------------------------------------------- start
printf '# file feed\n198.51.100.0/24\n2001:db8:bad::/48\n' >"$F/drop.txt"
printf '# web feed\n203.0.113.0/25\n' >"$W/web.txt"
write_conf() { # [EXTRA SECTIONS...]: the daemon's config
	{
		cat <<-EOF
			# written by test_daemon.sh
			[daemon]
			runtime_dir = $RUN
			retry_delay = 1s
			metrics_listen = 127.0.0.1:$METRICS_PORT
			events = file:$EVENTS
			events_rate = 1000

			[interface $E2E_SRV_IF]
			mode = native

			[allowlist]
			cidr = 198.51.100.200

			[feed fdrop]
			source = $F/drop.txt
			allow_special = yes
			interval = 2s
		EOF
		printf '%s\n' "$@"
	} >"$CONF"
}
WEB_FEED="[feed fweb]
source = $URL/dyn/web.txt
allow_special = yes
interval = 2s"
write_conf "$WEB_FEED"
check "config check: the test's config is valid" xfq config check "$CONF"
: >"$LOG"
check "daemon started (pid file written)" daemon_start
check "attached to $E2E_SRV_IF" wait_log 0 "interface $E2E_SRV_IF: attached (native mode)"
check "file feed applied" e2e_until 10 feed_is fdrop 'f["status"]["last_result"]' applied
check "HTTP feed applied" e2e_until 10 feed_is fweb 'f["status"]["last_result"]' applied
check_eq "fdrop decides ${SRC[file4]}" "198.51.100.0/24 fdrop drop" "$(decides "${SRC[file4]}")"
check_eq "fweb decides ${SRC[web4]}" "203.0.113.0/25 fweb drop" "$(decides "${SRC[web4]}")"
check_eq "the allowlist entry is in force" "allow" \
	"$(xf -j lookup 198.51.100.200 | e2e_json 'd["decision"]["action"]')"
check_eq "a second daemon on the same state is refused" 1 \
	"$(in_ns "$E2E_SRV" timeout 10 "$XDPFENCE" run --config "$CONF" >/dev/null 2>&1; echo $?)"

# ---------------------------------------------------------------- restart
# Datagrams from the blocked sources and a clean one flow for about three
# seconds; the daemon is stopped in the middle, stays down a while, and
# starts again. None from a blocked range may arrive.
N=500
send warm 5 file4 clean4
check_eq "before: blocked sources dropped, the clean one passes" "0 5" \
	"$(e2e_udp_wait warm "0 5" $(srcs_of file4 clean4))"
id4=$(range_id 198.51.100.0/24)
send restart "$N" file4 file6 web4 clean4 &
sender=$!
sleep 0.5
check_eq "SIGTERM: the daemon stops, exit status 0" 0 "$(daemon_stop)"
check "stop leaves the filter attached" \
	eval 'xf -j status | e2e_json "d[\"interfaces\"][0][\"state\"]" | grep -qx active'
sleep 0.5
mark=$(log_mark)
check "daemon started again" daemon_start
check "the new daemon runs" wait_log "$mark" "running with"
wait "$sender"
check_eq "restart under traffic: no datagram from a blocked range arrived, all clean ones did" \
	"0 0 0 $N" "$(e2e_udp_wait restart "0 0 0 $N" $(srcs_of file4 file6 web4 clean4))"
check_contains "the stop said the filter stays" "stopped: the filter stays attached" "$(cat "$LOG")"
check_eq "the restart kept ${id4:-?}'s range id (nothing was re-applied)" "$id4" \
	"$(range_id 198.51.100.0/24)"

# ---------------------------------------------------------------- metrics, events
check "metrics: the new daemon serves /metrics" e2e_until 5 eval 'scrape >/dev/null'
scrape >"$E2E_TMP/metrics.txt"
check "metrics: promtool check metrics passes" promtool check metrics <"$E2E_TMP/metrics.txt"
stats=$(e2e_stats)
check_eq "metrics: fdrop's dropped packets are the ones stats counts" \
	"$(e2e_json '[f["counters"]["dropped"]["packets"] for f in d["feeds"] if f["feed"] == "fdrop"][0]' <<<"$stats")" \
	"$(metric 'xdpfence_feed_packets_total{feed="fdrop",outcome="dropped"}')"
check_eq "metrics: the interface is attached in native mode" 1 \
	"$(metric "xdpfence_interface_attached{interface=\"$E2E_SRV_IF\",mode=\"native\"}")"
check_eq "metrics: fdrop is up" 1 "$(metric 'xdpfence_feed_up{feed="fdrop"}')"
check_stale_metric "metrics: fdrop is not stale" 0 'xdpfence_feed_stale{feed="fdrop"}'
check "events: the drops of the restart phase are in the events file" \
	e2e_until 5 grep -q '"feed":"fweb"' "$EVENTS"
check_eq "events: every line is a JSON object of a drop from a blocked range" 0 \
	"$("$E2E_PY" -c '
import json, sys
bad = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    bad += e["verdict"] != "drop" or e["feed"] not in ("fdrop", "fweb")
print(bad)' "$EVENTS" 2>&1)"

# ---------------------------------------------------------------- interval
# new versions of both feeds, picked up by the daemon on its own
printf '# file feed\n198.51.100.0/24\n2001:db8:bad::/48\n2001:db8:f11e::/48\n' >"$F/drop.new"
mv "$F/drop.new" "$F/drop.txt"
printf '# web feed\n203.0.113.0/25\n203.0.113.128/26\n' >"$W/web.txt"
check "interval: the changed file is applied within 2 s + slack" \
	e2e_until 8 decides_is 2001:db8:f11e::1 "2001:db8:f11e::/48 fdrop drop"
check "interval: the changed download is applied within 2 s + slack" \
	e2e_until 8 decides_is 203.0.113.130 "203.0.113.128/26 fweb drop"
check_eq "interval: the range that stayed kept its id" "$id4" "$(range_id 198.51.100.0/24)"

# ---------------------------------------------------------------- reload
stats=$(e2e_stats)
count4=$(e2e_range_packets "$stats" 198.51.100.0/24 dropped)
id6=$(range_id 2001:db8:bad::/48)
printf '# tag feed\n203.0.113.64/26\n' >"$F/tag.txt"
write_conf "[feed ftag]
source = $F/tag.txt
allow_special = yes
action = tag
tag = 3"
mark=$(log_mark)
kill -HUP "$(cat "$RUN/xdpfence.pid")"
check "SIGHUP: fweb removed" wait_log "$mark" "feed 'fweb': removed"
check "SIGHUP: ftag added and applied" e2e_until 10 feed_is ftag 'f["status"]["last_result"]' applied
check_eq "SIGHUP: fweb is gone from the registry" "[]" \
	"$(xf -j feed list | e2e_json '[f["name"] for f in d["feeds"] if f["name"] == "fweb"]')"
check_eq "SIGHUP: ${SRC[web4]} is no longer decided (fweb's ranges withdrawn)" None \
	"$(decides "${SRC[web4]}")"
check_eq "SIGHUP: ftag decides 203.0.113.70" "203.0.113.64/26 ftag tag" "$(decides 203.0.113.70)"
stats=$(e2e_stats)
check_eq "SIGHUP: fdrop's ranges kept their ids and counters" "$id4 $id6 $count4" \
	"$(range_id 198.51.100.0/24) $(range_id 2001:db8:bad::/48) $(e2e_range_packets "$stats" 198.51.100.0/24 dropped)"
check "SIGHUP: the interface was not touched" eval '! log_has "$mark" "interface $E2E_SRV_IF"'
send reload 10 web4 file4
check_eq "SIGHUP: web4 passes now, file4 is still dropped" "10 0" \
	"$(e2e_udp_wait reload "10 0" $(srcs_of web4 file4))"

# a broken config is refused as a whole: every problem with its line
cp "$CONF" "$E2E_TMP/good.conf"
{
	cat "$E2E_TMP/good.conf"
	printf '[feed fdrop2]\nsource = %s\nformat = yaml\n' "$F/drop.txt"
	printf '[allowlist]\ncidr = 198.51.100.999\n'
} >"$CONF"
broken_first=$(($(wc -l <"$E2E_TMP/good.conf") + 3))
mark=$(log_mark)
kill -HUP "$(cat "$RUN/xdpfence.pid")"
check "broken config on SIGHUP: refused, the running configuration stays" \
	wait_log "$mark" "the running configuration stays"
check "broken config: the format problem is logged with its line" \
	log_has "$mark" "$CONF:$broken_first: feed 'fdrop2': format 'yaml'"
check "broken config: the allowlist problem is logged with its line" \
	log_has "$mark" "$CONF:$((broken_first + 2)): [allowlist]: '198.51.100.999'"
check "broken config: the daemon still runs" daemon_alive
check_eq "broken config: nothing changed (feeds fdrop ftag)" "fdrop ftag" \
	"$(xf -j feed list | e2e_json '" ".join(sorted(f["name"] for f in d["feeds"]))')"
cp "$E2E_TMP/good.conf" "$CONF"

# ---------------------------------------------------------------- ttl
mark=$(log_mark)
check "block --ttl 2s while the daemon runs" xfq block 192.0.2.77 --ttl 2s --comment "test"
check_eq "the ttl range decides at first" "192.0.2.77/32 manual drop" "$(decides 192.0.2.77)"
check "the daemon removes it on time (within 2 s + slack)" e2e_until 6 decides_is 192.0.2.77 None
check "the expiry is logged" log_has "$mark" "manual range 192.0.2.77/32 (drop) expired"

# ---------------------------------------------------------------- stale
# two feeds whose source will fail: one withdrawn when stale, one kept
printf '203.0.113.128/25\n' >"$W/stale.txt"
printf '2001:db8:beef::/48\n' >"$W/keep.txt"
write_conf "[feed fstale]
source = $URL/dyn/stale.txt
allow_special = yes
interval = 1s
max_age = 3s
stale = withdraw" "[feed fkeep]
source = $URL/dyn/keep.txt
allow_special = yes
interval = 1s
max_age = 3s
stale = enforce"
mark=$(log_mark)
kill -HUP "$(cat "$RUN/xdpfence.pid")"
check "stale: both feeds applied" \
	e2e_until 10 eval 'feed_is fstale "f[\"status\"][\"last_result\"]" applied && feed_is fkeep "f[\"status\"][\"last_result\"]" applied'
check_eq "stale: fresh at first" "false false" \
	"$(feed_field fstale 'f["stale"]') $(feed_field fkeep 'f["stale"]')"
mode stale.txt missing
mode keep.txt missing
check "stale: past max_age feed list says stale (both)" \
	e2e_until 10 eval 'feed_is fstale "f[\"stale\"]" true && feed_is fkeep "f[\"stale\"]" true'
check "stale: the log says so" wait_log "$mark" "feed 'fstale': stale"
check_stale_metric "stale: /metrics says so" "1 1" 'xdpfence_feed_stale{feed="fstale"}' \
	'xdpfence_feed_stale{feed="fkeep"}'
check "stale = withdraw: fstale's ranges are withdrawn" \
	e2e_until 5 decides_is 203.0.113.140 None
check_eq "stale = withdraw: its last result says so" withdrawn \
	"$(feed_field fstale 'f["status"]["last_result"]')"
check_eq "stale = enforce: fkeep's ranges stay in force" "2001:db8:beef::/48 fkeep drop" \
	"$(decides "${SRC[keep6]}")"
check_contains "stale: the last error names the HTTP status" "404" \
	"$(feed_field fstale 'f["status"]["last_error"]')"
mode stale.txt plain
mode keep.txt plain
check "stale: the sources are back, the feeds are fresh again" \
	e2e_until 10 eval 'feed_is fstale "f[\"stale\"]" false && feed_is fkeep "f[\"stale\"]" false'
check "stale: fstale's ranges are back" e2e_until 5 decides_is 203.0.113.140 "203.0.113.128/25 fstale drop"
check "stale: the log says fresh again" wait_log "$mark" "feed 'fstale': fresh again"
check_stale_metric "stale: /metrics says fresh again" "0 1" 'xdpfence_feed_stale{feed="fstale"}' \
	'xdpfence_feed_up{feed="fstale"}'

# ---------------------------------------------------------------- reboot
# bpffs emptied while the daemon is down, and an HTTP source is down too:
# the daemon creates the state again, the file feed from its file, fkeep
# from its last good copy
check_eq "stop before the reboot" 0 "$(daemon_stop)"
rm -rf "$XDPFENCE_PIN_DIR"
check "reboot: the pinned state is gone" test ! -e "$XDPFENCE_PIN_DIR"
mode keep.txt missing
mark=$(log_mark)
check "reboot: daemon started" daemon_start
check "reboot: attached again" wait_log "$mark" "interface $E2E_SRV_IF: attached (native mode)"
check "reboot: the file feed is applied" e2e_until 10 decides_is "${SRC[file4]}" "198.51.100.0/24 fdrop drop"
check "reboot: the HTTP feed's last good copy is applied" \
	e2e_until 10 decides_is "${SRC[keep6]}" "2001:db8:beef::/48 fkeep drop"
check_eq "reboot: the allowlist entry is back" allow \
	"$(xf -j lookup 198.51.100.200 | e2e_json 'd["decision"]["action"]')"
check "reboot: the log says fkeep's source failed and its last good copy was applied" \
	log_has "$mark" "feed 'fkeep': last-good: "
mode keep.txt plain

# ---------------------------------------------------------------- detach
# the control: a daemon told to detach on stop opens the door, and the
# same traffic as above gets through (so the restart check could fail)
check_eq "stop" 0 "$(daemon_stop)"
check "start with --detach-on-stop" daemon_start --detach-on-stop
mark=$(log_mark)
check_eq "stop with --detach-on-stop" 0 "$(daemon_stop)"
check "the log says it detached" log_has "$mark" "detached from the configured interfaces"
send detached 10 file4 clean4
check_eq "detached: the blocked source's datagrams arrive" "10 10" \
	"$(e2e_udp_wait detached "10 10" $(srcs_of file4 clean4))"

e2e_done
