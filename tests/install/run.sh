#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/install/run.sh BUILD: `make install DESTDIR=...` lays out the tree an
# administrator expects, never overwrites an existing configuration, and
# `make uninstall` takes it away again.  The Debian packages: tests/deb.
set -u
. "$(dirname "$0")/../lib/common.sh"
BUILD=$(cd "${1:-build}" && pwd)
cd "$NHI_TOP"
T=$(mktemp -d /tmp/nhiacct-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
D=$T/root
ma=$(cc -print-multiarch)

make -s BUILD="$BUILD" install DESTDIR="$D" >"$T/log" 2>&1 || { cat "$T/log"; fail "make install"; }

mode() { stat -c '%a' "$1"; }
for f in "lib/$ma/security/pam_nhiacct.so" usr/sbin/nhiacct "usr/lib/$ma/nhiacct/nhiacct_http.so" \
	 etc/security/nhiacct.conf usr/share/man/man8/pam_nhiacct.8 usr/share/man/man8/nhiacct.8 \
	 usr/share/man/man5/nhiacct.conf.5 lib/systemd/system/nhiacct-watch.service \
	 usr/lib/tmpfiles.d/nhiacct.conf usr/lib/systemd/catalog/nhiacct.catalog; do
	[ -f "$D/$f" ] || fail "make install did not install /$f"
done
# the module where pam_unix.so lives on this system
[ -f "/lib/$ma/security/pam_unix.so" ] || [ -f "/usr/lib/$ma/security/pam_unix.so" ] ||
	note "pam_unix.so not found under /lib/$ma/security (unusual system)"
assert_eq 700 "$(mode "$D/etc/security/nhiacct/tickets")" "ticket folder mode"
assert_eq 644 "$(mode "$D/etc/security/nhiacct.conf")" "config mode"
assert_eq 755 "$(mode "$D/usr/sbin/nhiacct")" "nhiacct mode"
"$D/usr/sbin/nhiacct" --help | grep -q '^usage: nhiacct' || fail "installed nhiacct --help"
note "tree laid out"

# The shipped configuration is valid as it is.
out=$("$D/usr/sbin/nhiacct" --conf "$D/etc/security/nhiacct.conf" check --user nobody 2>&1)
assert_match '^ignored: ' "$out" "check with the shipped configuration"

echo "vendor_groups = acme" > "$D/etc/security/nhiacct.conf"
make -s BUILD="$BUILD" install DESTDIR="$D" >/dev/null 2>&1 || fail "second make install"
assert_eq "vendor_groups = acme" "$(cat "$D/etc/security/nhiacct.conf")" "config kept on reinstall"
note "an existing configuration is never overwritten"

make -s BUILD="$BUILD" uninstall DESTDIR="$D" >/dev/null 2>&1 || fail "make uninstall"
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
assert_eq "./etc/security/nhiacct.conf " "$left" "files left after uninstall (the admin's config only)"
note "make uninstall removes what make install added"

# PREFIX=/usr/local after a build for /usr: the unit runs the nhiacct that
# was installed, and nhiacct looks for its backend object where it went.
make -s BUILD="$BUILD" all >/dev/null 2>&1 || fail "make all"
L=$T/local
make -s BUILD="$BUILD" PREFIX=/usr/local install DESTDIR="$L" >"$T/log" 2>&1 ||
	{ cat "$T/log"; fail "make install PREFIX=/usr/local"; }
assert_match '^ExecStart=/usr/local/sbin/nhiacct watch$' \
	"$(cat "$L/lib/systemd/system/nhiacct-watch.service")" "the unit under PREFIX=/usr/local"
[ -f "$L/usr/local/lib/$ma/nhiacct/nhiacct_http.so" ] || fail "no backend object under /usr/local"
grep -aq "/usr/local/lib/$ma/nhiacct" "$L/usr/local/sbin/nhiacct" ||
	fail "nhiacct installed under /usr/local looks for its backend elsewhere"
grep -aq "/usr/local/lib/$ma/nhiacct" "$L/lib/$ma/security/pam_nhiacct.so" ||
	fail "the module installed under /usr/local looks for its backend elsewhere"
make -s BUILD="$BUILD" all >/dev/null 2>&1 || fail "make all (back to /usr)"
grep -aq "/usr/lib/$ma/nhiacct" "$BUILD/nhiacct" || fail "the build for /usr was not restored"
note "PREFIX=/usr/local: the unit and the compiled-in backend folder follow it"
echo "install: 5 passed, 0 failed (the Debian packages: tests/deb)"
