# approvald: the daemon, the analyst console and the executor CLI.
#
#   make            build the three programs into build/
#   make check      install what is missing, run every test, then again
#                   under AddressSanitizer and UndefinedBehaviorSanitizer
#   make demo       install what is missing, build, and run the demo
#   make install    PREFIX (/usr/local) and DESTDIR are honoured

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build
CC	?= cc
PKGS	 = libwebsockets libuv libcjson libsodium sqlite3 ncursesw libcurl \
	   icu-uc icu-i18n

ifneq ($(MAKECMDGOALS),deps)
ifeq ($(shell pkg-config --exists $(PKGS) cmocka 2>/dev/null && echo yes),)
ifeq ($(filter deps check demo bench clean,$(MAKECMDGOALS)),)
$(error missing development packages: run 'make deps' (as root) first)
endif
endif
endif

WARN	 = -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wwrite-strings -Wshadow -Wundef \
	   -Wpointer-arith -Wno-unused-parameter
CFLAGS	?= -O2 -g
XCFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

COMMON_SRC	= $(wildcard common/*.c)
DAEMON_SRC	= $(filter-out approvald/main.c,$(wildcard approvald/*.c))
CTL_SRC		= $(filter-out approvectl/main.c,$(wildcard approvectl/*.c))
TUI_SRC		= $(filter-out approvetui/main.c,$(wildcard approvetui/*.c))
UNIT_SRC	= $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB	= $(BUILD)/libapprove.a
PROGS	= $(BUILD)/approvald $(BUILD)/approvectl $(BUILD)/approvetui
UNITS	= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

all: $(PROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(XCFLAGS) -MMD -MP -Iapprovald -Iapprovectl -Iapprovetui \
	    -c -o $@ $<

$(BUILD)/obj/schema.c: $(sort $(wildcard schema/*.sql)) scripts/embed-schema.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-schema.sh $(sort $(wildcard schema/*.sql)) > $@

$(BUILD)/obj/schema.o: $(BUILD)/obj/schema.c
	$(CC) $(XCFLAGS) -c -o $@ $<

$(LIB): $(call obj,$(COMMON_SRC))
	rm -f $@
	$(AR) rcs $@ $^

# The example configuration, which `approvald init` starts from.
$(BUILD)/obj/example.c: contrib/approvald.json scripts/embed-text.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-text.sh starter_example contrib/approvald.json > $@

$(BUILD)/obj/example.o: $(BUILD)/obj/example.c
	$(CC) $(XCFLAGS) -c -o $@ $<

DAEMON_OBJ = $(call obj,$(DAEMON_SRC)) $(BUILD)/obj/schema.o \
	$(BUILD)/obj/example.o

$(BUILD)/approvald: $(call obj,approvald/main.c) $(DAEMON_OBJ) $(LIB)
	$(CC) $(XCFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/approvectl: $(call obj,approvectl/main.c $(CTL_SRC)) $(LIB)
	$(CC) $(XCFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/approvetui: $(call obj,approvetui/main.c $(TUI_SRC)) $(LIB)
	$(CC) $(XCFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link everything but the programs' main().
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(DAEMON_OBJ) \
    $(call obj,$(CTL_SRC) $(TUI_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

units: $(UNITS)

deps:
	sh scripts/deps.sh

# The whole suite, then again under the sanitizers in build-san/.
check: deps
	$(MAKE) all units
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer" all units
	$(MAKE) fuzz-build
	FUZZ_BUILD=$(FUZZ) sh tests/run.sh build build-san

demo: deps
	$(MAKE) all
	sh scripts/demo.sh

# The integration suite with the daemon under valgrind (slow; not in check).
valgrind: deps all
	APPROVE_VALGRIND=1 sh tests/run.sh build

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	install -m 0644 man/approvectl.1 man/approvetui.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 man/approvald.8 $(DESTDIR)$(PREFIX)/share/man/man8

clean:
	rm -rf build build-san build-fuzz

.PHONY: all units deps check demo valgrind install clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ------------------------------------------------------------------ Fuzzing
#
# libFuzzer targets for every parser of outside input, built with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into build-fuzz/ from the
# sources themselves. tests/fuzz/fuzz_NAME.c is a target, corpus/NAME/ its
# seeds, crashers/NAME/ the inputs that once crashed it (replayed by every
# run). The targets run one at a time: the machine is shared.
#
#   make fuzz		run each for FUZZ_SECONDS (60); the corpus grows
#			in build-fuzz/corpus/NAME/, crashes go to
#			build-fuzz/crashes/NAME/
#   make fuzz-smoke	run each for FUZZ_SMOKE_SECONDS (5), one TAP line
#			each; make check runs it through tests/run.sh

FUZZ		 = build-fuzz
FUZZ_CC		?= clang-14
FUZZ_SECONDS	?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Iapprovald \
		   -Iapprovectl -Iapprovetui \
		   $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
		   -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_NAMES	 = submit message config keyfile trusted view sanitize console
FUZZ_SRC_submit	 = approvald/submit.c approvald/config.c approvald/policy.c
FUZZ_SRC_message = approvald/message.c
FUZZ_SRC_config	 = approvald/config.c approvald/policy.c approvald/submit.c
FUZZ_SRC_view	 = approvectl/ctl_report.c
FUZZ_SRC_sanitize = approvetui/sanitize.c
# Nothing the console target runs draws: no screen.c.
FUZZ_SRC_console = $(filter-out approvetui/screen.c,$(TUI_SRC))

fuzz_obj = $(patsubst %.c,$(FUZZ)/obj/%.o,$(1))

$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
	    -c -o $@ $<

# A target links its harness, common/ and the program sources it needs.
define fuzz_prog
$(FUZZ)/fuzz_$(1): $(call fuzz_obj,tests/fuzz/fuzz_$(1).c $(COMMON_SRC) \
    $(FUZZ_SRC_$(1)))
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $(LDLIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_prog,$(n))))

fuzz-build: $(patsubst %,$(FUZZ)/fuzz_%,$(FUZZ_NAMES))

fuzz: fuzz-build
	sh tests/fuzz/fuzz.sh -k $(FUZZ) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-smoke: fuzz-build
	sh tests/fuzz/fuzz.sh $(FUZZ) $(FUZZ_SMOKE_SECONDS) $(FUZZ_NAMES)

.PHONY: fuzz fuzz-build fuzz-smoke

-include $(shell find $(FUZZ) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- Benchmark
#
# The load generators in bench/ (C, on libwebsockets, plain sockets,
# hiredis and SQLite) against a fresh daemon on loopback, and one table
# of the results; docs/PERFORMANCE.md says what each figure means. Not
# part of make check: the targets are measured here, never asserted in
# tests.
#
#   make bench			install what bench/deps.sh lists, build,
#				run every scenario BENCH_RUNS (3) times
#   make bench BENCH_ONLY="1 3"	only these scenarios

BENCH_RUNS	?= 3
BENCH_ONLY	?= 1 2 3 4 5 6 7
BENCH_PROG	 = $(BUILD)/bench/approvebench

$(BENCH_PROG): $(call obj,$(wildcard bench/*.c)) $(BUILD)/obj/schema.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(LDFLAGS) -o $@ $^ -lhiredis -lpthread $(LDLIBS)

bench: deps
	sh bench/deps.sh
	$(MAKE) all $(BENCH_PROG)
	BENCH_RUNS="$(BENCH_RUNS)" BENCH_ONLY="$(BENCH_ONLY)" \
	    sh bench/run.sh $(BUILD)

.PHONY: bench
