/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamrun: one login through the real PAM stack, for shell tests.
 *
 *   pamrun [-r RHOST] [-a ANSWER] [-e NAME=VALUE]... [-k PHASE:PID]
 *          SERVICE USER PHASES
 *
 * PHASES: a comma list of auth, account, open, close (run in that order,
 * stopping at the first failure, as sshd does).  -a answers every prompt,
 * -e puts a variable into the PAM environment before the first phase, -k
 * SIGKILLs PID just before PHASE (to lose the journal in mid-login).
 * Prints one JSON object (ASCII only: every byte of a message survives as
 * an escape) with each phase's return code and name, the prompts asked, the
 * messages shown (style, text), whether any message held a raw control
 * character, and NHIACCT_TICKET / NHIACCT_SESSION / NHIACCT_NOT_AFTER of the
 * PAM environment.  Exit 0, or 2 on a usage error.
 */
#include <getopt.h>

#include <jansson.h>

#include "pamlogin.h"

static const char *
rc_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_SESSION_ERR: return "PAM_SESSION_ERR";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_ABORT: return "PAM_ABORT";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_ACCT_EXPIRED: return "PAM_ACCT_EXPIRED";
	case PAM_NEW_AUTHTOK_REQD: return "PAM_NEW_AUTHTOK_REQD";
	default: return "other";
	}
}

/* A JSON string of s; text that is not valid UTF-8 (which the module
 * should never show) is kept byte for byte as \xNN and flagged. */
static json_t *
text(const char *s, bool *bad_utf8)
{
	json_t *j = json_stringn(s, strlen(s));
	char *b, *o;

	if (j != NULL)
		return j;
	*bad_utf8 = true;
	if ((b = o = malloc(4 * strlen(s) + 1)) == NULL)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		o += *p >= 0x20 && *p < 0x7f ? sprintf(o, "%c", *p) : sprintf(o, "\\x%02x", *p);
	j = json_string(b);
	free(b);
	return j;
}

int
main(int argc, char **argv)
{
	struct pl_login l = { 0 };
	struct pl_result res;
	json_t *out, *msgs;
	bool control = false, bad_utf8 = false;
	char *dump;
	int opt, nenv = 0;

	while ((opt = getopt(argc, argv, "r:a:e:k:")) != -1) {
		char *colon;

		switch (opt) {
		case 'k':
			if ((colon = strchr(optarg, ':')) == NULL)
				return 2;
			*colon = '\0';
			for (l.kill_phase = 0; l.kill_phase < PL_PHASES; l.kill_phase++)
				if (strcmp(optarg, pl_phase_names[l.kill_phase]) == 0)
					break;
			if (l.kill_phase == PL_PHASES || (l.kill_pid = atoi(colon + 1)) <= 0)
				return 2;
			break;
		case 'r': l.rhost = optarg; break;
		case 'a': l.answer = optarg; break;
		case 'e':
			if (nenv >= PL_ENV_MAX - 1)
				return 2;
			l.env[nenv++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: pamrun [-r RHOST] [-a ANSWER] [-e NAME=VALUE]... "
				"[-k PHASE:PID] SERVICE USER PHASES\n");
			return 2;
		}
	}
	if (argc - optind != 3 || (l.phases = pl_parse_phases(argv[optind + 2])) == 0) {
		fprintf(stderr, "usage: pamrun [-r RHOST] [-a ANSWER] [-e NAME=VALUE]... "
			"SERVICE USER auth,account,open,close\n");
		return 2;
	}
	l.service = argv[optind];
	l.user = argv[optind + 1];

	pl_run(&l, &res);

	out = json_object();
	msgs = json_array();
	json_object_set_new(out, "start", json_integer(res.start_rc));
	for (int p = 0; p < PL_PHASES; p++)
		if (res.ran[p])
			json_object_set_new(out, pl_phase_names[p],
					    json_pack("{s:i,s:s}", "rc", res.rc[p], "name",
						      rc_name(res.rc[p])));
	for (int i = 0; i < res.n_msgs; i++) {
		control |= pl_has_control(res.msg[i]);
		json_array_append_new(msgs, json_pack("{s:s,s:o}", "style",
			res.style[i] == PAM_ERROR_MSG ? "error" : "info", "text",
			text(res.msg[i], &bad_utf8)));
	}
	json_object_set_new(out, "msgs", msgs);
	json_object_set_new(out, "control_in_msgs", json_boolean(control));
	json_object_set_new(out, "invalid_utf8_in_msgs", json_boolean(bad_utf8));
	json_object_set_new(out, "prompts", json_integer(res.prompts));
	json_object_set_new(out, "ticket", text(res.ticket, &bad_utf8));
	json_object_set_new(out, "session", text(res.session, &bad_utf8));
	json_object_set_new(out, "not_after", text(res.not_after, &bad_utf8));
	dump = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
	printf("%s\n", dump ? dump : "{}");
	free(dump);
	json_decref(out);
	pl_result_free(&res);
	return 0;
}
