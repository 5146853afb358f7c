#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tools/deps.sh PKG...   make sure the Debian packages PKG... are installed.
#
# Quiet when everything is installed.  Otherwise:
#   - as root: says which it installs (for $DEPS_FOR, when set), then installs
#     the missing ones with apt-get (non-interactive; runs
#     `apt-get update` first when the package lists are missing, and once more
#     and retries when the install fails, e.g. on stale lists);
#   - not root: prints the `sudo apt-get install ...` line to run and exits 1.
# Safe in CI: never reads stdin, never asks a question.
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 PKG..." >&2
	exit 2
fi

missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: install them with:" >&2
	echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends
	  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

apt_update() {
	echo "deps.sh: apt-get update" >&2
	apt-get -q update </dev/null
}

# No package lists at all (fresh container image): update before trying.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
	apt_update || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
fi

echo "deps.sh: ${DEPS_FOR:+$DEPS_FOR }needs ${#missing[@]} package(s) this machine lacks;" \
	"installing them (and what they depend on) now: ${missing[*]}" >&2
if ! apt-get install "${apt_opts[@]}" "${missing[@]}" </dev/null; then
	# Stale lists (404 on download, package unknown): refresh once, retry.
	apt_update || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
	if ! apt-get install "${apt_opts[@]}" "${missing[@]}" </dev/null; then
		echo "deps.sh: could not install: ${missing[*]}" >&2
		exit 1
	fi
fi

# Check again: apt-get may succeed without installing a name (e.g. virtual).
still=()
for p in "${missing[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	echo "deps.sh: still not installed: ${still[*]}" >&2
	exit 1
fi
exit 0
