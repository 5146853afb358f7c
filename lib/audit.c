/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal records, through one door.  Each event is one entry with the
 * NHIACCT_* fields of design.md section 7.  Field values are passed as
 * iovecs, so text from a ticket (newlines, escapes) is stored intact in the
 * NHIACCT_* fields; only MESSAGE, meant for people, is escaped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "audit.h"
#include "text.h"
#include "ticket.h"
#include "timeutil.h"

#define FIELDS_MAX (32 + NHI_LIST_MAX)  /* NHIACCT_APPROVER may repeat */

static const struct {
	const char *name;
	const char *message_id;
	int priority;
} events[NHI_EV_MAX] = {
	[NHI_EV_GRANT] = { "grant", "6e8d6eb89f0e40bfa07113b94a74d544", 6 },
	[NHI_EV_DENY] = { "deny", "8310785ed9034f82afd31332e5fcd088", 5 },
	[NHI_EV_OPEN] = { "open", "5e20c685e20346ffb60a8e6d1894b6eb", 6 },
	[NHI_EV_CLOSE] = { "close", "7cd6de60d89642c1b3b6126e875e42a4", 6 },
	[NHI_EV_REVOKE] = { "revoke", "d09631a45caa44358619e0e0f5b07be6", 5 },
	[NHI_EV_WARN] = { "warn", "e529a43b2f3e4c599cf1e759e8180cff", 5 },
	[NHI_EV_REVIEWED] = { "reviewed", "03df589f01e849a1847c7c8401bd82b8", 6 },
};

const char *
nhi_event_name(enum nhi_event e)
{
	return (unsigned)e < NHI_EV_MAX ? events[e].name : NULL;
}

const char *
nhi_event_message_id(enum nhi_event e)
{
	return (unsigned)e < NHI_EV_MAX ? events[e].message_id : NULL;
}

struct fields {
	struct iovec iov[FIELDS_MAX];
	size_t n;
	bool oom;
};

static void
add(struct fields *f, const char *name, const char *value)
{
	char *s;

	if (value == NULL || f->n >= FIELDS_MAX)
		return;
	if (asprintf(&s, "%s=%s", name, value) < 0) {
		f->oom = true;
		return;
	}
	f->iov[f->n].iov_base = s;
	f->iov[f->n].iov_len = strlen(s);
	f->n++;
}

/* The sentence of MESSAGE, from already escaped parts. */
static void
compose(const struct nhi_record *rec, const char *id, char *buf, size_t bufsz)
{
	const struct nhi_ticket *t = rec->ticket;
	char user[96], rhost[96], appr[96], until[NHI_TIME_BUF] = "?", from[128] = "";
	char tk[NHI_ID_MAX + 16] = "";

	nhi_escape(user, sizeof(user), rec->user ? rec->user : "?");
	nhi_escape(appr, sizeof(appr), t && t->approver ? t->approver : "?");
	if (t && t->has_not_after)
		nhi_format_time(t->not_after, until, sizeof(until));
	if (rec->rhost && rec->rhost[0]) {
		nhi_escape(rhost, sizeof(rhost), rec->rhost);
		snprintf(from, sizeof(from), " from %s", rhost);
	}
	if (id)
		snprintf(tk, sizeof(tk), " ticket %s", id);

	switch (rec->event) {
	case NHI_EV_GRANT:
		snprintf(buf, bufsz, "Granted %s%s under%s approved by %s until %s",
			 user, from, tk, appr, until);
		break;
	case NHI_EV_DENY:
		snprintf(buf, bufsz, "Refused %s%s: %s%s%s", user, from,
			 rec->reason ? rec->reason : "?", id ? " (" : "",
			 id ? tk + 1 : "");
		if (id)
			strncat(buf, ")", bufsz - strlen(buf) - 1);
		break;
	case NHI_EV_OPEN:
		snprintf(buf, bufsz, "Session %s of %s%s opened under%s approved by %s until %s",
			 rec->session ? rec->session : "?", user, from, tk, appr, until);
		break;
	case NHI_EV_CLOSE:
		snprintf(buf, bufsz, "Session %s of %s closed after %" PRId64 "s (%s)",
			 rec->session ? rec->session : "?", user,
			 rec->duration > 0 ? rec->duration : 0, id ? tk + 1 : "no ticket");
		break;
	case NHI_EV_REVOKE:
		snprintf(buf, bufsz, "Session %s of %s revoked (%s) after %" PRId64 "s (%s)",
			 rec->session ? rec->session : "?", user,
			 rec->reason ? rec->reason : "?",
			 rec->duration > 0 ? rec->duration : 0, id ? tk + 1 : "no ticket");
		break;
	case NHI_EV_REVIEWED:
		snprintf(buf, bufsz, "Session %s of %s%s reviewed by %s",
			 rec->session ? rec->session : "?", user, tk,
			 nhi_escape(rhost, sizeof(rhost), rec->reviewer ? rec->reviewer : "?"));
		break;
	case NHI_EV_WARN:
	default:
		snprintf(buf, bufsz, "Session %s of %s warned: window of%s ends %s",
			 rec->session ? rec->session : "?", user, tk, until);
		break;
	}
}

int
nhi_journal_reachable(void)
{
	struct stat st;

	return stat(NHI_JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode) ? 0 : -ENOENT;
}

void
nhi_record_init(struct nhi_record *rec, enum nhi_event ev)
{
	memset(rec, 0, sizeof(*rec));
	rec->event = ev;
	rec->duration = -1;
	rec->priority = -1;
}

int
nhi_audit(const struct nhi_record *rec)
{
	const struct nhi_ticket *t = rec->ticket;
	struct fields f = { .n = 0, .oom = false };
	char msg[1024], prio[8], tb[NHI_TIME_BUF], ta[NHI_TIME_BUF], dur[24], detail[512];
	const char *id;
	int r;

	if ((unsigned)rec->event >= NHI_EV_MAX)
		return -EINVAL;
	id = rec->ticket_id ? rec->ticket_id : (t ? t->id : NULL);
	if (rec->message)
		nhi_escape(msg, sizeof(msg), rec->message);
	else
		compose(rec, id, msg, sizeof(msg));
	snprintf(prio, sizeof(prio), "%d",
		 rec->priority >= 0 ? rec->priority : events[rec->event].priority);

	add(&f, "MESSAGE", msg);
	add(&f, "MESSAGE_ID", events[rec->event].message_id);
	add(&f, "PRIORITY", prio);
	add(&f, "SYSLOG_IDENTIFIER", rec->identifier ? rec->identifier : "pam_nhiacct");
	add(&f, "NHIACCT_EVENT", events[rec->event].name);
	add(&f, "NHIACCT_USER", rec->user);
	add(&f, "NHIACCT_SERVICE", rec->service);
	add(&f, "NHIACCT_RHOST", rec->rhost);
	add(&f, "NHIACCT_HOST", rec->host);
	add(&f, "NHIACCT_TICKET", id);
	if (t != NULL) {
		/* several approvers: the field repeated, one name each */
		if (t->approvers.n > 0)
			for (size_t i = 0; i < t->approvers.n; i++)
				add(&f, "NHIACCT_APPROVER", t->approvers.v[i]);
		else
			add(&f, "NHIACCT_APPROVER", t->approver);
		for (size_t i = 0; i < t->approver_ids.n; i++)
			add(&f, "NHIACCT_APPROVER_ID", t->approver_ids.v[i]);
		/* signatures = required: the key each approver signed with */
		for (size_t i = 0; i < t->approver_keys.n; i++)
			add(&f, "NHIACCT_APPROVER_KEY", t->approver_keys.v[i]);
		add(&f, "NHIACCT_REQUESTER", t->requester);
		add(&f, "NHIACCT_PURPOSE", t->purpose);
		if (t->has_not_before)
			add(&f, "NHIACCT_NOT_BEFORE", nhi_format_time(t->not_before, tb, sizeof(tb)));
		if (t->has_not_after)
			add(&f, "NHIACCT_NOT_AFTER", nhi_format_time(t->not_after, ta, sizeof(ta)));
	}
	add(&f, "NHIACCT_REASON", rec->reason);
	add(&f, "NHIACCT_SESSION", rec->session);
	if (rec->duration >= 0) {
		snprintf(dur, sizeof(dur), "%" PRId64, rec->duration);
		add(&f, "NHIACCT_DURATION", dur);
	}
	add(&f, "NHIACCT_NOTE", rec->note);
	add(&f, "NHIACCT_REVIEWER", rec->reviewer);
	if (rec->detail != NULL && rec->detail[0] != '\0')
		add(&f, "NHIACCT_DETAIL", nhi_escape(detail, sizeof(detail), rec->detail));
	if (rec->has_processes) {
		char np[24];

		snprintf(np, sizeof(np), "%" PRIu64, rec->processes);
		add(&f, "NHIACCT_PROCESSES", np);
	}
	add(&f, "NHIACCT_CONNECTED", rec->connected);
	add(&f, "NHIACCT_RECORDING", rec->recording);
	if (rec->extra != NULL && strchr(rec->extra, '=') != NULL && f.n < FIELDS_MAX) {
		if ((f.iov[f.n].iov_base = strdup(rec->extra)) == NULL)
			f.oom = true;
		else
			f.iov[f.n].iov_len = strlen(rec->extra), f.n++;
	}
	/* sd_journal_sendv() "fails silently" (returns 0) when the socket does
	 * not exist; a record nobody received must not count as written. */
	if (f.oom)
		r = -ENOMEM;
	else if ((r = nhi_journal_reachable()) == 0)
		r = sd_journal_sendv(f.iov, (int)f.n);
	for (size_t i = 0; i < f.n; i++)
		free(f.iov[i].iov_base);
	return r < 0 ? r : 0;
}
