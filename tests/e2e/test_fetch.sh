#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fetching feeds for production, against a real origin on 127.0.0.1
# (tests/e2e/fetch_server.py, HTTP and HTTPS) inside a private network
# namespace where xdpfence runs too, so nothing leaves the machine:
#   - conditional requests: ETag and Last-Modified; a 304 keeps what is in
#     force and commits nothing; the validators are stored only with a
#     version that was applied, sent only while the feed has ranges in force
#     and its definition is the one they were stored with;
#   - 404 and 500 keep the last good version and record the error; transient
#     errors (5xx) are retried after a jittered, growing delay, 4xx never;
#   - a stalled or silent origin fails within the timeout; a body over the
#     size limit is refused (announced, chunked, or inflated from gzip);
#     truncated bodies are refused by the format's trailer or the shrink
#     rail; gzip on the wire; redirects bounded, never from https to http;
#   - TLS verified, a private origin trusted through --ca-file only;
#   - staleness (max age) and the withdraw policy; after a reboot the whole
#     version is fetched again, and with the origin down the last good one
#     is applied; registries written before these fields read as before.
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init
command -v openssl >/dev/null || e2e_skip_all "openssl is not installed (test certificate)"

# libcurl honours these: no proxy may see the test's requests
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
W="$E2E_TMP/www" LOG="$E2E_TMP/requests.log" O="$E2E_TMP/out" E="$E2E_TMP/err"
mkdir -p "$W"
: >"$LOG"

if ! HNS=$(e2e_netns_add fetch); then
	check "namespace for the origin" false
	e2e_done
fi
xh() { in_ns "$HNS" timeout "${XH_TIMEOUT:-60}" "$XDPFENCE" "$@"; }
xhj() { xh -j "$@"; }
run() { # OUTFILE ERRFILE ARGS... -> exit status of xdpfence ARGS
	local out=$1 err=$2
	shift 2
	xh "$@" >"$out" 2>"$err"
}
hosts() { # PREFIX FIRST LAST
	local i
	for ((i = $2; i <= $3; i++)); do echo "$1.$i"; done
}
mode() { # NAME WORDS...: how the origin answers /f/NAME from now on
	local name=$1
	shift
	echo "$*" >"$W/$name.mode"
	rm -f "$W/$name.count"
}
sync_field() { # FILE FEED EXPR over f (the feed's entry of a sync -j output)
	e2e_json '[eval(a[1], {"f": f}) for f in d["feeds"] if f["feed"] == a[0]][0]' "$2" "$3" <"$1"
}
show() { # FEED EXPR over d (feed show -j)
	xhj feed show "$1" | e2e_json "$2"
}
ranges_digest() { # FEED: its ranges with their range ids
	xhj ranges --feed "$1" | e2e_json '" ".join("%s=%d" % (r["range"], r["range_id"]) for r in d["ranges"])' |
		sha256sum | cut -c1-16
}
count() { xhj ranges --feed "$1" | e2e_json 'len(d["ranges"])'; }
mark() { MARK=$(wc -l <"$LOG"); }
since_mark() { # EXPR over r, the requests logged since mark (dicts)
	tail -n +$((MARK + 1)) "$LOG" | "$E2E_PY" -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
try:
    v = eval(sys.argv[1])
except Exception as e:
    v = "<%s: %s>" % (type(e).__name__, e)
print(v if isinstance(v, (str, int)) and not isinstance(v, bool) else json.dumps(v))' "$1"
}
elapsed_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# a test CA-less certificate for 127.0.0.1: trusted only through --ca-file
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=xdpfence-test-origin" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >/dev/null 2>&1
cat "$E2E_TMP/cert.pem" "$E2E_TMP/key.pem" >"$E2E_TMP/origin.pem"
in_ns "$HNS" timeout 300 "$E2E_PY" "$E2E_DIR/fetch_server.py" --dir "$W" --log "$LOG" \
	--port-file "$E2E_TMP/ports" --cert "$E2E_TMP/origin.pem" --lifetime 280 \
	>"$E2E_TMP/server.out" 2>&1 &
check "origin started (HTTP and HTTPS)" e2e_until 10 test -s "$E2E_TMP/ports"
read -r PORT TLS_PORT <"$E2E_TMP/ports"
URL="http://127.0.0.1:$PORT"
TLS_URL="https://127.0.0.1:$TLS_PORT"
check_eq "the origin listens on 127.0.0.1 only" \
	"$(printf '127.0.0.1:%s\n' "$PORT" "$TLS_PORT" | sort | tr '\n' ' ')" \
	"$(in_ns "$HNS" ss -Htln | awk '{print $4}' | sort | tr '\n' ' ')"
VERSION=$("$XDPFENCE" --version | awk '{print $2}')

# ---------------------------------------------------------------- ETag
hosts 198.51.100 1 100 >"$W/et.txt"
mode et.txt etag
check "feed add et (ETag origin)" \
	eval 'xh feed add et --source "$URL/f/et.txt" --format list --allow-special >/dev/null'
mark
run "$O" "$E" -j feed sync et
check_eq "ETag: first sync applies 100" "0 applied 100" \
	"$? $(sync_field "$O" et '"%s %d" % (f["state"], f["added"])')"
check_eq "ETag: the first request is not conditional" "200 None" \
	"$(since_mark '"%d %s" % (r[0]["status"], r[0]["if_none_match"])')"
check_eq "User-Agent names xdpfence and its version" "xdpfence/$VERSION" "$(since_mark 'r[0]["user_agent"]')"
check_contains "Accept-Encoding offers gzip" gzip "$(since_mark 'r[0]["accept_encoding"]')"
ETAG1=$(show et 'd["etag"]')
check_eq "ETag: stored once the version is applied" \
	"\"$(sha256sum "$W/et.txt" | cut -c1-16)\"" "$ETAG1"
IDS1=$(ranges_digest et)
SUCCESS1=$(show et 'd["status"]["last_success"]')
HASH1=$(show et 'd["status"]["content_hash"]')
sleep 1.1 # last_success has a resolution of one second

mark
run "$O" "$E" -j feed sync et
check_eq "304: exit status 0, state not-modified" "0 not-modified" "$? $(sync_field "$O" et 'f["state"]')"
check_eq "304: the request carried If-None-Match, the origin answered 304" "$ETAG1 304" \
	"$(since_mark '"%s %d" % (r[0]["if_none_match"], r[0]["status"])')"
check_eq "304: nothing committed" null "$(e2e_json 'd["commit"]' <"$O")"
check_eq "304: the ranges and their ids are unchanged" "$IDS1" "$(ranges_digest et)"
check_eq "304: last result not-modified, no error, same content hash" "not-modified None $HASH1" \
	"$(show et '"%s %s %s" % (d["status"]["last_result"], d["status"]["last_error"], d["status"]["content_hash"])')"
check "304: last success moves on (the version is confirmed current)" \
	test "$(show et 'd["status"]["last_success"]')" -gt "$SUCCESS1"

hosts 198.51.100 51 150 >"$W/et.txt"
mark
run "$O" "$E" -j feed sync et
check_eq "new version: old If-None-Match sent, 200, 50 added 50 removed" "0 $ETAG1 200 applied 50 50" \
	"$? $(since_mark '"%s %d" % (r[0]["if_none_match"], r[0]["status"])') $(sync_field "$O" et '"%s %d %d" % (f["state"], f["added"], f["removed"])')"
ETAG2=$(show et 'd["etag"]')
check_eq "new version: its ETag is stored" "\"$(sha256sum "$W/et.txt" | cut -c1-16)\"" "$ETAG2"

# a version the shrink rail refuses must not have its ETag stored: the next
# sync asks with the ETag of what is in force and is refused again
cp "$W/et.txt" "$W/et.v2"
hosts 198.51.100 51 60 >"$W/et.txt"
run "$O" "$E" -j feed sync et
check_eq "refused version: state refused" refused "$(sync_field "$O" et 'f["state"]')"
check_eq "refused version: the stored ETag stays the one in force" "$ETAG2" "$(show et 'd["etag"]')"
mark
run "$O" "$E" -j feed sync et
check_eq "refused version again: asked with the ETag in force, 200, refused" "$ETAG2 200 refused" \
	"$(since_mark '"%s %d" % (r[0]["if_none_match"], r[0]["status"])') $(sync_field "$O" et 'f["state"]')"
cp "$W/et.v2" "$W/et.txt"
run "$O" "$E" -j feed sync et
check_eq "origin back to the version in force: not-modified" "0 not-modified 100" \
	"$? $(sync_field "$O" et 'f["state"]') $(count et)"

# the validators go with the definition they were stored under: another
# action (as a daemon's config reload would set it) must download in full
"$E2E_PY" - "$XDPFENCE_STATE_DIR/feeds.json" <<'EOF'
import json, sys
reg = json.load(open(sys.argv[1]))
for f in reg["feeds"]:
    if f["name"] == "et":
        f["action"] = "count"
json.dump(reg, open(sys.argv[1], "w"))
EOF
mark
run "$O" "$E" -j feed sync et
check_eq "definition changed: no If-None-Match, 200, 100 changed to count" "None 200 applied 100" \
	"$(since_mark '"%s %d" % (r[0]["if_none_match"], r[0]["status"])') $(sync_field "$O" et '"%s %d" % (f["state"], f["changed"])')"
mark
run "$O" "$E" -j feed sync et
check_eq "definition changed: the next sync is conditional again" "$ETAG2 not-modified" \
	"$(since_mark 'r[0]["if_none_match"]') $(sync_field "$O" et 'f["state"]')"

# ---------------------------------------------------------------- Last-Modified
hosts 203.0.113 1 40 >"$W/lm.txt"
touch -d '2024-01-02 03:04:05 UTC' "$W/lm.txt"
mode lm.txt lastmod
check "feed add lm (Last-Modified origin)" \
	eval 'xh feed add lm --source "$URL/f/lm.txt" --format list --allow-special >/dev/null'
run "$O" "$E" -j feed sync lm
check_eq "Last-Modified: first sync applies 40" "0 applied 40" \
	"$? $(sync_field "$O" lm '"%s %d" % (f["state"], f["added"])')"
check_eq "Last-Modified: stored as the origin sent it, no ETag" "Tue, 02 Jan 2024 03:04:05 GMT None" \
	"$(show lm '"%s %s" % (d["last_modified"], d.get("etag"))')"
mark
run "$O" "$E" -j feed sync lm
check_eq "If-Modified-Since sent verbatim, 304, not-modified" "Tue, 02 Jan 2024 03:04:05 GMT 304 not-modified" \
	"$(since_mark '"%s %d" % (r[0]["if_modified_since"], r[0]["status"])') $(sync_field "$O" lm 'f["state"]')"
hosts 203.0.113 1 45 >"$W/lm.txt"
touch -d '2024-02-03 04:05:06 UTC' "$W/lm.txt"
run "$O" "$E" -j feed sync lm
check_eq "newer file: 200, 5 added, the new date stored" "applied 5 Sat, 03 Feb 2024 04:05:06 GMT" \
	"$(sync_field "$O" lm '"%s %d" % (f["state"], f["added"])') $(show lm 'd["last_modified"]')"

# ---------------------------------------------------------------- 404, 500, retries
hosts 198.51.100 151 180 >"$W/err.txt"
check "feed add err (--retries 2)" \
	eval 'xh feed add err --source "$URL/f/err.txt" --format list --allow-special --retries 2 >/dev/null'
run "$O" "$E" feed sync err
check_eq "err: applied 30" 30 "$(count err)"
mode err.txt status=404
mark
run "$O" "$E" -j feed sync err
check_eq "404: exit 1, state failed, one request (a 4xx is not retried)" "1 failed 1" \
	"$? $(sync_field "$O" err 'f["state"]') $(since_mark 'len(r)')"
check_eq "404: the last good version stays (30 ranges)" 30 "$(count err)"
check_eq "404: last result failed, the error names the URL and the status" \
	"failed $URL/f/err.txt: HTTP status 404" \
	"$(show err '"%s %s" % (d["status"]["last_result"], d["status"]["last_error"])')"
mode err.txt status=500
mark
start=$(date +%s%N)
run "$O" "$E" -j feed sync err
check_eq "500: exit 1, state failed, 3 requests (2 retries)" "1 failed 3" \
	"$? $(sync_field "$O" err 'f["state"]') $(since_mark 'len(r)')"
check_eq "500: two retries announced on stderr" 2 "$(grep -c "feed 'err': .*HTTP status 500 (attempt [12] of 3): retrying in" "$E")"
check_eq "500: the last good version stays (30 ranges)" 30 "$(count err)"
check_contains "500: the error says how many attempts" "HTTP status 500 (3 attempts)" \
	"$(show err 'd["status"]["last_error"]')"

# 503 twice, then 200: retried until it succeeds; the waits are the ones
# announced, within the backoff's bounds (first <= 1 s, second <= 2 s)
hosts 203.0.113 101 120 >"$W/flaky.txt"
check "feed add flaky (--retries 3)" \
	eval 'xh feed add flaky --source "$URL/f/flaky.txt" --format list --allow-special --retries 3 >/dev/null'
mode flaky.txt fail=2:503
mark
start=$(date +%s%N)
run "$O" "$E" -j feed sync flaky
took=$(elapsed_ms "$start")
check_eq "503, 503, 200: exit 0, applied 20 after 3 attempts" "0 applied 20 3" \
	"$? $(sync_field "$O" flaky '"%s %d %d" % (f["state"], f["added"], f["attempts"])')"
check_eq "503, 503, 200: the origin saw exactly that" "503 503 200" \
	"$(since_mark '" ".join(str(x["status"]) for x in r)')"
mapfile -t delays < <(sed -n "s/.*feed 'flaky': .*HTTP status 503 (attempt [12] of 4): retrying in \([0-9.]*\) s/\1/p" "$E")
check_eq "503: two retries announced" 2 "${#delays[@]}"
check "503: first delay within [0, 1] s, second within [0, 2] s (${delays[*]})" \
	"$E2E_PY" -c 'import sys; a = [float(x) for x in sys.argv[1:]]; sys.exit(not (len(a) == 2 and 0 <= a[0] <= 1 and 0 <= a[1] <= 2))' "${delays[@]}"
gaps=$(since_mark '" ".join("%d" % ((r[i + 1]["time"] - r[i]["time"]) * 1000) for i in range(len(r) - 1))')
check "503: the origin saw the requests at least the announced delays apart (gaps ${gaps} ms, delays ${delays[*]} s)" \
	"$E2E_PY" -c 'import sys; g = [int(x) for x in sys.argv[1].split()]; d = [float(x) for x in sys.argv[2:]]; sys.exit(not (len(g) == 2 and all(gi >= di * 1000 - 50 for gi, di in zip(g, d))))' "$gaps" "${delays[@]}"
check "503: the sync took at least the sum of the delays (${took} ms)" \
	"$E2E_PY" -c 'import sys; sys.exit(not (int(sys.argv[1]) >= sum(float(x) for x in sys.argv[2:]) * 1000 - 50))' "$took" "${delays[@]}"

# ---------------------------------------------------------------- timeouts
hosts 198.51.100 201 230 >"$W/slow.txt"
check "feed add slow (--timeout 2 --connect-timeout 1 --retries 0)" \
	eval 'xh feed add slow --source "$URL/f/slow.txt" --format list --allow-special --timeout 2 --connect-timeout 1 --retries 0 >/dev/null'
check_eq "feed show: timeouts and retries recorded" "2 1 0" \
	"$(show slow '"%d %d %d" % (d["timeout"], d["connect_timeout"], d["retries"])')"
for how in stall silent; do
	mode slow.txt "$how=20"
	start=$(date +%s%N)
	run "$O" "$E" -j feed sync slow
	status=$?
	took=$(elapsed_ms "$start")
	check_eq "origin that goes $how: exit 1, state failed" "1 failed" "$status $(sync_field "$O" slow 'f["state"]')"
	check "origin that goes $how: the timeout fires within 2 s + slack (took ${took} ms)" \
		test "$took" -ge 1500 -a "$took" -lt 5000
	check_contains "origin that goes $how: the error says it timed out" "timed out" \
		"$(sync_field "$O" slow 'f["reason"]')"
done
check_eq "timeouts: nothing of slow was ever applied" 0 "$(count slow)"

# ---------------------------------------------------------------- size limit
hosts 203.0.113 201 210 >"$W/big.txt" # 140 bytes
check "feed add big (--max-size 1K)" \
	eval 'xh feed add big --source "$URL/f/big.txt" --format list --allow-special --max-size 1K >/dev/null'
run "$O" "$E" feed sync big
check_eq "big: a version under the limit applies (10)" 10 "$(count big)"
hosts 203.0.113 1 100 >"$W/big.txt" # 1292 bytes
for how in "" chunked gzip; do
	mode big.txt $how
	mark
	run "$O" "$E" -j feed sync big
	check_eq "body over --max-size (${how:-with Content-Length}): exit 1, failed, one request" "1 failed 1" \
		"$? $(sync_field "$O" big 'f["state"]') $(since_mark 'len(r)')"
	check_contains "body over --max-size (${how:-with Content-Length}): the error says so" \
		"larger than the size limit of 1024 bytes: refused" "$(sync_field "$O" big 'f["reason"]')"
	check_eq "body over --max-size (${how:-with Content-Length}): the last good 10 stay" 10 "$(count big)"
done
check_eq "the gzip body was small on the wire (under the limit)" yes \
	"$(test "$(gzip -c "$W/big.txt" | wc -c)" -lt 1024 && echo yes)"

# ---------------------------------------------------------------- truncated, gzip
# Spamhaus JSON Lines: the metadata trailer counts the records and bytes
"$E2E_PY" - "$W/sh.json" <<'EOF'
import json, sys
body = "".join(json.dumps({"cidr": "198.51.100.%d/32" % i, "sblid": "SBL%d" % i, "rir": "test"}) + "\n"
               for i in range(1, 81))
trailer = {"type": "metadata", "timestamp": 1700000000, "size": len(body), "records": 80}
open(sys.argv[1], "w").write(body + json.dumps(trailer) + "\n")
EOF
check "feed add sh (spamhaus-json)" \
	eval 'xh feed add sh --source "$URL/f/sh.json" --format spamhaus-json --allow-special >/dev/null'
run "$O" "$E" -j feed sync sh
check_eq "spamhaus-json: 80 applied" "applied 80" "$(sync_field "$O" sh '"%s %d" % (f["state"], f["added"])')"
mode sh.json lines=60
run "$O" "$E" -j feed sync sh
check_eq "spamhaus-json cut after 60 of 81 lines: refused as truncated, 80 stay" "refused 80" \
	"$(sync_field "$O" sh 'f["state"]') $(count sh)"
check_contains "spamhaus-json cut: the reason names the truncation" "truncated" "$(sync_field "$O" sh 'f["reason"]')"
mode err.txt lines=5
run "$O" "$E" -j feed sync err
check_eq "list cut after 5 of 30 lines: refused by the shrink rail, 30 stay" "refused 30" \
	"$(sync_field "$O" err 'f["state"]') $(count err)"

hosts 203.0.113 151 200 >"$W/gz.txt"
mode gz.txt gzip etag
check "feed add gz (gzip on the wire)" \
	eval 'xh feed add gz --source "$URL/f/gz.txt" --format list --allow-special >/dev/null'
mark
run "$O" "$E" -j feed sync gz
check_eq "gzip content-encoding: applied 50, served compressed" "applied 50 gzip" \
	"$(sync_field "$O" gz '"%s %d" % (f["state"], f["added"])') $(since_mark 'r[0]["encoding"]')"
check_eq "gzip content-encoding: the content hash is that of the decoded file" \
	"$(sha256sum "$W/gz.txt" | cut -d' ' -f1)" "$(show gz 'd["status"]["content_hash"]')"
run "$O" "$E" -j feed sync gz
check_eq "gzip content-encoding: then not-modified by ETag" not-modified "$(sync_field "$O" gz 'f["state"]')"

# ---------------------------------------------------------------- redirects
hosts 198.51.100 241 250 >"$W/redir.txt"
run "$O" "$E" -j feed check "$URL/redirect/5/redir.txt" --format list --allow-special
check_eq "5 redirects (the bound): followed, 10 accepted" "0 10" "$? $(e2e_json 'd["counts"]["accepted"]' <"$O")"
mark
run "$O" "$E" feed check "$URL/redirect/6/redir.txt" --format list --allow-special
check_eq "6 redirects: refused (exit 1), the file never fetched" "1 0" \
	"$? $(since_mark 'sum(x["path"].startswith("/f/") for x in r)')"
check_contains "6 redirects: the error says so" "more than 5 redirects: refused" "$(cat "$E")"

# ---------------------------------------------------------------- TLS
run "$O" "$E" feed check "$TLS_URL/f/redir.txt" --format list --allow-special
check_eq "https with a certificate no CA vouches for: refused (exit 1)" 1 $?
check_contains "https unverified: the error is about the certificate" "certificate" "$(cat "$E")"
run "$O" "$E" -j feed check "$TLS_URL/f/redir.txt" --format list --allow-special --ca-file "$E2E_TMP/cert.pem"
check_eq "https with --ca-file of the origin: verified, 10 accepted" "0 10" "$? $(e2e_json 'd["counts"]["accepted"]' <"$O")"
run "$O" "$E" feed check "$TLS_URL/to-http/redir.txt" --format list --allow-special --ca-file "$E2E_TMP/cert.pem"
check_eq "a redirect from https to http: refused" 1 $?
check "feed add tls --ca-file" \
	eval 'xh feed add tls --source "$TLS_URL/f/redir.txt" --format list --allow-special --ca-file "$E2E_TMP/cert.pem" >/dev/null'
run "$O" "$E" -j feed sync tls
check_eq "feed sync over https with the feed's CA file: applied 10" "0 applied 10" \
	"$? $(sync_field "$O" tls '"%s %d" % (f["state"], f["added"])')"
check_eq "feed show: the CA file is kept (absolute)" "$E2E_TMP/cert.pem" "$(show tls 'd["ca_file"]')"

# ---------------------------------------------------------------- staleness
check "feed add stale options: --interval 1h --max-age 2h --stale withdraw" \
	eval 'xh feed add wd --source "$URL/f/err.txt" --format list --allow-special --retries 0 --interval 1h --max-age 2h --stale withdraw >/dev/null'
check_eq "feed show: interval, max age, policy" "3600 7200 withdraw" \
	"$(show wd '"%d %d %s" % (d["interval"], d["max_age"], d["stale_policy"])')"
check_eq "never synced, with a max age: stale" "True None" "$(show wd '"%s %s" % (d["stale"], d["age"])')"
mode err.txt
run "$O" "$E" feed sync wd
check_eq "synced: fresh, age 0..2 s, 30 in force" "False True 30" \
	"$(show wd '"%s %s" % (d["stale"], 0 <= d["age"] <= 2)') $(count wd)"
age_feed() { # FEED SECONDS: pretend the last success was that long ago
	"$E2E_PY" - "$XDPFENCE_STATE_DIR/feeds.json" "$1" "$2" <<'EOF'
import json, sys, time
reg = json.load(open(sys.argv[1]))
for f in reg["feeds"]:
    if f["name"] == sys.argv[2]:
        f["status"]["last_success"] = int(time.time()) - int(sys.argv[3])
json.dump(reg, open(sys.argv[1], "w"))
EOF
}
age_feed wd 3600
check_eq "an hour old (max age 2h): not stale" false "$(show wd 'd["stale"]')"
age_feed wd 10800
check_eq "three hours old: stale, in feed list too" "true true" \
	"$(show wd 'd["stale"]') $(xhj feed list | e2e_json '[f["stale"] for f in d["feeds"] if f["name"] == "wd"][0]')"
check_contains "feed list (text): a STALE column says yes" "yes" "$(xh feed list | awk '$1 == "wd"')"
mode err.txt status=503
run "$O" "$E" -j feed sync wd
check_eq "stale and failing under withdraw: state withdrawn, its ranges go" "1 withdrawn 0" \
	"$? $(sync_field "$O" wd 'f["state"]') $(count wd)"
check_eq "withdrawn: last result withdrawn, no entries" "withdrawn 0" \
	"$(show wd '"%s %d" % (d["status"]["last_result"], d["status"]["entries"])')"
check_eq "err (default policy enforce), three hours old and failing: its 30 stay" "failed 30" \
	"$(age_feed err 10800; xh -j feed sync err 2>/dev/null | e2e_json '[f["state"] for f in d["feeds"]][0]') $(count err)"
mode err.txt
run "$O" "$E" -j feed sync wd
check_eq "the origin well again: wd applied in full, fresh" "0 applied 30 false" \
	"$? $(sync_field "$O" wd '"%s %d" % (f["state"], f["added"])') $(show wd 'd["stale"]')"

# ---------------------------------------------------------------- reboot
# bpffs emptied: the feed has nothing in force, so the whole version is
# fetched (a 304 would leave it empty); with the origin failing, the last
# good version is applied
rm -rf "$XDPFENCE_PIN_DIR"
mark
run "$O" "$E" -j feed sync et
check_eq "after a reboot: no If-None-Match, 200, 100 applied" "None 200 applied 100" \
	"$(since_mark '"%s %d" % (r[0]["if_none_match"], r[0]["status"])') $(sync_field "$O" et '"%s %d" % (f["state"], f["added"])')"
rm -rf "$XDPFENCE_PIN_DIR"
mode gz.txt status=404
run "$O" "$E" -j feed sync gz
check_eq "after a reboot, origin failing: the last good version (50) is applied" "1 applied True 50" \
	"$? $(sync_field "$O" gz '"%s %s %d" % (f["state"], f["from_last_good"], f["added"])')"
check_eq "after a reboot, origin failing: last result last-good" last-good "$(show gz 'd["status"]["last_result"]')"

# ---------------------------------------------------------------- options, registries
check_fails "feed add --stale sometimes: usage error" xh feed add x1 --source "$URL/f/x" --stale sometimes
check_fails "feed add --interval 1x: usage error" xh feed add x2 --source "$URL/f/x" --interval 1x
check_fails "feed add --max-size 0: usage error" xh feed add x3 --source "$URL/f/x" --max-size 0
check_fails "feed add --retries 11: usage error" xh feed add x4 --source "$URL/f/x" --retries 11
check_fails "feed add --ca-file missing: refused" xh feed add x5 --source "$URL/f/x" --ca-file "$E2E_TMP/none.pem"
xh feed add x6 --source "$URL/f/x" --interval 2h --max-age 1h >/dev/null 2>"$E"
check_contains "feed add --max-age shorter than --interval: warned" "reported stale between refreshes" "$(cat "$E")"

# a registry written before these fields: read with their defaults, and
# saved back with them
OLD="$E2E_TMP/old-state"
mkdir -p "$OLD"
cat >"$OLD/feeds.json" <<EOF
{"version": 1, "feeds": [{"name": "old", "id": 1, "source": "$URL/f/et.txt", "format": "list",
 "action": "drop", "options": {}, "rails": {"min_prefix4": 8, "min_prefix6": 19,
 "allow_special": true, "max_shrink": 50, "allow_shrink": false},
 "status": {"entries": 0, "v4": 0, "v6": 0, "last_attempt": 0, "last_success": 0,
 "last_error": null, "content_hash": null}}]}
EOF
check_eq "a registry of an earlier version: read with the defaults" "2 0 0 enforce none False" \
	"$(xh --state-dir "$OLD" -j feed list | e2e_json '"%s %s %s %s %s %s" % tuple([[f["retries"], f["interval"], f["max_age"], f["stale_policy"], f["status"]["last_result"], f["stale"]] for f in d["feeds"]][0])')"
OLDPIN=$(e2e_pin_dir_add old)
run "$O" "$E" --state-dir "$OLD" --pin-dir "$OLDPIN" -j feed sync
check_eq "a registry of an earlier version: syncs, and is saved with the new fields" "0 applied 2" \
	"$? $(sync_field "$O" old 'f["state"]') $(e2e_json 'd["feeds"][0]["retries"]' <"$OLD/feeds.json")"

e2e_done
