#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tools/mkdeb.sh OUTDIR: the Debian packages of debian/ (libpam-nhiacct,
# libpam-nhiacct-http and their -dbgsym), built with
# `dpkg-buildpackage -us -uc -b` from a clean copy of the tree (the files git
# tracks, else the tree without build output) into OUTDIR.  Prints the path
# of the .changes file; the build log is OUTDIR/build.log.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || {
	echo "mkdeb.sh: needs dpkg-dev and debhelper (apt-get install dpkg-dev debhelper)" >&2
	exit 1
}
VERSION=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
SRC=$(mktemp -d /tmp/nhiacct-debsrc.XXXXXX)
trap 'rm -rf "$SRC"' EXIT
mkdir "$SRC/pam-nhiacct"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard | grep -v '^build' |
		tar -cf - -T -) | tar -xf - -C "$SRC/pam-nhiacct"
else
	(cd "$TOP" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$SRC/pam-nhiacct"
fi
if ! (cd "$SRC/pam-nhiacct" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	echo "mkdeb.sh: dpkg-buildpackage failed; the whole log is $OUT/build.log" >&2
	exit 1
fi
mv "$SRC"/*.deb "$SRC"/*.changes "$SRC"/*.buildinfo "$OUT"/
echo "$OUT/pam-nhiacct_${VERSION}_${ARCH}.changes"
