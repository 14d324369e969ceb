#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Install everything xdpfence's build, tests and demo need (Debian 12).
# Idempotent: installs only what is missing. README.md says why each is here.
set -euo pipefail

packages=(
	make gcc clang llvm pkg-config  # build: C compiler, BPF compiler, llvm-strip
	libbpf-dev libelf-dev zlib1g-dev # libbpf (skeletons, maps, links) and its deps
	bpftool                          # skeleton generation, vmlinux.h generation
	libjson-c-dev                    # -j JSON output, Spamhaus JSON Lines feeds
	libjq-dev libonig-dev            # feeds: jq paths select addresses in JSON documents
	libclang-rt-14-dev               # feeds: libFuzzer for the parser fuzz targets
	libcurl4-openssl-dev             # feeds: fetching http(s) sources
	libssl-dev                       # feeds: SHA-256 content hash of each version
	libcmocka-dev                    # unit and BPF_PROG_TEST_RUN test runner
	libinih-dev                      # daemon: the INI config file (xdpfence run)
	libmicrohttpd-dev                # daemon: the Prometheus /metrics endpoint
	prometheus                       # tests: promtool checks the metrics exposition
	iproute2                         # ip netns / veth for e2e tests and the demo
	nftables                         # mark counters in e2e tests, steering in the demo
	ipset iptables                   # live benchmark: the ipset + iptables raw peer
	ethtool                          # live benchmark: veth GRO (NAPI) and ring counters
	python3                          # differential-test oracle, traffic helpers
	python3-yaml                     # tests: the Kubernetes manifests parse
	systemd                          # tests: systemd-analyze verifies the unit and its syscall filter
	strace                           # tests: the system calls the unit's filter must allow
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root (apt-get needs it)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
