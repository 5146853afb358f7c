#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tools/mkdeb.sh BUILD OUTDIR: builds libpam-nhiacct_VERSION_ARCH.deb from a
# `make install DESTDIR=...` tree with dpkg-deb (no debhelper needed).
# /etc/security/nhiacct.conf is a conffile: dpkg keeps the administrator's.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
VERSION=$(cat "$TOP/VERSION")
ARCH=$(dpkg --print-architecture)
ROOT=$(mktemp -d /tmp/nhiacct-deb.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT

make -C "$TOP" -s BUILD="$BUILD" install DESTDIR="$ROOT" >/dev/null
mkdir -p "$ROOT/DEBIAN" "$ROOT/usr/share/doc/libpam-nhiacct"
install -m 0644 "$TOP/README.md" "$ROOT/usr/share/doc/libpam-nhiacct/README.md"
cp -r "$TOP/conf/examples" "$ROOT/usr/share/doc/libpam-nhiacct/examples"
install -m 0644 "$TOP"/conf/pam.d/*.example "$TOP/conf/sshd_config.d/nhiacct.conf.example" \
	"$ROOT/usr/share/doc/libpam-nhiacct/examples/"
gzip -9n "$ROOT"/usr/share/man/man*/*
size=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)

cat > "$ROOT/DEBIAN/control" <<C
Package: libpam-nhiacct
Version: $VERSION
Architecture: $ARCH
Maintainer: pam_nhiacct developers <root@localhost>
Installed-Size: $size
Depends: libc6 (>= 2.34), libpam0g (>= 1.4), libjansson4 (>= 2.13), libsystemd0 (>= 247)
Recommends: libcurl4 (>= 7.74)
Section: admin
Priority: optional
Description: PAM module holding vendor logins to an approved, time-limited ticket
 pam_nhiacct refuses vendor and support logins unless a ticket names an
 approver (not the requester), a scope (hosts, accounts) and a time window;
 writes every grant, refusal, session open and close to the systemd journal;
 and ends sessions when the window closes (nhiacct watch).
 .
 libcurl is only needed for backend = http.
C
echo /etc/security/nhiacct.conf > "$ROOT/DEBIAN/conffiles"
cat > "$ROOT/DEBIAN/postinst" <<'P'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	command -v systemd-tmpfiles >/dev/null && systemd-tmpfiles --create nhiacct.conf || true
	command -v journalctl >/dev/null && journalctl --update-catalog || true
fi
P
chmod 0755 "$ROOT/DEBIAN/postinst"
deb="$OUT/libpam-nhiacct_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group --build "$ROOT" "$deb" >/dev/null
echo "$deb"
