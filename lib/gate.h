/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole decision for one vendor login: id syntax, fetch or lookup,
 * mapping, policy; every failure a reason, never a grant.
 */
#ifndef NHI_GATE_H
#define NHI_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "policy.h"
#include "reason.h"
#include "ticket.h"

struct nhi_result {
	enum nhi_reason reason;
	struct nhi_ticket ticket;       /* as far as known; owned */
	char *ticket_id;                /* presented or chosen id; owned, may be NULL */
	bool by_lookup;                 /* chosen by lookup */
	int64_t now;                    /* the time it was decided at */
	char detail[256];               /* diagnostic for the log, not the vendor */
};
void nhi_result_free(struct nhi_result *r);

/*
 * Section 4 steps 2-4 for a vendor: validates the presented id (may be NULL),
 * fetches or looks up, maps, decides.  l->host is this host's name, settled
 * by the front-end beforehand (nhi_conf_settle_host): no name service is
 * asked while deciding.  Never fails: every error becomes a reason.  Caller
 * frees r.
 */
void nhi_evaluate(const struct nhi_conf *c, const struct nhi_login *l,
		  const char *ticket_id, int64_t now, struct nhi_result *r);

/* The line shown to the vendor for r (grant or refusal), escaped.  Returns buf. */
char *nhi_result_message(const struct nhi_result *r, char *buf, size_t bufsz);

#endif
