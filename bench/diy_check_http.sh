#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/diy_check_http.sh URL CA_FILE TOKEN_FILE HOST: the do-it-yourself
# alternative to pam_nhiacct with backend = http, measured by bench/run.sh.
# Run by pam_exec in the account stack:
#
#   account required pam_exec.so quiet stdout /path/diy_check_http.sh \
#       'https://127.0.0.1:PORT/tickets/{id}' CA_FILE TOKEN_FILE HOST
#
# Fetches the ticket with curl (bearer token, the API's CA, a 5 s limit),
# then makes the same checks as bench/diy_check.sh with one jq run and
# writes a structured journal record with `logger --journald`.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
url=${1:?url} ca=${2:?ca file} tokfile=${3:?token file} host=${4:?host}
user=${PAM_USER:-} id=${NHIACCT_TICKET:-}
skew=60 max_window=28800
state='' requester='' approver='' has_account='' hosts='' nb='' na=''

record() { # EVENT REASON MESSAGE
	logger --journald <<-REC
	MESSAGE=$3
	PRIORITY=$([ "$1" = grant ] && echo 6 || echo 5)
	SYSLOG_IDENTIFIER=diy_check
	DIY_EVENT=$1
	DIY_REASON=$2
	DIY_USER=$user
	DIY_SERVICE=${PAM_SERVICE:-}
	DIY_RHOST=${PAM_RHOST:-}
	DIY_TICKET=$id
	DIY_APPROVER=$approver
	DIY_REQUESTER=$requester
	DIY_NOT_BEFORE=$nb
	DIY_NOT_AFTER=$na
	REC
}

deny() { # REASON
	record deny "$1" "refused $user: $1" || :
	echo "Access refused: $1" >&2
	exit 1
}

[[ $id =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$ ]] || deny bad_ticket_id
token=$(<"$tokfile") || deny backend_error
body=$(curl -sS --proto =https --max-time 5 --max-filesize 65536 --cacert "$ca" \
	-H "Authorization: Bearer $token" -H 'Accept: application/json' \
	-w '\n%{http_code}' "${url//\{id\}/$id}" 2>/dev/null) || deny backend_error
code=${body##*$'\n'}
body=${body%$'\n'*}
[ "$code" = 404 ] && deny not_found
[ "$code" = 200 ] || deny backend_error

out=$(jq -r --arg u "$user" '
	def t: if . == null then null elif type == "number" then . else fromdateiso8601 end;
	[ .state, .requester, .approver,
	  ((.scope.accounts // []) | any(.[]; . == $u)),
	  ((.scope.hosts // []) | join(" ")),
	  (.window.not_before | t), (.window.not_after | t) ]
	| map(if . == null then "" else tostring end) | join("\u001f")' <<<"$body" 2>/dev/null) ||
	deny malformed
IFS=$'\x1f' read -r state requester approver has_account hosts nb na <<<"$out"

printf -v now '%(%s)T' -1
[ "$state" = approved ] || deny not_approved
[ -n "$approver" ] || deny no_approver
{ [ "$approver" = "$requester" ] || [ "$approver" = "$user" ]; } && deny self_approved
[ "$has_account" = true ] || deny account_out_of_scope
match=''
set -f
for g in $hosts; do
	# shellcheck disable=SC2053 # $g is a glob on purpose
	[[ $host == $g ]] && match=1 && break
done
set +f
[ -n "$match" ] || deny host_out_of_scope
[ -n "$na" ] || deny no_time_limit
[ -z "$nb" ] || [ "$now" -ge $((nb - skew)) ] || deny not_yet_valid
[ "$now" -lt "$na" ] || deny expired
[ $((na - ${nb:-$now})) -le $max_window ] || deny window_too_long

record grant - "granted $user under $id, approved by $approver" || deny audit_unavailable
printf -v until '%(%Y-%m-%dT%H:%M:%SZ)T' "$na"
echo "Access granted under ticket $id (approved by $approver) until $until."
exit 0
