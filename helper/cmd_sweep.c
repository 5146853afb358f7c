/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct sweep: one pass of the watch (nhi_watch_pass): stale records
 * closed, overdue sessions revoked, due warnings sent, every live ticket
 * re-fetched; then exit.  For hosts without the daemon (a cron job or a
 * timer) and for checks by hand.
 */
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "watch.h"
#include "conf.h"

static int
sweep_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct [--conf PATH] sweep\n"
		"\n"
		"One pass of nhiacct watch, then exit: closes stale session records,\n"
		"revokes sessions whose window has ended or whose ticket no longer\n"
		"passes, and sends due warnings.\n"
		"Exit status: 0 done, 2 config or state_dir error.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

int
cmd_sweep(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nhi_watch w = { .dirfd = -1 };
	struct nhi_conf c;
	int64_t next;
	char err[512];
	int ch, r, rc = NHI_EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return ch == 'h' ? sweep_usage(stdout) : nhi_cmd_usage_error(argv[0], NULL);
	if (optind < argc)
		return nhi_cmd_usage_error(argv[0], "unexpected argument");
	if (nhi_cmd_load_conf(ctx, &c) < 0)
		return NHI_EXIT_USAGE;
	if (nhi_watch_init(&w, &c, NHI_CMD_IDENTIFIER, err, sizeof(err)) < 0) {
		fprintf(stderr, "nhiacct sweep: %s\n", err);
		goto out;
	}
	if ((r = nhi_watch_pass(&w, (int64_t)time(NULL), &next)) < 0) {
		fprintf(stderr, "nhiacct sweep: %s\n", strerror(-r));
		goto out;
	}
	/* the recheck, in its child, within its own budget */
	while (nhi_watch_recheck_fd(&w) >= 0) {
		struct pollfd pfd = { .fd = nhi_watch_recheck_fd(&w), .events = POLLIN };

		(void)poll(&pfd, 1, (int)nhi_watch_recheck_left_ms(&w));
		(void)nhi_watch_recheck_collect(&w);
	}
	printf("%zu live, %zu revoked, %zu warned, %zu stale record(s) closed\n", w.live.n,
	       w.revoked, w.warned, w.stale);
	rc = NHI_EXIT_OK;
out:
	nhi_watch_free(&w);
	nhi_conf_free(&c);
	return rc;
}
