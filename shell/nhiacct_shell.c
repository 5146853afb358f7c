/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct-shell: the login shell of vendor accounts on hosts that record
 * vendor sessions (nhiacct.conf `record`, lib/recording.h).  sshd starts
 * every session of the account through it: `-nhiacct-shell` for a login,
 * `nhiacct-shell -c CMD` for a command, scp, rsync and the sftp
 * Subsystem.  It does three things, then is gone:
 *
 *   1. writes what is about to run to the journal (NHIACCT_COMMAND, with
 *      the session's NHIACCT_SESSION), so `nhiacct review --commands`
 *      lists it even if the vendor later kills the recorder;
 *   2. the sftp-server program alone runs as itself, with its own log of
 *      every file operation (-l INFO) and none of the caller's arguments;
 *   3. everything else becomes tlog-rec-session, told to write to the
 *      journal, a terminal's input included, whatever the environment
 *      said.
 *
 * It refuses (exit 1, one line on stderr) rather than run anything
 * unrecorded: when the journal does not take the record, or tlog cannot
 * be started.  No dotfile of the vendor is read before the recorder runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "audit.h"
#include "recording.h"
#include "text.h"

/* what tlog is told, over anything in the environment */
#define TLOG_CONF "{\"writer\":\"journal\",\"journal\":{\"augment\":true}," \
	"\"log\":{\"input\":%s,\"output\":true,\"window\":true},\"notice\":\"%s\"}"
#define NOTICE_TTY "\\nnhiacct: this session is recorded.\\n\\n"

extern char **environ;

static int
refuse(const char *what, const char *why)
{
	fprintf(stderr, "nhiacct: this session cannot be recorded, so it does not start (%s%s%s); "
		"ask the administrators\n", what, why ? ": " : "", why ? why : "");
	return 1;
}

/* No TLOG_* from the caller: tlog reads its shell, writer and file from
 * there, and a vendor's choice must not switch the recording off. */
static void
drop_tlog_environment(void)
{
	bool again = true;

	while (again) {
		again = false;
		for (char **e = environ; e != NULL && *e != NULL; e++)
			if (strncmp(*e, "TLOG_", 5) == 0) {
				char name[256];
				size_t n = strcspn(*e, "=");

				if (n >= sizeof(name))
					n = sizeof(name) - 1;
				memcpy(name, *e, n);
				name[n] = '\0';
				if (unsetenv(name) == 0) {
					again = true;
					break;
				}
			}
	}
}

/* "/usr/lib/openssh/sftp-server" alone or with arguments: the sftp
 * Subsystem (or a vendor asking for it by name, which is the same). */
static bool
is_sftp(const char *cmd)
{
	size_t n = strlen(NHI_SFTP_SERVER);

	return cmd != NULL && strncmp(cmd, NHI_SFTP_SERVER, n) == 0 &&
	       (cmd[n] == '\0' || cmd[n] == ' ' || cmd[n] == '\t');
}

/* The record of what runs; 0 or a negative errno. */
static int
record_command(const char *cmd, bool sftp)
{
	const char *session = getenv("NHIACCT_SESSION"), *user = getenv("USER");
	char msg[1024], esc[768];
	int r;

	if ((r = nhi_journal_reachable()) < 0)
		return r;
	nhi_escape(esc, sizeof(esc), cmd ? cmd : "");
	snprintf(msg, sizeof(msg), "%s %s%s%s", user ? user : "vendor",
		 cmd == NULL ? "logs in (terminal recorded)" : sftp ? "starts sftp: " : "runs: ",
		 cmd ? esc : "", sftp ? " (file operations logged by sftp-server)" : "");
	return sd_journal_send("MESSAGE=%s", msg, "PRIORITY=6", "SYSLOG_IDENTIFIER=nhiacct-shell",
			       "NHIACCT_SESSION=%s", session ? session : "",
			       "NHIACCT_USER=%s", user ? user : "",
			       "NHIACCT_COMMAND=%s", cmd ? cmd : "",
			       "NHIACCT_RECORDER=%s", sftp ? "sftp-server" : "tlog", NULL);
}

int
main(int argc, char **argv)
{
	const char *cmd = NULL;
	bool login = argv[0] != NULL && argv[0][0] == '-', sftp, tty;
	char conf[512];
	int r;

	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		cmd = argv[2];
	else if (argc != 1)
		return refuse("nhiacct-shell runs a login or one command (-c COMMAND)", NULL);
	drop_tlog_environment();
	sftp = is_sftp(cmd);
	if ((r = record_command(cmd, sftp)) < 0)
		return refuse("the journal does not take the record", strerror(-r));
	if (sftp) {
		char *const sa[] = { "sftp-server", "-l", "INFO", NULL };

		execv(NHI_SFTP_SERVER, sa);
		return refuse(NHI_SFTP_SERVER, strerror(errno));
	}
	/* input only from a terminal: tlog 12 with input logging on drops
	 * all output of a session without one (measured), and without a
	 * terminal the input is data (scp, rsync), not typing */
	tty = isatty(0) == 1;
	snprintf(conf, sizeof(conf), TLOG_CONF, tty ? "true" : "false",
		 cmd == NULL && tty ? NOTICE_TTY : "");
	if (setenv("TLOG_REC_SESSION_CONF_TEXT", conf, 1) < 0)
		return refuse("the recorder's settings", strerror(errno));
	if (cmd == NULL) {
		char *const la[] = { login ? "-tlog-rec-session" : "tlog-rec-session", NULL };

		execv(NHI_TLOG_REC_SESSION, la);
	} else {
		char *const ca[] = { "tlog-rec-session", "-c", (char *)cmd, NULL };

		execv(NHI_TLOG_REC_SESSION, ca);
	}
	return refuse(NHI_TLOG_REC_SESSION, strerror(errno));
}
