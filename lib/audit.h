/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal records: the one way a record is built and written.
 */
#ifndef NHI_AUDIT_H
#define NHI_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "ticket.h"

enum nhi_event {
	NHI_EV_GRANT = 0, NHI_EV_DENY, NHI_EV_OPEN, NHI_EV_CLOSE, NHI_EV_REVOKE,
	NHI_EV_WARN, NHI_EV_REVIEWED, NHI_EV_MAX
};
const char *nhi_event_name(enum nhi_event e);
const char *nhi_event_message_id(enum nhi_event e);

/* Everything a record may carry; NULL / negative fields are omitted. */
struct nhi_record {
	enum nhi_event event;
	const char *identifier;         /* "pam_nhiacct" or "nhiacct" */
	const char *user, *service, *rhost, *host;
	const struct nhi_ticket *ticket;/* id, approver, requester, purpose, window */
	const char *ticket_id;          /* overrides ticket->id when set */
	const char *reason;             /* reason code name */
	const char *session;
	int64_t duration;               /* < 0: omitted */
	int priority;                   /* < 0: the event's default */
	const char *message;            /* NULL: composed from the fields */
	const char *note;               /* NHIACCT_NOTE or NULL */
	const char *reviewer;           /* NHIACCT_REVIEWER ("name(uid)") or NULL */
	const char *detail;             /* NHIACCT_DETAIL (escaped when written) or NULL */
	bool has_processes;             /* NHIACCT_PROCESSES, when set */
	uint64_t processes;
	const char *connected;          /* NHIACCT_CONNECTED ("yes"/"no") or NULL */
	const char *recording;          /* NHIACCT_RECORDING or NULL */
	const char *extra;              /* "FIELD=value" extra field or NULL */
};

/* A record of event ev with nothing else set (the -1 "omitted" values
 * included): start every record here. */
void nhi_record_init(struct nhi_record *rec, enum nhi_event ev);

#define NHI_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Is journald's socket there?  sd_journal_send() "fails silently" (returns
 * 0) when it is not.  0 or -ENOENT. */
int nhi_journal_reachable(void);

/* Writes one journal entry.  0 or a negative errno (-ECONNREFUSED when no
 * journald listens, -ENOENT with no socket): "record not written". */
int nhi_audit(const struct nhi_record *rec);

#endif
