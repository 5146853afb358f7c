/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tickets: the struct every ticket system's document is mapped into, and
 * the id syntax.  Mapping a document (ticket.c) goes through the field
 * pointers of the configuration.
 */
#ifndef NHI_TICKET_H
#define NHI_TICKET_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "util.h"

#define NHI_ID_MAX          64          /* ticket id length */
#define NHI_SIG_MAX         8192        /* bytes of one armoured signature */
#define NHI_SIGS_MAX        32          /* signatures of one ticket */

struct json_t;  /* jansson's, for those who map documents */

/* 1..64 of [A-Za-z0-9._-], not starting with '.'. */
bool nhi_ticket_id_valid(const char *id);

struct nhi_ticket {
	char *id;               /* all strings owned; NULL when absent */
	char *state;
	char *requester;
	char *approver;         /* for people: the approvers, ", "-joined */
	struct nhi_strv approvers; /* each approver (local names with identity_map) */
	struct nhi_strv approver_ids; /* with identity_map: each approver's external id */
	char *purpose;
	struct nhi_strv hosts;
	struct nhi_strv accounts;
	bool has_hosts, has_accounts;
	bool has_not_before, has_not_after;
	int64_t not_before, not_after;
	/* Approval signatures (OpenSSH SSHSIG armour), each with the approver
	 * it names ("" when the entry names none); set by the map. */
	struct nhi_strv sigs;
	struct nhi_strv sig_approvers;
	/* Set by the signature check: each approver's key fingerprint. */
	struct nhi_strv approver_keys;
};

void nhi_ticket_free(struct nhi_ticket *t);        /* resets to zero */

/*
 * Maps a parsed document into t through c->field[].  A mapped field of the
 * wrong type, or an id that breaks the syntax, is -EBADMSG (malformed) with
 * err set; absent fields are left absent (the policy decides).  If the
 * document has no id, fallback_id (may be NULL) is used.  Caller frees t.
 */
int nhi_ticket_from_json(const struct nhi_conf *c, struct json_t *doc,
			 const char *fallback_id, struct nhi_ticket *t,
			 char *err, size_t errsz);

/* The same for a document a backend mapped itself (backend ops' native):
 * read at the native places, reported under c->field[] (the pointer or
 * expression the administrator wrote). */
int nhi_ticket_from_native(const struct nhi_conf *c, struct json_t *doc,
			   const char *fallback_id, struct nhi_ticket *t,
			   char *err, size_t errsz);

#endif
