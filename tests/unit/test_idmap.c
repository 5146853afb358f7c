/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * identity_map (lib/idmap.c): ticket-system identities compared as the
 * local names they stand for.  The attacks of the Jira Cloud row of the
 * issue: a ticket approved by the vendor's own Atlassian account, or by
 * its requester under another spelling of the same identity, must be seen
 * as self-approved; an identity nobody mapped must not count.
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
#include "idmap.h"

static char dir[] = "/tmp/nhi-idmap-XXXXXX";
static char path[600];

#define ALICE_ID "557058:f581aaaa-0000-4000-8000-000000000001"
#define VENDOR_ID "557058:0b0b0b0b-0000-4000-8000-00000000000v"
#define JDOE_ID "557058:dddddddd-0000-4000-8000-00000000000d"

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/identities", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# Atlassian accountIds and e-mail addresses\n"
		"%s alice\n%s vendor1   # the vendor's own account\n"
		"carol@example.com carol\n\n", ALICE_ID, VENDOR_ID);
	fclose(f);
	return chmod(path, 0644);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
conf_with_map(struct nhi_conf *c, const char *map)
{
	assert_int_equal(nhi_conf_init(c), 0);
	c->check_perms = false;
	if (map != NULL)
		assert_int_equal(nhi_conf_set(c, "identity_map", map, NULL, 0), 0);
}

/* A ticket as the field map makes it: approvers as a list. */
static void
ticket_by(struct nhi_ticket *t, const char *approvers, const char *requester)
{
	memset(t, 0, sizeof(*t));
	t->id = strdup("ACME-1");
	t->state = strdup("approved");
	t->requester = requester ? strdup(requester) : NULL;
	t->approver = strdup(approvers);
	assert_int_equal(nhi_strv_split(&t->approvers, approvers), 0);
	assert_int_equal(nhi_strv_split(&t->hosts, "jump1.example.com"), 0);
	assert_int_equal(nhi_strv_split(&t->accounts, "vendor1"), 0);
	t->has_hosts = t->has_accounts = true;
	t->has_not_before = t->has_not_after = true;
	t->not_before = 1000;
	t->not_after = 1000 + 3600;
}

static enum nhi_reason
decide(const struct nhi_conf *c, struct nhi_ticket *t)
{
	const struct nhi_login l = { "vendor1", "sshd", NULL, "jump1.example.com" };
	char err[256] = "";
	int r = nhi_idmap_apply(c, t, err, sizeof(err));

	assert_int_equal(r, 0);
	return nhi_decide(c, t, &l, 1500, NULL, NULL);
}

static void
test_no_map_changes_nothing(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	conf_with_map(&c, NULL);
	ticket_by(&t, ALICE_ID, JDOE_ID);
	assert_int_equal(nhi_idmap_apply(&c, &t, NULL, 0), 0);
	assert_string_equal(t.approvers.v[0], ALICE_ID);
	assert_int_equal(t.approver_ids.n, 0);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

static void
test_mapped_approver_shown_with_its_id(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	conf_with_map(&c, path);
	ticket_by(&t, ALICE_ID, JDOE_ID);
	assert_int_equal(decide(&c, &t), NHI_GRANT);
	assert_string_equal(t.approvers.v[0], "alice");
	assert_string_equal(t.approver_ids.v[0], ALICE_ID);
	assert_string_equal(t.approver, "alice (" ALICE_ID ")");
	assert_string_equal(t.requester, JDOE_ID);     /* not in the map: as it came */
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

/* The vendor's own Atlassian account approved the ticket. */
static void
test_vendor_account_is_self_approval(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	conf_with_map(&c, path);
	ticket_by(&t, VENDOR_ID, JDOE_ID);
	assert_int_equal(decide(&c, &t), NHI_DENY_SELF_APPROVED);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

/* The requester is an identity nobody mapped, but the same one approved. */
static void
test_requester_unmapped_but_approver_is_self_approval(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	conf_with_map(&c, path);
	ticket_by(&t, ALICE_ID, ALICE_ID);
	assert_int_equal(decide(&c, &t), NHI_DENY_SELF_APPROVED);
	assert_string_equal(t.requester, "alice");
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

/* An identity nobody vouches for does not approve. */
static void
test_unmapped_approver_named(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	conf_with_map(&c, path);
	ticket_by(&t, JDOE_ID, NULL);
	assert_int_equal(nhi_idmap_apply(&c, &t, err, sizeof(err)), -ENOKEY);
	assert_non_null(strstr(err, "approver " JDOE_ID " is not in identity_map"));
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

static void
test_unusable_map_is_a_configuration_error(void **state)
{
	char bad[700];
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[256] = "";
	FILE *f;

	(void)state;
	conf_with_map(&c, "/nonexistent/identities");
	ticket_by(&t, ALICE_ID, NULL);
	assert_int_equal(nhi_idmap_apply(&c, &t, err, sizeof(err)), -EPERM);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	assert_non_null(f = fopen(bad, "w"));
	fprintf(f, "%s alice bob\n", ALICE_ID);
	fclose(f);
	conf_with_map(&c, bad);
	ticket_by(&t, ALICE_ID, NULL);
	assert_int_equal(nhi_idmap_apply(&c, &t, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not 'EXTERNAL LOCAL'"));
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
	if (geteuid() != 0)
		return;
	/* writable by others: whoever can write it chooses who approves */
	assert_int_equal(chmod(path, 0666), 0);
	conf_with_map(&c, path);
	c.check_perms = true;
	ticket_by(&t, ALICE_ID, NULL);
	assert_int_equal(nhi_idmap_apply(&c, &t, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(path, 0644), 0);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_map_changes_nothing),
		cmocka_unit_test(test_mapped_approver_shown_with_its_id),
		cmocka_unit_test(test_vendor_account_is_self_approval),
		cmocka_unit_test(test_requester_unmapped_but_approver_is_self_approval),
		cmocka_unit_test(test_unmapped_approver_named),
		cmocka_unit_test(test_unusable_map_is_a_configuration_error),
	};

	return cmocka_run_group_tests_name("idmap", tests, setup, teardown);
}
