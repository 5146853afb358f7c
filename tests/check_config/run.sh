#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/check_config/run.sh BUILD: nhiacct check-config, sshd -t for
# pam_nhiacct, on configurations and PAM stacks written the ways operators
# get them wrong: the typos that used to weaken the policy silently, a
# missing group, an unsafe ticket_dir, a missing backend object, an ungated
# door, a session line after pam_systemd.  Each: the exit status (0 clean,
# 1 warnings, 2 errors) and the line that says why.  Users and groups come
# from nss_wrapper; the files must be root's, so it needs root.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"

BUILD=$(cd "${1:-build}" && pwd)
NHIACCT=$BUILD/nhiacct
[ -x "$NHIACCT" ] || fail "build first: make"
[ "$(id -u)" -eq 0 ] || skip "needs root (root-owned configuration and ticket folder)"
need_cmd jq
ldconfig -p | grep -q libnss_wrapper.so || skip "libnss_wrapper.so not installed (libnss-wrapper)"

T=$(mktemp -d /tmp/nhiacct-checkconfig.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T"
mkdir -m 0755 "$T/tickets" "$T/pam.d" "$T/nobackend"
printf 'root:x:0:0:root:/root:/bin/sh\nvendor1:x:20001:20100::/nonexistent:/bin/sh\nalice:x:19020:19020::/nonexistent:/bin/sh\n' >"$T/passwd"
printf 'root:x:0:\nvendors:x:20100:vendor1\nsecops:x:19100:alice\n' >"$T/group"

# The shipped pam.d examples, installed as an operator would; empty
# common-* files stand in for Debian's.
for f in "$NHI_TOP"/conf/pam.d/*.example; do
	cp "$f" "$T/pam.d/$(basename "$f" .example)"
done
for f in common-auth common-account common-session common-session-noninteractive common-password; do
	: >"$T/pam.d/$f"
done

# conf NAME [LINE...]: a valid configuration, then the lines
conf() {
	local f=$T/$1.conf
	shift
	{
		echo "vendor_groups = vendors"
		echo "host = jump1.example.com"
		echo "ticket_dir = $T/tickets"
		echo "approvers = alice @secops"
		printf '%s\n' "$@"
	} >"$f"
	chmod 0644 "$f"
}

# check CONF [ARGS...]: OUT, RC of check-config with the test users
check() {
	local c=$T/$1.conf
	shift
	local wrap=(env NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group"
		LD_PRELOAD=libnss_wrapper.so)
	[ -n "${NOWRAP:-}" ] && wrap=(env)
	OUT=$("${wrap[@]}" NHIACCT_BACKEND_DIR="${BACKEND_DIR:-$BUILD}" \
		"$NHIACCT" --conf "$c" check-config --pam-dir "$T/pam.d" "$@" 2>&1)
	RC=$?
}
# expect NAME RC ERE WHAT
expect() {
	check "$1"
	assert_eq "$2" "$RC" "$4: exit status (output: $OUT)"
	assert_match "$3" "$OUT" "$4"
	note "$4: exit $RC"
}

conf clean
expect clean 0 'host jump1\.example\.com' "the shipped pam.d examples and a valid configuration"
check clean --json
assert_eq 0 "$(printf '%s\n' "$OUT" | jq '.errors + .warnings')" "--json: no findings"
assert_eq jump1.example.com "$(printf '%s\n' "$OUT" | jq -r .host)" "--json: host"

# ---- the typos -----------------------------------------------------------------
conf comment 'approved_states = approved   # not pending'
expect comment 2 'comment\.conf:5: approved_states: .# not pending.: comments go on lines of their own' \
	"a comment after a value"
conf repeated 'vendor_groups = others'
expect repeated 2 'repeated\.conf:5: vendor_groups is set again \(first on line 1\)' "a key set twice"
conf emptyusers 'vendor_users ='
expect emptyusers 2 'emptyusers\.conf:5: vendor_users: empty' "an empty vendor_users"
conf emptyapprovers
sed -i 's/^approvers = .*/approvers =/' "$T/emptyapprovers.conf"
expect emptyapprovers 2 "approvers: empty; write '\\*'" "an empty approvers"

# ---- what the configuration names ----------------------------------------------
conf nogroup
sed -i 's/^vendor_groups = vendors$/vendor_groups = vendors vendros/' "$T/nogroup.conf"
# (nss_wrapper answers a missing name with ENOENT, which the module reads as
# "the name service failed": either way an error that names the group)
expect nogroup 2 '^error: vendor_groups: .*group vendros' "a misspelt vendor group"
conf noapprovergroup
sed -i 's/^approvers = .*/approvers = alice @secop/' "$T/noapprovergroup.conf"
expect noapprovergroup 2 '^error: approvers: .*group secop' "a misspelt approver group"
# a user that does not exist is a warning (it only never matches); asked of
# the machine's own files, which say "no such user" the plain way
printf 'vendor_users = vendr1\nhost = jump1.example.com\nticket_dir = %s\n' "$T/tickets" \
	>"$T/nouser.conf"
NOWRAP=1 expect nouser 1 '^warning: vendor_users: user vendr1 does not exist' "a misspelt vendor user"
conf unsafedir
chmod 0777 "$T/tickets"
expect unsafedir 2 '^error: ticket_dir: .*writable by group or others' "a world-writable ticket_dir"
chmod 0755 "$T/tickets"
conf nobackend 'backend = http' 'url = https://tickets.example.com/t/{id}'
BACKEND_DIR=$T/nobackend expect nobackend 2 '^error: backend: the http backend object does not load' \
	"a missing backend object"

# a field expression that does not compile alone, and one that would run
# into the next (it compiles only inside the module's combined program)
conf badexpr 'backend = http' 'url = https://tickets.example.com/t/{id}' \
	'field_state = .fields.status.name |'
expect badexpr 2 '^error: field: field_state: does not compile' "a field expression with a syntax error"
conf runon 'backend = http' 'url = https://tickets.example.com/t/{id}' \
	'field_purpose = .a) , (.b'
expect runon 2 '^error: field: field_purpose: does not compile' "a field expression that runs into the next"
conf fileexpr 'field_state = .status'
expect fileexpr 2 'field_state is not a JSON Pointer.*expressions need backend = http' \
	"an expression with the file backend"
conf goodexpr 'backend = http' 'url = https://tickets.example.com/t/{id}' \
	'field_approver = [.approvals[] | select(.decision == "approved") | .user.name]' \
	'approved_states = "Ready for Work" Approved'
check goodexpr
assert_no_match 'field' "$OUT" "a valid expression and a quoted state: no finding about them"
note "a valid expression and a quoted state: no finding"

# signed approvals: the keys file must be root's and safe; required needs it
printf 'alice namespaces="nhiacct-ticket" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJAxT73MXqNHpL0scxftWMPVKXwXjYjSnifRGQb8LRZb\n' \
	>"$T/approver_keys"
chmod 0666 "$T/approver_keys"
conf looseKeys "approver_keys = $T/approver_keys" 'signatures = required'
expect looseKeys 2 '^error: approver_keys: .*writable by group or others' "a world-writable approver_keys"
chmod 0644 "$T/approver_keys"
expect looseKeys 0 'host' "approver_keys root's and 0644"
conf nokeys 'signatures = required'
expect nokeys 2 'signatures = required needs approver_keys' "signatures = required without approver_keys"

# ---- the PAM stacks --------------------------------------------------------------
cp "$T/pam.d/cron" "$T/cron.saved"
grep -v pam_nhiacct "$T/cron.saved" >"$T/pam.d/cron"
expect clean 1 "^warning: $T/pam\\.d/cron: a door vendors' code can use is not gated" "an ungated cron"
cp "$T/cron.saved" "$T/pam.d/cron"
cp "$T/pam.d/sshd" "$T/sshd.saved"
printf 'session optional pam_systemd.so\n' >"$T/pam.d/common-session"
{ grep -v 'pam_nhiacct' "$T/sshd.saved"; echo "account required pam_nhiacct.so"
  echo "session required pam_nhiacct.so"; } >"$T/pam.d/sshd"
expect clean 1 "pam_nhiacct's session line comes after pam_systemd \\($T/pam\\.d/common-session:1\\)" \
	"sshd's session line after pam_systemd"
grep -v 'account.*pam_nhiacct' "$T/sshd.saved" >"$T/pam.d/sshd"
expect clean 1 "no 'account required pam_nhiacct.so' line" "sshd without the account line"
cp "$T/sshd.saved" "$T/pam.d/sshd"
: >"$T/pam.d/common-session"
expect clean 0 'host' "back to clean"
# ---- nhiacct check --at: the systemd.time(7) forms --------------------------------
now=$(date +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
cat >"$T/tickets/AT-1.json" <<J
{"id": "AT-1", "state": "approved", "requester": "acme-jdoe", "approver": "alice",
 "scope": {"hosts": ["jump1.example.com"], "accounts": ["vendor1"]},
 "window": {"not_before": "$(iso $((now - 600)))", "not_after": "$(iso $((now + 3600)))"}}
J
chmod 0644 "$T/tickets/AT-1.json"
at() { # WHEN WANT-FIRST-LINE
	local out
	out=$(env NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" LD_PRELOAD=libnss_wrapper.so \
		"$NHIACCT" --conf "$T/clean.conf" check --user vendor1 --at "$1" AT-1 2>&1)
	assert_match "^$2" "$(printf '%s\n' "$out" | head -n1)" "check --at '$1'"
}
at now granted
at "-5min" granted
at "5 min ago" granted
at "-90min" 'denied: not_yet_valid'
at "1h 30min ago" 'denied: not_yet_valid'
at "+2h" 'denied: expired'
at "2h left" 'denied: expired'
at "@$((now + 60))" granted
at "$(date -d "@$((now + 60))" '+%Y-%m-%d %H:%M:%S')" granted
at "$(iso $((now + 60)))" granted
at yesterday 'denied: not_yet_valid'
note "check --at: now, -5min, 5 min ago, -90min, 1h 30min ago, +2h, 2h left, @UNIX, local and RFC 3339 times"
echo "check_config: all passed"
