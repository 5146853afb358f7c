/* SPDX-License-Identifier: BSD-3-Clause */
/* nhiacct: the command line of pam_nhiacct.  Dispatches to helper/<cmd>.c. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"

static const struct {
	const char *name;
	int (*fn)(const struct nhi_cmd_ctx *, int, char **);
	const char *summary;
} cmds[] = {
	{ "check", cmd_check, "the module's decision for a login, without logging in" },
	{ "check-config", cmd_check_config, "the configuration and PAM stacks, like sshd -t" },
	{ "watch", cmd_watch, "the revocation daemon" },
	{ "sweep", cmd_sweep, "one revocation pass, then exit" },
	{ "sessions", cmd_sessions, "live sessions with their ticket and time left" },
	{ "revoke", cmd_revoke, "end sessions now" },
	{ "review", cmd_review, "sessions and denials from the journal" },
	{ "replay", cmd_replay, "play back a recorded session (tlog-play)" },
	{ "ticket", cmd_ticket, "local tickets: new, approve (SSH-signed), list, show, withdraw, verify" },
};

static int
usage(FILE *f)
{
	fprintf(f, "usage: nhiacct [--conf PATH] [--debug] [--version] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-13s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'nhiacct COMMAND --help' for a command's options; see nhiacct(8).\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

int
nhi_cmd_usage_error(const char *cmd, const char *what)
{
	if (what != NULL)
		fprintf(stderr, "%s: %s\n", cmd, what);
	fprintf(stderr, "Try '%s --help'.\n", cmd);
	return NHI_EXIT_USAGE;
}

static bool debug;
static int log_max = LOG_WARNING;

static void
log_stderr(void *ud, int prio, const char *msg)
{
	(void)ud;
	if (prio <= log_max || debug)
		fprintf(stderr, "nhiacct: %s\n", msg);
}

int
nhi_cmd_load_conf(const struct nhi_cmd_ctx *ctx, struct nhi_conf *c)
{
	const char *path = ctx->conf_path ? ctx->conf_path : NHI_DEFAULT_CONF;
	char err[512];

	if (nhi_conf_init(c) < 0) {
		fprintf(stderr, "nhiacct: out of memory\n");
		return -1;
	}
	if (nhi_conf_load(c, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "nhiacct: config_error: %s\n", err);
		nhi_conf_free(c);
		return -1;
	}
	/* this host's name, once, before anything is decided or recorded */
	if (nhi_conf_settle_host(c) < 0) {
		fprintf(stderr, "nhiacct: config_error: cannot tell this host's name; set host\n");
		nhi_conf_free(c);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct nhi_cmd_ctx ctx = { NULL };
	char name[64];
	int i = 1, o = 1;

	nhi_log_set(log_stderr, NULL);
	/* --conf and --debug are accepted anywhere: take them out first. */
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--conf") == 0 && k + 1 < argc)
			ctx.conf_path = argv[++k];
		else if (strncmp(argv[k], "--conf=", 7) == 0)
			ctx.conf_path = argv[k] + 7;
		else if (strcmp(argv[k], "--debug") == 0)
			debug = true;
		else if (strcmp(argv[k], "--version") == 0) {
			printf("nhiacct %s\n", NHI_VERSION);
			return NHI_EXIT_OK;
		}
		else if (strcmp(argv[k], "--") == 0) {
			while (k < argc)
				argv[o++] = argv[k++];
			break;
		} else
			argv[o++] = argv[k];
	}
	argc = o;
	argv[argc] = NULL;
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return usage(stdout);
		} else {
			fprintf(stderr, "nhiacct: unknown option '%s'\n", argv[i]);
			return nhi_cmd_usage_error("nhiacct", NULL);
		}
	}
	if (i >= argc)
		return nhi_cmd_usage_error("nhiacct", "a command is needed");
	/* What the revocation commands did (warned, revoked, closed a stale
	 * record) belongs in the service's log: under systemd, stderr is it. */
	if (strcmp(argv[i], "watch") == 0 || strcmp(argv[i], "sweep") == 0 ||
	    strcmp(argv[i], "revoke") == 0)
		log_max = LOG_INFO;
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(argv[i], cmds[k].name) != 0)
			continue;
		/* getopt's own messages then read "nhiacct check: ..." */
		snprintf(name, sizeof(name), "nhiacct %s", cmds[k].name);
		argv[i] = name;
		return cmds[k].fn(&ctx, argc - i, argv + i);
	}
	fprintf(stderr, "nhiacct: unknown command '%s'\n", argv[i]);
	return nhi_cmd_usage_error("nhiacct", NULL);
}
