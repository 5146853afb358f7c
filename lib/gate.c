/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole decision for one vendor login (design.md section 4, steps 2-4):
 * id syntax, fetch or lookup, field map, policy.  Every failure becomes a
 * reason code; nothing here can grant on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "gate.h"
#include "idmap.h"
#include "json.h"
#include "backend.h"
#include "conf.h"
#include "log.h"
#include "policy.h"
#include "reason.h"
#include "signature.h"
#include "text.h"
#include "ticket.h"
#include "timeutil.h"

void
nhi_result_free(struct nhi_result *r)
{
	if (r == NULL)
		return;
	nhi_ticket_free(&r->ticket);
	free(r->ticket_id);
	r->ticket_id = NULL;
}

/* Backend errno -> reason (see struct nhi_backend_ops). */
static enum nhi_reason
backend_reason(int r)
{
	switch (r) {
	case -ENOENT: return NHI_DENY_NOT_FOUND;
	case -EBADMSG: return NHI_DENY_MALFORMED;
	case -EPERM: return NHI_DENY_CONFIG_ERROR;
	default: return NHI_DENY_BACKEND_ERROR;
	}
}

/* A backend's document as a ticket: mapped through c->field[], unless the
 * backend mapped it itself. */
static int
ticket_of(const struct nhi_conf *c, const struct nhi_backend_ops *ops, json_t *doc,
	  const char *fallback_id, struct nhi_ticket *t, char *err, size_t errsz)
{
	if (ops->native)
		return nhi_ticket_from_native(c, doc, fallback_id, t, err, errsz);
	return nhi_ticket_from_json(c, doc, fallback_id, t, err, errsz);
}

/* An answer in which no mapped ticket field is present holds no ticket. */
static bool
empty_ticket(const struct nhi_ticket *t)
{
	return t->state == NULL && t->approver == NULL && t->requester == NULL &&
	       !t->has_hosts && !t->has_accounts && !t->has_not_before && !t->has_not_after;
}

/* The rules for a mapped ticket: its identities made local names first
 * (identity_map), then the policy.  detail says why on a refusal the map
 * decides. */
static enum nhi_reason
judge(const struct nhi_conf *c, struct nhi_ticket *t, const struct nhi_login *l, int64_t now,
      char *detail, size_t detailsz)
{
	int r = nhi_idmap_apply(c, t, detail, detailsz);
	enum nhi_reason why;

	if (r == -ENOKEY)
		return NHI_DENY_APPROVER_NOT_ALLOWED;   /* an identity nobody vouches for */
	if (r == -EPERM)
		return NHI_DENY_CONFIG_ERROR;
	if (r < 0)
		return NHI_DENY_BACKEND_ERROR;
	why = nhi_decide(c, t, l, now, nhi_member_nss, NULL);
	/* signatures = required: a ticket the rules grant, proven offline */
	if (why == NHI_GRANT)
		why = nhi_signatures_check(c, t, now, detail, detailsz);
	return why;
}

/* Ticket systems compare ids ignoring case (a typed chg0031042 is answered
 * as CHG0031042): the record names the ticket as its system spells it. */
static void
take_document_spelling(struct nhi_result *r)
{
	char *spelt;

	if (r->ticket.id == NULL || strcmp(r->ticket.id, r->ticket_id) == 0)
		return;
	if ((spelt = strdup(r->ticket.id)) == NULL) {
		r->reason = NHI_DENY_BACKEND_ERROR;
		return;
	}
	free(r->ticket_id);
	r->ticket_id = spelt;
}

static void
evaluate_id(const struct nhi_conf *c, const struct nhi_backend_ops *ops,
	    const struct nhi_login *l, const char *id, int64_t now, struct nhi_result *r)
{
	json_t *doc = NULL;
	int e;

	e = ops->fetch(c, id, &doc, r->detail, sizeof(r->detail));
	if (e < 0) {
		r->reason = backend_reason(e);
		return;
	}
	if (ticket_of(c, ops, doc, id, &r->ticket, r->detail, sizeof(r->detail)) < 0) {
		r->reason = NHI_DENY_MALFORMED;
	} else if (empty_ticket(&r->ticket)) {
		/* e.g. ServiceNow's {"result": []} for a number it does not know */
		snprintf(r->detail, sizeof(r->detail), "the answer holds no ticket fields");
		r->reason = NHI_DENY_NOT_FOUND;
	} else if (r->ticket.id != NULL && strcasecmp(r->ticket.id, id) != 0) {
		/* a document that answers for another id is not this ticket */
		snprintf(r->detail, sizeof(r->detail), "the document's id is %s", r->ticket.id);
		r->reason = NHI_DENY_MALFORMED;
	} else {
		r->reason = judge(c, &r->ticket, l, now, r->detail, sizeof(r->detail));
		take_document_spelling(r);
	}
	json_decref(doc);
}

/* Is the candidate better than what r holds?  Of the candidates that pass
 * every rule, the one ending last; if none passes, the one that got
 * furthest in rule order (NO_TICKET is the smallest refusal). */
static bool
better(const struct nhi_result *r, enum nhi_reason why, const struct nhi_ticket *t)
{
	if (why == NHI_GRANT)
		return r->reason != NHI_GRANT || t->not_after > r->ticket.not_after;
	return r->reason != NHI_GRANT && why > r->reason;
}

/*
 * One candidate of a lookup: mapped, then judged if it names this account
 * and host.  A candidate that cannot be mapped, or names another account
 * or host, is not one: it can only shrink the choice, never explain a
 * refusal to someone it does not concern (its reason goes to the log).
 */
struct judge {
	const struct nhi_conf *c;
	const struct nhi_backend_ops *ops;
	const struct nhi_login *l;
	int64_t now;
	struct nhi_result *r;
	char skipped[256];      /* why the last unreadable candidate was skipped */
};

static int
judge_candidate(json_t *doc, void *ud)
{
	struct judge *j = ud;
	const struct nhi_conf *c = j->c;
	const struct nhi_login *l = j->l;
	struct nhi_result *r = j->r;
	struct nhi_ticket t;
	enum nhi_reason why;
	char msg[200] = "";

	if (ticket_of(c, j->ops, doc, NULL, &t, msg, sizeof(msg)) < 0 || t.id == NULL) {
		snprintf(j->skipped, sizeof(j->skipped), "a candidate was skipped: %s",
			 msg[0] ? msg : "it has no id");
		nhi_log(LOG_DEBUG, "lookup: %s", j->skipped);
	} else if (!nhi_ticket_has_account(&t, l->user) || !nhi_ticket_matches_host(&t, l->host)) {
		nhi_log(LOG_DEBUG, "lookup: candidate %s does not name %s on %s", t.id,
			l->user, l->host);
	} else if (better(r, why = judge(c, &t, l, j->now, msg, sizeof(msg)), &t)) {
		nhi_ticket_free(&r->ticket);
		r->ticket = t;
		memset(&t, 0, sizeof(t));
		r->reason = why;
		if (why == NHI_GRANT)
			r->detail[0] = '\0';
		else
			snprintf(r->detail, sizeof(r->detail), "candidate %s: %s%s%s", r->ticket.id,
				 nhi_reason_name(why), msg[0] ? ": " : "", msg);
	}
	nhi_ticket_free(&t);
	return 0;
}

/* A lookup: every candidate the backend answers is judged. */
static void
evaluate_lookup(const struct nhi_conf *c, const struct nhi_backend_ops *ops,
		const struct nhi_login *l, int64_t now, struct nhi_result *r)
{
	struct judge j = { c, ops, l, now, r, "" };
	int e;

	r->by_lookup = true;
	if (ops->lookup == NULL) {
		r->reason = NHI_DENY_NO_TICKET;
		snprintf(r->detail, sizeof(r->detail), "the %s backend cannot look tickets up",
			 ops->name);
		return;
	}
	r->reason = NHI_DENY_NO_TICKET;
	e = ops->lookup(c, l->user, l->host, judge_candidate, &j, r->detail, sizeof(r->detail));
	if (e < 0) {
		nhi_ticket_free(&r->ticket);
		r->reason = e == -ENOENT ? NHI_DENY_NO_TICKET : backend_reason(e);
		return;
	}
	if (r->reason == NHI_DENY_NO_TICKET && r->detail[0] == '\0')
		snprintf(r->detail, sizeof(r->detail), "%s", j.skipped);
	if (r->reason == NHI_DENY_NO_TICKET && r->detail[0] == '\0')
		snprintf(r->detail, sizeof(r->detail), "no ticket names %s on %s", l->user, l->host);
	if (r->ticket.id != NULL && (r->ticket_id = strdup(r->ticket.id)) == NULL)
		r->reason = NHI_DENY_BACKEND_ERROR;
}

/* The presented id: syntax first, so a bad id never reaches a path, a
 * URL or a log.  0 to go on, -1 when r holds the refusal. */
static int
take_id(const struct nhi_conf *c, const char *ticket_id, struct nhi_result *r)
{
	if (ticket_id == NULL || ticket_id[0] == '\0') {
		if (c->lookup)
			return 0;
		r->reason = NHI_DENY_NO_TICKET;
		snprintf(r->detail, sizeof(r->detail), "no ticket presented and lookup = no");
		return -1;
	}
	if (!nhi_ticket_id_valid(ticket_id)) {
		r->reason = NHI_DENY_BAD_TICKET_ID;
		snprintf(r->detail, sizeof(r->detail), "presented id of %zu bytes",
			 strlen(ticket_id));
		return -1;
	}
	if ((r->ticket_id = strdup(ticket_id)) == NULL) {
		r->reason = NHI_DENY_BACKEND_ERROR;
		return -1;
	}
	return 0;
}

void
nhi_evaluate(const struct nhi_conf *c, const struct nhi_login *l,
	     const char *ticket_id, int64_t now, struct nhi_result *r)
{
	const struct nhi_backend_ops *ops;

	memset(r, 0, sizeof(*r));
	r->now = now;
	if (l->host == NULL) {
		r->reason = NHI_DENY_CONFIG_ERROR;
		snprintf(r->detail, sizeof(r->detail), "this host's name is not known");
		return;
	}
	if (take_id(c, ticket_id, r) < 0)
		return;
	if (nhi_backend_get(c, &ops, r->detail, sizeof(r->detail)) < 0) {
		r->reason = NHI_DENY_BACKEND_ERROR;
		return;
	}
	if (r->ticket_id != NULL)
		evaluate_id(c, ops, l, r->ticket_id, now, r);
	else
		evaluate_lookup(c, ops, l, now, r);
	if (r->reason != NHI_GRANT && r->detail[0] != '\0')
		nhi_log(LOG_DEBUG, "%s: %s", nhi_reason_name(r->reason), r->detail);
}

/* "2026-11-22 11:00:00 UTC": the vendor's terminal is not the host's TZ. */
static char *
human_time(int64_t t, char *buf, size_t bufsz)
{
	char iso[NHI_TIME_BUF];

	nhi_format_time(t, iso, sizeof(iso));
	if (strlen(iso) == 20) {
		iso[10] = ' ';
		iso[19] = '\0';
		snprintf(buf, bufsz, "%s UTC", iso);
	} else {
		snprintf(buf, bufsz, "%s", iso);
	}
	return buf;
}

char *
nhi_result_message(const struct nhi_result *r, char *buf, size_t bufsz)
{
	const struct nhi_ticket *t = &r->ticket;
	char id[NHI_ID_MAX + 1], who[128], when[48], left[32], extra[96] = "";

	snprintf(id, sizeof(id), "%s", r->ticket_id ? r->ticket_id : (t->id ? t->id : ""));
	if (r->reason == NHI_GRANT) {
		nhi_escape(who, sizeof(who), t->approver);
		human_time(t->not_after, when, sizeof(when));
		nhi_format_duration(t->not_after - r->now, left, sizeof(left));
		snprintf(buf, bufsz,
			 "nhiacct: access granted: ticket %s approved by %s, until %s (%s left)",
			 id, who, when, left);
		return buf;
	}
	if (r->reason == NHI_DENY_NOT_YET_VALID && t->has_not_before)
		snprintf(extra, sizeof(extra), " (it starts %s)",
			 human_time(t->not_before, when, sizeof(when)));
	else if (r->reason == NHI_DENY_EXPIRED && t->has_not_after)
		snprintf(extra, sizeof(extra), " (it ended %s)",
			 human_time(t->not_after, when, sizeof(when)));
	snprintf(buf, bufsz, "nhiacct: access refused (%s): %s%s%s%s%s",
		 nhi_reason_name(r->reason), nhi_reason_text(r->reason), extra,
		 id[0] ? " [ticket " : "", id, id[0] ? "]" : "");
	return buf;
}
