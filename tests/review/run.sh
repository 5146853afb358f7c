#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/review/run.sh BUILD: `nhiacct review` against a real, private
# systemd-journald (tests/lib/with-journald.sh; root only, else skip 77).
#
# fill.c writes the records of three phases through nhi_audit(), as the
# module and the helper write them; between the phases this script takes a
# time mark M1, M2 (a whole second, after the phase's records are readable,
# before the next phase is sent), so --since/--until have exact boundaries.  An unprivileged user
# then forges records, which no review may show.  check.py runs the review
# with every filter, --json parsed back, the table, --file and -D on a copy
# of the journal file, and the usage errors.
set -u

# shellcheck source=tests/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"

BUILD=${1:-build}
case $BUILD in
/*) ;;
*) BUILD=$NHI_TOP/$BUILD ;;
esac
NHIACCT=$BUILD/nhiacct
need_cmd python3 journalctl "${CC:-cc}" pkg-config setpriv nm
[ -x "$NHIACCT" ] || fail "$NHIACCT not built (make first)"
[ -f "$BUILD/libnhi.a" ] || fail "$BUILD/libnhi.a not built (make first)"
# shellcheck source=tests/lib/journal.sh
source "$NHI_TOP/tests/lib/journal.sh"

T=$(mktemp -d /tmp/nhi-review.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

# The driver, with the Makefile's warnings, linked to the core; with the
# core's sanitizers when BUILD is a sanitizer build (else it cannot link).
FILL=$T/fill
san=
syms=$(nm "$BUILD/libnhi.a" 2>/dev/null)
case $syms in *__asan_init*) san="$san -fsanitize=address" ;; esac
case $syms in *__ubsan_handle*) san="$san -fsanitize=undefined" ;; esac
# shellcheck disable=SC2046,SC2086
"${CC:-cc}" -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter $san \
	-I"$NHI_TOP/lib" -o "$FILL" "$NHI_TOP/tests/review/fill.c" "$BUILD/libnhi.a" \
	$(pkg-config --cflags --libs jansson libsystemd) || fail "cannot build fill.c"
chmod 0755 "$T" "$FILL"

MID_OPEN=5e20c685e20346ffb60a8e6d1894b6eb

# phase P COUNT: writes phase P, waits until all records of the private
# journal so far (COUNT in total, by root) are readable.
phase() {
	local n
	n=$("$FILL" "$1") || fail "fill $1 failed"
	jwait _UID=0 NHIACCT_EVENT=grant NHIACCT_EVENT=deny NHIACCT_EVENT=open \
		NHIACCT_EVENT=close NHIACCT_EVENT=revoke NHIACCT_EVENT=warn "$2" 5 \
		>/dev/null || fail "phase $1: $2 records not readable"
	note "phase $1: $n records"
}
# A whole second, so that the wall-clock forms of --since can name it too.
mark() {
	local ns
	ns=$(date +%N)
	sleep "$(awk -v ns="$ns" 'BEGIN { printf "%.3f", (1e9 - ns) / 1e9 + 0.001 }')"
	date +%s
	sleep 0.05
}

phase A 9
M1=$(mark)
phase B 17
M2=$(mark)
phase C 23
M3=$(mark)
# Forged by "nobody": anyone may send NHIACCT_* fields to journald.
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$FILL" F >/dev/null ||
	fail "forging as nobody failed"
jwait NHIACCT_SESSION=S-FORGED MESSAGE_ID=$MID_OPEN 1 5 >/dev/null ||
	fail "forged record not readable"

python3 "$NHI_TOP/tests/review/check.py" "$NHIACCT" "$M1" "$M2" "$M3" "$T"
rc=$?
[ $rc -eq 0 ] || jdump
exit $rc
