#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_doors.sh BUILD: every other door a vendor's code starts by
# is gated by the shipped pam.d examples (conf/pam.d/*.example), through the
# real PAM stack of each service (the pamrun driver, and su itself), against a
# private journald:
#   - cron, atd, systemd-user, su, sudo: outside a window the account stack
#     refuses the vendor with a deny record naming the service; inside one
#     it lets the vendor through; a non-vendor is untouched;
#   - `su - vendor1` run by a staff user (su is setuid: its records carry
#     the caller's _UID) appears in `nhiacct review`, while a record a
#     non-root user forges with `logger --journald` does not.
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
. "$NHI_TOP/tests/e2e/lib_session.sh"
need_cmd su logger journalctl jq setpriv python3

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || fail "no build directory '${1:-build}'"
NHIACCT=$BUILD/nhiacct
[ -x "$BUILD/tests/pamrun" ] || fail "$BUILD/tests/pamrun not built (make test-drivers)"
# acct SERVICE USER: the account stack of SERVICE through the real libpam;
# 0 when it let USER through; what it said in T/pt.out
acct() {
	"$BUILD/tests/pamrun" "$1" "$2" account >"$T/pt.out" 2>&1 &&
		jq -e '.account.rc == 0' "$T/pt.out" >/dev/null
}
MOD=$BUILD/pam_nhiacct.so
T=$(mktemp -d /tmp/nhiacct-doors.XXXXXX)
cleanup() {
	local rc=$?
	[ $rc -ne 0 ] && jdump
	sshd_stop "$T"
	nhs_kill_uids 20001 20002 20003
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

nhs_setup "$T" "$BUILD" || exit
# the shipped files, with the built module and the test configuration
DOORS="cron atd systemd-user su sudo"
for d in $DOORS; do
	ex=$NHI_TOP/conf/pam.d/$d.example
	[ -f "$ex" ] || fail "no shipped example $ex"
	grep -Eq '^account[[:space:]]+required[[:space:]]+pam_nhiacct\.so' "$ex" || fail "$ex: no account line"
	sed "s|pam_nhiacct\\.so|$MOD conf=$T/nhiacct.conf|" "$ex" >"$T/pam.d/$d"
done
sshd_set_password "$T" vendor1 'pw-Vendor1!' || fail "password"
sshd_start "$T" || fail "sshd_start (for its private /etc)"

# ---- each door, outside and inside a window -------------------------------------
for d in $DOORS; do
	note "$d: account stack outside a window refuses, with a record"
	since=$(date +%s)
	acct "$d" vendor1 &&
		fail "$d: vendor1 let through without a window: $(cat "$T/pt.out")"
	r=$(jwait NHIACCT_EVENT=deny NHIACCT_USER=vendor1 NHIACCT_SERVICE="$d" 1 5) ||
		fail "$d: no deny record"
	assert_eq no_ticket "$(printf '%s\n' "$r" | tail -n1 | jget NHIACCT_REASON)" "$d: reason"
	acct "$d" staff1 || fail "$d: a non-vendor was refused"
done
nhs_ticket "$T" DOOR-1 vendor1 $(($(date +%s) + 600))
for d in $DOORS; do
	note "$d: inside the window, let through"
	acct "$d" vendor1 ||
		fail "$d: vendor1 refused inside the window: $(cat "$T/pt.out")"
	jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor1 NHIACCT_SERVICE="$d" >/dev/null ||
		fail "$d: no grant record"
done

# ---- su by a staff user: a setuid client's records count in review ---------------
note "su - vendor1 by staff1 appears in nhiacct review"
# su reads the password from its terminal, and flushes what was typed
# before it asked: answer the prompt on a pty once it is shown
out=$(setpriv --reuid=20003 --regid=20003 --init-groups env HOME=/ TERM=dumb \
	python3 "$NHI_TOP/tests/lib/pty_answer.py" assword 'pw-Vendor1!' \
	su - vendor1 -c 'echo SU-OK' 2>&1) || fail "su failed: $out"
assert_match 'SU-OK' "$out" "su ran the command"
# `su -` is PAM service su-l, whose Debian file includes su
o=$(jwait NHIACCT_EVENT=open NHIACCT_USER=vendor1) || fail "no open record from su"
assert_eq su-l "$(printf '%s\n' "$o" | jget NHIACCT_SERVICE)" "service of su -"
assert_eq 20003 "$(printf '%s\n' "$o" | jget _UID)" "su's records carry the caller's uid"
note "su's record: _UID=20003 _CAP_EFFECTIVE=$(printf '%s\n' "$o" | jget _CAP_EFFECTIVE)"
sid=$(printf '%s\n' "$o" | jget NHIACCT_SESSION)
jwait NHIACCT_EVENT=close NHIACCT_SESSION="$sid" >/dev/null || fail "no close record from su"
rows=$("$NHIACCT" --conf "$T/nhiacct.conf" review --user vendor1 --json) || fail "review failed"
assert_eq su-l "$(printf '%s\n' "$rows" | jq -r --arg s "$sid" 'select(.session == $s) | .service')" \
	"the su session in review"

note "a record forged by a non-root user with logger --journald is not"
fake=abababababababababababababababab
printf '%s\n' "MESSAGE=Session $fake opened" "MESSAGE_ID=5e20c685e20346ffb60a8e6d1894b6eb" \
	"SYSLOG_IDENTIFIER=pam_nhiacct" "NHIACCT_EVENT=open" "NHIACCT_USER=vendor1" \
	"NHIACCT_TICKET=FORGED-1" "NHIACCT_SESSION=$fake" "NHIACCT_APPROVER=alice" |
	setpriv --reuid=20003 --regid=20003 --init-groups logger --journald ||
	fail "logger --journald"
jwait NHIACCT_SESSION=$fake >/dev/null || fail "the forged record did not reach the journal"
rows=$("$NHIACCT" --conf "$T/nhiacct.conf" review --json) || fail "review failed"
assert_no_match "$fake|FORGED-1" "$rows" "review rows"
rows=$("$NHIACCT" --conf "$T/nhiacct.conf" review --ticket FORGED-1 --json)
assert_eq "" "$rows" "review --ticket FORGED-1"

note "all doors gated"
exit 0
