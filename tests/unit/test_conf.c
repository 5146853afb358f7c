/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration of design.md section 5: the defaults, every key with a
 * good and a bad value, the file format ("key = value" lines, '#' comments,
 * blank lines; unknown keys and bad values are errors reported with file and
 * line), and the StrictModes-like permission check of section 4 ("a config
 * file ... that is not owned by root or is writable by group/other is
 * config_error").
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nhi.h"

#define NOBODY 65534

static char tmpdir[] = "/tmp/nhi-test-conf.XXXXXX";

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

/* Writes len bytes of text to tmpdir/name with mode; returns the path (static). */
static const char *
write_file_len(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static const char *
write_file(const char *name, const char *text)
{
	return write_file_len(name, text, strlen(text), 0600);
}

/* A conf for the tests that are not about permissions: our temp files are
 * root-owned only when we run as root. */
static void
conf_init(struct nhi_conf *c)
{
	assert_int_equal(nhi_conf_init(c), 0);
	c->check_perms = geteuid() == 0;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "u0 u1 ... u<n-1>"; caller frees. */
static char *
words(int n)
{
	size_t sz = (size_t)n * 8 + 1, o = 0;
	char *s = malloc(sz);

	assert_non_null(s);
	s[0] = '\0';
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, sz - o, "%su%d", i ? " " : "", i);
	return s;
}

/* ---- defaults (design.md section 5, column "default") ------------------ */

static void
test_defaults_section_5(void **state)
{
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	/* vendor_groups, vendor_users: (empty) */
	assert_int_equal(c.vendor_groups.n, 0);
	assert_int_equal(c.vendor_users.n, 0);
	/* host: FQDN, i.e. not set: settled by nhi_conf_settle_host() */
	assert_null(c.host);
	/* backend: file */
	assert_int_equal(c.backend, NHI_BACKEND_FILE);
	/* ticket_dir */
	assert_string_equal(c.ticket_dir, "/etc/security/nhiacct/tickets");
	/* url, lookup_url, token_file: none; ca_file: system CAs; proxy: none */
	assert_null(c.url);
	assert_null(c.lookup_url);
	assert_null(c.token_file);
	assert_null(c.ca_file);
	assert_null(c.proxy);
	/* timeout: 5s */
	assert_int_equal(c.timeout, 5);
	/* approved_states: approved */
	assert_int_equal(c.approved_states.n, 1);
	assert_string_equal(c.approved_states.v[0], "approved");
	/* approvers: (any) */
	assert_int_equal(c.approvers.n, 0);
	/* max_window: 8h; clock_skew: 60s */
	assert_int_equal(c.max_window, 8 * 3600);
	assert_int_equal(c.clock_skew, 60);
	/* lookup: yes; prompt: yes */
	assert_true(c.lookup);
	assert_true(c.prompt);
	/* audit: required */
	assert_int_equal(c.audit, NHI_AUDIT_REQUIRED);
	/* state_dir: /run/nhiacct */
	assert_string_equal(c.state_dir, "/run/nhiacct");
	/* recheck: 60s */
	assert_int_equal(c.recheck, 60);
	/* warn_before: 15m 1m */
	assert_int_equal(c.n_warn_before, 2);
	assert_int_equal(c.warn_before[0], 15 * 60);
	assert_int_equal(c.warn_before[1], 60);
	/* field_*: the native shape of section 3 */
	assert_string_equal(c.field[NHI_FIELD_ID], "/id");
	assert_string_equal(c.field[NHI_FIELD_STATE], "/state");
	assert_string_equal(c.field[NHI_FIELD_REQUESTER], "/requester");
	assert_string_equal(c.field[NHI_FIELD_APPROVER], "/approver");
	assert_string_equal(c.field[NHI_FIELD_HOSTS], "/scope/hosts");
	assert_string_equal(c.field[NHI_FIELD_ACCOUNTS], "/scope/accounts");
	assert_string_equal(c.field[NHI_FIELD_NOT_BEFORE], "/window/not_before");
	assert_string_equal(c.field[NHI_FIELD_NOT_AFTER], "/window/not_after");
	assert_string_equal(c.field[NHI_FIELD_PURPOSE], "/purpose");
	/* not keys: the debug module argument is off; permissions are checked */
	assert_false(c.debug);
	assert_true(c.check_perms);
	assert_null(c.path);
	nhi_conf_free(&c);
	nhi_conf_free(&c);      /* twice is fine */
	nhi_conf_free(NULL);
}

static void
test_field_key_names(void **state)
{
	static const char *const keys[NHI_FIELD_MAX] = {
		"field_id", "field_state", "field_requester", "field_approver",
		"field_hosts", "field_accounts", "field_not_before", "field_not_after",
		"field_purpose", "field_signatures",
	};

	(void)state;
	for (int f = 0; f < NHI_FIELD_MAX; f++)
		assert_string_equal(nhi_field_key((enum nhi_field)f), keys[f]);
	assert_null(nhi_field_key(NHI_FIELD_MAX));
}

/* ---- nhi_conf_set: every key of section 5, a good and a bad value ------- */

struct key_case {
	const char *key;
	const char *good;
	const char *bad;        /* NULL: use a list of NHI_LIST_MAX + 1 words */
	void (*check)(const struct nhi_conf *c);  /* the good value took effect */
};

static void chk_vendor_groups(const struct nhi_conf *c)
{
	assert_int_equal(c->vendor_groups.n, 2);
	assert_string_equal(c->vendor_groups.v[0], "vendors");
	assert_string_equal(c->vendor_groups.v[1], "contractors");
}
static void chk_vendor_users(const struct nhi_conf *c)
{
	assert_int_equal(c->vendor_users.n, 2);
	assert_string_equal(c->vendor_users.v[1], "vendor2");
}
static void chk_host(const struct nhi_conf *c)
{
	assert_string_equal(c->host, "jump1.example.com");
}
static void chk_backend(const struct nhi_conf *c)
{
	assert_int_equal(c->backend, NHI_BACKEND_HTTP);
}
static void chk_ticket_dir(const struct nhi_conf *c)
{
	assert_string_equal(c->ticket_dir, "/srv/tickets");
}
static void chk_url(const struct nhi_conf *c)
{
	assert_string_equal(c->url, "https://tickets.example.com/api/{id}");
}
static void chk_lookup_url(const struct nhi_conf *c)
{
	assert_string_equal(c->lookup_url, "https://tickets.example.com/api?u={user}&h={host}");
}
static void chk_token_file(const struct nhi_conf *c)
{
	assert_string_equal(c->token_file, "/etc/security/nhiacct/token");
}
static void chk_ca_file(const struct nhi_conf *c)
{
	assert_string_equal(c->ca_file, "/etc/ssl/certs/internal-ca.pem");
}
static void chk_timeout(const struct nhi_conf *c)
{
	assert_int_equal(c->timeout, 10);
}
static void chk_proxy(const struct nhi_conf *c)
{
	assert_string_equal(c->proxy, "http://proxy.example.com:3128");
}
static void chk_approved_states(const struct nhi_conf *c)
{
	assert_int_equal(c->approved_states.n, 2);
	assert_string_equal(c->approved_states.v[0], "approved");
	assert_string_equal(c->approved_states.v[1], "implement");
}
static void chk_approvers(const struct nhi_conf *c)
{
	assert_int_equal(c->approvers.n, 2);
	assert_string_equal(c->approvers.v[0], "alice");
	assert_string_equal(c->approvers.v[1], "@secops");
}
static void chk_max_window(const struct nhi_conf *c)
{
	assert_int_equal(c->max_window, 2 * 86400);
}
static void chk_clock_skew(const struct nhi_conf *c)
{
	assert_int_equal(c->clock_skew, 0);
}
static void chk_lookup(const struct nhi_conf *c)
{
	assert_false(c->lookup);
}
static void chk_prompt(const struct nhi_conf *c)
{
	assert_false(c->prompt);
}
static void chk_audit(const struct nhi_conf *c)
{
	assert_int_equal(c->audit, NHI_AUDIT_BEST_EFFORT);
}
static void chk_state_dir(const struct nhi_conf *c)
{
	assert_string_equal(c->state_dir, "/run/nhiacct-test");
}
static void chk_recheck(const struct nhi_conf *c)
{
	assert_int_equal(c->recheck, 300);
}
static void chk_warn_before(const struct nhi_conf *c)
{
	assert_int_equal(c->n_warn_before, 1);
	assert_int_equal(c->warn_before[0], 5 * 60);
}
static void chk_field_id(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_ID], "/key");
}
static void chk_field_state(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_STATE], "/fields/status/name");
}
static void chk_field_requester(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_REQUESTER], "/fields/reporter/name");
}
static void chk_field_approver(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_APPROVER], "/fields/approvals/0/name");
}
static void chk_field_hosts(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_HOSTS], "/fields/customfield_10001");
}
static void chk_field_accounts(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_ACCOUNTS], "/fields/customfield_10002");
}
static void chk_field_not_before(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_NOT_BEFORE], "/fields/start~1date");
}
static void chk_field_not_after(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_NOT_AFTER], "/fields/end~0date");
}
static void chk_field_purpose(const struct nhi_conf *c)
{
	assert_string_equal(c->field[NHI_FIELD_PURPOSE], "");
}

static const struct key_case key_cases[] = {
	{ "vendor_groups", "vendors contractors", NULL, chk_vendor_groups },
	{ "vendor_users", "vendor1 vendor2", NULL, chk_vendor_users },
	{ "host", "jump1.example.com", "jump 1.example.com", chk_host },
	{ "backend", "http", "ldap", chk_backend },
	{ "ticket_dir", "/srv/tickets", "srv/tickets", chk_ticket_dir },
	{ "url", "https://tickets.example.com/api/{id}", "https://tickets.example.com/api/",
	  chk_url },
	{ "lookup_url", "https://tickets.example.com/api?u={user}&h={host}",
	  "https://tickets.example.com/api?h={host}", chk_lookup_url },
	{ "token_file", "/etc/security/nhiacct/token", "token", chk_token_file },
	{ "ca_file", "/etc/ssl/certs/internal-ca.pem", "internal-ca.pem", chk_ca_file },
	{ "timeout", "10s", "0", chk_timeout },
	{ "proxy", "http://proxy.example.com:3128", "", chk_proxy },
	{ "approved_states", "approved implement", "", chk_approved_states },
	{ "approvers", "alice @secops", NULL, chk_approvers },
	{ "max_window", "2d", "0", chk_max_window },
	{ "clock_skew", "0", "2d", chk_clock_skew },
	{ "lookup", "no", "maybe", chk_lookup },
	{ "prompt", "no", "sometimes", chk_prompt },
	{ "audit", "best-effort", "optional", chk_audit },
	{ "state_dir", "/run/nhiacct-test", "run/nhiacct", chk_state_dir },
	{ "recheck", "5m", "0", chk_recheck },
	{ "warn_before", "5m", "0", chk_warn_before },
	{ "field_id", "/key", "/key~", chk_field_id },
	{ "field_state", "/fields/status/name", "/fields/status/~9", chk_field_state },
	{ "field_requester", "/fields/reporter/name", "/fields/reporter/~2", chk_field_requester },
	{ "field_approver", "/fields/approvals/0/name", "/fields/approver~", chk_field_approver },
	{ "field_hosts", "/fields/customfield_10001", ".hosts\x01", chk_field_hosts },
	{ "field_accounts", "/fields/customfield_10002", "/a~~", chk_field_accounts },
	{ "field_not_before", "/fields/start~1date", "/start~date", chk_field_not_before },
	{ "field_not_after", "/fields/end~0date", "/window~", chk_field_not_after },
	{ "field_purpose", "", ".purpose\x7f", chk_field_purpose },
};

static void
test_set_every_key_good_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *k = &key_cases[i];
		struct nhi_conf c;
		char err[256] = "untouched";

		print_message("  %s = %s\n", k->key, k->good);
		assert_int_equal(nhi_conf_init(&c), 0);
		assert_int_equal(nhi_conf_set(&c, k->key, k->good, err, sizeof(err)), 0);
		assert_string_equal(err, "");
		k->check(&c);
		nhi_conf_free(&c);
	}
}

static void
test_set_every_key_bad_value_einval_names_key(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *k = &key_cases[i];
		char *big = k->bad ? NULL : words(NHI_LIST_MAX + 1);
		const char *bad = k->bad ? k->bad : big;
		struct nhi_conf c;
		char err[256] = "";

		print_message("  %s = %.40s%s\n", k->key, bad, strlen(bad) > 40 ? "..." : "");
		assert_int_equal(nhi_conf_init(&c), 0);
		/* set the good value first: a bad value must not replace it */
		assert_int_equal(nhi_conf_set(&c, k->key, k->good, NULL, 0), 0);
		assert_int_equal(nhi_conf_set(&c, k->key, bad, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, k->key));
		k->check(&c);
		nhi_conf_free(&c);
		free(big);
	}
}

/* Section 5 lists exactly these keys; the table above covers each one. */
static void
test_set_table_covers_section_5(void **state)
{
	static const char *const section5[] = {
		"vendor_groups", "vendor_users", "host", "backend", "ticket_dir", "url",
		"lookup_url", "token_file", "ca_file", "timeout", "proxy",
		"approved_states", "approvers", "max_window", "clock_skew", "lookup",
		"prompt", "audit", "state_dir", "recheck", "warn_before", "field_id",
		"field_state", "field_requester", "field_approver", "field_hosts",
		"field_accounts", "field_not_before", "field_not_after", "field_purpose",
	};
	size_t n = sizeof(key_cases) / sizeof(key_cases[0]);

	(void)state;
	assert_int_equal(n, sizeof(section5) / sizeof(section5[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(key_cases[i].key, section5[i]);
}

static void
test_set_more_bad_values(void **state)
{
	static const struct { const char *key, *value; } bad[] = {
		{ "host", "" },
		{ "host", "jump1\n.example.com" },
		{ "backend", "FILE" },
		{ "backend", "" },
		{ "ticket_dir", "" },
		{ "ticket_dir", "/srv/my tickets" },
		{ "url", "http://tickets.example.com/{id}" },   /* plain HTTP */
		{ "url", "https://" },
		{ "url", "https://tickets.example.com/{id} x" },
		{ "lookup_url", "http://tickets.example.com/?u={user}" },
		{ "timeout", "301s" },
		{ "timeout", "5x" },
		{ "timeout", "-1" },
		{ "timeout", "" },
		{ "max_window", "367d" },
		{ "max_window", "8 parsecs" },
		{ "clock_skew", "-60" },
		{ "clock_skew", "1d1s" },
		{ "recheck", "2d" },
		{ "lookup", "" },
		{ "lookup", "ja" },
		{ "prompt", "2" },
		{ "audit", "Required" },
		{ "audit", "best_effort" },
		{ "audit", "" },
		{ "proxy", "http://proxy example.com" },
		{ "approved_states", " \t " },
		{ "warn_before", "15m 1x" },
		{ "warn_before", "8d" },
		{ "warn_before", "1s 2s 3s 4s 5s 6s 7s 8s 9s" },
		{ "warn_before", "none 1m" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nhi_conf c;
		char err[256] = "";

		print_message("  %s = '%s'\n", bad[i].key, bad[i].value);
		assert_int_equal(nhi_conf_init(&c), 0);
		assert_int_equal(nhi_conf_set(&c, bad[i].key, bad[i].value, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, bad[i].key));
		nhi_conf_free(&c);
	}
}

static void
test_set_boolean_spellings(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "Off" };
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(nhi_conf_set(&c, "lookup", no[i], NULL, 0), 0);
		assert_false(c.lookup);
		assert_int_equal(nhi_conf_set(&c, "lookup", yes[i], NULL, 0), 0);
		assert_true(c.lookup);
	}
	nhi_conf_free(&c);
}

static void
test_set_duration_bounds(void **state)
{
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "timeout", "1", NULL, 0), 0);
	assert_int_equal(c.timeout, 1);
	assert_int_equal(nhi_conf_set(&c, "timeout", "300s", NULL, 0), 0);
	assert_int_equal(c.timeout, 300);
	assert_int_equal(nhi_conf_set(&c, "timeout", "5m", NULL, 0), 0);
	assert_int_equal(c.timeout, 300);
	assert_int_equal(nhi_conf_set(&c, "max_window", "366d", NULL, 0), 0);
	assert_int_equal(c.max_window, 366 * 86400);
	assert_int_equal(nhi_conf_set(&c, "clock_skew", "1d", NULL, 0), 0);
	assert_int_equal(c.clock_skew, 86400);
	assert_int_equal(nhi_conf_set(&c, "recheck", "1d", NULL, 0), 0);
	assert_int_equal(c.recheck, 86400);
	nhi_conf_free(&c);
}

static void
test_set_unknown_key_enoent(void **state)
{
	struct nhi_conf c;
	char err[256] = "";

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "max_windows", "8h", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "max_windows"));
	assert_int_equal(nhi_conf_set(&c, "Host", "x", err, sizeof(err)), -ENOENT);
	assert_int_equal(nhi_conf_set(&c, "field_ticket", "/x", err, sizeof(err)), -ENOENT);
	assert_int_equal(nhi_conf_set(&c, "", "x", err, sizeof(err)), -ENOENT);
	/* err may be NULL */
	assert_int_equal(nhi_conf_set(&c, "nope", "x", NULL, 0), -ENOENT);
	nhi_conf_free(&c);
}

static void
test_set_field_pointers_validated(void **state)
{
	static const char *const good[] = {
		"", "/", "/a", "/a/b/0", "/a~0b", "/a~1b", "/~0~1", "/fields/status/name",
		"/with space", "//",
	};
	/* not starting with '/': a jq expression (http backend only, below) */
	static const char *const bad[] = {
		"/a~", "/a~2", "/a~~", "/a~/b", ".a\x01", ".a\n",
	};
	static const char *const expressions[] = { "a", "a/b", "~0", ".fields.x" };
	char big[600];
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		print_message("  good '%s'\n", good[i]);
		assert_int_equal(nhi_conf_set(&c, "field_approver", good[i], NULL, 0), 0);
		assert_string_equal(c.field[NHI_FIELD_APPROVER], good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";

		print_message("  bad '%s'\n", bad[i]);
		assert_int_equal(nhi_conf_set(&c, "field_approver", bad[i], err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "field_approver"));
	}
	/* expressions: taken, and refused by the file backend */
	for (size_t i = 0; i < sizeof(expressions) / sizeof(expressions[0]); i++) {
		char err[256] = "";

		print_message("  expression '%s'\n", expressions[i]);
		assert_int_equal(nhi_conf_set(&c, "field_approver", expressions[i], err,
					      sizeof(err)), 0);
		assert_int_equal(nhi_conf_validate(&c, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "field_approver is not a JSON Pointer"));
	}
	assert_int_equal(nhi_conf_set(&c, "field_approver", "/approver", NULL, 0), 0);
	/* bounded length */
	big[0] = '/';
	memset(big + 1, 'a', sizeof(big) - 2);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(nhi_conf_set(&c, "field_approver", big, NULL, 0), -EINVAL);
	nhi_conf_free(&c);
}

static void
test_set_warn_before_sorted_dedup_none(void **state)
{
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	/* sorted largest first, duplicates dropped */
	assert_int_equal(nhi_conf_set(&c, "warn_before", "1m 15m 1h 60s 15m 30", NULL, 0), 0);
	assert_int_equal(c.n_warn_before, 4);
	assert_int_equal(c.warn_before[0], 3600);
	assert_int_equal(c.warn_before[1], 900);
	assert_int_equal(c.warn_before[2], 60);
	assert_int_equal(c.warn_before[3], 30);
	/* none: no warnings */
	assert_int_equal(nhi_conf_set(&c, "warn_before", "none", NULL, 0), 0);
	assert_int_equal(c.n_warn_before, 0);
	/* the bound: NHI_WARN_MAX marks */
	assert_int_equal(nhi_conf_set(&c, "warn_before", "8s 7s 6s 5s 4s 3s 2s 1s", NULL, 0), 0);
	assert_int_equal(c.n_warn_before, NHI_WARN_MAX);
	assert_int_equal(c.warn_before[0], 8);
	assert_int_equal(c.warn_before[7], 1);
	/* a bad list leaves the previous one */
	assert_int_equal(nhi_conf_set(&c, "warn_before", "1m 0", NULL, 0), -EINVAL);
	assert_int_equal(c.n_warn_before, NHI_WARN_MAX);
	nhi_conf_free(&c);
}

static void
test_set_lists_replace_previous(void **state)
{
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "vendor_users", "a b", NULL, 0), 0);
	assert_int_equal(nhi_conf_set(&c, "vendor_users", "c", NULL, 0), 0);
	assert_int_equal(c.vendor_users.n, 1);
	assert_string_equal(c.vendor_users.v[0], "c");
	/* an empty value empties a list that may be empty */
	assert_int_equal(nhi_conf_set(&c, "exempt_users", "", NULL, 0), 0);
	assert_int_equal(c.exempt_users.n, 0);
	/* ... and is refused where it would switch a control off */
	assert_int_equal(nhi_conf_set(&c, "vendor_users", "", NULL, 0), -EINVAL);
	assert_int_equal(c.vendor_users.n, 1);
	nhi_conf_free(&c);
}

static void
test_host_from_conf(void **state)
{
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "host", "jump1.example.com", NULL, 0), 0);
	assert_int_equal(nhi_conf_settle_host(&c), 0);
	assert_string_equal(c.host, "jump1.example.com");
	nhi_conf_free(&c);
}

/* ---- nhi_conf_load: the file ------------------------------------------- */

static void
test_load_comments_blank_lines_whitespace(void **state)
{
	const char *path = write_file("ok.conf",
		"# pam_nhiacct configuration\n"
		"\n"
		"   \t  \n"
		"  # an indented comment\n"
		"vendor_groups = vendors\n"
		"  host   =   jump1.example.com  \n"
		"\tvendor_users=vendor1\tvendor2 \n"
		"max_window=2h\r\n"
		"approvers = alice @secops\n"
		"lookup_url = https://t.example.com/lookup?user={user}&host={host}\n"
		"field_purpose =\n"
		"clock_skew = 30s");                  /* no final newline */
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.path, path);
	assert_int_equal(c.vendor_groups.n, 1);
	assert_string_equal(c.host, "jump1.example.com");
	assert_int_equal(c.vendor_users.n, 2);
	assert_string_equal(c.vendor_users.v[1], "vendor2");
	assert_int_equal(c.max_window, 7200);
	assert_int_equal(c.approvers.n, 2);
	/* '=' inside the value is part of it */
	assert_string_equal(c.lookup_url, "https://t.example.com/lookup?user={user}&host={host}");
	assert_string_equal(c.field[NHI_FIELD_PURPOSE], "");
	assert_int_equal(c.clock_skew, 30);
	/* untouched keys keep their defaults */
	assert_int_equal(c.timeout, 5);
	nhi_conf_free(&c);
}

/*
 * Typos that used to weaken the policy without a word:
 *   approved_states = approved   # not pending
 * made "#", "not" and "pending" approved states (a pending ticket was
 * granted); a repeated key silently replaced the earlier line; an empty
 * vendor_users, vendor_groups or approvers switched that control off.
 */
static void
test_load_typos_are_errors(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "approved_states = approved   # not pending\n",
		  ":1: approved_states: '# not pending': comments go on lines of their own" },
		{ "vendor_users = vendor1 #vendor2\n", ":1: vendor_users: '#vendor2'" },
		{ "vendor_groups = vendors\nhost = a\nvendor_groups = others\n",
		  ":3: vendor_groups is set again (first on line 1)" },
		{ "vendor_users =\n", ":1: vendor_users: empty" },
		{ "vendor_groups =   \n", ":1: vendor_groups: empty" },
		{ "approvers =\n", ":1: approvers: empty; write '*' if any approver will do" },
		{ "approvers = * alice\n", ":1: approvers: '*' (anyone) together with names" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_file("typo.conf", cases[i].text);
		struct nhi_conf c;
		char err[512] = "";

		print_message("  %s", cases[i].text);
		conf_init(&c);
		assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("err '%s' lacks '%s'", err, cases[i].want);
		nhi_conf_free(&c);
	}
}

/* approvers = * says "anyone" out loud; a '#' inside a value is kept. */
static void
test_load_explicit_anyone_and_hash_inside_values(void **state)
{
	const char *path = write_file("anyone.conf",
		"approvers = *\n"
		"url = https://t.example.com/t/{id}#frag\n");
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.approvers.n, 0);
	assert_string_equal(c.url, "https://t.example.com/t/{id}#frag");
	nhi_conf_free(&c);
}

static void
test_load_empty_file_gives_defaults(void **state)
{
	const char *path = write_file("empty.conf", "");
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.backend, NHI_BACKEND_FILE);
	assert_int_equal(c.max_window, 8 * 3600);
	nhi_conf_free(&c);
}

/* The error begins with "PATH:LINE:" */
static void
assert_err_at(const char *err, const char *path, unsigned line)
{
	char prefix[300];

	snprintf(prefix, sizeof(prefix), "%s:%u:", path, line);
	print_message("  err: %s\n", err);
	assert_true(starts_with(err, prefix));
}

static void
test_load_unknown_key_path_line(void **state)
{
	const char *path = write_file("unknown.conf",
		"# comment\n"
		"host = jump1.example.com\n"
		"\n"
		"max_windw = 2h\n");
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_true(nhi_conf_load(&c, path, err, sizeof(err)) < 0);
	assert_err_at(err, path, 4);
	assert_non_null(strstr(err, "max_windw"));
	nhi_conf_free(&c);
}

static void
test_load_bad_value_path_line(void **state)
{
	const char *path = write_file("badvalue.conf",
		"host = jump1.example.com\n"
		"max_window = forever\n");
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_err_at(err, path, 2);
	assert_non_null(strstr(err, "max_window"));
	nhi_conf_free(&c);
}

static void
test_load_missing_equals_path_line(void **state)
{
	const char *path = write_file("noeq.conf",
		"host = jump1.example.com\n"
		"# the next line has no '='\n"
		"lookup no\n");
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_err_at(err, path, 3);
	nhi_conf_free(&c);
}

static void
test_load_line_too_long(void **state)
{
	size_t n = NHI_LINE_MAX + 1000;
	char *text = malloc(n + 64);
	const char *path;
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	assert_non_null(text);
	/* a long value: it must not be cut, with its tail read as a line of its own */
	strcpy(text, "host = jump1.example.com\nvendor_users = ");
	memset(text + strlen(text), 'a', n - strlen(text));
	text[n] = '\0';
	strcat(text, " x\n");
	path = write_file("long.conf", text);
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_err_at(err, path, 2);
	assert_non_null(strstr(err, "too long"));
	nhi_conf_free(&c);

	/* a long comment is a long line too */
	memset(text, '#', n);
	text[n] = '\n';
	text[n + 1] = '\0';
	path = write_file("longcomment.conf", text);
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_err_at(err, path, 1);
	nhi_conf_free(&c);

	/* just under the bound is fine */
	memset(text, '#', NHI_LINE_MAX - 2);
	text[NHI_LINE_MAX - 2] = '\n';
	text[NHI_LINE_MAX - 1] = '\0';
	path = write_file("longok.conf", text);
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), 0);
	nhi_conf_free(&c);
	free(text);
}

/* A NUL byte must not silently cut a line: "vendor_users = vendor1\0 vendor2"
 * would otherwise drop vendor2 from the users who need a ticket. */
static void
test_load_nul_byte_rejected(void **state)
{
	static const char text[] = "host = jump1.example.com\nvendor_users = vendor1\0 vendor2\n";
	const char *path = write_file_len("nul.conf", text, sizeof(text) - 1, 0600);
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_err_at(err, path, 2);
	nhi_conf_free(&c);
}

static void
test_load_file_too_large(void **state)
{
	size_t n = NHI_CONF_MAX + 4096, line = 80;
	char *text = malloc(n + 1);
	const char *path;
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	assert_non_null(text);
	for (size_t o = 0; o < n; o += line) {
		memset(text + o, '#', line - 1);
		text[o + line - 1] = '\n';
	}
	text[n] = '\0';
	path = write_file("huge.conf", text);
	conf_init(&c);
	assert_true(nhi_conf_load(&c, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, path));
	nhi_conf_free(&c);
	free(text);
}

static void
test_load_missing_file_error(void **state)
{
	char path[256], err[512] = "";
	struct nhi_conf c;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	/* err may be NULL */
	assert_int_equal(nhi_conf_load(&c, path, NULL, 0), -ENOENT);
	nhi_conf_free(&c);
}

/*
 * The configuration is read like every file the module trusts: a symbolic
 * link is refused (whoever can point it elsewhere chooses the policy), and
 * so is anything but a regular file: a FIFO used to hang the login forever
 * in open(2).
 */
static void
test_load_symlink_and_fifo_refused(void **state)
{
	char link[256], fifo[256], err[512] = "";
	const char *target = write_file("target.conf", "vendor_users = vendor1\n");
	struct nhi_conf c;

	(void)state;
	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
	assert_int_equal(symlink(target, link), 0);
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, link, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(c.vendor_users.n, 0);
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(nhi_conf_load(&c, fifo, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not a regular file"));
	nhi_conf_free(&c);
}

static void
test_load_backend_http_without_url(void **state)
{
	const char *path = write_file("http.conf",
		"backend = http\n"
		"lookup_url = https://t.example.com/lookup?user={user}&host={host}\n");
	struct nhi_conf c;
	char err[512] = "";

	(void)state;
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	print_message("  err: %s\n", err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "url"));
	nhi_conf_free(&c);

	/* with url it is fine */
	path = write_file("http-ok.conf",
		"backend = http\n"
		"url = https://t.example.com/tickets/{id}\n");
	conf_init(&c);
	assert_int_equal(nhi_conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.backend, NHI_BACKEND_HTTP);
	nhi_conf_free(&c);
}

/* ---- permissions (design.md section 4: like sshd's StrictModes) -------- */

static bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	print_message("  skipped: needs root (to chown test files to root and to others)\n");
	return false;
}

static int
load_with_perms(const char *path, char *err, size_t errsz)
{
	struct nhi_conf c;
	int r;

	assert_int_equal(nhi_conf_init(&c), 0);
	assert_true(c.check_perms);
	r = nhi_conf_load(&c, path, err, errsz);
	nhi_conf_free(&c);
	return r;
}

static void
test_perms_root_owned_0600_and_0644_accepted(void **state)
{
	char err[512] = "";
	const char *path;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	path = write_file_len("p600.conf", "lookup = yes\n", 13, 0600);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), 0);
	path = write_file_len("p644.conf", "lookup = yes\n", 13, 0644);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), 0);
	path = write_file_len("p400.conf", "lookup = yes\n", 13, 0400);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), 0);
}

static void
test_perms_group_writable_0664_refused(void **state)
{
	char err[512] = "";
	const char *path;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	path = write_file_len("p664.conf", "lookup = yes\n", 13, 0664);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), -EPERM);
	print_message("  err: %s\n", err);
	assert_non_null(strstr(err, path));
	path = write_file_len("p620.conf", "lookup = yes\n", 13, 0620);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), -EPERM);
}

static void
test_perms_other_writable_0646_refused(void **state)
{
	char err[512] = "";
	const char *path;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	path = write_file_len("p646.conf", "lookup = yes\n", 13, 0646);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, path));
	path = write_file_len("p602.conf", "lookup = yes\n", 13, 0602);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), -EPERM);
}

static void
test_perms_not_root_owned_refused(void **state)
{
	char err[512] = "";
	const char *path;

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	path = write_file_len("nobody.conf", "lookup = yes\n", 13, 0600);
	assert_int_equal(chown(path, NOBODY, NOBODY), 0);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), -EPERM);
	print_message("  err: %s\n", err);
	assert_non_null(strstr(err, path));
	/* owned by root but with another group: fine, the group cannot write */
	path = write_file_len("rootgroup.conf", "lookup = yes\n", 13, 0640);
	assert_int_equal(chown(path, 0, NOBODY), 0);
	assert_int_equal(load_with_perms(path, err, sizeof(err)), 0);
}

static void
test_check_owner_mode_directory(void **state)
{
	char dir[300], err[512] = "";

	(void)state;
	if (!need_root()) {
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/d", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(nhi_check_owner_mode(-1, dir, err, sizeof(err)), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(nhi_check_owner_mode(-1, dir, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(dir, 0757), 0);
	assert_int_equal(nhi_check_owner_mode(-1, dir, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chown(dir, NOBODY, 0), 0);
	assert_int_equal(nhi_check_owner_mode(-1, dir, err, sizeof(err)), -EPERM);
	assert_int_equal(rmdir(dir), 0);
	/* a missing path: its errno */
	assert_int_equal(nhi_check_owner_mode(-1, dir, err, sizeof(err)), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_section_5),
		cmocka_unit_test(test_field_key_names),
		cmocka_unit_test(test_set_table_covers_section_5),
		cmocka_unit_test(test_set_every_key_good_value),
		cmocka_unit_test(test_set_every_key_bad_value_einval_names_key),
		cmocka_unit_test(test_set_more_bad_values),
		cmocka_unit_test(test_set_boolean_spellings),
		cmocka_unit_test(test_set_duration_bounds),
		cmocka_unit_test(test_set_unknown_key_enoent),
		cmocka_unit_test(test_set_field_pointers_validated),
		cmocka_unit_test(test_set_warn_before_sorted_dedup_none),
		cmocka_unit_test(test_set_lists_replace_previous),
		cmocka_unit_test(test_host_from_conf),
		cmocka_unit_test(test_load_comments_blank_lines_whitespace),
		cmocka_unit_test(test_load_empty_file_gives_defaults),
		cmocka_unit_test(test_load_unknown_key_path_line),
		cmocka_unit_test(test_load_bad_value_path_line),
		cmocka_unit_test(test_load_missing_equals_path_line),
		cmocka_unit_test(test_load_line_too_long),
		cmocka_unit_test(test_load_nul_byte_rejected),
		cmocka_unit_test(test_load_file_too_large),
		cmocka_unit_test(test_load_missing_file_error),
		cmocka_unit_test(test_load_symlink_and_fifo_refused),
		cmocka_unit_test(test_load_typos_are_errors),
		cmocka_unit_test(test_load_explicit_anyone_and_hash_inside_values),
		cmocka_unit_test(test_load_backend_http_without_url),
		cmocka_unit_test(test_perms_root_owned_0600_and_0644_accepted),
		cmocka_unit_test(test_perms_group_writable_0664_refused),
		cmocka_unit_test(test_perms_other_writable_0646_refused),
		cmocka_unit_test(test_perms_not_root_owned_refused),
		cmocka_unit_test(test_check_owner_mode_directory),
	};

	return cmocka_run_group_tests_name("conf", tests, group_setup, group_teardown);
}
