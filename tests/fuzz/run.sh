#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/fuzz/run.sh BUILD [SECONDS]: runs each libFuzzer target of
# BUILD-fuzz (next to BUILD; the Makefile's fuzz-targets) for SECONDS
# (default 20: the smoke that `make check` runs; `make fuzz` passes
# FUZZ_SECONDS).
#
#   fuzz_ticket   ticket JSON -> field maps -> policy -> vendor's line
#   fuzz_lookup   lookup answer -> the candidate choice of gate.c
#   fuzz_conf     nhiacct.conf loader and the key = value setter
#   fuzz_time     RFC 3339 / Unix time and duration parsers, formatters
#   fuzz_id       ticket id validator and nhi_escape
#   fuzz_fieldmap ticket and approvals JSON -> the shipped jq field
#                 expressions (libjq) -> native ticket -> policy
#
# Each target is built by the Makefile with clang
# -fsanitize=fuzzer,address,undefined (UB is fatal) against the core
# compiled for it (coverage), never against the gcc-built objects.  The seed corpus is
# tests/fuzz/corpus/<target>; what a run learns is kept in
# BUILD-fuzz/corpus/<target>, so longer runs build on earlier ones.
# A crash, leak, timeout (-timeout=10) or out-of-memory (-rss_limit_mb=2048)
# fails the run; its input is copied to BUILD-fuzz/crashes/ and printed in
# base64, with the reproducer command.
#
# Prints the executions of each target (libFuzzer's
# stat::number_of_executed_units) and the rate.
#
# Environment: FUZZ_JOBS targets at once (default: CPUs, at most 5);
# FUZZ_TARGETS a space-separated subset.
# Exit: 0 pass, 1 crash, 77 skipped (targets not built: no clang, no libFuzzer).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILD [SECONDS]" >&2
	exit 2
fi
build=${1%/}
secs=${2:-20}
case $build in /*) ;; *) build=$top/$build ;; esac
fb=$build-fuzz
case $secs in '' | *[!0-9]*) echo "run.sh: SECONDS must be a number" >&2; exit 2 ;; esac

targets=${FUZZ_TARGETS:-"ticket lookup conf time id fieldmap"}

# ---- toolchain ------------------------------------------------------------
# The Makefile builds the targets (make fuzz-targets, run by make check and
# make fuzz) when clang can build a libFuzzer target.
for t in $targets; do
	if [ ! -x "$fb/fuzz_$t" ]; then
		echo "SKIP: $fb/fuzz_$t not built: make fuzz-targets (clang, libclang-rt-14-dev)"
		exit 77
	fi
done
[ -f "$fb/fakebackend/nhiacct_http.so" ] || { echo "FAIL: $fb/fakebackend/nhiacct_http.so missing" >&2; exit 1; }
mkdir -p "$fb/crashes" "$fb/logs" || exit 1

note() { echo "# $*"; }

# ---- run -----------------------------------------------------------------
max_len() {
	case $1 in
	ticket | lookup | fieldmap) echo 65536 ;;  # NHI_TICKET_MAX; a lookup answer is larger
	conf) echo 16384 ;;             # several NHI_LINE_MAX lines
	*) echo 512 ;;                  # times, durations, ids: short strings
	esac
}
dict() {
	case $1 in
	ticket | lookup | fieldmap) echo "-dict=$top/tests/fuzz/json.dict" ;;
	conf) echo "-dict=$top/tests/fuzz/conf.dict" ;;
	time) echo "-dict=$top/tests/fuzz/time.dict" ;;
	esac
}

jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -gt 5 ] && jobs=5
[ "$jobs" -lt 1 ] && jobs=1

run_one() {
	local t=$1 log=$fb/logs/$1.log d
	d=$(dict "$t")
	mkdir -p "$fb/corpus/$t"
	rm -f "$fb/crashes/$t-"*
	# detect_leaks: libFuzzer reports an input whose run leaks; allocator
	# failure is a crash, not NULL (malloc_limit follows rss_limit_mb).
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$fb/fuzz_$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -error_exitcode=1 \
		-artifact_prefix="$fb/crashes/$t-" ${d:+"$d"} \
		"$fb/corpus/$t" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1
	echo $? >"$fb/logs/$t.rc"
}

skipped=
if [ "$(id -u)" -ne 0 ]; then
	# The core loads an http backend object only when root owns it.
	case " $targets " in *" lookup "*)
		targets=$(echo " $targets " | sed 's/ lookup / /')
		skipped="lookup (the core only loads a root-owned backend object; run as root)"
	esac
fi

note "running each target for $secs s, $jobs at a time"
running=0
for t in $targets; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
wait

rc=0
total=0
printf '%-8s %14s %12s %s\n' target executions "per second" result
for t in $targets; do
	log=$fb/logs/$t.log
	trc=$(cat "$fb/logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	execs=${execs:-0}
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	total=$((total + execs))
	res=ok
	crashes=$(ls "$fb/crashes/$t-"* 2>/dev/null)
	if [ "$trc" -ne 0 ] || [ -n "$crashes" ]; then
		res="FAILED (exit $trc)"
		rc=1
	fi
	printf '%-8s %14s %12s %s\n' "$t" "$execs" "${rate:-0}" "$res"
done
[ -n "$skipped" ] && note "skipped: $skipped"
note "total executions: $total"

if [ "$rc" -ne 0 ]; then
	for t in $targets; do
		trc=$(cat "$fb/logs/$t.rc" 2>/dev/null || echo 1)
		crashes=$(ls "$fb/crashes/$t-"* 2>/dev/null)
		[ "$trc" -eq 0 ] && [ -z "$crashes" ] && continue
		echo "---- fuzz_$t: the end of its log ($fb/logs/$t.log) ----"
		grep -v '^#[0-9]*[[:space:]]*\(NEW\|REDUCE\|pulse\|INITED\|RELOAD\)' "$fb/logs/$t.log" |
			tail -n 60
		for c in $crashes; do
			echo "---- input $c ($(stat -c %s "$c") bytes), base64: ----"
			head -c 4096 "$c" | base64
			echo "reproduce: $fb/fuzz_$t $c"
		done
	done
	echo "FAIL: a fuzz target crashed, leaked or timed out; inputs in $fb/crashes/" >&2
fi
exit $rc
