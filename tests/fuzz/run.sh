#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/fuzz/run.sh BUILD [SECONDS]: builds the libFuzzer targets into
# BUILD-fuzz (next to BUILD) and runs each for SECONDS (default 20: the
# smoke that `make check` runs; `make fuzz` passes FUZZ_SECONDS).
#
#   fuzz_ticket   ticket JSON -> field maps -> policy -> vendor's line
#   fuzz_lookup   lookup answer -> the candidate choice of gate.c
#   fuzz_conf     nhiacct.conf loader and the key = value setter
#   fuzz_time     RFC 3339 / Unix time and duration parsers, formatters
#   fuzz_id       ticket id validator and nhi_escape
#
# Each target is built with clang -fsanitize=fuzzer,address,undefined (UB is
# fatal) against the core sources it needs, never against the Makefile's
# objects (those are gcc-built, without coverage).  The seed corpus is
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
# FUZZ_TARGETS a space-separated subset; CLANG the compiler.
# Exit: 0 pass, 1 crash or build failure, 77 skipped (no clang, no libFuzzer).
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

targets=${FUZZ_TARGETS:-"ticket lookup conf time id"}

# ---- toolchain ------------------------------------------------------------
CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang clang-14 clang-15 clang-16; do
		command -v "$c" >/dev/null 2>&1 && { CLANG=$c; break; }
	done
fi
if [ -z "$CLANG" ]; then
	echo "SKIP: clang not installed (Debian: clang, libclang-rt-14-dev)"
	exit 77
fi
mkdir -p "$fb/obj" "$fb/fakebackend" "$fb/crashes" "$fb/logs" || exit 1
probe=$fb/obj/probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> "$probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" 2>"$probe.log"; then
	echo "SKIP: $CLANG cannot build a libFuzzer target (Debian: libclang-rt-14-dev):" \
		"$(head -n1 "$probe.log")"
	exit 77
fi
for p in jansson libsystemd; do
	pkg-config --exists "$p" || { echo "FAIL: pkg-config does not know $p" >&2; exit 1; }
done

# ---- build ---------------------------------------------------------------
# Every core source but backend_http.c (libcurl; its own object), into an
# archive: each target links only what it reaches.  A file that does not
# compile (being edited, say) is left out with a note; that fails the
# build only if a target needs it.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter \
	-I$top/lib $(pkg-config --cflags jansson libsystemd)"
LIBS="$(pkg-config --libs jansson libsystemd) -ldl -lpthread"

note() { echo "# $*"; }

t0=$(date +%s)
build_failed=
pids=
core=
for src in "$top"/lib/*.c; do
	f=$(basename "$src" .c)
	[ "$f" = backend_http ] && continue
	core="$core $f"
	rm -f "$fb/obj/$f.o"
	"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$fb/obj/$f.o" \
		"$src" 2>"$fb/obj/$f.log" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
objs=
for f in $core; do
	if [ -f "$fb/obj/$f.o" ]; then
		objs="$objs $fb/obj/$f.o"
	else
		note "lib/$f.c left out (does not compile): $(grep -m1 error: "$fb/obj/$f.log")"
	fi
done
rm -f "$fb/obj/libnhi-fuzz.a"
# shellcheck disable=SC2086 # a list of paths without blanks
ar rcs "$fb/obj/libnhi-fuzz.a" $objs || { echo "FAIL: ar" >&2; exit 1; }
pids=
for t in $targets; do
	"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer -o "$fb/fuzz_$t" \
		"$top/tests/fuzz/fuzz_$t.c" "$fb/obj/libnhi-fuzz.a" $LIBS 2>"$fb/obj/fuzz_$t.log" &
	pids="$pids $!"
done
# shellcheck disable=SC2046 # pkg-config output is meant to be split
# The stand-in http backend object of fuzz_lookup: not instrumented (it only
# hands a pointer over), root-owned and 0755 as the core demands.
"$CLANG" -std=gnu11 -D_GNU_SOURCE -g -O1 -fPIC -shared -I"$top/lib" \
	$(pkg-config --cflags jansson) -o "$fb/fakebackend/nhiacct_http.so" \
	"$top/tests/fuzz/fake_backend.c" $(pkg-config --libs jansson) \
	2>"$fb/obj/fake_backend.log" || build_failed=1
chmod 0755 "$fb/fakebackend/nhiacct_http.so" 2>/dev/null
for p in $pids; do wait "$p" || build_failed=1; done
if [ -n "$build_failed" ]; then
	for t in $targets; do cat "$fb/obj/fuzz_$t.log"; done >&2
	cat "$fb/obj/fake_backend.log" >&2
	for f in $core; do [ -f "$fb/obj/$f.o" ] || cat "$fb/obj/$f.log"; done >&2
	echo "FAIL: building the fuzz targets" >&2
	exit 1
fi
note "built $(echo $targets | wc -w) targets with $CLANG in $(($(date +%s) - t0)) s into $fb"

# ---- run -----------------------------------------------------------------
max_len() {
	case $1 in
	ticket | lookup) echo 65536 ;;  # NHI_TICKET_MAX; a lookup answer is larger
	conf) echo 16384 ;;             # several NHI_LINE_MAX lines
	*) echo 512 ;;                  # times, durations, ids: short strings
	esac
}
dict() {
	case $1 in
	ticket | lookup) echo "-dict=$top/tests/fuzz/json.dict" ;;
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
