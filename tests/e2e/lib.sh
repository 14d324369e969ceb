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

set -u

XDPFENCE=${XDPFENCE:-build/xdpfence}
E2E_FAILED=0
E2E_NETNS=()

e2e_cleanup() {
	local ns
	# detach and unpin before the namespaces go
	if [ -n "${XDPFENCE_PIN_DIR:-}" ] && [ -d "$XDPFENCE_PIN_DIR" ]; then
		"$XDPFENCE" purge >/dev/null 2>&1 || rm -rf "$XDPFENCE_PIN_DIR"
	fi
	for ns in "${E2E_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${E2E_TMP:-}" ] && rm -rf "$E2E_TMP"
}

e2e_init() {
	E2E_ID="$$"
	E2E_TMP=$(mktemp -d /tmp/xdpfence-e2e.XXXXXX)
	export XDPFENCE_PIN_DIR="/sys/fs/bpf/xdpfence-e2e-$E2E_ID"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

# e2e_netns_add SHORTNAME -> prints the unique namespace name
e2e_netns_add() {
	local ns="xf$1$E2E_ID"
	ip netns add "$ns" || return 1
	E2E_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
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
