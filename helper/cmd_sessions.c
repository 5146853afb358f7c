/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct sessions: the live session records of state_dir, with their
 * ticket and time left.  Reads only; needs the right to read state_dir
 * (root).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "session_store.h"
#include "conf.h"
#include "text.h"
#include "timeutil.h"

static int
sessions_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct [--conf PATH] sessions [--json]\n"
		"\n"
		"Lists live vendor sessions: SESSION USER TICKET NOT_AFTER LEFT PID.\n"
		"  --json   one JSON object per session and line (the stored record\n"
		"           plus \"left\", seconds)\n"
		"Exit status: 0, or 2 on a config or state_dir error.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

static void
print_json(const struct nhi_session *s, int64_t now)
{
	json_t *o = NULL;
	char *text = NULL;

	if (nhi_session_to_json(s, &o) == 0 &&
	    json_object_set_new(o, "left", json_integer(s->not_after > now ?
							 s->not_after - now : 0)) == 0 &&
	    json_object_set_new(o, "state", json_string(s->closed ? "closed" : "open")) == 0 &&
	    (text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

int
cmd_sessions(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nhi_session_list l = { NULL, 0 };
	struct nhi_conf c;
	int64_t now = (int64_t)time(NULL);
	bool json = false;
	char err[512];
	int ch, dirfd, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'h': return sessions_usage(stdout);
		default: return nhi_cmd_usage_error(argv[0], NULL);
		}
	}
	if (optind < argc)
		return nhi_cmd_usage_error(argv[0], "unexpected argument");
	if (nhi_cmd_load_conf(ctx, &c) < 0)
		return NHI_EXIT_USAGE;
	dirfd = nhi_state_dir_open(c.state_dir, false, err, sizeof(err));
	if (dirfd == -ENOENT) {
		/* no folder yet: no session was ever registered */
	} else if (dirfd < 0) {
		fprintf(stderr, "nhiacct sessions: %s\n", err);
		nhi_conf_free(&c);
		return NHI_EXIT_USAGE;
	} else if ((r = nhi_session_list(dirfd, &l)) < 0) {
		fprintf(stderr, "nhiacct sessions: %s: %s\n", c.state_dir, strerror(-r));
		close(dirfd);
		nhi_conf_free(&c);
		return NHI_EXIT_USAGE;
	}
	if (!json)
		printf("%-32s  %-16s  %-20s  %-20s  %-8s  %-6s  %s\n", "SESSION", "USER",
		       "TICKET", "NOT_AFTER", "LEFT", "STATE", "PID");
	for (size_t i = 0; i < l.n; i++) {
		const struct nhi_session *s = &l.v[i];
		char na[NHI_TIME_BUF], left[32], user[64];

		if (json) {
			print_json(s, now);
			continue;
		}
		if (s->not_after > now)
			nhi_format_duration(s->not_after - now, left, sizeof(left));
		else
			snprintf(left, sizeof(left), "overdue");
		printf("%-32s  %-16s  %-20s  %-20s  %-8s  %-6s  %d\n", s->id,
		       nhi_escape(user, sizeof(user), s->user), s->ticket,
		       nhi_format_time(s->not_after, na, sizeof(na)), left,
		       s->closed ? "closed" : "open", (int)s->pid);
	}
	nhi_session_list_free(&l);
	if (dirfd >= 0)
		close(dirfd);
	nhi_conf_free(&c);
	return NHI_EXIT_OK;
}
