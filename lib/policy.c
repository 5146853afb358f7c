/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision of design.md section 4, as a pure function: the same inputs
 * always give the same verdict, so every rule is a table row in a unit test.
 * Group membership is the one outside fact a rule needs; it comes in through
 * the member() callback.
 */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "conf.h"
#include "reason.h"
#include "ticket.h"
#include "util.h"

bool
nhi_ticket_matches_host(const struct nhi_ticket *t, const char *host)
{
	if (!t->has_hosts || host == NULL)
		return false;
	for (size_t i = 0; i < t->hosts.n; i++)
		if (fnmatch(t->hosts.v[i], host, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

bool
nhi_ticket_has_account(const struct nhi_ticket *t, const char *user)
{
	return t->has_accounts && nhi_strv_contains(&t->accounts, user);
}

static bool
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
}

/* Names in ticket systems and local accounts may differ in case; two names
 * that differ only in case are the same person here (the safe reading). */
static bool
same_person(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

static bool
approver_allowed(const struct nhi_conf *c, const char *approver,
		 nhi_member_fn member, void *ud)
{
	for (size_t i = 0; i < c->approvers.n; i++) {
		const char *a = c->approvers.v[i];

		if (a[0] == '@') {
			if (a[1] != '\0' && member != NULL && member(approver, a + 1, ud))
				return true;
		} else if (strcmp(a, approver) == 0) {
			return true;
		}
	}
	return false;
}

enum nhi_reason
nhi_decide(const struct nhi_conf *c, const struct nhi_ticket *t,
	   const struct nhi_login *l, int64_t now, nhi_member_fn member, void *ud)
{
	int64_t start;

	if (t->state == NULL || !nhi_strv_contains(&c->approved_states, t->state))
		return NHI_DENY_NOT_APPROVED;
	if (blank(t->approver))
		return NHI_DENY_NO_APPROVER;
	if (same_person(t->approver, t->requester) || same_person(t->approver, l->user))
		return NHI_DENY_SELF_APPROVED;
	if (c->approvers.n > 0 && !approver_allowed(c, t->approver, member, ud))
		return NHI_DENY_APPROVER_NOT_ALLOWED;
	if (!nhi_ticket_has_account(t, l->user))
		return NHI_DENY_ACCOUNT_OUT_OF_SCOPE;
	if (!nhi_ticket_matches_host(t, l->host))
		return NHI_DENY_HOST_OUT_OF_SCOPE;
	if (!t->has_not_after)
		return NHI_DENY_NO_TIME_LIMIT;
	/* clock_skew lets a login start a little early; the end is hard */
	if (t->has_not_before && now < t->not_before - c->clock_skew)
		return NHI_DENY_NOT_YET_VALID;
	if (now >= t->not_after)
		return NHI_DENY_EXPIRED;
	start = t->has_not_before ? t->not_before : now;
	if (t->not_after - start > c->max_window)
		return NHI_DENY_WINDOW_TOO_LONG;
	return NHI_GRANT;
}
