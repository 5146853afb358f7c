/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_ticket: bytes -> nhi_json_parse -> nhi_ticket_from_json through three
 * field maps (the native shape, a ServiceNow-like and a Jira-like map with
 * array indices and ~0/~1 escapes) -> nhi_decide at a fixed login and time
 * -> nhi_result_message.  Invariants: a mapped ticket keeps its bounds (valid
 * id, ordered window, times in 1970..9999, bounded lists); a failed map
 * leaves nothing but a valid id; a grant satisfies every rule of design.md
 * section 4 (restated here independently of policy.c); the line for the
 * vendor holds no raw control characters.
 */
#include <errno.h>
#include <strings.h>

#include "fuzz.h"

#define NOW   INT64_C(1795340000)       /* 2026-11-22T09:33:20Z */
#define NMAPS 3

static struct nhi_conf maps[NMAPS];
static const struct nhi_login login = { "vendor1", "sshd", "192.0.2.7", "jump1.example.com" };

/* "@cab" has one member: carol.  No NSS in the loop. */
static bool
member(const char *user, const char *group, void *ud)
{
	(void)ud;
	return strcmp(group, "cab") == 0 && strcmp(user, "carol") == 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	for (int i = 0; i < NMAPS; i++) {
		if (nhi_conf_init(&maps[i]) < 0)
			abort();
		maps[i].check_perms = false;
		fuzz_set(&maps[i], "host", "jump1.example.com");
	}
	/* ServiceNow Table API: {"result": [ { ... } ]} */
	fuzz_set(&maps[1], "field_id", "/result/0/number");
	fuzz_set(&maps[1], "field_state", "/result/0/approval");
	fuzz_set(&maps[1], "field_requester", "/result/0/requested_by/display_value");
	fuzz_set(&maps[1], "field_approver", "/result/0/u_approver/display_value");
	fuzz_set(&maps[1], "field_hosts", "/result/0/u_hosts");
	fuzz_set(&maps[1], "field_accounts", "/result/0/u_accounts");
	fuzz_set(&maps[1], "field_not_before", "/result/0/start_date");
	fuzz_set(&maps[1], "field_not_after", "/result/0/end_date");
	fuzz_set(&maps[1], "field_purpose", "/result/0/short_description");
	fuzz_set(&maps[1], "approved_states", "approved Approved implement");
	fuzz_set(&maps[1], "approvers", "alice bob @cab");
	fuzz_set(&maps[1], "max_window", "1d");
	/* Jira REST: {"key": ..., "fields": {...}}; escapes in pointers */
	fuzz_set(&maps[2], "field_id", "/key");
	fuzz_set(&maps[2], "field_state", "/fields/status/name");
	fuzz_set(&maps[2], "field_requester", "/fields/reporter/name");
	fuzz_set(&maps[2], "field_approver", "/fields/customfield_10100/0/name");
	fuzz_set(&maps[2], "field_hosts", "/fields/customfield_10200");
	fuzz_set(&maps[2], "field_accounts", "/fields/customfield_10201");
	fuzz_set(&maps[2], "field_not_before", "/fields/window~1start");
	fuzz_set(&maps[2], "field_not_after", "/fields/window~1end");
	fuzz_set(&maps[2], "field_purpose", "/fields/sum~0mary");
	fuzz_set(&maps[2], "approved_states", "Approved");
	fuzz_set(&maps[2], "clock_skew", "0");
	fuzz_set(&maps[2], "max_window", "2h");
	return 0;
}

static bool
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
}

/* design.md section 4, restated: every rule a grant must have passed. */
static void
check_grant(const struct nhi_conf *c, const struct nhi_ticket *t)
{
	int64_t start = t->has_not_before ? t->not_before : NOW;
	bool allowed = c->approvers.n == 0;

	CHECK(t->state != NULL && nhi_strv_contains(&c->approved_states, t->state));
	CHECK(!blank(t->approver));
	CHECK(t->requester == NULL || strcasecmp(t->approver, t->requester) != 0);
	CHECK(strcasecmp(t->approver, login.user) != 0);
	for (size_t i = 0; i < c->approvers.n; i++) {
		const char *a = c->approvers.v[i];
		if (a[0] == '@' ? member(t->approver, a + 1, NULL) : strcmp(a, t->approver) == 0)
			allowed = true;
	}
	CHECK(allowed);
	CHECK(t->has_accounts && nhi_strv_contains(&t->accounts, login.user));
	CHECK(t->has_hosts && nhi_ticket_matches_host(t, login.host));
	CHECK(t->has_not_after && NOW < t->not_after);
	CHECK(!t->has_not_before || NOW >= t->not_before - c->clock_skew);
	CHECK(t->not_after - start <= c->max_window);
}

static void
one_map(const struct nhi_conf *c, json_t *doc, const char *fallback)
{
	struct nhi_result res;
	struct nhi_ticket t;
	enum nhi_reason why;
	char err[256], line[768];
	int r;

	memset(err, 'x', sizeof(err));
	r = nhi_ticket_from_json(c, doc, fallback, &t, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	CHECK(t.id == NULL || nhi_ticket_id_valid(t.id));
	if (r < 0) {
		CHECK(r == -EBADMSG || r == -ENOMEM);
		/* only the id survives a failed map */
		CHECK(t.state == NULL && t.requester == NULL && t.approver == NULL &&
		      t.purpose == NULL && t.hosts.n == 0 && t.accounts.n == 0 &&
		      !t.has_hosts && !t.has_accounts && !t.has_not_before && !t.has_not_after);
		why = NHI_DENY_MALFORMED;
	} else {
		CHECK(fuzz_strv_ok(&t.hosts) && fuzz_strv_ok(&t.accounts));
		CHECK(t.has_hosts || t.hosts.n == 0);
		CHECK(t.has_accounts || t.accounts.n == 0);
		if (t.has_not_before)
			CHECK(t.not_before >= 0 && t.not_before <= FUZZ_TIME_MAX);
		if (t.has_not_after)
			CHECK(t.not_after >= 0 && t.not_after <= FUZZ_TIME_MAX);
		if (t.has_not_before && t.has_not_after)
			CHECK(t.not_before <= t.not_after);
		why = nhi_decide(c, &t, &login, NOW, member, NULL);
		CHECK(why < NHI_REASON_MAX);
		CHECK(why != NHI_DENY_NO_TICKET && why != NHI_DENY_BAD_TICKET_ID &&
		      why != NHI_DENY_NOT_FOUND && why != NHI_DENY_BACKEND_ERROR &&
		      why != NHI_DENY_MALFORMED && why != NHI_DENY_AUDIT_UNAVAILABLE &&
		      why != NHI_DENY_CONFIG_ERROR);
		if (why == NHI_GRANT)
			check_grant(c, &t);
	}
	/* what the vendor is shown */
	memset(&res, 0, sizeof(res));
	res.reason = why;
	res.ticket = t;
	res.now = NOW;
	nhi_result_message(&res, line, sizeof(line));
	CHECK(strlen(line) < sizeof(line));
	CHECK(fuzz_terminal_safe(line));
	nhi_ticket_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = NULL;
	char err[256];

	memset(err, 'x', sizeof(err));
	if (nhi_json_parse((const char *)data, size, &doc, err, sizeof(err)) < 0) {
		CHECK(doc == NULL);
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	CHECK(doc != NULL);
	one_map(&maps[0], doc, NULL);
	one_map(&maps[1], doc, "CHG0030002");
	one_map(&maps[2], doc, NULL);
	json_decref(doc);
	return 0;
}
