#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Packaging for a fleet: `make install` / `uninstall` with DESTDIR and
# PREFIX; the systemd unit verifies, and its capability set and system call
# filter are enough for xdpfence (measured on real commands in a namespace)
# while CAP_BPF is not optional; bash completion offers commands, options,
# values, interfaces and feeds; the Kubernetes manifests parse, agree with
# each other and with the unit; the container image lists every library the
# binary links; the man page renders without warnings.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_require
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(dirname "$XDPFENCE")
unit_src="$top/packaging/systemd/xdpfence.service"
completion_src="$top/packaging/bash-completion/xdpfence"

# ---- make install / uninstall ------------------------------------------

# xf_install PREFIX DESTDIR [TARGET]
xf_install() {
	make -s --no-print-directory -C "$top" BUILD="$build" PREFIX="$1" DESTDIR="$2" "${3:-install}"
}

# installed_files DESTDIR: every file and link under it, relative, sorted
installed_files() {
	(cd "$1" && find . ! -type d | sed 's|^\./||' | sort)
}

mode_of() {
	stat -c %a "$1" 2>/dev/null
}

stage="$E2E_TMP/stage-usr"
check "make install DESTDIR PREFIX=/usr" xf_install /usr "$stage"
expected="lib/systemd/system/xdpfence.service
usr/sbin/xdpfence
usr/share/bash-completion/completions/xdpfence
usr/share/man/man8/xdpfence.8"
for doc in xdpfence.conf.example grafana-dashboard.json; do
	[ -f "$top/docs/$doc" ] && expected+=$'\n'"usr/share/doc/xdpfence/$doc"
done
expected=$(sort <<<"$expected")
check_eq "PREFIX=/usr installs exactly the expected files" "$expected" "$(installed_files "$stage")"
check_eq "binary mode" 755 "$(mode_of "$stage/usr/sbin/xdpfence")"
check_eq "man page mode" 644 "$(mode_of "$stage/usr/share/man/man8/xdpfence.8")"
check_eq "completion mode" 644 "$(mode_of "$stage/usr/share/bash-completion/completions/xdpfence")"
check_eq "unit mode" 644 "$(mode_of "$stage/lib/systemd/system/xdpfence.service")"
for doc in xdpfence.conf.example grafana-dashboard.json; do
	[ -f "$top/docs/$doc" ] || continue
	check_eq "$doc mode" 644 "$(mode_of "$stage/usr/share/doc/xdpfence/$doc")"
done
check "installed binary is the built one" cmp -s "$XDPFENCE" "$stage/usr/sbin/xdpfence"
check "installed binary runs" "$stage/usr/sbin/xdpfence" --version
check_eq "unit runs the /usr binary" \
	"ExecStart=/usr/sbin/xdpfence run --config /etc/xdpfence/xdpfence.conf" \
	"$(grep '^ExecStart=' "$stage/lib/systemd/system/xdpfence.service")"

stage_local="$E2E_TMP/stage-local"
check "make install PREFIX=/usr/local" xf_install /usr/local "$stage_local"
check "PREFIX=/usr/local: binary in sbin" test -x "$stage_local/usr/local/sbin/xdpfence"
check "PREFIX=/usr/local: unit under the prefix" \
	test -f "$stage_local/usr/local/lib/systemd/system/xdpfence.service"
check_eq "PREFIX=/usr/local: unit runs the /usr/local binary" \
	"ExecStart=/usr/local/sbin/xdpfence run --config /etc/xdpfence/xdpfence.conf" \
	"$(grep '^ExecStart=' "$stage_local/usr/local/lib/systemd/system/xdpfence.service" 2>/dev/null)"
check_eq "PREFIX=/usr/local: reload checks with the /usr/local binary" \
	"ExecReload=/usr/local/sbin/xdpfence config check /etc/xdpfence/xdpfence.conf" \
	"$(grep '^ExecReload=/usr' "$stage_local/usr/local/lib/systemd/system/xdpfence.service" 2>/dev/null)"
check_eq "PREFIX=/usr/local: nothing outside the prefix" "" \
	"$(installed_files "$stage_local" | grep -v '^usr/local/')"

# an operator's own file in the doc directory survives uninstall
mkdir -p "$stage_local/usr/local/share/doc/xdpfence"
echo "site notes" >"$stage_local/usr/local/share/doc/xdpfence/NOTES"
check "make uninstall PREFIX=/usr/local" xf_install /usr/local "$stage_local" uninstall
check_eq "uninstall removes only what install put there" \
	"usr/local/share/doc/xdpfence/NOTES" "$(installed_files "$stage_local")"

# ---- the systemd unit ----------------------------------------------------

unit="$stage/lib/systemd/system/xdpfence.service"
# unit_value KEY: the value of KEY= in the installed unit (last one wins)
unit_value() {
	sed -n "s/^$1=//p" "$unit" | tail -n 1
}

# verify_unit FILE: systemd-analyze verify says nothing, with the staged
# binary for ExecStart and the staged man page for Documentation=
verify_unit() {
	local copy="$E2E_TMP/verify/xdpfence.service" out
	mkdir -p "$E2E_TMP/verify"
	sed "s|=/usr/sbin/xdpfence |=$stage/usr/sbin/xdpfence |" "$1" >"$copy"
	out=$(MANPATH="$stage/usr/share/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$copy" 2>&1) &&
		[ -z "$out" ] || {
		echo "$out" >&2
		return 1
	}
}

if command -v systemd-analyze >/dev/null; then
	check "unit verifies (systemd-analyze verify, man page found)" verify_unit "$unit"
	sed 's/^Restart=on-failure/Restart=sometimes/' "$unit" >"$E2E_TMP/broken.service"
	check_fails "a broken unit does not verify" verify_unit "$E2E_TMP/broken.service"
else
	skip "unit verifies" "systemd-analyze is not installed"
fi
check_eq "unit: Restart" on-failure "$(unit_value Restart)"
check_eq "unit: reload checks the config, then sends SIGHUP" \
	"/usr/sbin/xdpfence config check /etc/xdpfence/xdpfence.conf|/bin/kill -HUP \$MAINPID" \
	"$(sed -n 's/^ExecReload=//p' "$unit" | paste -sd'|')"
check_eq "unit: KillSignal (filter stays attached)" SIGTERM "$(unit_value KillSignal)"
check_eq "unit: StateDirectory" xdpfence "$(unit_value StateDirectory)"
check_eq "unit: RuntimeDirectory" xdpfence "$(unit_value RuntimeDirectory)"
check_eq "unit: NoNewPrivileges" yes "$(unit_value NoNewPrivileges)"
check_eq "unit: ProtectSystem" strict "$(unit_value ProtectSystem)"
check_eq "unit: bpffs writable" /sys/fs/bpf "$(unit_value ReadWritePaths)"
check_eq "unit: ProtectHome" yes "$(unit_value ProtectHome)"
check_eq "unit: PrivateTmp" yes "$(unit_value PrivateTmp)"
check_eq "unit: LimitMEMLOCK" infinity "$(unit_value LimitMEMLOCK)"
check_eq "unit: ambient capabilities = bounding set" \
	"$(unit_value CapabilityBoundingSet)" "$(unit_value AmbientCapabilities)"
check_fails "unit: no CAP_SYS_ADMIN" grep -q CAP_SYS_ADMIN <<<"$(unit_value CapabilityBoundingSet)"
check_fails "unit: bpffs not made read-only (ProtectKernelTunables)" \
	grep -q '^ProtectKernelTunables=yes' "$unit"

# the unit's capabilities as setpriv takes them: -all,+bpf,+net_admin,...
unit_caps=$(unit_value CapabilityBoundingSet)
setpriv_caps="-all$(for c in $unit_caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)"

ns=$(e2e_netns_add pkg)
ifc="xfp$E2E_ID"
ip -n "$ns" link add "$ifc" type veth peer name "xfq$E2E_ID"
ip -n "$ns" link set "$ifc" up
ip -n "$ns" link set "xfq$E2E_ID" up
feed_file="$E2E_TMP/feed.txt"
printf '198.51.100.0/24\n203.0.113.0/25\n' >"$feed_file"

# with_unit_caps CMD...: CMD in the namespace with exactly the unit's
# capabilities (and a feed registry of its own)
with_unit_caps() {
	XDPFENCE_STATE_DIR="$E2E_TMP/node-state" in_ns "$ns" setpriv --bounding-set="$setpriv_caps" "$@"
}

# the commands a node runs, daemon or operator, one after the other
# (a feed of documentation ranges: --allow-special); the output is shown
# when one fails
node_commands() {
	local x=("$@") log="$E2E_TMP/node_commands.log"
	if ! {
		"${x[@]}" attach "$ifc" && "${x[@]}" block 198.51.100.0/24 --action tag --tag 1 &&
			"${x[@]}" allow 198.51.100.7 && "${x[@]}" protect 192.0.2.1:443/tcp &&
			"${x[@]}" feed add pkgfeed --source "$feed_file" --format list --allow-special &&
			"${x[@]}" feed sync && "${x[@]}" lookup 203.0.113.9 && "${x[@]}" stats &&
			"${x[@]}" status && "${x[@]}" events --count 1 --timeout 1 &&
			"${x[@]}" config set new-only on && "${x[@]}" feed remove pkgfeed &&
			"${x[@]}" detach --all && "${x[@]}" purge
	} >"$log" 2>&1; then
		cat "$log"
		return 1
	fi
}

check "every command works with only the unit's capabilities ($unit_caps)" \
	node_commands with_unit_caps timeout 30 "$XDPFENCE"
in_ns "$ns" timeout 30 "$XDPFENCE" purge >/dev/null 2>&1
no_bpf="${setpriv_caps/,+bpf/}"
check_fails "without CAP_BPF attach fails (the set is not too wide)" \
	in_ns "$ns" setpriv --bounding-set="$no_bpf" timeout 30 "$XDPFENCE" attach "$ifc"
no_perfmon="${setpriv_caps/,+perfmon/}"
check_fails "without CAP_PERFMON attach fails (the verifier needs it)" \
	in_ns "$ns" setpriv --bounding-set="$no_perfmon" timeout 30 "$XDPFENCE" attach "$ifc"
in_ns "$ns" timeout 30 "$XDPFENCE" purge >/dev/null 2>&1

# allowed_syscalls GROUP|NAME...: the names systemd expands them to
allowed_syscalls() {
	local item
	for item in "$@"; do
		if [[ $item == @* ]]; then
			# a group lists its syscalls and its nested groups (indented)
			# shellcheck disable=SC2046
			allowed_syscalls $(systemd-analyze syscall-filter "$item" |
				sed -n '2,$ { s/^ *\([@a-z0-9_-]*\)$/\1/p }')
		else
			echo "$item"
		fi
	done
}

# syscalls_outside_filter: what the node's commands call that the unit's
# SystemCallFilter does not allow
syscalls_outside_filter() {
	local trace="$E2E_TMP/strace" allowed used
	rm -f "$trace".*
	node_commands with_unit_caps timeout 30 strace -f -qq -ff -o "$trace" "$XDPFENCE" \
		>/dev/null 2>&1 || return 1
	# shellcheck disable=SC2046
	allowed=$(allowed_syscalls $(unit_value SystemCallFilter) | sort -u)
	used=$(sed -n 's/^\([a-z0-9_]*\)(.*/\1/p' "$trace".* | sort -u)
	[ -n "$used" ] || return 1
	comm -23 <(echo "$used") <(echo "$allowed")
}

if command -v strace >/dev/null && command -v systemd-analyze >/dev/null; then
	outside=$(syscalls_outside_filter)
	rc=$?
	check_eq "the commands ran under strace" 0 "$rc"
	check_eq "every system call is allowed by the unit's SystemCallFilter" "" "$outside"
	in_ns "$ns" timeout 30 "$XDPFENCE" purge >/dev/null 2>&1
else
	skip "system calls allowed by SystemCallFilter" "strace or systemd-analyze is not installed"
fi

# The daemon itself in the unit's sandbox, as systemd would run it: only the
# unit's capabilities; a feed over HTTP (a server on the namespace's own
# loopback), /metrics scraped (the feed's entries), an event sink, SIGHUP,
# SIGTERM. Every system call it makes
# must pass the unit's filter and every socket family RestrictAddressFamilies.
daemon_dir="$E2E_TMP/daemon"
mkdir -p "$daemon_dir/www" "$daemon_dir/run"
printf '203.0.113.0/25\n' >"$daemon_dir/www/list.txt"
cat >"$daemon_dir/xdpfence.conf" <<EOF
[daemon]
state_dir = $daemon_dir/state
runtime_dir = $daemon_dir/run
events = file:$daemon_dir/events.jsonl
metrics_listen = 127.0.0.1:9101

[interface $ifc]
mode = native

[feed web]
source = http://127.0.0.1:8080/list.txt
allow_special = yes
interval = 2s
EOF

daemon_pid() {
	cat "$daemon_dir/run/xdpfence.pid" 2>/dev/null
}
web_feed_decides() {
	[ "$(in_ns "$ns" timeout 10 "$XDPFENCE" -j lookup 203.0.113.9 |
		e2e_json 'd["decision"]["feed"] if d["decision"] else None')" = web ]
}
scrape_metrics() {
	in_ns "$ns" "$E2E_PY" -c '
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:9101/metrics", timeout=5).read().decode()
sys.exit(0 if sys.argv[1] in body.splitlines() else 1)' 'xdpfence_feed_entries{feed="web"} 1'
}
# the daemon run: started, applies the feed, answers, reloads, stops with 0
daemon_in_sandbox() {
	local trace="$daemon_dir/strace" rc
	rm -f "$trace".* "$daemon_dir/rc"
	(
		with_unit_caps timeout 60 strace -f -qq -ff -o "$trace" \
			"$XDPFENCE" run --config "$daemon_dir/xdpfence.conf" >"$daemon_dir/log" 2>&1
		echo $? >"$daemon_dir/rc"
	) &
	e2e_until 10 test -s "$daemon_dir/run/xdpfence.pid" || return 1
	e2e_until 15 web_feed_decides || return 1
	e2e_until 5 scrape_metrics || return 1
	kill -HUP "$(daemon_pid)" && sleep 1 && kill -0 "$(daemon_pid)" || return 1
	kill -TERM "$(daemon_pid)"
	e2e_until 20 test -s "$daemon_dir/rc" || return 1
	rc=$(cat "$daemon_dir/rc")
	[ "$rc" = 0 ] || {
		echo "the daemon exited with $rc" >&2
		return 1
	}
}

if ! "$XDPFENCE" --help | grep -q '^  run '; then
	skip "the daemon in the unit's sandbox" "no 'run' command yet"
elif ! command -v strace >/dev/null || ! command -v systemd-analyze >/dev/null; then
	skip "the daemon in the unit's sandbox" "strace or systemd-analyze is not installed"
else
	in_ns "$ns" timeout 60 "$E2E_PY" -m http.server --bind 127.0.0.1 \
		--directory "$daemon_dir/www" 8080 >"$daemon_dir/http.log" 2>&1 &
	check "HTTP server on the namespace's loopback" e2e_until 10 \
		in_ns "$ns" "$E2E_PY" -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null
	name="the daemon runs with only the unit's capabilities: HTTP feed, /metrics, SIGHUP, SIGTERM"
	if daemon_in_sandbox; then
		echo "[       OK ] $name"
	else
		echo "[  FAILED  ] $name"
		E2E_FAILED=$((E2E_FAILED + 1))
		cat "$daemon_dir/log"
	fi
	check "the filter stays attached after the daemon stops" web_feed_decides
	# shellcheck disable=SC2046
	allowed=$(allowed_syscalls $(unit_value SystemCallFilter) | sort -u)
	used=$(sed -n 's/^\([a-z0-9_]*\)(.*/\1/p' "$daemon_dir"/strace.* 2>/dev/null | sort -u)
	check_ge "the daemon's system calls were traced" 20 "$(wc -l <<<"$used")"
	check_eq "every system call of the daemon is allowed by the unit's SystemCallFilter" "" \
		"$(comm -23 <(echo "$used") <(echo "$allowed"))"
	families=$(grep -oh 'socket(AF_[A-Z0-9]*' "$daemon_dir"/strace.* 2>/dev/null |
		sed 's/socket(//' | sort -u)
	check_contains "the daemon opened inet sockets (feed download)" AF_INET "$families"
	check_eq "every socket family is in RestrictAddressFamilies" "" \
		"$(comm -23 <(echo "$families") <(unit_value RestrictAddressFamilies | tr ' ' '\n' | sort -u))"
	ip netns pids "$ns" | xargs -r kill 2>/dev/null
	in_ns "$ns" timeout 30 "$XDPFENCE" purge >/dev/null 2>&1
fi

# ---- bash completion -----------------------------------------------------

# complete WORD...: what the installed completion offers for the last word,
# in a fresh bash, one line, as bash would list it
complete_words() {
	bash -c '
. "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
_xdpfence
printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"' \
		complete "$stage/usr/share/bash-completion/completions/xdpfence" "$@"
}

check_contains "completion is registered for xdpfence" "_xdpfence xdpfence" \
	"$(bash -c ". '$completion_src'; complete -p xdpfence")"
help_commands=$("$XDPFENCE" --help | sed -n '/^Commands/,$ { s/^  \([a-z][a-z0-9-]*\).*/\1/p }')
offered=" $(complete_words "$XDPFENCE" '') "
missing=""
for c in $help_commands; do
	[[ $offered == *" $c "* ]] || missing+=" $c"
done
check_eq "completion offers every command of --help" "" "$missing"
check_eq "completion: prefix of a command" "stats status" "$(complete_words "$XDPFENCE" st)"
check_eq "completion: after a global option" "stats status" "$(complete_words "$XDPFENCE" -j st)"
missing=""
while read -r c usage; do
	offered=" $(complete_words "$XDPFENCE" "$c" --) "
	for o in $(grep -o -- '--[a-z0-9][a-z0-9-]*' <<<"$usage"); do
		[[ $offered == *" $o "* ]] || missing+=" $c:$o"
	done
done < <("$XDPFENCE" --help | sed -n '/^Commands/,$ { s/^  //; s/  .*//p }' | tail -n +2)
check_eq "completion offers every option of each command's usage line" "" "$missing"
check_contains "completion: global options" "--pin-dir" "$(complete_words "$XDPFENCE" --)"
# every long option the sources parse (getopt tables) is offered, from
# --help or from the completion's own lists, and one that takes a value
# is known to take one (its value is never completed as an option)
getopt_options() { # required_argument|no_argument
	sed -n "s/.*{ *\"\([a-z0-9-]*\)\", *$1.*/--\1/p" "$top"/user/*.c | sort -u
}
with_value=" $(bash -c '. "$1"; echo $_xdpfence_options_with_value $_xdpfence_global_with_value' \
	_ "$completion_src") "
help_text=$("$XDPFENCE" --help)
missing=""
for o in $(getopt_options required_argument) $(getopt_options no_argument); do
	grep -qw -- "$o" "$completion_src" || grep -qw -- "$o" <<<"$help_text" || missing+=" $o"
done
check_eq "completion knows every option the sources parse" "" "$missing"
# and in --help, an option followed by its value: "[--top N]", "--mode native|generic"
help_with_value() {
	sed -n '/^Commands/,$ { s/^  //; s/  .*//p }' <<<"$help_text" |
		grep -oE -- '--[a-z0-9-]+ [^]|[ -][^] ]*' | cut -d' ' -f1
}
missing=""
for o in $(getopt_options required_argument) $(help_with_value); do
	[[ $with_value == *" $o "* ]] || missing+=" $o"
done
check_eq "completion knows which options take a value" "" "$missing"
check_eq "completion: attach --mode" "generic native" \
	"$(complete_words "$XDPFENCE" attach "$ifc" --mode '')"
check_eq "completion: block --action" "count drop tag" \
	"$(complete_words "$XDPFENCE" blo 198.51.100.0/24 --action '')"
check_eq "completion: the value of --tag is not an option" "" \
	"$(complete_words "$XDPFENCE" block 198.51.100.0/24 --tag '')"
check_eq "completion: feed verbs" "add check list remove show sync" \
	"$(complete_words "$XDPFENCE" feed '')"
offered=" $(complete_words "$XDPFENCE" feed add x --) "
missing=""
for o in --source --format --action --min-prefix4 --allow-shrink --select --interval --max-age --stale; do
	[[ $offered == *" $o "* ]] || missing+=" $o"
done
check_eq "completion: feed add options" "" "$missing"
check_eq "completion: option prefix" "--min-prefix4 --min-prefix6" \
	"$(complete_words "$XDPFENCE" feed add x --min-p)"
check_contains "completion: feed formats" "csv json list ranges spamhaus-json tor-exits" \
	"$(complete_words "$XDPFENCE" feed add x --format '')"
check_eq "completion: --stale" "enforce withdraw" \
	"$(complete_words "$XDPFENCE" feed add x --stale '')"
check_eq "completion: events --output" "file: syslog" \
	"$(complete_words "$XDPFENCE" events --output '')"
check_eq "completion: config set keys" \
	"dry-run dscp event-rate event-sample malformed mark-mask new-only" \
	"$(complete_words "$XDPFENCE" config set '')"
check_eq "completion: config set malformed" "drop pass" \
	"$(complete_words "$XDPFENCE" config set malformed '')"
check_eq "completion: dry-run" "off on" "$(complete_words "$XDPFENCE" dry-run '')"
check_eq "completion: unknown command completes nothing" "" \
	"$(complete_words "$XDPFENCE" nosuchcommand '')"

# interfaces: the namespace's own, and for detach the attached one only
in_ns_complete() {
	in_ns "$ns" bash -c "$(declare -f complete_words); stage='$stage'; complete_words \"\$@\"" \
		complete "$@"
}
check_eq "completion: attach offers the interfaces" "lo $ifc xfq$E2E_ID" \
	"$(in_ns_complete "$XDPFENCE" attach '')"
in_ns "$ns" timeout 30 "$XDPFENCE" attach "$ifc" >/dev/null
check_eq "completion: detach offers the attached interfaces" "$ifc" \
	"$(in_ns_complete "$XDPFENCE" detach '')"
in_ns "$ns" timeout 30 "$XDPFENCE" purge >/dev/null

# feed names from the registry of the state directory in use
"$XDPFENCE" feed add alpha-feed --source "$feed_file" --format list >/dev/null
"$XDPFENCE" feed add beta --source "$feed_file" --format list >/dev/null
check_eq "completion: feed show offers the feeds" "alpha-feed beta" \
	"$(complete_words "$XDPFENCE" feed show '')"
check_eq "completion: feed names by prefix" "alpha-feed" \
	"$(complete_words "$XDPFENCE" feed remove al)"
check_eq "completion: ranges --feed" "alpha-feed beta" \
	"$(complete_words "$XDPFENCE" ranges --feed '')"
check_eq "completion: feeds of the --state-dir on the line" "" \
	"$(complete_words "$XDPFENCE" --state-dir "$E2E_TMP/empty-state" feed show '')"

# files for --config and for config check
mkdir -p "$E2E_TMP/conf.d"
touch "$E2E_TMP/conf.d/fleet.conf" "$E2E_TMP/conf.d/edge.conf"
if grep -qx run <<<"$help_commands"; then
	check_eq "completion: run --config offers files" \
		"$E2E_TMP/conf.d/edge.conf $E2E_TMP/conf.d/fleet.conf" \
		"$(complete_words "$XDPFENCE" run --config "$E2E_TMP/conf.d/")"
else
	skip "completion: run --config offers files" "no 'run' command yet"
fi
check_eq "completion: config check offers files" "$E2E_TMP/conf.d/fleet.conf" \
	"$(complete_words "$XDPFENCE" config check "$E2E_TMP/conf.d/f")"

# ---- Kubernetes manifests ------------------------------------------------

# a Python with PyYAML: Debian's (python3-yaml) or the one the tests use
yaml_py=""
for py in /usr/bin/python3 "$E2E_PY"; do
	if [ -x "$py" ] && "$py" -c 'import yaml' 2>/dev/null; then
		yaml_py=$py
		break
	fi
done

# k8s_check EXPRESSION: evaluated over the parsed manifests: ds (the
# DaemonSet), pod (its pod spec), ctr (its container), cm (the ConfigMap),
# conf (the ConfigMap's config file, INI), docs (every document)
k8s_check() {
	"$yaml_py" - "$top/packaging/kubernetes" "$1" <<'EOF'
import configparser, sys, yaml
d = sys.argv[1]
docs = []
for f in ("daemonset.yaml", "configmap.yaml"):
    with open("%s/%s" % (d, f)) as fh:
        docs += [x for x in yaml.safe_load_all(fh) if x]
ds = [x for x in docs if x["kind"] == "DaemonSet"][0]
cm = [x for x in docs if x["kind"] == "ConfigMap"][0]
pod = ds["spec"]["template"]["spec"]
ctr = pod["containers"][0]
vols = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m for m in ctr["volumeMounts"]}
conf = configparser.ConfigParser(interpolation=None, strict=False)
conf.read_string(list(cm["data"].values())[0])
r = eval(sys.argv[2])
if r is not True:
    print("got: %r" % (r,), file=sys.stderr)
    sys.exit(1)
EOF
}

if [ -n "$yaml_py" ]; then
	check "k8s: manifests parse" k8s_check 'len(docs) >= 3'
	check "k8s: a DaemonSet in the ConfigMap's namespace" \
		k8s_check 'ds["metadata"]["namespace"] == cm["metadata"]["namespace"]'
	check "k8s: host network" k8s_check 'pod["hostNetwork"] is True'
	check "k8s: not privileged, no escalation" k8s_check \
		'ctr["securityContext"]["privileged"] is False and ctr["securityContext"]["allowPrivilegeEscalation"] is False'
	check "k8s: capabilities are the unit's, all others dropped" k8s_check \
		"sorted(ctr['securityContext']['capabilities']['add']) == sorted(c[4:] for c in '$unit_caps'.split()) and ctr['securityContext']['capabilities']['drop'] == ['ALL']"
	check "k8s: bpffs from the host" k8s_check \
		'vols[mounts["/sys/fs/bpf"]["name"]]["hostPath"]["path"] == "/sys/fs/bpf"'
	check "k8s: state directory from the host" k8s_check \
		'vols[mounts["/var/lib/xdpfence"]["name"]]["hostPath"]["path"] == "/var/lib/xdpfence"'
	check "k8s: runtime directory in the pod, as systemd would set it" k8s_check \
		'[e["value"] for e in ctr["env"] if e["name"] == "RUNTIME_DIRECTORY"] == ["/run/xdpfence"] and "emptyDir" in vols[mounts["/run/xdpfence"]["name"]]'
	check "k8s: config file from the ConfigMap, where args say" k8s_check \
		'vols[mounts["/etc/xdpfence"]["name"]]["configMap"]["name"] == cm["metadata"]["name"] and ctr["args"] == ["run", "--config", "/etc/xdpfence/" + list(cm["data"])[0]]'
	check "k8s: one node at a time" k8s_check \
		'ds["spec"]["updateStrategy"]["type"] == "RollingUpdate" and ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] == 1'
	check "k8s: resource requests" k8s_check \
		'set(ctr["resources"]["requests"]) == {"cpu", "memory"}'
	check "k8s: scrape annotations name the metrics port" k8s_check \
		'ds["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "true" and int(ds["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]) == [p["containerPort"] for p in ctr["ports"] if p["name"] == "metrics"][0] == 9101'
	check "k8s: the daemon listens on the scraped port" k8s_check \
		'conf["daemon"]["metrics_listen"].rsplit(":", 1)[1] == "9101"'
	check "k8s: feeds from one HTTPS origin" k8s_check \
		'len({conf[s]["source"].split("/")[2] for s in conf.sections() if s.startswith("feed ")}) == 1 and all(conf[s]["source"].startswith("https://") for s in conf.sections() if s.startswith("feed "))'
	check "k8s: the DaemonSet runs the image's entrypoint" \
		grep -q 'ENTRYPOINT \["/usr/sbin/xdpfence"\]' "$top/packaging/container/Containerfile"
	# the ConfigMap's file is a valid config for the daemon
	if "$XDPFENCE" --help | grep -q '^  config .*check'; then
		"$yaml_py" -c 'import sys, yaml
cm = [x for x in yaml.safe_load_all(open(sys.argv[1])) if x and x["kind"] == "ConfigMap"][0]
sys.stdout.write(list(cm["data"].values())[0])' "$top/packaging/kubernetes/configmap.yaml" \
			>"$E2E_TMP/fleet.conf"
		check "k8s: the ConfigMap's config passes config check" \
			"$XDPFENCE" config check "$E2E_TMP/fleet.conf"
	else
		skip "k8s: the ConfigMap's config passes config check" "no 'config check' command yet"
	fi
else
	skip "k8s manifests" "no python3 with PyYAML (python3-yaml)"
fi

# ---- container image -----------------------------------------------------

# every library the binary links comes from a package the runtime stage installs
missing_runtime_packages() {
	local runtime lib path pkg missing=""
	runtime=" $(sed -n '/^FROM .*slim/,$p' "$top/packaging/container/Containerfile" |
		tr -d '\\' | tr -s ' \t\n' ' ') "
	for lib in $(readelf -d "$XDPFENCE" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		path=$(ldd "$XDPFENCE" | awk -v l="$lib" '$1 == l { print $3 }')
		pkg=""
		for p in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path"; do
			pkg=$(dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$pkg" ] && break
		done
		[ "$pkg" = libc6 ] && continue # in every Debian image
		[[ $runtime == *" $pkg "* ]] || missing+=" $lib($pkg)"
	done
	echo "$missing"
}
if command -v dpkg >/dev/null && command -v readelf >/dev/null; then
	check_eq "container: the runtime stage installs every linked library" "" \
		"$(missing_runtime_packages)"
else
	skip "container runtime libraries" "dpkg or readelf is not available"
fi

# ---- man page ------------------------------------------------------------

check_eq "installed man page renders without warnings" "" \
	"$(groff -man -Tutf8 -ww -z "$stage/usr/share/man/man8/xdpfence.8" 2>&1)"

e2e_done
