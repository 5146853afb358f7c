/* SPDX-License-Identifier: BSD-3-Clause */
/* The one table of reason codes: name (the contract) and sentence (the vendor's). */
#include <errno.h>
#include <string.h>

#include "reason.h"

static const struct {
	const char *name;
	const char *text;
} reasons[NHI_REASON_MAX] = {
	[NHI_GRANT] = { "granted", "access granted" },
	[NHI_DENY_NO_TICKET] = { "no_ticket",
		"no access ticket was presented and none is open for this account on this host" },
	[NHI_DENY_BAD_TICKET_ID] = { "bad_ticket_id",
		"that is not a ticket id (1-64 letters, digits, '.', '_' or '-')" },
	[NHI_DENY_NOT_FOUND] = { "not_found", "the ticket system does not know this ticket" },
	[NHI_DENY_BACKEND_ERROR] = { "backend_error",
		"the ticket system could not be asked; try again later or ask the administrators" },
	[NHI_DENY_MALFORMED] = { "malformed", "the ticket could not be read (malformed)" },
	[NHI_DENY_NOT_APPROVED] = { "not_approved", "the ticket is not approved" },
	[NHI_DENY_NO_APPROVER] = { "no_approver", "the ticket names no approver" },
	[NHI_DENY_SELF_APPROVED] = { "self_approved",
		"the ticket was approved by its requester or by you; someone else must approve it" },
	[NHI_DENY_APPROVER_NOT_ALLOWED] = { "approver_not_allowed",
		"the ticket's approver may not approve access to this host" },
	[NHI_DENY_ACCOUNT_OUT_OF_SCOPE] = { "account_out_of_scope",
		"the ticket does not cover this account" },
	[NHI_DENY_HOST_OUT_OF_SCOPE] = { "host_out_of_scope", "the ticket does not cover this host" },
	[NHI_DENY_NO_TIME_LIMIT] = { "no_time_limit", "the ticket has no end time" },
	[NHI_DENY_NOT_YET_VALID] = { "not_yet_valid", "the ticket's time window has not started yet" },
	[NHI_DENY_EXPIRED] = { "expired", "the ticket's time window has ended" },
	[NHI_DENY_WINDOW_TOO_LONG] = { "window_too_long",
		"the ticket's time window is longer than this host allows" },
	[NHI_DENY_INSUFFICIENT_APPROVALS] = { "insufficient_approvals",
		"the ticket has fewer approvals than this host requires" },
	[NHI_DENY_UNSIGNED] = { "unsigned",
		"the ticket's approval is not signed, and this host requires signed approvals" },
	[NHI_DENY_BAD_SIGNATURE] = { "bad_signature",
		"the ticket's approval signature does not verify" },
	[NHI_DENY_AUDIT_UNAVAILABLE] = { "audit_unavailable",
		"the access record could not be written, so access is refused" },
	[NHI_DENY_RECORDING_UNAVAILABLE] = { "recording_unavailable",
		"this host records vendor sessions and cannot record yours; ask the administrators" },
	[NHI_DENY_CONFIG_ERROR] = { "config_error",
		"access control on this host is misconfigured; ask the administrators" },
};

const char *
nhi_reason_name(enum nhi_reason r)
{
	return (unsigned)r < NHI_REASON_MAX ? reasons[r].name : NULL;
}

const char *
nhi_reason_text(enum nhi_reason r)
{
	return (unsigned)r < NHI_REASON_MAX ? reasons[r].text : NULL;
}

int
nhi_reason_from_name(const char *name, enum nhi_reason *out)
{
	for (int i = 0; i < NHI_REASON_MAX; i++)
		if (name != NULL && strcmp(reasons[i].name, name) == 0) {
			*out = (enum nhi_reason)i;
			return 0;
		}
	return -EINVAL;
}
