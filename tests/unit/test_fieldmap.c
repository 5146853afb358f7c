/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http backend's field map (lib/fieldmap.c): JSON Pointers and jq
 * expressions into the native shape, then read by the gate's
 * nhi_ticket_from_native.  Table tests of what expressions yield (none,
 * one, several values; for list fields and for the others), of errors
 * naming their field, and the attacks: an expression yielding an object
 * where a string is needed, a ~/.jq that redefines select (su keeps the
 * caller's HOME), an import, an expression that runs into the next one.
 */
#include <errno.h>
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
#include <jansson.h>

#include "nhi.h"
#include "fieldmap.h"

/* A configuration for the http backend with the field lines given
 * ("field_x = value", NULL-terminated). */
static void
conf_with(struct nhi_conf *c, ...)
{
	const char *line;
	va_list ap;

	assert_int_equal(nhi_conf_init(c), 0);
	c->check_perms = false;
	assert_int_equal(nhi_conf_set(c, "backend", "http", NULL, 0), 0);
	assert_int_equal(nhi_conf_set(c, "url", "https://t.example/{id}", NULL, 0), 0);
	va_start(ap, c);
	while ((line = va_arg(ap, const char *)) != NULL) {
		char key[64], err[256] = "";
		const char *eq = strstr(line, " = ");

		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - line), line);
		if (nhi_conf_set(c, key, eq + 3, err, sizeof(err)) != 0)
			fail_msg("%s: %s", line, err);
	}
	va_end(ap);
}

static json_t *
parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("test JSON: %s", e.text);
	return j;
}

/* Maps doc (and approvals, may be NULL) through c into t; the result of
 * nhi_fieldmap_apply, or of nhi_ticket_from_native after it. */
static int
map(const struct nhi_conf *c, const char *doc, const char *approvals, struct nhi_ticket *t,
    char *err, size_t errsz)
{
	struct nhi_fieldmap *m = NULL;
	json_t *d = parse(doc), *a = approvals ? parse(approvals) : NULL, *native = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	err[0] = '\0';
	assert_int_equal(nhi_fieldmap_new(c, &m, err, errsz), 0);
	r = nhi_fieldmap_apply(m, d, a, &native, err, errsz);
	if (r == 0)
		r = nhi_ticket_from_native(c, native, NULL, t, err, errsz);
	json_decref(native);
	json_decref(d);
	json_decref(a);
	nhi_fieldmap_free(m);
	return r;
}

#define JSM_DOC \
	"{\"key\": \"VA-12\", \"fields\": {\"status\": {\"name\": \"Waiting for support\"}," \
	" \"reporter\": {\"accountId\": \"557058:v\"}," \
	" \"hosts\": [{\"value\": \"jump1.example.com\", \"id\": \"10021\"}," \
	"             {\"value\": \"jump2.example.com\", \"id\": \"10022\"}]," \
	" \"from\": \"2026-12-01\", \"until\": \"2026-12-01\"}}"
#define JSM_APPROVALS \
	"{\"values\": [{\"finalDecision\": \"pending\", \"approvers\": [" \
	" {\"approver\": {\"accountId\": \"a-alice\"}, \"approverDecision\": \"approved\"}," \
	" {\"approver\": {\"accountId\": \"a-bob\"}, \"approverDecision\": \"pending\"}," \
	" {\"approver\": {\"accountId\": \"a-carol\"}, \"approverDecision\": \"approved\"}]}]}"
#define JSM_APPROVER "field_approver = [.values[] | .approvers[] | " \
	"select(.approverDecision == \"approved\") | .approver.accountId]"

/* Pointers and expressions side by side; a list by select, members of
 * objects, a date picker's whole day. */
static void
test_pointers_and_expressions(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[512];

	conf_with(&c, "field_id = /key", "field_state = .fields.status.name",
		  "field_requester = /fields/reporter/accountId",
		  "field_hosts = [.fields.hosts[].value]",
		  "field_not_before = /fields/from", "field_not_after = .fields.until",
		  "approvals_url = https://t.example/{id}/approval", JSM_APPROVER,
		  "time_zone = UTC", NULL);
	assert_int_equal(map(&c, JSM_DOC, JSM_APPROVALS, &t, err, sizeof(err)), 0);
	assert_string_equal(t.id, "VA-12");
	assert_string_equal(t.state, "Waiting for support");
	assert_string_equal(t.requester, "557058:v");
	assert_int_equal(t.approvers.n, 2);     /* bob is pending */
	assert_string_equal(t.approvers.v[0], "a-alice");
	assert_string_equal(t.approvers.v[1], "a-carol");
	assert_int_equal(t.hosts.n, 2);
	assert_string_equal(t.hosts.v[1], "jump2.example.com");
	assert_int_equal(t.not_before, 1796083200);     /* 2026-12-01T00:00Z */
	assert_int_equal(t.not_after, 1796083200 + 86400);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

/* What an expression yields, field by field. */
static void
test_yields(void **state)
{
	static const struct {
		const char *line;
		int r;
		const char *want;       /* the state, or a part of err */
	} cases[] = {
		{ "field_state = .s", 0, "open" },
		{ "field_state = .n | tostring", 0, "42" },
		{ "field_state = empty", 0, NULL },                     /* absent */
		{ "field_state = null", 0, NULL },
		{ "field_state = .missing", 0, NULL },
		{ "field_state = .s, .s", -EBADMSG, "yields 2 values; this field takes one" },
		{ "field_state = .o", -EBADMSG, "expected a string" },  /* an object */
		{ "field_state = .s | .x", -EBADMSG, "field_state (.s | .x): Cannot index string" },
		{ "field_state = error(\"custom\")", -EBADMSG, "custom" },
		{ "field_state = error({\"a\": 1})", -EBADMSG, "{\"a\":1}" },
		{ "field_state = .s | halt_error", -EBADMSG, "halt" },
		{ "field_state = input", -EBADMSG, "field_state" },
		{ "field_state = .s | debug", 0, "open" },
	};
	const char *doc = "{\"s\": \"open\", \"n\": 42, \"o\": {\"name\": \"x\"}}";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nhi_conf c;
		struct nhi_ticket t;
		char err[512];
		int r;

		conf_with(&c, cases[i].line, NULL);
		r = map(&c, doc, NULL, &t, err, sizeof(err));
		if (r != cases[i].r)
			fail_msg("%s: %d, want %d (%s)", cases[i].line, r, cases[i].r, err);
		if (r == 0 && cases[i].want == NULL && t.state != NULL)
			fail_msg("%s: state %s, want none", cases[i].line, t.state);
		if (r == 0 && cases[i].want != NULL &&
		    (t.state == NULL || strcmp(t.state, cases[i].want) != 0))
			fail_msg("%s: state %s, want %s", cases[i].line, t.state, cases[i].want);
		if (r < 0 && strstr(err, cases[i].want) == NULL)
			fail_msg("%s: err '%s' lacks '%s'", cases[i].line, err, cases[i].want);
		nhi_ticket_free(&t);
		nhi_conf_free(&c);
	}
}

/* Lists: several values are a list for hosts, accounts and approver; one
 * string of a list stays one string to split. */
static void
test_lists(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[512];

	conf_with(&c, "field_hosts = .h[]", "field_accounts = .a",
		  "field_approver = .p[] | select(.ok) | .n", NULL);
	assert_int_equal(map(&c, "{\"h\": [\"j1\", \"j2\", \"j3\"], \"a\": \"v1, v2\","
			     " \"p\": [{\"n\": \"alice\", \"ok\": true}, {\"n\": \"bob\"},"
			     " {\"n\": 7, \"ok\": true}]}", NULL, &t, err, sizeof(err)), 0);
	assert_int_equal(t.hosts.n, 3);
	assert_int_equal(t.accounts.n, 2);
	assert_string_equal(t.accounts.v[1], "v2");
	assert_int_equal(t.approvers.n, 2);
	assert_string_equal(t.approvers.v[1], "7");     /* a number, as its digits */
	nhi_ticket_free(&t);
	/* an array of objects where names are needed */
	assert_int_equal(map(&c, "{\"h\": [], \"a\": [{\"x\": 1}], \"p\": []}", NULL, &t, err,
			     sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "field_accounts (.a)"));
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

/* The approver expression reads the approvals answer and sees $ticket;
 * without approvals_url it reads the ticket. */
static void
test_approvals_and_ticket(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[512];

	conf_with(&c, "approvals_url = https://t.example/a/{/sys_id}",
		  "field_approver = [.result[] | select(.for == $ticket.sys_id) | .who]", NULL);
	assert_int_equal(map(&c, "{\"sys_id\": \"s1\"}", "{\"result\": [{\"for\": \"s1\", "
			     "\"who\": \"alice\"}, {\"for\": \"s2\", \"who\": \"mallory\"}]}",
			     &t, err, sizeof(err)), 0);
	assert_int_equal(t.approvers.n, 1);
	assert_string_equal(t.approvers.v[0], "alice");
	nhi_ticket_free(&t);
	nhi_conf_free(&c);

	conf_with(&c, "field_approver = .who", NULL);
	assert_int_equal(map(&c, "{\"who\": \"alice\"}", NULL, &t, err, sizeof(err)), 0);
	assert_string_equal(t.approver, "alice");
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

/* su runs the PAM stack with the caller's HOME: a ~/.jq that redefines
 * select must not turn a pending approver into an approval. */
static void
test_home_jq_is_not_read(void **state)
{
	char home[] = "/tmp/nhi-fieldmap-XXXXXX", path[600], err[512];
	const char *old = getenv("HOME");
	char *saved = old ? strdup(old) : NULL;
	struct nhi_conf c;
	struct nhi_ticket t;
	FILE *f;

	assert_non_null(mkdtemp(home));
	snprintf(path, sizeof(path), "%s/.jq", home);
	assert_non_null(f = fopen(path, "w"));
	fputs("def select(f): .;\n", f);
	fclose(f);
	setenv("HOME", home, 1);
	conf_with(&c, "approvals_url = https://t.example/{id}/approval", JSM_APPROVER, NULL);
	assert_int_equal(map(&c, JSM_DOC, JSM_APPROVALS, &t, err, sizeof(err)), 0);
	assert_int_equal(t.approvers.n, 2);     /* not 3: bob stays pending */
	assert_string_equal(getenv("HOME"), home);      /* put back */
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
	if (saved != NULL) {
		setenv("HOME", saved, 1);
		free(saved);
	} else {
		unsetenv("HOME");
	}
	unlink(path);
	rmdir(home);
}

/* check-config names the field that does not compile, or that would run
 * into the next one; the map refuses to start (a config error). */
static void
test_check_names_the_field(void **state)
{
	static const char *const bad[] = {
		"field_purpose = .a) , (.b",
		"field_purpose = .a | ",
		"field_purpose = import \"x\" as x; .a",
		"field_purpose = include \"x\"; .a",
		"field_purpose = $nope",
	};
	struct nhi_fieldmap *m = NULL;
	struct nhi_conf c;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf_with(&c, bad[i], NULL);
		err[0] = '\0';
		if (nhi_fieldmap_check(&c, err, sizeof(err)) != -EINVAL)
			fail_msg("%s: check-config accepts it", bad[i]);
		assert_non_null(strstr(err, "field_purpose"));
		nhi_conf_free(&c);
	}
	conf_with(&c, "field_purpose = .a | ", NULL);
	assert_int_equal(nhi_fieldmap_new(&c, &m, err, sizeof(err)), -EPERM);
	assert_null(m);
	nhi_conf_free(&c);
	conf_with(&c, JSM_APPROVER, "approvals_url = https://t.example/{id}/a",
		  "field_state = .fields.status.name", NULL);
	assert_int_equal(nhi_fieldmap_check(&c, err, sizeof(err)), 0);
	nhi_conf_free(&c);
}

/* The configuration: expressions need the http backend; approvals_url
 * placeholders are {id} or pointers. */
static void
test_conf_rules(void **state)
{
	struct nhi_conf c;
	char err[256];

	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "field_state", ".status.name", err, sizeof(err)), 0);
	assert_int_equal(nhi_conf_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "field_state is not a JSON Pointer"));
	assert_int_equal(nhi_conf_set(&c, "approvals_url", "https://x/{sys_id}", err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(nhi_conf_set(&c, "approvals_url", "https://x/a", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(nhi_conf_set(&c, "approvals_url", "https://x/{/sys_id}?q={id}", err,
				      sizeof(err)), 0);
	assert_int_equal(nhi_conf_set(&c, "field_state", ".a\x01", err, sizeof(err)), -EINVAL);
	assert_int_equal(nhi_conf_set(&c, "approved_states", "\"Ready for Work\" Done", err,
				      sizeof(err)), 0);
	assert_int_equal(c.approved_states.n, 2);
	assert_string_equal(c.approved_states.v[0], "Ready for Work");
	assert_int_equal(nhi_conf_set(&c, "approved_states", "\"Ready for", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(nhi_conf_set(&c, "approved_states", "\"\"", err, sizeof(err)), -EINVAL);
	assert_int_equal(nhi_conf_set(&c, "approved_states", "\"a\"b", err, sizeof(err)), -EINVAL);
	nhi_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pointers_and_expressions),
		cmocka_unit_test(test_yields),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_approvals_and_ticket),
		cmocka_unit_test(test_home_jq_is_not_read),
		cmocka_unit_test(test_check_names_the_field),
		cmocka_unit_test(test_conf_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
