#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/static/run.sh [BUILD]: static analysis of lib/, pam_module/ and
# helper/, as `make check` runs it.
#
#   cppcheck    --enable=warning,portability,performance --library=posix
#               --inline-suppr; proven false positives in cppcheck.supp
#   clang-tidy  the checks of tests/static/.clang-tidy (each exclusion
#               explained there), findings are errors; per-file exclusions
#               below, each with its reason
#
# BUILD is not used (nothing is built); it is accepted for tests/run.sh.
# Exit 0 clean, 1 findings, 77 skipped (neither tool installed).
set -u
. "$(dirname "$0")/../lib/common.sh"
cd "$NHI_TOP" || exit 2

have_cppcheck=$(command -v cppcheck)
have_tidy=$(command -v clang-tidy || command -v clang-tidy-14)
[ -n "$have_cppcheck" ] || [ -n "$have_tidy" ] ||
	skip "neither cppcheck nor clang-tidy installed (Debian: cppcheck, clang-tidy)"

srcs=$(ls lib/*.c pam_module/*.c helper/*.c)
rc=0
T=$(mktemp -d /tmp/nhiacct-static.XXXXXX) || fail mktemp
trap 'rm -rf "$T"' EXIT

# ---- cppcheck ------------------------------------------------------------------
if [ -n "$have_cppcheck" ]; then
	t0=$(date +%s)
	if cppcheck --enable=warning,portability,performance --library=posix \
		--error-exitcode=1 --inline-suppr --suppressions-list=tests/static/cppcheck.supp \
		-q -j "$(nproc)" --std=c11 -D_GNU_SOURCE -D__linux__ -Ilib -Ipam_module \
		--template='{file}:{line}: {severity}: {message} [{id}]' $srcs >"$T/cppcheck.out" 2>&1; then
		note "cppcheck $(cppcheck --version | sed 's/Cppcheck //'): clean ($(echo $srcs | wc -w) files, $(($(date +%s) - t0)) s)"
	else
		echo "FAIL: cppcheck:"
		cat "$T/cppcheck.out"
		rc=1
	fi
else
	note "cppcheck not installed: skipped"
fi

# ---- clang-tidy ----------------------------------------------------------------
# Per-file exclusions (proven false positives in that file only):
#   lib/util.c    bugprone-not-null-terminated-result: nhi_escape() copies
#                 each escape ("\\n", "\\t") into a scratch buffer whose
#                 length it counts (tl); it is never used as a string.
#   lib/review.c  bugprone-branch-clone: jobject() sets ok = false in two
#                 branches under different conditions, one of which has the
#                 side effect (json_object_set_new); they cannot be merged.
extra_checks() {
	case $1 in
	lib/util.c) echo "-bugprone-not-null-terminated-result" ;;
	lib/review.c) echo "-bugprone-branch-clone" ;;
	esac
}
if [ -n "$have_tidy" ]; then
	t0=$(date +%s)
	# shellcheck disable=SC2089,SC2090 # the quotes are for the generated script
	flags="-std=gnu11 -D_GNU_SOURCE -Ilib -Ipam_module -DNHI_BACKEND_DIR=\"/usr/lib/nhiacct\"
		-DNHI_VERSION=\"static\" $(pkg-config --cflags jansson libsystemd libcurl 2>/dev/null)"
	# One file per call, in parallel: the checks of .clang-tidy plus the
	# file's own exclusions (--checks is appended to the config's list).
	# shellcheck disable=SC2090 # the quotes are for the generated script
	cat >"$T/tidy1" <<-EOF
	#!/bin/sh
	out="$T/tidy.\$(echo "\$1" | tr / _)"
	"$have_tidy" --quiet --config-file=tests/static/.clang-tidy \${2:+--checks=\$2} "\$1" -- \
		$(echo $flags) >"\$out" 2>&1 || echo "\$1" >>"$T/tidy.failed"
	EOF
	chmod +x "$T/tidy1"
	for f in $srcs; do echo "$f $(extra_checks "$f")"; done |
		xargs -P "$(nproc)" -L 1 "$T/tidy1"
	if [ -s "$T/tidy.failed" ]; then
		echo "FAIL: clang-tidy:"
		for f in $(sort "$T/tidy.failed"); do
			# each finding, then the analyzer's path to it (bounded)
			grep -E '(warning|error):' "$T/tidy.$(echo "$f" | tr / _)"
			grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' \
				"$T/tidy.$(echo "$f" | tr / _)" | head -n 60 | sed 's/^/    /'
		done
		rc=1
	else
		note "clang-tidy $("$have_tidy" --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -n1): clean ($(echo $srcs | wc -w) files, $(($(date +%s) - t0)) s)"
	fi
else
	note "clang-tidy not installed: skipped"
fi
exit $rc
