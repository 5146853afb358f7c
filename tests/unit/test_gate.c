/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole decision (design.md section 4, steps 2-4) on the file backend,
 * with real ticket folders: a presented id, the lookup by user and host, and
 * every way fetching can fail (bad id, missing, malformed, unsafe folder or
 * file); then the one line the vendor is shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nhi.h"

#define T0 INT64_C(1795338000)          /* 2026-11-22T09:00:00Z */
#define T1 INT64_C(1795345200)          /* 2026-11-22T11:00:00Z */
#define NOW (T0 + 600)
#define H 3600
#define HOST "jump1.example.com"
#define NOBODY 65534

static char tmpdir[] = "/tmp/nhi-test-gate.XXXXXX";

static int
group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- diagnostics: captured, to check what reaches the log --------------- */

static char logged[8192];

static void
capture_log(void *ud, int prio, const char *msg)
{
	(void)ud;
	(void)prio;
	strncat(logged, msg, sizeof(logged) - strlen(logged) - 2);
	strcat(logged, "\n");
}

/* ---- ticket folders ------------------------------------------------------ */

/* tmpdir/<name>, fresh, mode 0755; returns its path (caller frees). */
static char *
new_dir(const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static void
write_len(const char *dir, const char *file, const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
}

/* dir/<id>.json with the given text */
static void
write_ticket(const char *dir, const char *id, const char *text)
{
	char file[128];

	snprintf(file, sizeof(file), "%s.json", id);
	write_len(dir, file, text, strlen(text));
}

/* A native ticket (design.md section 3) for vendor1 on jump1.example.com;
 * id NULL leaves the id out.  Returns a static buffer. */
static const char *
ticket(const char *id, const char *state, const char *approver, int64_t not_before,
       int64_t not_after)
{
	static char buf[1024];
	char idpart[128] = "";

	if (id)
		snprintf(idpart, sizeof(idpart), "\"id\": \"%s\", ", id);
	snprintf(buf, sizeof(buf),
		 "{ %s\"state\": \"%s\", \"requester\": \"acme-jdoe\", \"approver\": \"%s\","
		 "  \"scope\": { \"hosts\": [\"" HOST "\", \"*.db.example.com\"],"
		 "             \"accounts\": [\"vendor1\"] },"
		 "  \"window\": { \"not_before\": %lld, \"not_after\": %lld },"
		 "  \"purpose\": \"Apply vendor hotfix 4.2.1\" }\n",
		 idpart, state, approver, (long long)not_before, (long long)not_after);
	return buf;
}

static const char *
good_ticket(const char *id)
{
	return ticket(id, "approved", "alice", T0, T1);
}

/* A conf on the file backend in dir, host set, no permission checks. */
static void
conf_for(struct nhi_conf *c, const char *dir)
{
	assert_int_equal(nhi_conf_init(c), 0);
	assert_int_equal(nhi_conf_set(c, "ticket_dir", dir, NULL, 0), 0);
	assert_int_equal(nhi_conf_set(c, "host", HOST, NULL, 0), 0);
	c->check_perms = false;
}

static const struct nhi_login vendor1 = {
	.user = "vendor1", .service = "sshd", .rhost = "192.0.2.7", .host = NULL,
};

static enum nhi_reason
evaluate(struct nhi_conf *c, const char *id, struct nhi_result *r)
{
	char shown[128];

	struct nhi_login l = vendor1;

	/* the front-end's step: this host's name, settled before deciding */
	assert_int_equal(nhi_conf_settle_host(c), 0);
	l.host = c->host;
	nhi_evaluate(c, &l, id, NOW, r);
	print_message("  %s -> %s%s%s\n", id ? nhi_escape(shown, sizeof(shown), id) : "(lookup)",
		      nhi_reason_name(r->reason),
		      r->detail[0] ? ": " : "", r->detail);
	return r->reason;
}

static bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	print_message("  skipped: needs root (root-owned folders, chown to another user)\n");
	return false;
}

/* ---- a presented id ------------------------------------------------------ */

static void
test_granted_by_id(void **state)
{
	char *dir = new_dir("grant");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_GRANT);
	assert_string_equal(r.ticket_id, "CHG-1042");
	assert_false(r.by_lookup);
	assert_int_equal(r.now, NOW);
	assert_string_equal(r.ticket.id, "CHG-1042");
	assert_string_equal(r.ticket.approver, "alice");
	assert_string_equal(r.ticket.requester, "acme-jdoe");
	assert_int_equal(r.ticket.not_after, T1);
	nhi_result_free(&r);
	nhi_result_free(&r);    /* twice is fine */
	nhi_result_free(NULL);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_granted_by_id_without_id_in_doc(void **state)
{
	char *dir = new_dir("grant-noid");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	/* the file name is the id */
	write_ticket(dir, "CHG-7", good_ticket(NULL));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-7", &r), NHI_GRANT);
	assert_string_equal(r.ticket.id, "CHG-7");
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_policy_reason_by_id(void **state)
{
	char *dir = new_dir("policy");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1", ticket("CHG-1", "approved", "alice", T0 - 3 * H, T0));
	write_ticket(dir, "CHG-2", ticket("CHG-2", "pending", "alice", T0, T1));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1", &r), NHI_DENY_EXPIRED);
	/* the ticket is known as far as it was read: for the record */
	assert_string_equal(r.ticket_id, "CHG-1");
	assert_string_equal(r.ticket.approver, "alice");
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, "CHG-2", &r), NHI_DENY_NOT_APPROVED);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_not_found(void **state)
{
	char *dir = new_dir("notfound");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-404", &r), NHI_DENY_NOT_FOUND);
	assert_string_equal(r.ticket_id, "CHG-404");
	nhi_result_free(&r);
	/* ids are case-sensitive file names */
	assert_int_equal(evaluate(&c, "chg-1042", &r), NHI_DENY_NOT_FOUND);
	nhi_result_free(&r);
	/* an answer that holds no ticket fields (ServiceNow: {"result": []}) */
	write_ticket(dir, "CHG-EMPTY", "{\"result\": []}");
	assert_int_equal(evaluate(&c, "CHG-EMPTY", &r), NHI_DENY_NOT_FOUND);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_bad_ticket_id_never_opens_a_file(void **state)
{
	static const char *const bad[] = {
		"../etc/passwd", "../grant/CHG-1042", ".hidden", "CHG 1042", "CHG-1042\n",
		"/etc/passwd", "caf\xc3\xa9",
		"0123456789012345678901234567890123456789012345678901234567890123X",
	};
	char *base = new_dir("badid"), *etc, *dir, *passwd;
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	/* a granting ticket where "../etc/passwd" would lead */
	assert_true(asprintf(&dir, "%s/tickets", base) > 0);
	assert_true(asprintf(&etc, "%s/etc", base) > 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_ticket(etc, "passwd", good_ticket(NULL));
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	logged[0] = '\0';
	nhi_log_set(capture_log, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(evaluate(&c, bad[i], &r), NHI_DENY_BAD_TICKET_ID);
		assert_null(r.ticket_id);
		assert_null(r.ticket.id);
		assert_null(strstr(r.detail, bad[i]));
		assert_null(strstr(r.detail, "passwd"));
		nhi_result_free(&r);
	}
	/* not in the diagnostics either */
	assert_null(strstr(logged, "passwd"));
	assert_null(strstr(logged, "../"));
	nhi_log_set(NULL, NULL);
	/* and nothing is opened: a missing folder would be config_error */
	nhi_conf_free(&c);
	assert_true(asprintf(&passwd, "%s/no-such-folder", base) > 0);
	conf_for(&c, passwd);
	assert_int_equal(evaluate(&c, "../etc/passwd", &r), NHI_DENY_BAD_TICKET_ID);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(passwd);
	free(etc);
	free(dir);
	free(base);
}

static void
test_malformed_not_json(void **state)
{
	char *dir = new_dir("notjson");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1", "{ \"id\": \"CHG-1\", \"state\": \"approved\", ");
	write_ticket(dir, "CHG-2", "");
	write_ticket(dir, "CHG-3", "[\"CHG-3\"]");
	write_ticket(dir, "CHG-4", "{\"id\": \"CHG-4\", \"approver\": \"a\", \"approver\": \"b\"}");
	write_ticket(dir, "CHG-5", "{\"id\": \"CHG-5\", \"scope\": {\"hosts\": {\"a\": 1}}}");
	conf_for(&c, dir);
	for (int i = 1; i <= 5; i++) {
		char id[16];

		snprintf(id, sizeof(id), "CHG-%d", i);
		assert_int_equal(evaluate(&c, id, &r), NHI_DENY_MALFORMED);
		assert_string_equal(r.ticket_id, id);
		assert_true(r.detail[0] != '\0');
		nhi_result_free(&r);
	}
	nhi_conf_free(&c);
	free(dir);
}

static void
test_malformed_file_over_64k(void **state)
{
	char *dir = new_dir("big");
	const char *t = good_ticket("CHG-BIG");
	size_t n = NHI_TICKET_MAX + 1;
	char *text = malloc(n);
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	assert_int_equal(NHI_TICKET_MAX, 64 * 1024);
	assert_non_null(text);
	/* valid JSON, padded with blanks to 64 KiB + 1 */
	memset(text, ' ', n);
	memcpy(text, t, strlen(t));
	write_len(dir, "CHG-BIG.json", text, n);
	/* exactly 64 KiB is fine */
	t = good_ticket("CHG-64K");
	memset(text, ' ', n);
	memcpy(text, t, strlen(t));
	write_len(dir, "CHG-64K.json", text, NHI_TICKET_MAX);
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-BIG", &r), NHI_DENY_MALFORMED);
	assert_non_null(strstr(r.detail, "larger"));
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, "CHG-64K", &r), NHI_GRANT);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(text);
	free(dir);
}

static void
test_id_in_doc_differs_from_file_name(void **state)
{
	char *dir = new_dir("otherid");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	/* CHG-1.json answers for CHG-2: it is not ticket CHG-1 */
	write_ticket(dir, "CHG-1", good_ticket("CHG-2"));
	write_ticket(dir, "CHG-3", good_ticket("chg-3"));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1", &r), NHI_DENY_MALFORMED);
	nhi_result_free(&r);
	/* ids are compared ignoring case, as ticket systems do; the record
	 * names the ticket as the document spells it */
	assert_int_equal(evaluate(&c, "CHG-3", &r), NHI_GRANT);
	assert_string_equal(r.ticket_id, "chg-3");
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

/* ---- unsafe folders and files: config_error ------------------------------ */

static void
test_config_error_folder_group_writable(void **state)
{
	char *dir;
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	dir = new_dir("gw");
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	c.check_perms = true;
	/* root-owned 0755: fine */
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_GRANT);
	nhi_result_free(&r);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_CONFIG_ERROR);  /* lookup too */
	nhi_result_free(&r);
	assert_int_equal(chmod(dir, 0757), 0);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_config_error_folder_not_root_owned(void **state)
{
	char *dir;
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	dir = new_dir("notroot");
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
	conf_for(&c, dir);
	c.check_perms = true;
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_config_error_ticket_file_unsafe(void **state)
{
	char *dir, path[512];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	dir = new_dir("unsafefile");
	write_ticket(dir, "CHG-GW", good_ticket("CHG-GW"));
	write_ticket(dir, "CHG-NB", good_ticket("CHG-NB"));
	snprintf(path, sizeof(path), "%s/CHG-GW.json", dir);
	assert_int_equal(chmod(path, 0664), 0);
	snprintf(path, sizeof(path), "%s/CHG-NB.json", dir);
	assert_int_equal(chown(path, NOBODY, NOBODY), 0);
	conf_for(&c, dir);
	c.check_perms = true;
	assert_int_equal(evaluate(&c, "CHG-GW", &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, "CHG-NB", &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_config_error_ticket_file_symlink(void **state)
{
	char *dir = new_dir("symlink"), *other = new_dir("symlink-target"), target[512],
	     link[512];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(other, "CHG-1042", good_ticket("CHG-1042"));
	snprintf(target, sizeof(target), "%s/CHG-1042.json", other);
	snprintf(link, sizeof(link), "%s/CHG-1042.json", dir);
	assert_int_equal(symlink(target, link), 0);
	conf_for(&c, dir);
	/* refused even without permission checks */
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_DENY_CONFIG_ERROR);
	assert_non_null(strstr(r.detail, "symbolic link"));
	nhi_result_free(&r);
	/* a lookup skips it: no ticket */
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_NO_TICKET);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
	free(other);
}

static void
test_config_error_ticket_dir_missing(void **state)
{
	char dir[512];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/no-such-folder", tmpdir);
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_CONFIG_ERROR);
	nhi_result_free(&r);
	nhi_conf_free(&c);
}

/* ---- identity_map: identities compared as local names ----------------- */

static void
test_identity_map_in_the_decision(void **state)
{
	char *dir = new_dir("idmap");
	struct nhi_conf c;
	struct nhi_result r;
	char map[600];

	(void)state;
	write_len(dir, "identities", "557058:a alice\n557058:v vendor1\n", 32);
	snprintf(map, sizeof(map), "%s/identities", dir);
	write_ticket(dir, "ID-OK", ticket("ID-OK", "approved", "557058:a", T0, T1));
	write_ticket(dir, "ID-SELF", ticket("ID-SELF", "approved", "557058:v", T0, T1));
	write_ticket(dir, "ID-WHO", ticket("ID-WHO", "approved", "557058:x", T0, T1));
	conf_for(&c, dir);
	assert_int_equal(nhi_conf_set(&c, "identity_map", map, NULL, 0), 0);
	assert_int_equal(evaluate(&c, "ID-OK", &r), NHI_GRANT);
	assert_string_equal(r.ticket.approver, "alice (557058:a)");
	nhi_result_free(&r);
	/* approved by the vendor's own account in the ticket system */
	assert_int_equal(evaluate(&c, "ID-SELF", &r), NHI_DENY_SELF_APPROVED);
	nhi_result_free(&r);
	assert_int_equal(evaluate(&c, "ID-WHO", &r), NHI_DENY_APPROVER_NOT_ALLOWED);
	assert_non_null(strstr(r.detail, "approver 557058:x is not in identity_map"));
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

/* ---- lookup: no id presented --------------------------------------------- */

static void
test_lookup_zero_candidates_no_ticket(void **state)
{
	char *dir = new_dir("lookup-none");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_NO_TICKET);
	assert_true(r.by_lookup);
	assert_null(r.ticket_id);
	nhi_result_free(&r);
	/* tickets for someone else or somewhere else are no candidates */
	write_ticket(dir, "OTHER-USER",
		     "{\"id\": \"OTHER-USER\", \"state\": \"approved\", \"approver\": \"alice\","
		     " \"scope\": {\"hosts\": [\"" HOST "\"], \"accounts\": [\"vendor2\"]},"
		     " \"window\": {\"not_before\": 1795338000, \"not_after\": 1795345200}}");
	write_ticket(dir, "OTHER-HOST",
		     "{\"id\": \"OTHER-HOST\", \"state\": \"approved\", \"approver\": \"alice\","
		     " \"scope\": {\"hosts\": [\"jump2.example.com\"], \"accounts\": [\"vendor1\"]},"
		     " \"window\": {\"not_before\": 1795338000, \"not_after\": 1795345200}}");
	write_len(dir, "README", "not a ticket", 12);
	write_len(dir, ".hidden.json", good_ticket(NULL), strlen(good_ticket(NULL)));
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_NO_TICKET);
	assert_null(r.ticket_id);
	nhi_result_free(&r);
	/* an empty id is no id */
	assert_int_equal(evaluate(&c, "", &r), NHI_DENY_NO_TICKET);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_lookup_one_candidate_granted(void **state)
{
	char *dir = new_dir("lookup-one");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_GRANT);
	assert_true(r.by_lookup);
	assert_non_null(r.ticket_id);
	assert_string_equal(r.ticket_id, "CHG-1042");
	assert_string_equal(r.ticket.approver, "alice");
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_lookup_candidate_without_id_gets_file_name(void **state)
{
	char *dir = new_dir("lookup-noid");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-55", good_ticket(NULL));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_GRANT);
	assert_string_equal(r.ticket_id, "CHG-55");
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_lookup_several_valid_the_one_ending_last(void **state)
{
	char *dir = new_dir("lookup-several");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "A-EARLY", ticket("A-EARLY", "approved", "alice", T0, T1 - H));
	write_ticket(dir, "B-LATEST", ticket("B-LATEST", "approved", "bob", T0, T1 + H));
	write_ticket(dir, "C-MIDDLE", ticket("C-MIDDLE", "approved", "carol", T0, T1));
	/* ends even later, but fails a rule */
	write_ticket(dir, "D-PENDING", ticket("D-PENDING", "pending", "dave", T0, T1 + 2 * H));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_GRANT);
	assert_string_equal(r.ticket_id, "B-LATEST");
	assert_string_equal(r.ticket.approver, "bob");
	assert_int_equal(r.ticket.not_after, T1 + H);
	assert_true(r.by_lookup);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_lookup_none_passing_reason_of_last_failing_rule(void **state)
{
	char *dir = new_dir("lookup-fail");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	/* not_approved comes before expired in rule order: expired wins */
	write_ticket(dir, "A-EXPIRED", ticket("A-EXPIRED", "approved", "alice", T0 - 3 * H, T0));
	write_ticket(dir, "B-PENDING", ticket("B-PENDING", "pending", "alice", T0, T1));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_EXPIRED);
	assert_true(r.by_lookup);
	assert_string_equal(r.ticket_id, "A-EXPIRED");
	nhi_result_free(&r);

	/* and the other way round in file order */
	nhi_conf_free(&c);
	free(dir);
	dir = new_dir("lookup-fail2");
	write_ticket(dir, "A-PENDING", ticket("A-PENDING", "pending", "alice", T0, T1));
	write_ticket(dir, "B-SELF", ticket("B-SELF", "approved", "acme-jdoe", T0, T1));
	write_ticket(dir, "C-LONG", ticket("C-LONG", "approved", "alice", T0, T0 + 9 * H));
	write_ticket(dir, "D-EARLY", ticket("D-EARLY", "approved", "alice", T1, T1 + H));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_WINDOW_TOO_LONG);
	assert_string_equal(r.ticket_id, "C-LONG");
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_lookup_one_passing_among_failing(void **state)
{
	char *dir = new_dir("lookup-mixed");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "A-EXPIRED", ticket("A-EXPIRED", "approved", "alice", T0 - 3 * H, T0));
	write_ticket(dir, "B-GOOD", ticket("B-GOOD", "approved", "alice", T0, T1));
	write_ticket(dir, "C-LONG", ticket("C-LONG", "approved", "alice", T0, T0 + 9 * H));
	write_ticket(dir, "D-BROKEN", "{ not json");
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_GRANT);
	assert_string_equal(r.ticket_id, "B-GOOD");
	assert_string_equal(r.detail, "");
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

/*
 * A ticket file that is JSON but not an object is skipped by the lookup.
 * Run in a child: a crash must fail this test, not end the whole run.
 */
static void
test_lookup_skips_json_that_is_not_an_object(void **state)
{
	char *dir = new_dir("lookup-array");
	int status;
	pid_t pid;

	(void)state;
	write_ticket(dir, "A-ARRAY", "[1, 2, 3]");
	write_ticket(dir, "B-GOOD", good_ticket("B-GOOD"));
	write_ticket(dir, "C-STRING", "\"CHG-1\"");
	write_ticket(dir, "D-NUMBER", "42");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct nhi_conf c;
		struct nhi_result r;
		int ok;

		/* die of the signal: cmocka's handlers would go on with the run here */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		conf_for(&c, dir);
		struct nhi_login l = vendor1;

		l.host = c.host;
		nhi_evaluate(&c, &l, NULL, NOW, &r);
		ok = r.reason == NHI_GRANT && r.ticket_id && strcmp(r.ticket_id, "B-GOOD") == 0;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("nhi_evaluate crashed with signal %d on a non-object ticket file",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(dir);
}

static void
test_lookup_no_and_no_id_no_ticket(void **state)
{
	char *dir = new_dir("lookup-off");
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	assert_int_equal(nhi_conf_set(&c, "lookup", "no", NULL, 0), 0);
	assert_int_equal(evaluate(&c, NULL, &r), NHI_DENY_NO_TICKET);
	assert_false(r.by_lookup);
	assert_null(r.ticket_id);
	nhi_result_free(&r);
	/* a presented id still works */
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_GRANT);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

/* ---- the line the vendor is shown ---------------------------------------- */

static bool
has_raw_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static void
test_message_grant(void **state)
{
	char *dir = new_dir("msg-grant"), msg[512];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_GRANT);
	assert_ptr_equal(nhi_result_message(&r, msg, sizeof(msg)), msg);
	print_message("  %s\n", msg);
	assert_non_null(strstr(msg, "CHG-1042"));
	assert_non_null(strstr(msg, "alice"));
	assert_non_null(strstr(msg, "until"));
	assert_non_null(strstr(msg, "2026-11-22 11:00:00 UTC"));
	assert_non_null(strstr(msg, "left"));
	assert_non_null(strstr(msg, "1h 50m"));  /* NOW is 09:10, the window ends 11:00 */
	assert_false(has_raw_control(msg));
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_message_refusal_expired(void **state)
{
	char *dir = new_dir("msg-expired"), msg[512];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", ticket("CHG-1042", "approved", "alice", T0 - 3 * H, T0));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_DENY_EXPIRED);
	nhi_result_message(&r, msg, sizeof(msg));
	print_message("  %s\n", msg);
	assert_non_null(strstr(msg, "(expired)"));
	assert_non_null(strstr(msg, nhi_reason_text(NHI_DENY_EXPIRED)));
	assert_non_null(strstr(msg, "CHG-1042"));
	assert_false(has_raw_control(msg));
	nhi_result_free(&r);
	/* a refusal without a ticket names no ticket */
	assert_int_equal(evaluate(&c, "../x", &r), NHI_DENY_BAD_TICKET_ID);
	nhi_result_message(&r, msg, sizeof(msg));
	print_message("  %s\n", msg);
	assert_non_null(strstr(msg, "(bad_ticket_id)"));
	assert_null(strstr(msg, "../x"));
	assert_null(strstr(msg, "ticket ["));
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_message_escapes_control_characters_in_approver(void **state)
{
	char *dir = new_dir("msg-escape"), msg[512];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	/* an approver name that would move the cursor and recolour the terminal */
	write_ticket(dir, "CHG-1042",
		     ticket("CHG-1042", "approved",
			    "alice\\nnhiacct: access granted\\u001b[2J\\u001b]0;owned\\u0007\\r\\u007f",
			    T0, T1));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_GRANT);
	assert_non_null(strchr(r.ticket.approver, '\n'));
	nhi_result_message(&r, msg, sizeof(msg));
	print_message("  %s\n", msg);
	assert_null(strchr(msg, '\n'));
	assert_null(strchr(msg, '\r'));
	assert_null(strchr(msg, '\x1b'));
	assert_null(strchr(msg, '\x07'));
	assert_null(strchr(msg, '\x7f'));
	assert_false(has_raw_control(msg));
	assert_non_null(strstr(msg, "alice\\n"));
	assert_non_null(strstr(msg, "\\x1b[2J"));
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

static void
test_message_bounded_by_buffer(void **state)
{
	char *dir = new_dir("msg-small"), msg[16];
	struct nhi_conf c;
	struct nhi_result r;

	(void)state;
	write_ticket(dir, "CHG-1042", good_ticket("CHG-1042"));
	conf_for(&c, dir);
	assert_int_equal(evaluate(&c, "CHG-1042", &r), NHI_GRANT);
	memset(msg, 'x', sizeof(msg));
	nhi_result_message(&r, msg, sizeof(msg));
	assert_int_equal(strlen(msg), sizeof(msg) - 1);
	nhi_result_free(&r);
	nhi_conf_free(&c);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_granted_by_id),
		cmocka_unit_test(test_granted_by_id_without_id_in_doc),
		cmocka_unit_test(test_policy_reason_by_id),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_bad_ticket_id_never_opens_a_file),
		cmocka_unit_test(test_malformed_not_json),
		cmocka_unit_test(test_malformed_file_over_64k),
		cmocka_unit_test(test_id_in_doc_differs_from_file_name),
		cmocka_unit_test(test_config_error_folder_group_writable),
		cmocka_unit_test(test_config_error_folder_not_root_owned),
		cmocka_unit_test(test_config_error_ticket_file_unsafe),
		cmocka_unit_test(test_config_error_ticket_file_symlink),
		cmocka_unit_test(test_config_error_ticket_dir_missing),
		cmocka_unit_test(test_identity_map_in_the_decision),
		cmocka_unit_test(test_lookup_zero_candidates_no_ticket),
		cmocka_unit_test(test_lookup_one_candidate_granted),
		cmocka_unit_test(test_lookup_candidate_without_id_gets_file_name),
		cmocka_unit_test(test_lookup_several_valid_the_one_ending_last),
		cmocka_unit_test(test_lookup_none_passing_reason_of_last_failing_rule),
		cmocka_unit_test(test_lookup_one_passing_among_failing),
		cmocka_unit_test(test_lookup_skips_json_that_is_not_an_object),
		cmocka_unit_test(test_lookup_no_and_no_id_no_ticket),
		cmocka_unit_test(test_message_grant),
		cmocka_unit_test(test_message_refusal_expired),
		cmocka_unit_test(test_message_escapes_control_characters_in_approver),
		cmocka_unit_test(test_message_bounded_by_buffer),
	};

	return cmocka_run_group_tests_name("gate", tests, group_setup, group_teardown);
}
