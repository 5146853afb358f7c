# pam_nhiacct — build, test, install.  GNU make.
#
#   make            build the module, the backend object and the nhiacct command
#   make check      install missing test packages (as root), build, run every test
#   make demo       the module through the real PAM stack on example tickets
#   make bench      benchmarks (see bench/)
#   make install    DESTDIR=, PREFIX=, and the directories below are overridable

CC       ?= cc
PKG_CONFIG ?= pkg-config
BUILD    ?= build

VERSION   := $(shell cat VERSION 2>/dev/null || echo 0)
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR     ?= $(if $(MULTIARCH),$(PREFIX)/lib/$(MULTIARCH),$(PREFIX)/lib)
PAMDIR     ?= $(if $(MULTIARCH),/lib/$(MULTIARCH)/security,$(LIBDIR)/security)
PKGLIBDIR  ?= $(LIBDIR)/nhiacct
# the vendors' login shell where sessions are recorded: one path for every
# architecture, as it is written into /etc/passwd
RECORD_SHELL ?= $(PREFIX)/lib/nhiacct/nhiacct-shell
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= /lib/systemd/system
TMPFILESDIR ?= /usr/lib/tmpfiles.d
CATALOGDIR ?= /usr/lib/systemd/catalog

# Packages: the build (design.md section 2) and the tests (shared/testing.md).
DEPS_BUILD = libpam0g-dev libcurl4-openssl-dev libjansson-dev libsystemd-dev \
	     libjq-dev pkg-config gcc make
# make demo: the build, the PAM and NSS wrappers, journald, jq; nothing else
DEPS_DEMO  = libpam-wrapper libnss-wrapper systemd util-linux jq
DEPS_TEST  = libcmocka-dev libpam-wrapper libpamtest0-dev libnss-wrapper libuid-wrapper \
	     openssh-server openssh-client python3 openssl mandoc jq \
	     systemd systemd-journal-remote clang libclang-rt-14-dev valgrind cppcheck \
	     clang-tidy util-linux procps tmux mmdebstrap debhelper lintian tlog

PKGS      = jansson libsystemd
CORE_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
CORE_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CURL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
# libjq 1.6 ships no .pc file
JQ_LIBS  = -ljq
CURL_LIBS   := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
PAM_LIBS    := $(shell $(PKG_CONFIG) --libs pam 2>/dev/null || echo -lpam)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
PAMTEST_LIBS := $(shell $(PKG_CONFIG) --libs libpamtest 2>/dev/null || echo -lpamtest)

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
OPT      ?= -O2 -g
SAN      ?=
CFLAGS_ALL = -std=gnu11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SAN) -Ilib \
	     -DNHI_BACKEND_DIR='"$(PKGLIBDIR)"' -DNHI_VERSION='"$(VERSION)"' \
	     -DNHI_RECORD_SHELL='"$(RECORD_SHELL)"' $(CORE_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -Wl,-z,relro -Wl,-z,now -Wl,--as-needed $(SAN) $(LDFLAGS)

# backend_http.c and fieldmap.c (libcurl, libjq) are the http object's only
HTTP_SRC = lib/backend_http.c lib/fieldmap.c
LIB_SRC  = $(filter-out $(HTTP_SRC),$(wildcard lib/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
MODULE_SRC = $(wildcard pam_module/*.c)
MODULE_OBJ = $(MODULE_SRC:%.c=$(BUILD)/%.o)
HELPER_SRC = $(wildcard helper/*.c)
HELPER_OBJ = $(HELPER_SRC:%.c=$(BUILD)/%.o)
# the command's parts without main(), for the unit tests of its output
CMD_A    = $(BUILD)/libnhicmd.a
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

MODULE   = $(BUILD)/pam_nhiacct.so
HTTP_SO  = $(BUILD)/nhiacct_http.so
HELPER   = $(BUILD)/nhiacct
SHELL_BIN = $(BUILD)/nhiacct-shell
CORE_A   = $(BUILD)/libnhi.a

.PHONY: all deps check check-unit unit demo bench install uninstall clean fuzz deb
all: $(MODULE) $(HTTP_SO) $(HELPER) $(SHELL_BIN)

# The paths compiled in (NHI_BACKEND_DIR) and the version: objects depend
# on a stamp named after them, so that `make install PREFIX=/usr/local`
# after a build for /usr rebuilds rather than installs objects that look
# for their backend in the wrong place.
CONFIG_ID := $(shell printf '%s|%s|%s|%s' '$(PKGLIBDIR)' '$(VERSION)' '$(CC)' '$(RECORD_SHELL)' | cksum | cut -d' ' -f1)
CONFIG_STAMP = $(BUILD)/.config-$(CONFIG_ID)
$(CONFIG_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/.config-*
	@touch $@

# Each object depends on the headers it includes (-MMD -MP: the compiler
# writes the list next to the object), not on every header of the tree.
# The list names the object both ways, build/x.o and /abs/build/x.o, so that
# it counts whether BUILD was given relative (make) or absolute (the tests).
DEP_TARGETS = -MT $(abspath $@) -MT $(patsubst $(CURDIR)/%,%,$(abspath $@))
$(BUILD)/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP $(DEP_TARGETS) $(if $(filter lib/backend_http.c,$<),$(CURL_CFLAGS)) -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(MODULE_OBJ:.o=.d) $(HELPER_OBJ:.o=.d) $(BUILD)/shell/nhiacct_shell.d \
	 $(HTTP_SRC:%.c=$(BUILD)/%.d)

$(CORE_A): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The module: the core linked in, only pam_sm_* exported (version script).
$(MODULE): $(MODULE_OBJ) $(CORE_A) pam_module/pam_nhiacct.map
	$(CC) -shared $(LDFLAGS_ALL) -Wl,--version-script=pam_module/pam_nhiacct.map \
		-Wl,--no-undefined -o $@ $(MODULE_OBJ) $(CORE_A) $(CORE_LIBS) $(PAM_LIBS)

# The HTTP backend: the only object that links libcurl and libjq; dlopen()ed
# on demand.  It links its own hidden copies of the core parts it shares
# (HTTP_SHARED: the configuration's key table, the one owner-checked read,
# the one JSON parser, the one escaper).
HTTP_SHARED = $(BUILD)/lib/conf.o $(BUILD)/lib/util.o $(BUILD)/lib/timeutil.o \
	      $(BUILD)/lib/fileio.o $(BUILD)/lib/json.o $(BUILD)/lib/text.o
HTTP_OBJ = $(HTTP_SRC:%.c=$(BUILD)/%.o)
$(HTTP_SO): $(HTTP_OBJ) $(HTTP_SHARED) lib/backend_http.map
	$(CC) -shared $(LDFLAGS_ALL) -Wl,--version-script=lib/backend_http.map \
		-Wl,--no-undefined -o $@ $(HTTP_OBJ) $(HTTP_SHARED) \
		$(CURL_LIBS) $(JQ_LIBS) $(CORE_LIBS)

$(CMD_A): $(filter-out $(BUILD)/helper/nhiacct.o,$(HELPER_OBJ))
	@rm -f $@
	$(AR) rcs $@ $^

$(HELPER): $(HELPER_OBJ) $(CORE_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $(HELPER_OBJ) $(CORE_A) $(CORE_LIBS) $(PAM_LIBS)

# The vendors' login shell where sessions are recorded (lib/recording.h).
$(SHELL_BIN): $(BUILD)/shell/nhiacct_shell.o $(CORE_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $(BUILD)/shell/nhiacct_shell.o $(CORE_A) $(CORE_LIBS)

# Unit tests: one cmocka binary per tests/unit/test_*.c, linked to the core
# (and to the command's parts, whose output some of them test).
$(BUILD)/tests/%: tests/unit/%.c $(CORE_A) $(CMD_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ihelper -Wno-missing-prototypes $(LDFLAGS_ALL) -o $@ $< $(CMD_A) \
		$(CORE_A) $(CORE_LIBS) $(CMOCKA_LIBS)

# fieldmap.c belongs to the http object: its test links it, and libjq, itself.
$(BUILD)/tests/test_fieldmap: tests/unit/test_fieldmap.c $(BUILD)/lib/fieldmap.o $(CORE_A) $(CMD_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ihelper -Wno-missing-prototypes $(LDFLAGS_ALL) -o $@ $< \
		$(BUILD)/lib/fieldmap.o $(CMD_A) $(CORE_A) $(CORE_LIBS) $(JQ_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_pam: tests/pam/test_pam.c $(CORE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes $(LDFLAGS_ALL) -o $@ $< $(CORE_A) \
		$(CORE_LIBS) $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS)

$(BUILD)/tests/test_dlopen: tests/pam/test_dlopen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes $(LDFLAGS_ALL) -o $@ $< -ldl $(CMOCKA_LIBS)

# http backend tests: the dlopen()ed http object against a real HTTPS server;
# run with tests/http/run.sh $(BUILD).
$(BUILD)/tests/test_http_backend: tests/http/test_http_backend.c $(CORE_A) $(HTTP_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes $(LDFLAGS_ALL) -o $@ $< $(CORE_A) \
		$(CORE_LIBS) $(CMOCKA_LIBS) -ldl
# end http backend tests

deps:
	@tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

unit: $(UNIT_BIN)

TEST_BINS = $(UNIT_BIN) $(BUILD)/tests/test_pam $(BUILD)/tests/test_dlopen

# make check [SUITES="test_conf e2e/test_revoke ..."]: every suite, or those.
# The Makefile builds everything a suite runs (no suite runs make): the
# sanitizer and fuzz builds only when a suite that needs them is asked for.
wants = $(if $(SUITES),$(filter $(1),$(SUITES)),$(1))
check: deps
	$(MAKE) all $(TEST_BINS) test-drivers $(BUILD)/tests/test_http_backend
	$(if $(call wants,asan),$(MAKE) asan-build)
	$(if $(call wants,fuzz),$(MAKE) fuzz-targets)
	tests/run.sh $(BUILD) $(SUITES)

# The unit tests alone: no root, no packages beyond the build's, seconds.
check-unit: $(UNIT_BIN)
	@rc=0; for t in $(UNIT_BIN); do $$t || rc=1; done; exit $$rc

# As root (root-owned files, a private namespace with its own journald);
# installs only the demo's packages, and says so first.
demo:
	@if [ "$$(id -u)" -ne 0 ]; then \
		echo "make demo: needs root (the module refuses files not owned by root;" \
		     "the records go to a private journald in a mount namespace). Run:"; \
		echo "  sudo make demo"; exit 1; fi
	@DEPS_FOR="make demo" tools/deps.sh $(DEPS_BUILD) $(DEPS_DEMO)
	$(MAKE) all $(BUILD)/tests/pamrun
	tools/demo.sh $(BUILD)

bench: deps
	$(MAKE) all $(BUILD)/bench/pam_loop
	bench/run.sh $(BUILD)

# the benchmark's driver: whole PAM decisions in a loop (tests/lib/pamlogin.h)
$(BUILD)/bench/pam_loop: bench/pam_loop.c tests/lib/pamlogin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/lib $(LDFLAGS_ALL) -o $@ $< $(PAM_LIBS) -ldl

# The Debian packages (debian/, debhelper) from a clean copy of the tree.
deb:
	tools/mkdeb.sh $(BUILD)/deb

fuzz: fuzz-targets
	tests/fuzz/run.sh $(BUILD) $${FUZZ_SECONDS:-60}

# ---- the sanitizer build (tests/asan) -------------------------------------------
# The whole tree again with ASan + UBSan into $(BUILD)-asan, when $(CC) can
# build and run such a program (gcc: libasan8, libubsan1); else the suite
# says SKIP.
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OK = $(shell d=$$(mktemp -d) && echo 'int main(void) { return 0; }' >$$d/p.c && \
	  $(CC) $(ASAN_FLAGS) -o $$d/p $$d/p.c 2>/dev/null && $$d/p && echo yes; rm -rf $$d)
.PHONY: asan-build
asan-build:
	$(if $(ASAN_OK),$(MAKE) BUILD=$(BUILD)-asan SAN="$(ASAN_FLAGS)" OPT="-O1 -g" all unit \
		$(BUILD)-asan/tests/test_pam $(BUILD)-asan/tests/test_dlopen,\
		@echo "asan-build: $(CC) cannot build with $(ASAN_FLAGS); tests/asan will SKIP")

# ---- the fuzz targets (tests/fuzz) ---------------------------------------------
# libFuzzer targets over the core, built with clang into $(BUILD)-fuzz when
# clang can (Debian: clang, libclang-rt-14-dev); else the suite says SKIP.
CLANG ?= $(firstword $(foreach c,clang clang-14 clang-15 clang-16,$(shell command -v $(c) 2>/dev/null)))
FUZZ_B = $(BUILD)-fuzz
FUZZ_TARGETS = ticket lookup conf time id fieldmap
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter -Ilib \
	      $(CORE_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
FUZZ_OBJ = $(LIB_SRC:lib/%.c=$(FUZZ_B)/obj/%.o)
FUZZ_OK = $(shell d=$$(mktemp -d) && [ -n "$(CLANG)" ] && \
	  $(CLANG) -fsanitize=fuzzer,address,undefined -o $$d/p tests/fuzz/probe.c 2>/dev/null && \
	  echo yes; rm -rf $$d)

$(FUZZ_B)/obj/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP $(DEP_TARGETS) -c -o $@ $<

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_B)/obj/fieldmap.d

$(FUZZ_B)/obj/libnhi-fuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_B)/obj/libnhi-fuzz.a
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_B)/obj/libnhi-fuzz.a \
		$(CORE_LIBS) -ldl -lpthread

# The field map is the http object's: its target links it, and libjq.
$(FUZZ_B)/fuzz_fieldmap: tests/fuzz/fuzz_fieldmap.c tests/fuzz/fuzz.h $(FUZZ_B)/obj/fieldmap.o \
		$(FUZZ_B)/obj/libnhi-fuzz.a
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_B)/obj/fieldmap.o \
		$(FUZZ_B)/obj/libnhi-fuzz.a $(CORE_LIBS) $(JQ_LIBS) -ldl -lpthread

# The stand-in http backend object of fuzz_lookup: not instrumented (it only
# hands a pointer over), 0755 as the core demands of a backend object.
$(FUZZ_B)/fakebackend/nhiacct_http.so: tests/fuzz/fake_backend.c lib/backend.h
	@mkdir -p $(dir $@)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -g -O1 -fPIC -shared -Ilib $(CORE_CFLAGS) -o $@ $< \
		$(CORE_LIBS)
	chmod 0755 $@

.PHONY: fuzz-targets
fuzz-targets:
	$(if $(FUZZ_OK),$(MAKE) $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%) $(FUZZ_B)/fakebackend/nhiacct_http.so,\
		@echo "fuzz-targets: clang cannot build a libFuzzer target; tests/fuzz will SKIP")

install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PKGLIBDIR)
	install -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_nhiacct.so
	install -m 0644 $(HTTP_SO) $(DESTDIR)$(PKGLIBDIR)/nhiacct_http.so
	install -m 0755 $(HELPER) $(DESTDIR)$(SBINDIR)/nhiacct
	install -D -m 0755 $(SHELL_BIN) $(DESTDIR)$(RECORD_SHELL)
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/security
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/security/nhiacct
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/security/nhiacct/tickets
	[ -e $(DESTDIR)$(SYSCONFDIR)/security/nhiacct.conf ] || \
		install -m 0644 conf/nhiacct.conf $(DESTDIR)$(SYSCONFDIR)/security/nhiacct.conf
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/nhiacct.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/pam_nhiacct.8 man/nhiacct.8 $(DESTDIR)$(MANDIR)/man8/
	if [ -f conf/systemd/nhiacct-watch.service ]; then \
		install -d $(DESTDIR)$(UNITDIR) && \
		sed 's|/usr/sbin/nhiacct|$(SBINDIR)/nhiacct|g' conf/systemd/nhiacct-watch.service \
			>$(DESTDIR)$(UNITDIR)/nhiacct-watch.service && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/nhiacct-watch.service; fi
	if [ -f conf/tmpfiles.d/nhiacct.conf ]; then \
		install -d $(DESTDIR)$(TMPFILESDIR) && \
		install -m 0644 conf/tmpfiles.d/nhiacct.conf $(DESTDIR)$(TMPFILESDIR)/; fi
	if [ -f conf/nhiacct.catalog ]; then \
		install -d $(DESTDIR)$(CATALOGDIR) && \
		install -m 0644 conf/nhiacct.catalog $(DESTDIR)$(CATALOGDIR)/; fi

uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_nhiacct.so $(DESTDIR)$(PKGLIBDIR)/nhiacct_http.so \
	      $(DESTDIR)$(SBINDIR)/nhiacct $(DESTDIR)$(RECORD_SHELL) $(DESTDIR)$(MANDIR)/man5/nhiacct.conf.5 \
	      $(DESTDIR)$(MANDIR)/man8/pam_nhiacct.8 $(DESTDIR)$(MANDIR)/man8/nhiacct.8 \
	      $(DESTDIR)$(UNITDIR)/nhiacct-watch.service \
	      $(DESTDIR)$(TMPFILESDIR)/nhiacct.conf $(DESTDIR)$(CATALOGDIR)/nhiacct.catalog
	-rmdir $(DESTDIR)$(PKGLIBDIR) 2>/dev/null

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz

# ---- test drivers
# Drivers for tests/matrix, tests/concurrency and tests/valgrind: plain PAM
# applications (no core inside: they load $(BUILD)/pam_nhiacct.so through
# libpam under pam_wrapper).  Not named test_*: their run.sh sets them up.
# The fuzz targets (clang) are built by tests/fuzz/run.sh into $(BUILD)-fuzz,
# the sanitizer build by tests/asan/run.sh into $(BUILD)-asan.
TEST_DRIVERS = $(BUILD)/tests/pamrun $(BUILD)/tests/storm $(BUILD)/tests/cycles \
	       $(BUILD)/tests/conf_keys

$(BUILD)/tests/pamrun: tests/lib/pamrun.c tests/lib/pamlogin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(CORE_LIBS) $(PAM_LIBS)

$(BUILD)/tests/storm: tests/concurrency/storm.c tests/lib/pamlogin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/lib $(LDFLAGS_ALL) -o $@ $< $(CORE_LIBS) $(PAM_LIBS)

# jansson and libsystemd stay loaded (sshd keeps libsystemd too), so that
# pam_end's dlclose of the module does not unload and reload them per cycle.
$(BUILD)/tests/cycles: tests/valgrind/cycles.c tests/lib/pamlogin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/lib $(LDFLAGS_ALL) -o $@ $< \
		-Wl,--no-as-needed $(CORE_LIBS) -Wl,--as-needed $(PAM_LIBS)

# the configuration keys as the core's table has them (tests/docs)
$(BUILD)/tests/conf_keys: tests/docs/conf_keys.c $(CORE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(CORE_A) $(CORE_LIBS)

.PHONY: test-drivers
test-drivers: $(TEST_DRIVERS)
