#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/harness/run.sh BUILD: the test helpers themselves, where a bug would
# make other suites pass or fail for the wrong reason.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$NHI_TOP/tests/lib/journal.sh"

# jwait's deadline: under mawk, printf "%d" of 60e9 gave 2147483647 (2.1 s)
assert_eq 60000000000 "$(_j_ns 60)" "jwait: 60 s in ns"
assert_eq 500000000 "$(_j_ns 0.5)" "jwait: 0.5 s in ns"
assert_eq 3600000000000 "$(_j_ns 3600)" "jwait: an hour in ns"
# and a wait really lasts as long as asked (no journald here: nothing matches)
t0=$(date +%s%N)
jwait NHIACCT_EVENT=never-written 1 2.5 2>/dev/null && fail "jwait found a record that cannot exist"
dt=$((($(date +%s%N) - t0) / 1000000))
[ "$dt" -ge 2400 ] || fail "jwait gave up after $dt ms of 2500"
echo "harness: 4 passed, 0 failed"
