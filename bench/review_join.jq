# SPDX-License-Identifier: BSD-3-Clause
#
# bench/review_join.jq: the do-it-yourself `nhiacct review`, for comparison:
#   journalctl NHIACCT_TICKET=T -o json | jq -s -c -f bench/review_join.jq
# Joins the records of each session by NHIACCT_SESSION into one row with the
# keys of `nhiacct review --json` (the open record is the authority on the
# ticket's details, a revoke outranks the close that follows it, the latest
# reviewed record names the reviewer, the open record the recording), then one
# row per denial.  Only root's records (_UID 0) count.
def t: .__REALTIME_TIMESTAMP | tonumber / 1000000 | floor | todate;
def first_of($ev): map(select(.NHIACCT_EVENT == $ev)) | first;

map(select(._UID == "0")) as $all
| ($all
   | map(select(.NHIACCT_SESSION != null and .NHIACCT_EVENT != "deny"))
   | group_by(.NHIACCT_SESSION)
   | map(first_of("open") as $o | first_of("revoke") as $rv | first_of("close") as $c
         | (map(select(.NHIACCT_EVENT == "reviewed")) | last) as $rw
         | ($rv // $c) as $e | ($o // .[0]) as $a
         | {type: "session", session: $a.NHIACCT_SESSION, user: $a.NHIACCT_USER,
            host: $a._HOSTNAME, rhost: $a.NHIACCT_RHOST, service: $a.NHIACCT_SERVICE,
            ticket: $a.NHIACCT_TICKET, approver: $a.NHIACCT_APPROVER,
            requester: $a.NHIACCT_REQUESTER, purpose: $a.NHIACCT_PURPOSE,
            opened: (if $o then $o | t else null end),
            ended: (if $e then $e | t else null end),
            end: (if $rv then "revoked-" + ($rv.NHIACCT_REASON // "" | gsub("_"; "-"))
                  elif $c then "closed" else "open" end),
            reason: $rv.NHIACCT_REASON,
            duration: (if $e.NHIACCT_DURATION then $e.NHIACCT_DURATION | tonumber
                       else null end),
            reviewed_by: $rw.NHIACCT_REVIEWER,
            reviewed_at: (if $rw then $rw | t else null end),
            review_note: $rw.NHIACCT_NOTE,
            recorded: ($o.NHIACCT_RECORDING != null),
            recording: $o.NHIACCT_RECORDING,
            boot_id: (if $o.NHIACCT_RECORDING then $o._BOOT_ID else null end)})
   | sort_by(.opened))[],
  ($all
   | map(select(.NHIACCT_EVENT == "deny"))
   | map({type: "denial", time: t, user: .NHIACCT_USER, host: ._HOSTNAME,
          rhost: .NHIACCT_RHOST, service: .NHIACCT_SERVICE, ticket: .NHIACCT_TICKET,
          reason: .NHIACCT_REASON}))[]
