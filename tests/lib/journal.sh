# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/lib/journal.sh: read the test's private journal (source this file;
# run inside tests/lib/with-journald.sh).  Needs journalctl; jget needs jq.
#
# MATCH arguments are journalctl matches, FIELD=VALUE: different fields must
# all match (AND), the same field given twice matches either value (OR).
#
#   jwait MATCH... [COUNT [TIMEOUT]]
#       Waits until at least COUNT (default 1) records match, polling for up
#       to TIMEOUT seconds (default 5; fractions allowed).  Prints the
#       matching records on stdout, one JSON object per line (journalctl -o
#       json), and returns 0; otherwise prints what it found on stderr and
#       returns 1.  A record can take ~100 ms to become readable: never read
#       once, always wait.
#
#   jcount MATCH...
#       Prints the number of matching records now (after a sync).
#
#   jnone MATCH... [SECONDS]
#       Returns 0 if no record matches after waiting SECONDS (default 0.5),
#       else prints the records on stderr and returns 1.  For "nothing was
#       written" checks.
#
#   jget FIELD
#       Filter: reads JSON lines (from jwait) on stdin, prints FIELD of each
#       record on its own line (empty line when absent).
#
#   jdump
#       Prints the whole private journal (short-precise format) on stderr,
#       for diagnostics when a test fails.

_j_sync() {
	# Flush journald's buffers; fails harmlessly when no journald runs.
	journalctl --sync >/dev/null 2>&1 || true
}

_j_query() {
	journalctl -q --no-pager -a -o json "$@" 2>/dev/null
}

# Seconds (fractions allowed) as nanoseconds.  "%.0f", not "%d": mawk's %d
# stops at 2^31 - 1, which capped every wait at 2.1 s.
_j_ns() {
	awk -v t="$1" 'BEGIN { printf "%.0f", t * 1e9 }'
}

_j_isnum() {
	case $1 in
	'' | *[!0-9.]* | *.*.*) return 1 ;;
	*) return 0 ;;
	esac
}

jwait() {
	local matches=() nums=() a
	for a in "$@"; do
		case $a in
		*=*) matches+=("$a") ;;
		*)
			if _j_isnum "$a"; then
				nums+=("$a")
			else
				echo "jwait: bad argument '$a' (want FIELD=VALUE, COUNT, TIMEOUT)" >&2
				return 2
			fi ;;
		esac
	done
	if [ ${#matches[@]} -eq 0 ]; then
		echo "jwait: no FIELD=VALUE match given" >&2
		return 2
	fi
	local count=${nums[0]:-1} timeout=${nums[1]:-5}
	local deadline now out n
	deadline=$(($(date +%s%N) + $(_j_ns "$timeout")))
	while :; do
		_j_sync
		out=$(_j_query "${matches[@]}")
		n=0
		[ -n "$out" ] && n=$(printf '%s\n' "$out" | wc -l)
		if [ "$n" -ge "$count" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		now=$(date +%s%N)
		[ "$now" -ge "$deadline" ] && break
		sleep 0.05
	done
	echo "jwait: wanted $count record(s) matching ${matches[*]} within ${timeout}s, found $n" >&2
	[ -n "$out" ] && printf '%s\n' "$out" >&2
	if ! [ -S /run/systemd/journal/socket ]; then
		echo "jwait: no journald socket: run the test inside tests/lib/with-journald.sh" >&2
	fi
	return 1
}

jcount() {
	local out
	_j_sync
	out=$(_j_query "$@")
	if [ -z "$out" ]; then
		echo 0
	else
		printf '%s\n' "$out" | wc -l
	fi
}

jnone() {
	local matches=() wait=0.5 a out
	for a in "$@"; do
		case $a in
		*=*) matches+=("$a") ;;
		*) wait=$a ;;
		esac
	done
	sleep "$wait"
	_j_sync
	out=$(_j_query "${matches[@]}")
	if [ -n "$out" ]; then
		echo "jnone: unexpected record(s) matching ${matches[*]}:" >&2
		printf '%s\n' "$out" >&2
		return 1
	fi
	return 0
}

jget() {
	jq -r --arg f "$1" '.[$f] // "" |
		if type == "array" then
			(if all(.[]; type == "number") then implode else map(tostring) | join(" ") end)
		else tostring end'
}

jdump() {
	_j_sync
	echo "---- private journal ----" >&2
	journalctl -q --no-pager -a -o short-precise >&2 2>/dev/null || true
	echo "---- end of journal ----" >&2
}
