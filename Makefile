# oxlua - build, test and install.
#
#   make            build/oxlua, build/lua/oxlua/core.so, build/liboxlua.a, test objects
#   make run        build, then run the default policy, the exec monitor (ARGS=--json for
#                   JSON lines; POLICY=examples/hello.lua runs the example, or any other
#                   policy file; needs root)
#   make test       the whole suite against the running kernel (needs root)
#   make test-asan  the suite with the engine built with ASan + UBSan
#   make test-unit  tests/unit alone: no root, no kernel
#   make kernel-matrix  the kernel tests on Debian's 6.1 kernel under qemu and on
#                   the running kernel, one result line per kernel (needs root)
#   make inspect F=obj.o
#   make fuzz       libFuzzer targets (fuzz/), each run FUZZ_SECONDS (default 60)
#   make compat     every program of a corpus of real objects loaded with oxlua and with
#                   libbpf, side by side (needs root and Debian's package mirror)
#
# Missing build dependencies are installed by scripts/setup.sh (Debian).

BUILD    ?= build
PREFIX   ?= /usr/local
SANITIZE ?=
CC       ?= cc
CLANG    ?= clang

DEPS_OK := $(shell pkg-config --exists lua5.4 libelf zlib libedit 2>/dev/null && \
	command -v $(CLANG) >/dev/null && command -v busted >/dev/null && \
	command -v bpftool >/dev/null && command -v tmux >/dev/null && \
	test -f /usr/include/bpf/bpf_helpers.h && echo yes)
ifneq ($(DEPS_OK),yes)
$(info oxlua: build dependencies missing; running scripts/setup.sh)
SETUP := $(shell scripts/setup.sh >&2 || echo failed)
ifeq ($(SETUP),failed)
$(error scripts/setup.sh failed: install the packages it names, then run make again)
endif
endif

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4)
# The CLI carries its own copy of Lua and exports its API (-Wl,-E).
LUA_LIBS   := -Wl,-Bstatic -llua5.4 -Wl,-Bdynamic
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu99 -Wall -Wextra -Werror -fPIC -D_GNU_SOURCE -Isrc $(LUA_CFLAGS)
LDLIBS_ENGINE := -lelf -lz
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

ENGINE_SRC := src/common.c \
	src/kernel/errnames.c src/kernel/names.c src/kernel/sys.c src/kernel/tracefs.c src/kernel/netlink.c \
	src/kernel/probe.c src/kernel/kconfig.c src/kernel/bpffs.c \
	src/btf/btf.c src/btf/btf_query.c src/btf/btf_sanitize.c src/btf/btf_ext.c \
	src/btf/btf_probe.c src/btf/btf_target.c \
	src/btf/relo_core.c src/btf/core_spec.c src/btf/core_compat.c src/btf/core_value.c \
	src/btf/core_patch.c \
	src/object/section.c src/object/elf.c src/object/object.c src/object/funcs.c \
	src/object/find.c src/object/maps.c src/object/externs.c \
	src/load/ksyms.c src/load/link.c src/load/struct_ops.c src/load/common.c \
	src/load/map_create.c src/load/prog_load.c src/load/load.c \
	src/attach/attachment.c src/attach/attach.c src/attach/attach_trace.c src/attach/attach_net.c \
	src/attach/attach_struct_ops.c src/attach/symbols.c \
	src/events/perfbuf.c src/events/ringbuf.c src/events/loop.c
BIND_SRC   := src/binding/core.c src/binding/preload.c src/binding/lresult.c src/binding/lvalue.c \
	src/binding/lfiles.c src/binding/lkernel.c src/binding/ltypes.c \
	src/binding/lbtf.c src/binding/lbtfplan.c \
	src/binding/lobject.c src/binding/linst.c src/binding/lmap.c src/binding/lprog.c \
	src/binding/lattach.c src/binding/lreader.c src/binding/lloop.c src/binding/lsock.c \
	src/binding/lprobe.c
# The library's Lua (installed) and the CLI's (built into build/oxlua only)
LUA_SRC    := $(sort $(wildcard lua/oxlua/*.lua))
CLI_LUA_SRC := $(sort $(wildcard lua/oxlua_cli/*.lua))
HEADERS    := $(wildcard src/*.h src/*/*.h include/*.h)

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/obj/%.o)
BIND_OBJ   := $(BIND_SRC:%.c=$(BUILD)/obj/%.o)
BPF_SRC    := $(wildcard tests/bpf/*.bpf.c)
BPF_OBJ    := $(BPF_SRC:tests/bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
# BPF objects of the CLI (the default policy's), carried inside it
ASSET_SRC  := $(wildcard src/cli/*.bpf.c)
ASSET_OBJ  := $(ASSET_SRC:src/cli/%.bpf.c=$(BUILD)/bpf/%.bpf.o)

all: $(BUILD)/oxlua $(BUILD)/lua/oxlua/core.so $(BUILD)/liboxlua.a bpf testbins examples fuzzbins

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The static library: engine and bindings, for C hosts (include/oxlua.h).
$(BUILD)/liboxlua.a: $(ENGINE_OBJ) $(BIND_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The Lua module: does not link liblua (the host provides the Lua API).
$(BUILD)/lua/oxlua/core.so: $(ENGINE_OBJ) $(BIND_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS_ENGINE)

$(BUILD)/embedded.c: scripts/embed.lua $(LUA_SRC) $(CLI_LUA_SRC) $(ASSET_OBJ)
	@mkdir -p $(dir $@)
	lua5.4 scripts/embed.lua $@ $(LUA_SRC) $(CLI_LUA_SRC) $(foreach o,$(ASSET_OBJ),asset:$(notdir $(o))=$(o))

# The CLI exports the Lua API (-Wl,-E) so other C modules load into it.
# Only the CLI links libedit (the REPL's line editing); core.so does not.
CLI_OBJ := $(BUILD)/obj/src/cli/main.o $(BUILD)/obj/src/cli/editline.o
EDIT_CFLAGS := $(shell pkg-config --cflags libedit)
EDIT_LIBS   := $(shell pkg-config --libs libedit || echo -ledit)
$(BUILD)/obj/src/cli/editline.o: CFLAGS += $(EDIT_CFLAGS)
$(BUILD)/oxlua: $(CLI_OBJ) $(BUILD)/embedded.c $(BUILD)/liboxlua.a
	$(CC) $(CFLAGS) -Wno-overlength-strings $(LDFLAGS) -Wl,-E -o $@ \
		$(CLI_OBJ) $(BUILD)/embedded.c $(BUILD)/liboxlua.a \
		$(LUA_LIBS) $(LDLIBS_ENGINE) $(EDIT_LIBS) -lm -ldl

# BPF test objects, compiled as the ecosystem compiles them.
BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -I/usr/include/$(shell uname -m)-linux-gnu -Itests/bpf
bpf: $(BPF_OBJ) $(ASSET_OBJ)
# CO-RE test objects include vmlinux.h, the running kernel's types as C.
$(BUILD)/vmlinux.h:
	@mkdir -p $(dir $@)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@
$(BUILD)/bpf/core.bpf.o $(BUILD)/bpf/cc.bpf.o: $(BUILD)/vmlinux.h
$(BUILD)/bpf/core.bpf.o $(BUILD)/bpf/cc.bpf.o: BPF_CFLAGS += -I$(BUILD)
$(BUILD)/bpf/%.bpf.o: tests/bpf/%.bpf.c $(wildcard tests/bpf/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<
$(BUILD)/bpf/%.bpf.o: src/cli/%.bpf.c
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

# Empty: `oxlua run` alone runs the exec monitor (src/cli's default policy).
POLICY ?=
# Helper programs the tests attach to and drive.
testbins: $(BUILD)/tests/target $(BUILD)/tests/libtarget.so
$(BUILD)/tests/libtarget.so: tests/bin/libtarget.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -shared -fPIC -o $@ $<
$(BUILD)/tests/target: tests/bin/target.c $(BUILD)/tests/libtarget.so
	$(CC) -O1 -g -fPIE -pie -o $@ $< -L$(BUILD)/tests -ltarget -Wl,-rpath,'$$ORIGIN'

# C unit tests of the parsers (tests/unit/): each links the engine objects
# and needs no root and no kernel; tests/unit/unit_spec.lua runs them.
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
all: unitbins
unitbins: $(UNIT_BINS)
$(UNIT_BINS): $(BUILD)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(ENGINE_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(ENGINE_OBJ) $(LDLIBS_ENGINE)
.PHONY: unitbins

run: all
	$(BUILD)/oxlua run $(POLICY) $(ARGS)

inspect: all
	$(BUILD)/oxlua inspect $(F)

# With SANITIZE the module is loaded into the stock interpreter, so the
# sanitizer runtimes are preloaded.
ifneq ($(SANITIZE),)
SAN_ENV := LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/support/lsan.supp
endif
# The benchmark code runs with small counts first (correctness only), so it
# cannot rot; the suite's count line stays the last line printed. (Not under
# the sanitizers: the bench drives the module from interpreters and
# programs that do not preload their runtimes.)
test: all $(BUILD)/compat/ref
	$(if $(TESTARGS)$(SANITIZE),,$(MAKE) --no-print-directory bench-smoke BUILD=$(BUILD))
	OXLUA_BUILD=$(BUILD) $(SAN_ENV) scripts/run-tests.sh $(TESTARGS)

test-asan:
	$(MAKE) BUILD=build-asan SANITIZE=1 test

# The specs and C tests that need no root and no BPF (tests/unit/).
test-unit: all
	OXLUA_BUILD=$(BUILD) scripts/run-tests.sh tests/unit

# scripts/kernel-matrix.sh: MATRIX_SPECS, MATRIX_KERNELS, MATRIX_TIMEOUT, MATRIX_HOST.
kernel-matrix: all
	OXLUA_BUILD=$(BUILD) scripts/kernel-matrix.sh

clean:
	rm -rf build build-asan build-fuzz

# Example C hosts (examples/README.md): built as a user would build them, with
# the system's shared liblua5.4 and the static library.
EXAMPLES := $(BUILD)/examples/host $(BUILD)/examples/foreign_loop
EXAMPLE_CFLAGS := -O2 -g -std=c99 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -Iinclude \
	$(LUA_CFLAGS)
examples: $(EXAMPLES)
$(BUILD)/examples/%: examples/%.c include/oxlua.h $(BUILD)/liboxlua.a
	@mkdir -p $(dir $@)
	$(CC) $(EXAMPLE_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liboxlua.a \
		$(shell pkg-config --libs lua5.4) $(LDLIBS_ENGINE) -lm

# Everything `make install` puts under $(DESTDIR)$(PREFIX); `uninstall` removes it.
# The CLI's Lua is not among it: build/oxlua carries its own copy.
OXLUA_VERSION := $(shell sed -n 's/^\#define OXLUA_VERSION "\(.*\)"/\1/p' include/oxlua.h)
INSTALLED := bin/oxlua lib/lua/5.4/oxlua/core.so \
	$(LUA_SRC:lua/oxlua/%=share/lua/5.4/oxlua/%) include/oxlua.h lib/liboxlua.a \
	lib/pkgconfig/oxlua.pc share/man/man1/oxlua.1 share/oxlua/types/oxlua.lua \
	$(ASSET_OBJ:$(BUILD)/bpf/%=share/oxlua/%)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lua/5.4/oxlua \
		$(DESTDIR)$(PREFIX)/share/lua/5.4/oxlua $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/oxlua/types
	install -m 755 $(BUILD)/oxlua $(DESTDIR)$(PREFIX)/bin/oxlua
	install -m 644 $(BUILD)/lua/oxlua/core.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/oxlua/core.so
	install -m 644 $(LUA_SRC) $(DESTDIR)$(PREFIX)/share/lua/5.4/oxlua/
	install -m 644 include/oxlua.h $(DESTDIR)$(PREFIX)/include/oxlua.h
	install -m 644 $(BUILD)/liboxlua.a $(DESTDIR)$(PREFIX)/lib/liboxlua.a
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(OXLUA_VERSION)|g' \
		oxlua.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/oxlua.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/oxlua.pc
	install -m 644 docs/oxlua.1 $(DESTDIR)$(PREFIX)/share/man/man1/oxlua.1
	install -m 644 types/oxlua.lua $(DESTDIR)$(PREFIX)/share/oxlua/types/oxlua.lua
	$(if $(ASSET_OBJ),install -m 644 $(ASSET_OBJ) $(DESTDIR)$(PREFIX)/share/oxlua/)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	for d in lib/lua/5.4/oxlua share/lua/5.4/oxlua share/oxlua/types share/oxlua; do \
		rmdir "$(DESTDIR)$(PREFIX)/$$d" 2>/dev/null || true; done

.PHONY: all bpf testbins examples fuzzbins run inspect test test-asan test-unit kernel-matrix clean install uninstall

# Benchmarks (bench/README.md): oxlua's readers against libbpf's, measured side
# by side. Only the reference consumer under bench/ links libbpf.
BENCH_BINS := $(BUILD)/bench/bench.bpf.o $(BUILD)/bench/producer $(BUILD)/bench/ref
$(BUILD)/bench/bench.bpf.o: bench/bench.bpf.c bench/bench_maps.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<
$(BUILD)/bench/producer: bench/producer.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $<
$(BUILD)/bench/ref: bench/ref.c bench/refutil.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $< -lbpf
# Delivery latency (bench/latency.lua) and load + attach time (bench/loadtime.lua).
BENCH_BINS += $(BUILD)/bench/latency.bpf.o $(BUILD)/bench/paced $(BUILD)/bench/latency_ref \
	$(BUILD)/bench/loadtime.bpf.o $(BUILD)/bench/loadtime_ref
$(BUILD)/bench/latency.bpf.o: bench/latency.bpf.c bench/bench_maps.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<
$(BUILD)/bench/loadtime.bpf.o: bench/loadtime.bpf.c
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<
$(BUILD)/bench/paced: bench/paced.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $<
$(BUILD)/bench/latency_ref: bench/latency_ref.c bench/refutil.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $< -lbpf
$(BUILD)/bench/loadtime_ref: bench/loadtime_ref.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $< -lbpf
bench: all $(BENCH_BINS)
	lua5.4 bench/run.lua $(BUILD)
bench-smoke: all $(BENCH_BINS)
	lua5.4 bench/run.lua $(BUILD) --smoke
.PHONY: bench bench-smoke

# Case 5 (memory) and case 6 (map operations): their libbpf references.
BENCH_BINS += $(BUILD)/bench/execmon_ref $(BUILD)/bench/mapops.bpf.o $(BUILD)/bench/mapops_ref
bench bench-smoke: $(BUILD)/bench/execmon_ref $(BUILD)/bench/mapops.bpf.o $(BUILD)/bench/mapops_ref
# bpftrace is the memory case's second reference (full runs only), never a
# dependency of oxlua itself.
bench: bench-bpftrace
bench-bpftrace:
	command -v bpftrace >/dev/null || apt-get install -y bpftrace
.PHONY: bench-bpftrace
$(BUILD)/bench/execmon_ref: bench/execmon_ref.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $< -lbpf
$(BUILD)/bench/mapops.bpf.o: bench/mapops.bpf.c
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<
$(BUILD)/bench/mapops_ref: bench/mapops_ref.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $< -lbpf

# The compatibility corpus (scripts/compat/, docs/compat.md): the kernel's BPF
# selftests (Debian's linux-source-6.1, compiled here) and the objects inside
# Debian's libbpf-tools, fetched and built under $(BUILD)/compat (never
# committed). Each program is loaded alone with oxlua and with libbpf (the
# reference loader below is the only other place libbpf links); the table
# ends with `compat: oxlua loads N of the M programs libbpf loads (+K libbpf
# refuses)`. COMPAT=GLOB keeps the objects it matches ('selftests/test_*').
COMPAT ?= *
$(BUILD)/compat/ref: scripts/compat/ref.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $< -lbpf
compat: all $(BUILD)/compat/ref
	scripts/compat/run.sh $(BUILD) '$(COMPAT)'
.PHONY: compat

# Fuzzing (fuzz/): libFuzzer targets built with clang, ASan and UBSan into
# build-fuzz/, seeded from the test objects and tests/fuzz/regressions/.
# `make fuzz` runs each target FUZZ_SECONDS; crashes land in
# build-fuzz/crashes/<target>/ and make fails. FUZZ_TARGETS picks targets,
# FUZZ_ARGS adds libFuzzer options (-jobs=2, -max_len=...).
# The normal build links each harness with fuzz/replay.c instead of libFuzzer
# ($(BUILD)/fuzz/<target> FILE|DIR...): tests/unit/fuzz_spec.lua replays the
# regression inputs through them (under ASan with `make test-asan`), and so
# does `make fuzz-replay`.
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_TARGETS ?= fuzz_object fuzz_btf fuzz_symbols fuzz_decode fuzz_core
FUZZ_CFLAGS  := -g -O1 -std=gnu99 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc $(LUA_CFLAGS) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_ENGINE_OBJ := $(ENGINE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# fuzz_decode drives the bindings' BTF decoders (with its own Lua state).
FUZZ_DECODE_SRC := src/binding/lbtf.c src/binding/lbtfplan.c

fuzzbins: $(FUZZ_REPLAY)
$(FUZZ_REPLAY): $(BUILD)/fuzz/%: fuzz/%.c fuzz/replay.c $(ENGINE_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ fuzz/$*.c fuzz/replay.c $(FUZZ_EXTRA_OBJ) $(ENGINE_OBJ) \
		$(LDLIBS_ENGINE) $(FUZZ_EXTRA_LIBS)
$(BUILD)/fuzz/fuzz_decode: $(FUZZ_DECODE_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/fuzz/fuzz_decode: FUZZ_EXTRA_OBJ = $(FUZZ_DECODE_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/fuzz/fuzz_decode: FUZZ_EXTRA_LIBS = $(LUA_LIBS) -lm -ldl

$(FUZZ_BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ_BINS): $(FUZZ_BUILD)/%: fuzz/%.c $(FUZZ_ENGINE_OBJ) $(HEADERS)
	@test -f "$$($(FUZZ_CC) -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$$(uname -m).a" || \
		scripts/setup.sh --fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA_OBJ) $(FUZZ_ENGINE_OBJ) \
		$(LDLIBS_ENGINE) $(FUZZ_EXTRA_LIBS)
$(FUZZ_BUILD)/fuzz_decode: $(FUZZ_DECODE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
$(FUZZ_BUILD)/fuzz_decode: FUZZ_EXTRA_OBJ = $(FUZZ_DECODE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
$(FUZZ_BUILD)/fuzz_decode: FUZZ_EXTRA_LIBS = -llua5.4 -lm
$(FUZZ_BUILD)/fuzz_object.dict: fuzz/elf.dict fuzz/btf.dict
	@mkdir -p $(dir $@)
	cat $^ > $@
$(FUZZ_BUILD)/fuzz_btf.dict $(FUZZ_BUILD)/fuzz_core.dict: fuzz/btf.dict
	@mkdir -p $(dir $@)
	cp $< $@
$(FUZZ_BUILD)/fuzz_decode.dict: fuzz/btf.dict
	@mkdir -p $(dir $@)
	cp $< $@
$(FUZZ_BUILD)/fuzz_symbols.dict: fuzz/elf.dict
	@mkdir -p $(dir $@)
	cp $< $@

# Seeds: the test objects, their .BTF/.BTF.ext for the BTF target, and the
# uprobe test binaries for the symbol lookup.
fuzz-seeds: $(BPF_OBJ) $(ASSET_OBJ) fuzz/seeds.lua testbins
	@mkdir -p $(FUZZ_BUILD)/seeds/fuzz_object $(FUZZ_BUILD)/seeds/fuzz_btf \
		$(FUZZ_BUILD)/seeds/fuzz_symbols $(FUZZ_BUILD)/seeds/fuzz_core \
		$(FUZZ_BUILD)/seeds/fuzz_decode
	lua5.4 fuzz/seeds.lua $(FUZZ_BUILD)/seeds $(BPF_OBJ) $(ASSET_OBJ)
	cp $(BUILD)/tests/target $(BUILD)/tests/libtarget.so $(FUZZ_BUILD)/seeds/fuzz_symbols/

fuzz: $(FUZZ_BINS) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%.dict) fuzz-seeds
	@fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
		for d in $(FUZZ_BUILD)/seeds/$$t tests/fuzz/regressions/$$t; do \
			if [ -d $$d ]; then cp -n $$d/* $(FUZZ_BUILD)/corpus/$$t/ 2>/dev/null || true; fi; \
		done; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s, log $(FUZZ_BUILD)/$$t.log"; \
		if $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=25 \
			-dict=$(FUZZ_BUILD)/$$t.dict -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
			-print_final_stats=1 $(FUZZ_ARGS) $(FUZZ_BUILD)/corpus/$$t \
			>$(FUZZ_BUILD)/$$t.log 2>&1; then \
			grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_BUILD)/$$t.log | tail -n 1; \
		else \
			fail=1; tail -n 40 $(FUZZ_BUILD)/$$t.log; \
			echo "fuzz: $$t failed; inputs in $(FUZZ_BUILD)/crashes/$$t:"; \
			ls $(FUZZ_BUILD)/crashes/$$t; \
		fi; \
	done; exit $$fail
# The regression inputs through the replay binaries, without busted.
fuzz-replay: fuzzbins
	@for t in $(FUZZ_TARGETS); do \
		if [ -d tests/fuzz/regressions/$$t ]; then \
			$(BUILD)/fuzz/$$t tests/fuzz/regressions/$$t || exit 1; \
		fi; \
	done
.PHONY: fuzz fuzz-seeds fuzz-replay
