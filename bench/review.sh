#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/review.sh [BUILD]: `nhiacct review` on 1,000,000 NHIACCT records.
#
# Generates the records of 200,000 sessions on 20 hosts (bench/review_gen.py,
# journal export format), imports each host's stream with
# systemd-journal-remote into its own journal file, as a central log host
# collects them (remote-jumpNN.journal), and times `nhiacct review -D` against
# `journalctl -o json | jq` (bench/review_bench.py), printing a markdown
# table.  Needs no root and no journald: the journal is read with -D.
#
#   NHI_BENCH_SESSIONS   sessions to generate (default 200000: 1,000,000 records)
#   NHI_BENCH_RUNS       timed runs of each command (default 7)
#   NHI_BENCH_DIR        keep the generated journal here and reuse it next
#                        time (default: a temp dir, removed at the end)
#
# Exit status: 0 done (the table says whether the goal was met), 1 failure,
# 77 a tool is missing (systemd-journal-remote, jq, python3).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in
/*) ;;
*) build=$top/$build ;;
esac
NHIACCT=$build/nhiacct
REMOTE=/lib/systemd/systemd-journal-remote
SESSIONS=${NHI_BENCH_SESSIONS:-200000}
RUNS=${NHI_BENCH_RUNS:-7}

[ -x "$NHIACCT" ] || { echo "bench/review.sh: $NHIACCT not built (make first)" >&2; exit 1; }
[ -x "$REMOTE" ] || { echo "SKIP: $REMOTE not installed (package systemd-journal-remote)"; exit 77; }
for c in python3 jq journalctl; do
	command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done

if [ -n "${NHI_BENCH_DIR:-}" ]; then
	W=$NHI_BENCH_DIR
	mkdir -p "$W" || exit 1
else
	W=$(mktemp -d "${TMPDIR:-/var/tmp}/nhi-bench-review.XXXXXX") || exit 1
	trap 'rm -rf "$W"' EXIT
fi
J=$W/journal

# Reuse a journal generated before with the same number of sessions.
if ! [ -f "$W/meta.json" ] || ! [ "$(cat "$W/stamp" 2>/dev/null)" = "$SESSIONS" ]; then
	rm -rf "$W/export" "$J" "$W/meta.json" "$W/stamp"
	mkdir -p "$W/export" "$J" || exit 1
	t0=$(date +%s.%N)
	python3 "$top/bench/review_gen.py" "$SESSIONS" "$W/export" || exit 1
	t1=$(date +%s.%N)
	# One journal file per host, imported on every CPU.
	# shellcheck disable=SC2016
	find "$W/export" -name '*.export' -print0 |
		xargs -0 -P "$(nproc)" -I{} sh -c \
			'f=$1; h=$(basename "$f" .export); "$2" --split-mode=none --output="$3/remote-$h.journal" "$f" 2>&1 | grep -v "^Finishing after" >&2; rm -f "$f"' \
			sh {} "$REMOTE" "$J" || exit 1
	t2=$(date +%s.%N)
	mv "$W/export/meta.json" "$W/meta.json" && rm -rf "$W/export" || exit 1
	echo "$SESSIONS" > "$W/stamp"
	awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
		printf "generated in %.1f s, imported with systemd-journal-remote in %.1f s\n\n", b - a, c - b }'
fi

python3 "$top/bench/review_bench.py" "$NHIACCT" "$J" "$W/meta.json" "$RUNS"
