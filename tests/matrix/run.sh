#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/matrix/run.sh BUILD: the failure matrix of issue 7.  Every hostile
# input and broken setup goes through the real PAM stack (pam_wrapper,
# nss_wrapper, BUILD/pam_nhiacct.so, driver BUILD/tests/pamrun) with a
# private journald, and must end in a refusal with the right reason code in
# what the vendor is told AND in a `deny` journal record (matched by
# PAM_RHOST, which each case sets to its own name).  Journal loss (no
# socket, journald killed before account or before open_session, a stale
# socket) must end in the audit_unavailable refusal; an unusable state_dir
# (loose mode, other owner, read-only, symlink, a file, no parent) in a
# refused session (PAM_SESSION_ERR; the module writes no record for it),
# with nothing left in state_dir.  Text from tickets (ESC [ 2 J, OSC 52,
# BEL, CR, LF, the C1 CSI U+009B) must reach the vendor and MESSAGE escaped,
# and the NHIACCT_* fields intact.  Sections: 1 configuration, 2 ticket
# storage, 3 ids, 4 JSON documents, 5 control characters, 6 no journal,
# 7 state_dir, 8 journal lost in mid-login.
#
# What cannot be tested: a NUL byte inside a ticket id.  Ids reach the module
# as C strings (the PAM conversation's answer, pam_putenv/pam_getenv), so a
# NUL ends the id: "CHG-1\0x" arrives as "CHG-1".  The cases below cover what
# can arrive: control bytes, '/', '..', blanks, length, a leading dot.
#
# Needs root (root-owned files, a private mount namespace).  Exit 0 pass,
# 1 fail, 77 skipped.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"
[ $# -eq 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || skip "needs root (root-owned test files, private journald)"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"

make -s -C "$NHI_TOP" --no-print-directory BUILD="$1" all "$1/tests/pamrun" >/dev/null ||
	fail "cannot build $1/tests/pamrun"
pamenv_init "$1" 4
PAMRUN=$BUILD/tests/pamrun
OUT=$T/out
mkdir -p "$OUT"

failures=

# ---- helpers ---------------------------------------------------------------

# bad CASE WHY: records a failed assertion (the suite goes on).
bad() {
	echo "FAIL [$1]: $2"
	case " $failures " in *" $1 "*) ;; *) failures="$failures $1" ;; esac
}

# login CASE SERVICE USER PHASES [pamrun options]: one login; the result
# (pamrun's JSON) in OUT/CASE.json.  PAM_RHOST is the case name.
login() {
	local c=$1 svc=$2 user=$3 phases=$4
	shift 4
	pamenv_run "$PAMRUN" -r "$c" "$@" "$svc" "$user" "$phases" >"$OUT/$c.json" 2>"$OUT/$c.err"
	[ -s "$OUT/$c.json" ] || bad "$c" "pamrun printed nothing: $(cat "$OUT/$c.err")"
}

r() { jq -r "$2" "$OUT/$1.json" 2>/dev/null; }

# The vendor's lines: no raw control byte, valid UTF-8.
check_msgs_clean() {
	[ "$(r "$1" .control_in_msgs)" = false ] ||
		bad "$1" "a message to the vendor holds a raw control character: $(r "$1" .msgs)"
	[ "$(r "$1" .invalid_utf8_in_msgs)" = false ] ||
		bad "$1" "a message to the vendor is not valid UTF-8: $(r "$1" .msgs)"
}

# A journal record's MESSAGE: a plain string without control characters
# (journalctl prints a field with unprintable bytes as an array of numbers).
check_message_clean() { # CASE RECORDS
	local n
	n=$(printf '%s\n' "$2" | jq -s '[.[] | select((.MESSAGE | type) != "string" or
		(.MESSAGE | explode | any(. < 32 or (. >= 127 and . < 160))))] | length')
	[ "$n" = 0 ] || bad "$1" "MESSAGE with control characters: $(printf '%s\n' "$2" |
		jq -c 'select((.MESSAGE | type) != "string") | .MESSAGE | implode')"
}

# expect_deny CASE REASON [PHASE]: PHASE (default account) was refused with
# PAM_PERM_DENIED, the vendor was told "(REASON)", and a deny record of this
# case carries NHIACCT_REASON=REASON.
expect_deny() {
	local c=$1 reason=$2 phase=${3:-account} rec
	[ "$(r "$c" ".$phase.name")" = PAM_PERM_DENIED ] ||
		bad "$c" "$phase: want PAM_PERM_DENIED, got $(r "$c" ".$phase.name // \"not run\"")"
	r "$c" '.msgs[] | select(.style == "error") | .text' | grep -qF "access refused ($reason)" ||
		bad "$c" "the vendor was not told ($reason): $(r "$c" .msgs)"
	check_msgs_clean "$c"
	if ! rec=$(jwait NHIACCT_RHOST="$c" NHIACCT_EVENT=deny 1 5 2>&1); then
		bad "$c" "no deny record: $rec"
		return
	fi
	[ "$(printf '%s\n' "$rec" | jq -r .NHIACCT_REASON | sort -u)" = "$reason" ] ||
		bad "$c" "deny record reason: want $reason, got $(printf '%s\n' "$rec" | jq -r .NHIACCT_REASON | sort -u | tr '\n' ' ')"
	check_message_clean "$c" "$rec"
	[ "$reason" = config_error ] && [ "$(printf '%s\n' "$rec" | jq -r .PRIORITY | sort -u)" != 3 ] &&
		bad "$c" "a config_error record should have PRIORITY 3: $(printf '%s\n' "$rec" | jq -r .PRIORITY)"
	return 0
}

# A deny record must never carry an id that breaks the syntax.
expect_no_ticket_field() {
	local rec
	rec=$(jwait NHIACCT_RHOST="$1" NHIACCT_EVENT=deny 1 5 2>/dev/null)
	[ "$(printf '%s\n' "$rec" | jq -r '.NHIACCT_TICKET // "absent"' | sort -u)" = absent ] ||
		bad "$1" "a bad id was written to the journal: $(printf '%s\n' "$rec" | jq -c .NHIACCT_TICKET)"
}

# bytes FIELD-VALUE-AS-PRINTF-FORMAT: the JSON array of its bytes, as
# journalctl -o json shows a field with unprintable bytes.
bytes() { printf "$1" | od -An -tu1 -v | tr -s ' \n' ' ' | jq -Rc 'split(" ") | map(select(. != "") | tonumber)'; }

# expect_field CASE EVENT FIELD PRINTF-FORMAT: the field is stored intact.
expect_field() {
	local rec got want
	rec=$(jwait NHIACCT_RHOST="$1" NHIACCT_EVENT="$2" 1 5 2>/dev/null | tail -n1)
	want=$(bytes "$4")
	got=$(printf '%s\n' "$rec" | jq -c --arg f "$3" '.[$f] | if type == "string" then explode else . end')
	[ "$got" = "$want" ] || bad "$1" "$3 not kept intact in the $2 record: want $want, got $got"
}

conf_svc() { # NAME [conf lines...]: its own config and service
	local n=$1
	shift
	pamenv_conf "$T/$n.conf" "$@"
	pamenv_svc "$n" "$T/$n.conf"
}

pamenv_conf "$T/good.conf"
pamenv_svc good "$T/good.conf"
pamenv_ticket CHG-1042
pamenv_ticket CHG-1043 '.approver = "carol"'

# ---- 0. the setup works: a plain grant ---------------------------------------
note "baseline: a valid ticket opens and closes a session"
login baseline good vendor1 auth,account,open,close -a CHG-1042
for p in auth account open close; do
	[ "$(r baseline ".$p.name")" = PAM_SUCCESS ] ||
		bad baseline "$p: want PAM_SUCCESS, got $(r baseline ".$p.name // \"not run\"")"
done
for ev in grant open close; do
	jwait NHIACCT_RHOST=baseline NHIACCT_EVENT=$ev >/dev/null || bad baseline "no $ev record"
done
if [ -n "$failures" ]; then
	jdump
	fail "the baseline login fails: the setup is broken, the matrix would prove nothing"
fi

# ---- 1. configuration --------------------------------------------------------
note "configuration: unsafe, missing, invalid -> config_error"
conf_svc conf-group-writable; chmod 0664 "$T/conf-group-writable.conf"
conf_svc conf-world-writable; chmod 0646 "$T/conf-world-writable.conf"
conf_svc conf-other-owner; chown 65534:65534 "$T/conf-other-owner.conf"
pamenv_svc conf-missing "$T/no-such.conf"
conf_svc conf-unknown-key "bogus_key = 1"
conf_svc conf-bad-value "max_window = forever"
conf_svc conf-nul-byte; printf 'approvers = alice\0 bob\n' >>"$T/conf-nul-byte.conf"
conf_svc conf-http-no-url "backend = http"
pamenv_svc conf-bad-argument "$T/good.conf" no_such_key=1
for c in conf-group-writable conf-world-writable conf-other-owner conf-missing \
	 conf-unknown-key conf-bad-value conf-nul-byte conf-http-no-url conf-bad-argument; do
	login "$c" "$c" vendor1 auth,account -a CHG-1042
	expect_deny "$c" config_error
done
# Who is a vendor is part of the configuration: a bad one refuses everyone.
login conf-bad-nonvendor conf-unknown-key staff1 account
expect_deny conf-bad-nonvendor config_error

# ---- 2. the ticket folder and files -------------------------------------------
note "ticket storage: unsafe folder or file, symlink, fifo -> config_error"
mkdir -m 0755 "$T/t-ow" "$T/t-gw" "$T/t-owner" "$T/elsewhere"
for d in t-ow t-gw t-owner; do pamenv_ticket CHG-1042 . "$T/$d"; done
chmod 0757 "$T/t-ow"; chmod 0775 "$T/t-gw"; chown 65534 "$T/t-owner"
pamenv_svc tickets-other-writable "$T/good.conf" "ticket_dir=$T/t-ow"
pamenv_svc tickets-group-writable "$T/good.conf" "ticket_dir=$T/t-gw"
pamenv_svc tickets-other-owner "$T/good.conf" "ticket_dir=$T/t-owner"
pamenv_svc tickets-missing "$T/good.conf" "ticket_dir=$T/no-such-dir"
pamenv_ticket REAL-1 . "$T/elsewhere"
ln -s "$T/elsewhere/REAL-1.json" "$T/tickets/LINK-1.json"
pamenv_ticket GW-1; chmod 0664 "$T/tickets/GW-1.json"
pamenv_ticket OWN-1; chown 65534 "$T/tickets/OWN-1.json"
mkfifo -m 0644 "$T/tickets/FIFO-1.json"
for c in tickets-other-writable tickets-group-writable tickets-other-owner tickets-missing; do
	login "$c" "$c" vendor1 auth,account -a CHG-1042
	expect_deny "$c" config_error
done
# backend_file.c: a symlink is refused (O_NOFOLLOW -> ELOOP -> -EPERM), as
# are files others may write and anything not a regular file: config_error.
login ticket-symlink good vendor1 auth,account -a LINK-1
expect_deny ticket-symlink config_error
login ticket-group-writable good vendor1 auth,account -a GW-1
expect_deny ticket-group-writable config_error
login ticket-other-owner good vendor1 auth,account -a OWN-1
expect_deny ticket-other-owner config_error
login ticket-fifo good vendor1 auth,account -a FIFO-1
expect_deny ticket-fifo config_error
# a symlinked ticket must also be invisible to lookup (no id presented)
login ticket-symlink-lookup good vendor2 account -e NHIACCT_TICKET=
[ "$(r ticket-symlink-lookup .account.name)" = PAM_SUCCESS ] &&
	[ "$(r ticket-symlink-lookup .ticket)" = LINK-1 ] &&
	bad ticket-symlink-lookup "lookup chose the symlinked ticket"

# ---- 3. ticket ids -----------------------------------------------------------
note "ticket ids: path characters, blanks, length, leading dot -> bad_ticket_id"
long64=$(printf 'A%.0s' $(seq 64))
long65=$(printf 'A%.0s' $(seq 65))
esc=$(printf 'CHG\033[2J\033]52;c;eA==\007')
id_case() { # CASE ID
	login "$1-env" good vendor1 account -e "NHIACCT_TICKET=$2"
	expect_deny "$1-env" bad_ticket_id
	expect_no_ticket_field "$1-env"
	login "$1-prompt" good vendor1 auth,account -a "$2"
	expect_deny "$1-prompt" bad_ticket_id
	expect_no_ticket_field "$1-prompt"
}
id_case id-dotdot "../tickets/CHG-1042"
id_case id-dotdot-only ".."
id_case id-slash "tickets/CHG-1042"
id_case id-absolute "/etc/passwd"
id_case id-65-chars "$long65"
id_case id-leading-dot ".CHG-1042"
id_case id-control "$esc"
id_case id-utf8 "CHG-1042é"
# Blanks: through the environment an id with a blank is refused.  The prompt
# answer is cut at the first blank (pam_nhiacct.c), so "CHG-1042 x" would be
# CHG-1042 and "NOPE 1" is NOPE: refused as not_found, not bad_ticket_id.
login id-space-env good vendor1 account -e "NHIACCT_TICKET=CHG 1042"
expect_deny id-space-env bad_ticket_id
login id-tab-env good vendor1 account -e "NHIACCT_TICKET=$(printf 'CHG\t1042')"
expect_deny id-tab-env bad_ticket_id
login id-space-prompt good vendor1 auth,account -a "NOPE 1042"
case $(r id-space-prompt '.msgs[] | select(.style == "error") | .text') in
*"(bad_ticket_id)"* | *"(not_found)"*) ;;
*) bad id-space-prompt "want a bad_ticket_id or not_found refusal: $(r id-space-prompt .msgs)" ;;
esac
# 64 characters are still an id: looked up, not found
login id-64-chars good vendor1 account -e "NHIACCT_TICKET=$long64"
expect_deny id-64-chars not_found

# ---- 4. hostile JSON ------------------------------------------------------------
note "ticket documents: depth, duplicates, types, ranges, times -> malformed"
# raw NAME TEXT: a ticket file with exactly this content
raw() { printf '%s\n' "$2" >"$T/tickets/$1.json"; chmod 0644 "$T/tickets/$1.json"; }
base=$(jq -c . "$T/tickets/CHG-1042.json")
deep=$(printf '[%.0s' $(seq 10000))$(printf ']%.0s' $(seq 10000))
raw DEEP-1 "$(printf '%s' "$base" | sed 's/^{/{"x":'"$deep"',/; s/CHG-1042/DEEP-1/')"
raw DUP-1 "$(printf '%s' "$base" | sed 's/^{/{"state":"pending",/; s/CHG-1042/DUP-1/')"
raw DUPID-1 "$(printf '%s' "$base" | sed 's/^{/{"id":"CHG-1043",/; s/CHG-1042/DUPID-1/')"
raw NOTJSON-1 '{"id": "NOTJSON-1", "state": approved}'
raw EMPTY-1 ''
raw ARRAY-1 '[{"id": "ARRAY-1"}]'
raw STRING-1 '"ARRAY-1"'
raw BIGNUM-1 "$(printf '%s' "$base" | jq -c '.id = "BIGNUM-1"' | sed 's/"not_after":"[^"]*"/"not_after":1e400/')"
raw BIGINT-1 "$(printf '%s' "$base" | jq -c '.id = "BIGINT-1"' | sed 's/"not_after":"[^"]*"/"not_after":99999999999999999999/')"
pamenv_ticket TYPE-STATE '.state = 1'
pamenv_ticket TYPE-APPROVER '.approver = {"name": "alice"}'
pamenv_ticket TYPE-HOSTS '.scope.hosts = {"jump1.example.com": true}'
pamenv_ticket TYPE-ACCOUNTS '.scope.accounts = [20001]'
pamenv_ticket TYPE-NOTAFTER '.window.not_after = true'
pamenv_ticket TYPE-ID '.id = 1042'
pamenv_ticket RANGE-NEG '.window.not_after = -1'
pamenv_ticket RANGE-10000 '.window.not_after = 253402300800'
pamenv_ticket RANGE-FLOAT '.window.not_after = ($now + 60.5)'
pamenv_ticket TIME-1969 '.window.not_before = "1969-12-31T23:59:59Z"'
pamenv_ticket TIME-YEAR-10000 '.window.not_after = "10000-01-01T00:00:00Z"'
pamenv_ticket TIME-PAST-9999 '.window.not_after = "9999-12-31T23:59:59-01:00"'
pamenv_ticket TIME-NO-OFFSET '.window.not_after = "2030-01-01T00:00:00"'
pamenv_ticket TIME-FEB30 '.window.not_after = "2030-02-30T00:00:00Z"'
pamenv_ticket WINDOW-BACKWARDS '.window.not_before = (($now + 3600) | todate) | .window.not_after = (($now + 60) | todate)'
pamenv_ticket LONG-STATE ".state = \"$(printf 'a%.0s' $(seq 300))\""
pamenv_ticket MANY-HOSTS '.scope.hosts = [range(300) | "h\(.)"]'
pamenv_ticket NUL-APPROVER '.approver = "alice\u0000bob"'
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/tickets/HUGE-1.json"; chmod 0644 "$T/tickets/HUGE-1.json"
for id in DEEP-1 DUP-1 DUPID-1 NOTJSON-1 EMPTY-1 ARRAY-1 STRING-1 BIGNUM-1 BIGINT-1 \
	  TYPE-STATE TYPE-APPROVER TYPE-HOSTS TYPE-ACCOUNTS TYPE-NOTAFTER TYPE-ID \
	  RANGE-NEG RANGE-10000 RANGE-FLOAT TIME-1969 TIME-YEAR-10000 TIME-PAST-9999 \
	  TIME-NO-OFFSET TIME-FEB30 WINDOW-BACKWARDS LONG-STATE MANY-HOSTS NUL-APPROVER HUGE-1; do
	c=json-$(echo "$id" | tr 'A-Z' 'a-z')
	login "$c" good vendor1 account -e "NHIACCT_TICKET=$id"
	expect_deny "$c" malformed
done
# Year 2100 is a valid time: the ticket is refused for its length, not its form.
pamenv_ticket TIME-2100 '.window.not_after = "2100-01-01T00:00:00Z"'
login json-time-2100 good vendor1 account -e NHIACCT_TICKET=TIME-2100
expect_deny json-time-2100 window_too_long
pamenv_ticket TIME-2100-START '.window.not_before = "2100-01-01T00:00:00Z" | .window.not_after = "2100-01-01T01:00:00Z"'
login json-time-2100-start good vendor1 account -e NHIACCT_TICKET=TIME-2100-START
expect_deny json-time-2100-start not_yet_valid
# Lookup (no id) skips malformed documents: none of the above may be chosen.
pamenv_conf "$T/lookup.conf"
pamenv_svc lookup "$T/lookup.conf"
login json-lookup-vendor3 lookup vendor3 account
case $(r json-lookup-vendor3 .ticket) in
CHG-1042 | CHG-1043) ;;
*) bad json-lookup-vendor3 "lookup chose $(r json-lookup-vendor3 .ticket)" ;;
esac

# ---- 5. control characters in ticket text ------------------------------------------
note "escape sequences in purpose, requester, approver: escaped for people, intact in fields"
APPROVER_F='alice\033[2J\033]52;c;cHduZWQ=\007\nX'
REQUESTER_F='acme\033[31m\rjdoe'
PURPOSE_F='fix\n\033]0;owned\007\302\2332J\tend'
pamenv_ticket CTRL-1 '.approver = "alice\u001b[2J\u001b]52;c;cHduZWQ=\u0007\nX" |
	.requester = "acme\u001b[31m\rjdoe" | .purpose = "fix\n\u001b]0;owned\u0007\u009b2J\tend"'
login ctrl-grant good vendor1 auth,account,open,close -a CTRL-1
[ "$(r ctrl-grant .account.name)" = PAM_SUCCESS ] ||
	bad ctrl-grant "want a grant, got $(r ctrl-grant .account.name) $(r ctrl-grant .msgs)"
check_msgs_clean ctrl-grant
r ctrl-grant '.msgs[] | select(.style == "info") | .text' | grep -qF 'alice\x1b[2J\x1b]52;c;cHduZWQ=\x07\nX' ||
	bad ctrl-grant "the vendor was not shown the approver escaped: $(r ctrl-grant .msgs)"
for ev in grant open close; do
	rec=$(jwait NHIACCT_RHOST=ctrl-grant NHIACCT_EVENT=$ev 2>&1) || bad ctrl-grant "no $ev record"
	check_message_clean ctrl-grant "$rec"
done
printf '%s\n' "$(jwait NHIACCT_RHOST=ctrl-grant NHIACCT_EVENT=grant 2>/dev/null)" | jq -r .MESSAGE |
	grep -qF 'alice\x1b[2J' || bad ctrl-grant "MESSAGE does not show the approver escaped"
expect_field ctrl-grant grant NHIACCT_APPROVER "$APPROVER_F"
expect_field ctrl-grant grant NHIACCT_REQUESTER "$REQUESTER_F"
expect_field ctrl-grant grant NHIACCT_PURPOSE "$PURPOSE_F"
expect_field ctrl-grant open NHIACCT_APPROVER "$APPROVER_F"
# A refused ticket with the same text: same rules for the deny record.
pamenv_ticket CTRL-2 '.approver = "alice\u001b[2J\u009b1m" | .state = "pending\u001b[5m" |
	.requester = "acme\u001b[31m\rjdoe" | .purpose = "fix\n\u001b]0;owned\u0007\u009b2J\tend"'
login ctrl-deny good vendor1 auth,account -a CTRL-2
expect_deny ctrl-deny not_approved
expect_field ctrl-deny deny NHIACCT_APPROVER 'alice\033[2J\302\2331m'
expect_field ctrl-deny deny NHIACCT_PURPOSE "$PURPOSE_F"
# A C1 control (U+009B, the 8-bit CSI) in the approver shown on grant.
pamenv_ticket CTRL-C1 '.approver = "alice\u009b2J"'
login ctrl-c1-grant good vendor1 auth,account -a CTRL-C1
[ "$(r ctrl-c1-grant .account.name)" = PAM_SUCCESS ] ||
	bad ctrl-c1-grant "want a grant, got $(r ctrl-c1-grant .account.name)"
check_msgs_clean ctrl-c1-grant
rec=$(jwait NHIACCT_RHOST=ctrl-c1-grant NHIACCT_EVENT=grant 2>&1) && check_message_clean ctrl-c1-grant "$rec"
# PAM_RHOST (a reverse-DNS name under sshd's UseDNS) is escaped too.
pamenv_run "$PAMRUN" -r "$(printf 'evil\033[2J.example')" -a NOPE-1 good vendor4 auth,account \
	>"$OUT/rhost-control.json" 2>/dev/null
expect_field_user() { # EVENT USER FIELD PRINTF-FORMAT
	local rec
	rec=$(jwait NHIACCT_USER="$2" NHIACCT_EVENT="$1" 2>/dev/null | tail -n1)
	[ "$(printf '%s\n' "$rec" | jq -c --arg f "$3" '.[$f]')" = "$(bytes "$4")" ] ||
		bad rhost-control "$3 not kept intact: $(printf '%s\n' "$rec" | jq -c --arg f "$3" '.[$f]')"
	check_message_clean rhost-control "$rec"
}
expect_field_user deny vendor4 NHIACCT_RHOST 'evil\033[2J.example'
check_msgs_clean rhost-control

# ---- 6. no journal -----------------------------------------------------------------
note "no journald: audit = required refuses with audit_unavailable"
nojournal() { "$NHI_TOP/tests/lib/with-journald.sh" --no-journald "$@"; }
nojournal bash -c "$(declare -f pamenv_run); T=$T BUILD=$BUILD; pamenv_run \"\$@\"" _ \
	"$PAMRUN" -r nojournal -a CHG-1042 good vendor1 auth,account,open,close >"$OUT/nojournal.json"
[ "$(r nojournal .account.name)" = PAM_PERM_DENIED ] ||
	bad nojournal "account: want PAM_PERM_DENIED, got $(r nojournal .account.name)"
r nojournal '.msgs[] | select(.style == "error") | .text' | grep -qF "access refused (audit_unavailable)" ||
	bad nojournal "the vendor was not told (audit_unavailable): $(r nojournal .msgs)"
[ "$(r nojournal '.open // "not run"')" = "not run" ] || bad nojournal "a session was opened"
# A refusal without a journal still refuses, for its own reason.
nojournal bash -c "$(declare -f pamenv_run); T=$T BUILD=$BUILD; pamenv_run \"\$@\"" _ \
	"$PAMRUN" -r nojournal-deny -a NOPE-1 good vendor1 auth,account >"$OUT/nojournal-deny.json"
[ "$(r nojournal-deny .account.name)" = PAM_PERM_DENIED ] ||
	bad nojournal-deny "account: want PAM_PERM_DENIED, got $(r nojournal-deny .account.name)"
# best-effort: the login goes on; at close its record stays, closed (held to
# the window for what the vendor left running), and none stays open
pamenv_svc besteffort "$T/good.conf" audit=best-effort
nojournal bash -c "$(declare -f pamenv_run); T=$T BUILD=$BUILD; pamenv_run \"\$@\"" _ \
	"$PAMRUN" -r nojournal-besteffort -a CHG-1042 besteffort vendor1 auth,account,open,close \
	>"$OUT/nojournal-besteffort.json"
for p in account open close; do
	[ "$(r nojournal-besteffort ".$p.name")" = PAM_SUCCESS ] ||
		bad nojournal-besteffort "$p: want PAM_SUCCESS (audit = best-effort), got $(r nojournal-besteffort ".$p.name // \"not run\"")"
done
[ -z "$(ls -A "$T/run" | grep -v '\.closed$')" ] ||
	bad nojournal "open session records left in state_dir: $(ls -A "$T/run")"
[ -n "$(grep -l '"rhost":"nojournal-besteffort"' "$T"/run/*.closed 2>/dev/null)" ] ||
	bad nojournal "the closed session's record is not held to its window"

# ---- 7. state_dir ------------------------------------------------------------------
note "state_dir unusable: the session is refused and leaves nothing behind"
mkdir -m 0755 "$T/run-loose"
mkdir -m 0700 "$T/run-owner" "$T/run-ro" "$T/run-target"
chown 65534 "$T/run-owner"
ln -s "$T/run-target" "$T/run-link"
mount --bind "$T/run-ro" "$T/run-ro" && mount -o remount,bind,ro "$T/run-ro" ||
	bad state-dir-readonly "cannot make a read-only bind mount"
: >"$T/run-file"
state_case() { # CASE DIR
	pamenv_svc "$1" "$T/good.conf" "state_dir=$2"
	login "$1" "$1" vendor1 auth,account,open,close -a CHG-1042
	[ "$(r "$1" .account.name)" = PAM_SUCCESS ] ||
		bad "$1" "account: want PAM_SUCCESS, got $(r "$1" .account.name)"
	[ "$(r "$1" .open.name)" = PAM_SESSION_ERR ] ||
		bad "$1" "open_session: want PAM_SESSION_ERR, got $(r "$1" '.open.name // "not run"')"
	r "$1" '.msgs[] | select(.style == "error") | .text' | grep -qF "access refused (config_error)" ||
		bad "$1" "the vendor was not told: $(r "$1" .msgs)"
	check_msgs_clean "$1"
	jnone NHIACCT_RHOST="$1" NHIACCT_EVENT=open 0.2 2>/dev/null || bad "$1" "an open record was written"
	jwait NHIACCT_RHOST="$1" NHIACCT_EVENT=deny NHIACCT_REASON=config_error PRIORITY=3 >/dev/null 2>&1 ||
		bad "$1" "no deny record (config_error) for the refused session"
}
state_case state-dir-loose "$T/run-loose"
state_case state-dir-other-owner "$T/run-owner"
state_case state-dir-readonly "$T/run-ro"
state_case state-dir-symlink "$T/run-link"
state_case state-dir-is-a-file "$T/run-file"
state_case state-dir-no-parent "$T/no-such/run"
for d in run-loose run-owner run-ro run-target; do
	[ -z "$(ls -A "$T/$d")" ] || bad "state-dir" "$d holds files: $(ls -A "$T/$d")"
done
umount "$T/run-ro" 2>/dev/null
# A missing state_dir (with an existing parent) is created 0700.
pamenv_svc state-dir-created "$T/good.conf" "state_dir=$T/run-new"
login state-dir-created state-dir-created vendor1 auth,account,open,close -a CHG-1042
[ "$(r state-dir-created .close.name)" = PAM_SUCCESS ] ||
	bad state-dir-created "want a full session, got $(cat "$OUT/state-dir-created.json")"
[ "$(stat -c %a "$T/run-new" 2>/dev/null)" = 700 ] ||
	bad state-dir-created "state_dir created with mode $(stat -c %a "$T/run-new" 2>/dev/null)"

# ---- every record of the run: MESSAGE clean ------------------------------------------
all=$(jwait SYSLOG_IDENTIFIER=pam_nhiacct 1 5 2>/dev/null)
check_message_clean all-records "$all"
note "$(printf '%s\n' "$all" | wc -l) records written by the module in this run"

# ---- 8. the journal goes away in mid-login (last: it ends this journal) -----
note "journald killed in mid-login: audit_unavailable; then a stale socket"
# The private journald is killed just before open_session: its socket file
# stays and sd_journal_send gets ECONNREFUSED (shared/testing.md: the stale
# socket of a machine without journald).
login journal-lost-before-open good vendor1 auth,account,open,close -a CHG-1042 \
	-k "open:$NHI_JOURNALD_PID"
[ "$(r journal-lost-before-open .account.name)" = PAM_SUCCESS ] ||
	bad journal-lost-before-open "account: want PAM_SUCCESS, got $(r journal-lost-before-open .account.name)"
[ "$(r journal-lost-before-open .open.name)" = PAM_SESSION_ERR ] ||
	bad journal-lost-before-open "open_session: want PAM_SESSION_ERR, got $(r journal-lost-before-open '.open.name // "not run"')"
r journal-lost-before-open '.msgs[] | select(.style == "error") | .text' | grep -qF "(audit_unavailable)" ||
	bad journal-lost-before-open "the vendor was not told (audit_unavailable): $(r journal-lost-before-open .msgs)"
[ -z "$(grep -l '"rhost":"journal-lost-before-open"' "$T"/run/* 2>/dev/null)" ] ||
	bad journal-lost-before-open "the refused session left its record in state_dir: $(ls -A "$T/run")"
login journal-stale-socket good vendor1 auth,account -a CHG-1042
[ "$(r journal-stale-socket .account.name)" = PAM_PERM_DENIED ] ||
	bad journal-stale-socket "account: want PAM_PERM_DENIED, got $(r journal-stale-socket .account.name)"
r journal-stale-socket '.msgs[] | select(.style == "error") | .text' |
	grep -qF "access refused (audit_unavailable)" ||
	bad journal-stale-socket "the vendor was not told (audit_unavailable): $(r journal-stale-socket .msgs)"

cases=$(ls "$OUT"/*.json | wc -l)
nfail=$(echo $failures | wc -w)
if [ "$nfail" -gt 0 ]; then
	echo "matrix: $nfail of $cases cases failed:$failures"
	exit 1
fi
echo "matrix: all $cases cases passed"
exit 0
