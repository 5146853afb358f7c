#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_no_standing_access.sh BUILD: the attacks of the "no standing
# access" issue on the sshd harness (no systemd), each of which must fail.
# A real sshd, the BUILT module, `nhiacct watch` run with exactly the
# capability bounding set of the shipped unit, on a /proc mounted
# hidepid=2 (what hardened hosts do), against a private journald:
#   1. work left behind at logout (setsid/nohup, tmux, a double fork, a
#      fork-exit loop) is gone within 2 s of the window end, with a revoke
#      record that says how many processes were ended, after logout;
#   2. the same with the vendor still connected: the connection is cut and
#      a fork-exit loop started from it is gone too;
#   3. another valid session of the same uid keeps the uid's processes until
#      its own window ends, then they go;
#   4. a watch that cannot see other users' processes says so loudly and
#      still ends an expired session on time;
#   5. a ticket API that never answers delays no window end: 5 sessions over
#      HTTPS, the API hangs, every window end is acted on within 1 s.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
. "$NHI_TOP/tests/e2e/lib_session.sh"
need_cmd ssh ssh-keygen journalctl jq python3 ps tmux setpriv openssl

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
T=$(mktemp -d /tmp/nhiacct-nsa.XXXXXX)
SRV=
UIDS="20001 20002 20011 20012 20013"
cleanup() {
	local rc=$?
	[ $rc -ne 0 ] && nhs_dump "$T"
	nhs_watch_stop
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	nhs_kill_uids $UIDS
	sshd_stop "$T"
	nhs_kill_uids $UIDS
	umount /proc 2>/dev/null
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# /proc as hardened hosts mount it: other users' processes are invisible to
# a reader without CAP_SYS_PTRACE.  A fresh instance, in this namespace only.
mount -t proc -o hidepid=2 proc /proc || fail "cannot mount /proc with hidepid=2"
assert_match 'hidepid=(2|invisible)' "$(findmnt -n -o OPTIONS /proc)" "/proc options"

# The watch runs with the shipped unit's capability bounding set, read
# from the unit itself.
UNIT=$NHI_TOP/conf/systemd/nhiacct-watch.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' | sed 's/cap_//g')
[ -n "$caps" ] || fail "no CapabilityBoundingSet in $UNIT"
unit_wrap() { # the bounding set of the unit, minus the capabilities named
	local c out= drop=" $* "
	for c in $caps; do
		case $drop in *" $c "*) continue ;; esac
		out="$out,+$c"
	done
	echo "setpriv --no-new-privs --bounding-set=-all$out"
}

mkdir -m 0755 "$T/srv" "$T/certs"
"$NHI_TOP/tests/lib/mkcerts.sh" "$T/certs" >/dev/null || fail "mkcerts"
SSHD_ENV="NHIACCT_BACKEND_DIR=$BUILD"
nhs_setup "$T" "$BUILD" || exit
for u in vendor3:20011 vendor4:20012 vendor5:20013; do
	sshd_add_user "$T" "${u%:*}" "${u#*:}" vendors || fail "add ${u%:*}"
done
sshd_start "$T" || fail "sshd_start"
NHS_WATCH_ENV="NHIACCT_BACKEND_DIR=$BUILD" NHS_WATCH_WRAP=$(unit_wrap) nhs_watch_start "$T" "$BUILD"

# A process that forks and exits in a loop, a new pid every few ms, each
# generation appending a byte to the file it is given.
# the fork-exit loop, where the test users can read it
install -m 0755 "$NHI_TOP/tests/lib/fork_loop.py" "$T/fork_loop.py"
# Is the loop writing to $1 still going?  0 yes.
loop_alive() {
	local a b
	a=$(stat -c %s "$1" 2>/dev/null || echo 0)
	sleep 0.3
	b=$(stat -c %s "$1" 2>/dev/null || echo 0)
	[ "$b" -gt "$a" ]
}
# ms between the end of the window ($1, Unix seconds) and a record's time
rec_delay() {
	local us
	us=$(printf '%s\n' "$2" | tail -n1 | jget __REALTIME_TIMESTAMP)
	echo $(((us - $1 * 1000000) / 1000))
}
live_of() { # live (non-zombie) processes of a uid, as root sees them
	nhs_live_of_uid "$1" | wc -l
}

# ---- 1 and 2: left behind at logout, and still connected ----------------------
note "work left behind at logout (vendor1) and a connected fork loop (vendor2)"
END=$(($(date +%s) + 9))
nhs_ticket "$T" NSA-1 vendor1 "$END"
nhs_ticket "$T" NSA-2 vendor2 "$END"
H1=$T/home/vendor1
ssh_run "$T" vendor1 'setsid nohup sleep 1000 >/dev/null 2>&1 </dev/null &' ||
	fail "vendor1 login: $SSH_ERR"
ssh_run "$T" vendor1 "tmux -S $H1/tmux.sock new-session -d 'sleep 1001'" ||
	fail "vendor1 tmux: $SSH_ERR"
ssh_run "$T" vendor1 'sh -c "(sleep 1002 </dev/null >/dev/null 2>&1 &) &"' ||
	fail "vendor1 double fork: $SSH_ERR"
ssh_run "$T" vendor1 "setsid nohup python3 $T/fork_loop.py $H1/loop >/dev/null 2>&1 </dev/null &" ||
	fail "vendor1 fork loop: $SSH_ERR"
nhs_bg_ssh "$T" conn vendor2 '' \
	"setsid nohup python3 $T/fork_loop.py $T/home/vendor2/loop >/dev/null 2>&1 </dev/null & sleep 300"
jwait NHIACCT_EVENT=close NHIACCT_USER=vendor1 4 10 >/dev/null || fail "four closes of vendor1"
jwait NHIACCT_EVENT=open NHIACCT_USER=vendor2 1 10 >/dev/null || fail "vendor2 session did not open"
[ "$(date +%s)" -lt "$END" ] || fail "logins too slow for the window"
# what the old lifecycle lost: the records stay, closed, until the window ends
assert_eq 4 "$(ls "$T/run" | grep -c '\.closed$')" "closed records of vendor1"
for p in 'sleep 1000' 'sleep 1001' 'sleep 1002' 'tmux'; do
	pgrep -u 20001 -f "$p" >/dev/null || fail "no '$p' of vendor1 left running to end"
done
loop_alive "$H1/loop" || fail "vendor1's fork loop is not running"
loop_alive "$T/home/vendor2/loop" || fail "vendor2's fork loop is not running"

t2=$(nhs_wait_end "$T" conn $((END - $(date +%s) + 10))) || fail "vendor2 still connected"
d2=$((t2 - END * 1000))
note "connected: cut ${d2} ms after the window end"
[ "$d2" -ge 0 ] && [ "$d2" -le 2000 ] || fail "connected session ended ${d2} ms after the end"
r1=$(jwait NHIACCT_EVENT=revoke NHIACCT_TICKET=NSA-1 1 5) || fail "no revoke record after logout"
r2=$(jwait NHIACCT_EVENT=revoke NHIACCT_TICKET=NSA-2 1 5) || fail "no revoke record (connected)"
d1=$(rec_delay "$END" "$r1")
note "after logout: ended ${d1} ms after the window end"
[ "$d1" -ge 0 ] && [ "$d1" -le 2000 ] || fail "leftovers ended ${d1} ms after the window end"
assert_eq no "$(printf '%s\n' "$r1" | jget NHIACCT_CONNECTED | sort -u)" "after logout: connected"
assert_eq yes "$(printf '%s\n' "$r2" | jget NHIACCT_CONNECTED)" "connected: connected"
assert_eq expired "$(printf '%s\n' "$r1" "$r2" | jget NHIACCT_REASON | sort -u)" "reasons"
n1=$(printf '%s\n' "$r1" | jget NHIACCT_PROCESSES | awk '{ n += $1 } END { print n + 0 }')
note "after logout: $n1 process(es) ended"
[ "$n1" -ge 5 ] || fail "after logout: $n1 processes counted (sleep x3, tmux, the loop)"
assert_match '^[1-9][0-9]*$' "$(printf '%s\n' "$r2" | jget NHIACCT_PROCESSES)" "connected: count"
assert_match 'left running after logout' "$(printf '%s\n' "$r1" | jget MESSAGE)" "message"
for u in 20001 20002; do
	[ "$(live_of $u)" -eq 0 ] || fail "processes of uid $u left: $(ps -o pid,args -u $u)"
done
loop_alive "$H1/loop" && fail "vendor1's fork loop outlived the window"
loop_alive "$T/home/vendor2/loop" && fail "vendor2's fork loop outlived the window"
[ -z "$(ls -A "$T/run")" ] || fail "records left: $(ls -A "$T/run")"

# ---- 3. another valid session of the uid spares it, until that one ends --------
note "a second, longer ticket of the same vendor keeps the uid's processes"
now=$(date +%s)
nhs_ticket "$T" NSA-3 vendor1 $((now + 4))
ssh_run "$T" vendor1 'setsid nohup sleep 1003 >/dev/null 2>&1 </dev/null &' ||
	fail "vendor1 NSA-3: $SSH_ERR"
nhs_ticket "$T" NSA-4 vendor1 $((now + 8))
nhs_bg_ssh "$T" long vendor1 '' 'sleep 300'
jwait NHIACCT_EVENT=open NHIACCT_USER=vendor1 NHIACCT_TICKET=NSA-4 1 10 >/dev/null ||
	fail "NSA-4 session"
while [ "$(date +%s)" -le $((now + 5)) ]; do sleep 0.2; done
pgrep -u 20001 -f 'sleep 1003' >/dev/null || fail "left work ended while another valid session was live"
nhs_wait_end "$T" long 10 >/dev/null || fail "NSA-4 session not ended"
sleep 0.5
[ "$(live_of 20001)" -eq 0 ] || fail "processes of vendor1 left after the last window"

# ---- 4. a watch that cannot see: loud, and still on time ------------------------
note "watch without CAP_SYS_PTRACE on hidepid=2: says so, still revokes"
nhs_watch_stop
: >"$T/watch.log"
NHS_WATCH_ENV="NHIACCT_BACKEND_DIR=$BUILD" NHS_WATCH_WRAP=$(unit_wrap sys_ptrace) \
	nhs_watch_start "$T" "$BUILD"
END=$(($(date +%s) + 4))
nhs_ticket "$T" NSA-5 vendor2 "$END"
nhs_bg_ssh "$T" blind vendor2 '' 'sleep 300'
jwait NHIACCT_EVENT=open NHIACCT_TICKET=NSA-5 1 10 >/dev/null || fail "NSA-5 session"
sleep 1
assert_match 'hidepid' "$(cat "$T/watch.log")" "the blind watch's complaint"
jnone NHIACCT_EVENT=close NHIACCT_TICKET=NSA-5 0.2 || fail "a session it cannot see was taken for gone"
t=$(nhs_wait_end "$T" blind 10) || fail "blind watch: session not ended"
note "blind watch: cut $((t - END * 1000)) ms after the window end"
[ $((t - END * 1000)) -le 2000 ] || fail "blind watch ended the session late"
nhs_watch_stop

# ---- 5. a ticket API that never answers -----------------------------------------
note "5 sessions over HTTPS; the API hangs; window ends acted on within 1 s"
python3 "$NHI_TOP/tests/lib/https_server.py" --tickets "$T/srv" --port-file "$T/srv.port" \
	--cert "$T/certs/server.crt" --key "$T/certs/server.key" --log "$T/srv.log" \
	--lifetime 120 --idle 120 &
SRV=$!
nhs_wait_file "$T/srv.port" 5 || fail "https server"
PORT=$(cat "$T/srv.port")
END=$(($(date +%s) + 12))
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
for n in 1 2 3 4 5; do
	u=vendor$n
	cat >"$T/srv/SLOW-$n.json" <<-EOF
	{ "id": "SLOW-$n", "state": "approved", "requester": "acme-jdoe", "approver": "alice",
	  "scope": { "hosts": ["jump1.test"], "accounts": ["$u"] },
	  "window": { "not_before": "$(iso $((END - 600)))", "not_after": "$(iso "$END")" } }
	EOF
done
{
	echo "vendor_groups = vendors"
	echo "host = jump1.test"
	echo "state_dir = $T/run"
	echo "backend = http"
	echo "url = https://127.0.0.1:$PORT/tickets/{id}"
	echo "lookup_url = https://127.0.0.1:$PORT/lookup?user={user}&host={host}"
	echo "ca_file = $T/certs/ca.crt"
	echo "timeout = 5s"
	echo "recheck = 1s"
	echo "warn_before = 1m"
} >"$T/nhiacct.conf"
NHS_WATCH_ENV="NHIACCT_BACKEND_DIR=$BUILD" NHS_WATCH_WRAP=$(unit_wrap) nhs_watch_start "$T" "$BUILD"
for n in 1 2 3 4 5; do
	nhs_bg_ssh "$T" slow$n vendor$n '' 'sleep 300'
done
for n in 1 2 3 4 5; do
	jwait NHIACCT_EVENT=open NHIACCT_TICKET=SLOW-$n 1 10 >/dev/null || fail "SLOW-$n session"
done
touch "$T/srv/.hang"
hung=$(wc -l <"$T/srv.log")
[ "$(date +%s)" -lt $((END - 3)) ] || fail "logins too slow"
delays=()
for n in 1 2 3 4 5; do
	t=$(nhs_wait_end "$T" slow$n $((END - $(date +%s) + 10))) || fail "slow$n still connected"
	delays+=($((t - END * 1000)))
done
note "window end to cut (ms), API hanging: ${delays[*]}; $(nhs_stats "${delays[@]}")"
for d in "${delays[@]}"; do
	[ "$d" -ge 0 ] && [ "$d" -le 1000 ] || fail "a window end acted on ${d} ms late (> 1000)"
done
# the rechecks did ask, and were left hanging
[ "$(tail -n +$((hung + 1)) "$T/srv.log" | grep -c '/tickets/SLOW-')" -ge 1 ] ||
	fail "no recheck reached the hanging API"
assert_match 'recheck' "$(cat "$T/watch.log")" "watch log mentions the recheck"

note "all no-standing-access attacks failed"
exit 0
