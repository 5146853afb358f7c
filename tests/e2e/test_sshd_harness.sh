#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/test_sshd_harness.sh BUILD: self-test of the e2e harness
# (tests/lib/with-journald.sh, journal.sh, sshd.sh) with stock PAM modules
# only, so that a failure here points at the harness, not at pam_nhiacct.
set -u
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
nhi_in_namespace "$@"
# shellcheck source=tests/lib/journal.sh
. "$NHI_TOP/tests/lib/journal.sh"
# shellcheck source=tests/lib/sshd.sh
. "$NHI_TOP/tests/lib/sshd.sh"
need_cmd ssh ssh-keygen journalctl jq openssl python3

T=$(mktemp -d /tmp/nhiacct-e2e.XXXXXX)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	sshd_stop "$T"
	rm -rf "$T"
}
trap cleanup EXIT

# ---- 1. the private journal ---------------------------------------------
note "journal: a record written in the namespace is read back"
logger --journald <<EOF
MESSAGE=harness self-test $$
SYSLOG_IDENTIFIER=nhiacct-harness
NHIACCT_EVENT=selftest
NHIACCT_TICKET=SELF-$$
EOF
rec=$(jwait NHIACCT_EVENT=selftest NHIACCT_TICKET=SELF-$$) || fail "record not found"
assert_eq "harness self-test $$" "$(printf '%s\n' "$rec" | jget MESSAGE)" MESSAGE
assert_eq 1 "$(jcount NHIACCT_TICKET=SELF-$$)" "record count"
jnone NHIACCT_TICKET=NO-SUCH-$$ 0.1 || fail "jnone"

# ---- 2. public-key login with the default stock stack -------------------
sshd_setup "$T" || exit
sshd_start "$T" || fail "sshd_start"
note "sshd on 127.0.0.1:$(cat "$T/port"), PAM service sshd-nhiacct"

ssh_run "$T" vendor1 id -un || fail "vendor1 login: rc=$SSH_RC: $SSH_ERR"
assert_eq vendor1 "$SSH_OUT" "id -un"
ssh_run "$T" vendor2 id -Gn || fail "vendor2 login: rc=$SSH_RC: $SSH_ERR"
assert_eq "vendor2 vendors" "$SSH_OUT" "vendor2 groups"
# shellcheck disable=SC2016 # expanded by the remote shell
ssh_run "$T" staff1 'echo "$HOME"' || fail "staff1 login: rc=$SSH_RC: $SSH_ERR"
assert_eq "$T/home/staff1" "$SSH_OUT" "staff1 home"
ssh_run "$T" root true && fail "root logged in"
assert_eq 255 "$SSH_RC" "refused login exit code"

# ---- 3. pam_info from the account phase reaches the client's stderr ------
# and keyboard-interactive answers a real PAM prompt (pam_unix password).
sshd_stop "$T"
sshd_set_password "$T" vendor2 'h4rness-pw'
sshd_config_add "$T" "ExposeAuthInfo yes" \
	"Match User vendor2" "  AuthenticationMethods publickey,keyboard-interactive"
sshd_pam "$T" <<'EOF'
auth     required pam_unix.so nodelay
account  required pam_unix.so
account  required pam_echo.so Account phase for %u
session  required pam_permit.so
EOF
sshd_start "$T" || fail "sshd_start (2)"

ssh_run "$T" vendor1 id -un || fail "vendor1 login (2): rc=$SSH_RC: $SSH_ERR"
assert_eq "Account phase for vendor1" "$SSH_ERR" "pam_info on stderr"

# shellcheck disable=SC2016
ssh_kbdint "$T" vendor2 'h4rness-pw' 'id -un; cat "$SSH_USER_AUTH"' ||
	fail "vendor2 kbd-int login: rc=$SSH_RC: $SSH_ERR"
assert_match 'Password: $' "$SSH_PROMPTS" "prompt"
assert_eq 1 "$(printf '%s\n' "$SSH_PROMPTS" | wc -l)" "number of prompts"
assert_eq vendor2 "$(printf '%s\n' "$SSH_OUT" | head -n1)" "kbd-int id -un"
assert_match '^publickey ssh-ed25519 ' "$SSH_OUT" "SSH_USER_AUTH (publickey first)"
assert_match '^keyboard-interactive' "$SSH_OUT" "SSH_USER_AUTH (then kbd-int)"

ssh_kbdint "$T" vendor2 'wrong' id -un && fail "wrong password accepted"
assert_eq 255 "$SSH_RC" "wrong password exit code"
assert_match 'Permission denied' "$SSH_ERR" "wrong password message"
# Public key alone no longer suffices for vendor2.
ssh_run "$T" vendor2 id -un && fail "vendor2 in without kbd-int"

# ---- 4. nothing leaks ------------------------------------------------------
sshd_stop "$T"
grep -q '^vendor1:' /etc/passwd && fail "/etc/passwd still bind-mounted"
[ -e /etc/pam.d/sshd-nhiacct ] && fail "/etc/pam.d still bind-mounted"
[ -e "$T/sshd.bgpid" ] && fail "sshd_stop left its pid file"
note "all harness checks passed"
exit 0
