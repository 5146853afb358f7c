/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * identity_map: ticket-system identities (an Atlassian accountId, an e-mail
 * address, a ServiceNow user name or sys_id) as the local names the rules
 * compare.  A root-owned file of "EXTERNAL LOCAL" lines.
 */
#ifndef NHI_IDMAP_H
#define NHI_IDMAP_H

#include <stddef.h>

#include "conf.h"
#include "ticket.h"

#define NHI_IDMAP_MAX (1024 * 1024)     /* bytes of the file */

/*
 * With identity_map set, puts the local names in place of t's approvers and
 * requester, keeping each approver's external id in t->approver_ids and
 * showing both in t->approver ("alice (557058:f58...)").  A requester that
 * is not in the map but is one of the approvers' ids is that approver (so
 * self-approval is still seen).  Every approver must be in the map:
 * -ENOKEY otherwise, err naming it; -EPERM when the file is unusable (a
 * configuration error).  0 and nothing changed without identity_map.
 */
int nhi_idmap_apply(const struct nhi_conf *c, struct nhi_ticket *t, char *err, size_t errsz);

#endif
