/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision of design.md section 4 as a table: each row is a ticket (the
 * example of section 3 with one change), a login, a time and the reason code
 * the policy must give.  "The first failing rule gives the reason code."
 * Group membership comes from a fake member() callback: no NSS here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nhi.h"

#define T0 INT64_C(1795338000)          /* not_before: 2026-11-22T09:00:00Z */
#define T1 INT64_C(1795345200)          /* not_after:  2026-11-22T11:00:00Z */
#define NOW (T0 + 600)                  /* inside the window */
#define H 3600

/* ---- the fake group database -------------------------------------------- */

/* secops = { dave }, vendors = { vendor1 } */
static int member_calls;

static bool
fake_member(const char *user, const char *group, void *ud)
{
	(void)ud;
	member_calls++;
	return (strcmp(group, "secops") == 0 && strcmp(user, "dave") == 0) ||
	       (strcmp(group, "vendors") == 0 && strcmp(user, "vendor1") == 0);
}

/* ---- the example ticket and its variations ------------------------------ */

static void
set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
	if (value)
		assert_non_null(*field);
}

static void
set_list(struct nhi_strv *sv, bool *has, const char *words)
{
	nhi_strv_free(sv);
	*has = words != NULL;
	if (words)
		assert_int_equal(nhi_strv_split(sv, words), 0);
}

/* design.md section 3 */
static void
example_ticket(struct nhi_ticket *t)
{
	memset(t, 0, sizeof(*t));
	set(&t->id, "CHG-1042");
	set(&t->state, "approved");
	set(&t->requester, "acme-jdoe");
	set(&t->approver, "alice");
	set(&t->purpose, "Apply vendor hotfix 4.2.1");
	set_list(&t->hosts, &t->has_hosts, "jump1.example.com *.db.example.com");
	set_list(&t->accounts, &t->has_accounts, "vendor1");
	t->has_not_before = t->has_not_after = true;
	t->not_before = T0;
	t->not_after = T1;
}

typedef void (*ticket_fn)(struct nhi_ticket *t);
typedef void (*conf_fn)(struct nhi_conf *c);

/* ticket mutations, one per row */
static void t_unchanged(struct nhi_ticket *t) { (void)t; }
static void t_state_pending(struct nhi_ticket *t) { set(&t->state, "pending"); }
static void t_state_missing(struct nhi_ticket *t) { set(&t->state, NULL); }
static void t_state_capitalised(struct nhi_ticket *t) { set(&t->state, "Approved"); }
static void t_state_empty(struct nhi_ticket *t) { set(&t->state, ""); }
static void t_state_implement(struct nhi_ticket *t) { set(&t->state, "implement"); }
static void t_approver_missing(struct nhi_ticket *t) { set(&t->approver, NULL); }
static void t_approver_empty(struct nhi_ticket *t) { set(&t->approver, ""); }
static void t_approver_blank(struct nhi_ticket *t) { set(&t->approver, " \t "); }
static void t_approver_is_requester(struct nhi_ticket *t) { set(&t->approver, "acme-jdoe"); }
static void t_approver_is_login_user(struct nhi_ticket *t) { set(&t->approver, "vendor1"); }
static void t_approver_is_requester_case(struct nhi_ticket *t) { set(&t->approver, "ACME-JDoe"); }
static void t_approver_is_login_user_case(struct nhi_ticket *t) { set(&t->approver, "Vendor1"); }
static void t_approver_dave(struct nhi_ticket *t) { set(&t->approver, "dave"); }
/* several approvers, as a list (what the field map makes of an array) */
static void
approvers(struct nhi_ticket *t, const char *words)
{
	set(&t->approver, words);
	nhi_strv_free(&t->approvers);
	assert_int_equal(nhi_strv_split(&t->approvers, words), 0);
}
static void t_approvers_alice_bob(struct nhi_ticket *t) { approvers(t, "alice bob"); }
static void t_approvers_alice_ALICE(struct nhi_ticket *t) { approvers(t, "alice ALICE"); }
static void t_approvers_alice_requester(struct nhi_ticket *t) { approvers(t, "alice acme-jdoe"); }
static void t_approvers_alice_vendor(struct nhi_ticket *t) { approvers(t, "alice vendor1"); }
static void t_approvers_requester_vendor(struct nhi_ticket *t) { approvers(t, "acme-jdoe vendor1"); }
static void t_approvers_alice_dave(struct nhi_ticket *t) { approvers(t, "alice dave"); }
static void t_approvers_alice_bob_expired(struct nhi_ticket *t)
{ approvers(t, "alice bob"); t->not_after = NOW - 1; t->not_before = NOW - 3600; }
static void t_no_requester(struct nhi_ticket *t) { set(&t->requester, NULL); }
static void t_accounts_missing(struct nhi_ticket *t)
{ set_list(&t->accounts, &t->has_accounts, NULL); }
static void t_accounts_other(struct nhi_ticket *t)
{ set_list(&t->accounts, &t->has_accounts, "vendor2 root"); }
static void t_accounts_empty(struct nhi_ticket *t)
{ set_list(&t->accounts, &t->has_accounts, ""); }
static void t_accounts_case(struct nhi_ticket *t)
{ set_list(&t->accounts, &t->has_accounts, "VENDOR1"); }
static void t_accounts_several(struct nhi_ticket *t)
{ set_list(&t->accounts, &t->has_accounts, "vendor2 vendor1"); }
static void t_hosts_missing(struct nhi_ticket *t)
{ set_list(&t->hosts, &t->has_hosts, NULL); }
static void t_hosts_empty(struct nhi_ticket *t)
{ set_list(&t->hosts, &t->has_hosts, ""); }
static void t_hosts_db_glob_only(struct nhi_ticket *t)
{ set_list(&t->hosts, &t->has_hosts, "*.db.example.com"); }
static void t_hosts_star(struct nhi_ticket *t)
{ set_list(&t->hosts, &t->has_hosts, "*"); }
static void t_hosts_upper(struct nhi_ticket *t)
{ set_list(&t->hosts, &t->has_hosts, "JUMP1.EXAMPLE.COM"); }
static void t_hosts_class(struct nhi_ticket *t)
{ set_list(&t->hosts, &t->has_hosts, "jump[0-9].example.com"); }
static void t_no_not_after(struct nhi_ticket *t) { t->has_not_after = false; t->not_after = 0; }
static void t_no_not_before(struct nhi_ticket *t) { t->has_not_before = false; t->not_before = 0; }
static void t_no_window(struct nhi_ticket *t)
{ t->has_not_before = t->has_not_after = false; }
static void t_window_8h(struct nhi_ticket *t) { t->not_after = T0 + 8 * H; }
static void t_window_8h_1s(struct nhi_ticket *t) { t->not_after = T0 + 8 * H + 1; }
static void t_open_start_8h(struct nhi_ticket *t)
{ t_no_not_before(t); t->not_after = NOW + 8 * H; }
static void t_open_start_8h_1s(struct nhi_ticket *t)
{ t_no_not_before(t); t->not_after = NOW + 8 * H + 1; }
static void t_open_start_2h(struct nhi_ticket *t)
{ t_no_not_before(t); t->not_after = NOW + 2 * H; }
static void t_window_30d(struct nhi_ticket *t) { t->not_after = T0 + 30 * 86400; }
static void t_window_empty(struct nhi_ticket *t) { t->not_after = T0; }

/* configuration changes */
static void c_default(struct nhi_conf *c) { (void)c; }
static void c_states_implement(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "approved_states", "implement scheduled", NULL, 0), 0); }
static void c_approvers_bob_carol(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "approvers", "bob carol", NULL, 0), 0); }
static void c_approvers_alice(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "approvers", "bob alice", NULL, 0), 0); }
static void c_approvers_alice_upper(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "approvers", "Alice", NULL, 0), 0); }
static void c_approvers_secops(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "approvers", "@secops", NULL, 0), 0); }
static void c_approvers_at_only(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "approvers", "@", NULL, 0), 0); }
static void c_skew_0(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "clock_skew", "0", NULL, 0), 0); }
static void c_skew_5m(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "clock_skew", "5m", NULL, 0), 0); }
static void c_min_approvers_2(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "min_approvers", "2", NULL, 0), 0); }
static void c_min_2_bob_carol(struct nhi_conf *c)
{ c_min_approvers_2(c); assert_int_equal(nhi_conf_set(c, "approvers", "alice bob carol", NULL, 0), 0); }
static void c_max_window_1h(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "max_window", "1h", NULL, 0), 0); }
static void c_max_window_31d(struct nhi_conf *c)
{ assert_int_equal(nhi_conf_set(c, "max_window", "31d", NULL, 0), 0); }

struct row {
	const char *name;
	ticket_fn ticket;
	conf_fn conf;           /* NULL: defaults */
	const char *user;       /* NULL: "vendor1" */
	const char *host;       /* NULL: "jump1.example.com" */
	int64_t now;            /* 0: NOW */
	enum nhi_reason expect;
};

static const struct row rows[] = {
	/* granted */
	{ "granted: the example ticket", t_unchanged, NULL, NULL, NULL, 0, NHI_GRANT },
	{ "granted: host by glob", t_unchanged, NULL, NULL, "pg1.db.example.com", 0, NHI_GRANT },
	{ "granted: one of several accounts", t_accounts_several, NULL, NULL, NULL, 0, NHI_GRANT },
	{ "granted: no requester named", t_no_requester, NULL, NULL, NULL, 0, NHI_GRANT },

	/* not_approved: state is not one of approved_states */
	{ "not_approved: state pending", t_state_pending, NULL, NULL, NULL, 0,
	  NHI_DENY_NOT_APPROVED },
	{ "not_approved: state missing", t_state_missing, NULL, NULL, NULL, 0,
	  NHI_DENY_NOT_APPROVED },
	{ "not_approved: state empty", t_state_empty, NULL, NULL, NULL, 0,
	  NHI_DENY_NOT_APPROVED },
	{ "not_approved: state differs in case", t_state_capitalised, NULL, NULL, NULL, 0,
	  NHI_DENY_NOT_APPROVED },
	{ "not_approved: approved is not in approved_states", t_unchanged, c_states_implement,
	  NULL, NULL, 0, NHI_DENY_NOT_APPROVED },
	{ "granted: state in custom approved_states", t_state_implement, c_states_implement,
	  NULL, NULL, 0, NHI_GRANT },

	/* no_approver: approver missing or empty */
	{ "no_approver: missing", t_approver_missing, NULL, NULL, NULL, 0, NHI_DENY_NO_APPROVER },
	{ "no_approver: empty", t_approver_empty, NULL, NULL, NULL, 0, NHI_DENY_NO_APPROVER },
	{ "no_approver: blank", t_approver_blank, NULL, NULL, NULL, 0, NHI_DENY_NO_APPROVER },

	/* self_approved: approver equals the requester or the login user */
	{ "self_approved: approver == requester", t_approver_is_requester, NULL, NULL, NULL, 0,
	  NHI_DENY_SELF_APPROVED },
	{ "self_approved: approver == login user", t_approver_is_login_user, NULL, NULL, NULL, 0,
	  NHI_DENY_SELF_APPROVED },
	{ "self_approved: approver == requester but for case", t_approver_is_requester_case,
	  NULL, NULL, NULL, 0, NHI_DENY_SELF_APPROVED },
	{ "self_approved: approver == login user but for case", t_approver_is_login_user_case,
	  NULL, NULL, NULL, 0, NHI_DENY_SELF_APPROVED },

	/* approver_not_allowed: approvers is set and the approver is not in it */
	{ "approver_not_allowed: not among the names", t_unchanged, c_approvers_bob_carol,
	  NULL, NULL, 0, NHI_DENY_APPROVER_NOT_ALLOWED },
	{ "granted: approver among the names", t_unchanged, c_approvers_alice,
	  NULL, NULL, 0, NHI_GRANT },
	{ "approver_not_allowed: names are exact", t_unchanged, c_approvers_alice_upper,
	  NULL, NULL, 0, NHI_DENY_APPROVER_NOT_ALLOWED },
	{ "approver_not_allowed: not a member of @group", t_unchanged, c_approvers_secops,
	  NULL, NULL, 0, NHI_DENY_APPROVER_NOT_ALLOWED },
	{ "granted: approver a member of @group", t_approver_dave, c_approvers_secops,
	  NULL, NULL, 0, NHI_GRANT },
	{ "approver_not_allowed: a bare @ names no group", t_unchanged, c_approvers_at_only,
	  NULL, NULL, 0, NHI_DENY_APPROVER_NOT_ALLOWED },

	/* account_out_of_scope: user not in the ticket's accounts (or accounts missing) */
	{ "account_out_of_scope: accounts missing", t_accounts_missing, NULL, NULL, NULL, 0,
	  NHI_DENY_ACCOUNT_OUT_OF_SCOPE },
	{ "account_out_of_scope: user not listed", t_accounts_other, NULL, NULL, NULL, 0,
	  NHI_DENY_ACCOUNT_OUT_OF_SCOPE },
	{ "account_out_of_scope: accounts empty", t_accounts_empty, NULL, NULL, NULL, 0,
	  NHI_DENY_ACCOUNT_OUT_OF_SCOPE },
	{ "account_out_of_scope: accounts are exact", t_accounts_case, NULL, NULL, NULL, 0,
	  NHI_DENY_ACCOUNT_OUT_OF_SCOPE },
	{ "account_out_of_scope: another login user", t_unchanged, NULL, "vendor2", NULL, 0,
	  NHI_DENY_ACCOUNT_OUT_OF_SCOPE },

	/* host_out_of_scope: no hosts entry matches this host (or hosts missing) */
	{ "host_out_of_scope: hosts missing", t_hosts_missing, NULL, NULL, NULL, 0,
	  NHI_DENY_HOST_OUT_OF_SCOPE },
	{ "host_out_of_scope: hosts empty", t_hosts_empty, NULL, NULL, NULL, 0,
	  NHI_DENY_HOST_OUT_OF_SCOPE },
	{ "host_out_of_scope: glob miss", t_unchanged, NULL, NULL, "jump2.example.com", 0,
	  NHI_DENY_HOST_OUT_OF_SCOPE },
	{ "host_out_of_scope: *.db.example.com vs db.example.com", t_hosts_db_glob_only,
	  NULL, NULL, "db.example.com", 0, NHI_DENY_HOST_OUT_OF_SCOPE },
	{ "host_out_of_scope: a short name is not the FQDN", t_unchanged, NULL, NULL, "jump1",
	  0, NHI_DENY_HOST_OUT_OF_SCOPE },
	{ "host_out_of_scope: a suffix is not a match", t_unchanged, NULL, NULL,
	  "jump1.example.com.evil.org", 0, NHI_DENY_HOST_OUT_OF_SCOPE },
	{ "granted: host match is case-insensitive (ticket)", t_hosts_upper, NULL, NULL, NULL, 0,
	  NHI_GRANT },
	{ "granted: host match is case-insensitive (host)", t_unchanged, NULL, NULL,
	  "Jump1.Example.COM", 0, NHI_GRANT },
	{ "granted: host glob *", t_hosts_star, NULL, NULL, "anything.example.org", 0, NHI_GRANT },
	{ "granted: host glob [0-9]", t_hosts_class, NULL, NULL, "jump7.example.com", 0,
	  NHI_GRANT },

	/* no_time_limit: not_after missing */
	{ "no_time_limit: not_after missing", t_no_not_after, NULL, NULL, NULL, 0,
	  NHI_DENY_NO_TIME_LIMIT },
	{ "no_time_limit: no window at all", t_no_window, NULL, NULL, NULL, 0,
	  NHI_DENY_NO_TIME_LIMIT },

	/* not_yet_valid: now < not_before - clock_skew */
	{ "granted: exactly at not_before - clock_skew", t_unchanged, NULL, NULL, NULL, T0 - 60,
	  NHI_GRANT },
	{ "not_yet_valid: one second before not_before - clock_skew", t_unchanged, NULL, NULL,
	  NULL, T0 - 61, NHI_DENY_NOT_YET_VALID },
	{ "not_yet_valid: a day early", t_unchanged, NULL, NULL, NULL, T0 - 86400,
	  NHI_DENY_NOT_YET_VALID },
	{ "not_yet_valid: clock_skew 0, one second early", t_unchanged, c_skew_0, NULL, NULL,
	  T0 - 1, NHI_DENY_NOT_YET_VALID },
	{ "granted: clock_skew 0, at not_before", t_unchanged, c_skew_0, NULL, NULL, T0,
	  NHI_GRANT },
	{ "granted: clock_skew 5m, 5m early", t_unchanged, c_skew_5m, NULL, NULL, T0 - 300,
	  NHI_GRANT },

	/* expired: now >= not_after; skew is not added to the end */
	{ "expired: now == not_after", t_unchanged, NULL, NULL, NULL, T1, NHI_DENY_EXPIRED },
	{ "granted: one second before not_after", t_unchanged, NULL, NULL, NULL, T1 - 1,
	  NHI_GRANT },
	{ "expired: within clock_skew after not_after", t_unchanged, c_skew_5m, NULL, NULL,
	  T1 + 30, NHI_DENY_EXPIRED },
	{ "expired: long ago", t_unchanged, NULL, NULL, NULL, T1 + 86400, NHI_DENY_EXPIRED },
	{ "expired: an empty window, at its start", t_window_empty, NULL, NULL, NULL, T0,
	  NHI_DENY_EXPIRED },

	/* window_too_long: not_after - not_before > max_window */
	{ "granted: window exactly max_window", t_window_8h, NULL, NULL, NULL, 0, NHI_GRANT },
	{ "window_too_long: max_window + 1s", t_window_8h_1s, NULL, NULL, NULL, 0,
	  NHI_DENY_WINDOW_TOO_LONG },
	{ "window_too_long: 30 days", t_window_30d, NULL, NULL, NULL, 0,
	  NHI_DENY_WINDOW_TOO_LONG },
	{ "granted: 30 days with max_window 31d", t_window_30d, c_max_window_31d, NULL, NULL, 0,
	  NHI_GRANT },
	{ "window_too_long: 2h window, max_window 1h", t_unchanged, c_max_window_1h, NULL, NULL,
	  0, NHI_DENY_WINDOW_TOO_LONG },
	{ "window_too_long: missing not_before counts from now", t_open_start_8h_1s, NULL, NULL,
	  NULL, 0, NHI_DENY_WINDOW_TOO_LONG },
	{ "granted: missing not_before, max_window from now", t_open_start_8h, NULL, NULL, NULL,
	  0, NHI_GRANT },
	{ "granted: missing not_before, 2h from now", t_open_start_2h, NULL, NULL, NULL, 0,
	  NHI_GRANT },
	{ "window_too_long: missing not_before, 2h from now, max_window 1h", t_open_start_2h,
	  c_max_window_1h, NULL, NULL, 0, NHI_DENY_WINDOW_TOO_LONG },

	/* insufficient_approvals: fewer than min_approvers distinct approvers who
	 * are neither the requester nor the vendor (and allowed by approvers) */
	{ "granted: two approvers, min_approvers 2", t_approvers_alice_bob, c_min_approvers_2,
	  NULL, NULL, 0, NHI_GRANT },
	{ "granted: two approvers, min_approvers 1", t_approvers_alice_bob, NULL, NULL, NULL, 0,
	  NHI_GRANT },
	{ "insufficient_approvals: one approver, min_approvers 2", t_unchanged, c_min_approvers_2,
	  NULL, NULL, 0, NHI_DENY_INSUFFICIENT_APPROVALS },
	{ "insufficient_approvals: the same person twice but for case", t_approvers_alice_ALICE,
	  c_min_approvers_2, NULL, NULL, 0, NHI_DENY_INSUFFICIENT_APPROVALS },
	{ "insufficient_approvals: the requester does not count", t_approvers_alice_requester,
	  c_min_approvers_2, NULL, NULL, 0, NHI_DENY_INSUFFICIENT_APPROVALS },
	{ "insufficient_approvals: the vendor does not count", t_approvers_alice_vendor,
	  c_min_approvers_2, NULL, NULL, 0, NHI_DENY_INSUFFICIENT_APPROVALS },
	{ "insufficient_approvals: one not allowed by approvers", t_approvers_alice_dave,
	  c_min_2_bob_carol, NULL, NULL, 0, NHI_DENY_INSUFFICIENT_APPROVALS },
	{ "granted: a self-approval beside a valid one, min_approvers 1",
	  t_approvers_alice_requester, NULL, NULL, NULL, 0, NHI_GRANT },
	{ "self_approved: every approver is the requester or the vendor",
	  t_approvers_requester_vendor, NULL, NULL, NULL, 0, NHI_DENY_SELF_APPROVED },
	{ "expired before insufficient_approvals (rule order)", t_approvers_alice_bob_expired,
	  c_min_approvers_2, NULL, NULL, 0, NHI_DENY_EXPIRED },
};

static enum nhi_reason
decide_row(const struct row *r)
{
	struct nhi_conf c;
	struct nhi_ticket t;
	struct nhi_login l = {
		.user = r->user ? r->user : "vendor1",
		.service = "sshd",
		.rhost = "192.0.2.7",
		.host = r->host ? r->host : "jump1.example.com",
	};
	enum nhi_reason got;

	assert_int_equal(nhi_conf_init(&c), 0);
	(r->conf ? r->conf : c_default)(&c);
	example_ticket(&t);
	r->ticket(&t);
	got = nhi_decide(&c, &t, &l, r->now ? r->now : NOW, fake_member, NULL);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
	return got;
}

static void
test_decide_table(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum nhi_reason got = decide_row(&rows[i]);

		if (got != rows[i].expect) {
			print_error("  FAIL %s: got %s, expected %s\n", rows[i].name,
				    nhi_reason_name(got), nhi_reason_name(rows[i].expect));
			failed++;
		} else {
			print_message("  ok   %s\n", rows[i].name);
		}
	}
	assert_int_equal(failed, 0);
}

/* Every reason the policy can return has at least one row. */
static void
test_decide_table_covers_every_policy_reason(void **state)
{
	bool seen[NHI_REASON_MAX] = { false };

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		seen[rows[i].expect] = true;
	for (int r = NHI_DENY_NOT_APPROVED; r <= NHI_DENY_WINDOW_TOO_LONG; r++) {
		print_message("  %s\n", nhi_reason_name((enum nhi_reason)r));
		assert_true(seen[r]);
	}
	assert_true(seen[NHI_GRANT]);
}

/* ---- rule order ---------------------------------------------------------- */

static enum nhi_reason
decide(const struct nhi_conf *c, const struct nhi_ticket *t, const char *host, int64_t now)
{
	struct nhi_login l = { .user = "vendor1", .host = host };

	return nhi_decide(c, t, &l, now, fake_member, NULL);
}

/*
 * A ticket that breaks every rule, mended one rule at a time: each step
 * reveals the next rule in the order of the table of section 4.
 */
static void
test_rule_order_first_failure_wins(void **state)
{
	const char *host = "jump1.example.com";
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "approvers", "alice", NULL, 0), 0);
	memset(&t, 0, sizeof(t));
	set(&t.state, "draft");
	set(&t.requester, "acme-jdoe");
	set_list(&t.hosts, &t.has_hosts, "jump2.example.com");
	set_list(&t.accounts, &t.has_accounts, "vendor2");
	/* no approver, no window */
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_NOT_APPROVED);
	set(&t.state, "approved");
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_NO_APPROVER);
	set(&t.approver, "acme-jdoe");
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_SELF_APPROVED);
	set(&t.approver, "mallory");
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_APPROVER_NOT_ALLOWED);
	set(&t.approver, "alice");
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_ACCOUNT_OUT_OF_SCOPE);
	set_list(&t.accounts, &t.has_accounts, "vendor1");
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_HOST_OUT_OF_SCOPE);
	set_list(&t.hosts, &t.has_hosts, "jump1.example.com");
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_NO_TIME_LIMIT);
	/* a window that has not started and is too long */
	t.has_not_before = t.has_not_after = true;
	t.not_before = NOW + 3600;
	t.not_after = t.not_before + 9 * H;
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_NOT_YET_VALID);
	/* a window that has ended and is too long */
	t.not_before = NOW - 10 * H;
	t.not_after = NOW - 1;
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_EXPIRED);
	t.not_after = NOW + 1;
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_WINDOW_TOO_LONG);
	t.not_before = NOW - H;
	assert_int_equal(decide(&c, &t, host, NOW), NHI_GRANT);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

static void
test_rule_order_pairs(void **state)
{
	const char *host = "jump1.example.com";
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);

	/* not approved and expired: not_approved */
	example_ticket(&t);
	set(&t.state, "rejected");
	assert_int_equal(decide(&c, &t, host, T1 + 1), NHI_DENY_NOT_APPROVED);
	nhi_ticket_free(&t);

	/* self-approved and out of scope: self_approved */
	example_ticket(&t);
	set(&t.approver, "vendor1");
	assert_int_equal(decide(&c, &t, "elsewhere.example.org", NOW), NHI_DENY_SELF_APPROVED);
	nhi_ticket_free(&t);

	/* account and host out of scope: account_out_of_scope */
	example_ticket(&t);
	set_list(&t.accounts, &t.has_accounts, "root");
	assert_int_equal(decide(&c, &t, "elsewhere.example.org", NOW),
			 NHI_DENY_ACCOUNT_OUT_OF_SCOPE);
	nhi_ticket_free(&t);

	/* host out of scope and expired: host_out_of_scope */
	example_ticket(&t);
	assert_int_equal(decide(&c, &t, "elsewhere.example.org", T1), NHI_DENY_HOST_OUT_OF_SCOPE);
	nhi_ticket_free(&t);

	/* no approver and no end: no_approver */
	example_ticket(&t);
	set(&t.approver, NULL);
	t.has_not_after = false;
	assert_int_equal(decide(&c, &t, host, NOW), NHI_DENY_NO_APPROVER);
	nhi_ticket_free(&t);

	nhi_conf_free(&c);
}

/* The policy is pure: the same inputs give the same verdict, the ticket and
 * the conf are not changed, and member() is asked only for @groups. */
static void
test_decide_pure_member_only_for_groups(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;
	struct nhi_login l = { .user = "vendor1", .host = "jump1.example.com" };

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	example_ticket(&t);
	member_calls = 0;
	assert_int_equal(nhi_decide(&c, &t, &l, NOW, fake_member, NULL), NHI_GRANT);
	assert_int_equal(nhi_decide(&c, &t, &l, NOW, fake_member, NULL), NHI_GRANT);
	assert_int_equal(member_calls, 0);
	/* names only: still no group lookups */
	assert_int_equal(nhi_conf_set(&c, "approvers", "bob alice", NULL, 0), 0);
	assert_int_equal(nhi_decide(&c, &t, &l, NOW, fake_member, NULL), NHI_GRANT);
	assert_int_equal(member_calls, 0);
	/* a group: asked */
	assert_int_equal(nhi_conf_set(&c, "approvers", "@secops", NULL, 0), 0);
	set(&t.approver, "dave");
	assert_int_equal(nhi_decide(&c, &t, &l, NOW, fake_member, NULL), NHI_GRANT);
	assert_true(member_calls > 0);
	/* without a member() callback nobody is in any group */
	assert_int_equal(nhi_decide(&c, &t, &l, NOW, NULL, NULL), NHI_DENY_APPROVER_NOT_ALLOWED);
	assert_string_equal(t.approver, "dave");
	assert_int_equal(t.not_after, T1);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

static void
test_matches_host_and_has_account(void **state)
{
	struct nhi_ticket t;

	(void)state;
	example_ticket(&t);
	assert_true(nhi_ticket_matches_host(&t, "jump1.example.com"));
	assert_true(nhi_ticket_matches_host(&t, "a.db.example.com"));
	assert_false(nhi_ticket_matches_host(&t, "db.example.com"));
	assert_false(nhi_ticket_matches_host(&t, NULL));
	assert_true(nhi_ticket_has_account(&t, "vendor1"));
	assert_false(nhi_ticket_has_account(&t, "vendor"));
	assert_false(nhi_ticket_has_account(&t, NULL));
	t_hosts_missing(&t);
	t_accounts_missing(&t);
	assert_false(nhi_ticket_matches_host(&t, "jump1.example.com"));
	assert_false(nhi_ticket_has_account(&t, "vendor1"));
	nhi_ticket_free(&t);
}

/* ---- reason codes: the names of design.md section 4 ---------------------- */

/* The table of section 4, in its order, and "granted". */
static const char *const section4[] = {
	"no_ticket", "bad_ticket_id", "not_found", "backend_error", "malformed",
	"not_approved", "no_approver", "self_approved", "approver_not_allowed",
	"account_out_of_scope", "host_out_of_scope", "no_time_limit", "not_yet_valid",
	"expired", "window_too_long", "insufficient_approvals", "unsigned", "bad_signature",
	"recording_unavailable", "audit_unavailable", "config_error",
};

static void
test_reason_names_are_section_4(void **state)
{
	(void)state;
	assert_int_equal(sizeof(section4) / sizeof(section4[0]), 21);
	assert_int_equal(NHI_REASON_MAX, 22);
	assert_string_equal(nhi_reason_name(NHI_GRANT), "granted");
	/* in rule order: the enum order is the table order */
	for (int i = 0; i < 21; i++)
		assert_string_equal(nhi_reason_name((enum nhi_reason)(i + 1)), section4[i]);
	assert_string_equal(nhi_reason_name(NHI_DENY_EXPIRED), "expired");
	assert_string_equal(nhi_reason_name(NHI_DENY_CONFIG_ERROR), "config_error");
	assert_null(nhi_reason_name(NHI_REASON_MAX));
	assert_null(nhi_reason_name((enum nhi_reason)-1));
}

static void
test_reason_from_name_round_trip(void **state)
{
	enum nhi_reason r;

	(void)state;
	for (int i = 0; i < NHI_REASON_MAX; i++) {
		r = NHI_REASON_MAX;
		assert_int_equal(nhi_reason_from_name(nhi_reason_name((enum nhi_reason)i), &r), 0);
		assert_int_equal(r, i);
	}
	for (int i = 0; i < 20; i++) {
		assert_int_equal(nhi_reason_from_name(section4[i], &r), 0);
		assert_int_equal(r, i + 1);
	}
	r = NHI_GRANT;
	assert_int_equal(nhi_reason_from_name("Expired", &r), -EINVAL);
	assert_int_equal(nhi_reason_from_name("expired ", &r), -EINVAL);
	assert_int_equal(nhi_reason_from_name("grant", &r), -EINVAL);
	assert_int_equal(nhi_reason_from_name("", &r), -EINVAL);
	assert_int_equal(nhi_reason_from_name(NULL, &r), -EINVAL);
	assert_int_equal(r, NHI_GRANT);         /* untouched */
}

static void
test_reason_text_one_sentence_each(void **state)
{
	(void)state;
	for (int i = 0; i < NHI_REASON_MAX; i++) {
		const char *text = nhi_reason_text((enum nhi_reason)i);

		assert_non_null(text);
		print_message("  %-22s %s\n", nhi_reason_name((enum nhi_reason)i), text);
		assert_true(strlen(text) > 5);
		assert_null(strchr(text, '\n'));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(text, nhi_reason_text((enum nhi_reason)j));
	}
	assert_null(nhi_reason_text(NHI_REASON_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_decide_table_covers_every_policy_reason),
		cmocka_unit_test(test_rule_order_first_failure_wins),
		cmocka_unit_test(test_rule_order_pairs),
		cmocka_unit_test(test_decide_pure_member_only_for_groups),
		cmocka_unit_test(test_matches_host_and_has_account),
		cmocka_unit_test(test_reason_names_are_section_4),
		cmocka_unit_test(test_reason_from_name_round_trip),
		cmocka_unit_test(test_reason_text_one_sentence_each),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
