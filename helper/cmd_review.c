/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct review: sessions and denials from the journal.  The journal's
 * field indexes do the selecting (the ticket / user asked for, else the
 * MESSAGE_IDs of the six events; then only records a user cannot forge), seeking by time does the
 * range; lib/review.c joins the records into rows and prints them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "cmd.h"
#include "review.h"
#include "review_print.h"
#include "evidence.h"
#include "timeutil.h"
#include "audit.h"
#include "ticket.h"
#include "text.h"

#define FILES_MAX      EVIDENCE_FILES_MAX       /* --file arguments */
#define USER_MAX       256      /* --user length (LOGIN_NAME_MAX) */
#define COMPLETE_MAX   10000    /* sessions completed by a lookup of their own */
#define DURATION_MAX   (INT64_C(100) * 366 * 86400)

static int
review_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct review [--ticket T] [--user U] [--since TIME] [--until TIME]\n"
		"                      [--json] [--commands] [--utc] [-D DIR | --file FILE...]\n"
		"\n"
		"Sessions (one row each: opened, ended, how it ended, duration, approver)\n"
		"and denials written by pam_nhiacct and nhiacct, from the system journal.\n"
		"\n"
		"  --ticket T       only records of ticket T\n"
		"  --user U         only records of login user U\n"
		"  --since TIME     records at or after TIME\n"
		"  --until TIME     records before TIME\n"
		"                   TIME: YYYY-MM-DD [HH:MM[:SS]] [Z|UTC|+HH:MM], now, today,\n"
		"                   yesterday, tomorrow, -2h, -30m, -1d, +1h, @UNIX\n"
		"  --json           one JSON object per row\n"
		"  --commands       after the table, what each session ran: commands, a\n"
		"                   terminal's typed lines, sftp's file operations (with\n"
		"                   --json: a \"commands\" array in each session's row)\n"
		"  --utc            show and read times in UTC instead of local time\n"
		"  -D, --directory DIR  read the journal files in DIR (e.g. collected by\n"
		"                   systemd-journal-remote) instead of the system journal\n"
		"  --file FILE      read FILE (repeatable) instead of the system journal\n"
		"  --unreviewed     only sessions nobody has attested (exit 1 when any)\n"
		"  --older-than SPAN  with --unreviewed: only those ended SPAN ago or more\n"
		"\n"
		"       nhiacct review --attest SESSION [--note TEXT]\n"
		"\n"
		"Writes a reviewed record: the invoker (root, or the sudo user) attests\n"
		"that the session was reviewed.  A vendor may not attest their own session.\n"
		"\n"
		"Exit status: 0 rows printed (also none; --attest: recorded), 1 --unreviewed\n"
		"found sessions (--attest: no such session), 2 usage error, unreadable\n"
		"journal, or a refused attestation.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

struct review_opts {
	const char *ticket, *user, *dir;
	const char *files[FILES_MAX + 1];       /* NULL-terminated */
	size_t n_files;
	int64_t since, until;                   /* usec or NHI_USEC_UNKNOWN */
	bool json, utc, commands;
	const char *attest, *note;              /* --attest SESSION [--note] */
	bool unreviewed;
	int64_t older_than;                     /* seconds; --older-than */
};

/* The fields of one record, copied out of the journal with bounds. */
enum { F_MESSAGE_ID, F_UID, F_CAP_EFFECTIVE, F_IDENTIFIER, F_USER, F_SERVICE, F_RHOST,
       F_HOST, F_HOSTNAME, F_TICKET, F_APPROVER, F_REQUESTER, F_PURPOSE, F_REASON,
       F_SESSION, F_DURATION, F_REVIEWER, F_NOTE, F_RECORDING, F_BOOT_ID, F_MAX };

static const char *const field_names[F_MAX] = {
	[F_MESSAGE_ID] = "MESSAGE_ID", [F_UID] = "_UID", [F_CAP_EFFECTIVE] = "_CAP_EFFECTIVE",
	[F_IDENTIFIER] = "SYSLOG_IDENTIFIER", [F_USER] = "NHIACCT_USER",
	[F_SERVICE] = "NHIACCT_SERVICE", [F_RHOST] = "NHIACCT_RHOST",
	[F_HOST] = "NHIACCT_HOST", [F_HOSTNAME] = "_HOSTNAME",
	[F_TICKET] = "NHIACCT_TICKET", [F_APPROVER] = "NHIACCT_APPROVER",
	[F_REQUESTER] = "NHIACCT_REQUESTER", [F_PURPOSE] = "NHIACCT_PURPOSE",
	[F_REASON] = "NHIACCT_REASON", [F_SESSION] = "NHIACCT_SESSION",
	[F_DURATION] = "NHIACCT_DURATION", [F_REVIEWER] = "NHIACCT_REVIEWER",
	[F_NOTE] = "NHIACCT_NOTE", [F_RECORDING] = "NHIACCT_RECORDING", [F_BOOT_ID] = "_BOOT_ID",
};

struct record {
	bool have[F_MAX];
	char val[F_MAX][NHI_REVIEW_FIELD_MAX + 1];
};

static const char *
get(const struct record *rec, int f)
{
	return rec->have[f] ? rec->val[f] : NULL;
}

/*
 * Copies at most NHI_REVIEW_FIELD_MAX bytes of a value, up to an embedded
 * NUL; a cut never splits a UTF-8 sequence, so JSON keeps the value raw.
 */
static void
copy_value(char *dst, const char *src, size_t len)
{
	const char *nul = memchr(src, '\0', len);
	size_t n = nul ? (size_t)(nul - src) : len;

	if (n > NHI_REVIEW_FIELD_MAX) {
		n = NHI_REVIEW_FIELD_MAX;
		/* Back off to the start of a cut sequence (at most 3 bytes). */
		for (size_t k = 0; k < 3 && n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80; k++)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Reads the fields of the current entry in one pass over its data.  The
 * "available" variant skips a field it cannot read (corrupt, or compressed
 * with an algorithm this libsystemd lacks) instead of failing the entry.
 */
/* ", value" after what dst holds, as far as it fits. */
static void
append_value(char *dst, const char *src, size_t len)
{
	char v[NHI_REVIEW_FIELD_MAX + 1];
	size_t have = strlen(dst), n;

	copy_value(v, src, len);
	n = strlen(v);
	if (have + 2 + n <= NHI_REVIEW_FIELD_MAX) {
		memcpy(dst + have, ", ", 2);
		memcpy(dst + have + 2, v, n + 1);
	}
}

static int
read_record(sd_journal *j, struct record *rec)
{
	const void *data;
	size_t len;
	int r, f;

	memset(rec->have, 0, sizeof(rec->have));
	sd_journal_restart_data(j);
	while ((r = sd_journal_enumerate_available_data(j, &data, &len)) > 0) {
		const char *d = data, *eq = memchr(d, '=', len);
		size_t nl;

		if (!eq || (d[0] != 'N' && d[0] != 'M' && d[0] != '_' && d[0] != 'S'))
			continue;
		nl = (size_t)(eq - d);
		for (f = 0; f < F_MAX; f++)
			if ((!rec->have[f] || f == F_APPROVER) && strlen(field_names[f]) == nl &&
			    memcmp(field_names[f], d, nl) == 0)
				break;
		if (f == F_MAX)
			continue;
		if (rec->have[f]) {     /* several approvers: one field each, joined */
			append_value(rec->val[f], eq + 1, len - nl - 1);
			continue;
		}
		copy_value(rec->val[f], eq + 1, len - nl - 1);
		rec->have[f] = true;
	}
	return r < 0 ? r : 0;
}

static int
event_of(const char *message_id, enum nhi_event *ev)
{
	for (int e = 0; e < NHI_EV_MAX; e++)
		if (message_id && strcmp(message_id, nhi_event_message_id(e)) == 0) {
			*ev = (enum nhi_event)e;
			return 0;
		}
	return -ENOENT;
}

/* NHIACCT_DURATION: decimal seconds; anything else counts as absent. */
static int64_t
parse_duration_field(const char *s)
{
	int64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > DURATION_MAX)
			return -1;
	}
	return v;
}

/*
 * Was rec written by someone a user cannot impersonate?  Any user can send
 * NHIACCT_* fields to the journal (logger --journald), so the fields a
 * sender chooses prove nothing; journald's own fields do: _UID, the
 * sender's real uid, and _CAP_EFFECTIVE, its effective capabilities.  The
 * module runs in sshd (uid 0) and the helper as root: _UID=0.  A setuid
 * PAM client (su, sudo) run by a user keeps that user's real uid but holds
 * the capabilities of root, CAP_SETUID among them, which no ordinary
 * process has: such a record counts when it says it is the module's.
 */
static bool
trusted(const struct record *rec)
{
	const char *uid = get(rec, F_UID), *cap = get(rec, F_CAP_EFFECTIVE);
	const char *ident = get(rec, F_IDENTIFIER);
	unsigned long long eff;
	char *end;

	if (uid != NULL && strcmp(uid, "0") == 0)
		return true;
	if (cap == NULL || ident == NULL || strcmp(ident, "pam_nhiacct") != 0)
		return false;
	errno = 0;
	eff = strtoull(cap, &end, 16);
	return errno == 0 && end != cap && *end == '\0' && (eff >> 7) & 1;  /* CAP_SETUID */
}

/*
 * Fills e from rec (borrowing its strings).  -ENOENT: not one of ours.
 * Only records that trusted() accepts count.
 */
static int
to_entry(sd_journal *j, const struct record *rec, struct nhi_review_entry *e)
{
	uint64_t usec;
	int r;

	memset(e, 0, sizeof(*e));
	if (!trusted(rec))
		return -ENOENT;
	r = event_of(get(rec, F_MESSAGE_ID), &e->event);
	if (r < 0)
		return r;
	r = sd_journal_get_realtime_usec(j, &usec);
	if (r < 0)
		return r;
	e->usec = usec > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)usec;
	e->user = get(rec, F_USER);
	e->service = get(rec, F_SERVICE);
	e->rhost = get(rec, F_RHOST);
	/* The host the record came from: journald's own stamp first, which
	 * is what tells the hosts of a collected journal apart. */
	e->host = get(rec, F_HOSTNAME) ? get(rec, F_HOSTNAME) : get(rec, F_HOST);
	e->ticket = get(rec, F_TICKET);
	e->approver = get(rec, F_APPROVER);
	e->requester = get(rec, F_REQUESTER);
	e->purpose = get(rec, F_PURPOSE);
	e->reason = get(rec, F_REASON);
	e->session = get(rec, F_SESSION);
	e->duration = parse_duration_field(get(rec, F_DURATION));
	e->reviewer = get(rec, F_REVIEWER);
	e->note = get(rec, F_NOTE);
	e->recording = get(rec, F_RECORDING);
	e->boot_id = get(rec, F_BOOT_ID);
	return 0;
}

/*
 * What the journal's indexes select.  A ticket, user or session value is
 * rare, so its match alone narrows the scan to a few entries, and the
 * event and sender are checked on those (to_entry); adding the six
 * MESSAGE_IDs as terms there would only make the library walk their long
 * entry arrays in every file (measured: 2x slower).  Without such a value,
 * the MESSAGE_IDs (same field: OR) select, and to_entry keeps the trusted.
 */
static int
set_matches(sd_journal *j, const char *ticket, const char *user,
	    const char *session)
{
	int r = 0;

	sd_journal_flush_matches(j);
	if (ticket)
		r = evidence_match(j, "NHIACCT_TICKET", ticket);
	if (r >= 0 && user)
		r = evidence_match(j, "NHIACCT_USER", user);
	if (r >= 0 && session)
		r = evidence_match(j, "NHIACCT_SESSION", session);
	if (!ticket && !user && !session) {
		for (int e = 0; r >= 0 && e < NHI_EV_MAX; e++)
			r = evidence_match(j, "MESSAGE_ID", nhi_event_message_id(e));
	}
	return r < 0 ? r : 0;
}

static int
open_journal(const struct review_opts *o, sd_journal **j)
{
	struct evidence_source src = { .dir = o->dir, .n_files = o->n_files };
	int r;

	memcpy(src.files, o->files, sizeof(o->files));
	if ((r = evidence_open("nhiacct review", &src, o->commands, j)) < 0)
		return r;
	/* A hint to the library: we never need more of a value than this. */
	(void)sd_journal_set_data_threshold(*j, NHI_REVIEW_FIELD_MAX + 64);
	return 0;
}

/* The main pass: every matching record in [since, until). */
static int
scan(sd_journal *j, const struct review_opts *o, struct nhi_review *rv,
     struct record *rec)
{
	struct nhi_review_entry e;
	uint64_t usec;
	int r;

	r = set_matches(j, o->ticket, o->user, NULL);
	if (r < 0)
		return r;
	r = o->since != NHI_USEC_UNKNOWN ? sd_journal_seek_realtime_usec(j, (uint64_t)o->since)
					 : sd_journal_seek_head(j);
	if (r < 0)
		return r;
	while ((r = sd_journal_next(j)) > 0) {
		r = sd_journal_get_realtime_usec(j, &usec);
		if (r < 0)
			return r;
		if (o->until != NHI_USEC_UNKNOWN && usec >= (uint64_t)o->until)
			break;
		r = read_record(j, rec);
		if (r < 0)
			return r;
		r = to_entry(j, rec, &e);
		if (r == -ENOENT)
			continue;
		if (r >= 0)
			r = nhi_review_add(rv, &e);
		if (r < 0)
			return r;
	}
	return r < 0 ? r : 0;
}

/*
 * A filter may hide some records of a session that it shows (its open
 * before --since, its end after --until, a record without the user field):
 * each such row is completed by a lookup on NHIACCT_SESSION, again through
 * the index.  Bounded; the rest stay as seen.
 */
static int
complete(sd_journal *j, struct nhi_review *rv, struct record *rec)
{
	struct nhi_review_entry e;
	size_t i, done = 0, left = 0;
	int r;

	for (i = 0; i < rv->n_sessions; i++) {
		if (!nhi_review_session_incomplete(&rv->sessions[i]))
			continue;
		if (done >= COMPLETE_MAX) {
			left++;
			continue;
		}
		done++;
		/* Completion never adds rows, so the row (and its id) stays put. */
		r = set_matches(j, NULL, NULL, rv->sessions[i].session);
		if (r >= 0)
			r = sd_journal_seek_head(j);
		while (r >= 0 && (r = sd_journal_next(j)) > 0) {
			r = read_record(j, rec);
			if (r >= 0)
				r = to_entry(j, rec, &e);
			if (r >= 0)
				r = nhi_review_complete(rv, &e);
			else if (r == -ENOENT)
				r = 0;
		}
		if (r < 0)
			return r;
	}
	if (left)
		fprintf(stderr, "nhiacct review: %zu sessions shown as far as the range and "
			"filters reach (more than %d to complete)\n", left, COMPLETE_MAX);
	return 0;
}

static int
parse_opts(int argc, char **argv, struct review_opts *o)
{
	static const struct option opts[] = {
		{ "ticket", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "utc", no_argument, NULL, 'z' },
		{ "directory", required_argument, NULL, 'D' },
		{ "file", required_argument, NULL, 'f' },
		{ "attest", required_argument, NULL, 'A' },
		{ "note", required_argument, NULL, 'N' },
		{ "unreviewed", no_argument, NULL, 'R' },
		{ "older-than", required_argument, NULL, 'O' },
		{ "commands", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = NULL, *until = NULL, *older = NULL;
	int64_t now;
	int ch, r;

	memset(o, 0, sizeof(*o));
	o->since = o->until = NHI_USEC_UNKNOWN;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "D:h", opts, NULL)) != -1) {
		switch (ch) {
		case 't': o->ticket = optarg; break;
		case 'u': o->user = optarg; break;
		case 'S': since = optarg; break;
		case 'U': until = optarg; break;
		case 'j': o->json = true; break;
		case 'z': o->utc = true; break;
		case 'D': o->dir = optarg; break;
		case 'f':
			if (o->n_files >= FILES_MAX) {
				fprintf(stderr, "nhiacct review: more than %d --file\n", FILES_MAX);
				return -E2BIG;
			}
			o->files[o->n_files++] = optarg;
			break;
		case 'A': o->attest = optarg; break;
		case 'N': o->note = optarg; break;
		case 'R': o->unreviewed = true; break;
		case 'O': older = optarg; break;
		case 'C': o->commands = true; break;
		case 'h': return 1;
		default: return -EINVAL;
		}
	}
	if (o->attest && !nhi_str_in_set(o->attest, 1, 64, NHI_CS_ALNUM "._-")) {
		fprintf(stderr, "nhiacct review: --attest: not a session id\n");
		return -EINVAL;
	}
	if (o->note && (strlen(o->note) > 1024 || strpbrk(o->note, "\n\r\t\x1b\x7f") != NULL)) {
		fprintf(stderr, "nhiacct review: --note: one line of at most 1024 bytes\n");
		return -EINVAL;
	}
	if (o->note && !o->attest) {
		fprintf(stderr, "nhiacct review: --note goes with --attest\n");
		return -EINVAL;
	}
	if (older && (!o->unreviewed || nhi_parse_duration(older, &o->older_than) < 0)) {
		fprintf(stderr, "nhiacct review: --older-than: a time span, with --unreviewed\n");
		return -EINVAL;
	}
	if (o->commands && o->unreviewed) {
		fprintf(stderr, "nhiacct review: --commands goes without --unreviewed\n");
		return -EINVAL;
	}
	if (o->attest && (o->unreviewed || o->json || o->commands)) {
		fprintf(stderr, "nhiacct review: --attest goes alone\n");
		return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "nhiacct review: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->dir && o->n_files) {
		fprintf(stderr, "nhiacct review: -D and --file exclude each other\n");
		return -EINVAL;
	}
	if (o->ticket && !nhi_ticket_id_valid(o->ticket)) {
		fprintf(stderr, "nhiacct review: invalid ticket id (1-64 of A-Z a-z 0-9 . _ -, "
			"not starting with '.')\n");
		return -EINVAL;
	}
	if (o->user && (!*o->user || strlen(o->user) > USER_MAX)) {
		fprintf(stderr, "nhiacct review: invalid user name\n");
		return -EINVAL;
	}
	now = nhi_now_usec();
	if (since && (r = nhi_parse_when(since, now, o->utc, &o->since)) < 0) {
		fprintf(stderr, "nhiacct review: --since: cannot read '%s' as a time\n", since);
		return r;
	}
	if (until && (r = nhi_parse_when(until, now, o->utc, &o->until)) < 0) {
		fprintf(stderr, "nhiacct review: --until: cannot read '%s' as a time\n", until);
		return r;
	}
	if (since && until && o->since >= o->until) {
		fprintf(stderr, "nhiacct review: --since must be before --until\n");
		return -EINVAL;
	}
	return 0;
}

/* --commands: what each session ran, after the table. */
static int
print_commands(sd_journal *j, const struct nhi_review *rv, bool utc)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < rv->n_sessions; i++) {
		const struct nhi_review_session *s = &rv->sessions[i];
		struct evidence_session es;
		char user[96];

		if (s->session == NULL)
			continue;
		nhi_escape(user, sizeof(user), s->user ? s->user : "?");
		printf("\nSession %s (%s, ticket %s):\n", s->session, user,
		       s->ticket ? s->ticket : "-");
		r = evidence_find_session(j, s->session, &es);
		if (r == -ENOENT) {
			printf("  (its open record is not in these journals)\n");
			r = 0;
		} else if (r >= 0) {
			r = evidence_commands(j, s->session, &es, utc, stdout, NULL);
		}
	}
	if (r >= 0 && (fflush(stdout) == EOF || ferror(stdout)))
		r = -EIO;
	return r < 0 ? r : 0;
}

/* --json --commands: each session's row with "commands" (null when it was
 * not recorded, or its open record is not in these journals), then the
 * denials, as review_print_json writes them. */
static int
print_json_commands(sd_journal *j, const struct nhi_review *rv)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < rv->n_sessions; i++) {
		const struct nhi_review_session *s = &rv->sessions[i];
		json_t *o = review_session_json(s), *cmds = NULL;
		struct evidence_session es;

		if (o == NULL)
			return -ENOMEM;
		if (s->session != NULL && (r = evidence_find_session(j, s->session, &es)) >= 0 &&
		    es.recording[0] != '\0') {
			if ((cmds = json_array()) == NULL)
				r = -ENOMEM;
			else
				r = evidence_commands(j, s->session, &es, true, NULL, cmds);
		}
		if (r == -ENOENT)
			r = 0;
		if (r >= 0 && json_object_set_new(o, "commands", cmds ? cmds : json_null()) < 0)
			r = -ENOMEM;
		else if (r < 0)
			json_decref(cmds);
		if (r >= 0 && (json_dumpf(o, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF))
			r = -EIO;
		json_decref(o);
	}
	for (size_t i = 0; r >= 0 && i < rv->n_denials; i++) {
		json_t *o = review_denial_json(&rv->denials[i]);

		if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF)
			r = o == NULL ? -ENOMEM : -EIO;
		json_decref(o);
	}
	if (r >= 0 && (fflush(stdout) == EOF || ferror(stdout)))
		r = -EIO;
	return r < 0 ? r : 0;
}

/*
 * --attest: the session's own records (trusted ones, through the index),
 * then a reviewed record naming the invoker, unless the invoker is the
 * session's vendor.  Only root's records count (trusted()), so only root
 * (or sudo, whose user the record names) can attest.
 */
static int
attest(const struct review_opts *o)
{
	struct nhi_review_filter f = { .since_usec = NHI_USEC_UNKNOWN,
				       .until_usec = NHI_USEC_UNKNOWN };
	struct nhi_review_session *s;
	struct nhi_review rv;
	struct nhi_review_entry e;
	struct nhi_record rec;
	struct record *buf = NULL;
	sd_journal *j = NULL;
	char who[96], name[80];
	int r, rc = NHI_EXIT_USAGE;

	if (geteuid() != 0) {
		fprintf(stderr, "nhiacct review --attest: needs root (sudo): only root's records "
			"count as evidence\n");
		return NHI_EXIT_USAGE;
	}
	nhi_cmd_invoker(who, sizeof(who), name, sizeof(name));
	if (nhi_review_init(&rv, &f) < 0 || (buf = malloc(sizeof(*buf))) == NULL) {
		fprintf(stderr, "nhiacct review: out of memory\n");
		goto out;
	}
	if (open_journal(o, &j) < 0)
		goto out;
	r = set_matches(j, NULL, NULL, o->attest);
	if (r >= 0)
		r = sd_journal_seek_head(j);
	while (r >= 0 && (r = sd_journal_next(j)) > 0) {
		if ((r = read_record(j, buf)) >= 0 && (r = to_entry(j, buf, &e)) >= 0)
			r = nhi_review_add(&rv, &e);
		else if (r == -ENOENT)
			r = 0;
	}
	if (r < 0) {
		fprintf(stderr, "nhiacct review: reading the journal: %s\n", strerror(-r));
		goto out;
	}
	nhi_review_finish(&rv);
	s = rv.n_sessions == 1 && rv.sessions[0].has_open ? &rv.sessions[0] : NULL;
	if (s == NULL) {
		fprintf(stderr, "nhiacct review --attest: no session %s in the journal\n", o->attest);
		rc = NHI_EXIT_NO;
		goto out;
	}
	if (name[0] == '\0' || (s->user != NULL && strcmp(name, s->user) == 0)) {
		fprintf(stderr, "nhiacct review --attest: %s may not attest %s session %s\n", who,
			name[0] ? "their own" : "(unknown invoker)", o->attest);
		goto out;
	}
	nhi_record_init(&rec, NHI_EV_REVIEWED);
	rec.identifier = NHI_CMD_IDENTIFIER;
	rec.user = s->user;
	rec.host = s->host;
	rec.ticket_id = s->ticket;
	rec.session = o->attest;
	rec.reviewer = who;
	rec.note = o->note;
	if ((r = nhi_audit(&rec)) < 0) {
		fprintf(stderr, "nhiacct review --attest: the record could not be written: %s\n",
			strerror(-r));
		goto out;
	}
	printf("session %s of %s (ticket %s) reviewed by %s\n", o->attest,
	       s->user ? s->user : "?", s->ticket ? s->ticket : "-", who);
	rc = NHI_EXIT_OK;
out:
	if (j)
		sd_journal_close(j);
	free(buf);
	nhi_review_free(&rv);
	return rc;
}

int
cmd_review(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	struct review_opts o;
	struct nhi_review_filter f;
	struct nhi_review rv;
	struct record *rec = NULL;
	sd_journal *j = NULL;
	int r, rc = NHI_EXIT_USAGE;
	size_t unreviewed = 0;
	bool filtered;

	(void)ctx;      /* review reads the journal only, no configuration */
	r = parse_opts(argc, argv, &o);
	if (r != 0)
		return r > 0 ? review_usage(stdout) : nhi_cmd_usage_error(argv[0], NULL);
	if (o.attest)
		return attest(&o);
	f = (struct nhi_review_filter){ .user = o.user, .ticket = o.ticket,
					.since_usec = o.since, .until_usec = o.until };
	if (nhi_review_init(&rv, &f) < 0) {
		fprintf(stderr, "nhiacct review: out of memory\n");
		return NHI_EXIT_USAGE;
	}
	rec = malloc(sizeof(*rec));
	if (!rec) {
		fprintf(stderr, "nhiacct review: out of memory\n");
		goto out;
	}
	if (open_journal(&o, &j) < 0)
		goto out;
	r = scan(j, &o, &rv, rec);
	filtered = o.ticket || o.user || o.since != NHI_USEC_UNKNOWN ||
		   o.until != NHI_USEC_UNKNOWN;
	if (r >= 0 && filtered)
		r = complete(j, &rv, rec);
	if (r < 0) {
		fprintf(stderr, "nhiacct review: reading the journal: %s%s\n", strerror(-r),
			r == -E2BIG ? " (too many rows: narrow with --since, --ticket, --user)"
				    : "");
		goto out;
	}
	nhi_review_finish(&rv);
	if (o.unreviewed)
		unreviewed = nhi_review_keep_unreviewed(&rv, nhi_now_usec() -
							o.older_than * 1000000);
	if (o.json && o.commands)
		r = print_json_commands(j, &rv);
	else if (o.json)
		r = review_print_json(&rv, stdout);
	else
		r = review_print_table(&rv, stdout, o.utc);
	if (r >= 0 && o.commands && !o.json)
		r = print_commands(j, &rv, o.utc);
	if (r < 0) {
		fprintf(stderr, "nhiacct review: writing the output: %s\n", strerror(-r));
		goto out;
	}
	rc = unreviewed > 0 ? NHI_EXIT_NO : NHI_EXIT_OK;
out:
	if (j)
		sd_journal_close(j);
	free(rec);
	nhi_review_free(&rv);
	return rc;
}
