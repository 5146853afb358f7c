#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_revoke.sh BUILD: revocation end to end (design.md section
# 8) with a real sshd, the BUILT module and `nhiacct watch` (recheck 1s,
# warn_before 3s) against a private journald:
#   - a window that ends a few seconds after login: three sessions of one
#     vendor (sleep with a pty, without one, and with setsid/nohup escapees
#     started before) are closed by the watch within 2 s of the window end,
#     no process of the vendor is left, each got a warn record first (and
#     the pty a warning line), then a revoke record (expired);
#   - a ticket withdrawn mid-session is revoked within recheck + 2 s
#     (withdrawn);
#   - a record whose pid now belongs to another process: that process is
#     never signalled, the record is closed as stale;
#   - nhiacct revoke --session / --ticket: manual, with the operator;
#   - sessions overdue while the watch was down are revoked when it starts;
#     the watch tells systemd READY=1, STATUS= and WATCHDOG=1 (a fake
#     NOTIFY_SOCKET);
#   - nhiacct sweep closes a stale record in one pass.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
. "$NHI_TOP/tests/e2e/lib_session.sh"
need_cmd ssh ssh-keygen journalctl jq python3 ps

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
NHIACCT=$BUILD/nhiacct
T=$(mktemp -d /tmp/nhiacct-e2e.XXXXXX)
SLEEPER=
NOTIFY=
cleanup() {
	local rc=$?
	[ $rc -ne 0 ] && nhs_dump "$T"
	nhs_watch_stop
	[ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null
	[ -n "$NOTIFY" ] && kill "$NOTIFY" 2>/dev/null
	sshd_stop "$T"
	nhs_kill_uids 20001 20002      # nothing of the test users outlives the test
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

nhs_setup "$T" "$BUILD" || exit
sshd_start "$T" || fail "sshd_start"
nhs_watch_start "$T" "$BUILD"

# Waits until COUNT open records of USER exist; prints their session ids.
wait_opens() {
	jwait NHIACCT_EVENT=open NHIACCT_USER="$1" "$2" 10 | jget NHIACCT_SESSION
}

# ---- 1. the window ends: three sessions, warned, then revoked ----------------
note "window end: pty, no pty, setsid/nohup escapees"
END=$(($(date +%s) + 6))
nhs_ticket "$T" CHG-2001 vendor1 "$END"
nhs_bg_ssh "$T" pty vendor1 -tt 'sleep 300'
nhs_bg_ssh "$T" nopty vendor1 '' 'sleep 300'
nhs_bg_ssh "$T" escape vendor1 '' \
	'(nohup setsid sleep 300 >/dev/null 2>&1 &); nohup setsid sleep 301 >/dev/null 2>&1 & sleep 300'
ids=$(wait_opens vendor1 3) || fail "three sessions did not open"
[ "$(date +%s)" -lt $((END - 3)) ] || fail "logins too slow for the 3s warn mark"
assert_eq 3 "$(ls "$T/run" | grep -c '\.json$')" "session records"
for _ in $(seq 40); do
	[ "$(ps -e -o uid=,ppid=,args= | awk '$1 == 20001 && $2 == 1 && /sleep 300/' | wc -l)" -ge 1 ] &&
		break
	sleep 0.05
done
[ "$(ps -e -o uid=,ppid=,args= | awk '$1 == 20001 && $2 == 1 && /sleep 300/' | wc -l)" -ge 1 ] ||
	fail "no double-forked escapee to catch"
delays=()
for n in pty nopty escape; do
	t=$(nhs_wait_end "$T" $n $((END - $(date +%s) + 10))) || fail "$n: client still connected"
	delays+=($((t - END * 1000)))
done
note "revocation delays (ms after the window end): ${delays[*]}"
for d in "${delays[@]}"; do
	[ "$d" -ge 0 ] || fail "a session was cut before its window ended (${d} ms)"
	[ "$d" -le 2000 ] || fail "a session outlived its window by ${d} ms (> 2000)"
done
note "delay over 3 sessions: $(nhs_stats "${delays[@]}")"
left=
for _ in $(seq 40); do
	left=$(nhs_live_of_uid 20001)
	[ -z "$left" ] && break
	sleep 0.05
done
[ -z "$left" ] || fail "processes of vendor1 left: $(ps -o pid,ppid,stat,args -p $left)"
revokes=$(jwait NHIACCT_EVENT=revoke NHIACCT_USER=vendor1 3) || fail "revoke records"
assert_eq "expired expired expired" "$(printf '%s\n' "$revokes" | jget NHIACCT_REASON | xargs)" \
	"revoke reasons"
assert_eq "$(printf '%s\n' "$ids" | sort | xargs)" \
	"$(printf '%s\n' "$revokes" | jget NHIACCT_SESSION | sort | xargs)" "revoked sessions"
assert_eq nhiacct "$(printf '%s\n' "$revokes" | jget SYSLOG_IDENTIFIER | sort -u)" "identifier"
assert_eq d09631a45caa44358619e0e0f5b07be6 "$(printf '%s\n' "$revokes" | jget MESSAGE_ID | sort -u)" \
	"revoke MESSAGE_ID"
for sid in $ids; do
	w=$(jwait NHIACCT_EVENT=warn NHIACCT_SESSION="$sid") || fail "no warn record for $sid"
	r=$(jwait NHIACCT_EVENT=revoke NHIACCT_SESSION="$sid") || fail "no revoke for $sid"
	[ "$(printf '%s\n' "$w" | jget __REALTIME_TIMESTAMP)" -lt \
	  "$(printf '%s\n' "$r" | jget __REALTIME_TIMESTAMP)" ] || fail "warn after revoke ($sid)"
	assert_eq CHG-2001 "$(printf '%s\n' "$r" | jget NHIACCT_TICKET)" "revoke ticket"
	assert_match '^[0-9]+$' "$(printf '%s\n' "$r" | jget NHIACCT_DURATION)" "revoke duration"
	# the watch claimed the record: close_session wrote no close
	assert_eq 0 "$(jcount NHIACCT_EVENT=close NHIACCT_SESSION="$sid")" "close after revoke"
done
assert_match 'nhiacct: access under ticket CHG-2001 ends in [0-9]+s' "$(cat "$T/pty.out")" \
	"warning on the pty"
[ -z "$(ls -A "$T/run")" ] || fail "records left: $(ls -A "$T/run")"

# ---- 2. a ticket withdrawn mid-session ------------------------------------
note "ticket withdrawn mid-session"
nhs_ticket "$T" CHG-2002 vendor2 $(($(date +%s) + 3600))
nhs_bg_ssh "$T" wd vendor2 '' 'sleep 300'
sid=$(wait_opens vendor2 1) || fail "vendor2 session did not open"
t0=$(nhs_now_ms)
nhs_ticket "$T" CHG-2002 vendor2 $(($(date +%s) + 3600)) withdrawn
t=$(nhs_wait_end "$T" wd 10) || fail "withdrawn: client still connected"
note "withdrawn: closed $((t - t0)) ms after the ticket changed"
[ $((t - t0)) -le 3000 ] || fail "withdrawn ticket revoked after $((t - t0)) ms (> recheck + 2 s)"
r=$(jwait NHIACCT_EVENT=revoke NHIACCT_SESSION="$sid") || fail "no revoke record"
assert_eq withdrawn "$(printf '%s\n' "$r" | jget NHIACCT_REASON)" "withdrawn reason"
assert_eq CHG-2002 "$(printf '%s\n' "$r" | jget NHIACCT_TICKET)" "withdrawn ticket"

# ---- 3. a recorded pid that now belongs to another process ----------------
note "pid reuse: the process now behind the recorded pid is never signalled"
sleep 300 &
SLEEPER=$!
st=$(nhs_start_time "$SLEEPER")
fid=0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f
past=$(date -u -d @$(($(date +%s) - 5)) +%Y-%m-%dT%H:%M:%SZ)
opened=$(date -u -d @$(($(date +%s) - 100)) +%Y-%m-%dT%H:%M:%SZ)
printf '{"session":"%s","user":"vendor2","uid":20002,"ticket":"CHG-2002","approver":"alice","not_after":"%s","opened":"%s","pid":%d,"start_time":%d}\n' \
	"$fid" "$past" "$opened" "$SLEEPER" $((st + 1)) >"$T/run/.forged"
chmod 0600 "$T/run/.forged"
mv "$T/run/.forged" "$T/run/$fid.json"
c=$(jwait NHIACCT_EVENT=close NHIACCT_SESSION=$fid 1 5) || fail "forged record not closed"
assert_eq stale "$(printf '%s\n' "$c" | jget NHIACCT_NOTE)" "stale note"
sleep 0.6       # longer than the grace period: a SIGKILL would have landed
kill -0 "$SLEEPER" 2>/dev/null || fail "the unrelated process was signalled"
assert_eq S "$(awk '{ print $3 }' "/proc/$SLEEPER/stat" | sed 's/.*) //' | cut -c1)" \
	"unrelated process still sleeping"
assert_eq 0 "$(jcount NHIACCT_EVENT=revoke NHIACCT_SESSION=$fid)" "revoke of a stale record"
kill "$SLEEPER"
wait "$SLEEPER" 2>/dev/null
SLEEPER=

# ---- 4. nhiacct revoke ----------------------------------------------------------
note "nhiacct revoke --session and --ticket (manual, operator named)"
nhs_ticket "$T" CHG-2003 vendor1 $(($(date +%s) + 3600))
nhs_ticket "$T" CHG-2004 vendor2 $(($(date +%s) + 3600))
nhs_bg_ssh "$T" m1 vendor1 '' 'sleep 300'
nhs_bg_ssh "$T" m2 vendor2 -tt 'sleep 300'
wait_opens vendor1 4 >/dev/null || fail "vendor1 session did not open"
wait_opens vendor2 2 >/dev/null || fail "vendor2 session did not open"
s1=$("$NHIACCT" --conf "$T/nhiacct.conf" sessions --json | jq -r 'select(.user == "vendor1") | .session')
[ -n "$s1" ] || fail "no live vendor1 session"
out=$(env -u SUDO_USER -u SUDO_UID "$NHIACCT" --conf "$T/nhiacct.conf" revoke --session "$s1") ||
	fail "revoke --session failed: $out"
assert_match "^revoked session $s1 of vendor1 \(ticket CHG-2003\)" "$out" "revoke output"
out=$(SUDO_USER=alice SUDO_UID=1234 "$NHIACCT" --conf "$T/nhiacct.conf" revoke --ticket CHG-2004) ||
	fail "revoke --ticket failed: $out"
nhs_wait_end "$T" m1 3 >/dev/null || fail "m1 still connected after revoke"
nhs_wait_end "$T" m2 3 >/dev/null || fail "m2 still connected after revoke"
r=$(jwait NHIACCT_EVENT=revoke NHIACCT_SESSION="$s1") || fail "no manual revoke record"
assert_eq manual "$(printf '%s\n' "$r" | jget NHIACCT_REASON)" "manual reason"
assert_eq "root(0)" "$(printf '%s\n' "$r" | jget NHIACCT_OPERATOR)" "operator"
r=$(jwait NHIACCT_EVENT=revoke NHIACCT_TICKET=CHG-2004) || fail "no revoke by ticket"
assert_eq "alice(1234)" "$(printf '%s\n' "$r" | jget NHIACCT_OPERATOR)" "operator through sudo"
"$NHIACCT" --conf "$T/nhiacct.conf" revoke --session "$s1" 2>/dev/null
assert_eq 1 $? "revoke of a session that is gone"
"$NHIACCT" --conf "$T/nhiacct.conf" revoke --ticket NO-SUCH 2>/dev/null
assert_eq 1 $? "revoke of an unknown ticket"
"$NHIACCT" --conf "$T/nhiacct.conf" revoke 2>/dev/null
assert_eq 2 $? "revoke without --session or --ticket"

# ---- 5. overdue while the watch was down: revoked when it starts -------------
note "watch restart: an overdue session is revoked at once"
nhs_watch_stop
END=$(($(date +%s) + 2))
rm -f "$T/tickets/CHG-2003.json"        # lookup would prefer it (ends later)
nhs_ticket "$T" CHG-2005 vendor1 "$END"
nhs_bg_ssh "$T" late vendor1 '' 'sleep 300'
sid=$(wait_opens vendor1 5 | tail -n1) || fail "session did not open"
while [ "$(date +%s)" -le "$END" ]; do sleep 0.1; done
[ -e "$T/late.end" ] && fail "session ended without the watch"
# a stand-in for systemd's notification socket
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "a") as f:
    while True:
        try:
            m = s.recv(4096)
        except socket.timeout:
            break
        f.write(m.decode() + "\n---\n")
        f.flush()
' "$T/notify.sock" "$T/notify.log" &
NOTIFY=$!
nhs_wait_file "$T/notify.sock" 5 || fail "notify socket"
t0=$(nhs_now_ms)
NHS_WATCH_ENV="NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000" nhs_watch_start "$T" "$BUILD"
t=$(nhs_wait_end "$T" late 5) || fail "overdue session not revoked at start"
note "overdue: closed $((t - t0)) ms after the watch started"
[ $((t - t0)) -le 2000 ] || fail "overdue session revoked $((t - t0)) ms after start"
jwait NHIACCT_EVENT=revoke NHIACCT_USER=vendor1 NHIACCT_TICKET=CHG-2005 NHIACCT_REASON=expired \
	>/dev/null || fail "no revoke record for the overdue session"
sleep 0.5
kill "$NOTIFY" 2>/dev/null
wait "$NOTIFY" 2>/dev/null
NOTIFY=
notes=$(cat "$T/notify.log")
assert_match '^READY=1$' "$notes" "sd_notify READY=1"
assert_match '^STATUS=0 live session\(s\); 1 revoked' "$notes" "sd_notify STATUS"
[ "$(printf '%s\n' "$notes" | grep -c '^WATCHDOG=1$')" -ge 2 ] || fail "no WATCHDOG=1 pings: $notes"

# ---- 6. nhiacct sweep ---------------------------------------------------------
note "nhiacct sweep closes a stale record"
nhs_watch_stop
true &
gone=$!
wait "$gone"
fid=1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e
future=$(date -u -d @$(($(date +%s) + 600)) +%Y-%m-%dT%H:%M:%SZ)
printf '{"session":"%s","user":"vendor1","uid":20001,"ticket":"CHG-2005","not_after":"%s","opened":"%s","pid":%d,"start_time":1}\n' \
	"$fid" "$future" "$opened" "$gone" >"$T/run/$fid.json"
chmod 0600 "$T/run/$fid.json"
out=$("$NHIACCT" --conf "$T/nhiacct.conf" sweep) || fail "sweep failed: $out"
assert_eq "1 live, 0 revoked, 0 warned, 1 stale record(s) closed" "$out" "sweep summary"
c=$(jwait NHIACCT_EVENT=close NHIACCT_SESSION=$fid) || fail "no close record from sweep"
assert_eq stale "$(printf '%s\n' "$c" | jget NHIACCT_NOTE)" "sweep stale note"
[ ! -e "$T/run/$fid.json" ] || fail "sweep left the stale record"

note "all revocation checks passed"
exit 0
