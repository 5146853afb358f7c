#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/recording.sh BUILD [ROUNDS]: what recording a vendor session costs
# (issue 16), on the systemd host of tests/recording (tests/lib/
# recording_host.sh: systemd 252, journald, logind, OpenSSH 9.2, tlog 12),
# side by side: vendor1's sessions are recorded (login shell nhiacct-shell),
# vendor2's are not (/bin/bash); same ticket, same sshd, same PAM stack,
# run in turns A B A B ...  Three rows:
#   a  `ssh vendor@host true`: the whole login;
#   b  a 10 MB scp upload (sftp protocol: sftp-server logging each file
#      operation, no tlog);
#   c  a 10 MB `scp -O` download (the legacy protocol: the 10 MB run through
#      tlog, which records them as output).
# Prints the samples, then one "bench-row:" line per row (bench/run.sh).
# Needs root and a Debian root from mmdebstrap; exit 77 otherwise.
set -u
. "$(dirname "$0")/../tests/lib/common.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, a booted systemd)"
need_cmd unshare nsenter ssh scp ssh-keygen python3
. "$NHI_TOP/tests/lib/systemd_host.sh"
sdh_private_ns "$@"
. "$NHI_TOP/tests/lib/recording_host.sh"

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
ROUNDS=${2:-${BENCH_QUICK:+3}}
ROUNDS=${ROUNDS:-15}
sdh_need_root
cache=$SDH_ROOT
T=$(mktemp -d /var/tmp/nhiacct-rbench.XXXXXX)
[ -n "$T" ] && [ -d "$T" ] || fail "no work folder"
cleanup() {
	local rc=$?
	sdh_teardown "$T"
	exit $rc
}
trap cleanup EXIT
sdh_overlay "$cache" "$T" || fail "overlay"
R=$T/root
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rh_install "$BUILD" "$R" "$T" "$PORT" no || fail "cannot set up the host"
sdh_boot "$R" || fail "the systemd host did not boot"
rh_ticket "$R" BENCH-1 $(($(date +%s) + 3600)) vendor1 vendor2 || fail "ticket"
head -c 10000000 /dev/urandom >"$T/10M.bin"
# the host's /tmp is a tmpfs of its own: written from inside
sdh_run sh -c 'cat >/tmp/10M.bin && chmod 0644 /tmp/10M.bin' <"$T/10M.bin" || fail "copy"
O=(-i "$T/id" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# one timed run of case C for vendor U: prints milliseconds
run() { # C U
	local t0 t1
	t0=$(now_ms)
	case $1 in
	a) timeout 60 ssh "${O[@]}" -p "$PORT" "$2@127.0.0.1" true 2>/dev/null ;;
	b) timeout 120 scp "${O[@]}" -P "$PORT" "$T/10M.bin" "$2@127.0.0.1:/tmp/up-$2.bin" 2>/dev/null ;;
	c) timeout 120 scp -O "${O[@]}" -P "$PORT" "$2@127.0.0.1:/tmp/10M.bin" "$T/down-$2.bin" 2>/dev/null ;;
	esac || fail "case $1 for $2 failed"
	t1=$(now_ms)
	echo $((t1 - t0))
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
span() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "–" hi }'; }

for c in a b c; do
	run "$c" vendor1 >/dev/null && run "$c" vendor2 >/dev/null        # warm-up
	: >"$T/$c.1" && : >"$T/$c.2"
	for _ in $(seq "$ROUNDS"); do
		run "$c" vendor2 >>"$T/$c.2"
		run "$c" vendor1 >>"$T/$c.1"
	done
	echo "case $c, unrecorded (ms): $(tr '\n' ' ' <"$T/$c.2")"
	echo "case $c, recorded (ms):   $(tr '\n' ' ' <"$T/$c.1")"
done
cmp -s "$T/10M.bin" "$T/down-vendor1.bin" || fail "the recorded download changed the file"
rec=$(sdh_run journalctl -q -o json SYSLOG_IDENTIFIER=tlog-rec-session _UID=20001 | wc -c)
echo "journal: $rec bytes of tlog messages for vendor1 after the runs"

row() { # KEY WHAT GOAL NOTE: met when the goal names a bound the median keeps
	local m1 m2 s1 s2 met="—"
	m2=$(median <"$T/$1.2") s2=$(span <"$T/$1.2")
	m1=$(median <"$T/$1.1") s1=$(span <"$T/$1.1")
	[ "$1" = a ] && met=$(awk -v m="$m1" 'BEGIN { print (m < 1000) ? "yes" : "**no**" }')
	echo "bench-row: | $2 | unrecorded: $m2 ms ($s2) | recorded: $m1 ms ($s1) | $(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%+.0f ms, %.2f×", a - b, a / b }') | $3 | $met | $4; median of $ROUNDS rounds side by side, (min–max) |"
}
row a "recording an SSH login: ssh vendor@host true" "a login stays under 1 s" \
	"nhiacct-shell + tlog-rec-session, records to journald"
row b "recording a 10 MB scp upload (sftp protocol)" "—" "sftp-server with -l INFO: file operations only"
row c "recording a 10 MB scp -O download (through tlog)" "—" \
	"tlog records the 10 MB as output: $((rec / 1000000)) MB of journal for all of vendor1's runs"
