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
# exit.  Then, per round, two cases of work left behind at logout, for
# vendor1 and vendor2 each: a `setsid nohup sleep` job (delay: window end
# to the job gone) and a fork-exit loop, a new pid every few ms (delay:
# window end to its last sign of life, sampled every 10 ms).  Prints every
# delay, then the median and the worst of each case over all rounds
# (default 2), the connected sessions' on the last line.  Needs root (private mount namespace, sshd, journald); exit
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
# the fork-exit loop, where the test users can read it
install -m 0755 "$NHI_TOP/tests/lib/fork_loop.py" "$T/fork_loop.py"
# last_growth FILE...: waits until none of the files grew for 0.5 s; prints,
# for each, the time (ms) it last grew
last_growth() {
	local f t now quiet=0 sizes=() last=() i
	for f in "$@"; do sizes+=(0); last+=(0); done
	while [ $quiet -lt 50 ]; do
		now=$(nhs_now_ms)
		quiet=$((quiet + 1))
		i=0
		for f in "$@"; do
			t=$(stat -c %s "$f" 2>/dev/null || echo 0)
			if [ "$t" != "${sizes[$i]}" ]; then
				sizes[$i]=$t last[$i]=$now quiet=0
			fi
			i=$((i + 1))
		done
		sleep 0.01
	done
	echo "${last[@]}"
}
jobs=() loops=()
for round in $(seq "$ROUNDS"); do
	END=$(($(date +%s) + 5))
	for u in vendor1 vendor2; do
		nhs_ticket "$T" LEFT-$round-$u "$u" "$END"
		rm -f "$T/home/$u/loop"
		ssh_run "$T" "$u" 'setsid nohup sleep 301 >/dev/null 2>&1 </dev/null &' || fail "$u: $SSH_ERR"
		ssh_run "$T" "$u" "setsid nohup python3 $T/fork_loop.py $T/home/$u/loop >/dev/null 2>&1 </dev/null &" ||
			fail "$u: $SSH_ERR"
	done
	[ "$(date +%s)" -lt "$END" ] || fail "round $round: logouts did not finish before the window end"
	while [ "$(nhs_now_ms)" -lt $((END * 1000 - 300)) ]; do sleep 0.05; done
	last_growth "$T/home/vendor1/loop" "$T/home/vendor2/loop" >"$T/lastgrowth" &
	lg=$!
	for uid in 20001 20002; do
		while ps -o args= -u "$uid" | grep -q '^sleep 301'; do sleep 0.01; done
		jobs+=($(($(nhs_now_ms) - END * 1000)))
	done
	wait "$lg"
	read -r l1 l2 <"$T/lastgrowth"
	loops+=($((l1 - END * 1000)) $((l2 - END * 1000)))
	echo "round $round after logout: jobs gone (ms): ${jobs[*]: -2}; fork loops' last sign (ms): ${loops[*]: -2}"
	rm -f "$T"/tickets/*.json
done
echo "after logout, a setsid job: $(nhs_stats "${jobs[@]}") over ${#jobs[@]}; a fork-exit loop: $(nhs_stats "${loops[@]}") over ${#loops[@]} (ms after the window end)"
echo "revocation delay over $((N * ROUNDS)) sessions: $(nhs_stats "${all[@]}") (ms after the window end); after logout: job $(nhs_stats "${jobs[@]}"), fork loop $(nhs_stats "${loops[@]}")"
