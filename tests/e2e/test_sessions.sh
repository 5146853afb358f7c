#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_sessions.sh BUILD: the session phase end to end (design.md
# sections 6 and 7) with a real sshd, the BUILT module, a private journald:
#   - a vendor with a valid ticket logs in with a public key (lookup): grant,
#     open, close records with the same ticket and one session id; the
#     session sees NHIACCT_TICKET/SESSION/NOT_AFTER; the record is gone after;
#   - a vendor with no ticket is refused, the client shows the refusal line;
#   - a non-vendor logs in untouched: no record, no session file;
#   - keyboard-interactive (publickey,keyboard-interactive): the ticket id
#     is asked for and used (not the one lookup would choose);
#   - nhiacct sessions [--json] lists a live session;
#   - a state_dir others could write refuses the session (fail closed).
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
. "$NHI_TOP/tests/e2e/lib_session.sh"
need_cmd ssh ssh-keygen journalctl jq python3

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
NHIACCT=$BUILD/nhiacct
T=$(mktemp -d /tmp/nhiacct-e2e.XXXXXX)
BG=
cleanup() {
	local rc=$?
	[ $rc -ne 0 ] && { jdump; echo "---- sshd.log ----" >&2; tail -n 40 "$T/sshd.log" >&2; }
	[ -n "$BG" ] && kill "$BG" 2>/dev/null
	sshd_stop "$T"
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

nhs_setup "$T" "$BUILD" || exit
sshd_add_user "$T" vendor3 20004 vendors
sshd_config_add "$T" "ExposeAuthInfo yes" "Match User vendor3" \
	"  AuthenticationMethods publickey,keyboard-interactive"
sshd_start "$T" || fail "sshd_start"
NOW=$(date +%s)

# ---- 1. public key + lookup: grant, open, close ----------------------------
note "vendor1, public key, ticket found by lookup"
nhs_ticket "$T" CHG-1001 vendor1 $((NOW + 3600))
ssh_run "$T" vendor1 'echo "T=$NHIACCT_TICKET S=$NHIACCT_SESSION N=$NHIACCT_NOT_AFTER"' ||
	fail "vendor1 login: rc=$SSH_RC: $SSH_ERR"
assert_match '^nhiacct: access granted: ticket CHG-1001 approved by alice' "$SSH_ERR" "grant line"
sid=$(printf '%s\n' "$SSH_OUT" | sed -n 's/.* S=\([0-9a-f]*\) .*/\1/p')
assert_match '^[0-9a-f]{32}$' "$sid" "NHIACCT_SESSION in the session"
assert_match "^T=CHG-1001 S=$sid N=$(date -u -d @$((NOW + 3600)) +%Y-%m-%dT%H:%M:%SZ)\$" \
	"$SSH_OUT" "session environment"
jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor1 >/dev/null || fail "no grant record"
open=$(jwait NHIACCT_EVENT=open NHIACCT_USER=vendor1) || fail "no open record"
close=$(jwait NHIACCT_EVENT=close NHIACCT_USER=vendor1) || fail "no close record"
assert_eq CHG-1001 "$(jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor1 | jget NHIACCT_TICKET)" "grant ticket"
assert_eq CHG-1001 "$(printf '%s\n' "$open" | jget NHIACCT_TICKET)" "open ticket"
assert_eq CHG-1001 "$(printf '%s\n' "$close" | jget NHIACCT_TICKET)" "close ticket"
assert_eq "$sid" "$(printf '%s\n' "$open" | jget NHIACCT_SESSION)" "open session id"
assert_eq "$sid" "$(printf '%s\n' "$close" | jget NHIACCT_SESSION)" "close session id"
assert_eq alice "$(printf '%s\n' "$open" | jget NHIACCT_APPROVER)" "open approver"
assert_eq 5e20c685e20346ffb60a8e6d1894b6eb "$(printf '%s\n' "$open" | jget MESSAGE_ID)" "open MESSAGE_ID"
assert_eq 7cd6de60d89642c1b3b6126e875e42a4 "$(printf '%s\n' "$close" | jget MESSAGE_ID)" "close MESSAGE_ID"
assert_match '^[0-9]+$' "$(printf '%s\n' "$close" | jget NHIACCT_DURATION)" "close duration"
assert_eq pam_nhiacct "$(printf '%s\n' "$close" | jget SYSLOG_IDENTIFIER)" "identifier"
assert_eq 1 "$(jcount NHIACCT_SESSION="$sid" NHIACCT_EVENT=close)" "one close"
# the record stays, closed, until the window ends: what the vendor left
# running is held to the window (the watch ends it then)
assert_eq "$sid.closed" "$(ls -A "$T/run")" "state_dir after close"

# ---- 2. no ticket: refused, the client is told why --------------------------
note "vendor2 without a ticket"
ssh_run "$T" vendor2 true && fail "vendor2 logged in without a ticket"
assert_eq 255 "$SSH_RC" "refused exit code"
assert_match '^nhiacct: access refused \(no_ticket\)' "$SSH_ERR" "refusal line on the client"
jwait NHIACCT_EVENT=deny NHIACCT_USER=vendor2 NHIACCT_REASON=no_ticket >/dev/null ||
	fail "no deny record"
jnone NHIACCT_EVENT=open NHIACCT_USER=vendor2 0.2 || fail "open record for a refused login"

# ---- 3. non-vendor: untouched -------------------------------------------------
note "staff1 (not a vendor)"
ssh_run "$T" staff1 'echo "[$NHIACCT_SESSION]"' || fail "staff1 login: rc=$SSH_RC: $SSH_ERR"
assert_eq "[]" "$SSH_OUT" "no NHIACCT_SESSION for staff1"
assert_no_match nhiacct "$SSH_ERR" "staff1 client stderr"
jnone NHIACCT_USER=staff1 0.3 || fail "records written for a non-vendor"
[ -z "$(grep -l '"staff1"' "$T"/run/* 2>/dev/null)" ] || fail "session file for a non-vendor"

# ---- 4. keyboard-interactive: the ticket is asked for and used --------------
note "vendor3, publickey,keyboard-interactive, ticket given at the prompt"
nhs_ticket "$T" KBD-1 vendor3 $((NOW + 3600))
nhs_ticket "$T" KBD-2 vendor3 $((NOW + 7200))     # lookup would pick this one
ssh_kbdint "$T" vendor3 KBD-1 'echo "T=$NHIACCT_TICKET S=$NHIACCT_SESSION"' ||
	fail "vendor3 kbd-int login: rc=$SSH_RC: $SSH_ERR"
assert_match 'Access ticket: $' "$SSH_PROMPTS" "ticket prompt"
assert_eq 1 "$(printf '%s\n' "$SSH_PROMPTS" | wc -l)" "one prompt (no password)"
assert_match '^nhiacct: access granted: ticket KBD-1 ' "$SSH_ERR" "grant line"
sid3=$(printf '%s\n' "$SSH_OUT" | sed -n 's/^T=KBD-1 S=\([0-9a-f]\{32\}\)$/\1/p')
[ -n "$sid3" ] || fail "session environment: '$SSH_OUT'"
open=$(jwait NHIACCT_EVENT=open NHIACCT_USER=vendor3) || fail "no open record (kbd-int)"
assert_eq KBD-1 "$(printf '%s\n' "$open" | jget NHIACCT_TICKET)" "kbd-int open ticket"
assert_eq "$sid3" "$(printf '%s\n' "$open" | jget NHIACCT_SESSION)" "kbd-int session id"
close=$(jwait NHIACCT_EVENT=close NHIACCT_USER=vendor3) || fail "no close record (kbd-int)"
assert_eq "$sid3" "$(printf '%s\n' "$close" | jget NHIACCT_SESSION)" "kbd-int close id"
# account ran in the auth child, so open_session decided again: two grants
assert_eq "KBD-1 KBD-1" "$(jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor3 2 |
	jget NHIACCT_TICKET | sort | xargs)" "grants (account + session) name KBD-1"
ssh_kbdint "$T" vendor3 'no/such' true && fail "a bad ticket id was accepted"
assert_match 'access refused \(bad_ticket_id\)' "$SSH_ERR" "bad id refusal"
ssh_run "$T" vendor3 true && fail "vendor3 in with a public key only"

# ---- 5. nhiacct sessions --------------------------------------------------------
note "nhiacct sessions lists a live session"
timeout 60 ssh -F "$T/ssh_config" -o BatchMode=yes vendor1@nhiacct-test-sshd 'sleep 30' \
	</dev/null >/dev/null 2>&1 &
BG=$!
for _ in $(seq 100); do
	ls "$T"/run/*.json >/dev/null 2>&1 && break
	sleep 0.05
done
out=$("$NHIACCT" --conf "$T/nhiacct.conf" sessions) || fail "nhiacct sessions failed"
assert_match '^SESSION +USER +TICKET +NOT_AFTER +LEFT +STATE +PID$' "$out" "sessions header"
assert_match '^[0-9a-f]{32} +vendor1 +CHG-1001 +[0-9TZ:-]+ +(59m|1h)[0-9ms ]* +open ' "$out" "sessions row"
assert_match '^[0-9a-f]{32} +vendor1 +CHG-1001 +[0-9TZ:-]+ +(59m|1h)[0-9ms ]* +closed ' "$out" \
	"the closed session of section 1, held to its window"
json=$("$NHIACCT" --conf "$T/nhiacct.conf" sessions --json | jq -c 'select(.state == "open")') ||
	fail "sessions --json failed"
assert_eq vendor1 "$(printf '%s\n' "$json" | jq -r .user)" "json user"
assert_eq CHG-1001 "$(printf '%s\n' "$json" | jq -r .ticket)" "json ticket"
assert_match '^[0-9]+$' "$(printf '%s\n' "$json" | jq -r .left)" "json left"
assert_eq 20001 "$(printf '%s\n' "$json" | jq -r .uid)" "json uid"
perm=$(stat -c '%a %U' "$T/run/$(printf '%s\n' "$json" | jq -r .session).json")
assert_eq "600 root" "$perm" "record mode and owner"
kill "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
BG=

# ---- 6. fail closed: an unsafe state_dir refuses the session ------------------
note "state_dir writable by others: no session"
for _ in $(seq 100); do
	ls "$T"/run/*.json >/dev/null 2>&1 || break
	sleep 0.05
done
chmod 0777 "$T/run"
n_open=$(jcount NHIACCT_EVENT=open NHIACCT_USER=vendor1)
# sshd runs no command when pam_open_session fails: the child exits 254
ssh_run "$T" vendor1 'echo inside' && fail "session opened with an unsafe state_dir"
assert_eq 254 "$SSH_RC" "exit code of a session sshd could not open"
assert_no_match inside "$SSH_OUT" "command output"
assert_match 'nhiacct: access refused \(config_error\)' "$SSH_OUT$SSH_ERR" "client told"
d=$(jwait NHIACCT_EVENT=deny NHIACCT_USER=vendor1 NHIACCT_REASON=config_error) ||
	fail "no deny record for the session refused in the session phase"
assert_eq state_dir "$(printf '%s\n' "$d" | tail -n1 | jget NHIACCT_NOTE)" "deny note"
assert_eq "$n_open" "$(jcount NHIACCT_EVENT=open NHIACCT_USER=vendor1)" "no open record"
chmod 0700 "$T/run"
ssh_run "$T" vendor1 true || fail "login after state_dir fixed: $SSH_ERR"

note "all session checks passed"
exit 0
