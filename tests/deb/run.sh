#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/deb/run.sh BUILD: the Debian packages (debian/) as a Debian developer
# and an operator meet them.  Built with dpkg-buildpackage from a clean copy
# of the tree (make deb); lintian clean (--fail-on error,warning); Depends
# computed; then, on a real bookworm host booted with systemd in namespaces
# (tests/lib/systemd_host.sh):
#   - install: the files, the watch enabled and running;
#   - upgrade (the same version again): the watch restarted;
#   - removal refused while /etc/pam.d/sshd loads the module (it would lock
#     every sshd login out), with a message naming the file; allowed once
#     the line is gone, the watch stopped, the configuration kept;
#   - purge: nothing of the package left.
# Skips (77) when not root, or when debhelper, lintian or a bookworm root
# cannot be had.
set -u
. "$(dirname "$0")/../lib/common.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, a booted systemd, dpkg in it)"
need_cmd dpkg-buildpackage dh lintian unshare nsenter mount
. "$NHI_TOP/tests/lib/systemd_host.sh"
sdh_private_ns "$@"

T=$(mktemp -d /var/tmp/nhiacct-deb.XXXXXX)
cleanup() {
	local rc=$?
	sdh_teardown "$T"
	exit $rc
}
trap cleanup EXIT

# ---- build, lintian, Depends -------------------------------------------------------
t0=$(date +%s)
changes=$("$NHI_TOP/tools/mkdeb.sh" "$T/out") || fail "make deb: $(tail -n 5 "$T/out/build.log")"
note "built with dpkg-buildpackage in $(($(date +%s) - t0)) s: $(cd "$T/out" && ls ./*.deb | tr '\n' ' ')"
V=$(dpkg-parsechangelog -l "$NHI_TOP/debian/changelog" -S Version)
A=$(dpkg --print-architecture)
core=$T/out/libpam-nhiacct_${V}_$A.deb
http=$T/out/libpam-nhiacct-http_${V}_$A.deb
for d in "$core" "$http" "$T/out/libpam-nhiacct-dbgsym_${V}_$A.deb"; do
	[ -f "$d" ] || fail "no $(basename "$d")"
done
lintian --fail-on error,warning "$changes" >"$T/lintian.out" 2>&1
rc=$?
out=$(grep -v 'running with root privileges' "$T/lintian.out")
assert_eq 0 "$rc" "lintian --fail-on error,warning: $out"
note "lintian clean${out:+: $out}"
deps=$(dpkg-deb -f "$core" Depends)
assert_match 'libjansson4 \(>= ' "$deps" "libpam-nhiacct Depends (computed by dh_shlibdeps)"
assert_no_match 'libcurl|libjq' "$deps" "libpam-nhiacct Depends: no TLS stack, no libjq in the core package"
assert_match 'libcurl' "$(dpkg-deb -f "$http" Depends)" "libpam-nhiacct-http Depends"
assert_match 'libjq1' "$(dpkg-deb -f "$http" Depends)" "libpam-nhiacct-http Depends"
assert_match "libpam-nhiacct \\(= $V\\)" "$(dpkg-deb -f "$http" Depends)" "the backend needs its core"
note "Depends: $deps"

# ---- a bookworm host ---------------------------------------------------------------------
sdh_need_root
cache=$SDH_ROOT
sdh_overlay "$cache" "$T" || fail "overlay"
R=$T/root
install -d "$R/root/debs"
cp "$core" "$http" "$R/root/debs/"
sdh_boot "$R" || fail "the host did not boot"
host() { sdh_run "$@"; }
installed() { [ "$(host dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

host dpkg -i /root/debs/libpam-nhiacct_${V}_$A.deb /root/debs/libpam-nhiacct-http_${V}_$A.deb \
	>"$T/install.log" 2>&1 || fail "dpkg -i: $(tail -n 5 "$T/install.log")"
ma=$(host dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || cc -print-multiarch)
for f in "/lib/$ma/security/pam_nhiacct.so" /usr/sbin/nhiacct "/usr/lib/$ma/nhiacct/nhiacct_http.so" \
	 /etc/security/nhiacct.conf /usr/share/man/man8/pam_nhiacct.8.gz /usr/lib/nhiacct/nhiacct-shell \
	 /usr/share/doc/libpam-nhiacct/README.Debian /usr/share/doc/libpam-nhiacct/examples/pam.d/sshd.example; do
	host test -f "$f" || fail "installed: no $f"
done
assert_eq 700 "$(host stat -c %a /etc/security/nhiacct/tickets)" "the ticket folder"
host grep -qx /usr/lib/nhiacct/nhiacct-shell /etc/shells || fail "nhiacct-shell is not in /etc/shells"
for _ in $(seq 50); do [ "$(host systemctl is-active nhiacct-watch.service)" = active ] && break; sleep 0.1; done
assert_eq enabled "$(host systemctl is-enabled nhiacct-watch.service)" "the watch after install"
assert_eq active "$(host systemctl is-active nhiacct-watch.service)" "the watch after install"
# the shipped configuration is valid; nothing is gated yet: warnings only
out=$(host nhiacct check-config 2>&1)
assert_eq 1 "$?" "check-config right after install: $out"
assert_no_match '^error:' "$out" "check-config right after install"
assert_match "^warning: /etc/pam\.d/sshd: no 'account required pam_nhiacct\.so'" "$out" \
	"check-config says sshd is not gated yet"
# the journal catalog, through systemd's dpkg trigger: journalctl -x explains
host journalctl --list-catalog 2>/dev/null | grep -qi '6e8d6eb89f0e40bfa07113b94a74d544' ||
	fail "the catalog of pam_nhiacct's records is not in journalctl --list-catalog"
note "installed: files, the watch enabled and running, the journal catalog updated"

pid1=$(host systemctl show -p MainPID --value nhiacct-watch.service)
host dpkg -i /root/debs/libpam-nhiacct_${V}_$A.deb >"$T/upgrade.log" 2>&1 ||
	fail "reinstall: $(tail -n 5 "$T/upgrade.log")"
for _ in $(seq 50); do [ "$(host systemctl is-active nhiacct-watch.service)" = active ] && break; sleep 0.1; done
pid2=$(host systemctl show -p MainPID --value nhiacct-watch.service)
[ "$pid1" != "$pid2" ] && [ "$pid2" != 0 ] || fail "the watch was not restarted on upgrade ($pid1 -> $pid2)"
note "upgrade: the watch restarted (pid $pid1 -> $pid2)"

# Removal while sshd's stack loads the module would lock every SSH login out.
host sh -c 'cp /etc/pam.d/sshd /root/sshd.saved &&
	sed -i "1i account required pam_nhiacct.so" /etc/pam.d/sshd'
out=$(host dpkg -r libpam-nhiacct-http libpam-nhiacct 2>&1) && fail "removed while /etc/pam.d/sshd loads it"
assert_match '/etc/pam\.d/sshd' "$out" "the refusal names the file"
assert_match 'lock every login' "$out" "the refusal says why"
installed libpam-nhiacct || fail "libpam-nhiacct not installed after the refused removal"
host test -f "/lib/$ma/security/pam_nhiacct.so" || fail "the module is gone after a refused removal"
note "removal refused while /etc/pam.d/sshd loads the module"

host cp /root/sshd.saved /etc/pam.d/sshd
host dpkg -r libpam-nhiacct-http libpam-nhiacct >"$T/remove.log" 2>&1 ||
	fail "dpkg -r: $(tail -n 5 "$T/remove.log")"
host test -f "/lib/$ma/security/pam_nhiacct.so" && fail "the module is still there after removal"
[ "$(host systemctl is-active nhiacct-watch.service)" != active ] || fail "the watch runs after removal"
host test -f /etc/security/nhiacct.conf || fail "removal took the configuration (only purge may)"
host grep -qx /usr/lib/nhiacct/nhiacct-shell /etc/shells && fail "nhiacct-shell is still a login shell after removal"
note "removed once no PAM file loads it: watch stopped, configuration kept"

host dpkg -P libpam-nhiacct >"$T/purge.log" 2>&1 || fail "dpkg -P: $(tail -n 5 "$T/purge.log")"
left=$(host sh -c 'ls -d /etc/security/nhiacct* /etc/systemd/system/*/nhiacct-watch.service \
	/var/lib/systemd/deb-systemd-helper-enabled/*nhiacct* /usr/sbin/nhiacct /run/nhiacct 2>/dev/null')
assert_eq "" "$left" "left after purge"
host dpkg-query -W libpam-nhiacct >/dev/null 2>&1 && fail "dpkg still knows libpam-nhiacct after purge"
note "purged: nothing left"
echo "deb: all passed"
