#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_shipped_examples.sh BUILD: a real sshd on 127.0.0.1 set up
# from the files we ship, not from private copies that could drift:
# conf/nhiacct.conf (plus the keys a site sets), conf/pam.d/sshd.example with
# Debian's common-* files, and conf/sshd_config.d/nhiacct.conf.example in
# both variants: A (public key, ticket by lookup) and B (public key, then the
# ticket prompt over keyboard-interactive).
set -u
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
. "$NHI_TOP/tests/lib/journal.sh"
. "$NHI_TOP/tests/lib/sshd.sh"
BUILD=$(cd "${1:-build}" && pwd)
MOD=$BUILD/pam_nhiacct.so
[ -f /etc/pam.d/common-auth ] || skip "no Debian common-* PAM files on this machine"

T=$(mktemp -d /tmp/nhiacct-e2e-ex.XXXXXX)
trap 'sshd_stop "$T"; rm -rf "$T"' EXIT
sshd_setup "$T" || exit $?
mkdir -m 0700 "$T/tickets" "$T/run"

# The shipped configuration, as an administrator completes it.
cp "$NHI_TOP/conf/nhiacct.conf" "$T/nhiacct.conf"
cat >> "$T/nhiacct.conf" <<C
vendor_groups = vendors
host = jump1.example.com
ticket_dir = $T/tickets
state_dir = $T/run
C
chmod 0644 "$T/nhiacct.conf"

# The shipped pam.d file, the module named by its absolute path.
sed "s|pam_nhiacct\\.so|$MOD conf=$T/nhiacct.conf|" "$NHI_TOP/conf/pam.d/sshd.example" |
	sshd_pam "$T"
grep -c "$MOD" "$T/pam.d/sshd-nhiacct" | grep -qx 3 || fail "the example has not 3 pam_nhiacct lines"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now=$(date +%s)
ticket() { # id account
	cat > "$T/tickets/$1.json" <<J
{"id": "$1", "state": "approved", "requester": "acme-jdoe", "approver": "alice",
 "scope": {"hosts": ["jump1.example.com"], "accounts": ["$2"]},
 "window": {"not_before": "$(iso $((now - 60)))", "not_after": "$(iso $((now + 3600)))"},
 "purpose": "e2e with the shipped examples"}
J
}
ticket CHG-E2E-A vendor1
ticket CHG-E2E-B vendor1

# Variant A: the example's active lines only.
grep -v '^[[:space:]]*#' "$NHI_TOP/conf/sshd_config.d/nhiacct.conf.example" | grep -v '^[[:space:]]*$' |
	while read -r line; do sshd_config_add "$T" "$line"; done
sshd_start "$T" || fail "sshd (variant A) did not start"

ssh_run "$T" vendor1 echo inside || :
assert_eq 0 "$SSH_RC" "variant A: vendor1 with a ticket (exit code; stderr: $SSH_ERR)"
assert_eq inside "$SSH_OUT" "variant A: vendor1's command"
assert_match 'nhiacct: access granted: ticket CHG-E2E-A approved by alice' "$SSH_ERR" "variant A: vendor1 is told"
jwait NHIACCT_EVENT=grant NHIACCT_USER=vendor1 NHIACCT_TICKET=CHG-E2E-A >/dev/null || fail "variant A: no grant record"
note "variant A: a vendor with a public key is granted by lookup, and told so"

ssh_run "$T" vendor2 echo inside || :
assert_eq 255 "$SSH_RC" "variant A: vendor2 without a ticket"
assert_match 'nhiacct: access refused \(no_ticket\)' "$SSH_ERR" "variant A: vendor2 sees why"
jwait NHIACCT_EVENT=deny NHIACCT_USER=vendor2 NHIACCT_REASON=no_ticket >/dev/null || fail "variant A: no deny record"
note "variant A: a vendor without a ticket is refused, with one line saying why"

ssh_run "$T" staff1 echo inside || :
assert_eq 0 "$SSH_RC" "variant A: staff1 (not a vendor)"
assert_no_match 'nhiacct' "$SSH_ERR" "variant A: staff1 sees nothing of pam_nhiacct"
jnone NHIACCT_USER=staff1 || fail "variant A: a record for a non-vendor"
note "variant A: a non-vendor logs in untouched, with no record"
sshd_stop "$T"

# Variant B: the commented block of the example, uncommented.
rm -f "$T"/sshd_config.d/*.conf
# (the commented configuration starts at "# KbdInteractiveAuthentication yes")
sed -n '/^# KbdInteractiveAuthentication yes$/,$p' "$NHI_TOP/conf/sshd_config.d/nhiacct.conf.example" |
	sed -e 's/^#[[:space:]]\{0,1\}//' | grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' > "$T/variant-b"
printf 'UsePAM yes\n' | cat - "$T/variant-b" | while IFS= read -r line; do sshd_config_add "$T" "$line"; done
grep -q 'AuthenticationMethods publickey,keyboard-interactive' "$T/sshd_config.d/50-test.conf" ||
	fail "variant B lines not found in the example: $(cat "$T/variant-b")"
sshd_start "$T" || fail "sshd (variant B) did not start"

ssh_kbdint "$T" vendor1 CHG-E2E-B echo inside || :
assert_eq 0 "$SSH_RC" "variant B: vendor1 answering the prompt (stderr: $SSH_ERR)"
assert_match 'Access ticket: ' "$SSH_PROMPTS" "variant B: the prompt"
assert_match 'nhiacct: access granted: ticket CHG-E2E-B ' "$SSH_ERR" "variant B: the ticket typed is used"
jwait NHIACCT_EVENT=grant NHIACCT_TICKET=CHG-E2E-B >/dev/null || fail "variant B: no grant record"
note "variant B: the vendor is asked for a ticket (not a password) and it is used"

ssh_kbdint "$T" vendor1 "../../etc/shadow" echo inside || :
assert_eq 255 "$SSH_RC" "variant B: a bad ticket id"
assert_match 'nhiacct: access refused \(bad_ticket_id\)' "$SSH_ERR" "variant B: bad id refused"
note "variant B: a malformed ticket id is refused"

ssh_run "$T" staff1 echo inside || :
assert_eq 0 "$SSH_RC" "variant B: staff1 key-only"
note "variant B: non-vendors keep logging in with their key alone"
echo "e2e/test_shipped_examples: 7 passed, 0 failed"
