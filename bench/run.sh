#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/run.sh [BUILD]: the benchmarks of `make bench` (issue 8).
#
# Prints a markdown table, one row per figure, each figure a ratio of
# variants measured side by side in one run: the variants of a row run
# interleaved in rounds (A B C A B C ...), and the table gives the median
# over rounds with the spread (min-max over rounds), so that a shared, noisy
# machine moves both sides alike.
#
#   1a/1b  decision cost through the real PAM stack (pam_start ->
#          pam_acct_mgmt -> pam_end, libpam under pam_wrapper, users from
#          nss_wrapper, records written to a real journald, audit=required):
#          pam_permit.so alone, pam_nhiacct.so (file backend), and pam_exec.so
#          running bench/diy_check.sh (the same checks with jq + logger)
#   2a/2b  the same with backend = http against tests/lib/https_server.py,
#          against bench/diy_check_http.sh (curl + jq); in one process (2a)
#          and in a fresh process per decision (2b, fork + exec, like sshd)
#   2c/2d  the shipped ServiceNow example (conf/examples/servicenow.conf: two
#          requests per decision, change_request then sysapproval_approver,
#          jq field expressions) against the answers of tests/examples, and
#          bench/diy_check_servicenow.sh (curl twice + jq) doing the same two
#          requests; in one process (2c) and a fresh process each (2d)
#   1c     a ticket signed by one approver (signatures = required: one run of
#          ssh-keygen -Y verify per decision) beside the same ticket unsigned
#   3      a whole `ssh -o BatchMode=yes vendor1@127.0.0.1 true` against a
#          test sshd (tests/lib/sshd.sh), with and without pam_nhiacct in the
#          account stack
#   4      revocation delay: bench/revocation.sh, when present
#   5      RSS of one process after 1,000 and after 100,000 decisions
#   6      nhiacct review: bench/review.sh, when present
#   7a-7c  recording (issue 16): bench/recording.sh, an SSH login and a 10 MB
#          scp, recorded and not, side by side on a booted systemd host
#
# Needs root (root-owned configuration and tickets, a private mount
# namespace with its own journald: tests/lib/with-journald.sh, which this
# script re-enters by itself).  Builds its drivers into BUILD/bench/.
# Everything it starts (journald, the HTTPS server, sshd) is stopped at the
# end, and its scratch directory removed.
#
# Environment:
#   BENCH_WRITE=1   also write the table to bench/results.md
#   BENCH_QUICK=1   a few rounds of everything (a smoke test; figures rough)
#   BENCH_KEEP=1    keep the scratch directory (printed at the end)
#   BENCH_ROWS="1 3"  run only these rows (default: all, 1 to 7)
#
# bench/revocation.sh and bench/review.sh are called with BUILD as root,
# from the source tree, inside this run's namespace (NHI_PRIVATE_NS=1; the
# private journald, emptied first; nothing else of this run still running).
# A script may print a line
#     bench-row: | what | baseline | nhiacct | ratio | goal | met? | note |
# which becomes its row as given; otherwise its row is made from what the
# script prints today (known_output), else quotes its last non-empty line.
# Its whole output goes under "Details".
#
# Exit status: 0 when every row ran (goals met or not; the table says),
# 1 when a row failed or on a setup error.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD_ARG=${1:-build}
case $BUILD_ARG in
/*) BUILD=$BUILD_ARG ;;
*) BUILD=$TOP/$BUILD_ARG ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: the benchmarks need root (root-owned configuration and" \
		"tickets, a private mount namespace with its own journald, a test sshd)" >&2
	exit 1
fi
if [ -z "${NHI_PRIVATE_NS:-}" ]; then
	BENCH_T0=$(date +%s.%N) exec "$TOP/tests/lib/with-journald.sh" "$TOP/bench/run.sh" "$BUILD"
	echo "bench/run.sh: cannot run tests/lib/with-journald.sh" >&2
	exit 1
fi
BENCH_T0=${BENCH_T0:-$(date +%s.%N)}

MOD=$BUILD/pam_nhiacct.so
HTTP_SO=$BUILD/nhiacct_http.so
LOOP=$BUILD/bench/pam_loop
SERVER=$TOP/tests/lib/https_server.py
MKCERTS=$TOP/tests/lib/mkcerts.sh
SSHD_LIB=$TOP/tests/lib/sshd.sh
# pamenv_run: the tests' one pam_wrapper + nss_wrapper set-up
# shellcheck source=tests/lib/pamenv.sh
. "$TOP/tests/lib/pamenv.sh"

if [ -n "${BENCH_QUICK:-}" ]; then
	R1=3 N1=500 N1_DIY=10 R2=3 N2=50 N2_DIY=5 N2_FRESH=5 N2_FRESH_DIY=3 SSH_N=6 MEM_N=10000
	N2C=5 N2C_DIY=3 N1S=10
else
	R1=15 N1=2000 N1_DIY=40 R2=11 N2=150 N2_DIY=15 N2_FRESH=15 N2_FRESH_DIY=8 SSH_N=40 MEM_N=100000
	N2C=20 N2C_DIY=8 N1S=60
fi
MEM_MARK=1000

say() { echo "# $*" >&2; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }

[ -f "$MOD" ] || die "$MOD not built (make all)"
command -v python3 >/dev/null || die "python3 not installed"

T=$(mktemp -d /tmp/nhiacct-bench.XXXXXX) || die "mktemp failed"
chmod 0755 "$T"
SERVER_PID=
SN_PID=
SSHD_T=
cleanup() {
	local p
	for p in $SERVER_PID $SN_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$SSHD_T" ]; then
		sshd_stop "$SSHD_T"
	fi
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench/run.sh: scratch directory kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- numbers ---------------------------------------------------------------

# q FILE P: the P-quantile (0..1, linear interpolation) of the numbers in FILE.
q() {
	sort -g "$1" | awk -v p="$2" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan"; exit }
			pos = p * (NR - 1) + 1; i = int(pos); f = pos - i
			print (i >= NR) ? v[NR] : v[i] + (v[i + 1] - v[i]) * f
		}'
}
med() { q "$1" 0.5; }
lo() { q "$1" 0; }
hi() { q "$1" 1; }

# pairop A B EXPR OUT: per round, EXPR of a (line of A) and b (line of B).
pairop() {
	paste "$1" "$2" | awk "{ a = \$1; b = \$2; print $3 }" >"$4"
}

# Microseconds for people: 85 µs, 1.42 ms, 33.1 ms, 1.20 s.
fmt_us() {
	awk -v x="$1" 'BEGIN {
		if (x !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) { print "?"; exit }
		if (x < 0) { s = "-"; x = -x } else s = ""
		if (x < 100) printf "%s%.1f µs", s, x
		else if (x < 1000) printf "%s%.0f µs", s, x
		else if (x < 10000) printf "%s%.2f ms", s, x / 1000
		else if (x < 1000000) printf "%s%.1f ms", s, x / 1000
		else printf "%s%.2f s", s, x / 1e6 }'
}
fmt_delta() { case $1 in -*) fmt_us "$1" ;; *) echo "+$(fmt_us "$1")" ;; esac; }
fmt_x() { awk -v x="$1" 'BEGIN { printf(x >= 100 ? "%.0f×" : "%.1f×", x) }'; }
# fmt_range FILE FMT: "min–max" of FILE in format FMT (fmt_us or fmt_x).
fmt_range() { echo "$($2 "$(lo "$1")")–$($2 "$(hi "$1")")"; }
# cmp X OP Y: awk comparison; status 0 when true.
cmp() { awk -v x="$1" -v y="$3" "BEGIN { exit !(x $2 y) }"; }
yesno() { if "$@"; then echo yes; else echo "**no**"; fi; }

trim() {
	local x=$1
	x=${x#"${x%%[![:space:]]*}"}
	printf '%s' "${x%"${x##*[![:space:]]}"}"
}

# kv LINE KEY: the value of KEY=... in a pam_loop output line.
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ---- output ----------------------------------------------------------------

ROWS=$T/rows.md           # the table's rows, in row order (sorted at the end)
DETAILS=$T/details.md     # variant figures, notes, outputs of sub-scripts
FAILED=
: >"$ROWS"
: >"$DETAILS"

# row KEY WHAT BASELINE NHIACCT RATIO GOAL MET NOTE
row() {
	local k=$1
	shift
	printf '%s\t| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$k" "$k" "$@" >>"$ROWS"
}
detail() { printf '%s\n' "$@" >>"$DETAILS"; }

# ---- set-up ----------------------------------------------------------------


# The libraries /usr/sbin/sshd links: kept resident by the driver, as a
# module loaded into sshd finds them there (libsystemd, libcrypto, ...).
sshd_libs() {
	: >"$T/sshd-libs"
	[ -x /usr/sbin/sshd ] || return 0
	ldd /usr/sbin/sshd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' >"$T/sshd-libs"
}

NOW=$(date +%s)
# ticket ID NOT_BEFORE NOT_AFTER
ticket() {
	cat >"$T/tickets/$1.json" <<-EOF
	{
	  "id": "$1",
	  "state": "approved",
	  "requester": "acme-jdoe",
	  "approver": "alice",
	  "scope": { "hosts": ["jump1.example.com", "*.db.example.com"],
	             "accounts": ["vendor1"] },
	  "window": { "not_before": "$(date -u -d "@$2" +%Y-%m-%dT%H:%M:%SZ)",
	              "not_after":  "$(date -u -d "@$3" +%Y-%m-%dT%H:%M:%SZ)" },
	  "purpose": "Benchmark of pam_nhiacct"
	}
	EOF
	chmod 0644 "$T/tickets/$1.json"
}

setup_pam() {
	mkdir -m 0755 "$T/tickets" "$T/services" "$T/run" || return 1
	ticket BENCH-1 $((NOW - 3600)) $((NOW + 3 * 3600))
	ticket BENCH-OLD $((NOW - 4 * 3600)) $((NOW - 3600))
	cat >"$T/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	vendor1:x:20001:20001:Vendor One:/nonexistent:/bin/sh
	staff1:x:20010:20010:Staff:/nonexistent:/bin/sh
	EOF
	cat >"$T/group" <<-EOF
	root:x:0:
	vendors:x:20100:vendor1
	vendor1:x:20001:
	staff1:x:20010:
	EOF
	cat >"$T/nhiacct.conf" <<-EOF
	# bench/run.sh: file backend
	vendor_groups = vendors
	host          = jump1.example.com
	ticket_dir    = $T/tickets
	state_dir     = $T/run
	audit         = required
	EOF
	chmod 0644 "$T/nhiacct.conf"
	local S=$T/services
	printf '%s\n' "account required pam_permit.so" >"$S/permit"
	printf '%s\n' "account required $MOD conf=$T/nhiacct.conf" \
		"account required pam_permit.so" >"$S/nhiacct"
	printf '%s\n' "account required pam_exec.so quiet stdout $TOP/bench/diy_check.sh $T/tickets jump1.example.com" \
		"account required pam_permit.so" >"$S/diy"
	printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" \
		"session required pam_deny.so" "password required pam_deny.so" >"$S/other"
}

# pamloop ARGS...: the driver under pam_wrapper and nss_wrapper.
pamloop() {
	PAMENV_BACKEND_DIR="$T/lib" pamenv_run "$LOOP" -L "$T/sshd-libs" "$@"
}

# measure VARIANT ARGS...: one batch; appends the batch's median decision
# time to T/r/VARIANT.p50 and its mean to .mean.  Non-zero on failure.
measure() {
	local v=$1 out
	shift
	if ! out=$(pamloop "$@" 2>"$T/r/$v.err"); then
		say "$v failed: $(tail -n1 "$T/r/$v.err")"
		return 1
	fi
	kv "$out" p50_us >>"$T/r/$v.p50"
	kv "$out" mean_us >>"$T/r/$v.mean"
	echo $(($(cat "$T/r/$v.count" 2>/dev/null || echo 0) + $(kv "$out" n))) >"$T/r/$v.count"
}

# Journal helpers (the private journal of this namespace).
jcount() { # MATCH...: records matching now
	journalctl --sync >/dev/null 2>&1
	journalctl -q --no-pager -o json --output-fields=MESSAGE_ID "$@" 2>/dev/null | wc -l
}
jseq() { # the sequence number of the newest entry (counts across rotations)
	journalctl --sync >/dev/null 2>&1
	journalctl -q --no-pager -n1 -o export 2>/dev/null |
		sed -n 's/^__CURSOR=.*;i=\([0-9a-f]*\);.*/\1/p' | { read -r h && echo $((16#$h)) || echo 0; }
}
journald_cpu_us() { # CPU time of the private journald so far
	local pid=${NHI_JOURNALD_PID:-} hz
	if [ -z "$pid" ] || [ ! -r "/proc/$pid/stat" ]; then
		echo 0
		return
	fi
	hz=$(getconf CLK_TCK)
	awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1e6 / hz }' "/proc/$pid/stat"
}

# variant_detail VARIANT LABEL: a details line with the variant's figures.
variant_detail() {
	local f=$T/r/$1
	[ -s "$f.p50" ] || return 0
	detail "| $2 | $(fmt_us "$(med "$f.p50")") | $(fmt_range "$f.p50" fmt_us) | $(fmt_us "$(med "$f.mean")") | $(cat "$f.count") |"
}

# ---- row 1: the decision through the PAM stack ------------------------------

# decides_right SERVICE: grants the valid ticket and refuses an expired one
# (so the script alternatives really make the checks).
decides_right() {
	pamloop -n 1 -t BENCH-1 "$1" vendor1 >/dev/null 2>"$T/r/check.err" || return 1
	pamloop -n 1 -x -t BENCH-OLD "$1" vendor1 >/dev/null 2>>"$T/r/check.err"
}

row1() {
	local r v ok=1 grants diy_grants nv c0 c1 seq0 seq1
	say "row 1: decision cost, file backend ($R1 rounds: permit, nhiacct, diy, non-vendor)"
	# Correctness first.
	for v in nhiacct diy; do
		if ! decides_right "$v"; then
			say "row 1: $v does not decide as expected: $(tail -n1 "$T/r/check.err")"
			ok=''
		fi
	done
	if [ -z "$ok" ]; then
		row 1a "Decision through the PAM stack, file backend" "—" "—" "—" "≤ 100 µs over pam_permit" "failed" "a variant does not decide as expected (see stderr)"
		row 1b "… against a pam_exec + jq script" "—" "—" "—" "≥ 50×" "failed" ""
		FAILED=1
		return
	fi
	# The breakdown variants keep libjansson resident (-L with it added).
	cp "$T/sshd-libs" "$T/sshd-libs+jansson"
	ldd "$MOD" | awk '$1 ~ /^libjansson/ && $3 ~ /^\// { print $3 }' >>"$T/sshd-libs+jansson"
	local g0 d0
	g0=$(jcount SYSLOG_IDENTIFIER=pam_nhiacct NHIACCT_EVENT=grant NHIACCT_SERVICE=nhiacct)
	d0=$(jcount SYSLOG_IDENTIFIER=diy_check DIY_EVENT=grant DIY_SERVICE=diy)
	seq0=$(jseq) c0=$(journald_cpu_us)
	for ((r = 1; r <= R1; r++)); do
		measure permit -n "$N1" -t BENCH-1 permit vendor1 || ok=''
		measure nhiacct -n "$N1" -t BENCH-1 nhiacct vendor1 || ok=''
		measure diy -n "$N1_DIY" -t BENCH-1 diy vendor1 || ok=''
		measure nonvendor -n "$N1" nhiacct staff1 || ok=''
		measure nhiacct_jres -L "$T/sshd-libs+jansson" -n "$N1" -t BENCH-1 nhiacct vendor1 || ok=''
		measure nonvendor_jres -L "$T/sshd-libs+jansson" -n "$N1" nhiacct staff1 || ok=''
	done
	c1=$(journald_cpu_us) seq1=$(jseq)
	grants=$(($(jcount SYSLOG_IDENTIFIER=pam_nhiacct NHIACCT_EVENT=grant NHIACCT_SERVICE=nhiacct) - g0))
	diy_grants=$(($(jcount SYSLOG_IDENTIFIER=diy_check DIY_EVENT=grant DIY_SERVICE=diy) - d0))
	nv=$(jcount NHIACCT_USER=staff1)
	if [ -z "$ok" ]; then
		row 1a "Decision through the PAM stack, file backend" "—" "—" "—" "≤ 100 µs over pam_permit" "failed" "a batch failed (see stderr)"
		FAILED=1
		return
	fi
	local R=$T/r
	pairop "$R/nhiacct.p50" "$R/permit.p50" "a - b" "$R/over.1"
	pairop "$R/diy.p50" "$R/nhiacct.p50" "a / b" "$R/ratio.1"
	pairop "$R/diy.p50" "$R/nhiacct.p50" "a - b" "$R/diyover.1"
	pairop "$R/diy.p50" "$R/permit.p50" "a - b" "$R/diyfloor.1"
	pairop "$R/diyfloor.1" "$R/over.1" "a / b" "$R/ratiofloor.1"
	pairop "$R/nonvendor.p50" "$R/permit.p50" "a - b" "$R/nvover.1"
	pairop "$R/nhiacct.p50" "$R/nhiacct_jres.p50" "a - b" "$R/bd.jansson"
	pairop "$R/nonvendor_jres.p50" "$R/permit.p50" "a - b" "$R/bd.load"
	pairop "$R/nhiacct_jres.p50" "$R/nonvendor_jres.p50" "a - b" "$R/bd.decide"
	local over ratio
	over=$(med "$R/over.1") ratio=$(med "$R/ratio.1")
	local recs
	recs="$grants grant records in the journal for $(($(cat "$R/nhiacct.count") + $(cat "$R/nhiacct_jres.count"))) vendor decisions, $diy_grants for the script's $(cat "$R/diy.count")"
	row 1a "Decision through the PAM stack (pam_start → pam_acct_mgmt → pam_end), file backend, vendor with a valid ticket" \
		"pam_permit.so: $(fmt_us "$(med "$R/permit.p50")")" \
		"$(fmt_us "$(med "$R/nhiacct.p50")")" \
		"$(fmt_delta "$over") ($(fmt_range "$R/over.1" fmt_us))" \
		"≤ 100 µs over pam_permit" "$(yesno cmp "$over" "<=" 100)" \
		"median decision of $N1-decision batches, $R1 rounds; module loaded and unloaded every decision (as in one sshd connection); audit=required, every grant written to journald ($recs); a non-vendor costs +$(fmt_us "$(med "$R/nvover.1")") (load, config, group lookup, no record)"
	row 1b "… against the do-it-yourself script: pam_exec.so + bench/diy_check.sh (jq on the same ticket file, logger --journald)" \
		"pam_exec: $(fmt_us "$(med "$R/diy.p50")")" \
		"$(fmt_us "$(med "$R/nhiacct.p50")")" \
		"$(fmt_x "$ratio") cheaper ($(fmt_range "$R/ratio.1" fmt_x))" \
		"≥ 50×" "$(yesno cmp "$ratio" ">=" 50)" \
		"whole decisions; over the pam_permit floor: $(fmt_x "$(med "$R/ratiofloor.1")"); script: same checks, one jq process, a structured journal record"
	local ng=$(($(cat "$R/nhiacct.count") + $(cat "$R/nhiacct_jres.count")))
	[ "$grants" -eq "$ng" ] || {
		say "row 1: $grants grant records for $ng decisions"
		FAILED=1
	}
	[ "$nv" -eq 0 ] || { say "row 1: a non-vendor left $nv records"; FAILED=1; }
	detail "### Row 1: variants (per-decision time; $R1 rounds)" "" \
		"| variant | median | min–max over rounds | mean | decisions |" "|---|---:|---:|---:|---:|"
	variant_detail permit "pam_permit.so alone"
	variant_detail nhiacct "pam_nhiacct.so, file backend, vendor (grant + journal record)"
	variant_detail nonvendor "pam_nhiacct.so, non-vendor (PAM_IGNORE, no record)"
	variant_detail nhiacct_jres "pam_nhiacct.so, vendor, libjansson kept resident"
	variant_detail nonvendor_jres "pam_nhiacct.so, non-vendor, libjansson kept resident"
	variant_detail diy "pam_exec.so + bench/diy_check.sh"
	detail "" "Where the +$(fmt_us "$(med "$R/over.1")") over pam_permit goes (medians of per-round differences): loading and unloading libjansson $(fmt_us "$(med "$R/bd.jansson")"); loading and unloading pam_nhiacct.so, reading the configuration and the group lookup $(fmt_us "$(med "$R/bd.load")") (non-vendor with libjansson resident, over pam_permit); the decision itself with its journal record $(fmt_us "$(med "$R/bd.decide")")."
	detail "" "journald: $(awk -v c="$((${c1%.*} - ${c0%.*}))" -v n="$((seq1 - seq0))" 'BEGIN { if (n > 0) printf "%d records stored, %.1f µs of journald CPU per record", n, c / n; else print "no records counted" }')." ""
}


# ---- row 1c: a signed ticket ------------------------------------------------------

row1c() {
	local r ok=1 R=$T/r K=$T/keys
	mkdir -m 0700 "$K" || return
	if ! ssh-keygen -q -t ed25519 -N '' -f "$K/alice" 2>/dev/null; then
		row 1c "A signed ticket" "—" "—" "—" "a few ms" "—" "pending: ssh-keygen not installed"
		return
	fi
	printf 'alice namespaces="nhiacct-ticket" %s\n' "$(cut -d' ' -f1,2 "$K/alice.pub")" \
		>"$T/allowed_signers"
	chmod 0644 "$T/allowed_signers"
	{ cat "$T/nhiacct.conf"; echo "approver_keys = $T/allowed_signers"; echo "signatures = required"; } \
		>"$T/signed.conf"
	chmod 0644 "$T/signed.conf"
	printf '%s\n' "account required $MOD conf=$T/signed.conf" \
		"account required pam_permit.so" >"$T/services/nhiacct_signed"
	jq '.id = "BENCH-S1" | .signatures = []' "$T/tickets/BENCH-1.json" >"$T/tickets/BENCH-S1.json"
	chmod 0644 "$T/tickets/BENCH-S1.json"
	"$BUILD/nhiacct" --conf "$T/signed.conf" ticket approve BENCH-S1 --key "$K/alice" --as alice \
		>/dev/null 2>"$R/check.err" || ok=''
	pamloop -n 1 -t BENCH-S1 nhiacct_signed vendor1 >/dev/null 2>>"$R/check.err" || ok=''
	pamloop -n 1 -x -t BENCH-1 nhiacct_signed vendor1 >/dev/null 2>>"$R/check.err" || ok=''
	if [ -z "$ok" ]; then
		row 1c "A signed ticket" "—" "—" "—" "a few ms" "failed" "$(tail -n1 "$R/check.err")"
		FAILED=1
		return
	fi
	say "row 1c: a signed ticket ($R1 rounds: unsigned, signed)"
	for ((r = 1; r <= R1; r++)); do
		measure unsigned_1c -n "$N1S" -t BENCH-S1 nhiacct vendor1 || ok=''
		measure signed_1c -n "$N1S" -t BENCH-S1 nhiacct_signed vendor1 || ok=''
	done
	if [ -z "$ok" ]; then
		row 1c "A signed ticket" "—" "—" "—" "a few ms" "failed" "a batch failed (see stderr)"
		FAILED=1
		return
	fi
	pairop "$R/signed_1c.p50" "$R/unsigned_1c.p50" "a - b" "$R/over.1c"
	row 1c "A ticket signed by its approver (signatures = required, ed25519, one ssh-keygen -Y verify as nobody per approver) beside the same ticket with signatures = no, file backend" \
		"signatures = no: $(fmt_us "$(med "$R/unsigned_1c.p50")")" \
		"$(fmt_us "$(med "$R/signed_1c.p50")") per decision (median)" \
		"+$(fmt_us "$(med "$R/over.1c")") ($(fmt_range "$R/over.1c" fmt_us))" \
		"≤ 20 ms per approver" "$(yesno cmp "$(med "$R/over.1c")" "<=" 20000)" \
		"the cost is the verifier's process: fork, exec of ssh-keygen, its own start-up, the verification; paid once per approver per decision (and by the watch's recheck)"
	detail "### Row 1c: variants (per-decision time; $R1 rounds)" "" \
		"| variant | median | min–max over rounds | mean | decisions |" "|---|---:|---:|---:|---:|"
	variant_detail unsigned_1c "pam_nhiacct.so, signatures = no"
	variant_detail signed_1c "pam_nhiacct.so, signatures = required, one ed25519 signature"
}

# ---- row 2: the HTTP backend ------------------------------------------------

start_server() {
	[ -f "$SERVER" ] || return 1
	"$MKCERTS" "$T/certs" >/dev/null || return 1
	head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$T/token"
	chmod 0600 "$T/token"
	python3 "$SERVER" --tickets "$T/tickets" --port-file "$T/port" \
		--cert "$T/certs/server.crt" --key "$T/certs/server.key" \
		--lifetime 1200 --idle 900 --log "$T/server.log" </dev/null >"$T/server.out" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 500); do
		[ -s "$T/port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.01
	done
	[ -s "$T/port" ] || { cat "$T/server.out" >&2; return 1; }
	PORT=$(cat "$T/port")
	cat >"$T/http.conf" <<-EOF
	# bench/run.sh: http backend
	vendor_groups = vendors
	host          = jump1.example.com
	backend       = http
	url           = https://127.0.0.1:$PORT/tickets/{id}
	ca_file       = $T/certs/ca.crt
	token_file    = $T/token
	timeout       = 5s
	state_dir     = $T/run
	audit         = required
	EOF
	chmod 0644 "$T/http.conf"
	printf '%s\n' "account required $MOD conf=$T/http.conf" \
		"account required pam_permit.so" >"$T/services/nhiacct_http"
	printf '%s\n' "account required pam_exec.so quiet stdout $TOP/bench/diy_check_http.sh https://127.0.0.1:$PORT/tickets/{id} $T/certs/ca.crt $T/token jump1.example.com" \
		"account required pam_permit.so" >"$T/services/diy_http"
}

row2() {
	local r ok=1 why='' v
	if [ ! -f "$SERVER" ]; then
		why="pending: tests/lib/https_server.py not present"
	elif [ ! -f "$HTTP_SO" ]; then
		why="pending: $HTTP_SO not built"
	elif ! python3 "$SERVER" --help >/dev/null 2>&1; then
		why="pending: tests/lib/https_server.py --help fails"
	elif ! start_server; then
		why="failed: the HTTPS server did not start"
		FAILED=1
	fi
	if [ -z "$why" ]; then
		for v in nhiacct_http diy_http; do
			if ! decides_right "$v"; then
				why="failed: $v does not decide as expected: $(tail -n1 "$T/r/check.err")"
				FAILED=1
			fi
		done
	fi
	if [ -n "$why" ]; then
		row 2a "HTTP backend, one process" "—" "—" "—" "≥ 10× cheaper than curl + jq" "—" "$why"
		row 2b "HTTP backend, a fresh process per decision" "—" "—" "—" "≥ 10× cheaper than curl + jq" "—" "$why"
		return
	fi
	say "row 2: http backend ($R2 rounds: in one process, then a fresh process per decision)"
	local g0
	g0=$(jcount SYSLOG_IDENTIFIER=pam_nhiacct NHIACCT_EVENT=grant NHIACCT_SERVICE=nhiacct_http)
	for ((r = 1; r <= R2; r++)); do
		measure permit_h -n "$N2" -t BENCH-1 permit vendor1 || ok=''
		measure nhiacct_http -n "$N2" -t BENCH-1 nhiacct_http vendor1 || ok=''
		measure diy_http -n "$N2_DIY" -t BENCH-1 diy_http vendor1 || ok=''
		measure fresh_permit -F -n "$N2_FRESH" -t BENCH-1 permit vendor1 || ok=''
		measure fresh_nhiacct -F -n "$N2_FRESH" -t BENCH-1 nhiacct vendor1 || ok=''
		measure fresh_nhiacct_http -F -n "$N2_FRESH" -t BENCH-1 nhiacct_http vendor1 || ok=''
		measure fresh_diy_http -F -n "$N2_FRESH_DIY" -t BENCH-1 diy_http vendor1 || ok=''
	done
	if [ -z "$ok" ]; then
		row 2a "HTTP backend" "—" "—" "—" "≥ 10×" "failed" "a batch failed (see stderr)"
		FAILED=1
		return
	fi
	local R=$T/r ratio ratio_f grants n_http
	pairop "$R/diy_http.p50" "$R/nhiacct_http.p50" "a / b" "$R/ratio.2a"
	pairop "$R/nhiacct_http.p50" "$R/permit_h.p50" "a - b" "$R/over.2a"
	pairop "$R/fresh_diy_http.p50" "$R/fresh_nhiacct_http.p50" "a / b" "$R/ratio.2b"
	pairop "$R/fresh_nhiacct_http.p50" "$R/fresh_permit.p50" "a - b" "$R/over.2b"
	pairop "$R/fresh_diy_http.p50" "$R/fresh_permit.p50" "a - b" "$R/diyover.2b"
	pairop "$R/diyover.2b" "$R/over.2b" "a / b" "$R/ratiofloor.2b"
	pairop "$R/fresh_nhiacct.p50" "$R/fresh_permit.p50" "a - b" "$R/over.2file"
	pairop "$R/over.2b" "$R/over.2a" "a - b" "$R/load.2b"
	ratio=$(med "$R/ratio.2a") ratio_f=$(med "$R/ratio.2b")
	grants=$(($(jcount SYSLOG_IDENTIFIER=pam_nhiacct NHIACCT_EVENT=grant NHIACCT_SERVICE=nhiacct_http) - g0))
	n_http=$(($(cat "$R/nhiacct_http.count") + $(cat "$R/fresh_nhiacct_http.count")))
	row 2a "HTTP backend (backend = http, HTTPS to 127.0.0.1, test CA, bearer token) in one process, against pam_exec + bench/diy_check_http.sh (curl + jq + logger)" \
		"script: $(fmt_us "$(med "$R/diy_http.p50")")" \
		"$(fmt_us "$(med "$R/nhiacct_http.p50")") per decision (median)" \
		"$(fmt_x "$ratio") cheaper ($(fmt_range "$R/ratio.2a" fmt_x))" \
		"≥ 10×" "$(yesno cmp "$ratio" ">=" 10)" \
		"pam_start/pam_end per decision: pam_nhiacct.so is dlopen()ed every time, but nhiacct_http.so (and libcurl) stays loaded after the first use (lib/backend.c), so this is the steady state of a long-lived process; +$(fmt_us "$(med "$R/over.2a")") over pam_permit ($(fmt_us "$(med "$R/permit_h.p50")")); one TLS handshake per decision to a Python test server"
	row 2b "… each decision in a fresh process (fork + exec of the driver, as sshd runs each connection)" \
		"script: $(fmt_us "$(med "$R/fresh_diy_http.p50")")" \
		"$(fmt_us "$(med "$R/fresh_nhiacct_http.p50")")" \
		"$(fmt_x "$ratio_f") cheaper ($(fmt_range "$R/ratio.2b" fmt_x))" \
		"≥ 10×" "$(yesno cmp "$ratio_f" ">=" 10)" \
		"includes the process itself (fork, exec, sshd's libraries, pam_wrapper set-up): pam_permit alone $(fmt_us "$(med "$R/fresh_permit.p50")"); over that floor nhiacct +$(fmt_us "$(med "$R/over.2b")"), of which about $(fmt_us "$(med "$R/load.2b")") is loading nhiacct_http.so, libcurl and its TLS stack (2b minus 2a, each over its floor) and the rest the HTTPS request, the script +$(fmt_us "$(med "$R/diyover.2b")"): $(fmt_x "$(med "$R/ratiofloor.2b")"); the file backend in a fresh process: +$(fmt_us "$(med "$R/over.2file")")"
	[ "$grants" -eq "$n_http" ] || {
		say "row 2: $grants grant records for $n_http http decisions"
		FAILED=1
	}
	detail "### Row 2: variants (per-decision time; $R2 rounds)" "" \
		"| variant | median | min–max over rounds | mean | decisions |" "|---|---:|---:|---:|---:|"
	variant_detail permit_h "one process: pam_permit.so alone"
	variant_detail nhiacct_http "one process: pam_nhiacct.so, http backend"
	variant_detail diy_http "one process: pam_exec.so + bench/diy_check_http.sh"
	variant_detail fresh_permit "fresh process: pam_permit.so alone"
	variant_detail fresh_nhiacct "fresh process: pam_nhiacct.so, file backend"
	variant_detail fresh_nhiacct_http "fresh process: pam_nhiacct.so, http backend"
	variant_detail fresh_diy_http "fresh process: pam_exec.so + bench/diy_check_http.sh"
	detail "" "records: $grants grant records in the journal for $n_http http decisions; the server answered $(wc -l <"$T/server.log") requests." ""
}


# ---- row 2c/2d: the ServiceNow example, two requests per decision ------------

start_sn_server() {
	local d=$T/sn now fmt zone f
	mkdir -m 0755 "$d"
	read -r zone fmt <"$TOP/tests/examples/servicenow/time-format"
	now=$(date +%s)
	for f in "$TOP"/tests/examples/servicenow/*.json; do
		sed -e "s|@VALID_FROM@|$(TZ=$zone date -d "@$((now - 3600))" +"$fmt")|" \
		    -e "s|@VALID_UNTIL@|$(TZ=$zone date -d "@$((now + 3 * 3600))" +"$fmt")|" \
		    -e "s|@OLD_FROM@|$(TZ=$zone date -d "@$((now - 4 * 3600))" +"$fmt")|" \
		    -e "s|@OLD_UNTIL@|$(TZ=$zone date -d "@$((now - 3600))" +"$fmt")|" \
		    "$f" >"$d/$(basename "$f")"
	done
	python3 "$SERVER" --tickets "$d" --routes "$d/routes.json" --port-file "$T/sn.port" \
		--cert "$T/certs/server.crt" --key "$T/certs/server.key" \
		--lifetime 1200 --idle 900 --log "$T/sn.log" </dev/null >"$T/sn.out" 2>&1 &
	SN_PID=$!
	for _ in $(seq 500); do
		[ -s "$T/sn.port" ] && break
		kill -0 "$SN_PID" 2>/dev/null || break
		sleep 0.01
	done
	[ -s "$T/sn.port" ] || { cat "$T/sn.out" >&2; return 1; }
	SN_PORT=$(cat "$T/sn.port")
	sed -E -e "s#^((lookup_|approvals_)?url = )https://[^/]+/#\\1https://127.0.0.1:$SN_PORT/#" \
	    -e '/^vendor_groups/d' "$TOP/conf/examples/servicenow.conf" >"$T/sn.conf"
	printf '%s\n' "vendor_groups = vendors" "ca_file = $T/certs/ca.crt" "token_file = $T/token" \
		"state_dir = $T/run" >>"$T/sn.conf"
	chmod 0644 "$T/sn.conf"
	printf '%s\n' "account required $MOD conf=$T/sn.conf" \
		"account required pam_permit.so" >"$T/services/sn_nhiacct"
	printf '%s\n' "account required pam_exec.so quiet stdout $TOP/bench/diy_check_servicenow.sh https://127.0.0.1:$SN_PORT $T/certs/ca.crt $T/token jump1.example.com" \
		"account required pam_permit.so" >"$T/services/sn_diy"
}

row2c() {
	local r ok=1 why='' v R=$T/r
	if [ -z "${PORT:-}" ]; then
		why="pending: row 2's server did not start"
	elif ! start_sn_server; then
		why="failed: the ServiceNow test server did not start"
		FAILED=1
	fi
	for v in sn_nhiacct sn_diy; do
		[ -n "$why" ] && break
		if ! pamloop -n 1 -t CHG0031042 "$v" vendor1 >/dev/null 2>"$R/check.err" ||
		   ! pamloop -n 1 -x -t CHG0031046 "$v" vendor1 >/dev/null 2>>"$R/check.err"; then
			why="failed: $v does not decide as expected: $(tail -n1 "$R/check.err")"
			FAILED=1
		fi
	done
	if [ -n "$why" ]; then
		row 2c "ServiceNow example, two requests per decision" "—" "—" "—" "cheaper than curl + jq" "—" "$why"
		return
	fi
	say "row 2c: the ServiceNow example ($R2 rounds: one process, then a fresh process each)"
	for ((r = 1; r <= R2; r++)); do
		measure sn_nhiacct -n "$N2C" -t CHG0031042 sn_nhiacct vendor1 || ok=''
		measure sn_diy -n "$N2C_DIY" -t CHG0031042 sn_diy vendor1 || ok=''
		measure fresh_sn_nhiacct -F -n "$N2C_DIY" -t CHG0031042 sn_nhiacct vendor1 || ok=''
		measure fresh_sn_diy -F -n "$N2C_DIY" -t CHG0031042 sn_diy vendor1 || ok=''
	done
	if [ -z "$ok" ]; then
		row 2c "ServiceNow example" "—" "—" "—" "cheaper than curl + jq" "failed" "a batch failed (see stderr)"
		FAILED=1
		return
	fi
	pairop "$R/sn_diy.p50" "$R/sn_nhiacct.p50" "a / b" "$R/ratio.2c"
	pairop "$R/fresh_sn_diy.p50" "$R/fresh_sn_nhiacct.p50" "a / b" "$R/ratio.2d"
	pairop "$R/sn_nhiacct.p50" "$R/nhiacct_http.p50" "a - b" "$R/over.2c"
	row 2c "The shipped ServiceNow example (change_request, then sysapproval_approver by sys_id; jq field expressions) in one process, against pam_exec + bench/diy_check_servicenow.sh (curl twice + jq)" \
		"script: $(fmt_us "$(med "$R/sn_diy.p50")")" \
		"$(fmt_us "$(med "$R/sn_nhiacct.p50")") per decision (median)" \
		"$(fmt_x "$(med "$R/ratio.2c")") cheaper ($(fmt_range "$R/ratio.2c" fmt_x))" \
		"cheaper than curl + jq" "$(yesno cmp "$(med "$R/ratio.2c")" ">" 1)" \
		"+$(fmt_us "$(med "$R/over.2c")") over row 2a's one request with pointers: the second HTTPS request and compiling the expressions (libjq 1.6 compiles its builtins with every program, once per decision)"
	row 2d "… each decision in a fresh process (as sshd)" \
		"script: $(fmt_us "$(med "$R/fresh_sn_diy.p50")")" \
		"$(fmt_us "$(med "$R/fresh_sn_nhiacct.p50")")" \
		"$(fmt_x "$(med "$R/ratio.2d")") cheaper ($(fmt_range "$R/ratio.2d" fmt_x))" \
		"cheaper than curl + jq" "$(yesno cmp "$(med "$R/ratio.2d")" ">" 1)" \
		"includes loading nhiacct_http.so, libcurl, its TLS stack and libjq in each process"
	detail "### Row 2c/2d: variants (per-decision time; $R2 rounds)" "" \
		"| variant | median | min–max over rounds | mean | decisions |" "|---|---:|---:|---:|---:|"
	variant_detail sn_nhiacct "one process: pam_nhiacct.so, conf/examples/servicenow.conf"
	variant_detail sn_diy "one process: pam_exec.so + bench/diy_check_servicenow.sh"
	variant_detail fresh_sn_nhiacct "fresh process: pam_nhiacct.so, conf/examples/servicenow.conf"
	variant_detail fresh_sn_diy "fresh process: pam_exec.so + bench/diy_check_servicenow.sh"
	detail "" "the ServiceNow server answered $(wc -l <"$T/sn.log") requests." ""
}

# ---- row 3: a whole SSH login ------------------------------------------------

row3() {
	local why='' i t0 t1 ok=1
	SSH_FAIL="a login failed"
	if [ ! -f "$SSHD_LIB" ]; then
		why="pending: tests/lib/sshd.sh not present"
	elif [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
		why="pending: openssh-server / openssh-client not installed"
	fi
	if [ -n "$why" ]; then
		row 3 "A whole SSH login" "—" "—" "—" "< 5% of a login" "—" "$why"
		return
	fi
	# shellcheck source=tests/lib/sshd.sh
	. "$SSHD_LIB"
	local S=$T/sshd
	SSHD_T=$S
	if ! sshd_setup "$S" >"$T/sshd.setup" 2>&1; then
		row 3 "A whole SSH login" "—" "—" "—" "< 5% of a login" "failed" "sshd_setup failed: $(tail -n1 "$T/sshd.setup")"
		FAILED=1
		return
	fi
	mkdir -m 0755 "$S/tickets"
	cp "$T/tickets/BENCH-1.json" "$S/tickets/"
	cat >"$S/nhiacct.conf" <<-EOF
	# bench/run.sh: sshd, file backend, lookup (public-key logins)
	vendor_groups = vendors
	host          = jump1.example.com
	ticket_dir    = $S/tickets
	state_dir     = $T/run
	audit         = required
	EOF
	chmod 0644 "$S/nhiacct.conf"
	# Three stacks for one sshd: the service file is swapped between logins
	# (sshd reads it at every connection).  "echo" is a control: pam_echo
	# shows a line like the module's grant line and checks nothing, since
	# on this machine a message in the account phase alone changes how long
	# a login takes (by a few ms, either way).
	cat >"$T/stack.without" <<-EOF
	auth     required pam_deny.so
	account  required pam_unix.so
	session  required pam_permit.so
	password required pam_deny.so
	EOF
	cat >"$T/stack.with" <<-EOF
	auth     required pam_deny.so
	account  required $MOD conf=$S/nhiacct.conf
	account  required pam_unix.so
	session  required pam_permit.so
	password required pam_deny.so
	EOF
	cat >"$T/stack.echo" <<-EOF
	auth     required pam_deny.so
	account  required pam_echo.so Access granted under ticket BENCH-1 (approved by alice) until 2026-01-01T00:00:00Z.
	account  required pam_unix.so
	session  required pam_permit.so
	password required pam_deny.so
	EOF
	if ! sshd_start "$S" >"$T/sshd.start" 2>&1; then
		row 3 "A whole SSH login" "—" "—" "—" "< 5% of a login" "failed" "sshd_start failed: $(tail -n1 "$T/sshd.start")"
		FAILED=1
		return
	fi
	say "row 3: ssh logins ($SSH_N each without pam_nhiacct, with it, and with pam_echo, interleaved)"
	login() { # STACK: one timed login, microseconds appended to T/r/ssh.STACK
		sshd_pam "$S" <"$T/stack.$1"
		t0=$EPOCHREALTIME
		ssh_run "$S" vendor1 true
		t1=$EPOCHREALTIME
		if [ "$SSH_RC" -ne 0 ]; then
			SSH_FAIL="login ($1 pam_nhiacct) failed, ssh exit status $SSH_RC: $(printf '%s' "$SSH_ERR" | tr '\n|' ' /' | cut -c1-200)"
			say "row 3: $SSH_FAIL"
			return 1
		fi
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", (b - a) * 1e6 }' >>"$T/r/ssh.$1"
	}
	local v g0 grants orders
	for v in with without echo; do    # warm-up
		login "$v" >/dev/null || ok=''
		: >"$T/r/ssh.$v"
	done
	g0=$(jcount SYSLOG_IDENTIFIER=pam_nhiacct NHIACCT_EVENT=grant NHIACCT_SERVICE=sshd-nhiacct)
	# Every order of the three in turn, so that none always goes first (a
	# login slows the next one down a little while its processes exit).
	orders=("without with echo" "with echo without" "echo without with"
		"echo with without" "with without echo" "without echo with")
	for ((i = 0; i < SSH_N && ok; i++)); do
		for v in ${orders[i % 6]}; do
			login "$v" || { ok=''; break; }
		done
	done
	grants=$(($(jcount SYSLOG_IDENTIFIER=pam_nhiacct NHIACCT_EVENT=grant NHIACCT_SERVICE=sshd-nhiacct) - g0))
	sshd_stop "$S"
	SSHD_T=
	if [ -z "$ok" ]; then
		row 3 "A whole SSH login" "—" "—" "—" "< 5% of a login" "failed" "$SSH_FAIL"
		FAILED=1
		return
	fi
	local R=$T/r base diff pct ci ediff eci
	pairop "$R/ssh.with" "$R/ssh.without" "a - b" "$R/ssh.diff"
	pairop "$R/ssh.with" "$R/ssh.echo" "a - b" "$R/ssh.ediff"
	base=$(med "$R/ssh.without")
	# Mean of the paired differences with its 95% confidence interval
	# (normal approximation): a login varies by tens of milliseconds, so
	# the goal is judged on the upper end of the interval.
	meanci() {
		awk '{ s += $1; ss += $1 * $1; n++ }
			END { m = s / n; sd = sqrt((ss - n * m * m) / (n - 1)); print m, 1.96 * sd / sqrt(n) }' "$1"
	}
	read -r diff ci <<<"$(meanci "$R/ssh.diff")"
	read -r ediff eci <<<"$(meanci "$R/ssh.ediff")"
	pct=$(awk -v d="$diff" -v b="$base" 'BEGIN { printf "%.1f", 100 * d / b }')
	local pct_hi neg='' own=''
	if [ -s "$R/over.1" ]; then
		own="; the module's own cost, row 1a, is $(fmt_us "$(med "$R/over.1")") = $(awk -v d="$(med "$R/over.1")" -v b="$base" 'BEGIN { printf "%.2f", 100 * d / b }')% of a login"
	fi
	cmp "$diff" "<" 0 && neg=" (below zero: see the pam_echo control in the note)"
	pct_hi=$(awk -v d="$diff" -v c="$ci" -v b="$base" 'BEGIN { printf "%.1f", 100 * (d + c) / b }')
	row 3 "A whole SSH login: ssh -o BatchMode=yes vendor1@127.0.0.1 true (public key; ticket found by lookup), with and without pam_nhiacct in the account stack" \
		"without: $(fmt_us "$base") (p10–p90 $(fmt_us "$(q "$R/ssh.without" 0.1)")–$(fmt_us "$(q "$R/ssh.without" 0.9)"))" \
		"with: $(fmt_us "$(med "$R/ssh.with")") (p10–p90 $(fmt_us "$(q "$R/ssh.with" 0.1)")–$(fmt_us "$(q "$R/ssh.with" 0.9)"))" \
		"$(fmt_delta "$diff") ± $(fmt_us "$ci") = ${pct}% of a login (95% CI up to ${pct_hi}%)$neg" \
		"< 5%" "$(yesno cmp "$pct_hi" "<" 5)" \
		"$SSH_N logins each, interleaved in every order, one sshd (the PAM service file swapped between logins); overhead = mean of the paired differences, judged on the upper end of its 95% confidence interval (logins vary by tens of ms${own}); control: against pam_echo.so showing a line like the module's (median $(fmt_us "$(med "$R/ssh.echo")")), the module adds $(fmt_delta "$ediff") ± $(fmt_us "$eci"); $grants grant records for $SSH_N logins with the module"
	[ "$grants" -eq "$SSH_N" ] || { say "row 3: $grants grant records for $SSH_N logins"; FAILED=1; }
}

# ---- row 5: memory --------------------------------------------------------------

row5() {
	local out rss1 rss2 ratio seq0 seq1 c0 c1 t0 t1 secs
	say "row 5: memory ($MEM_N decisions in one process)"
	# Start from an empty journal, so that journald has room for the records.
	journalctl --rotate >/dev/null 2>&1 && journalctl --vacuum-size=1 >/dev/null 2>&1
	seq0=$(jseq) c0=$(journald_cpu_us) t0=$EPOCHREALTIME
	if ! out=$(pamloop -n "$MEM_N" -m "$MEM_MARK,$MEM_N" -t BENCH-1 nhiacct vendor1 2>"$T/r/mem.err"); then
		row 5 "Memory: RSS after $MEM_N decisions vs after $MEM_MARK" "—" "—" "—" "flat" "failed" "$(tail -n1 "$T/r/mem.err")"
		FAILED=1
		return
	fi
	t1=$EPOCHREALTIME c1=$(journald_cpu_us) seq1=$(jseq)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	rss1=$(kv "$out" "rss_at_$MEM_MARK") rss2=$(kv "$out" "rss_at_$MEM_N")
	ratio=$(awk -v a="$rss1" -v b="$rss2" 'BEGIN { printf "%.3f", b / a }')
	row 5 "Memory: VmRSS of one process after $MEM_N decisions vs after $MEM_MARK (pam_start/pam_end each time, file backend, records written)" \
		"after $MEM_MARK: $rss1 kB" "after $MEM_N: $rss2 kB" "${ratio}× (+$((rss2 - rss1)) kB)" \
		"flat (≤ 1.05×)" "$(yesno cmp "$ratio" "<=" 1.05)" \
		"$MEM_N decisions in ${secs} s ($(fmt_us "$(kv "$out" mean_us)") each), all granted with audit=required, $((seq1 - seq0)) records stored by journald ($(awk -v c="${c1%.*}" -v d="${c0%.*}" -v n="$((seq1 - seq0))" 'BEGIN { if (n > 0) printf "%.1f", (c - d) / n; else print "?" }') µs of journald CPU each; journald keeps up: the module's send never blocked long enough to fail)"
}

# ---- rows 4 and 6: scripts of other issues ----------------------------------------

# external KEY SCRIPT WHAT GOAL TIMEOUT: runs bench/SCRIPT BUILD in this
# namespace (tests/lib/with-journald.sh cannot be nested: it bind-mounts
# over a journald.conf that is itself a bind mount of a deleted file), after
# emptying the private journal of this run's records.
external() {
	local k=$1 script=$TOP/bench/$2 what=$3 goal=$4 limit=$5 rc line lines n i sub last met t0 t1
	if [ ! -f "$script" ]; then
		row "$k" "$what" "—" "—" "—" "$goal" "—" "pending: bench/$2 not present"
		return
	fi
	say "row $k: bench/$2"
	journalctl --rotate >/dev/null 2>&1 && journalctl --vacuum-size=1 >/dev/null 2>&1
	t0=$EPOCHREALTIME
	(cd "$TOP" && exec timeout -k 10 "$limit" bash "$script" "$BUILD") \
		</dev/null >"$T/$2.out" 2>"$T/$2.err"
	rc=$?
	t1=$EPOCHREALTIME
	detail "### Row $k: bench/$2 (exit status $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f s", b - a }'))" "" '```'
	cat "$T/$2.out" >>"$DETAILS"
	[ "$rc" -eq 0 ] || tail -n 20 "$T/$2.err" >>"$DETAILS"
	detail '```' ""
	# one row per bench-row line; several get the letters a, b, c, ...
	lines=$(sed -n 's/^bench-row:[[:space:]]*//p' "$T/$2.out")
	if [ -n "$lines" ]; then
		n=$(printf '%s\n' "$lines" | wc -l) i=0
		while IFS= read -r line; do
			sub=
			[ "$n" -gt 1 ] && sub=$(printf "\\x$(printf %x $((97 + i)))")
			printf '%s\t| %s %s\n' "$k$sub" "$k$sub" "$line" >>"$ROWS"
			i=$((i + 1))
		done <<<"$lines"
		return
	fi
	last=$(grep -v '^[[:space:]]*$' "$T/$2.out" | tail -n1 | tr '|' '/')
	case $rc in
	0)
		case $last in
		*"NOT MET"* | *"not met"*) met="**no**" ;;
		*met* | *MET*) met=yes ;;
		*) met="see note" ;;
		esac
		known_output "$k" "$T/$2.out" "$what" "$goal" "$met" "$last" ||
			row "$k" "$what" "see note" "see note" "see note" "$goal" "$met" "${last:-no output}; full output under Details"
		;;
	77)
		row "$k" "$what" "—" "—" "—" "$goal" "—" "skipped: $(grep -h -m1 '^SKIP' "$T/$2.out" "$T/$2.err" | head -n1 | cut -d: -f2- | sed 's/^[[:space:]]*//')"
		;;
	124 | 137)
		row "$k" "$what" "—" "—" "—" "$goal" "failed" "timed out after $limit s"
		FAILED=1
		;;
	*)
		row "$k" "$what" "—" "—" "—" "$goal" "failed" "exit status $rc: $(tail -n1 "$T/$2.err" | tr '|' '/')"
		FAILED=1
		;;
	esac
}

# known_output KEY OUT WHAT GOAL MET LAST: a row from what bench/revocation.sh
# and bench/review.sh print today, when they print no bench-row line.
known_output() {
	local k=$1 out=$2 what=$3 goal=$4 met=$5 last=$6 m w tl q ours diy ratio early=''
	if [ "$k" = 4 ] && [[ $last =~ median\ (-?[0-9.]+)\ worst\ (-?[0-9.]+) ]]; then
		m=${BASH_REMATCH[1]} w=${BASH_REMATCH[2]}
		cmp "$(grep -o -- ' -[0-9][0-9]*' "$out" | wc -l)" ">" 0 &&
			early="; some sessions ended before the window end (negative delays): access must last until not_after"
		met=$(yesno cmp "$w" "<=" 1000)
		[ -n "$early" ] && met="**no** (early)"
		row 4 "$what" "a sweep from cron every minute: up to 60 s" \
			"median $m ms, worst $w ms" \
			"$(fmt_x "$(awk -v w="$w" 'BEGIN { print 60000 / (w > 1 ? w : 1) }')") sooner than that worst case" \
			"$goal" "$met" "bench/revocation.sh: $last$early"
		return 0
	fi
	if [ "$k" = 6 ] && tl=$(grep -m1 '^| `--ticket' "$out"); then
		IFS='|' read -r _ q _ _ ours diy ratio _ <<<"$tl"
		row 6 "$what" "journalctl -o json + jq: $(trim "$diy")" "nhiacct review: $(trim "$ours")" \
			"$(trim "$ratio") faster" "$goal" "$met" "$(trim "$q"), medians (min–max); bench/review.sh, full output under Details"
		return 0
	fi
	return 1
}

# ---- main ------------------------------------------------------------------------

mkdir -p "$T/r"
[ -x "$LOOP" ] || die "$LOOP not built (make bench builds it)"
# Benchmark a snapshot of the module and the backend object: a rebuild of
# BUILD during the run must not change (or briefly break) what is measured.
mkdir -m 0755 "$T/lib" || die "mkdir failed"
install -m 0644 "$MOD" "$T/lib/pam_nhiacct.so" || die "cannot copy $MOD"
MOD=$T/lib/pam_nhiacct.so
if [ -f "$HTTP_SO" ]; then
	install -m 0644 "$HTTP_SO" "$T/lib/nhiacct_http.so" || die "cannot copy $HTTP_SO"
	HTTP_SO=$T/lib/nhiacct_http.so
fi
sshd_libs
setup_pam || die "set-up failed"

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo "?")
header="Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); $(date -u '+%Y-%m-%d %H:%M UTC'); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
versions="Linux-PAM $(dpkg-query -W -f '${Version}' libpam0g 2>/dev/null || echo ?), OpenSSH $(dpkg-query -W -f '${Version}' openssh-server 2>/dev/null || echo ?), libcurl $(dpkg-query -W -f '${Version}' libcurl4 2>/dev/null || echo ?), systemd-journald $(dpkg-query -W -f '${Version}' systemd 2>/dev/null || echo ?)"
say "$header"

ROWS_WANTED=" ${BENCH_ROWS:-1 2 3 4 5 6 7} "
want() { [[ $ROWS_WANTED == *" $1 "* ]]; }
want 1 && { row1; row1c; }
want 2 && { row2; row2c; }
want 3 && row3
want 5 && row5
want 4 && external 4 revocation.sh "Revocation delay: window end → connection closed" "≤ 1 s worst" 300
want 6 && external 6 review.sh "nhiacct review --ticket T on 1,000,000 records vs journalctl + jq" "< 1 s and ≥ 5× faster" 400
want 7 && external 7 recording.sh "Recording a vendor session (tlog)" "a login stays under 1 s" 900

elapsed=$(awk -v a="$BENCH_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
{
	echo "## pam_nhiacct benchmarks"
	echo
	echo "$header."
	echo "$versions. Tree at commit $commit (plus uncommitted changes, if any); module under test: a copy of $BUILD_ARG/pam_nhiacct.so (sha256 $(sha256sum "$MOD" | cut -c1-12)) taken at the start. Drivers: bench/pam_loop.c under pam_wrapper + nss_wrapper, keeping sshd's own libraries resident ($(wc -l <"$T/sshd-libs") from ldd /usr/sbin/sshd, e.g. libsystemd, libcrypto); a private systemd-journald (tests/lib/with-journald.sh). Medians over rounds run side by side (A B C A B C ...), spread as min–max over rounds unless marked p10–p90. Total run time: ${elapsed} s${BENCH_QUICK:+ (BENCH_QUICK: few rounds, rough figures)}."
	echo
	echo "| # | what | baseline | nhiacct | ratio | goal | met? | note |"
	echo "|---|---|---|---|---|---|---|---|"
	sort -s -k1,1 "$ROWS" | cut -f2-
	echo
	if [ -s "$DETAILS" ]; then
		echo "## Details"
		echo
		cat "$DETAILS"
	fi
} >"$T/results.md"
cat "$T/results.md"
if [ -n "${BENCH_WRITE:-}" ]; then
	cp "$T/results.md" "$TOP/bench/results.md" && say "written to bench/results.md"
fi
say "total run time: ${elapsed} s"
[ -z "$FAILED" ]
