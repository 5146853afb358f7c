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

/* May this approver approve for this login (not the requester, not the
 * user logging in, and allowed by approvers when that is set)? */
static bool
valid_approver(const struct nhi_conf *c, const struct nhi_ticket *t, const char *a,
	       const struct nhi_login *l, nhi_member_fn member, void *ud)
{
	return !blank(a) && !same_person(a, t->requester) && !same_person(a, l->user) &&
	       (c->approvers.n == 0 || approver_allowed(c, a, member, ud));
}

/* How many distinct approvers of the list are valid (names equal but for
 * case are one person). */
static size_t
valid_approvers(const struct nhi_conf *c, const struct nhi_ticket *t,
		const struct nhi_strv *list, const struct nhi_login *l,
		nhi_member_fn member, void *ud)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same_person(list->v[i], list->v[j]);
		if (!seen && valid_approver(c, t, list->v[i], l, member, ud))
			n++;
	}
	return n;
}

/* The approver rules while no valid approver is there: why not. */
static enum nhi_reason
no_valid_approver(const struct nhi_ticket *t, const struct nhi_strv *list,
		  const struct nhi_login *l)
{
	for (size_t i = 0; i < list->n; i++)
		if (same_person(list->v[i], t->requester) || same_person(list->v[i], l->user))
			return NHI_DENY_SELF_APPROVED;
	return NHI_DENY_APPROVER_NOT_ALLOWED;
}

enum nhi_reason
nhi_decide(const struct nhi_conf *c, const struct nhi_ticket *t,
	   const struct nhi_login *l, int64_t now, nhi_member_fn member, void *ud)
{
	/* a ticket built with its one approver in t->approver only */
	char *one[1] = { t->approver };
	const struct nhi_strv single = { one, t->approver != NULL };
	const struct nhi_strv *list = t->approvers.n > 0 ? &t->approvers : &single;
	size_t valid;
	int64_t start;

	if (t->state == NULL || !nhi_strv_contains(&c->approved_states, t->state))
		return NHI_DENY_NOT_APPROVED;
	if (list->n == 0 || (list->n == 1 && blank(list->v[0])))
		return NHI_DENY_NO_APPROVER;
	if ((valid = valid_approvers(c, t, list, l, member, ud)) == 0)
		return no_valid_approver(t, list, l);
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
	if (valid < (size_t)c->min_approvers)
		return NHI_DENY_INSUFFICIENT_APPROVALS;
	return NHI_GRANT;
}
