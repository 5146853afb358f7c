/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_fieldmap: bytes -> nhi_json_parse -> nhi_fieldmap_apply (libjq)
 * through the field expressions of the shipped ServiceNow, Jira Cloud and
 * Zendesk examples, the document standing for both the ticket and its
 * approvals answer -> nhi_ticket_from_native -> nhi_decide.  Invariants:
 * only -EBADMSG (or -ENOMEM) on failure, with a terminal-safe, bounded err
 * that names a field or the program; a mapped ticket keeps its bounds
 * (valid id, ordered window in 1970..9999, bounded lists); approvers are
 * non-empty strings; a grant is granted to an approved state.
 */
#include <errno.h>

#include <jansson.h>

#include "fuzz.h"
#include "fieldmap.h"

#define NOW   INT64_C(1795340000)       /* 2026-11-22T09:33:20Z */
#define NMAPS 3

static struct nhi_conf confs[NMAPS];
static struct nhi_fieldmap *maps[NMAPS];
static const struct nhi_login login = { "vendor1", "sshd", "192.0.2.7", "jump1.example.com" };

/* The compiled maps live as long as the process; freed at its end so that
 * the leak check at exit sees only what a run lost. */
static void
free_maps(void)
{
	for (int i = 0; i < NMAPS; i++) {
		nhi_fieldmap_free(maps[i]);
		nhi_conf_free(&confs[i]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	(void)argc, (void)argv;
	for (int i = 0; i < NMAPS; i++) {
		if (nhi_conf_init(&confs[i]) < 0)
			abort();
		confs[i].check_perms = false;
		fuzz_set(&confs[i], "backend", "http");
		fuzz_set(&confs[i], "url", "https://t.example/{id}");
		fuzz_set(&confs[i], "host", "jump1.example.com");
		fuzz_set(&confs[i], "time_zone", i == 1 ? "Europe/Berlin" : "UTC");
		fuzz_set(&confs[i], "max_window", "25h");
	}
	/* conf/examples/servicenow.conf */
	fuzz_set(&confs[0], "approvals_url", "https://t.example/a?q={/sys_id}");
	fuzz_set(&confs[0], "field_id", "/number");
	fuzz_set(&confs[0], "field_state", "\"\\(.approval) \\(.state)\"");
	fuzz_set(&confs[0], "approved_states", "\"approved -2\" \"approved -1\"");
	fuzz_set(&confs[0], "field_requester", "/requested_by.user_name");
	fuzz_set(&confs[0], "field_approver",
	    "[.result[] | select(.state == \"approved\") | .\"approver.user_name\"]");
	fuzz_set(&confs[0], "field_hosts", "/u_hosts");
	fuzz_set(&confs[0], "field_accounts", "/u_accounts");
	fuzz_set(&confs[0], "field_not_before", "/start_date");
	fuzz_set(&confs[0], "field_not_after", "/end_date");
	/* conf/examples/jira-cloud.conf */
	fuzz_set(&confs[1], "approvals_url", "https://t.example/{id}/approval");
	fuzz_set(&confs[1], "field_id", "/key");
	fuzz_set(&confs[1], "field_state", "/fields/status/name");
	fuzz_set(&confs[1], "field_requester", "/fields/reporter/accountId");
	fuzz_set(&confs[1], "field_approver", "[.values[] | select(.finalDecision != \"declined\") | "
	    ".approvers[] | select(.approverDecision == \"approved\") | .approver.accountId]");
	fuzz_set(&confs[1], "field_hosts", "[.fields.customfield_10062[]?.value]");
	fuzz_set(&confs[1], "field_accounts", "/fields/customfield_10063");
	fuzz_set(&confs[1], "field_not_before", "/fields/customfield_10064");
	fuzz_set(&confs[1], "field_not_after", "/fields/customfield_10065");
	/* conf/examples/zendesk.conf */
	fuzz_set(&confs[2], "field_id", "/ticket/id");
	fuzz_set(&confs[2], "field_state", ".ticket.custom_fields[] | select(.id == 360002) | .value");
	fuzz_set(&confs[2], "field_requester", "/ticket/requester_id");
	fuzz_set(&confs[2], "field_approver", ".ticket.custom_fields[] | select(.id == 360001) | .value");
	fuzz_set(&confs[2], "field_hosts", ".ticket.custom_fields[] | select(.id == 360003) | .value");
	fuzz_set(&confs[2], "field_accounts", ".ticket.custom_fields[] | select(.id == 360004) | .value");
	fuzz_set(&confs[2], "field_not_before", ".ticket.custom_fields[] | select(.id == 360005) | .value");
	fuzz_set(&confs[2], "field_not_after", ".ticket.custom_fields[] | select(.id == 360006) | .value");
	fuzz_set(&confs[2], "approved_states", "access_approved");
	for (int i = 0; i < NMAPS; i++) {
		if (nhi_fieldmap_new(&confs[i], &maps[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_fieldmap: map %d: %s\n", i, err);
			abort();
		}
	}
	atexit(free_maps);
	return 0;
}

static void
one_map(int i, json_t *doc)
{
	const struct nhi_conf *c = &confs[i];
	struct nhi_ticket t;
	json_t *native = NULL;
	char err[512];
	int r;

	memset(err, 'x', sizeof(err));
	r = nhi_fieldmap_apply(maps[i], doc, c->approvals_url ? doc : NULL, &native, err,
			       sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (r < 0) {
		CHECK(r == -EBADMSG || r == -ENOMEM);
		CHECK(native == NULL);
		CHECK(fuzz_terminal_safe(err));
		CHECK(strstr(err, "field_") != NULL || strstr(err, "field expressions") != NULL ||
		      strstr(err, "jq") != NULL);
		return;
	}
	CHECK(json_is_object(native));
	memset(err, 'x', sizeof(err));
	r = nhi_ticket_from_native(c, native, NULL, &t, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	CHECK(t.id == NULL || nhi_ticket_id_valid(t.id));
	if (r == 0) {
		enum nhi_reason why;

		CHECK(fuzz_strv_ok(&t.hosts) && fuzz_strv_ok(&t.accounts) && fuzz_strv_ok(&t.approvers));
		for (size_t k = 0; k < t.approvers.n; k++)
			CHECK(t.approvers.v[k] != NULL);
		if (t.has_not_before)
			CHECK(t.not_before >= 0 && t.not_before <= FUZZ_TIME_MAX);
		if (t.has_not_after)
			CHECK(t.not_after >= 0 && t.not_after <= FUZZ_TIME_MAX);
		if (t.has_not_before && t.has_not_after)
			CHECK(t.not_before <= t.not_after);
		why = nhi_decide(c, &t, &login, NOW, NULL, NULL);
		CHECK(why < NHI_REASON_MAX);
		if (why == NHI_GRANT)
			CHECK(t.state != NULL && nhi_strv_contains(&c->approved_states, t.state) &&
			      t.has_not_after && NOW < t.not_after);
	} else {
		CHECK(r == -EBADMSG || r == -ENOMEM);
	}
	nhi_ticket_free(&t);
	json_decref(native);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = NULL;

	if (size > NHI_TICKET_MAX ||
	    nhi_json_parse((const char *)data, size, &doc, NULL, 0) < 0)
		return 0;
	for (int i = 0; i < NMAPS; i++)
		one_map(i, doc);
	json_decref(doc);
	return 0;
}
