/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tickets (design.md section 3): the id syntax, bounded JSON parsing, RFC 6901
 * JSON Pointers, and the field map from a document to struct nhi_ticket.
 * "malformed: the ticket is not valid JSON or a mapped field has the wrong
 * type" (section 4) is -EBADMSG here.
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

#define T0 INT64_C(1795338000)          /* 2026-11-22T09:00:00Z */
#define T1 INT64_C(1795345200)          /* 2026-11-22T11:00:00Z */

/* The example of design.md section 3. */
static const char native[] =
	"{\n"
	"  \"id\": \"CHG-1042\",\n"
	"  \"state\": \"approved\",\n"
	"  \"requester\": \"acme-jdoe\",\n"
	"  \"approver\": \"alice\",\n"
	"  \"scope\": { \"hosts\": [\"jump1.example.com\", \"*.db.example.com\"],\n"
	"             \"accounts\": [\"vendor1\"] },\n"
	"  \"window\": { \"not_before\": \"2026-11-22T09:00:00Z\",\n"
	"              \"not_after\":  \"2026-11-22T11:00:00Z\" },\n"
	"  \"purpose\": \"Apply vendor hotfix 4.2.1\"\n"
	"}\n";

static json_t *
parse(const char *text)
{
	json_t *doc = NULL;
	char err[256] = "";

	if (nhi_json_parse(text, strlen(text), &doc, err, sizeof(err)) < 0)
		fail_msg("not JSON: %s: %s", err, text);
	return doc;
}

/* Maps text through c; returns the result of nhi_ticket_from_json. */
static int
map_with(const struct nhi_conf *c, const char *text, const char *fallback,
	 struct nhi_ticket *t, char *err, size_t errsz)
{
	json_t *doc = parse(text);
	int r = nhi_ticket_from_json(c, doc, fallback, t, err, errsz);

	json_decref(doc);
	return r;
}

static int
map(const char *text, struct nhi_ticket *t, char *err, size_t errsz)
{
	struct nhi_conf c;
	int r;

	assert_int_equal(nhi_conf_init(&c), 0);
	r = map_with(&c, text, NULL, t, err, errsz);
	nhi_conf_free(&c);
	return r;
}

/* Maps text that must be malformed; err must name what. */
static void
assert_malformed(const char *text, const char *err_has)
{
	struct nhi_ticket t;
	char err[256] = "";

	print_message("  %s\n", text);
	assert_int_equal(map(text, &t, err, sizeof(err)), -EBADMSG);
	print_message("    -> %s\n", err);
	assert_true(err[0] != '\0');
	if (err_has != NULL)
		assert_non_null(strstr(err, err_has));
	nhi_ticket_free(&t);
}

/* Several approvers: a list of names, each kept; approver joins them. */
static void
test_map_several_approvers(void **state)
{
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	assert_int_equal(map("{\"id\": \"C-1\", \"approver\": [\"alice\", \"Bob Smith\"]}",
			     &t, err, sizeof(err)), 0);
	assert_int_equal(t.approvers.n, 2);
	assert_string_equal(t.approvers.v[1], "Bob Smith");
	assert_string_equal(t.approver, "alice, Bob Smith");
	nhi_ticket_free(&t);
	/* one name with blanks stays one name */
	assert_int_equal(map("{\"id\": \"C-1\", \"approver\": \"Alice Smith\"}", &t, err,
			     sizeof(err)), 0);
	assert_int_equal(t.approvers.n, 1);
	assert_string_equal(t.approvers.v[0], "Alice Smith");
	nhi_ticket_free(&t);
	/* an empty list names no approver */
	assert_int_equal(map("{\"id\": \"C-1\", \"approver\": []}", &t, err, sizeof(err)), 0);
	assert_int_equal(t.approvers.n, 0);
	assert_null(t.approver);
	nhi_ticket_free(&t);
}

/* Times without an offset: malformed, unless time_zone says where they
 * are; a date alone is a whole day (Jira's Date Picker, ServiceNow). */
static void
test_map_times_without_offset(void **state)
{
	const char *text = "{\"id\": \"C-1\", \"window\": {\"not_before\": \"2026-12-01\","
			   " \"not_after\": \"2026-12-01\"}}";
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	assert_int_equal(map(text, &t, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "a time without an offset needs time_zone"));
	nhi_ticket_free(&t);
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_conf_set(&c, "time_zone", "UTC", NULL, 0), 0);
	assert_int_equal(map_with(&c, text, NULL, &t, err, sizeof(err)), 0);
	assert_int_equal(t.not_before, INT64_C(1796083200));   /* 2026-12-01T00:00:00Z */
	assert_int_equal(t.not_after, INT64_C(1796169600));    /* 2026-12-02T00:00:00Z */
	nhi_ticket_free(&t);
	assert_int_equal(nhi_conf_set(&c, "time_zone", "Mars/Olympus", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a time zone of this host"));
	nhi_conf_free(&c);
}

/* Zendesk writes ids and people as integers: read as their decimal strings
 * (and matched through identity_map like any other identity). */
static void
test_map_numbers_as_names(void **state)
{
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	assert_int_equal(map("{\"id\": 35436, \"requester\": 20978392, \"approver\": [381, \"carol\"]}",
			     &t, err, sizeof(err)), 0);
	assert_string_equal(t.id, "35436");
	assert_string_equal(t.requester, "20978392");
	assert_int_equal(t.approvers.n, 2);
	assert_string_equal(t.approvers.v[0], "381");
	assert_string_equal(t.approver, "381, carol");
	nhi_ticket_free(&t);
	/* hosts, accounts, state and purpose stay text */
	assert_malformed("{\"state\": 3}", "field_state");
	assert_malformed("{\"scope\": {\"accounts\": [20001]}}", "field_accounts");
}

/* ---- nhi_ticket_id_valid ------------------------------------------------ */

static void
test_id_syntax_valid(void **state)
{
	char id64[65];

	(void)state;
	assert_true(nhi_ticket_id_valid("CHG-1042"));
	assert_true(nhi_ticket_id_valid("a"));          /* 1 character */
	assert_true(nhi_ticket_id_valid("0"));
	assert_true(nhi_ticket_id_valid("INC0012345"));
	assert_true(nhi_ticket_id_valid("ops_7.b-c"));
	assert_true(nhi_ticket_id_valid("a.."));        /* dots, not leading */
	assert_true(nhi_ticket_id_valid("-x"));
	memset(id64, 'x', 64);
	id64[64] = '\0';
	assert_true(nhi_ticket_id_valid(id64));         /* 64 characters */
}

static void
test_id_syntax_invalid(void **state)
{
	char id65[66];

	(void)state;
	memset(id65, 'x', 65);
	id65[65] = '\0';
	assert_false(nhi_ticket_id_valid(id65));        /* 65 characters */
	assert_false(nhi_ticket_id_valid(".hidden"));   /* leading dot */
	assert_false(nhi_ticket_id_valid("."));
	assert_false(nhi_ticket_id_valid(".."));
	assert_false(nhi_ticket_id_valid("a/b"));
	assert_false(nhi_ticket_id_valid("/etc"));
	assert_false(nhi_ticket_id_valid("../x"));
	assert_false(nhi_ticket_id_valid("../etc/passwd"));
	assert_false(nhi_ticket_id_valid("CHG 1042"));  /* space */
	assert_false(nhi_ticket_id_valid(" CHG-1042"));
	assert_false(nhi_ticket_id_valid("CHG-1042\n"));
	assert_false(nhi_ticket_id_valid("CHG\\1042"));
	assert_false(nhi_ticket_id_valid("CHG-1042;rm"));
	assert_false(nhi_ticket_id_valid("CHG%2F1042"));
	assert_false(nhi_ticket_id_valid("{id}"));
	assert_false(nhi_ticket_id_valid("caf\xc3\xa9"));        /* unicode, no NUL */
	assert_false(nhi_ticket_id_valid("\xef\xbc\xa1"));       /* fullwidth A */
	assert_false(nhi_ticket_id_valid(""));
	assert_false(nhi_ticket_id_valid(NULL));
}

/* ---- nhi_json_parse ------------------------------------------------------ */

static void
test_json_parse_valid(void **state)
{
	json_t *doc = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(nhi_json_parse(native, strlen(native), &doc, err, sizeof(err)), 0);
	assert_true(json_is_object(doc));
	json_decref(doc);
	/* bounded by len, not by a NUL */
	assert_int_equal(nhi_json_parse("{}garbage", 2, &doc, err, sizeof(err)), 0);
	assert_true(json_is_object(doc));
	json_decref(doc);
	assert_int_equal(nhi_json_parse("[1, \"two\", null]", 16, &doc, NULL, 0), 0);
	json_decref(doc);
}

static void
test_json_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", "{", "}", "{\"a\":}", "{\"a\" 1}", "{'a': 1}", "{\"a\": 1,}",
		"{} trailing", "{\"a\": tru}", "not json", "{\"a\": \"\x01\"}",
	};
	json_t *doc = (json_t *)1;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(nhi_json_parse(bad[i], strlen(bad[i]), &doc, err, sizeof(err)),
				 -EBADMSG);
		assert_null(doc);
		assert_true(err[0] != '\0');
	}
}

static void
test_json_parse_duplicate_keys_rejected(void **state)
{
	static const char text[] = "{\"approver\": \"mallory\", \"approver\": \"alice\"}";
	json_t *doc = NULL;
	char err[256] = "";

	(void)state;
	/* two approvers: which one counts would depend on the parser */
	assert_int_equal(nhi_json_parse(text, strlen(text), &doc, err, sizeof(err)), -EBADMSG);
	assert_null(doc);
	/* also nested */
	assert_int_equal(nhi_json_parse("{\"a\": {\"b\": 1, \"b\": 2}}", 24, &doc, NULL, 0),
			 -EBADMSG);
}

/* depth opening brackets of kind o, then the closers; caller frees. */
static char *
nested(int depth, char o, char cl)
{
	char *s = malloc((size_t)depth * 2 + 1);

	assert_non_null(s);
	memset(s, o, (size_t)depth);
	memset(s + depth, cl, (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

static void
test_json_parse_nesting_10000_rejected(void **state)
{
	char *s = nested(10000, '[', ']');
	char *open = malloc(100001);
	json_t *doc = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(nhi_json_parse(s, strlen(s), &doc, err, sizeof(err)), -EBADMSG);
	assert_null(doc);
	assert_non_null(strstr(err, "nested"));
	/* unbalanced, much deeper, and with objects */
	assert_non_null(open);
	memset(open, '[', 100000);
	open[100000] = '\0';
	assert_int_equal(nhi_json_parse(open, 100000, &doc, NULL, 0), -EBADMSG);
	for (int i = 0; i + 5 <= 100000; i += 5)
		memcpy(open + i, "{\"a\":", 5);
	assert_int_equal(nhi_json_parse(open, 100000, &doc, NULL, 0), -EBADMSG);
	free(open);
	free(s);
}

static void
test_json_parse_depth_32_ok_33_rejected(void **state)
{
	char *s32 = nested(NHI_JSON_DEPTH_MAX, '[', ']');
	char *s33 = nested(NHI_JSON_DEPTH_MAX + 1, '[', ']');
	json_t *doc = NULL;

	(void)state;
	assert_int_equal(NHI_JSON_DEPTH_MAX, 32);
	assert_int_equal(nhi_json_parse(s32, strlen(s32), &doc, NULL, 0), 0);
	json_decref(doc);
	assert_int_equal(nhi_json_parse(s33, strlen(s33), &doc, NULL, 0), -EBADMSG);
	assert_null(doc);
	free(s32);
	free(s33);
}

static void
test_json_parse_brackets_in_strings_not_counted(void **state)
{
	char text[200];
	json_t *doc = NULL;

	(void)state;
	/* 40 brackets inside a string, and an escaped quote before them */
	snprintf(text, sizeof(text), "{\"purpose\": \"\\\"%.*s\"}", 40,
		 "[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{");
	assert_int_equal(nhi_json_parse(text, strlen(text), &doc, NULL, 0), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "purpose")),
			    "\"[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{");
	json_decref(doc);
}

/* ---- nhi_json_pointer (RFC 6901 section 5) ------------------------------ */

static const char rfc6901[] =
	"{ \"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, \"e^f\": 3,"
	"  \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, \"m~n\": 8 }";

static void
test_json_pointer_rfc6901_examples(void **state)
{
	static const struct { const char *ptr; int value; } ints[] = {
		{ "/", 0 }, { "/a~1b", 1 }, { "/c%d", 2 }, { "/e^f", 3 }, { "/g|h", 4 },
		{ "/i\\j", 5 }, { "/k\"l", 6 }, { "/ ", 7 }, { "/m~0n", 8 },
	};
	json_t *doc = parse(rfc6901), *v;

	(void)state;
	/* "" is the whole document */
	assert_ptr_equal(nhi_json_pointer(doc, ""), doc);
	v = nhi_json_pointer(doc, "/foo");
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(nhi_json_pointer(doc, "/foo/0")), "bar");
	assert_string_equal(json_string_value(nhi_json_pointer(doc, "/foo/1")), "baz");
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		print_message("  %s\n", ints[i].ptr);
		v = nhi_json_pointer(doc, ints[i].ptr);
		assert_non_null(v);
		assert_int_equal(json_integer_value(v), ints[i].value);
	}
	json_decref(doc);
}

static void
test_json_pointer_tilde_order(void **state)
{
	/* "~01" is "~1" (the key), never "/" */
	json_t *doc = parse("{\"~1\": \"tilde-one\", \"/\": \"slash\"}");

	(void)state;
	assert_string_equal(json_string_value(nhi_json_pointer(doc, "/~01")), "tilde-one");
	assert_string_equal(json_string_value(nhi_json_pointer(doc, "/~1")), "slash");
	json_decref(doc);
}

static void
test_json_pointer_array_index(void **state)
{
	json_t *doc = parse("{\"a\": [[10, 11], {\"b\": [20, 21, 22]}]}");

	(void)state;
	assert_int_equal(json_integer_value(nhi_json_pointer(doc, "/a/0/1")), 11);
	assert_int_equal(json_integer_value(nhi_json_pointer(doc, "/a/1/b/2")), 22);
	assert_null(nhi_json_pointer(doc, "/a/2"));         /* past the end */
	assert_null(nhi_json_pointer(doc, "/a/-"));         /* "-" is past the end */
	assert_null(nhi_json_pointer(doc, "/a/-1"));
	assert_null(nhi_json_pointer(doc, "/a/+1"));
	assert_null(nhi_json_pointer(doc, "/a/1x"));
	assert_null(nhi_json_pointer(doc, "/a/ 1"));
	assert_null(nhi_json_pointer(doc, "/a/"));          /* empty token on an array */
	assert_null(nhi_json_pointer(doc, "/a/99999999999999999999999"));
	json_decref(doc);
}

static void
test_json_pointer_leading_zero_rejected(void **state)
{
	json_t *doc = parse("{\"a\": [10, 11], \"o\": {\"01\": \"key\"}}");

	(void)state;
	assert_int_equal(json_integer_value(nhi_json_pointer(doc, "/a/0")), 10);
	assert_null(nhi_json_pointer(doc, "/a/01"));
	assert_null(nhi_json_pointer(doc, "/a/00"));
	/* on an object "01" is just a key */
	assert_string_equal(json_string_value(nhi_json_pointer(doc, "/o/01")), "key");
	json_decref(doc);
}

static void
test_json_pointer_missing_and_invalid(void **state)
{
	json_t *doc = parse(rfc6901);

	(void)state;
	assert_null(nhi_json_pointer(doc, "/nope"));
	assert_null(nhi_json_pointer(doc, "/foo/0/deeper"));  /* into a string */
	assert_null(nhi_json_pointer(doc, "/a~1b/x"));        /* into a number */
	assert_null(nhi_json_pointer(doc, "foo"));            /* no leading '/' */
	assert_null(nhi_json_pointer(doc, "/m~2n"));          /* bad escape */
	assert_null(nhi_json_pointer(doc, "/m~"));
	assert_null(nhi_json_pointer(doc, NULL));
	assert_null(nhi_json_pointer(NULL, "/foo"));
	json_decref(doc);
}

/* ---- nhi_ticket_from_json: the native map ------------------------------- */

static void
test_map_native_all_fields(void **state)
{
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	assert_int_equal(map(native, &t, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(t.id, "CHG-1042");
	assert_string_equal(t.state, "approved");
	assert_string_equal(t.requester, "acme-jdoe");
	assert_string_equal(t.approver, "alice");
	assert_string_equal(t.purpose, "Apply vendor hotfix 4.2.1");
	assert_true(t.has_hosts);
	assert_int_equal(t.hosts.n, 2);
	assert_string_equal(t.hosts.v[0], "jump1.example.com");
	assert_string_equal(t.hosts.v[1], "*.db.example.com");
	assert_true(t.has_accounts);
	assert_int_equal(t.accounts.n, 1);
	assert_string_equal(t.accounts.v[0], "vendor1");
	assert_true(t.has_not_before);
	assert_int_equal(t.not_before, T0);
	assert_true(t.has_not_after);
	assert_int_equal(t.not_after, T1);
	nhi_ticket_free(&t);
	nhi_ticket_free(&t);    /* twice is fine */
	nhi_ticket_free(NULL);
}

static void
test_map_absent_fields_stay_absent(void **state)
{
	struct nhi_ticket t;

	(void)state;
	assert_int_equal(map("{\"id\": \"CHG-1\"}", &t, NULL, 0), 0);
	assert_string_equal(t.id, "CHG-1");
	assert_null(t.state);
	assert_null(t.requester);
	assert_null(t.approver);
	assert_null(t.purpose);
	assert_false(t.has_hosts);
	assert_int_equal(t.hosts.n, 0);
	assert_false(t.has_accounts);
	assert_false(t.has_not_before);
	assert_false(t.has_not_after);
	nhi_ticket_free(&t);

	/* JSON null is absent too */
	assert_int_equal(map("{\"id\": \"CHG-1\", \"state\": null, \"approver\": null,"
			     " \"scope\": {\"hosts\": null, \"accounts\": null},"
			     " \"window\": {\"not_before\": null, \"not_after\": null}}",
			     &t, NULL, 0), 0);
	assert_null(t.state);
	assert_null(t.approver);
	assert_false(t.has_hosts);
	assert_false(t.has_accounts);
	assert_false(t.has_not_before);
	assert_false(t.has_not_after);
	nhi_ticket_free(&t);

	/* an empty list is present (and matches nothing) */
	assert_int_equal(map("{\"scope\": {\"hosts\": [], \"accounts\": []}}", &t, NULL, 0), 0);
	assert_true(t.has_hosts);
	assert_int_equal(t.hosts.n, 0);
	assert_true(t.has_accounts);
	assert_null(t.id);
	nhi_ticket_free(&t);
}

static void
test_map_wrong_types_malformed(void **state)
{
	(void)state;
	/* ids and names may be numbers (Zendesk), never negative or fractional */
	assert_malformed("{\"id\": -1042}", "field_id");
	assert_malformed("{\"id\": 1042.5}", "field_id");
	assert_malformed("{\"state\": 1}", "field_state");
	assert_malformed("{\"state\": true}", "field_state");
	assert_malformed("{\"requester\": {\"name\": \"x\"}}", "field_requester");
	/* several approvers are a list of names; anything else in it is not */
	assert_malformed("{\"approver\": [\"alice\", true]}", "field_approver");
	assert_malformed("{\"approver\": [\"alice\", -7]}", "field_approver");
	assert_malformed("{\"approver\": {\"name\": \"alice\"}}", "field_approver");
	assert_malformed("{\"approver\": 7.5}", "field_approver");
	assert_malformed("{\"purpose\": false}", "field_purpose");
	assert_malformed("{\"scope\": {\"hosts\": {\"a\": \"jump1\"}}}", "field_hosts");
	assert_malformed("{\"scope\": {\"hosts\": 1}}", "field_hosts");
	assert_malformed("{\"scope\": {\"hosts\": [\"jump1\", null]}}", "field_hosts");
	assert_malformed("{\"scope\": {\"accounts\": [\"vendor1\", 2]}}", "field_accounts");
	assert_malformed("{\"scope\": {\"accounts\": [[\"vendor1\"]]}}", "field_accounts");
	assert_malformed("{\"scope\": {\"accounts\": true}}", "field_accounts");
	assert_malformed("{\"window\": {\"not_after\": true}}", "field_not_after");
	assert_malformed("{\"window\": {\"not_after\": 1795345200.5}}", "field_not_after");
	assert_malformed("{\"window\": {\"not_after\": {}}}", "field_not_after");
	assert_malformed("{\"window\": {\"not_before\": [1795338000]}}", "field_not_before");
	assert_malformed("{\"window\": {\"not_before\": \"tomorrow\"}}", "field_not_before");
}

static void
test_map_not_an_object_malformed(void **state)
{
	struct nhi_ticket t;
	json_t *doc = json_string("CHG-1");
	struct nhi_conf c;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_ticket_from_json(&c, doc, NULL, &t, NULL, 0), -EBADMSG);
	json_decref(doc);
	doc = json_integer(1);
	assert_int_equal(nhi_ticket_from_json(&c, doc, NULL, &t, NULL, 0), -EBADMSG);
	json_decref(doc);
	nhi_conf_free(&c);
}

static void
test_map_times_integer_and_string(void **state)
{
	struct nhi_ticket t;

	(void)state;
	/* integer Unix seconds */
	assert_int_equal(map("{\"window\": {\"not_before\": 1795338000,"
			     " \"not_after\": 1795345200}}", &t, NULL, 0), 0);
	assert_int_equal(t.not_before, T0);
	assert_int_equal(t.not_after, T1);
	nhi_ticket_free(&t);
	/* Unix seconds as a string, and an offset */
	assert_int_equal(map("{\"window\": {\"not_before\": \"1795338000\","
			     " \"not_after\": \"2026-11-22T12:00:00+01:00\"}}", &t, NULL, 0), 0);
	assert_int_equal(t.not_before, T0);
	assert_int_equal(t.not_after, T1);
	nhi_ticket_free(&t);
	/* the epoch itself */
	assert_int_equal(map("{\"window\": {\"not_before\": 0}}", &t, NULL, 0), 0);
	assert_true(t.has_not_before);
	assert_int_equal(t.not_before, 0);
	nhi_ticket_free(&t);
}

static void
test_map_time_range_1970_to_9999(void **state)
{
	struct nhi_ticket t;

	(void)state;
	/* year 2200 is fine, as integer and as string */
	assert_int_equal(map("{\"window\": {\"not_after\": 7258118400}}", &t, NULL, 0), 0);
	assert_int_equal(t.not_after, INT64_C(7258118400));
	nhi_ticket_free(&t);
	assert_int_equal(map("{\"window\": {\"not_after\": \"2200-01-01T00:00:00Z\"}}",
			     &t, NULL, 0), 0);
	assert_int_equal(t.not_after, INT64_C(7258118400));
	nhi_ticket_free(&t);
	/* 9999-12-31T23:59:59Z is the last second */
	assert_int_equal(map("{\"window\": {\"not_after\": 253402300799}}", &t, NULL, 0), 0);
	assert_int_equal(t.not_after, INT64_C(253402300799));
	nhi_ticket_free(&t);
	assert_int_equal(map("{\"window\": {\"not_after\": \"9999-12-31T23:59:59Z\"}}",
			     &t, NULL, 0), 0);
	nhi_ticket_free(&t);
	/* past 9999 and before 1970: malformed */
	assert_malformed("{\"window\": {\"not_after\": 253402300800}}", "field_not_after");
	assert_malformed("{\"window\": {\"not_after\": \"253402300800\"}}", "field_not_after");
	assert_malformed("{\"window\": {\"not_after\": \"10000-01-01T00:00:00Z\"}}",
			 "field_not_after");
	assert_malformed("{\"window\": {\"not_after\": 9223372036854775807}}", "field_not_after");
	assert_malformed("{\"window\": {\"not_before\": -1}}", "field_not_before");
	assert_malformed("{\"window\": {\"not_before\": \"1969-12-31T23:59:59Z\"}}",
			 "field_not_before");
}

static void
test_map_window_ends_before_start_malformed(void **state)
{
	struct nhi_ticket t;

	(void)state;
	assert_malformed("{\"id\": \"CHG-1\", \"window\": {\"not_before\": \"2026-11-22T11:00:00Z\","
			 " \"not_after\": \"2026-11-22T09:00:00Z\"}}", "window");
	assert_malformed("{\"window\": {\"not_before\": 1795338001, \"not_after\": 1795338000}}",
			 NULL);
	/* an empty window is not malformed (the policy says expired) */
	assert_int_equal(map("{\"window\": {\"not_before\": 1795338000,"
			     " \"not_after\": 1795338000}}", &t, NULL, 0), 0);
	nhi_ticket_free(&t);
}

/* A document holding NUL bytes in strings: nhi_json_parse refuses them, but
 * the map must not rely on that (a backend may build documents otherwise). */
static void
assert_nul_malformed(const char *text, const char *err_has)
{
	json_t *doc, *parsed = (json_t *)1;
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[256] = "";

	print_message("  %s\n", text);
	assert_int_equal(nhi_json_parse(text, strlen(text), &parsed, NULL, 0), -EBADMSG);
	assert_null(parsed);
	doc = json_loads(text, JSON_ALLOW_NUL, NULL);
	assert_non_null(doc);
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(nhi_ticket_from_json(&c, doc, NULL, &t, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, err_has));
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
	json_decref(doc);
}

static void
test_map_embedded_nul_rejected(void **state)
{
	(void)state;
	assert_nul_malformed("{\"approver\": \"alice\\u0000mallory\"}", "field_approver");
	assert_nul_malformed("{\"requester\": \"\\u0000\"}", "field_requester");
	assert_nul_malformed("{\"state\": \"approved\\u0000no\"}", "field_state");
	assert_nul_malformed("{\"purpose\": \"x\\u0000y\"}", "field_purpose");
	assert_nul_malformed("{\"id\": \"CHG-1\\u0000\"}", "field_id");
	assert_nul_malformed("{\"scope\": {\"hosts\": [\"jump1\\u0000.evil\"]}}", "field_hosts");
	assert_nul_malformed("{\"scope\": {\"hosts\": \"jump1\\u0000.evil\"}}", "field_hosts");
	assert_nul_malformed("{\"scope\": {\"accounts\": [\"vendor1\\u0000root\"]}}",
			     "field_accounts");
	assert_nul_malformed("{\"window\": {\"not_after\": \"1795345200\\u0000\"}}",
			     "field_not_after");
}

/* {"<field>": "<n x's>"} or the nested path; caller frees. */
static char *
with_long(const char *prefix, size_t n, const char *suffix)
{
	size_t len = strlen(prefix) + n + strlen(suffix) + 1;
	char *s = malloc(len);

	assert_non_null(s);
	strcpy(s, prefix);
	memset(s + strlen(prefix), 'x', n);
	strcpy(s + strlen(prefix) + n, suffix);
	return s;
}

static void
test_map_too_long_strings_rejected(void **state)
{
	static const struct { const char *pre, *suf, *key; size_t max; } cases[] = {
		{ "{\"id\": \"", "\"}", "field_id", NHI_ID_MAX },
		{ "{\"state\": \"", "\"}", "field_state", 256 },
		{ "{\"requester\": \"", "\"}", "field_requester", 256 },
		{ "{\"approver\": \"", "\"}", "field_approver", 256 },
		{ "{\"purpose\": \"", "\"}", "field_purpose", 4096 },
		{ "{\"scope\": {\"hosts\": [\"", "\"]}}", "field_hosts", 256 },
		{ "{\"scope\": {\"accounts\": [\"", "\"]}}", "field_accounts", 256 },
	};
	struct nhi_ticket t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *ok = with_long(cases[i].pre, cases[i].max, cases[i].suf);
		char *big = with_long(cases[i].pre, cases[i].max + 1, cases[i].suf);

		print_message("  %s: %zu ok, %zu too long\n", cases[i].key, cases[i].max,
			      cases[i].max + 1);
		assert_int_equal(map(ok, &t, NULL, 0), 0);
		nhi_ticket_free(&t);
		assert_malformed(big, cases[i].key);
		free(ok);
		free(big);
	}
}

static void
test_map_too_many_list_entries_rejected(void **state)
{
	size_t sz = 16 + (NHI_LIST_MAX + 1) * 6 + 16;
	char *s = malloc(sz);
	struct nhi_ticket t;
	size_t o;

	(void)state;
	assert_non_null(s);
	o = (size_t)snprintf(s, sz, "{\"scope\": {\"accounts\": [");
	for (int i = 0; i < NHI_LIST_MAX; i++)
		o += (size_t)snprintf(s + o, sz - o, "%s\"a\"", i ? "," : "");
	snprintf(s + o, sz - o, "]}}");
	assert_int_equal(map(s, &t, NULL, 0), 0);
	assert_int_equal(t.accounts.n, NHI_LIST_MAX);
	nhi_ticket_free(&t);
	snprintf(s + o, sz - o, ",\"a\"]}}");
	assert_malformed(s, "field_accounts");
	free(s);
}

static void
test_map_hosts_comma_separated_string(void **state)
{
	struct nhi_ticket t;

	(void)state;
	assert_int_equal(map("{\"scope\": {\"hosts\": \"jump1.example.com, *.db.example.com,,\","
			     " \"accounts\": \"vendor1 vendor2\"}}", &t, NULL, 0), 0);
	assert_true(t.has_hosts);
	assert_int_equal(t.hosts.n, 2);
	assert_string_equal(t.hosts.v[0], "jump1.example.com");
	assert_string_equal(t.hosts.v[1], "*.db.example.com");
	assert_true(t.has_accounts);
	assert_int_equal(t.accounts.n, 2);
	assert_string_equal(t.accounts.v[1], "vendor2");
	nhi_ticket_free(&t);
	/* one host as a plain string */
	assert_int_equal(map("{\"scope\": {\"hosts\": \"jump1.example.com\"}}", &t, NULL, 0), 0);
	assert_int_equal(t.hosts.n, 1);
	nhi_ticket_free(&t);
}

static void
test_map_fallback_id_when_doc_has_none(void **state)
{
	struct nhi_conf c;
	struct nhi_ticket t;

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(map_with(&c, "{\"state\": \"approved\"}", "CHG-7", &t, NULL, 0), 0);
	assert_string_equal(t.id, "CHG-7");
	nhi_ticket_free(&t);
	/* the document's own id wins over the fallback */
	assert_int_equal(map_with(&c, "{\"id\": \"CHG-8\"}", "CHG-7", &t, NULL, 0), 0);
	assert_string_equal(t.id, "CHG-8");
	nhi_ticket_free(&t);
	/* no id and no fallback: no id */
	assert_int_equal(map_with(&c, "{\"state\": \"approved\"}", NULL, &t, NULL, 0), 0);
	assert_null(t.id);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

static void
test_map_bad_id_syntax_in_doc_malformed(void **state)
{
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	assert_malformed("{\"id\": \"../etc/passwd\"}", "field_id");
	assert_malformed("{\"id\": \".hidden\"}", "field_id");
	assert_malformed("{\"id\": \"CHG 1\"}", "field_id");
	assert_malformed("{\"id\": \"\"}", "field_id");
	/* a bad id is not kept for the record */
	assert_int_equal(map("{\"id\": \"../x\", \"state\": \"approved\"}", &t, err, sizeof(err)),
			 -EBADMSG);
	assert_null(t.id);
	assert_null(t.state);
	nhi_ticket_free(&t);
	/* a good id is kept when another field is malformed; the rest is dropped */
	assert_int_equal(map("{\"id\": \"CHG-1\", \"approver\": \"alice\", \"state\": 1}",
			     &t, err, sizeof(err)), -EBADMSG);
	assert_string_equal(t.id, "CHG-1");
	assert_null(t.approver);
	nhi_ticket_free(&t);
}

static void
test_map_custom_field_map_jira_like(void **state)
{
	static const char jira[] =
		"{ \"key\": \"OPS-77\","
		"  \"fields\": {"
		"    \"status\": { \"name\": \"Approved\" },"
		"    \"reporter\": { \"name\": \"acme-jdoe\" },"
		"    \"approvals\": [ { \"name\": \"alice\" }, { \"name\": \"bob\" } ],"
		"    \"customfield_10001\": \"jump1.example.com,db1.example.com\","
		"    \"customfield_10002\": [\"vendor1\"],"
		"    \"start/date\": \"2026-11-22T10:00:00+01:00\","
		"    \"end~date\": 1795345200,"
		"    \"summary\": \"Apply vendor hotfix\" } }";
	static const struct { const char *key, *ptr; } fields[] = {
		{ "field_id", "/key" },
		{ "field_state", "/fields/status/name" },
		{ "field_requester", "/fields/reporter/name" },
		{ "field_approver", "/fields/approvals/0/name" },
		{ "field_hosts", "/fields/customfield_10001" },
		{ "field_accounts", "/fields/customfield_10002" },
		{ "field_not_before", "/fields/start~1date" },
		{ "field_not_after", "/fields/end~0date" },
		{ "field_purpose", "/fields/summary" },
	};
	struct nhi_conf c;
	struct nhi_ticket t;
	char err[256] = "";

	(void)state;
	assert_int_equal(nhi_conf_init(&c), 0);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_int_equal(nhi_conf_set(&c, fields[i].key, fields[i].ptr, NULL, 0), 0);
	assert_int_equal(map_with(&c, jira, NULL, &t, err, sizeof(err)), 0);
	assert_string_equal(t.id, "OPS-77");
	assert_string_equal(t.state, "Approved");
	assert_string_equal(t.requester, "acme-jdoe");
	assert_string_equal(t.approver, "alice");
	assert_string_equal(t.purpose, "Apply vendor hotfix");
	assert_int_equal(t.hosts.n, 2);
	assert_string_equal(t.hosts.v[1], "db1.example.com");
	assert_int_equal(t.accounts.n, 1);
	assert_int_equal(t.not_before, T0);
	assert_int_equal(t.not_after, T1);
	nhi_ticket_free(&t);
	/* the native pointers find nothing in this shape: all absent */
	nhi_conf_free(&c);
	assert_int_equal(nhi_conf_init(&c), 0);
	assert_int_equal(map_with(&c, jira, "OPS-77", &t, err, sizeof(err)), 0);
	assert_null(t.state);
	assert_null(t.approver);
	assert_false(t.has_not_after);
	nhi_ticket_free(&t);
	nhi_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_syntax_valid),
		cmocka_unit_test(test_id_syntax_invalid),
		cmocka_unit_test(test_json_parse_valid),
		cmocka_unit_test(test_json_parse_invalid),
		cmocka_unit_test(test_json_parse_duplicate_keys_rejected),
		cmocka_unit_test(test_json_parse_nesting_10000_rejected),
		cmocka_unit_test(test_json_parse_depth_32_ok_33_rejected),
		cmocka_unit_test(test_json_parse_brackets_in_strings_not_counted),
		cmocka_unit_test(test_json_pointer_rfc6901_examples),
		cmocka_unit_test(test_json_pointer_tilde_order),
		cmocka_unit_test(test_json_pointer_array_index),
		cmocka_unit_test(test_json_pointer_leading_zero_rejected),
		cmocka_unit_test(test_json_pointer_missing_and_invalid),
		cmocka_unit_test(test_map_native_all_fields),
		cmocka_unit_test(test_map_absent_fields_stay_absent),
		cmocka_unit_test(test_map_wrong_types_malformed),
		cmocka_unit_test(test_map_several_approvers),
		cmocka_unit_test(test_map_numbers_as_names),
		cmocka_unit_test(test_map_times_without_offset),
		cmocka_unit_test(test_map_not_an_object_malformed),
		cmocka_unit_test(test_map_times_integer_and_string),
		cmocka_unit_test(test_map_time_range_1970_to_9999),
		cmocka_unit_test(test_map_window_ends_before_start_malformed),
		cmocka_unit_test(test_map_embedded_nul_rejected),
		cmocka_unit_test(test_map_too_long_strings_rejected),
		cmocka_unit_test(test_map_too_many_list_entries_rejected),
		cmocka_unit_test(test_map_hosts_comma_separated_string),
		cmocka_unit_test(test_map_fallback_id_when_doc_has_none),
		cmocka_unit_test(test_map_bad_id_syntax_in_doc_malformed),
		cmocka_unit_test(test_map_custom_field_map_jira_like),
	};

	return cmocka_run_group_tests_name("ticket", tests, NULL, NULL);
}
