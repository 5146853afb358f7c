#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/build/run.sh BUILD: what the built objects expose and pull in.
set -u
. "$(dirname "$0")/../lib/common.sh"
B=${1:-build}
need_cmd nm readelf

exports=$(nm -D --defined-only "$B/pam_nhiacct.so" | awk '{print $3}' | sort | tr '\n' ' ')
assert_eq "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " \
	"$exports" "symbols exported by pam_nhiacct.so"
note "pam_nhiacct.so exports only pam_sm_*"

# sshd loads the module into every connection: it carries the session's
# opening and closing, never the revocation daemon (kill, the watch, sd-bus).
# (The one signal it may send goes to its own signature verifier, not yet
# reaped, when that overruns its time: lib/spawn.c, through a pidfd.)
syms=$(nm "$B/pam_nhiacct.so" | awk '{ print $NF }')
bad=$(printf '%s\n' "$syms" | grep -E '^(kill|killpg|sd_bus_.*|sd_session_.*|sd_pid_get_session|nhi_watch_.*|nhi_revoke_.*|nhi_session_revoke|nhi_uid_kill|nhi_proc_signal|nhi_session_tell|nhi_sessions_deadline)(@.*)?$')
assert_eq "" "$bad" "kill, watch or sd-bus symbols in pam_nhiacct.so"
printf '%s\n' "$syms" | grep -qx nhi_session_commit || fail "the module lost its session opening"
syms=$(nm "$B/nhiacct" | awk '{ print $NF }')
printf '%s\n' "$syms" | grep -qx nhi_uid_kill || fail "nhiacct has no uid-wide kill"
note "the module has no kill, watch or sd-bus code; nhiacct has"

# A login on the file backend must not load a TLS stack into sshd.
# Nor libjq, which only the http backend's field expressions use.
needed=$(readelf -d "$B/pam_nhiacct.so" | grep NEEDED)
assert_no_match 'libcurl|libssl|libgnutls|libjq|libonig' "$needed" "pam_nhiacct.so NEEDED"
needed=$(readelf -d "$B/nhiacct" | grep NEEDED)
assert_no_match 'libcurl|libjq' "$needed" "nhiacct NEEDED"
nm "$B/pam_nhiacct.so" | grep -q 'nhi_fieldmap' && fail "the field map is linked into the module"
note "neither the module nor nhiacct links libcurl or libjq"

exports=$(nm -D --defined-only "$B/nhiacct_http.so" | awk '{print $3}' | tr '\n' ' ')
assert_eq "nhi_backend_http_ops " "$exports" "symbols exported by nhiacct_http.so"
assert_match 'libcurl' "$(readelf -d "$B/nhiacct_http.so" | grep NEEDED)" "nhiacct_http.so NEEDED"
assert_match 'libjq' "$(readelf -d "$B/nhiacct_http.so" | grep NEEDED)" "nhiacct_http.so NEEDED"
note "nhiacct_http.so exports only its ops table"

# The layering (README "Layout"): the policy is pure, and knows no JSON;
# the core knows no front-end; no file name is both in lib/ and helper/.
cpp_of() { ${CC:-cc} -E -D_GNU_SOURCE -Ilib $(pkg-config --cflags jansson libsystemd 2>/dev/null) "$1"; }
cpp_of lib/policy.c | grep -q 'jansson\.h' && fail "lib/policy.c pulls in jansson.h"
for f in lib/*.c lib/*.h; do
	grep -Eq '#include "(\.\./)?(helper|pam_module)/|#include "(cmd|pam_common|review_print)\.h"' "$f" &&
		fail "$f includes a front-end header"
	grep -Eq 'sd_notify|\bprintf\(|\bstdout\b' "$f" && fail "$f talks to the terminal or the service manager"
done
for f in helper/*.c; do
	[ -e "lib/$(basename "$f")" ] && fail "$(basename "$f") is in both lib/ and helper/"
done
note "policy.c without jansson.h; lib/ includes no front-end header, prints nothing"

# Hardening: full RELRO and BIND_NOW, a stack protector, no executable stack.
for o in pam_nhiacct.so nhiacct nhiacct_http.so; do
	d=$(readelf -d "$B/$o")
	assert_match 'BIND_NOW|FLAGS.*NOW' "$d" "$o dynamic section"
	readelf -lW "$B/$o" | grep -q GNU_RELRO || fail "$o: no RELRO segment"
	readelf -lW "$B/$o" | grep GNU_STACK | grep -q RWE && fail "$o: executable stack"
done
note "RELRO, BIND_NOW, no executable stack"
echo "build: 5 passed, 0 failed"
