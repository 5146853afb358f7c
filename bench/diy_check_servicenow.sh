#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/diy_check_servicenow.sh BASE CA_FILE TOKEN_FILE HOST: the
# do-it-yourself alternative to pam_nhiacct with conf/examples/servicenow.conf,
# measured by bench/run.sh (row 2c).  Run by pam_exec in the account stack.
#
# The same two requests as the module: the change by number (Table API,
# change_request), then its approvers by sys_id (sysapproval_approver); one
# jq run reads each answer; then the checks of bench/diy_check_http.sh and a
# structured journal record with `logger --journald`.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
base=${1:?base URL} ca=${2:?ca file} tokfile=${3:?token file} host=${4:?host}
user=${PAM_USER:-} id=${NHIACCT_TICKET:-}
skew=60 max_window=28800
state='' requester='' approvers='' accounts='' hosts='' nb='' na=''

record() { # EVENT REASON MESSAGE
	logger --journald <<-REC
	MESSAGE=$3
	PRIORITY=$([ "$1" = grant ] && echo 6 || echo 5)
	SYSLOG_IDENTIFIER=diy_check
	DIY_EVENT=$1
	DIY_REASON=$2
	DIY_USER=$user
	DIY_TICKET=$id
	DIY_APPROVER=$approvers
	DIY_REQUESTER=$requester
	REC
}

deny() { # REASON
	record deny "$1" "refused $user: $1" || :
	echo "Access refused: $1" >&2
	exit 1
}

get() { # URL -> body, or deny
	local body code
	body=$(curl -sS --proto =https --max-time 5 --max-filesize 1048576 --cacert "$ca" \
		-H "Authorization: Bearer $token" -H 'Accept: application/json' \
		-w '\n%{http_code}' "$1" 2>/dev/null) || deny backend_error
	code=${body##*$'\n'}
	[ "$code" = 200 ] || deny backend_error
	printf '%s' "${body%$'\n'*}"
}

[[ $id =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$ ]] || deny bad_ticket_id
token=$(<"$tokfile") || deny backend_error
fields=sys_id,number,state,approval,requested_by.user_name,start_date,end_date,u_hosts,u_accounts,short_description
change=$(get "$base/api/now/table/change_request?sysparm_query=number=$id&sysparm_fields=$fields&sysparm_display_value=false&sysparm_exclude_reference_link=true&sysparm_limit=2")
out=$(jq -r '
	def t: if . == null then "" else (sub(" "; "T") + "Z" | fromdateiso8601) end;
	if (.result | length) != 1 then error("not one") else .result[0] end
	| [ .sys_id, "\(.approval) \(.state)", ."requested_by.user_name",
	    .u_accounts, .u_hosts, (.start_date | t), (.end_date | t) ]
	| map(tostring) | join("\u001f")' <<<"$change" 2>/dev/null) || deny not_found
IFS=$'\x1f' read -r sys_id state requester accounts hosts nb na <<<"$out"
[[ $sys_id =~ ^[0-9a-f]{32}$ ]] || deny malformed
approvals=$(get "$base/api/now/table/sysapproval_approver?sysparm_query=sysapproval=$sys_id&sysparm_fields=approver.user_name,state&sysparm_display_value=false&sysparm_limit=100")
approvers=$(jq -r '[.result[] | select(.state == "approved") | ."approver.user_name"] | join(" ")' \
	<<<"$approvals" 2>/dev/null) || deny malformed

printf -v now '%(%s)T' -1
case $state in "approved -2" | "approved -1") ;; *) deny not_approved ;; esac
[ -n "$approvers" ] || deny no_approver
for a in $approvers; do
	{ [ "$a" = "$requester" ] || [ "$a" = "$user" ]; } && deny self_approved
done
[[ ",${accounts// /}," == *",$user,"* ]] || deny account_out_of_scope
match=''
set -f
for g in ${hosts//,/ }; do
	# shellcheck disable=SC2053 # $g is a glob on purpose
	[[ $host == $g ]] && match=1 && break
done
set +f
[ -n "$match" ] || deny host_out_of_scope
[ -n "$na" ] || deny no_time_limit
[ -z "$nb" ] || [ "$now" -ge $((nb - skew)) ] || deny not_yet_valid
[ "$now" -lt "$na" ] || deny expired
[ $((na - ${nb:-$now})) -le $max_window ] || deny window_too_long

record grant - "granted $user under $id, approved by $approvers" || deny audit_unavailable
echo "Access granted under change $id (approved by $approvers)."
exit 0
