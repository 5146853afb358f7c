/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct check: the module's decision for a login, computed by the same
 * core code (nhi_is_vendor, nhi_evaluate, nhi_result_message), without
 * logging in and without writing a journal record.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "conf.h"
#include "gate.h"
#include "identity.h"
#include "policy.h"
#include "reason.h"
#include "text.h"
#include "ticket.h"
#include "timeutil.h"

static int
check_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct check --user USER [--host HOST] [--service SERVICE]\n"
		"                     [--rhost RHOST] [--at TIME] [TICKET]\n"
		"\n"
		"Prints what pam_nhiacct would decide for USER logging in with TICKET\n"
		"(or, without TICKET, with the ticket found by lookup).\n"
		"Exit status: 0 granted (or not a vendor), 1 refused, 2 usage or config error.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

static void
print_result(const struct nhi_result *r)
{
	const struct nhi_ticket *t = &r->ticket;
	char b1[NHI_TIME_BUF], b2[NHI_TIME_BUF], left[32], esc[512], line[768];

	if (r->reason == NHI_GRANT)
		printf("granted\n");
	else
		printf("denied: %s\n  %s\n", nhi_reason_name(r->reason), nhi_reason_text(r->reason));
	if (r->ticket_id)
		printf("  ticket:    %s%s\n", r->ticket_id, r->by_lookup ? " (found by lookup)" : "");
	if (t->state)
		printf("  state:     %s\n", nhi_escape(esc, sizeof(esc), t->state));
	if (t->approver)
		printf("  approver:  %s\n", nhi_escape(esc, sizeof(esc), t->approver));
	for (size_t i = 0; i < t->approver_keys.n; i++)
		printf("  signed:    %s with %s\n",
		       nhi_escape(esc, sizeof(esc), i < t->approvers.n ? t->approvers.v[i] : t->approver),
		       t->approver_keys.v[i]);
	if (t->requester)
		printf("  requester: %s\n", nhi_escape(esc, sizeof(esc), t->requester));
	if (t->has_not_before || t->has_not_after)
		printf("  window:    %s .. %s\n",
		       t->has_not_before ? nhi_format_time(t->not_before, b1, sizeof(b1)) : "(now)",
		       t->has_not_after ? nhi_format_time(t->not_after, b2, sizeof(b2)) : "(none)");
	if (r->reason == NHI_GRANT)
		printf("  left:      %s\n", nhi_format_duration(t->not_after - r->now, left, sizeof(left)));
	if (t->purpose)
		printf("  purpose:   %s\n", nhi_escape(esc, sizeof(esc), t->purpose));
	if (r->reason != NHI_GRANT && r->detail[0])
		printf("  detail:    %s\n", nhi_escape(esc, sizeof(esc), r->detail));
	printf("  vendor sees: %s\n", nhi_result_message(r, line, sizeof(line)));
}

/* --at: an RFC 3339 time as tickets write them (fractions too), or any
 * timestamp of systemd.time(7) that the rest of the command takes. */
static int
parse_at(const char *s, int64_t *now)
{
	int64_t usec;

	if (nhi_parse_time(s, now) == 0)
		return 0;
	if (nhi_parse_when(s, *now * INT64_C(1000000), false, &usec) < 0)
		return -EINVAL;
	*now = usec / INT64_C(1000000);
	return 0;
}

int
cmd_check(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' },
		{ "service", required_argument, NULL, 's' },
		{ "rhost", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nhi_login login = { NULL, "nhiacct-check", NULL, NULL };
	struct nhi_result res;
	struct nhi_conf c;
	int64_t now = (int64_t)time(NULL);
	const char *ticket = NULL;
	struct nhi_identity id;
	char why[512];
	int ch, v, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:H:s:r:a:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': login.user = optarg; break;
		case 'H': login.host = optarg; break;
		case 's': login.service = optarg; break;
		case 'r': login.rhost = optarg; break;
		case 'a':
			if (parse_at(optarg, &now) < 0) {
				fprintf(stderr, "nhiacct check: --at: '%s' is not a time (RFC 3339, "
					"\"2026-11-22 09:00\", \"-1h\", \"1h ago\", \"@UNIX\": "
					"systemd.time(7))\n", optarg);
				return NHI_EXIT_USAGE;
			}
			break;
		case 'h': return check_usage(stdout);
		default: return nhi_cmd_usage_error(argv[0], NULL);
		}
	}
	if (optind < argc)
		ticket = argv[optind++];
	if (login.user == NULL)
		return nhi_cmd_usage_error(argv[0], "--user is required");
	if (optind < argc)
		return nhi_cmd_usage_error(argv[0], "one ticket at most");
	if (nhi_cmd_load_conf(ctx, &c) < 0)
		return NHI_EXIT_USAGE;
	if (login.host != NULL && nhi_conf_set(&c, "host", login.host, NULL, 0) < 0) {
		fprintf(stderr, "nhiacct check: --host: '%s' is not a host name\n", login.host);
		nhi_conf_free(&c);
		return NHI_EXIT_USAGE;
	}
	v = nhi_classify(&c, login.user, &id, why, sizeof(why));
	if (v == -ESRCH) {
		printf("unknown: %s;\n  pam_nhiacct refuses the login (PAM_USER_UNKNOWN)\n", why);
		nhi_conf_free(&c);
		return NHI_EXIT_NO;
	}
	if (v != NHI_CLASS_VENDOR) {
		if (v < 0)
			printf("config_error: %s;\n  pam_nhiacct refuses %s (and every user but "
			       "exempt_users)\n", why, login.user);
		else
			printf("ignored: %s is %s;\n  pam_nhiacct returns PAM_IGNORE and writes "
			       "nothing\n", login.user, v == NHI_CLASS_EXEMPT ?
			       "in exempt_users (break-glass)" :
			       "not a vendor (not in vendor_users or vendor_groups)");
		nhi_conf_free(&c);
		return v < 0 ? NHI_EXIT_USAGE : NHI_EXIT_OK;
	}
	login.user = id.name;   /* the account as the name service spells it */
	login.host = c.host;    /* settled by nhi_cmd_load_conf, or --host */
	nhi_evaluate(&c, &login, ticket, now, &res);
	print_result(&res);
	rc = res.reason == NHI_GRANT ? NHI_EXIT_OK :
	     res.reason == NHI_DENY_CONFIG_ERROR ? NHI_EXIT_USAGE : NHI_EXIT_NO;
	nhi_result_free(&res);
	nhi_conf_free(&c);
	return rc;
}
