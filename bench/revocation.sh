#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/revocation.sh BUILD [SESSIONS [ROUNDS]]: how long a vendor session
# outlives the end of its ticket's window (design.md section 8).
#
# Per round, SESSIONS public-key SSH sessions (default 12; vendor1 and
# vendor2 in turn, every other one with a pty) run `sleep 300` under tickets
# whose window ends at the same second; `nhiacct watch` ends them.  The
# delay of a session is the time from the window end to its ssh client's
# exit.  Prints every delay, then the median and the worst over all rounds
# (default 2).  Needs root (private mount namespace, sshd, journald); exit
# 77 otherwise.  Same harness as tests/e2e/test_revoke.sh.
set -u
. "$(dirname "$0")/../tests/lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
. "$NHI_TOP/tests/e2e/lib_session.sh"
need_cmd ssh ssh-keygen python3 ps

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
N=${2:-12}
ROUNDS=${3:-2}
T=$(mktemp -d /tmp/nhiacct-bench.XXXXXX)
cleanup() {
	local rc=$?
	nhs_watch_stop
	sshd_stop "$T"
	for u in 20001 20002; do
		# shellcheck disable=SC2046
		kill -KILL $(nhs_live_of_uid $u) 2>/dev/null
	done
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

nhs_setup "$T" "$BUILD" "warn_before = none" "recheck = 60s" || exit
sshd_start "$T" || fail "sshd_start"
nhs_watch_start "$T" "$BUILD"

all=()
for round in $(seq "$ROUNDS"); do
	# room for N logins (about 0.1 s each, in parallel) before the end
	END=$(($(date +%s) + 4 + N / 8))
	nhs_ticket "$T" BENCH-$round-1 vendor1 "$END"
	nhs_ticket "$T" BENCH-$round-2 vendor2 "$END"
	for i in $(seq "$N"); do
		user=vendor$((i % 2 + 1))
		opts=
		[ $((i % 4)) -lt 2 ] && opts=-tt
		nhs_bg_ssh "$T" s$i "$user" "$opts" 'sleep 300'
	done
	n_open=$(($(ls "$T/run" | grep -c '\.json$')))
	for _ in $(seq 200); do
		n_open=$(ls "$T/run" | grep -c '\.json$')
		[ "$n_open" -ge "$N" ] && break
		sleep 0.05
	done
	[ "$(date +%s)" -lt "$END" ] || fail "round $round: logins did not finish before the window end"
	[ "$n_open" -ge "$N" ] || fail "round $round: only $n_open of $N sessions opened"
	for i in $(seq "$N"); do
		t=$(nhs_wait_end "$T" s$i $((END - $(date +%s) + 15))) ||
			fail "round $round: session $i still connected 15 s after the window end"
		all+=($((t - END * 1000)))
	done
	echo "round $round: $N sessions, delays (ms): ${all[*]: -$N}"
	rm -f "$T"/tickets/*.json
done
echo "revocation delay over $((N * ROUNDS)) sessions: $(nhs_stats "${all[@]}") (ms after the window end)"
