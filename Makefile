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
PKGS	 = libwebsockets libcjson libsodium sqlite3 ncursesw libcurl

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

DAEMON_OBJ = $(call obj,$(DAEMON_SRC)) $(BUILD)/obj/schema.o

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
	sh tests/run.sh build build-san

demo: deps
	$(MAKE) all
	sh scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin

clean:
	rm -rf build build-san

.PHONY: all units deps check demo install clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
