# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/lib/common.sh: small helpers for shell test suites (source it).
#
#   NHI_TOP                 the source tree (absolute)
#   nhi_in_namespace "$@"   first line of an e2e test: re-runs the test script
#                           ($0, with its arguments) inside
#                           tests/lib/with-journald.sh unless already there
#                           (exits 77 with "SKIP: needs root ..." if not root)
#   skip MSG                prints "SKIP: MSG", exits 77
#   fail MSG                prints "FAIL: MSG" on stderr, exits 1
#   note MSG                prints "# MSG"
#   assert_eq WANT GOT [WHAT]
#   assert_match ERE TEXT [WHAT]     TEXT has a line matching ERE (grep -E)
#   assert_no_match ERE TEXT [WHAT]
#   need_cmd CMD...         skip unless every CMD is installed

NHI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

note() { echo "# $*"; }

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: want '$1', got '$2'"
}

assert_match() {
	printf '%s\n' "$2" | grep -Eq -- "$1" ||
		fail "${3:-text} does not match /$1/: '$2'"
}

assert_no_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		fail "${3:-text} matches /$1/: '$2'"
	fi
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
	done
}

nhi_in_namespace() {
	if [ -z "${NHI_PRIVATE_NS:-}" ]; then
		exec "$NHI_TOP/tests/lib/with-journald.sh" "$(readlink -f "$0")" "$@"
	fi
}
