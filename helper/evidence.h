/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal side of what a session did (`nhiacct replay`, `nhiacct
 * review --commands`): the journals to read, the recording of a session
 * and what it ran.
 *
 * What counts: the open record only when root wrote it (_UID=0: the
 * module in sshd); a command record of nhiacct-shell, tlog's messages and
 * sftp-server's log only when journald stamped them with the session's
 * own audit session (_AUDIT_SESSION, which the sender cannot choose) on
 * the boot of the open record.  The vendor can add to its own session's
 * evidence (pam_nhiacct(8), RECORDING, says so) but not to another's.
 */
#ifndef NHI_EVIDENCE_H
#define NHI_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <systemd/sd-journal.h>

#define EVIDENCE_FILES_MAX 1024

/* Where to read: the local journal, a folder (-D) or files (--file). */
struct evidence_source {
	const char *dir;
	const char *files[EVIDENCE_FILES_MAX + 1];      /* NULL-terminated */
	size_t n_files;
};

/* Adds the journal match NAME=VALUE; -E2BIG for a value past the bound. */
int evidence_match(sd_journal *j, const char *name, const char *value);

/* Opens the journals; on failure says why on stderr, prefixed "cmd: ".
 * An empty journal (no files) is a failure too: nothing to read is not
 * "nothing happened".  users: the local journal's files of user
 * processes too, where journald keeps what the recorder (running as the
 * vendor) wrote; the records of the module and the helper are root's. */
int evidence_open(const char *cmd, const struct evidence_source *src, bool users,
		  sd_journal **j);

/* The recording of a session, from its open record. */
struct evidence_session {
	char user[256];
	char recording[16];             /* audit session id; "" when not recorded */
	char boot_id[40];
};

/* Finds the open record of session (written by root).  0 found (check
 * recording[0]), -ENOENT none, other negative errno. */
int evidence_find_session(sd_journal *j, const char *session, struct evidence_session *es);

/*
 * Plays the session's terminal recordings, in order, through tlog-play
 * (extra: its options, NULL-terminated, e.g. "--speed=10").  Sessions
 * with several channels have several recordings; each is announced on
 * stderr with its command.  0, -ENOENT when there is no recording, or a
 * negative errno.
 */
int evidence_replay(sd_journal *j, const struct evidence_session *es, char *const *extra);

/*
 * What session ran: each command (and a login), with the lines typed at
 * a terminal, and each file operation of sftp; all text escaped.  Printed
 * to out, one line per item, indented; or, when arr is given, appended to
 * it as objects {time, kind: command | login | sftp, command, typed |
 * files}.  Returns the number of items, or a negative errno.
 */
int evidence_commands(sd_journal *j, const char *session, const struct evidence_session *es,
		      bool utc, FILE *out, json_t *arr);

#endif
