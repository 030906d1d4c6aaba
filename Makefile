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

LIBS := yaml-0.1 libarchive libgit2 libpcre2-8 libcurl libcrypto nettle gmp sqlite3 libmicrohttpd libseccomp zlib
TEST_LIBS := cmocka

# Libraries loaded on first use rather than at start-up (lazy/lazy.h): with
# what they pull in (GnuTLS, Kerberos, LDAP, libssh2, nghttp2, libxml2,
# ICU...) they were ~40 of the ~48 shared objects pkg mapped, most of a
# small `pkg template`; most commands never call them (`pkg version`, two
# thirds of `pkg render`s, pods). scripts/lazy-stubs.sh writes a stub for
# every function pkg's objects import from them ($(O)/lazy/stubs.S, rebuilt
# whenever an object changes: a new call needs no edit anywhere); pkg links
# the stubs instead of the libraries (libm too, see LIBM_SO). libyaml (every
# command reads YAML), libc and libseccomp stay normal: libseccomp is called
# in containers after pivot_root, where the host's libraries are out of
# reach. Stubs exist for x86_64 and aarch64; elsewhere, or with LAZY=no,
# everything is linked normally.
LAZY_PKGS := libcurl libgit2 libarchive libmicrohttpd sqlite3 libcrypto gmp
# libarchive itself is linked from its static archive when the system has
# one: loading libarchive.so maps 15 libraries (libxml2 brings ICU and
# libstdc++), ~2.4 ms, half the time of a chart with one .tgz dependency.
# Its own libraries (compression, XML) are then loaded on first use like
# the ones above (zlib is linked in, see STATIC_LIBS: a .tgz chart loads
# no library). They are named by the
# shared objects libarchive.so needs (LAZY_SOS): no -dev package needed.
ARCHIVE_STATIC = $(filter /%,$(shell $(CC) -print-file-name=libarchive.a))
# libm is loaded on first use too: pkg calls it for a few Sprig functions
# and pod resources (floor, fmod, exp...), one conformance chart in 63, and
# mapping it cost every command 9 page faults and a dozen system calls.
# Without the shared object at build time, -lm is linked normally.
LIBM_SO = $(filter /%,$(realpath $(shell $(CC) -print-file-name=libm.so.6)))
ARCHIVE_DEPS_SOS := lzma xml2 zstd bz2 lz4
# Of the eager libraries, these are linked into pkg from their static
# archives when the system has them (libyaml-dev, libseccomp-dev,
# libpcre2-dev, nettle-dev and zlib1g-dev ship them): shared objects fewer to find, map
# and relocate at every start (~0.3 ms of a 1.5 ms small `pkg template`).
# PCRE2 and Nettle were lazy; most real charts call them (regexes,
# sha256sum for checksum annotations), and mapping them at first use cost
# a chart like alertmanager 9% of its CPU, while their code in pkg costs a
# command that does not call them nothing measurable. zlib was lazy too:
# every chart with a .tgz dependency (what `helm dependency build` makes)
# paid its dlopen (12 page faults, ~0.1 ms). Without an archive the shared
# library is used.
STATIC_LIBS := yaml seccomp pcre2-8 nettle archive z
LAZY_ARCHS := x86_64 aarch64
# The release pkg is a static PIE where the C library's static archive
# exists (STATIC_PKG=no turns it off), and the program linked as above is
# built beside it as pkg-dyn, its dynamic twin (lazy/lazy.h, "The static
# build"). Measured on the conformance charts: 9-14% less wall time and
# 11-18% less CPU than the dynamic program, the same code (no ld.so, no
# PLT, libc beside pkg). The static program cannot dlopen() the lazy
# libraries: their stubs run the twin instead (lazy/static/twin.c). libm
# and GMP are linked into it from their archives (a few charts' Sprig
# math); libcrypto is not: its 17,000 relocations would cost every start
# ~90 written pages, more than the static link saves.
LIBC_A = $(filter /%,$(shell $(CC) -print-file-name=libc.a))
GMP_A = $(filter /%,$(shell $(CC) -print-file-name=libgmp.a))
STATIC_PKG ?= $(if $(and $(filter release,$(BUILD)),$(filter yes,$(LAZY)),$(LIBC_A)),yes,no)
PKG_DYN = $(if $(filter yes,$(STATIC_PKG)),pkg-dyn)

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
LIB_LDLIBS := $(shell pkg-config --libs $(LIBS) 2>/dev/null) -lm -lpthread -ldl
ifneq ($(ARCHIVE_STATIC),)
LAZY_PKGS := $(filter-out libarchive,$(LAZY_PKGS))
LAZY_SOS := $(LIBM_SO) $(shell ldd $(shell $(CC) -print-file-name=libarchive.so) 2>/dev/null | \
	awk '$$1 ~ /^lib($(subst $(eval) ,|,$(ARCHIVE_DEPS_SOS)))[.]so/ && $$3 ~ /^\// {print $$3}')
endif
STATIC_ARCHIVES := $(foreach l,$(STATIC_LIBS),$(filter /%,$(shell $(CC) -print-file-name=lib$(l).a)))
EAGER_LDLIBS := $(foreach w,$(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(LIBS)) 2>/dev/null),\
	$(or $(filter %/lib$(w:-l%=%).a,$(STATIC_ARCHIVES)),$(w))) $(if $(LIBM_SO),,-lm) -lpthread -ldl
LAZY ?= $(if $(filter $(LAZY_ARCHS),$(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))),yes,no)
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_LIBS) 2>/dev/null)
TEST_LDLIBS := $(shell pkg-config --libs $(TEST_LIBS) 2>/dev/null)
endif

CFLAGS_ALL = $(BASE_CFLAGS) $(MODE_CFLAGS) $(LIB_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(MODE_LDFLAGS) $(LDFLAGS)

MODULES := core lazy render chart overlay engine engine/node repo-index
LIB_SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
CMD_SRCS := $(wildcard cmd/pkg/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(O)/%.o)
LIBPKG := $(O)/libpkg.a

UNIT_SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/tests/test-*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
FUZZ_SRCS := $(wildcard fuzz/fuzz-*.c)
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(O)/%)

# pkg links the stubs and the eager libraries only. Unit tests and fuzz
# drivers link the stubs too (so the stubs run under the sanitizers) and all
# the libraries, for what a test calls itself.
LAZY_TEST := $(O)/lazy/tests/test-lazy
ifeq ($(LAZY),yes)
LAZY_S := $(O)/lazy/stubs.S
LAZY_OBJ := $(O)/lazy/stubs.o
PKG_LDLIBS = $(EAGER_LDLIBS)
else
LAZY_OBJ :=
PKG_LDLIBS = $(LIB_LDLIBS)
UNIT_BINS := $(filter-out $(LAZY_TEST),$(UNIT_BINS))
endif

.PHONY: FORCE all deps test unit e2e fuzz-replay conformance demo bench format format-check \
	install clean help tests-bin

all: $(PKG_BIN) $(PKG_DYN)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# core/semver.c decodes its constraint regexes, compiled when pkg is built
# with the PCRE2 it links (scripts/semver-re-blob.c), instead of compiling
# them at run time (~100 us of a small render).
SEMVER_BLOB := $(O)/gen/semver-re-blob.h
$(SEMVER_BLOB): scripts/semver-re-blob.c core/semver-re.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -I. $(LIB_CFLAGS) -o $(O)/gen/semver-re-blob $< \
		$(shell pkg-config --libs libpcre2-8 2>/dev/null)
	$(O)/gen/semver-re-blob >$@.tmp && mv $@.tmp $@
$(O)/core/semver.o: $(SEMVER_BLOB)
$(O)/core/semver.o: CFLAGS_ALL += -I$(O)/gen

$(LIBPKG): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# What the link of pkg depends on beyond its inputs' dates: LAZY, the lazy
# libraries and the libraries on the line. Rewritten only when that changes,
# so `make LAZY=no` and then `make` relink both times, and nothing else does.
LINK_CONF := $(O)/link.conf
LINK_CONF_TEXT = LAZY=$(LAZY) STATIC_PKG=$(STATIC_PKG) LAZY_PKGS=$(LAZY_PKGS) LAZY_SOS=$(LAZY_SOS) LDLIBS=$(PKG_LDLIBS) LDFLAGS=$(LDFLAGS_ALL)
$(LINK_CONF): FORCE
	@mkdir -p $(dir $@)
	@echo '$(LINK_CONF_TEXT)' | cmp -s - $@ || echo '$(LINK_CONF_TEXT)' >$@
FORCE:

ifeq ($(STATIC_PKG),yes)
# The twin's stubs: the lazy libraries less those linked statically.
TWIN_PKGS = $(filter-out $(if $(GMP_A),gmp),$(LAZY_PKGS))
TWIN_SOS = $(filter-out $(LIBM_SO),$(LAZY_SOS))
TWIN_S := $(O)/lazy/twin-stubs.S
TWIN_OBJ := $(O)/lazy/twin-stubs.o
$(TWIN_S): $(LIB_OBJS) $(CMD_OBJS) scripts/lazy-stubs.sh $(LINK_CONF)
	@echo "scripts/lazy-stubs.sh -o $@ $(TWIN_PKGS:%=--pkg %) $(TWIN_SOS:%=--so %) -- <objects> $(STATIC_ARCHIVES)"
	@CC="$(CC)" scripts/lazy-stubs.sh -o $@ $(TWIN_PKGS:%=--pkg %) $(TWIN_SOS:%=--so %) -- \
		$(LIB_OBJS) $(CMD_OBJS) $(STATIC_ARCHIVES)
$(TWIN_OBJ): $(TWIN_S)
	$(CC) -I. -MMD -MP -g -c $< -o $@
# -w: the C library warns of getaddrinfo in a static program (the node
# supervisor's, which runs in the twin).
$(O)/pkg: $(CMD_OBJS) $(O)/lazy/static/twin.o $(TWIN_OBJ) $(LIBPKG) $(LINK_CONF)
	$(CC) -static-pie -Wl,-w $(LDFLAGS_ALL) -o $@ $(CMD_OBJS) $(O)/lazy/static/twin.o \
		$(TWIN_OBJ) $(LIBPKG) $(STATIC_ARCHIVES) $(GMP_A) -lm -lpthread
$(O)/pkg-dyn: $(CMD_OBJS) $(LAZY_OBJ) $(LIBPKG) $(LINK_CONF)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJS) $(LAZY_OBJ) $(LIBPKG) $(PKG_LDLIBS)
pkg-dyn: $(O)/pkg-dyn
	cp $< $@
else
$(O)/pkg: $(CMD_OBJS) $(LAZY_OBJ) $(LIBPKG) $(LINK_CONF)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJS) $(LAZY_OBJ) $(LIBPKG) $(PKG_LDLIBS)
endif

ifeq ($(LAZY),yes)
$(LAZY_S): $(LIB_OBJS) $(CMD_OBJS) scripts/lazy-stubs.sh $(LINK_CONF)
	@echo "scripts/lazy-stubs.sh -o $@ $(LAZY_PKGS:%=--pkg %) $(LAZY_SOS:%=--so %) -- <objects> $(STATIC_ARCHIVES)"
	@CC="$(CC)" scripts/lazy-stubs.sh -o $@ $(LAZY_PKGS:%=--pkg %) $(LAZY_SOS:%=--so %) -- \
		$(LIB_OBJS) $(CMD_OBJS) $(STATIC_ARCHIVES)

$(LAZY_OBJ): $(LAZY_S)
	$(CC) -I. -MMD -MP -g -c $< -o $@

# The lazy module's own test calls through stubs generated from test
# libraries (lazy/tests/lazytest-lib.c): one to generate from, one to load
# that lacks a function, one that is missing at run time.
LT := $(O)/lazy/tests
$(LT)/gen/liblazytest.so.1: lazy/tests/lazytest-lib.c lazy/tests/lazytest.h
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 -Wl,-soname,liblazytest.so.1 -o $@ $<
$(LT)/gen/liblazygone.so.1: lazy/tests/lazytest-lib.c lazy/tests/lazytest.h
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 -DLT_GONE -Wl,-soname,liblazygone.so.1 -o $@ $<
$(LT)/liblazytest.so.1: lazy/tests/lazytest-lib.c lazy/tests/lazytest.h
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 -DLT_RUNTIME -Wl,-soname,liblazytest.so.1 -o $@ $<
$(LT)/test-lazy.o: lazy/tests/test-lazy.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -c $< -o $@
$(LT)/stubs.S: $(LT)/test-lazy.o $(LT)/gen/liblazytest.so.1 $(LT)/gen/liblazygone.so.1 \
		scripts/lazy-stubs.sh
	scripts/lazy-stubs.sh -o $@ --so $(LT)/gen/liblazytest.so.1 --so $(LT)/gen/liblazygone.so.1 \
		-- $(LT)/test-lazy.o
$(LT)/stubs.o: $(LT)/stubs.S
	$(CC) -I. -MMD -MP -g -c $< -o $@
$(LAZY_TEST): $(LT)/test-lazy.o $(LT)/stubs.o $(LT)/liblazytest.so.1 $(LIBPKG)
	$(CC) -o $@ $(LT)/test-lazy.o $(LT)/stubs.o $(LIBPKG) $(TEST_LDLIBS) -lpthread -ldl \
		$(LDFLAGS_ALL) -Wl,--disable-new-dtags,-rpath,'$$ORIGIN'
endif

ifeq ($(PKG_BIN),pkg)
pkg: $(O)/pkg
	cp $< $@
endif

$(filter-out $(LAZY_TEST),$(UNIT_BINS)): $(O)/%: %.c $(LAZY_OBJ) $(LIBPKG) $(LINK_CONF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -o $@ $< $(LAZY_OBJ) $(LIBPKG) $(TEST_LDLIBS) $(LIB_LDLIBS) \
		$(LDFLAGS_ALL)

$(FUZZ_BINS): $(O)/%: %.c fuzz/replay.c $(LAZY_OBJ) $(LIBPKG) $(LINK_CONF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< fuzz/replay.c $(LAZY_OBJ) $(LIBPKG) $(LIB_LDLIBS) $(LDFLAGS_ALL)

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
e2e: $(PKG_BIN) $(PKG_DYN)
	@echo "== end-to-end tests"
	@mkdir -p $(E2E_ROOT) && rm -f $(E2E_ROOT)/.scratch-names
	@TMPDIR=$(E2E_ROOT) PKG=$(CURDIR)/$(PKG_BIN) prove tests/t[0-9]*.sh

conformance: $(PKG_BIN) $(PKG_DYN)
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

install: $(PKG_BIN) $(PKG_DYN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PKG_BIN) $(DESTDIR)$(PREFIX)/bin/pkg
ifneq ($(PKG_DYN),)
	install -d $(DESTDIR)$(PREFIX)/libexec/pkg
	install -m 0755 $(PKG_DYN) $(DESTDIR)$(PREFIX)/libexec/pkg/pkg-dyn
endif

clean:
	rm -rf build pkg pkg-dyn

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_BINS:=.d) $(LAZY_OBJ:.o=.d) $(TWIN_OBJ:.o=.d) \
	$(if $(LAZY_OBJ),$(LT)/stubs.d)
