/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy: the rules of design.md section 4, pure (no I/O but through
 * the injected membership test, no clock, no globals).
 */
#ifndef NHI_POLICY_H
#define NHI_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "reason.h"
#include "ticket.h"

struct nhi_login {
	const char *user;
	const char *service;    /* may be NULL */
	const char *rhost;      /* may be NULL */
	const char *host;       /* this host's name */
};

/* Is user a member (primary or supplementary) of group?  Injected so that
 * the policy does no I/O itself; nhi_member_nss is the real one. */
typedef bool (*nhi_member_fn)(const char *user, const char *group, void *ud);
bool nhi_member_nss(const char *user, const char *group, void *ud);

/* The rules of design.md section 4 in table order; first failure wins.
 * Pure: no I/O but through member(), no clock, no globals. */
enum nhi_reason nhi_decide(const struct nhi_conf *c, const struct nhi_ticket *t,
			   const struct nhi_login *l, int64_t now,
			   nhi_member_fn member, void *ud);

/* Does any glob of t->hosts match host / is user in t->accounts? */
bool nhi_ticket_matches_host(const struct nhi_ticket *t, const char *host);
bool nhi_ticket_has_account(const struct nhi_ticket *t, const char *user);

#endif
