/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a session did, from the journal (evidence.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "evidence.h"
#include "recording.h"
#include "review_print.h"
#include "text.h"
#include "timeutil.h"

#define VALUE_MAX     4096              /* bytes kept of one field */
#define ITEMS_MAX     4096              /* commands of one session */
#define RECS_MAX      1024              /* recordings of one session */
#define TYPED_MAX     (64 * 1024)       /* typed text kept per command */
#define REPLAY_MAX    (512ULL << 20)    /* bytes of one recording handed to tlog-play */

/* One field of the current entry, bounded; false when absent. */
static bool
field(sd_journal *j, const char *name, char *buf, size_t bufsz)
{
	const void *data;
	size_t len, nl = strlen(name);

	if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= nl ||
	    ((const char *)data)[nl] != '=')
		return false;
	len -= nl + 1;
	if (len >= bufsz)
		len = bufsz - 1;
	memcpy(buf, (const char *)data + nl + 1, len);
	buf[len] = '\0';       /* an embedded NUL ends the value early */
	return true;
}

static bool
field_is(sd_journal *j, const char *name, const char *want)
{
	char v[VALUE_MAX];

	return field(j, name, v, sizeof(v)) && strcmp(v, want) == 0;
}

int
evidence_match(sd_journal *j, const char *name, const char *value)
{
	char buf[VALUE_MAX + 64];
	int n = snprintf(buf, sizeof(buf), "%s=%s", name, value);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return sd_journal_add_match(j, buf, (size_t)n);
}

/* Written inside the session (journald's stamp), on its boot. */
static bool
genuine(sd_journal *j, const struct evidence_session *es)
{
	return field_is(j, "_AUDIT_SESSION", es->recording) &&
	       field_is(j, "_BOOT_ID", es->boot_id);
}

int
evidence_open(const char *cmd, const struct evidence_source *src, bool users, sd_journal **j)
{
	uint64_t usage = 0;
	int r;

	if (src->dir)
		r = sd_journal_open_directory(j, src->dir, 0);
	else if (src->n_files)
		r = sd_journal_open_files(j, (const char **)src->files, 0);
	else
		r = sd_journal_open(j, users ? 0 : SD_JOURNAL_SYSTEM);
	if (r < 0) {
		fprintf(stderr, "%s: cannot open the journal%s%s: %s\n", cmd,
			src->dir ? " in " : src->n_files ? " file " : "",
			src->dir ? src->dir : src->n_files ? src->files[0] : "", strerror(-r));
		return r;
	}
	(void)sd_journal_set_data_threshold(*j, VALUE_MAX + 64);
	/* the usage is the size of the journal files opened: 0 when none */
	if (!src->n_files && (sd_journal_get_usage(*j, &usage) < 0 || usage == 0)) {
		fprintf(stderr, "%s: no journal files %s%s%s\n", cmd,
			src->dir ? "in " : "found", src->dir ? src->dir : "",
			src->dir ? " (collected journals are *.journal files)" :
			geteuid() != 0 ? " (reading them needs root or the systemd-journal group)" : "");
		sd_journal_close(*j);
		*j = NULL;
		return -ENOENT;
	}
	return 0;
}

int
evidence_find_session(sd_journal *j, const char *session, struct evidence_session *es)
{
	int r;

	memset(es, 0, sizeof(*es));
	sd_journal_flush_matches(j);
	if ((r = evidence_match(j, "NHIACCT_SESSION", session)) < 0 || (r = sd_journal_seek_head(j)) < 0)
		return r;
	while ((r = sd_journal_next(j)) > 0) {
		if (!field_is(j, "MESSAGE_ID", nhi_event_message_id(NHI_EV_OPEN)) ||
		    !field_is(j, "_UID", "0"))
			continue;
		(void)field(j, "NHIACCT_USER", es->user, sizeof(es->user));
		if (!field(j, "NHIACCT_RECORDING", es->recording, sizeof(es->recording)) ||
		    !field(j, "_BOOT_ID", es->boot_id, sizeof(es->boot_id)))
			es->recording[0] = '\0';
		return 0;
	}
	return r < 0 ? r : -ENOENT;
}

/* ---- replay ---------------------------------------------------------------- */

struct rec_ref {
	char id[128];                   /* TLOG_REC */
	char pid[16];                   /* _PID of the recorder: its command record */
};

/* The recordings of the session, in the order they began. */
static int
list_recordings(sd_journal *j, const struct evidence_session *es, struct rec_ref *v, size_t *n)
{
	int r;

	*n = 0;
	sd_journal_flush_matches(j);
	if ((r = evidence_match(j, "TLOG_SESSION", es->recording)) < 0 ||
	    (r = evidence_match(j, "_BOOT_ID", es->boot_id)) < 0 || (r = sd_journal_seek_head(j)) < 0)
		return r;
	while ((r = sd_journal_next(j)) > 0) {
		struct rec_ref x = { "", "" };
		size_t i;

		if (!genuine(j, es) || !field(j, "TLOG_REC", x.id, sizeof(x.id)) ||
		    !field(j, "_PID", x.pid, sizeof(x.pid)))
			continue;
		for (i = 0; i < *n && strcmp(v[i].id, x.id) != 0; i++)
			;
		if (i == *n && *n < RECS_MAX)
			v[(*n)++] = x;
	}
	return r;
}

/* The command a recorder (pid) was started for: its nhiacct-shell record. */
static void
command_of(sd_journal *j, const struct evidence_session *es, const char *pid, char *cmd,
	   size_t cmdsz)
{
	snprintf(cmd, cmdsz, "?");
	sd_journal_flush_matches(j);
	if (evidence_match(j, "SYSLOG_IDENTIFIER", "nhiacct-shell") < 0 || evidence_match(j, "_PID", pid) < 0 ||
	    evidence_match(j, "_BOOT_ID", es->boot_id) < 0 || sd_journal_seek_head(j) < 0)
		return;
	while (sd_journal_next(j) > 0)
		if (genuine(j, es) && field(j, "NHIACCT_COMMAND", cmd, cmdsz)) {
			if (cmd[0] == '\0')
				snprintf(cmd, cmdsz, "(login)");
			return;
		}
}

/* The messages of one recording into fd, one JSON message per line. */
static int
write_recording(sd_journal *j, const struct evidence_session *es, const char *rec, int fd)
{
	uint64_t total = 0;
	int r;

	sd_journal_flush_matches(j);
	if ((r = evidence_match(j, "TLOG_REC", rec)) < 0 || (r = evidence_match(j, "_BOOT_ID", es->boot_id)) < 0 ||
	    (r = sd_journal_seek_head(j)) < 0)
		return r;
	(void)sd_journal_set_data_threshold(j, 0);
	while ((r = sd_journal_next(j)) > 0) {
		const void *data;
		size_t len;

		if (!genuine(j, es) || sd_journal_get_data(j, "MESSAGE", &data, &len) < 0 ||
		    len <= 8)
			continue;
		if ((total += len) > REPLAY_MAX)
			return -EFBIG;
		if (write(fd, (const char *)data + 8, len - 8) != (ssize_t)(len - 8) ||
		    write(fd, "\n", 1) != 1)
			return -EIO;
	}
	(void)sd_journal_set_data_threshold(j, VALUE_MAX + 64);
	return r;
}

/*
 * tlog-play reads keys from its stdin.  Given a terminal, it is the
 * reviewer's; otherwise a pipe kept open and silent until it ends (tlog
 * 12's tlog-play spins forever on a stdin at end of file, /dev/null).
 */
static int
play(int fd, char *const *extra)
{
	char path[64], *argv[24];
	int keys[2] = { -1, -1 }, st, r = 0;
	size_t n = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "--file-path=/proc/self/fd/%d", fd);
	argv[n++] = "tlog-play";
	argv[n++] = "--reader=file";
	argv[n++] = path;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if (isatty(0) != 1 && pipe2(keys, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		if (keys[0] >= 0 && dup2(keys[0], 0) < 0)
			_exit(126);
		execv(NHI_TLOG_PLAY, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			goto out;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		r = -ENOEXEC;
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		r = -EIO;
out:
	if (keys[0] >= 0) {
		close(keys[0]);
		close(keys[1]);
	}
	return r;
}

int
evidence_replay(sd_journal *j, const struct evidence_session *es, char *const *extra)
{
	struct rec_ref *v;
	size_t n;
	int r;

	if (es->recording[0] == '\0')
		return -ENOENT;
	if ((v = calloc(RECS_MAX, sizeof(*v))) == NULL)
		return -ENOMEM;
	if ((r = list_recordings(j, es, v, &n)) >= 0 && n == 0)
		r = -ENOENT;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		char cmd[VALUE_MAX], esc[512];
		int fd = memfd_create("nhiacct-replay", 0);

		if (fd < 0) {
			r = -errno;
			break;
		}
		command_of(j, es, v[i].pid, cmd, sizeof(cmd));
		nhi_escape(esc, sizeof(esc), cmd);
		fprintf(stderr, "nhiacct replay: recording %zu of %zu (%s): %s\n", i + 1, n, v[i].id,
			esc);
		fflush(stdout);
		if ((r = write_recording(j, es, v[i].id, fd)) >= 0)
			r = play(fd, extra);
		close(fd);
		fflush(stdout);
	}
	free(v);
	return r < 0 ? r : 0;
}

/* ---- commands -------------------------------------------------------------- */

struct item {
	uint64_t usec;
	char pid[16];
	bool sftp;
	char *command;                  /* owned; "" for a login */
};

/* Where the lines of an item go: printed with a prefix, or appended to a
 * JSON array. */
struct sink {
	FILE *out;              /* text */
	const char *prefix;
	json_t *arr;            /* or JSON */
};

static void
emit(struct sink *k, const char *raw)
{
	char esc[VALUE_MAX];

	nhi_escape(esc, sizeof(esc), raw);
	if (k->arr != NULL)
		(void)json_array_append_new(k->arr, json_string(esc));
	else
		fprintf(k->out, "      %s: %s\n", k->prefix, esc);
}

/* Typed text as lines: Enter (CR or LF) ends one, DEL and ^H take back a
 * character, anything else unprintable is escaped on output. */
static void
typed_lines(struct sink *k, const char *typed)
{
	char line[1024];
	size_t n = 0;

	for (const char *p = typed;; p++) {
		if (*p == '\0' || *p == '\r' || *p == '\n') {
			line[n] = '\0';
			if (n > 0)
				emit(k, line);
			n = 0;
			if (*p == '\0')
				return;
		} else if (*p == 0x7f || *p == '\b') {
			if (n > 0)
				n--;
		} else if (n < sizeof(line) - 1) {
			line[n++] = *p;
		}
	}
}

/* The typed text of the recording of pid (tlog's in_txt, in order). */
static int
typed_of(sd_journal *j, const struct evidence_session *es, const char *pid, char *typed,
	 size_t typedsz)
{
	size_t have = 0;
	int r;

	typed[0] = '\0';
	sd_journal_flush_matches(j);
	if ((r = evidence_match(j, "TLOG_SESSION", es->recording)) < 0 || (r = evidence_match(j, "_PID", pid)) < 0 ||
	    (r = evidence_match(j, "_BOOT_ID", es->boot_id)) < 0 || (r = sd_journal_seek_head(j)) < 0)
		return r;
	(void)sd_journal_set_data_threshold(j, 0);
	while ((r = sd_journal_next(j)) > 0) {
		const void *data;
		const char *in;
		size_t len, k;
		json_t *m;

		if (!genuine(j, es) || sd_journal_get_data(j, "MESSAGE", &data, &len) < 0 ||
		    len <= 8)
			continue;
		m = json_loadb((const char *)data + 8, len - 8, JSON_ALLOW_NUL, NULL);
		in = json_string_value(json_object_get(m, "in_txt"));
		k = in ? strlen(in) : 0;
		if (k > typedsz - 1 - have)
			k = typedsz - 1 - have;
		memcpy(typed + have, in ? in : "", k);
		typed[have += k] = '\0';
		json_decref(m);
	}
	(void)sd_journal_set_data_threshold(j, VALUE_MAX + 64);
	return r;
}

/* sftp-server's log of one sftp session (pid): every file operation. */
static int
sftp_ops(sd_journal *j, const struct evidence_session *es, const char *pid, struct sink *k)
{
	char msg[VALUE_MAX];
	int r;

	sd_journal_flush_matches(j);
	if ((r = evidence_match(j, "SYSLOG_IDENTIFIER", "sftp-server")) < 0 ||
	    (r = evidence_match(j, "_PID", pid)) < 0 || (r = evidence_match(j, "_BOOT_ID", es->boot_id)) < 0 ||
	    (r = sd_journal_seek_head(j)) < 0)
		return r;
	while ((r = sd_journal_next(j)) > 0)
		if (genuine(j, es) && field(j, "MESSAGE", msg, sizeof(msg)))
			emit(k, msg);
	return r;
}

static int
collect_items(sd_journal *j, const char *session, const struct evidence_session *es,
	      struct item *v, size_t *n)
{
	int r;

	*n = 0;
	sd_journal_flush_matches(j);
	if ((r = evidence_match(j, "NHIACCT_SESSION", session)) < 0 ||
	    (r = evidence_match(j, "SYSLOG_IDENTIFIER", "nhiacct-shell")) < 0 ||
	    (r = sd_journal_seek_head(j)) < 0)
		return r;
	while (*n < ITEMS_MAX && (r = sd_journal_next(j)) > 0) {
		struct item *it = &v[*n];
		char cmd[VALUE_MAX], rec[32];

		if (!genuine(j, es) || sd_journal_get_realtime_usec(j, &it->usec) < 0 ||
		    !field(j, "_PID", it->pid, sizeof(it->pid)) ||
		    !field(j, "NHIACCT_COMMAND", cmd, sizeof(cmd)))
			continue;
		it->sftp = field(j, "NHIACCT_RECORDER", rec, sizeof(rec)) &&
			   strcmp(rec, "sftp-server") == 0;
		if ((it->command = strdup(cmd)) == NULL)
			return -ENOMEM;
		(*n)++;
	}
	return r < 0 ? r : 0;
}

/* One item as text (header line; its lines follow through the sink). */
static void
item_text(FILE *out, const struct item *it, bool utc)
{
	char esc[VALUE_MAX], when[64];

	review_format_time(when, sizeof(when), (int64_t)it->usec, utc);
	fprintf(out, "  %s  ", when);
	nhi_escape(esc, sizeof(esc), it->command);
	if (it->sftp)
		fprintf(out, "sftp (%s)\n", esc);
	else
		fprintf(out, "%s%s\n", it->command[0] ? "runs: " : "login (terminal)", esc);
}

/* One item as JSON: time, kind, command, and its typed lines or files;
 * lines (borrowed) receives them. */
static json_t *
item_json(const struct item *it, json_t **lines)
{
	char when[NHI_TIME_BUF], esc[VALUE_MAX];
	json_t *o = json_object();

	*lines = json_array();
	nhi_escape(esc, sizeof(esc), it->command);
	if (o == NULL || *lines == NULL ||
	    json_object_set_new(o, "time", json_string(nhi_format_time(
				(int64_t)(it->usec / 1000000), when, sizeof(when)))) < 0 ||
	    json_object_set_new(o, "kind", json_string(it->sftp ? "sftp" :
				it->command[0] ? "command" : "login")) < 0 ||
	    json_object_set_new(o, "command", json_string(esc)) < 0 ||
	    json_object_set(o, it->sftp ? "files" : "typed", *lines) < 0) {
		json_decref(o);
		json_decref(*lines);
		*lines = NULL;
		return NULL;
	}
	json_decref(*lines);    /* o holds it */
	return o;
}

int
evidence_commands(sd_journal *j, const char *session, const struct evidence_session *es,
		  bool utc, FILE *out, json_t *arr)
{
	struct item *v;
	char *typed = NULL;
	size_t n = 0;
	int r;

	if (es->recording[0] == '\0') {
		if (arr == NULL)
			fprintf(out, "  (not recorded)\n");
		return 0;
	}
	if ((v = calloc(ITEMS_MAX, sizeof(*v))) == NULL || (typed = malloc(TYPED_MAX)) == NULL) {
		free(v);
		return -ENOMEM;
	}
	r = collect_items(j, session, es, v, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct sink k = { .out = out, .prefix = v[i].sftp ? "sftp" : "typed" };

		if (arr == NULL) {
			item_text(out, &v[i], utc);
		} else {
			json_t *o = item_json(&v[i], &k.arr);

			if (o == NULL || json_array_append_new(arr, o) < 0) {
				r = -ENOMEM;
				break;
			}
		}
		if (v[i].sftp)
			r = sftp_ops(j, es, v[i].pid, &k);
		else if ((r = typed_of(j, es, v[i].pid, typed, TYPED_MAX)) >= 0)
			typed_lines(&k, typed);
	}
	if (r >= 0 && n == 0 && arr == NULL)
		fprintf(out, "  (recorded; nothing ran)\n");
	for (size_t i = 0; i < n; i++)
		free(v[i].command);
	free(v);
	free(typed);
	return r < 0 ? r : (int)n;
}
