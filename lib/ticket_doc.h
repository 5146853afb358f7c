/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native ticket documents as `nhiacct ticket` makes and changes them
 * (design.md section 3): a new ticket in state "requested", an approval
 * added (approver and signature), a withdrawal; and the one atomic write
 * of a ticket file (root-owned 0644, written in full to a temporary file,
 * synced, then renamed over the old one).
 */
#ifndef NHI_TICKET_DOC_H
#define NHI_TICKET_DOC_H

#include <stdint.h>

#include "util.h"

struct json_t;

struct nhi_ticket_spec {
	const char *id;
	const char *requester;
	const char *purpose;
	struct nhi_strv accounts;
	struct nhi_strv hosts;
	int64_t not_before, not_after;  /* Unix seconds */
};

/* *doc: a new ticket of spec in state "requested"; -EINVAL when spec breaks
 * the ticket format (id syntax, no account or host, window reversed). */
int nhi_ticket_doc_new(const struct nhi_ticket_spec *spec, struct json_t **doc, char *err,
		       size_t errsz);

/* Adds approver (once) to the approvers, its signature (when not NULL) to
 * "signatures" (replacing an earlier one of the same approver), and sets
 * the state "approved".  -EPERM for a withdrawn ticket. */
int nhi_ticket_doc_approve(struct json_t *doc, const char *approver, const char *signature,
			   char *err, size_t errsz);

/* State "withdrawn", with the reason and the time (Unix seconds). */
int nhi_ticket_doc_withdraw(struct json_t *doc, const char *reason, int64_t at);

/* Writes doc to dirfd/name atomically, mode 0644 (owned by the caller). */
int nhi_ticket_doc_write(int dirfd, const char *name, struct json_t *doc, char *err,
			 size_t errsz);

#endif
