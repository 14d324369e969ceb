#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Feeds fetched over HTTP from a test server (tests/e2e/feeds/feedtool.py
# serve) bound to 127.0.0.1 inside a private network namespace, where
# xdpfence runs too: nothing can leave the machine. A plain list, a gzip
# file served as application/octet-stream (found by its magic), gzip on the
# wire, a redirect; then the failures: 404, a body cut short (with a
# Content-Length, and chunked), a body without length that ends early, a
# server that never answers. A failed download never applies a partial
# feed: the previous version stays in force.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

# libcurl honours these: no proxy may see the test's requests
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
export XDPFENCE_STATE_DIR="$E2E_TMP/state"
W="$E2E_TMP/www"
O="$E2E_TMP/out" E="$E2E_TMP/err"
mkdir -p "$W"

hosts() { # PREFIX FIRST LAST
	local i
	for ((i = $2; i <= $3; i++)); do echo "$1.$i"; done
}

if ! HNS=$(e2e_netns_add http); then
	check "namespace for the HTTP server" false
	e2e_done
fi
# xdpfence in the server's namespace (the bpffs pins are shared)
xh() { in_ns "$HNS" timeout "${XH_TIMEOUT:-30}" "$XDPFENCE" "$@"; }
xhj() { xh -j "$@"; }
run() { # OUTFILE ERRFILE ARGS... -> exit status
	local out=$1 err=$2
	shift 2
	xh "$@" >"$out" 2>"$err"
}
feed_count() { xhj ranges --feed "$1" | e2e_json 'len(d["ranges"])'; }
decides() {
	xhj lookup "$1" | e2e_json '"%s %s" % (d["decision"]["range"], d["decision"]["feed"]) if d["decision"] else "None"'
}
sync_field() { # FILE FEED EXPR-over-f
	e2e_json '[eval(a[1], {"f": f}) for f in d["feeds"] if f["feed"] == a[0]][0]' "$2" "$3" <"$1"
}
mode() { # NAME MODE...: how the server answers /dyn/NAME from now on
	echo "$2" >"$W/$1.mode"
}

in_ns "$HNS" timeout 120 "$E2E_PY" "$E2E_DIR/feeds/feedtool.py" serve --dir "$W" \
	--port-file "$E2E_TMP/port" --log "$E2E_TMP/http.log" --lifetime 110 \
	>"$E2E_TMP/server.out" 2>&1 &
check "HTTP server started" e2e_until 10 test -s "$E2E_TMP/port"
PORT=$(cat "$E2E_TMP/port" 2>/dev/null)
URL="http://127.0.0.1:$PORT"
check_eq "HTTP server listens on 127.0.0.1 only" "127.0.0.1:$PORT" \
	"$(in_ns "$HNS" ss -Htln | awk '{print $4}' | sort -u | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------- fetch
hosts 198.51.100 1 100 >"$W/list.txt"
hosts 203.0.113 1 50 | gzip -n >"$W/list.gz"
run "$O" "$E" -j feed check "$URL/plain/list.txt" --format list --allow-special
check_eq "feed check over HTTP: 100 accepted" "0 100" "$? $(e2e_json 'd["counts"]["accepted"]' <"$O")"
check "feed add web --source $URL/dyn/list.txt" \
	eval 'xh feed add web --source "$URL/dyn/list.txt" --format list --allow-special >/dev/null'
check "feed add webgz --source $URL/octet/list.gz" \
	eval 'xh feed add webgz --source "$URL/octet/list.gz" --format list --allow-special >/dev/null'
check "feed add webenc --source $URL/gzipenc/list.txt (gzip on the wire)" \
	eval 'xh feed add webenc --source "$URL/gzipenc/list.txt" --format list --allow-special >/dev/null'
check "feed add webredir --source $URL/redirect/list.txt" \
	eval 'xh feed add webredir --source "$URL/redirect/list.txt" --format list --allow-special >/dev/null'
run "$O" "$E" -j feed sync
check_eq "sync of four HTTP feeds: exit status 0" 0 $?
check_eq "sync: every feed applied (web webgz webenc webredir)" "applied:100 applied:50 applied:100 applied:100" \
	"$(e2e_json '" ".join("%s:%d" % (f["state"], f["counts"]["accepted"]) for f in d["feeds"])' <"$O")"
check_eq "ranges: 100, 50, 100, 100" "100 50 100 100" \
	"$(feed_count web) $(feed_count webgz) $(feed_count webenc) $(feed_count webredir)"
check_eq "the gzip file served as application/octet-stream: its entries decide" "203.0.113.42/32 webgz" \
	"$(decides 203.0.113.42)"
check_eq "feed show web: content hash = sha256 of the served file" \
	"$(sha256sum "$W/list.txt" | cut -d' ' -f1)" "$(xhj feed show web | e2e_json 'd["status"]["content_hash"]')"
check_eq "feed show webgz: content hash = sha256 of the compressed bytes" \
	"$(sha256sum "$W/list.gz" | cut -d' ' -f1)" "$(xhj feed show webgz | e2e_json 'd["status"]["content_hash"]')"
check_contains "the server saw the requests" "GET /octet/list.gz" "$(cat "$E2E_TMP/http.log")"

# every failure below leaves web's 100 entries in force
stays() { # WHAT: the previous version of web is still in force
	check_eq "$1: the previous version stays (100 ranges, 198.51.100.77 decided by web)" \
		"100 198.51.100.77/32 web" "$(feed_count web) $(decides 198.51.100.77)"
}
# the next version the server would give, 100 other addresses: any of them
# in force would be a partial or wrong update
hosts 198.51.100 101 200 >"$W/list.txt"

# ---------------------------------------------------------------- 404
mode list.txt missing
run "$O" "$E" -j feed sync web
check_eq "404: exit status 1, state failed" "1 failed" "$? $(sync_field "$O" web 'f["state"]')"
check_contains "404: the error names the URL and the status" "$URL/dyn/list.txt: HTTP status 404" \
	"$(sync_field "$O" web 'f["reason"]')"
stays 404
check_contains "404: feed show has it as last error" "HTTP status 404" \
	"$(xhj feed show web | e2e_json 'd["status"]["last_error"]')"
run "$O" "$E" feed check "$URL/dyn/list.txt" --format list
check_eq "404: feed check fails too, naming the URL" "1 yes" \
	"$? $(grep -qF "$URL/dyn/list.txt: HTTP status 404" "$E" && echo yes)"

# ---------------------------------------------------------------- cut short
mode list.txt cut
run "$O" "$E" -j feed sync web
check_eq "body cut short (Content-Length): exit status 1, state failed" "1 failed" \
	"$? $(sync_field "$O" web 'f["state"]')"
check_contains "body cut short: the error names the URL" "$URL/dyn/list.txt: " "$(sync_field "$O" web 'f["reason"]')"
stays "body cut short"
mode list.txt chunkcut
run "$O" "$E" -j feed sync web
check_eq "chunked body cut short: exit status 1, state failed" "1 failed" \
	"$? $(sync_field "$O" web 'f["state"]')"
stays "chunked body cut short"
# without a length, an early close looks like the end of the file: only
# the shrink rail can tell (30 of 100 lines)
mode list.txt "nolen lines=30"
run "$O" "$E" -j feed sync web
check_eq "body without length, 30 of 100 lines: refused by the shrink rail" "1 refused" \
	"$? $(sync_field "$O" web 'f["state"]')"
stays "body without length"

# ---------------------------------------------------------------- hang
# A feed's --timeout bounds the fetch: a server that hangs after the headers
# or never answers fails the sync in about that time, and nothing changes.
check "feed add webslow --timeout 2" \
	eval 'xh feed add webslow --source "$URL/dyn/slow.txt" --format list --allow-special --timeout 2 >/dev/null'
check_eq "feed show: the timeout is recorded" "2" "$(xhj feed show webslow | e2e_json 'd["timeout"]')"
cp "$W/list.txt" "$W/slow.txt"
mode slow.txt hang
start=$(date +%s)
run "$O" "$E" -j feed sync webslow
status=$?
took=$(($(date +%s) - start))
check_eq "server that hangs after the headers: the sync fails (exit 1, state failed)" "1 failed" \
	"$status $(sync_field "$O" webslow 'f["state"]')"
check "server that hangs: the sync ends within the timeout (took ${took}s, limit 2s + slack)" \
	test "$took" -ge 1 -a "$took" -le 10
# while a sync waits on a slow source, the state is not locked: an
# operator's emergency `dry-run on` goes through at once
xh feed sync webslow >/dev/null 2>&1 &
bg=$!
sleep 0.5
start=$(date +%s%N)
xh dry-run on >/dev/null
took_ms=$((($(date +%s%N) - start) / 1000000))
check "dry-run on during a sync stuck on a source: done in ${took_ms} ms (< 1000)" \
	test "$took_ms" -lt 1000
xh dry-run off >/dev/null
wait "$bg"
check "feed remove webslow" eval 'xh feed remove webslow >/dev/null'
stays "server that hangs after the headers, bounded by --timeout"
mode list.txt hang
XH_TIMEOUT=3 xh feed sync web >"$O" 2>"$E"
stays "server that hangs after the headers, sync killed after 3 s"
mode list.txt silent
XH_TIMEOUT=3 xh feed sync web >"$O" 2>"$E"
stays "server that never answers, sync killed after 3 s"
check_eq "after the killed syncs: the registry still reads, the lock is free" "web webgz webenc webredir" \
	"$(xhj feed list | e2e_json '" ".join(f["name"] for f in d["feeds"])')"

# ---------------------------------------------------------------- recovery
mode list.txt plain
run "$O" "$E" -j feed sync web
check_eq "server well again: the new version applies (100 added, 100 removed)" "0 applied 100 100" \
	"$? $(sync_field "$O" web '"%s %d %d" % (f["state"], f["added"], f["removed"])')"
check_eq "server well again: web holds exactly the new addresses" "198.51.100.101/32 .. 198.51.100.200/32 (100)" \
	"$(xhj ranges --feed web | e2e_json '"%s .. %s (%d)" % (d["ranges"][0]["range"], d["ranges"][-1]["range"], len(d["ranges"]))')"
check_eq "server well again: last error cleared" null "$(xhj feed show web | e2e_json 'd["status"]["last_error"]')"

e2e_done
