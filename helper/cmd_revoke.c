/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct revoke: ends sessions now, by session id or by ticket (reason
 * `manual`), the same way the watch ends an expired one.  The revoke
 * record names the operator in NHIACCT_OPERATOR: the invoking user, or the
 * user sudo ran it for (SUDO_USER/SUDO_UID).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "revoke.h"
#include "conf.h"
#include "text.h"
#include "ticket.h"

static int
revoke_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct [--conf PATH] revoke (--session ID | --ticket TICKET)\n"
		"\n"
		"Ends the session ID, or every session under TICKET, now: its processes\n"
		"are terminated and a revoke record (reason manual, NHIACCT_OPERATOR)\n"
		"is written.  Needs root.\n"
		"Exit status: 0 revoked, 1 no session matched, 2 usage, config or\n"
		"state_dir error.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

/* "NHIACCT_OPERATOR=name(uid)" into buf. */
static void
operator_field(char *buf, size_t bufsz)
{
	char who[96];

	nhi_cmd_invoker(who, sizeof(who), NULL, 0);
	snprintf(buf, bufsz, "NHIACCT_OPERATOR=%s", who);
}

/* Revokes the sessions of l with that id or ticket; says so for each.
 * Returns how many it revoked. */
static size_t
revoke_matching(struct nhi_conf *c, int dirfd, const struct nhi_session_list *l,
		const char *session, const char *ticket, const struct nhi_revoke_why *why)
{
	size_t done = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct nhi_session *s = &l->v[i];
		struct nhi_kill_report rep;
		int r;

		if (session != NULL ? strcmp(s->id, session) != 0 : strcmp(s->ticket, ticket) != 0)
			continue;
		if ((r = nhi_session_revoke(c, dirfd, s, why, &rep)) < 0) {
			if (r != -ENOENT)       /* ended meanwhile: not ours to report */
				fprintf(stderr, "nhiacct revoke: session %s: %s\n", s->id,
					strerror(-r));
			continue;
		}
		printf("revoked session %s of %s (ticket %s): %zu process(es) ended, %s\n",
		       s->id, s->user, s->ticket, rep.ended,
		       rep.connected ? "was connected" : "after logout");
		done++;
	}
	return done;
}

int
cmd_revoke(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "ticket", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nhi_session_list l = { NULL, 0 };
	const char *session = NULL, *ticket = NULL;
	struct nhi_revoke_why why;
	struct nhi_conf c;
	char err[512], op[128];
	size_t done = 0;
	int ch, dirfd, r, rc = NHI_EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': session = optarg; break;
		case 't': ticket = optarg; break;
		case 'h': return revoke_usage(stdout);
		default: return nhi_cmd_usage_error(argv[0], NULL);
		}
	}
	if (optind < argc)
		return nhi_cmd_usage_error(argv[0], "unexpected argument");
	if ((session == NULL) == (ticket == NULL))
		return nhi_cmd_usage_error(argv[0], "one of --session and --ticket is needed");
	if (session != NULL && !nhi_session_id_valid(session)) {
		fprintf(stderr, "nhiacct revoke: '%s' is not a session id (32 hex digits)\n",
			session);
		return NHI_EXIT_USAGE;
	}
	if (ticket != NULL && !nhi_ticket_id_valid(ticket)) {
		fprintf(stderr, "nhiacct revoke: not a ticket id\n");
		return NHI_EXIT_USAGE;
	}
	if (nhi_cmd_load_conf(ctx, &c) < 0)
		return NHI_EXIT_USAGE;
	operator_field(op, sizeof(op));
	why = (struct nhi_revoke_why){ .identifier = NHI_CMD_IDENTIFIER, .reason = "manual",
				       .op = op, .always_record = true };
	dirfd = nhi_state_dir_open(c.state_dir, false, err, sizeof(err));
	if (dirfd == -ENOENT) {
		rc = NHI_EXIT_NO;
		goto none;
	}
	if (dirfd < 0) {
		fprintf(stderr, "nhiacct revoke: %s\n", err);
		goto out;
	}
	if ((r = nhi_session_list(dirfd, &l)) < 0) {
		fprintf(stderr, "nhiacct revoke: %s: %s\n", c.state_dir, strerror(-r));
		goto out;
	}
	done = revoke_matching(&c, dirfd, &l, session, ticket, &why);
	rc = done > 0 ? NHI_EXIT_OK : NHI_EXIT_NO;
none:
	if (done == 0)
		fprintf(stderr, "nhiacct revoke: no live session %s %s\n",
			session ? "with id" : "under ticket", session ? session : ticket);
out:
	nhi_session_list_free(&l);
	if (dirfd >= 0)
		close(dirfd);
	nhi_conf_free(&c);
	return rc;
}
