#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/run.sh BUILD [SUITE...]: runs every test suite (what `make check`
# calls), or only the SUITEs named (e.g. `tests/run.sh build test_conf
# matrix e2e/test_revoke`; names as in the PASS/FAIL lines).
#
# Suites, in this order:
#   1. every executable BUILD/tests/test_* (cmocka binaries), as-is; except
#      - BUILD/tests/test_pam, which runs as `tests/pam/run.sh BUILD` when
#        that wrapper exists (it sets up pam_wrapper and nss_wrapper);
#      - a binary built from tests/DIR/test_NAME.c where DIR (other than
#        unit and pam) has an executable run.sh: that wrapper runs it in
#        step 2 (e.g. test_http_backend needs tests/http/run.sh's server);
#   2. every executable tests/*/run.sh, called with BUILD (suite name: the
#      directory);
#   3. every executable tests/e2e/test_*.sh, called with BUILD (suite name:
#      e2e/test_NAME).
# A suite passes with exit 0, is skipped with exit 77 (it must print why,
# ideally as a line "SKIP: reason"), and fails otherwise or after
# NHI_TEST_TIMEOUT seconds (default 900).  A cmocka binary whose tests were
# all skipped counts as skipped, never as passed.
#
# Prints one line per suite, keeps each suite's output in
# BUILD/test-logs/NAME.log, prints the logs of failed suites, and ends with
# the line "N passed, N failed, N skipped".  Exit status 1 if any suite
# failed (or none was found), else 0.  Suites run from the source tree, with
# stdin from /dev/null.
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD [SUITE...]" >&2
	exit 2
fi
BUILD=$(cd "$1" 2>/dev/null && pwd) || {
	echo "run.sh: no build directory '$1' (run make first)" >&2
	exit 2
}
shift
WANTED=" $* "
# Is suite $1 among those asked for (all, when none was named)?
wanted() { [ "$WANTED" = "  " ] || [[ $WANTED == *" $1 "* ]]; }
cd "$(dirname "$0")/.." || exit 2
LOGS=$BUILD/test-logs
TIMEOUT=${NHI_TEST_TIMEOUT:-900}
rm -rf "$LOGS"
if ! mkdir -p "$LOGS" || ! [ -w "$LOGS" ] || [ -n "$(ls -A "$LOGS")" ]; then
	echo "run.sh: cannot make a fresh, writable $LOGS" >&2
	exit 2
fi

passed=0 failed=0 skipped=0

# Each suite runs in the background in a process group of its own (set -m:
# with SIGINT not ignored, unlike a plain background job), under timeout(1),
# which kills the whole group on expiry.  Ctrl-C or SIGTERM to this script
# is passed on to the running suite.
set -m
child=
on_signal() {
	trap - INT TERM HUP
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	echo "run.sh: interrupted" >&2
	exit 130
}
trap on_signal INT TERM HUP

now_ns() { date +%s%N; }

# Why a suite skipped: its "SKIP: ..." line, else its last non-empty line.
skip_reason() {
	local r
	r=$(grep -m1 -E '^(SKIP|skip)[:[:space:]]' "$1" | sed -E 's/^(SKIP|skip):?[[:space:]]*//')
	[ -n "$r" ] || r=$(grep -v '^[[:space:]]*$' "$1" | tail -n1)
	echo "${r:-no reason given}"
}

# cmocka summaries: "[  PASSED  ] N test(s)." and "[  SKIPPED ] N test(s)...".
cmocka_count() {
	sed -nE "s/^\[  $2 *\] ([0-9]+) test\(s\).*/\1/p" "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

# run_suite NAME CMD [ARG...]
run_suite() {
	local name=$1 log=$LOGS/$1.log t0 t1 rc secs status note=
	shift
	wanted "$name" || return 0
	mkdir -p "$(dirname "$log")"
	t0=$(now_ns)
	timeout -k 10 "$TIMEOUT" "$@" </dev/null >"$log" 2>&1 &
	child=$!
	wait "$child"
	rc=$?
	child=
	t1=$(now_ns)
	secs=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
	case $rc in
	0)
		status=PASS
		local np ns
		np=$(cmocka_count "$log" PASSED)
		ns=$(cmocka_count "$log" SKIPPED)
		if [ "$ns" -gt 0 ]; then
			if [ "$np" -eq 0 ]; then
				status=SKIP
				note=": all $ns cmocka test(s) skipped"
				grep -qE '^SKIP[:[:space:]]' "$log" && note="$note: $(skip_reason "$log")"
			else
				note=" ($ns cmocka test(s) skipped)"
			fi
		fi
		;;
	77)
		status=SKIP
		note=": $(skip_reason "$log")"
		;;
	124 | 137)
		status=FAIL
		note=": timed out after ${TIMEOUT}s"
		;;
	*)
		status=FAIL
		note=": exit status $rc"
		;;
	esac
	printf '%s %s (%ss)%s\n' "$status" "$name" "$secs" "$note"
	case $status in
	PASS) passed=$((passed + 1)) ;;
	SKIP) skipped=$((skipped + 1)) ;;
	FAIL)
		failed=$((failed + 1))
		echo "---- $log ----"
		cat "$log"
		echo "---- end of $name ----"
		;;
	esac
}

# Is test binary $1 built from tests/DIR/$1.c with an executable
# tests/DIR/run.sh (DIR not unit or pam)?
wrapped_by_run_sh() {
	local src d
	for src in tests/*/"$1".c; do
		[ -f "$src" ] || continue
		d=$(dirname "$src")
		case $d in tests/unit | tests/pam) continue ;; esac
		[ -x "$d/run.sh" ] && return 0
	done
	return 1
}

pam_wrapper_done=
for bin in "$BUILD"/tests/test_*; do
	{ [ -f "$bin" ] && [ -x "$bin" ]; } || continue
	name=$(basename "$bin")
	if [ "$name" = test_pam ] && [ -x tests/pam/run.sh ]; then
		run_suite test_pam tests/pam/run.sh "$BUILD"
		pam_wrapper_done=1
	elif wrapped_by_run_sh "$name"; then
		continue
	else
		run_suite "$name" "$bin"
	fi
done

for r in tests/*/run.sh; do
	{ [ -f "$r" ] && [ -x "$r" ]; } || continue
	[ "$r" = tests/pam/run.sh ] && [ -n "$pam_wrapper_done" ] && continue
	run_suite "$(basename "$(dirname "$r")")" "$r" "$BUILD"
done

for t in tests/e2e/test_*.sh; do
	{ [ -f "$t" ] && [ -x "$t" ]; } || continue
	run_suite "e2e/$(basename "$t" .sh)" "$t" "$BUILD"
done

total=$((passed + failed + skipped))
if [ "$total" -eq 0 ]; then
	echo "run.sh: no test suites found under $BUILD/tests and tests/${*:+ named $*}" >&2
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$total" -gt 0 ]
