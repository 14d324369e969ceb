# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xdpfence build. Quiet by default; `make V=1` shows every command.
# Out-of-tree: everything generated lands in $(BUILD)/.

BUILD ?= build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The system include dirs clang would search for the host, passed explicitly
# to the BPF target (which has none of its own), as libbpf-bootstrap does:
# derived from the compiler, never hard-coded per distribution or arch.
CLANG_BPF_SYS_INCLUDES = $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_CFLAGS := -target bpf -g -O2 -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	-I$(VMLINUX_DIR) -Iinclude -Ibpf
LIBS_PKG := libbpf libelf zlib json-c libcurl libcrypto inih libmicrohttpd
# libjq (feed --select): Debian's libjq-dev 1.6 ships no pkg-config file
LIBS_JQ := -ljq -lonig
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-D_GNU_SOURCE -MMD -MP -Iinclude -Iuser -I$(BUILD)
LDLIBS = $(shell $(PKG_CONFIG) --libs $(LIBS_PKG)) $(LIBS_JQ)
TEST_LDLIBS = $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka) -lm

BPF_PROGS := xdpfence xdpfence_tc xdpfence_bench xdpfence_trafficgen
BPF_OBJS := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_PROGS))

USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIBXF := $(BUILD)/libxdpfence.a
BIN := $(BUILD)/xdpfence

TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(patsubst tests/lib/%.c,$(BUILD)/tests/lib/%.o,$(TEST_LIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/*.c tests/prog/*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean help test test-bin demo deps vmlinux format

all: $(BIN)

help:
	@echo 'xdpfence targets:'
	@echo '  all        build $(BIN) (default)'
	@echo '  test       install dependencies, build, run every test (root)'
	@echo '  demo       install dependencies, build, run the namespace demo (root)'
	@echo '  test-bin   build the test programs only'
	@echo '  fuzz       build the feed parser fuzz targets (run: tests/fuzz/run.sh)'
	@echo '  bench      build and run the benchmarks (root; figures, no pass/fail)'
	@echo '  install    install the binary, man page, bash completion, systemd unit'
	@echo '             (PREFIX=/usr/local, DESTDIR=staging dir); uninstall removes them'
	@echo '  deps       install build/test/demo dependencies with apt-get'
	@echo '  vmlinux    regenerate $(VMLINUX_DIR)/vmlinux.h from the running kernel'
	@echo '  format     run clang-format over the sources'
	@echo '  clean      remove $(BUILD)/'
	@echo 'Variables: V=1 (verbose), BUILD=dir, CLANG, BPFTOOL, CC, PREFIX, DESTDIR'

deps:
	$(Q)scripts/deps.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/lib/*.h) include/xdpfence_abi.h $(VMLINUX_DIR)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIBXF): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/user/main.o $(LIBXF)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/lib/%.o: tests/lib/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(TEST_LIB_OBJS) $(LIBXF) | $(SKELS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/lib $< $(TEST_LIB_OBJS) $(LIBXF) $(TEST_LDLIBS) -o $@

test-bin: $(BIN) $(TEST_BINS)

# The README's test command: installs what it needs, builds, runs everything.
test:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory test-bin
	$(Q)BUILD=$(BUILD) scripts/run-tests.sh

demo:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

format:
	$(Q)clang-format -i $(wildcard bpf/*.c bpf/lib/*.h include/*.h user/*.c user/*.h tests/*/*.c tests/*/*.h)

# Installation, the layout a distribution package or a configuration
# management role ships: `make install DESTDIR=/tmp/stage PREFIX=/usr`.
# Nothing under /etc or /var/lib is written: the config file is the
# operator's (an example goes to the doc directory, with the Grafana
# dashboard), the state is the daemon's.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MAN8DIR ?= $(PREFIX)/share/man/man8
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc/xdpfence
# a /usr install puts its unit where Debian's systemd looks for packaged ones
ifeq ($(PREFIX),/usr)
UNITDIR ?= /lib/systemd/system
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
INSTALL ?= install
DOC_FILES := $(wildcard docs/xdpfence.conf.example docs/grafana-dashboard.json)
.PHONY: install uninstall

# the unit names the binary where this PREFIX puts it
install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)mkdir -p $(BUILD)/packaging
	$(Q)sed 's|/usr/sbin/xdpfence|$(SBINDIR)/xdpfence|' packaging/systemd/xdpfence.service \
		>$(BUILD)/packaging/xdpfence.service
	$(Q)$(INSTALL) -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/xdpfence
	$(Q)$(INSTALL) -D -m 0644 docs/xdpfence.8 $(DESTDIR)$(MAN8DIR)/xdpfence.8
	$(Q)$(INSTALL) -D -m 0644 packaging/bash-completion/xdpfence \
		$(DESTDIR)$(BASHCOMPDIR)/xdpfence
	$(Q)$(INSTALL) -D -m 0644 $(BUILD)/packaging/xdpfence.service \
		$(DESTDIR)$(UNITDIR)/xdpfence.service
	$(if $(DOC_FILES),$(Q)$(INSTALL) -d -m 0755 $(DESTDIR)$(DOCDIR))
	$(if $(DOC_FILES),$(Q)$(INSTALL) -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/)

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/xdpfence $(DESTDIR)$(MAN8DIR)/xdpfence.8 \
		$(DESTDIR)$(BASHCOMPDIR)/xdpfence $(DESTDIR)$(UNITDIR)/xdpfence.service \
		$(addprefix $(DESTDIR)$(DOCDIR)/,xdpfence.conf.example grafana-dashboard.json)
	$(Q)if [ -d $(DESTDIR)$(DOCDIR) ]; then rmdir --ignore-fail-on-non-empty $(DESTDIR)$(DOCDIR); fi

# libFuzzer targets of the feed parsers (clang, ASan, UBSan), built from the
# parser sources directly so that they are instrumented; tests/fuzz/run.sh runs them.
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_SRCS := user/addr.c $(wildcard user/feed_*.c)
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-D_GNU_SOURCE -Iinclude -Iuser -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
.PHONY: fuzz

fuzz: $(FUZZ_BINS)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_feed.h $(FUZZ_LIB_SRCS) $(wildcard user/feed_*.h) user/addr.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) \
		$(shell $(PKG_CONFIG) --libs zlib json-c) $(LIBS_JQ) -o $@

# Benchmarks (tests/bench/*.c), linked like the tests but without the test
# harness; scripts/run-bench.sh runs them and prints their figures.
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(BENCH_SRCS))
.PHONY: bench bench-bin

bench-bin: $(BENCH_BINS)

# the tests build the benchmarks too, so they cannot rot unnoticed
test-bin: $(BENCH_BINS)

bench: bench-bin
	$(Q)BUILD=$(BUILD) scripts/run-bench.sh

# the packet builder of the tests (with its cmocka checks) makes the benchmarks' frames too
$(BENCH_BINS): $(BUILD)/tests/bench/%: tests/bench/%.c $(LIBXF) $(BUILD)/tests/lib/packet.o | $(SKELS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/lib $< $(BUILD)/tests/lib/packet.o $(LIBXF) $(TEST_LDLIBS) -o $@

# The live benchmark's traffic generator (tests/bench/live/): BPF_PROG_RUN
# in live-frames mode; needs only libbpf. Its map entry layout is shared
# with the BPF program through tests/bench/live/trafficgen.h.
TGEN := $(BUILD)/tests/bench/live/xdpfence-trafficgen
$(BUILD)/bpf/xdpfence_trafficgen.bpf.o: BPF_CFLAGS += -Itests/bench/live
$(BUILD)/bpf/xdpfence_trafficgen.bpf.o: tests/bench/live/trafficgen.h
$(TGEN): tests/bench/live/trafficgen.c tests/bench/live/trafficgen.h $(BUILD)/xdpfence_trafficgen.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/bench/live $< $(shell $(PKG_CONFIG) --libs libbpf) -o $@
bench-bin test-bin: $(TGEN)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(wildcard $(BUILD)/user/*.d $(BUILD)/tests/*/*.d $(BUILD)/tests/lib/*.d)
