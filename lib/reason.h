/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reason codes: every decision of the module is one of these (design.md
 * section 4), in rule order, with one table (reason.c) of names and of the
 * sentences shown to the vendor.
 */
#ifndef NHI_REASON_H
#define NHI_REASON_H

enum nhi_reason {
	NHI_GRANT = 0,                  /* every rule passed */
	NHI_DENY_NO_TICKET,             /* no id presented, none found by lookup */
	NHI_DENY_BAD_TICKET_ID,         /* presented id breaks the id syntax */
	NHI_DENY_NOT_FOUND,             /* backend has no such ticket */
	NHI_DENY_BACKEND_ERROR,         /* backend could not be asked */
	NHI_DENY_MALFORMED,             /* not JSON, or a mapped field has a wrong type */
	NHI_DENY_NOT_APPROVED,          /* state not in approved_states */
	NHI_DENY_NO_APPROVER,           /* approver missing or empty */
	NHI_DENY_SELF_APPROVED,         /* approver == requester or login user */
	NHI_DENY_APPROVER_NOT_ALLOWED,  /* approvers set, approver not in it */
	NHI_DENY_ACCOUNT_OUT_OF_SCOPE,  /* user not in accounts */
	NHI_DENY_HOST_OUT_OF_SCOPE,     /* no hosts glob matches this host */
	NHI_DENY_NO_TIME_LIMIT,         /* not_after missing */
	NHI_DENY_NOT_YET_VALID,         /* now < not_before - clock_skew */
	NHI_DENY_EXPIRED,               /* now >= not_after */
	NHI_DENY_WINDOW_TOO_LONG,       /* not_after - not_before > max_window */
	NHI_DENY_INSUFFICIENT_APPROVALS,/* fewer than min_approvers valid approvers */
	NHI_DENY_UNSIGNED,              /* signatures = required, an approver has not signed */
	NHI_DENY_BAD_SIGNATURE,         /* a signature does not verify against approver_keys */
	NHI_DENY_RECORDING_UNAVAILABLE, /* record = required, the session cannot be recorded */
	NHI_DENY_AUDIT_UNAVAILABLE,     /* record not written, audit = required */
	NHI_DENY_CONFIG_ERROR,          /* config missing, unreadable, unsafe, invalid */
	NHI_REASON_MAX
};

/* "expired", "no_ticket", ...; "granted" for NHI_GRANT; NULL if out of range. */
const char *nhi_reason_name(enum nhi_reason r);
/* One sentence for the vendor, without ticket details. */
const char *nhi_reason_text(enum nhi_reason r);
/* Reverse of nhi_reason_name; -EINVAL if unknown. */
int nhi_reason_from_name(const char *name, enum nhi_reason *out);

#endif
