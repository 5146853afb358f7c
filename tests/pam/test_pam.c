/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module through the real PAM stack: libpam under pam_wrapper loads the
 * built pam_nhiacct.so from a private service directory; users and groups
 * come from nss_wrapper; records are read back from a real journald (the
 * runner starts one in a private mount namespace).  tests/pam/run.sh sets up
 * the environment; NHI_T is its scratch directory.
 *
 * Services (written by run.sh):
 *   nhiacct        auth optional + account required + session, then pam_permit
 *   nhiacct_probe  account [ignore=1 success=ok default=die] pam_nhiacct.so,
 *                  pam_deny, pam_permit: PAM_SUCCESS only if the module IGNOREs
 *   nhiacct_auth   auth [success=done ignore=ignore default=die] pam_nhiacct.so,
 *                  pam_deny: PAM_SUCCESS only if auth returns PAM_SUCCESS
 *   nhiacct_args   module arguments max_window=1h (override of the file)
 *   nhiacct_badconf / nhiacct_looseconf / nhiacct_http / nhiacct_nojournal
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpamtest.h>
#include <security/pam_appl.h>
#include <systemd/sd-journal.h>

#define MSG_SLOTS 8

static const char *T;           /* scratch dir */
static bool have_journal;       /* a private journald is running */
static time_t now0;

/* ---- helpers ---------------------------------------------------------- */

struct msgs {
	char *info[MSG_SLOTS + 1];
	char *err[MSG_SLOTS + 1];
};

/* libpamtest copies messages unbounded: give each slot PAM_MAX_MSG_SIZE+1. */
static void
msgs_init(struct msgs *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < MSG_SLOTS; i++) {
		m->info[i] = calloc(1, PAM_MAX_MSG_SIZE + 1);
		m->err[i] = calloc(1, PAM_MAX_MSG_SIZE + 1);
	}
}

static void
msgs_free(struct msgs *m)
{
	for (int i = 0; i < MSG_SLOTS; i++) {
		free(m->info[i]);
		free(m->err[i]);
	}
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static const char *
iso(time_t t, char *buf)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/*
 * A ticket in the native shape.  Any field given as NULL is left out; the
 * window is relative to now (seconds), and a *_rel of INT32_MIN leaves that
 * end out.
 */
struct tk {
	const char *id, *state, *requester, *approver, *hosts, *accounts, *purpose;
	long nb_rel, na_rel;
};
#define NO_TIME (-2147483647L - 1)

static void
ticket(const struct tk *k)
{
	char path[512], nb[32], na[32], body[4096];
	json_t *doc = json_object(), *scope = json_object(), *w = json_object();
	char *dump;

	if (k->id) json_object_set_new(doc, "id", json_string(k->id));
	if (k->state) json_object_set_new(doc, "state", json_string(k->state));
	if (k->requester) json_object_set_new(doc, "requester", json_string(k->requester));
	if (k->approver)        /* "[...]": a list of approvers */
		json_object_set_new(doc, "approver", k->approver[0] == '[' ?
				    json_loads(k->approver, 0, NULL) : json_string(k->approver));
	if (k->purpose) json_object_set_new(doc, "purpose", json_string(k->purpose));
	if (k->hosts) json_object_set_new(scope, "hosts", json_loads(k->hosts, 0, NULL));
	if (k->accounts) json_object_set_new(scope, "accounts", json_loads(k->accounts, 0, NULL));
	json_object_set_new(doc, "scope", scope);
	if (k->nb_rel != NO_TIME)
		json_object_set_new(w, "not_before", json_string(iso(now0 + k->nb_rel, nb)));
	if (k->na_rel != NO_TIME)
		json_object_set_new(w, "not_after", json_string(iso(now0 + k->na_rel, na)));
	json_object_set_new(doc, "window", w);
	dump = json_dumps(doc, JSON_INDENT(2));
	snprintf(body, sizeof(body), "%s\n", dump);
	snprintf(path, sizeof(path), "%s/tickets/%s.json", T, k->id);
	write_file(path, body, 0644);
	free(dump);
	json_decref(doc);
}

/* A valid ticket for vendor1 on jump1, approved by alice, 1 h left. */
static struct tk
good(const char *id)
{
	return (struct tk){ id, "approved", "acme-jdoe", "alice", "[\"jump1.example.com\"]",
			    "[\"vendor1\", \"vendor2\", \"contractor\"]", "Apply hotfix 4.2.1",
			    -600, 3600 };
}

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Waits (up to 5 s) for a journal record written after `since` whose
 * NHIACCT_EVENT and NHIACCT_USER match; returns its fields as a JSON object
 * (caller decrefs), or NULL.
 */
static json_t *
wait_record_for(const char *event, const char *user, uint64_t since, uint64_t usec)
{
	char m1[128], m2[128];
	sd_journal *j = NULL;
	json_t *found = NULL;
	uint64_t deadline = now_usec() + usec;

	if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
		return NULL;
	snprintf(m1, sizeof(m1), "NHIACCT_EVENT=%s", event);
	snprintf(m2, sizeof(m2), "NHIACCT_USER=%s", user);
	sd_journal_add_match(j, m1, 0);
	sd_journal_add_match(j, m2, 0);
	while (found == NULL && now_usec() < deadline) {
		sd_journal_seek_realtime_usec(j, since);
		while (sd_journal_next(j) > 0) {
			const void *d;
			size_t l;

			found = json_object();
			SD_JOURNAL_FOREACH_DATA(j, d, l) {
				const char *eq = memchr(d, '=', l);
				if (eq == NULL)
					continue;
				json_object_setn_new(found, d, (size_t)(eq - (const char *)d),
						     json_stringn(eq + 1, l - (size_t)(eq + 1 - (const char *)d)));
			}
		}
		if (found == NULL)
			sd_journal_wait(j, 100000);
	}
	sd_journal_close(j);
	return found;
}

static json_t *
wait_record(const char *event, const char *user, uint64_t since)
{
	return wait_record_for(event, user, since, 5000000);
}

/* The same, waiting 300 ms: for "no such record" checks. */
static json_t *
wait_record_short(const char *event, const char *user, uint64_t since)
{
	return wait_record_for(event, user, since, 300000);
}

/* Is there no record at all for user since `since` (waiting 300 ms)? */
static bool
no_record(const char *user, uint64_t since)
{
	char m[128];
	sd_journal *j = NULL;
	bool none = true;

	usleep(300000);
	assert_int_equal(sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY), 0);
	snprintf(m, sizeof(m), "NHIACCT_USER=%s", user);
	sd_journal_add_match(j, m, 0);
	sd_journal_seek_realtime_usec(j, since);
	if (sd_journal_next(j) > 0)
		none = false;
	sd_journal_close(j);
	return none;
}

static const char *
field(json_t *rec, const char *name)
{
	return json_string_value(json_object_get(rec, name));
}

/*
 * auth (answering the ticket prompt with `answer`, NULL = no answer given)
 * and account through service; returns the account result; messages in m.
 */
static int
login(const char *service, const char *user, const char *answer, struct msgs *m,
      int flags)
{
	const char *echo_on[] = { answer ? answer : "", NULL };
	struct pamtest_conv_data conv = { .in_echo_on = echo_on, .out_info = m->info,
					  .out_err = m->err };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};

	/* the services end auth with pam_permit: auth only answers the prompt */
	tests[1].flags = flags;
	tests[1].op_rv = -1;
	run_pamtest(service, user, &conv, tests, NULL);
	assert_int_equal(tests[0].op_rv, PAM_SUCCESS);
	return tests[1].op_rv;
}

/* The account phase alone (no prompt), with the given flags. */
static int
account(const char *service, const char *user, struct msgs *m, int flags)
{
	struct pamtest_conv_data conv = { .out_info = m->info, .out_err = m->err };
	struct pam_testcase tests[] = { pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS) };

	tests[0].flags = flags;
	tests[0].op_rv = -1;
	run_pamtest(service, user, &conv, tests, NULL);
	return tests[0].op_rv;
}

/* Expects a refusal with `reason` for user presenting `answer`, the
 * vendor's line naming it, and (with a journal) the deny record. */
static void
expect_refusal(const char *service, const char *user, const char *answer,
	       const char *reason)
{
	char want[96];
	struct msgs m;
	uint64_t since = now_usec();
	json_t *rec;

	msgs_init(&m);
	assert_int_equal(login(service, user, answer, &m, 0), PAM_PERM_DENIED);
	snprintf(want, sizeof(want), "nhiacct: access refused (%s): ", reason);
	assert_non_null(strstr(m.err[0], want));
	assert_null(strchr(m.err[0], '\n'));
	assert_string_equal(m.info[0], "");
	if (have_journal) {
		rec = wait_record("deny", user, since);
		assert_non_null(rec);
		assert_string_equal(field(rec, "NHIACCT_REASON"), reason);
		assert_string_equal(field(rec, "MESSAGE_ID"), "8310785ed9034f82afd31332e5fcd088");
		assert_string_equal(field(rec, "SYSLOG_IDENTIFIER"), "pam_nhiacct");
		assert_string_equal(field(rec, "PRIORITY"),
				    strcmp(reason, "config_error") == 0 ? "3" : "5");
		json_decref(rec);
	}
	msgs_free(&m);
}

/* The same for a login typed as `typed` and recorded as the canonical `user`. */
static void
expect_refusal_as(const char *service, const char *typed, const char *user,
		  const char *answer, const char *reason)
{
	struct msgs m;
	uint64_t since = now_usec();
	char want[96];
	json_t *rec;

	msgs_init(&m);
	assert_int_equal(login(service, typed, answer, &m, 0), PAM_PERM_DENIED);
	snprintf(want, sizeof(want), "nhiacct: access refused (%s): ", reason);
	assert_non_null(strstr(m.err[0], want));
	msgs_free(&m);
	if (have_journal) {
		rec = wait_record("deny", user, since);
		assert_non_null(rec);
		assert_string_equal(field(rec, "NHIACCT_REASON"), reason);
		json_decref(rec);
	}
}

/* ---- who is a vendor --------------------------------------------------- */

static void
test_vendor_by_supplementary_group(void **s)
{
	struct tk k = good("CHG-GRP1");
	struct msgs m;

	(void)s;
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-GRP1", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
	msgs_init(&m);
	/* not ignored: the probe service fails unless the module returns PAM_IGNORE */
	assert_int_not_equal(account("nhiacct_probe", "vendor1", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
}

static void
test_vendor_by_primary_group(void **s)
{
	struct msgs m;

	(void)s;
	msgs_init(&m);
	/* vendor2's primary group is vendors: the module does not ignore it */
	assert_int_not_equal(account("nhiacct_probe", "vendor2", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
}

static void
test_vendor_by_user_list(void **s)
{
	struct tk k = good("CHG-USR1");
	struct msgs m;

	(void)s;
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "contractor", "CHG-USR1", &m, 0), PAM_SUCCESS);
	assert_non_null(strstr(m.info[0], "access granted"));
	msgs_free(&m);
}

static void
test_non_vendor_ignored(void **s)
{
	struct msgs m;
	uint64_t since = now_usec();

	(void)s;
	msgs_init(&m);
	/* PAM_SUCCESS from the probe service means the module returned PAM_IGNORE */
	assert_int_equal(account("nhiacct_probe", "staff1", &m, 0), PAM_SUCCESS);
	assert_string_equal(m.err[0], "");
	assert_string_equal(m.info[0], "");
	msgs_free(&m);
	if (have_journal)
		assert_true(no_record("staff1", since));
}

/* ---- grant -------------------------------------------------------------- */

static void
test_granted(void **s)
{
	struct tk k = good("CHG-1042");
	char nb[32], na[32];
	struct msgs m;
	uint64_t since = now_usec();
	json_t *rec;

	(void)s;
	k.purpose = "Apply hotfix\n\x1b[31mred";
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-1042", &m, 0), PAM_SUCCESS);
	assert_string_equal(m.err[0], "");
	assert_non_null(strstr(m.info[0], "nhiacct: access granted: ticket CHG-1042 approved by alice, until "));
	assert_non_null(strstr(m.info[0], "left)"));
	msgs_free(&m);
	if (!have_journal)
		return;
	rec = wait_record("grant", "vendor1", since);
	assert_non_null(rec);
	assert_string_equal(field(rec, "MESSAGE_ID"), "6e8d6eb89f0e40bfa07113b94a74d544");
	assert_string_equal(field(rec, "PRIORITY"), "6");
	assert_string_equal(field(rec, "SYSLOG_IDENTIFIER"), "pam_nhiacct");
	assert_string_equal(field(rec, "NHIACCT_SERVICE"), "nhiacct");
	assert_string_equal(field(rec, "NHIACCT_HOST"), "jump1.example.com");
	assert_string_equal(field(rec, "NHIACCT_TICKET"), "CHG-1042");
	assert_string_equal(field(rec, "NHIACCT_APPROVER"), "alice");
	assert_string_equal(field(rec, "NHIACCT_REQUESTER"), "acme-jdoe");
	/* kept intact in the field, escaped in MESSAGE */
	assert_string_equal(field(rec, "NHIACCT_PURPOSE"), "Apply hotfix\n\x1b[31mred");
	assert_null(strchr(field(rec, "MESSAGE"), '\n'));
	assert_string_equal(field(rec, "NHIACCT_NOT_BEFORE"), iso(now0 - 600, nb));
	assert_string_equal(field(rec, "NHIACCT_NOT_AFTER"), iso(now0 + 3600, na));
	assert_null(json_object_get(rec, "NHIACCT_REASON"));
	json_decref(rec);
}

/* How many times field appears in the newest record of event for user. */
static int
count_field(const char *event, const char *user, uint64_t since, const char *name)
{
	char m1[128], m2[128];
	sd_journal *j = NULL;
	size_t len = strlen(name);
	int n = 0;

	assert_int_equal(sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY), 0);
	snprintf(m1, sizeof(m1), "NHIACCT_EVENT=%s", event);
	snprintf(m2, sizeof(m2), "NHIACCT_USER=%s", user);
	sd_journal_add_match(j, m1, 0);
	sd_journal_add_match(j, m2, 0);
	sd_journal_seek_realtime_usec(j, since);
	while (sd_journal_next(j) > 0) {
		const void *d;
		size_t l;

		n = 0;
		SD_JOURNAL_FOREACH_DATA(j, d, l)
			n += l > len && memcmp(d, name, len) == 0 && ((const char *)d)[len] == '=';
	}
	sd_journal_close(j);
	return n;
}

/* A ticket several people approved: the vendor reads every name, the record
 * carries each as its own NHIACCT_APPROVER. */
static void
test_granted_several_approvers(void **s)
{
	struct tk k = good("CHG-TWO");
	struct msgs m;
	uint64_t since = now_usec();
	json_t *rec;

	(void)s;
	k.approver = "[\"alice\", \"carol\"]";
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-TWO", &m, 0), PAM_SUCCESS);
	assert_non_null(strstr(m.info[0], "approved by alice, carol, until "));
	msgs_free(&m);
	if (!have_journal)
		return;
	rec = wait_record("grant", "vendor1", since);
	assert_non_null(rec);
	json_decref(rec);
	assert_int_equal(count_field("grant", "vendor1", since, "NHIACCT_APPROVER"), 2);
}

static void
test_granted_by_lookup(void **s)
{
	struct tk a = good("CHG-LK-1"), b = good("CHG-LK-2");
	struct msgs m;

	(void)s;
	a.accounts = b.accounts = "[\"vendor3\"]";
	b.na_rel = 7000;        /* ends last: chosen */
	ticket(&a);
	ticket(&b);
	msgs_init(&m);
	/* an empty answer to the prompt: the module looks the ticket up */
	assert_int_equal(login("nhiacct", "vendor3", "", &m, 0), PAM_SUCCESS);
	assert_non_null(strstr(m.info[0], "ticket CHG-LK-2 "));
	msgs_free(&m);
}

static void
test_silent_tells_nothing(void **s)
{
	struct tk k = good("CHG-SIL");
	struct msgs m;

	(void)s;
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-SIL", &m, PAM_SILENT), PAM_SUCCESS);
	assert_string_equal(m.info[0], "");
	assert_string_equal(m.err[0], "");
	msgs_free(&m);
}

static void
test_ticket_exported_to_pam_env(void **s)
{
	const char *echo_on[] = { "CHG-ENV", NULL };
	struct tk k = good("CHG-ENV");
	struct msgs m;
	struct pamtest_conv_data conv;
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	bool seen = false;

	(void)s;
	ticket(&k);
	msgs_init(&m);
	conv = (struct pamtest_conv_data){ .in_echo_on = echo_on, .out_info = m.info,
					   .out_err = m.err };
	/* the nhiacct service ends auth with pam_permit: auth succeeds */
	assert_int_equal(run_pamtest("nhiacct", "vendor1", &conv, tests, NULL), PAMTEST_ERR_OK);
	for (char **e = tests[2].case_out.envlist; e && *e; e++)
		seen |= strcmp(*e, "NHIACCT_TICKET=CHG-ENV") == 0;
	assert_true(seen);
	pamtest_free_env(tests[2].case_out.envlist);
	msgs_free(&m);
}

/* ---- auth: the prompt and its return code ----------------------------- */

static const char *svc_auth = "nhiacct_auth";

struct conv_answer {
	const char *answer;
	int prompts;
};

static int
conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *ud)
{
	struct conv_answer *a = ud;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			assert_string_equal(msg[i]->msg, "Access ticket: ");
			a->prompts++;
			r[i].resp = strdup(a->answer);
		}
	*resp = r;
	return PAM_SUCCESS;
}

/* pam_authenticate on nhiacct_auth with SSH_AUTH_INFO_0 = info (or none). */
static int
auth_with_info(const char *user, const char *info, struct conv_answer *a, char *ticket_out)
{
	struct pam_conv conv = { conv_fn, a };
	pam_handle_t *pamh = NULL;
	char env[512];
	const char *t;
	int r;

	assert_int_equal(pam_start(svc_auth, user, &conv, &pamh), PAM_SUCCESS);
	if (info) {
		snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=%s", info);
		assert_int_equal(pam_putenv(pamh, env), PAM_SUCCESS);
	}
	r = pam_authenticate(pamh, 0);
	t = pam_getenv(pamh, "NHIACCT_TICKET");
	snprintf(ticket_out, 80, "%s", t ? t : "");
	pam_end(pamh, r);
	return r;
}

static void
test_auth_prompt_success_after_publickey(void **s)
{
	struct conv_answer a = { "CHG-77", 0 };
	char t[80];

	(void)s;
	assert_int_equal(auth_with_info("vendor1", "publickey ssh-ed25519 AAAAC3Nza\n", &a, t),
			 PAM_SUCCESS);
	assert_int_equal(a.prompts, 1);
	assert_string_equal(t, "CHG-77");
}

static void
test_auth_ignore_without_publickey(void **s)
{
	struct conv_answer a = { "CHG-77", 0 };
	char t[80];

	(void)s;
	/* a ticket id is not a credential: no public key, no success */
	assert_int_equal(auth_with_info("vendor1", NULL, &a, t), PAM_AUTH_ERR);
	assert_int_equal(a.prompts, 1);
	assert_string_equal(t, "CHG-77");
	a.prompts = 0;
	assert_int_equal(auth_with_info("vendor1", "password\n", &a, t), PAM_AUTH_ERR);
}

static void
test_auth_ignore_when_not_asked(void **s)
{
	struct conv_answer a = { "CHG-77", 0 };
	char t[80];

	(void)s;
	/* prompt = no: nothing was answered, so a public key alone is not
	 * reason to succeed (sshd's password method would be bypassed) */
	svc_auth = "nhiacct_auth_noprompt";
	assert_int_equal(auth_with_info("vendor1", "publickey ssh-ed25519 AAAA\n", &a, t),
			 PAM_AUTH_ERR);
	svc_auth = "nhiacct_auth";
	assert_int_equal(a.prompts, 0);
}

static void
test_auth_non_vendor_not_prompted(void **s)
{
	struct conv_answer a = { "CHG-77", 0 };
	char t[80];

	(void)s;
	assert_int_equal(auth_with_info("staff1", "publickey ssh-ed25519 AAAA\n", &a, t),
			 PAM_AUTH_ERR);
	assert_int_equal(a.prompts, 0);
	assert_string_equal(t, "");
}

static void
test_auth_bad_answer_not_stored_raw(void **s)
{
	struct conv_answer a = { "../../etc/passwd", 0 };
	char t[80];

	(void)s;
	auth_with_info("vendor1", NULL, &a, t);
	assert_null(strstr(t, "passwd"));
}

/* ---- every reason code through the stack ------------------------------ */

static void
test_reason_no_ticket(void **s)
{
	(void)s;
	/* nobody issued a ticket for vendor4; the prompt is left empty */
	expect_refusal("nhiacct", "vendor4", "", "no_ticket");
}

static void
test_reason_bad_ticket_id(void **s)
{
	(void)s;
	expect_refusal("nhiacct", "vendor1", "../../etc/passwd", "bad_ticket_id");
}

static void
test_reason_not_found(void **s)
{
	(void)s;
	expect_refusal("nhiacct", "vendor1", "CHG-NOPE", "not_found");
}

static void
test_reason_backend_error(void **s)
{
	(void)s;
	/* backend = http pointing at a closed port on loopback */
	expect_refusal("nhiacct_http", "vendor1", "CHG-1042", "backend_error");
}

static void
test_reason_malformed(void **s)
{
	char path[512];

	(void)s;
	snprintf(path, sizeof(path), "%s/tickets/CHG-BAD.json", T);
	write_file(path, "{\"id\": \"CHG-BAD\", \"state\": ", 0644);
	expect_refusal("nhiacct", "vendor1", "CHG-BAD", "malformed");
}

/* A malformed refusal says, in its record, which field and why; the text
 * comes from the ticket and is escaped like every text. */
static void
test_malformed_record_says_why(void **s)
{
	char path[512];
	struct msgs m;
	uint64_t since = now_usec();
	json_t *rec;

	(void)s;
	if (!have_journal)
		skip();
	snprintf(path, sizeof(path), "%s/tickets/CHG-TYPE.json", T);
	write_file(path, "{\"id\": \"CHG-TYPE\", \"state\": 7, \"approver\": \"alice\"}", 0644);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-TYPE", &m, 0), PAM_PERM_DENIED);
	rec = wait_record("deny", "vendor1", since);
	assert_non_null(rec);
	assert_string_equal(field(rec, "NHIACCT_REASON"), "malformed");
	assert_non_null(field(rec, "NHIACCT_DETAIL"));
	assert_non_null(strstr(field(rec, "NHIACCT_DETAIL"), "field_state (/state): expected a string"));
	json_decref(rec);
	msgs_free(&m);
}

static void
test_reason_not_approved(void **s)
{
	struct tk k = good("CHG-R1");

	(void)s;
	k.state = "pending";
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R1", "not_approved");
}

static void
test_reason_no_approver(void **s)
{
	struct tk k = good("CHG-R2");

	(void)s;
	k.approver = NULL;
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R2", "no_approver");
}

static void
test_reason_self_approved(void **s)
{
	struct tk k = good("CHG-R3");

	(void)s;
	k.approver = "acme-jdoe";
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R3", "self_approved");
	k = good("CHG-R3b");
	k.approver = "vendor1";
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R3b", "self_approved");
}

static void
test_reason_approver_not_allowed(void **s)
{
	struct tk k = good("CHG-R4");
	struct msgs m;

	(void)s;
	k.approver = "mallory";
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R4", "approver_not_allowed");
	/* carol is allowed as a member of @approvers */
	k = good("CHG-R4b");
	k.approver = "carol";
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-R4b", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
}

static void
test_reason_account_out_of_scope(void **s)
{
	struct tk k = good("CHG-R5");

	(void)s;
	k.accounts = "[\"someone-else\"]";
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R5", "account_out_of_scope");
}

static void
test_reason_host_out_of_scope(void **s)
{
	struct tk k = good("CHG-R6");

	(void)s;
	k.hosts = "[\"*.db.example.com\"]";
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R6", "host_out_of_scope");
}

static void
test_reason_no_time_limit(void **s)
{
	struct tk k = good("CHG-R7");

	(void)s;
	k.na_rel = NO_TIME;
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R7", "no_time_limit");
}

static void
test_reason_not_yet_valid(void **s)
{
	struct tk k = good("CHG-R8");

	(void)s;
	k.nb_rel = 3600;
	k.na_rel = 7200;
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R8", "not_yet_valid");
}

static void
test_reason_expired(void **s)
{
	struct tk k = good("CHG-R9");

	(void)s;
	k.nb_rel = -7200;
	k.na_rel = -1;
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R9", "expired");
}

static void
test_reason_window_too_long(void **s)
{
	struct tk k = good("CHG-R10");
	struct msgs m;

	(void)s;
	k.na_rel = 9 * 3600;
	ticket(&k);
	expect_refusal("nhiacct", "vendor1", "CHG-R10", "window_too_long");
	/* a module argument overrides the file: max_window=1h */
	k = good("CHG-R10b");
	k.na_rel = 2 * 3600;
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-R10b", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
	expect_refusal("nhiacct_args", "vendor1", "CHG-R10b", "window_too_long");
}

static void
test_reason_config_error(void **s)
{
	struct msgs m;

	(void)s;
	/* an unknown key: every user is refused, vendor or not */
	expect_refusal("nhiacct_badconf", "vendor1", "CHG-1042", "config_error");
	expect_refusal("nhiacct_badconf", "staff1", "", "config_error");
	/* a group-writable file */
	expect_refusal("nhiacct_looseconf", "vendor1", "CHG-1042", "config_error");
	msgs_init(&m);
	assert_int_equal(account("nhiacct_probe_badconf", "staff1", &m, 0), PAM_PERM_DENIED);
	msgs_free(&m);
}


/* ---- classification fails closed (issue: no standing access) ----------- */

/* A vendor_groups group that does not exist made every vendor a non-vendor:
 * in with no ticket and no record.  Now everyone but exempt_users is
 * refused, and the record names the group. */
static void
test_missing_vendor_group_refuses(void **s)
{
	struct msgs m;
	uint64_t since = now_usec();
	json_t *rec;

	(void)s;
	expect_refusal("nhiacct_missinggroup", "vendor4", "", "config_error");
	expect_refusal("nhiacct_missinggroup", "staff1", "", "config_error");
	if (have_journal) {
		rec = wait_record("deny", "staff1", since);
		assert_non_null(rec);
		assert_non_null(strstr(field(rec, "MESSAGE"), "config_error"));
		json_decref(rec);
	}
	/* root, exempt by default: let through (the probe's PAM_IGNORE) */
	msgs_init(&m);
	assert_int_equal(account("nhiacct_probe_missinggroup", "root", &m, 0), PAM_SUCCESS);
	assert_string_equal(m.err[0], "");
	msgs_free(&m);
	/* an exempt account is compared byte for byte: "ROOT" is not root */
	msgs_init(&m);
	assert_int_not_equal(account("nhiacct_probe_missinggroup", "ROOT", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
}

/* A case-insensitive name service answers VENDOR1 for vendor1 (same uid):
 * the typed name is not in vendor_users or the group's member list byte
 * for byte, yet it is the same account and needs a ticket. */
static void
test_case_insensitive_name_is_a_vendor(void **s)
{
	struct tk k = good("CHG-CASE");
	struct msgs m;
	uint64_t since = now_usec();
	json_t *rec;

	(void)s;
	expect_refusal_as("nhiacct", "VENDOR4", "vendor4", "", "no_ticket");
	/* vendor_users = contractor: CONTRACTOR is the same uid; lookup finds
	 * contractor's ticket, so it is granted, as contractor, on the record */
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "CONTRACTOR", "", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
	if (have_journal) {
		rec = wait_record("grant", "contractor", since);
		assert_non_null(rec);
		json_decref(rec);
	}
	/* and a ticket is judged for the canonical account */
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "VENDOR1", "CHG-CASE", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
	if (have_journal) {
		rec = wait_record("grant", "vendor1", since);
		assert_non_null(rec);
		assert_string_equal(field(rec, "NHIACCT_TICKET"), "CHG-CASE");
		json_decref(rec);
	}
}

/* The name service fails (nss_wrapper with an unreadable group file, as
 * sssd or LDAP down): vendor and staff refused, root let through. */
static void
test_nss_failure_refuses(void **s)
{
	struct msgs m;

	(void)s;
	expect_refusal("nhiacct", "vendor4", "", "config_error");
	expect_refusal("nhiacct", "staff1", "", "config_error");
	msgs_init(&m);
	assert_int_equal(account("nhiacct_probe", "root", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
}


/* ---- a refusal in the session phase is recorded too ---------------------- */

/* A conversation that answers the ticket prompt with ud's ticket id and,
 * once the account phase has said "access granted", waits 2.5 s: the
 * window, which ends 2 s after the grant, closes before open_session. */
struct slow_conv {
	const char *ticket;
	char err[PAM_MAX_MSG_SIZE + 1];
};

static int
slow_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *ud)
{
	struct slow_conv *c = ud;

	*resp = calloc((size_t)n, sizeof(**resp));
	if (*resp == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			(*resp)[i].resp = strdup(c->ticket);
		else if (msg[i]->msg_style == PAM_TEXT_INFO && strstr(msg[i]->msg, "access granted"))
			usleep(2500000);
		else if (msg[i]->msg_style == PAM_ERROR_MSG && c->err[0] == '\0')
			snprintf(c->err, sizeof(c->err), "%s", msg[i]->msg);
	}
	return PAM_SUCCESS;
}

static void
test_session_refused_after_window_closed(void **s)
{
	struct tk k = good("CHG-LATE");
	struct slow_conv c = { .ticket = "CHG-LATE" };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_PERM_DENIED),
	};
	uint64_t since = now_usec();
	json_t *rec;

	(void)s;
	k.accounts = "[\"vendor3\"]";
	k.na_rel = (long)(time(NULL) - now0) + 2;
	ticket(&k);
	assert_int_equal(_pamtest_conv("nhiacct_session", "vendor3", slow_conv, &c, tests, 3, NULL),
			 PAMTEST_ERR_OK);
	assert_non_null(strstr(c.err, "nhiacct: access refused (expired): "));
	if (have_journal) {
		rec = wait_record("deny", "vendor3", since);
		assert_non_null(rec);
		assert_string_equal(field(rec, "NHIACCT_REASON"), "expired");
		assert_string_equal(field(rec, "NHIACCT_TICKET"), "CHG-LATE");
		assert_null(json_object_get(rec, "NHIACCT_SESSION"));
		json_decref(rec);
		/* and no session was opened */
		assert_null(wait_record_short("open", "vendor3", since));
	}
}

/* Without a journald: a grant cannot be recorded, so it is refused. */
static void
test_reason_audit_unavailable(void **s)
{
	struct tk k = good("CHG-AUD");
	struct msgs m;

	(void)s;
	ticket(&k);
	msgs_init(&m);
	assert_int_equal(login("nhiacct", "vendor1", "CHG-AUD", &m, 0), PAM_PERM_DENIED);
	assert_non_null(strstr(m.err[0], "nhiacct: access refused (audit_unavailable): "));
	msgs_free(&m);
	/* with audit = best-effort the same login goes through */
	msgs_init(&m);
	assert_int_equal(login("nhiacct_besteffort", "vendor1", "CHG-AUD", &m, 0), PAM_SUCCESS);
	msgs_free(&m);
}

int
main(void)
{
	const struct CMUnitTest stack[] = {
		cmocka_unit_test(test_vendor_by_supplementary_group),
		cmocka_unit_test(test_vendor_by_primary_group),
		cmocka_unit_test(test_vendor_by_user_list),
		cmocka_unit_test(test_non_vendor_ignored),
		cmocka_unit_test(test_granted),
		cmocka_unit_test(test_granted_by_lookup),
		cmocka_unit_test(test_silent_tells_nothing),
		cmocka_unit_test(test_ticket_exported_to_pam_env),
		cmocka_unit_test(test_auth_prompt_success_after_publickey),
		cmocka_unit_test(test_auth_ignore_without_publickey),
		cmocka_unit_test(test_auth_ignore_when_not_asked),
		cmocka_unit_test(test_auth_non_vendor_not_prompted),
		cmocka_unit_test(test_auth_bad_answer_not_stored_raw),
		cmocka_unit_test(test_reason_no_ticket),
		cmocka_unit_test(test_reason_bad_ticket_id),
		cmocka_unit_test(test_reason_not_found),
		cmocka_unit_test(test_reason_backend_error),
		cmocka_unit_test(test_granted_several_approvers),
		cmocka_unit_test(test_reason_malformed),
		cmocka_unit_test(test_malformed_record_says_why),
		cmocka_unit_test(test_reason_not_approved),
		cmocka_unit_test(test_reason_no_approver),
		cmocka_unit_test(test_reason_self_approved),
		cmocka_unit_test(test_reason_approver_not_allowed),
		cmocka_unit_test(test_reason_account_out_of_scope),
		cmocka_unit_test(test_reason_host_out_of_scope),
		cmocka_unit_test(test_reason_no_time_limit),
		cmocka_unit_test(test_reason_not_yet_valid),
		cmocka_unit_test(test_reason_expired),
		cmocka_unit_test(test_reason_window_too_long),
		cmocka_unit_test(test_reason_config_error),
		cmocka_unit_test(test_missing_vendor_group_refuses),
		cmocka_unit_test(test_case_insensitive_name_is_a_vendor),
		cmocka_unit_test(test_session_refused_after_window_closed),
	};
	const struct CMUnitTest nssfail[] = {
		cmocka_unit_test(test_nss_failure_refuses),
	};
	const struct CMUnitTest nojournal[] = {
		cmocka_unit_test(test_reason_audit_unavailable),
	};
	const char *mode = getenv("NHI_TEST_MODE");

	T = getenv("NHI_T");
	if (T == NULL) {
		fprintf(stderr, "run through tests/pam/run.sh\n");
		return 2;
	}
	now0 = time(NULL);
	if (mode != NULL && strcmp(mode, "nojournal") == 0)
		return cmocka_run_group_tests_name("pam_stack_without_journal", nojournal, NULL, NULL);
	have_journal = access("/run/systemd/journal/socket", F_OK) == 0 &&
		       getenv("NHI_TEST_JOURNAL") != NULL;
	if (mode != NULL && strcmp(mode, "nssfail") == 0)
		return cmocka_run_group_tests_name("pam_stack_name_service_down", nssfail, NULL,
						   NULL);
	if (!have_journal)
		printf("NOTE: no private journald: journal records are not checked in this run\n");
	return cmocka_run_group_tests_name("pam_stack", stack, NULL, NULL);
}
