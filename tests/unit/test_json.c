/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON from outside (lib/json.c), parsed the same way by the core and the
 * HTTP backend object: the nesting bound measured before jansson recurses,
 * brackets inside strings not counted, duplicate keys refused, diagnostics
 * that say where, and RFC 6901 pointer syntax.
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

#include "json.h"

/* "[[[...]]]" nested depth deep; caller frees. */
static char *
nested(size_t depth)
{
	char *s = malloc(2 * depth + 1);

	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return s;
}

static void
test_depth_bound(void **state)
{
	char *ok = nested(NHI_JSON_DEPTH_MAX), *deep = nested(NHI_JSON_DEPTH_MAX + 1);
	char *huge = nested(100000);
	char err[128];
	json_t *doc;

	(void)state;
	assert_int_equal(nhi_json_parse(ok, strlen(ok), &doc, err, sizeof(err)), 0);
	json_decref(doc);
	assert_int_equal(nhi_json_parse(deep, strlen(deep), &doc, err, sizeof(err)), -EBADMSG);
	assert_null(doc);
	assert_string_equal(err, "nested deeper than 32 levels");
	assert_int_equal(nhi_json_parse(huge, strlen(huge), &doc, NULL, 0), -EBADMSG);
	free(ok);
	free(deep);
	free(huge);
}

/* Brackets in strings, escaped quotes and backslashes included, are text. */
static void
test_brackets_in_strings_do_not_count(void **state)
{
	static const struct { const char *text; bool ok; } rows[] = {
		{ "{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", true },
		{ "{\"a\": \"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", true },
		/* the string ends after "\\": the brackets after it count */
		{ "{\"a\": \"\\\\\", \"b\": [[[]]]}", false },
		{ "{\"a\": \"\\\\\", \"b\": [[]]}", true },
		{ "]]]]]]]]]]]]]]]][[[]]]", true },
		{ "[\"]\", [[[]]]]", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("  %s\n", rows[i].text);
		assert_int_equal(nhi_json_depth_ok(rows[i].text, strlen(rows[i].text), 3),
				 rows[i].ok);
	}
}

static void
test_not_json_says_where(void **state)
{
	char err[256];
	json_t *doc;

	(void)state;
	assert_int_equal(nhi_json_parse("{\n \"a\": }", 9, &doc, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not JSON: "));
	assert_non_null(strstr(err, "(line 2, column"));
	assert_int_equal(nhi_json_parse("", 0, &doc, err, sizeof(err)), -EBADMSG);
}

/* {"approver":"alice","approver":"mallory"}: which one counts?  Neither. */
static void
test_duplicate_keys_refused(void **state)
{
	const char *text = "{\"approver\": \"alice\", \"approver\": \"mallory\"}";
	json_t *doc;

	(void)state;
	assert_int_equal(nhi_json_parse(text, strlen(text), &doc, NULL, 0), -EBADMSG);
}

/* The length bounds the text: bytes after it are not read. */
static void
test_length_bounds_the_text(void **state)
{
	const char *text = "{\"a\": 1}garbage";
	json_t *doc;

	(void)state;
	assert_int_equal(nhi_json_parse(text, 8, &doc, NULL, 0), 0);
	assert_int_equal(json_integer_value(json_object_get(doc, "a")), 1);
	json_decref(doc);
}

static void
test_pointer_syntax(void **state)
{
	static const struct { const char *ptr; bool valid; } rows[] = {
		{ "", true }, { "/", true }, { "/a/b", true }, { "/a~0b/~1", true },
		{ "a", false }, { "/a~", false }, { "/a~2", false }, { "#/a", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("  %-10s %s\n", rows[i].ptr, rows[i].valid ? "valid" : "invalid");
		assert_int_equal(nhi_json_pointer_valid(rows[i].ptr), rows[i].valid);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_brackets_in_strings_do_not_count),
		cmocka_unit_test(test_not_json_says_where),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_length_bounds_the_text),
		cmocka_unit_test(test_pointer_syntax),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
