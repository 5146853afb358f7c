/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tests/review/fill PHASE: writes the journal records of one phase of the
 * review test through nhi_audit(), as the module (identifier pam_nhiacct:
 * grant, deny, open, close) and the helper (nhiacct: warn, revoke) write
 * them: grants of the account phase carry no session id.  Two tickets, two
 * users; sessions closed, revoked (expired, withdrawn, manual), still open;
 * denials.  PHASE "forge" is run as an unprivileged user: its records must
 * not show up in a review.  check.py holds the expected rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nhi.h"

struct step {
	char phase;
	enum nhi_event event;
	const char *user;
	int ticket;             /* index into tickets[], -1 none */
	const char *session;
	const char *reason;
	int64_t duration;
};

static struct nhi_ticket tickets[2] = {
	{
		.id = "CHG-1001", .state = "approved", .requester = "acme-jdoe",
		.approver = "alice", .purpose = "Apply vendor hotfix 4.2.1",
		.has_not_before = true, .not_before = 1795305600,
		.has_not_after = true, .not_after = 1795334400,
	},
	{
		/* Text a terminal must not interpret: escaped in the table,
		 * raw in JSON. */
		.id = "CHG-2002", .state = "approved", .requester = "globex-ann",
		.approver = "bob\x1b[2J", .purpose = "Rotate keys\nsecond line",
		.has_not_before = true, .not_before = 1795305600,
		.has_not_after = true, .not_after = 1795334400,
	},
};

#define NONE (-1)

static const struct step steps[] = {
	/* phase A */
	{ 'A', NHI_EV_GRANT, "vendor1", 0, NULL, NULL, -1 },
	{ 'A', NHI_EV_OPEN, "vendor1", 0, "S-A1", NULL, -1 },
	{ 'A', NHI_EV_CLOSE, "vendor1", 0, "S-A1", NULL, 5 },
	{ 'A', NHI_EV_DENY, "vendor2", 0, NULL, "account_out_of_scope", -1 },
	{ 'A', NHI_EV_GRANT, "vendor1", 0, NULL, NULL, -1 },
	{ 'A', NHI_EV_OPEN, "vendor1", 0, "S-A2", NULL, -1 },
	{ 'A', NHI_EV_WARN, "vendor1", 0, "S-A2", NULL, -1 },
	{ 'A', NHI_EV_REVOKE, "vendor1", 0, "S-A2", "expired", 3600 },
	{ 'A', NHI_EV_CLOSE, "vendor1", 0, "S-A2", NULL, 3601 },
	/* phase B */
	{ 'B', NHI_EV_GRANT, "vendor2", 1, NULL, NULL, -1 },
	{ 'B', NHI_EV_OPEN, "vendor2", 1, "S-B1", NULL, -1 },
	{ 'B', NHI_EV_REVOKE, "vendor2", 1, "S-B1", "withdrawn", 120 },
	{ 'B', NHI_EV_DENY, "vendor1", NONE, NULL, "no_ticket", -1 },
	{ 'B', NHI_EV_GRANT, "vendor2", 1, NULL, NULL, -1 },
	{ 'B', NHI_EV_OPEN, "vendor2", 1, "S-B2", NULL, -1 },
	{ 'B', NHI_EV_GRANT, "vendor1", 1, NULL, NULL, -1 },
	{ 'B', NHI_EV_OPEN, "vendor1", 1, "S-B3", NULL, -1 },
	/* phase C */
	{ 'C', NHI_EV_CLOSE, "vendor1", 1, "S-B3", NULL, 30 },
	{ 'C', NHI_EV_GRANT, "vendor2", 0, NULL, NULL, -1 },
	{ 'C', NHI_EV_OPEN, "vendor2", 0, "S-C1", NULL, -1 },
	{ 'C', NHI_EV_REVOKE, "vendor2", 0, "S-C1", "manual", 10 },
	{ 'C', NHI_EV_CLOSE, "vendor2", 0, "S-C1", NULL, 11 },
	{ 'C', NHI_EV_DENY, "vendor2", 1, NULL, "expired", -1 },
	/* forged by an unprivileged user */
	{ 'F', NHI_EV_OPEN, "vendor1", 0, "S-FORGED", NULL, -1 },
	{ 'F', NHI_EV_DENY, "vendor1", 0, NULL, "not_found", -1 },
};

static const char *
rhost_of(const char *user)
{
	return strcmp(user, "vendor1") == 0 ? "192.0.2.10" : "198.51.100.20";
}

int
main(int argc, char **argv)
{
	char phase;
	int n = 0, r;

	if (argc != 2 || strlen(argv[1]) != 1) {
		fprintf(stderr, "usage: %s A|B|C|F\n", argv[0]);
		return 2;
	}
	phase = argv[1][0];
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];
		bool helper = s->event == NHI_EV_REVOKE || s->event == NHI_EV_WARN;
		struct nhi_record rec = {
			.event = s->event,
			.identifier = helper ? "nhiacct" : "pam_nhiacct",
			.user = s->user,
			/* The helper knows the session, not the login's service. */
			.service = helper ? NULL : "sshd",
			.rhost = helper ? NULL : rhost_of(s->user),
			.host = "jump1.example.com",
			.ticket = s->ticket >= 0 ? &tickets[s->ticket] : NULL,
			.reason = s->reason,
			.session = s->session,
			.duration = s->duration,
			.priority = -1,
		};

		if (s->phase != phase)
			continue;
		r = nhi_audit(&rec);
		if (r < 0) {
			fprintf(stderr, "fill: record %zu not written: %s\n", i, strerror(-r));
			return 1;
		}
		n++;
	}
	printf("%d\n", n);
	return 0;
}
