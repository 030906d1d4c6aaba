# pkg: one root Makefile.
#
#   make                release build of ./pkg
#   make BUILD=asan     AddressSanitizer + UBSan build (build/asan/pkg)
#   make deps           check libraries with pkg-config, apt-get install what is missing
#   make test           deps, build, unit tests (release and asan), end-to-end tests,
#                       fuzz corpora replay, format check, conformance ratchet
#   make demo           deps, build, run the main job on the embedded example
#   make bench          benchmarks against the reference tools
#   make format         clang-format the tree; `make format-check` only checks
#   make install PREFIX=/usr/local
#   make clean

BUILD ?= release
PREFIX ?= /usr/local
O := build/$(BUILD)

LIBS := yaml-0.1 libarchive libgit2 libpcre2-8 libcurl libcrypto sqlite3 libmicrohttpd libseccomp zlib
TEST_LIBS := cmocka

CC ?= gcc
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-Wno-format-nonliteral -Werror
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -g -I. -MMD -MP

ifeq ($(BUILD),release)
MODE_CFLAGS := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
MODE_LDFLAGS :=
PKG_BIN := pkg
else ifeq ($(BUILD),asan)
MODE_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -DARENA_DEBUG=1
MODE_LDFLAGS := -fsanitize=address,undefined
PKG_BIN := $(O)/pkg
else ifeq ($(BUILD),debug)
MODE_CFLAGS := -O0 -DARENA_DEBUG=1
MODE_LDFLAGS :=
PKG_BIN := $(O)/pkg
else
$(error BUILD must be release, asan or debug)
endif

# pkg-config is only consulted for targets that compile or link.
NEED_FLAGS := $(filter-out deps clean format format-check help,$(or $(MAKECMDGOALS),all))
ifneq ($(NEED_FLAGS),)
LIB_CFLAGS := $(shell pkg-config --cflags $(LIBS) 2>/dev/null)
LIB_LDLIBS := $(shell pkg-config --libs $(LIBS) 2>/dev/null) -lm -lpthread
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_LIBS) 2>/dev/null)
TEST_LDLIBS := $(shell pkg-config --libs $(TEST_LIBS) 2>/dev/null)
endif

CFLAGS_ALL = $(BASE_CFLAGS) $(MODE_CFLAGS) $(LIB_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(MODE_LDFLAGS) $(LDFLAGS)

MODULES := core render chart overlay engine engine/node repo-index
LIB_SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
CMD_SRCS := $(wildcard cmd/pkg/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(O)/%.o)
LIBPKG := $(O)/libpkg.a

UNIT_SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/tests/test-*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
FUZZ_SRCS := $(wildcard fuzz/fuzz-*.c)
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(O)/%)

.PHONY: all deps test unit e2e fuzz-replay conformance demo bench format format-check \
	install clean help tests-bin

all: $(PKG_BIN)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBPKG): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(O)/pkg: $(CMD_OBJS) $(LIBPKG)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJS) $(LIBPKG) $(LIB_LDLIBS)

ifeq ($(PKG_BIN),pkg)
pkg: $(O)/pkg
	cp $< $@
endif

$(UNIT_BINS): $(O)/%: %.c $(LIBPKG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -o $@ $< $(LIBPKG) $(TEST_LDLIBS) $(LIB_LDLIBS) $(LDFLAGS_ALL)

$(FUZZ_BINS): $(O)/%: %.c fuzz/replay.c $(LIBPKG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< fuzz/replay.c $(LIBPKG) $(LIB_LDLIBS) $(LDFLAGS_ALL)

tests-bin: $(UNIT_BINS) $(FUZZ_BINS)

deps:
	@scripts/deps.sh

# Unit tests of this BUILD, as TAP, by prove.
unit: $(UNIT_BINS)
	@echo "== unit tests ($(BUILD)): $(words $(UNIT_BINS)) programs"
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_BINS)

fuzz-replay: $(FUZZ_BINS)
	@echo "== fuzz corpora replay ($(BUILD))"
	@set -e; for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		$$f testdata/fuzz/$$n; done

# Each checkout's e2e run gets its own scratch root under /tmp.
E2E_ROOT ?= /tmp/pkg-e2e-$(notdir $(CURDIR))
e2e: $(PKG_BIN)
	@echo "== end-to-end tests"
	@mkdir -p $(E2E_ROOT)
	@TMPDIR=$(E2E_ROOT) PKG=$(CURDIR)/$(PKG_BIN) prove tests/t[0-9]*.sh

conformance: $(PKG_BIN)
	@scripts/conformance-ratchet.sh $(CURDIR)/$(PKG_BIN)

test: deps
	@$(MAKE) --no-print-directory BUILD=release all
	@$(MAKE) --no-print-directory BUILD=release format-check
	@$(MAKE) --no-print-directory BUILD=release unit
	@$(MAKE) --no-print-directory BUILD=asan unit fuzz-replay
	@$(MAKE) --no-print-directory BUILD=release e2e
	@PKG_E2E_ROOT=$(E2E_ROOT) scripts/check-leftovers.sh
	@$(MAKE) --no-print-directory BUILD=release conformance

demo: deps
	@$(MAKE) --no-print-directory BUILD=release all
	@scripts/demo.sh ./pkg

bench: deps
	@$(MAKE) --no-print-directory BUILD=release all
	@scripts/bench.sh ./pkg

FORMAT_FILES = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@echo "== format check"
	@clang-format --dry-run --Werror $(FORMAT_FILES)

install: $(PKG_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PKG_BIN) $(DESTDIR)$(PREFIX)/bin/pkg

clean:
	rm -rf build pkg

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_BINS:=.d)
