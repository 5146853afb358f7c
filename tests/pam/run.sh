#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/pam/run.sh BUILD: the module through the real PAM stack (pam_wrapper,
# nss_wrapper, libpamtest), with a private journald to read the records back,
# then once more without any journald for the audit_unavailable refusal.
# Needs root: the module refuses configuration and ticket files that are not
# root-owned, and the private journald needs a mount namespace.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$NHI_TOP/tests/lib/pamenv.sh"

BUILD=$(cd "${1:-build}" && pwd)
MOD=$BUILD/pam_nhiacct.so
BIN=$BUILD/tests/test_pam
[ -x "$BIN" ] && [ -f "$MOD" ] || fail "build first: make $BIN $MOD"
[ "$(id -u)" -eq 0 ] || skip "needs root (root-owned test config and tickets, private journald)"

T=$(mktemp -d /tmp/nhiacct-pam.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T"
mkdir -m 0755 "$T/tickets" "$T/services"
mkdir -m 0700 "$T/run"

cat > "$T/passwd" <<P
root:x:0:0:root:/root:/bin/sh
vendor1:x:20001:20001:Vendor One:/nonexistent:/bin/sh
vendor2:x:20002:20100:Vendor Two:/nonexistent:/bin/sh
vendor3:x:20003:20003:Vendor Three:/nonexistent:/bin/sh
vendor4:x:20004:20004:Vendor Four:/nonexistent:/bin/sh
contractor:x:20005:20005:Contractor:/nonexistent:/bin/sh
staff1:x:20010:20010:Staff:/nonexistent:/bin/sh
carol:x:20020:20020:Carol Approver:/nonexistent:/bin/sh
VENDOR1:x:20001:20001:vendor1 as a case-insensitive service answers:/nonexistent:/bin/sh
VENDOR4:x:20004:20004:the same for vendor4:/nonexistent:/bin/sh
CONTRACTOR:x:20005:20005:contractor the same way:/nonexistent:/bin/sh
P
cat > "$T/group" <<G
root:x:0:
vendors:x:20100:vendor1,vendor3,vendor4
approvers:x:20200:carol
vendor1:x:20001:
vendor3:x:20003:
vendor4:x:20004:
contractor:x:20005:
staff1:x:20010:
carol:x:20020:
G

conf() { # conf FILE [extra lines]: the suites' test configuration, approvers set
	local f=$1; shift
	pamenv_conf "$f" "approvers     = alice @approvers" "$@"
}
conf "$T/nhiacct.conf"
conf "$T/bad.conf" "bogus_key = 1"
conf "$T/loose.conf"; chmod 0664 "$T/loose.conf"
conf "$T/missinggroup.conf"   # one line per key: the group goes into that line
sed -i 's/^vendor_groups = vendors$/vendor_groups = vendors no-such-group/' "$T/missinggroup.conf"

svc() { # svc NAME CONF [account args]
	local name=$1 c=$2; shift 2
	cat > "$T/services/$name" <<S
auth     optional  $MOD conf=$c
auth     required  pam_permit.so
account  required  $MOD conf=$c $*
account  required  pam_permit.so
session  required  pam_permit.so
S
}
svc nhiacct "$T/nhiacct.conf"
svc nhiacct_args "$T/nhiacct.conf" max_window=1h
svc nhiacct_badconf "$T/bad.conf"
svc nhiacct_looseconf "$T/loose.conf"
svc nhiacct_missinggroup "$T/missinggroup.conf"
cat > "$T/services/nhiacct_session" <<S
auth     optional  $MOD conf=$T/nhiacct.conf
auth     required  pam_permit.so
account  required  $MOD conf=$T/nhiacct.conf
session  required  $MOD conf=$T/nhiacct.conf
S
svc nhiacct_besteffort "$T/nhiacct.conf" audit=best-effort
svc nhiacct_http "$T/nhiacct.conf" backend=http 'url=https://127.0.0.1:9/tickets/{id}' timeout=2s
for c in nhiacct bad missinggroup; do
	n=nhiacct_probe; [ $c = bad ] && n=nhiacct_probe_badconf
	[ $c = missinggroup ] && n=nhiacct_probe_missinggroup
	cat > "$T/services/$n" <<S
account  [ignore=1 success=ok default=die]  $MOD conf=$T/$c.conf
account  required  pam_deny.so
account  required  pam_permit.so
S
done
cat > "$T/services/nhiacct_auth" <<S
auth  [success=done ignore=ignore default=die]  $MOD conf=$T/nhiacct.conf
auth  required  pam_deny.so
S
cat > "$T/services/nhiacct_auth_noprompt" <<S
auth  [success=done ignore=ignore default=die]  $MOD conf=$T/nhiacct.conf prompt=no
auth  required  pam_deny.so
S
cat > "$T/services/other" <<S
auth     required  pam_deny.so
account  required  pam_deny.so
session  required  pam_deny.so
S

# pam_wrapper and nss_wrapper are preloaded into the test binary only (not
# into with-journald.sh, unshare, mount or journald: pam_wrapper makes a
# /tmp/pam.X folder in every process it is loaded into, of 62 names), by
# pamenv_run with this suite's own T/passwd, T/group and T/services.
wrapped() { pamenv_run env NHI_T="$T" "$@"; }

rc=0
note "with a private journald: every path, records read back"
"$NHI_TOP/tests/lib/with-journald.sh" env T="$T" BUILD="$BUILD" BIN="$BIN" NHI_TEST_JOURNAL=1 \
	bash -c "$(declare -f pamenv_run wrapped); wrapped \"\$BIN\"" || rc=1
note "a name service that fails (group file unreadable): refused, root let through"
"$NHI_TOP/tests/lib/with-journald.sh" env T="$T" BUILD="$BUILD" BIN="$BIN" NHI_TEST_JOURNAL=1 \
	NHI_TEST_MODE=nssfail bash -c "$(declare -f pamenv_run wrapped); wrapped env NSS_WRAPPER_GROUP=\$T \"\$BIN\"" ||
	rc=1
note "without a journald: audit = required refuses"
"$NHI_TOP/tests/lib/with-journald.sh" --no-journald env T="$T" BUILD="$BUILD" BIN="$BIN" \
	NHI_TEST_MODE=nojournal bash -c "$(declare -f pamenv_run wrapped); wrapped \"\$BIN\"" || rc=1
exit $rc
