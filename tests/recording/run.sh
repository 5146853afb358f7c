#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/recording/run.sh BUILD: every vendor session recorded (record =
# required) on a real systemd host (systemd 252, journald, logind,
# pam_loginuid, pam_systemd, OpenSSH 9.2, tlog 12) booted in namespaces
# (tests/lib/systemd_host.sh), set up as pam_nhiacct(8) RECORDING says: the
# vendor's login shell is nhiacct-shell, the shipped sshd Match block
# (nhiacct-record.conf.example), the shipped watch unit.
#   1. a pty session typing commands, `ssh host 'id; cat /etc/hostname'`,
#      `ssh -n host cmd`, scp up and down (sftp protocol and -O), sftp
#      put/get: each is linked (NHIACCT_RECORDING) and recorded; `nhiacct
#      replay` reproduces the pty session's output; `review --commands`
#      lists the commands and the files;
#   2. the dodges: `ssh -tt host 'scp -t /tmp/x; bash'`, TLOG_* variables
#      sent by the client, `ssh -N -L` and `ssh -W` (refused by the Match
#      block);
#   3. the recorder killed while the connection stays (a second channel of
#      one connection): revoked, recording_lost;
#   4. tlog missing, and a journal the vendor cannot write to: refused with
#      recording_unavailable; root still let in.
# Skips (77) when not root or when no Debian root can be built.
set -u
. "$(dirname "$0")/../lib/common.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, a booted systemd)"
need_cmd unshare nsenter mount ssh scp sftp ssh-keygen python3 jq
. "$NHI_TOP/tests/lib/systemd_host.sh"
sdh_private_ns "$@"
. "$NHI_TOP/tests/lib/recording_host.sh"

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
sdh_need_root
cache=$SDH_ROOT
[ -x "$cache/usr/bin/tlog-rec-session" ] || fail "the systemd root has no tlog"
T=$(mktemp -d /var/tmp/nhiacct-rec.XXXXXX)
[ -n "$T" ] && [ -d "$T" ] || fail "no work folder"
cleanup() {
	local rc=$?
	if [ $rc -ne 0 ] && [ -n "$SDH_PID" ]; then
		echo "---- host journal ----" >&2
		sdh_run journalctl -q --no-pager -o short-precise -t nhiacct -t pam_nhiacct \
			-t nhiacct-shell -t sftp-server -t sshd -u nhiacct-watch.service |
			tail -n 80 >&2
	fi
	if [ -n "${NHI_KEEP:-}" ] && [ $rc -ne 0 ]; then
		echo "kept: $T (pid $SDH_PID)" >&2
		exit $rc
	fi
	sdh_teardown "$T"
	exit $rc
}
trap cleanup EXIT
sdh_overlay "$cache" "$T" || fail "overlay"
R=$T/root
[ -d "$R/etc" ] || fail "no root at $R"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- the host, as pam_nhiacct(8) RECORDING says ----------------------------------
rh_install "$BUILD" "$R" "$T" "$PORT" required || fail "cannot set up the host"
# AcceptEnv TLOG_*: an administrator's mistake the shell must survive
echo "AcceptEnv LANG LC_* TLOG_*" >>"$R/etc/ssh/sshd_config.d/10-test.conf"
# every vendor recorded (vendor2 is the bench's unrecorded one)
chroot "$R" usermod -s /usr/lib/nhiacct/nhiacct-shell vendor2 || fail "usermod"
ticket() { rh_ticket "$R" "$1" "$2" vendor1; }
SSHO=(-i "$T/id" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR)
vssh() { timeout 60 ssh "${SSHO[@]}" -p "$PORT" vendor1@127.0.0.1 "$@"; }
jf() { jq -r ".$1 // empty"; }
# The open record of the vendor's newest session, once written.
newest_open() { # T0 (sdh_now_us)
	sdh_journal_wait -t "$1" NHIACCT_EVENT=open NHIACCT_USER=vendor1
}
# What tlog recorded of audit session $1 (output or input text), in order.
tlog_text() { # AUDIT_ID out|in
	sdh_journal TLOG_SESSION="$1" | jq -r ".MESSAGE | fromjson | .$2_txt" | tr -d '\r\0'
}
sdh_boot "$R" || fail "the systemd host did not boot"
note "booted: $(sdh_run systemctl is-system-running); tlog $(sdh_run dpkg-query -W -f '${Version}' tlog)"
for _ in $(seq 50); do
	[ "$(sdh_run systemctl is-active nhiacct-watch.service)" = active ] && break
	sleep 0.1
done
assert_eq active "$(sdh_run systemctl is-active nhiacct-watch.service)" "the shipped watch unit"
eff=$(sdh_run sshd -T -C user=vendor1,host=x,addr=127.0.0.1 2>&1)
assert_match 'disableforwarding yes' "$eff" "the shipped Match block, for vendors"
cc=$(sdh_run nhiacct check-config 2>&1)
assert_no_match '^error:' "$cc" "check-config on a host set up for recording"
# the same host with the Match block left out
sdh_run mv /etc/ssh/sshd_config.d/50-nhiacct-record.conf /root/
cc=$(sdh_run nhiacct check-config 2>&1)
sdh_run mv /root/50-nhiacct-record.conf /etc/ssh/sshd_config.d/
assert_match '^error: sshd \(for vendor1\): allowtcpforwarding is not off' "$cc" \
	"check-config without the Match block"
ticket REC-1 $(($(date +%s) + 900))

# ---- 1. every kind of session --------------------------------------------------------
note "ssh host 'id; cat /etc/hostname': linked and recorded"
t0=$(sdh_now_us)
out=$(vssh 'id; cat /etc/hostname') || fail "vendor1 command: $out"
assert_match 'uid=20001\(vendor1\)' "$out" "the command ran"
open=$(newest_open "$t0") || fail "no open record"
rec=$(printf '%s\n' "$open" | jf NHIACCT_RECORDING)
sess=$(printf '%s\n' "$open" | jf NHIACCT_SESSION)
[ -n "$rec" ] || fail "the open record names no recording: $open"
note "session $sess, recording (audit session) $rec"
sdh_journal_wait TLOG_SESSION="$rec" >/dev/null || fail "tlog recorded nothing for audit session $rec"
assert_match 'uid=20001\(vendor1\)' "$(tlog_text "$rec" out)" "the recording has the output"
c=$(sdh_journal_wait SYSLOG_IDENTIFIER=nhiacct-shell NHIACCT_SESSION="$sess") || fail "no command record"
assert_eq 'id; cat /etc/hostname' "$(printf '%s\n' "$c" | jf NHIACCT_COMMAND)" "the command record"

note "a pty session typing commands: recorded, input included, and replayed"
t0=$(sdh_now_us)
# typed once the shell is up: tlog discards what came before its terminal
# was set up, as a terminal does
out=$( (sleep 2; printf 'echo typed-$((6*7))\n'; sleep 1; printf 'exit\n') |
	timeout 60 ssh -tt "${SSHO[@]}" -p "$PORT" vendor1@127.0.0.1 2>&1 | tr -d '\0') ||
	fail "pty session: $out"
assert_match 'typed-42' "$out" "the pty session ran"
open=$(newest_open "$t0") || fail "no open record"
ptyrec=$(printf '%s\n' "$open" | jf NHIACCT_RECORDING)
ptysess=$(printf '%s\n' "$open" | jf NHIACCT_SESSION)
sdh_journal_wait TLOG_SESSION="$ptyrec" >/dev/null || fail "no recording of the pty session"
for _ in $(seq 50); do
	tlog_text "$ptyrec" out | grep -q typed-42 && break
	sleep 0.2
done
assert_match 'typed-42' "$(tlog_text "$ptyrec" out)" "the recording has the terminal output"
assert_match 'echo typed-\$\(\(6\*7\)\)' "$(tlog_text "$ptyrec" in)" "the recording has the typed input"
rep=$(sdh_run nhiacct replay --goto end "$ptysess" 2>&1) || fail "nhiacct replay: $rep"
assert_match 'typed-42' "$rep" "nhiacct replay reproduces the terminal output"

note "ssh -n host cmd: recorded"
t0=$(sdh_now_us)
out=$(vssh -n 'echo dash-n-$((40+2))') || fail "ssh -n: $out"
assert_match 'dash-n-42' "$out" "ssh -n ran"
rec=$(newest_open "$t0" | jf NHIACCT_RECORDING)
for _ in $(seq 50); do tlog_text "$rec" out | grep -q dash-n-42 && break; sleep 0.2; done
assert_match 'dash-n-42' "$(tlog_text "$rec" out)" "ssh -n is recorded"

note "scp up and down (sftp protocol, and -O), sftp put and get: the files are in the record"
head -c 100000 /dev/urandom >"$T/up.bin"
SCPO=(-i "$T/id" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -P "$PORT")
timeout 60 scp "${SCPO[@]}" "$T/up.bin" vendor1@127.0.0.1:/tmp/scp-up.bin || fail "scp up"
timeout 60 scp "${SCPO[@]}" vendor1@127.0.0.1:/tmp/scp-up.bin "$T/down.bin" || fail "scp down"
cmp -s "$T/up.bin" "$T/down.bin" || fail "scp round trip changed the file"
timeout 60 scp -O "${SCPO[@]}" "$T/up.bin" vendor1@127.0.0.1:/tmp/scp-legacy.bin ||
	fail "scp -O up"
printf 'put %s /tmp/sftp-up.bin\nget /tmp/sftp-up.bin %s\n' "$T/up.bin" "$T/sftp-down.bin" \
	>"$T/batch"
timeout 60 sftp -b "$T/batch" "${SCPO[@]}" vendor1@127.0.0.1 >/dev/null || fail "sftp put/get"
cmp -s "$T/up.bin" "$T/sftp-down.bin" || fail "sftp round trip changed the file"

note "the dodges: scp -t then bash, TLOG_* from the client, forwarding"
t0=$(sdh_now_us)
out=$( (sleep 2; printf 'x\n'; sleep 1; printf 'echo dodged-$((3*3))\n'; sleep 1; printf 'exit\n') |
	timeout 60 ssh -tt "${SSHO[@]}" -p "$PORT" vendor1@127.0.0.1 'scp -t /tmp/x; bash' 2>&1 |
	tr -d '\0') || :
assert_match 'dodged-9' "$out" "the dodge ran"
open=$(newest_open "$t0") || fail "no open record of the dodge"
rec=$(printf '%s\n' "$open" | jf NHIACCT_RECORDING)
dodge=$(printf '%s\n' "$open" | jf NHIACCT_SESSION)
for _ in $(seq 50); do tlog_text "$rec" out | grep -q dodged-9 && break; sleep 0.2; done
assert_match 'dodged-9' "$(tlog_text "$rec" out)" "'scp -t /tmp/x; bash' is recorded"
assert_match 'echo dodged' "$(tlog_text "$rec" in)" "and what was typed into its bash"
t0=$(sdh_now_us)
out=$(vssh -o 'SetEnv=TLOG_REC_SESSION_CONF_TEXT={"writer":"file","file":{"path":"/dev/null"}}' \
	-o 'SetEnv=TLOG_REC_SESSION_SHELL=/bin/sh' 'echo env-dodge-$((3+4)); echo "[$TLOG_REC_SESSION_SHELL]"') ||
	fail "vendor1 with TLOG_* variables: $out"
assert_match 'env-dodge-7' "$out" "the command ran"
rec=$(newest_open "$t0" | jf NHIACCT_RECORDING)
for _ in $(seq 50); do tlog_text "$rec" out | grep -q env-dodge-7 && break; sleep 0.2; done
assert_match 'env-dodge-7' "$(tlog_text "$rec" out)" "TLOG_* from the client does not switch tlog off"
out=$(vssh -W 127.0.0.1:"$PORT" </dev/null 2>&1) && fail "ssh -W was let through: $out"
note "ssh -W: $(printf '%s\n' "$out" | head -n1)"
LPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 20 ssh "${SSHO[@]}" -p "$PORT" -N -L "$LPORT:127.0.0.1:$PORT" vendor1@127.0.0.1 &
fwd=$!
banner=
for _ in $(seq 50); do
	banner=$(python3 - "$LPORT" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.settimeout(2)
try:
    print(s.recv(64).decode(errors="replace").strip() or "closed")
except OSError:
    print("nothing")
PY
) && break
	sleep 0.1
done
kill "$fwd" 2>/dev/null
wait "$fwd" 2>/dev/null
note "ssh -N -L: a connection through the tunnel got: ${banner:-no listener}"
[ -n "$banner" ] || fail "ssh -N -L never listened: the tunnel was not tried"
[[ $banner == SSH-* ]] && fail "ssh -N -L forwarded a connection for a vendor"

note "review --commands: the commands, the typed lines and the files"
cmds=$(sdh_run nhiacct review --ticket REC-1 --commands --utc) || fail "review --commands: $cmds"
printf '%s\n' "$cmds" | sed 's/^/#   /'
assert_match 'runs: id; cat /etc/hostname' "$cmds" "the command"
assert_match 'runs: echo dash-n-' "$cmds" "ssh -n's command"
assert_match 'typed: echo typed-\$\(\(6\*7\)\)' "$cmds" "the typed line of the pty session"
assert_match 'runs: scp -t /tmp/x; bash' "$cmds" "the dodge's command"
assert_match 'typed: echo dodged' "$cmds" "the dodge's typed line"
assert_match 'sftp: open "/tmp/scp-up.bin" flags WRITE' "$cmds" "scp up (sftp protocol)"
assert_match 'sftp: close "/tmp/scp-up.bin" bytes read 0 written 100000' "$cmds" "scp up's size"
assert_match 'sftp: open "/tmp/scp-up.bin" flags READ' "$cmds" "scp down"
assert_match 'runs: scp -t /tmp/scp-legacy.bin' "$cmds" "scp -O"
assert_match 'sftp: open "/tmp/sftp-up.bin" flags WRITE' "$cmds" "sftp put"
assert_match 'sftp: open "/tmp/sftp-up.bin" flags READ' "$cmds" "sftp get"
js=$(sdh_run nhiacct review --ticket REC-1 --json --commands) || fail "review --json --commands"
assert_eq 'echo typed-$((6*7))' "$(printf '%s\n' "$js" | jq -r --arg s "$ptysess" \
	'select(.session == $s) | .commands[0] | select(.kind == "login") | .typed[0]')" \
	"review --json --commands: the typed line"
assert_match 'close "/tmp/sftp-up.bin" bytes read 100000 written 0' "$(printf '%s\n' "$js" |
	jq -r 'select(.type == "session") | .commands[]? | select(.kind == "sftp") | .files[]')" \
	"review --json --commands: sftp's files"
tab=$(sdh_run nhiacct review --ticket REC-1 --json) || fail "review --json"
assert_eq 0 "$(printf '%s\n' "$tab" | jq -s '[.[] | select(.type == "session" and .recorded != true)] | length')" \
	"every session of REC-1 is recorded"
assert_eq "$ptyrec" "$(printf '%s\n' "$tab" | jq -r --arg s "$ptysess" 'select(.session == $s) | .recording')" \
	"review --json: the recording id"

# ---- 3. the recorder killed while the connection stays ---------------------------------
note "the recorder killed under a connection that stays open: revoked, recording_lost"
t0=$(sdh_now_us)
timeout 120 ssh "${SSHO[@]}" -p "$PORT" -o ControlMaster=yes -o ControlPath="$T/cm" -N \
	vendor1@127.0.0.1 &
master=$!
open=$(newest_open "$t0") || fail "no open record of the master connection"
msess=$(printf '%s\n' "$open" | jf NHIACCT_SESSION)
# the second channel must ride on this connection, not open one of its own
for _ in $(seq 100); do
	ssh -o ControlPath="$T/cm" -O check vendor1@127.0.0.1 >/dev/null 2>&1 && break
	sleep 0.1
done
ssh -o ControlPath="$T/cm" -O check vendor1@127.0.0.1 >/dev/null 2>&1 ||
	fail "the master connection does not multiplex"
out=$(timeout 20 ssh "${SSHO[@]}" -o ControlMaster=no -o ControlPath="$T/cm" -p "$PORT" vendor1@127.0.0.1 \
	'kill -9 $PPID; exec sleep 1000' 2>&1) || :
r=$(sdh_journal_wait NHIACCT_EVENT=revoke NHIACCT_SESSION="$msess") || fail "no revoke record: $out"
assert_eq recording_lost "$(printf '%s\n' "$r" | jf NHIACCT_REASON)" "the revoke reason"
note "revoked: $(printf '%s\n' "$r" | jf NHIACCT_DETAIL)"
for _ in $(seq 50); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
kill -0 "$master" 2>/dev/null && fail "the connection outlived its revocation"
wait "$master" 2>/dev/null
sdh_run pgrep -u vendor1 -x sleep >/dev/null && fail "the unrecorded sleep outlived the revocation"

# ---- 4. what cannot be recorded is refused; root still gets in --------------------------
refused() { # WHAT: a vendor login is refused with recording_unavailable
	local t0 out r
	t0=$(sdh_now_us)
	out=$(vssh 'echo should-not-run' 2>&1) && fail "$1: the vendor got in: $out"
	assert_no_match 'should-not-run' "$out" "$1: nothing ran"
	assert_match 'recording_unavailable' "$out" "$1: what the vendor is told"
	r=$(sdh_journal_wait -t "$t0" NHIACCT_EVENT=deny NHIACCT_USER=vendor1) || fail "$1: no deny record"
	assert_eq recording_unavailable "$(printf '%s\n' "$r" | jf NHIACCT_REASON)" "$1: deny reason"
	note "$1: $(printf '%s\n' "$r" | jf NHIACCT_DETAIL)"
	[ -z "$(sdh_journal NHIACCT_EVENT=open NHIACCT_USER=vendor1 | jq -c --argjson t "$t0" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t)')" ] ||
		fail "$1: a session opened"
	out=$(timeout 60 ssh "${SSHO[@]}" -p "$PORT" root@127.0.0.1 'echo root-in') ||
		fail "$1: root was locked out: $out"
	assert_match root-in "$out" "$1: root still gets in"
}
note "tlog missing"
sdh_run mv /usr/bin/tlog-rec-session /usr/bin/tlog-rec-session.off
refused "tlog missing"
sdh_run mv /usr/bin/tlog-rec-session.off /usr/bin/tlog-rec-session
note "the journal closed to the vendor (the recorder could not write)"
sdh_run chmod 0660 /run/systemd/journal/socket
refused "journal closed to the vendor"
sdh_run chmod 0666 /run/systemd/journal/socket
note "a vendor whose login shell is not the recorder's"
sdh_run usermod -s /bin/bash vendor1
refused "login shell /bin/bash"
assert_match '^error: record: vendor vendor1 has the login shell /bin/bash' \
	"$(sdh_run nhiacct check-config 2>&1)" "check-config names the vendor's shell"
note "record = no: the same vendor gets in, unrecorded, and review says so"
sed -i 's/^record = required/record = no/' "$R/etc/security/nhiacct.conf"
t0=$(sdh_now_us)
out=$(vssh 'echo unrecorded-ok') || fail "record = no: $out"
open=$(newest_open "$t0") || fail "no open record"
[ -z "$(printf '%s\n' "$open" | jf NHIACCT_RECORDING)" ] || fail "an unrecorded session names a recording"
s=$(printf '%s\n' "$open" | jf NHIACCT_SESSION)
assert_eq false "$(sdh_run nhiacct review --ticket REC-1 --json | jq -r --arg s "$s" 'select(.session == $s) | .recorded')" \
	"review: not recorded"
out=$(sdh_run nhiacct replay "$s" 2>&1) && fail "replay of an unrecorded session: $out"
assert_match 'was not recorded' "$out" "replay says so"
assert_eq null "$(sdh_run nhiacct review --ticket REC-1 --json --commands |
	jq -c --arg s "$s" 'select(.session == $s) | .commands')" "review --json --commands: not recorded"

note "every session recorded or refused"
echo "recording: passed"
exit 0
