#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/asan/run.sh BUILD: the unit tests and the PAM-stack test
# (tests/pam/run.sh) again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer into BUILD-asan (next to BUILD) by the
# Makefile's asan-build (make check runs it).
#
# Any sanitizer report fails the suite: UB is fatal (no recovery), and every
# report goes to a file in a private folder (log_path), which must stay
# empty, so that a report in a process whose exit status a harness swallows
# still counts.  Leak detection stays on for everything: our code, the
# module (loaded and unloaded by libpam under pam_wrapper) and the tests.
#
# How the sanitizers live with pam_wrapper and nss_wrapper (found by trial,
# Debian 12: gcc 12, libpam-wrapper 1.1.4, libnss-wrapper 1.1.12):
#   - tests/pam/run.sh preloads libpam_wrapper.so and libnss_wrapper.so,
#     so the ASan runtime (libasan.so, a dependency of the test binary) is
#     not first in the library list and ASan would refuse to start:
#     verify_asan_link_order=0.  Safe here: neither wrapper replaces
#     malloc/free, so every allocation still goes through ASan.
#   - pam_wrapper dlopen()s libpam with RTLD_DEEPBIND, which the ASan
#     runtime refuses ("incompatible with sanitizer runtime").  pam_wrapper
#     1.1.4 leaves DEEPBIND out when UID_WRAPPER_DISABLE_DEEPBIND is set (the
#     variable really has that name in this version), or when LD_PRELOAD
#     names libasan.so: UID_WRAPPER_DISABLE_DEEPBIND=1.
#   - No detect_leaks=0 and no detect_odr_violation=0 were needed.
#     lsan.supp holds what is suppressed, each entry with its reason.
#
# Needs root for the PAM-stack part (as tests/pam/run.sh).  Exit 0 pass,
# 1 fail, 77 skipped (no ASan runtime).
set -u
. "$(dirname "$0")/../lib/common.sh"
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
build=${1%/}
case $build in /*) ;; *) build=$NHI_TOP/$build ;; esac
asb=$build-asan
# The Makefile's asan-build (run by make check) makes the tree again with
# ASan + UBSan into BUILD-asan when the compiler can.
for f in pam_nhiacct.so nhiacct tests/test_pam tests/test_dlopen; do
	[ -e "$asb/$f" ] || skip "$asb/$f not built: make asan-build (gcc: libasan8, libubsan1)"
done

reports=$(mktemp -d /tmp/nhiacct-asan.XXXXXX) || fail mktemp
trap 'rm -rf "$reports"' EXIT
export ASAN_OPTIONS="detect_leaks=1:verify_asan_link_order=0:abort_on_error=0:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$NHI_TOP/tests/asan/lsan.supp:print_suppressions=0"
export UID_WRAPPER_DISABLE_DEEPBIND=1

rc=0
# The unit tests (tests/unit/test_*.c) and the dlopen check; test_pam runs
# through its wrapper below.
for src in tests/unit/test_*.c tests/pam/test_dlopen.c; do
	name=$(basename "$src" .c)
	bin=$asb/tests/$name
	[ -x "$bin" ] || { echo "FAIL: $bin was not built"; rc=1; continue; }
	if (cd "$NHI_TOP" && NHI_MODULE=$asb/pam_nhiacct.so "$bin") >"$reports/$name.out" 2>&1; then
		note "$name: $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$reports/$name.out" | tr '\n' ' ')"
	else
		echo "FAIL: $name (exit $?)"
		tail -n 30 "$reports/$name.out"
		rc=1
	fi
done

note "tests/pam/run.sh $asb"
if "$NHI_TOP/tests/pam/run.sh" "$asb" >"$reports/pam.out" 2>&1; then
	note "tests/pam/run.sh: $(grep -E '^\[  (PASSED|FAILED) ' "$reports/pam.out" | tr '\n' ' ')"
else
	prc=$?
	if [ $prc -eq 77 ]; then
		note "tests/pam/run.sh skipped: $(grep -m1 SKIP "$reports/pam.out")"
	else
		echo "FAIL: tests/pam/run.sh $asb (exit $prc)"
		grep -v '^PWRAP_' "$reports/pam.out" | tail -n 40
		rc=1
	fi
fi

found=
for f in "$reports"/asan.* "$reports"/ubsan.*; do
	[ -e "$f" ] && found="$found $f"
done
if [ -n "$found" ]; then
	echo "FAIL: sanitizer reports:"
	for f in $found; do
		echo "---- $(basename "$f") ----"
		head -n 80 "$f"
	done
	rc=1
fi
[ $rc -eq 0 ] && echo "asan: unit and PAM-stack tests clean under ASan+UBSan (leak detection on)"
exit $rc
