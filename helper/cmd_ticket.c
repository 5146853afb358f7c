/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct ticket new|approve|list|show|withdraw|verify: tickets of the file
 * backend (ticket_dir), and anyone preparing a signed ticket (a FILE).  An
 * approval is the approver's SSH signature of the ticket's canonical
 * content (signature.h), made with ssh-keygen -Y sign wherever their key
 * is.  Files are written atomically, mode 0644 (ticket_doc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backend.h"
#include "cmd.h"
#include "conf.h"
#include "fileio.h"
#include "json.h"
#include "signature.h"
#include "text.h"
#include "ticket.h"
#include "ticket_doc.h"
#include "timeutil.h"

#define CMD "nhiacct ticket"

static int
ticket_usage(FILE *f)
{
	fprintf(f,
		"usage: nhiacct [--conf PATH] ticket new --id ID --user ACCOUNT[,...]\n"
		"                 --host GLOB[,...] [--from TIME] (--until TIME | --for SPAN)\n"
		"                 --requester NAME [--purpose TEXT] [--print]\n"
		"       nhiacct ticket approve ID|FILE --key KEY [--as NAME]\n"
		"       nhiacct ticket list [--valid|--all] [--json]\n"
		"       nhiacct ticket show ID|FILE\n"
		"       nhiacct ticket withdraw ID [--reason TEXT]\n"
		"       nhiacct ticket verify ID|FILE\n"
		"\n"
		"Tickets of the file backend (ticket_dir), or a ticket FILE (a path with\n"
		"a '/' or ending in .json).  approve signs the ticket with the approver's\n"
		"SSH key (ssh-keygen -Y sign -n " NHI_SIG_NAMESPACE "; KEY may be a public key\n"
		"whose private half ssh-agent holds) and adds the approval; verify says\n"
		"what the module would conclude about the signatures (approver_keys).\n"
		"TIME: RFC 3339 or systemd.time(7) (\"2026-12-01 09:00\", \"+1h\", \"now\").\n"
		"Exit status: 0 done (verify: every approver's signature is good), 1 not\n"
		"(verify: a signature missing or bad; list: none), 2 usage or error.\n");
	return f == stdout ? NHI_EXIT_OK : NHI_EXIT_USAGE;
}

/* A FILE rather than an id: it has a '/' or ends in ".json". */
static bool
is_file(const char *arg)
{
	size_t n = strlen(arg);

	return strchr(arg, '/') != NULL || (n > 5 && strcmp(arg + n - 5, ".json") == 0);
}

/* *doc: the ticket ID of ticket_dir (through the file backend's checks), or
 * FILE (anyone's: an approver's copy). */
static int
read_ticket(const struct nhi_conf *c, const char *arg, json_t **doc)
{
	const struct nhi_file_rules rules = { .max = NHI_TICKET_MAX, .owner = NHI_OWNER_ANY,
					      .label = arg };
	char err[512] = "", *buf = NULL;
	size_t len;
	int r;

	if (!is_file(arg)) {
		if (!nhi_ticket_id_valid(arg))
			return nhi_cmd_usage_error(CMD, "not a ticket id");
		if ((r = nhi_backend_file.fetch(c, arg, doc, err, sizeof(err))) < 0) {
			fprintf(stderr, "%s: %s: %s\n", CMD, arg, err[0] ? err : strerror(-r));
			return NHI_EXIT_USAGE;
		}
		return 0;
	}
	if ((r = nhi_file_read(AT_FDCWD, arg, &rules, &buf, &len, err, sizeof(err))) == 0)
		r = nhi_json_parse(buf, len, doc, err, sizeof(err));
	free(buf);
	if (r == 0 && !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		snprintf(err, sizeof(err), "not a JSON object");
		r = -EBADMSG;
	}
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", CMD, arg, err[0] ? err : strerror(-r));
		return NHI_EXIT_USAGE;
	}
	return 0;
}

/* Writes doc back where it came from. */
static int
write_ticket(const struct nhi_conf *c, const char *arg, json_t *doc)
{
	char name[NHI_ID_MAX + 8], err[512], *copy = NULL, *dir;
	const char *base;
	int dirfd, r;

	if (is_file(arg)) {
		if ((copy = strdup(arg)) == NULL)
			return NHI_EXIT_USAGE;
		dir = dirname(copy);
		base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
		snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, base);
	} else {
		dir = c->ticket_dir;
		snprintf(name, sizeof(name), "%s.json", arg);
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", CMD, dir, strerror(errno));
		free(copy);
		return NHI_EXIT_USAGE;
	}
	r = nhi_ticket_doc_write(dirfd, name, doc, err, sizeof(err));
	close(dirfd);
	free(copy);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", CMD, err);
		return NHI_EXIT_USAGE;
	}
	return 0;
}

/* The ticket of a native document. */
static int
map_ticket(const struct nhi_conf *c, json_t *doc, struct nhi_ticket *t)
{
	char err[512];

	if (nhi_ticket_from_native(c, doc, NULL, t, err, sizeof(err)) < 0 || t->id == NULL) {
		fprintf(stderr, "%s: the ticket cannot be read: %s\n", CMD,
			err[0] ? err : "it has no id");
		return NHI_EXIT_USAGE;
	}
	return 0;
}

/* TIME as Unix seconds. */
static int
parse_time(const char *s, int64_t *out)
{
	int64_t usec;

	if (nhi_parse_time(s, out) == 0)
		return 0;
	if (nhi_parse_when(s, nhi_now_usec(), false, &usec) < 0)
		return -EINVAL;
	*out = usec / 1000000;
	return 0;
}

/* ---- new ----------------------------------------------------------------------- */

static int
ticket_new(const struct nhi_conf *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' }, { "user", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' }, { "from", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 't' }, { "for", required_argument, NULL, 'F' },
		{ "requester", required_argument, NULL, 'r' },
		{ "purpose", required_argument, NULL, 'p' }, { "print", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct nhi_ticket_spec spec = { 0 };
	const char *until = NULL, *span = NULL, *from = NULL;
	bool print = false;
	char err[512], *text;
	json_t *doc = NULL;
	int opt, rc = NHI_EXIT_USAGE;
	int64_t d;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': spec.id = optarg; break;
		case 'u': if (nhi_strv_split_list(&spec.accounts, optarg) < 0) goto usage; break;
		case 'H': if (nhi_strv_split_list(&spec.hosts, optarg) < 0) goto usage; break;
		case 'f': from = optarg; break;
		case 't': until = optarg; break;
		case 'F': span = optarg; break;
		case 'r': spec.requester = optarg; break;
		case 'p': spec.purpose = optarg; break;
		case 'P': print = true; break;
		case 'h': rc = ticket_usage(stdout); goto out;
		default: goto usage;
		}
	}
	if (optind != argc || spec.id == NULL || (until == NULL) == (span == NULL)) {
		rc = nhi_cmd_usage_error(CMD " new", "--id and one of --until and --for are needed");
		goto out;
	}
	spec.not_before = nhi_now_usec() / 1000000;
	if (from != NULL && parse_time(from, &spec.not_before) < 0) {
		rc = nhi_cmd_usage_error(CMD " new", "--from: not a time");
		goto out;
	}
	if (until != NULL && parse_time(until, &spec.not_after) < 0) {
		rc = nhi_cmd_usage_error(CMD " new", "--until: not a time");
		goto out;
	}
	if (span != NULL) {
		if (nhi_parse_duration(span, &d) < 0 || d <= 0) {
			rc = nhi_cmd_usage_error(CMD " new", "--for: not a time span");
			goto out;
		}
		spec.not_after = spec.not_before + d;
	}
	if (nhi_ticket_doc_new(&spec, &doc, err, sizeof(err)) < 0) {
		rc = nhi_cmd_usage_error(CMD " new", err);
		goto out;
	}
	if (print) {
		if ((text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL)
			printf("%s\n", text);
		free(text);
		rc = text != NULL ? NHI_EXIT_OK : NHI_EXIT_USAGE;
		goto out;
	}
	{
		char name[NHI_ID_MAX + 8];
		int dirfd = open(c->ticket_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		snprintf(name, sizeof(name), "%s.json", spec.id);
		if (dirfd >= 0 && faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			fprintf(stderr, "%s new: ticket %s exists\n", CMD, spec.id);
			close(dirfd);
			goto out;
		}
		if (dirfd >= 0)
			close(dirfd);
	}
	if ((rc = write_ticket(c, spec.id, doc)) == 0)
		printf("ticket %s: requested; an approver signs it with: nhiacct ticket approve "
		       "%s --key KEY\n", spec.id, spec.id);
	goto out;
usage:
	rc = nhi_cmd_usage_error(CMD " new", NULL);
out:
	nhi_strv_free(&spec.accounts);
	nhi_strv_free(&spec.hosts);
	json_decref(doc);
	return rc;
}

/* ---- approve ------------------------------------------------------------------- */

/* The invoking user's name (the approver by default). */
static const char *
own_name(char *buf, size_t bufsz)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || res == NULL)
		return NULL;
	snprintf(buf, bufsz, "%s", pw.pw_name);
	return buf;
}

/* Where this host has approver_keys: does it take the signature just made?
 * A wrong key, or a key listed for someone else, is said at once rather
 * than found at the vendor's login. */
static void
check_own_signature(const struct nhi_conf *c, const char *as, const char *msg, size_t len,
		    const char *sig)
{
	char *signers = NULL, why[512], fp[128], esc[600];
	size_t slen;

	if (c->approver_keys == NULL || nhi_signers_read(c, &signers, &slen, why, sizeof(why)) < 0)
		return;
	if (nhi_signature_verify(signers, slen, as, msg, len, sig, nhi_now_usec() / 1000000, fp,
				 sizeof(fp), why, sizeof(why)) == 0)
		printf("ticket: the signature verifies against approver_keys (key %s)\n", fp);
	else
		fprintf(stderr, "%s approve: warning: approver_keys of this host does not take "
			"this signature for %s: %s\n", CMD, nhi_escape(esc, sizeof(esc), as), why);
	free(signers);
}

static int
ticket_approve(const struct nhi_conf *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' }, { "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *as = NULL;
	char me[256], why[512], *msg = NULL, *sig = NULL;
	struct nhi_ticket t = { 0 };
	json_t *doc = NULL;
	size_t len;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': key = optarg; break;
		case 'a': as = optarg; break;
		case 'h': return ticket_usage(stdout);
		default: return nhi_cmd_usage_error(CMD " approve", NULL);
		}
	}
	if (optind + 1 != argc || key == NULL)
		return nhi_cmd_usage_error(CMD " approve", "one ID or FILE and --key are needed");
	if (as == NULL && (as = own_name(me, sizeof(me))) == NULL)
		return nhi_cmd_usage_error(CMD " approve", "who are you? give --as NAME");
	if (!nhi_text_visible(as, strlen(as), true) || strlen(as) > 255)
		return nhi_cmd_usage_error(CMD " approve", "--as: not a name");
	if ((rc = read_ticket(c, argv[optind], &doc)) != 0)
		return rc;
	if ((rc = map_ticket(c, doc, &t)) != 0)
		goto out;
	if (t.requester != NULL && strcasecmp(t.requester, as) == 0)
		fprintf(stderr, "%s approve: warning: %s requested this ticket; the module "
			"refuses a ticket its requester approved\n", CMD, as);
	rc = NHI_EXIT_USAGE;
	if (nhi_ticket_canonical(&t, as, &msg, &len) < 0)
		goto out;
	if (nhi_signature_sign(key, msg, len, &sig, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s approve: %s\n", CMD, why);
		goto out;
	}
	if (nhi_ticket_doc_approve(doc, as, sig, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s approve: %s\n", CMD, why);
		goto out;
	}
	if ((rc = write_ticket(c, argv[optind], doc)) == 0)
		printf("ticket %s: approved and signed by %s\n", t.id, as);
	if (rc == 0)
		check_own_signature(c, as, msg, len, sig);
out:
	free(msg);
	free(sig);
	nhi_ticket_free(&t);
	json_decref(doc);
	return rc;
}

/* ---- list and show ------------------------------------------------------------- */

struct lister {
	const struct nhi_conf *c;
	bool all, json;
	int64_t now;
	json_t *rows;
	size_t n;
};

static bool
valid_now(const struct nhi_conf *c, const struct nhi_ticket *t, int64_t now)
{
	return t->state != NULL && nhi_strv_contains(&c->approved_states, t->state) &&
	       t->has_not_after && now < t->not_after;
}

static void
join(char *buf, size_t bufsz, const struct nhi_strv *sv)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sv->n && off < bufsz; i++)
		off += (size_t)snprintf(buf + off, bufsz - off, "%s%s", i ? "," : "", sv->v[i]);
}

static int
list_one(json_t *doc, void *ud)
{
	struct lister *l = ud;
	struct nhi_ticket t;
	char err[256], acc[256], hosts[256], e1[300], e2[300], b[NHI_TIME_BUF];

	if (nhi_ticket_from_native(l->c, doc, NULL, &t, err, sizeof(err)) < 0 || t.id == NULL) {
		nhi_ticket_free(&t);
		return 0;
	}
	if (!l->all && !valid_now(l->c, &t, l->now)) {
		nhi_ticket_free(&t);
		return 0;
	}
	join(acc, sizeof(acc), &t.accounts);
	join(hosts, sizeof(hosts), &t.hosts);
	if (l->json) {
		json_array_append_new(l->rows, json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:I}",
			"id", t.id, "state", t.state, "accounts", acc, "hosts", hosts,
			"approver", t.approver, "not_after", t.has_not_after ?
			nhi_format_time(t.not_after, b, sizeof(b)) : NULL,
			"signatures", (json_int_t)t.sigs.n));
	} else {
		printf("%-20s %-10s %-16s %-24s %-20s %-16s %zu\n", t.id,
		       nhi_escape(e1, sizeof(e1), t.state ? t.state : "-"), acc, hosts,
		       t.has_not_after ? nhi_format_time(t.not_after, b, sizeof(b)) : "-",
		       nhi_escape(e2, sizeof(e2), t.approver ? t.approver : "-"), t.sigs.n);
	}
	l->n++;
	nhi_ticket_free(&t);
	return 0;
}

static int
ticket_list(const struct nhi_conf *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "valid", no_argument, NULL, 'v' }, { "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lister l = { .c = c, .now = nhi_now_usec() / 1000000 };
	char err[512] = "";
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'v': l.all = false; break;
		case 'a': l.all = true; break;
		case 'j': l.json = true; break;
		case 'h': return ticket_usage(stdout);
		default: return nhi_cmd_usage_error(CMD " list", NULL);
		}
	}
	if (optind != argc)
		return nhi_cmd_usage_error(CMD " list", "no arguments");
	if (l.json && (l.rows = json_array()) == NULL)
		return NHI_EXIT_USAGE;
	if (!l.json)
		printf("%-20s %-10s %-16s %-24s %-20s %-16s %s\n", "TICKET", "STATE", "ACCOUNTS",
		       "HOSTS", "UNTIL", "APPROVERS", "SIGNED");
	r = nhi_backend_file.lookup(c, "", "", list_one, &l, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s list: %s\n", CMD, err[0] ? err : strerror(-r));
		json_decref(l.rows);
		return NHI_EXIT_USAGE;
	}
	if (l.json) {
		char *text = json_dumps(l.rows, JSON_INDENT(2));

		printf("%s\n", text ? text : "[]");
		free(text);
		json_decref(l.rows);
	}
	return l.n > 0 ? NHI_EXIT_OK : NHI_EXIT_NO;
}

static int
ticket_show(const struct nhi_conf *c, int argc, char **argv)
{
	struct nhi_ticket t = { 0 };
	char *text = NULL, *msg = NULL;
	json_t *doc = NULL;
	size_t len;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return ticket_usage(stdout);
	if (argc != 2)
		return nhi_cmd_usage_error(CMD " show", "one ID or FILE");
	if ((rc = read_ticket(c, argv[1], &doc)) != 0)
		return rc;
	if ((rc = map_ticket(c, doc, &t)) == 0 &&
	    (text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL) {
		printf("%s\n", text);
		/* what an approver signs (the first named, or "APPROVER") */
		if (nhi_ticket_canonical(&t, t.approvers.n ? t.approvers.v[0] :
					 t.approver ? t.approver : "APPROVER", &msg, &len) == 0)
			printf("\nsigned content (namespace " NHI_SIG_NAMESPACE "):\n%s", msg);
	}
	free(text);
	free(msg);
	nhi_ticket_free(&t);
	json_decref(doc);
	return rc;
}

/* ---- withdraw ------------------------------------------------------------------ */

static int
ticket_withdraw(const struct nhi_conf *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	json_t *doc = NULL;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': reason = optarg; break;
		case 'h': return ticket_usage(stdout);
		default: return nhi_cmd_usage_error(CMD " withdraw", NULL);
		}
	}
	if (optind + 1 != argc || is_file(argv[optind]))
		return nhi_cmd_usage_error(CMD " withdraw", "one ticket ID of ticket_dir");
	if ((rc = read_ticket(c, argv[optind], &doc)) != 0)
		return rc;
	if (nhi_ticket_doc_withdraw(doc, reason, nhi_now_usec() / 1000000) < 0)
		rc = NHI_EXIT_USAGE;
	else if ((rc = write_ticket(c, argv[optind], doc)) == 0)
		printf("ticket %s: withdrawn; nhiacct watch ends its live sessions now\n",
		       argv[optind]);
	json_decref(doc);
	return rc;
}

/* ---- verify -------------------------------------------------------------------- */

static int
ticket_verify(const struct nhi_conf *c, int argc, char **argv)
{
	struct nhi_ticket t = { 0 };
	const struct nhi_strv *who;
	struct nhi_strv one = { NULL, 0 };
	char *signers = NULL, fp[128], why[512], esc[600];
	size_t len = 0, good = 0;
	json_t *doc = NULL;
	int64_t now = nhi_now_usec() / 1000000;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return ticket_usage(stdout);
	if (argc != 2)
		return nhi_cmd_usage_error(CMD " verify", "one ID or FILE");
	if (nhi_signers_read(c, &signers, &len, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s verify: %s\n", CMD, why);
		return NHI_EXIT_USAGE;
	}
	if ((rc = read_ticket(c, argv[1], &doc)) != 0 || (rc = map_ticket(c, doc, &t)) != 0)
		goto out;
	who = &t.approvers;
	if (who->n == 0 && t.approver != NULL && nhi_strv_push(&one, t.approver) == 0)
		who = &one;
	if (who->n == 0)
		printf("ticket %s names no approver\n", t.id);
	for (size_t i = 0; i < who->n; i++) {
		enum nhi_reason r = nhi_signature_check_approver(&t, i, who->v[i], signers, len,
								 now, fp, sizeof(fp), why,
								 sizeof(why));

		if (r == NHI_GRANT) {
			printf("%s: good signature, key %s\n", nhi_escape(esc, sizeof(esc), who->v[i]),
			       fp);
			good++;
		} else {
			printf("%s: %s\n", nhi_reason_name(r), nhi_escape(esc, sizeof(esc), why));
		}
	}
	rc = who->n > 0 && good == who->n ? NHI_EXIT_OK : NHI_EXIT_NO;
	printf("with signatures = required: %s\n", rc == NHI_EXIT_OK ?
	       "the signatures hold" : "refused");
out:
	nhi_strv_free(&one);
	nhi_ticket_free(&t);
	json_decref(doc);
	free(signers);
	return rc;
}

int
cmd_ticket(const struct nhi_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct nhi_conf *, int, char **);
	} subs[] = {
		{ "new", ticket_new }, { "approve", ticket_approve }, { "list", ticket_list },
		{ "show", ticket_show }, { "withdraw", ticket_withdraw }, { "verify", ticket_verify },
	};
	struct nhi_conf c;
	int rc;

	if (argc < 2)
		return ticket_usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return ticket_usage(stdout);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if ((rc = nhi_cmd_load_conf(ctx, &c)) != 0)
			return rc;
		rc = subs[i].fn(&c, argc - 1, argv + 1);
		nhi_conf_free(&c);
		return rc;
	}
	return nhi_cmd_usage_error(CMD, "no such subcommand");
}
