/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small utilities: nhi_escape (design.md section 7: "MESSAGE: one human
 * sentence, control characters escaped"; text from tickets is shown on the
 * vendor's terminal) and the bounded string lists (style.md item 6).
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

/* Escapes src into a buffer of dstsz bytes prefilled with fill. */
static const char *
esc(char *dst, size_t dstsz, const char *src, int fill)
{
	memset(dst, fill, dstsz);
	return nhi_escape(dst, dstsz, src);
}

/* Is s entirely valid UTF-8 (no truncated sequence)? */
static bool
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
			   (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0)
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

/* ---- nhi_escape -------------------------------------------------------- */

static void
test_escape_plain_text_unchanged(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(esc(buf, sizeof(buf), "alice approved CHG-1042", 'x'),
			    "alice approved CHG-1042");
	assert_string_equal(esc(buf, sizeof(buf), "", 'x'), "");
	assert_string_equal(esc(buf, sizeof(buf), NULL, 'x'), "");
	assert_ptr_equal(nhi_escape(buf, sizeof(buf), "a"), buf);
}

static void
test_escape_newline(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(esc(buf, sizeof(buf), "line1\nline2", 'x'), "line1\\nline2");
	assert_string_equal(esc(buf, sizeof(buf), "a\tb", 'x'), "a\\tb");
	assert_string_equal(esc(buf, sizeof(buf), "a\rb", 'x'), "a\\x0db");
	assert_null(strchr(buf, '\r'));
}

static void
test_escape_esc(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(esc(buf, sizeof(buf), "\x1b[31mred\x1b[0m", 'x'),
			    "\\x1b[31mred\\x1b[0m");
	assert_null(strchr(buf, 0x1b));
	assert_string_equal(esc(buf, sizeof(buf), "\x01\x1f", 'x'), "\\x01\\x1f");
}

static void
test_escape_del(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(esc(buf, sizeof(buf), "a\x7f" "b", 'x'), "a\\x7fb");
}

static void
test_escape_backslash(void **state)
{
	char buf[64];

	(void)state;
	/* doubled, so that an escaped "\x1b" cannot be told from a literal one */
	assert_string_equal(esc(buf, sizeof(buf), "C:\\temp", 'x'), "C:\\\\temp");
	assert_string_equal(esc(buf, sizeof(buf), "\\x1b", 'x'), "\\\\x1b");
}

static void
test_escape_invalid_utf8(void **state)
{
	char buf[64];

	(void)state;
	/* lone continuation byte, lone lead byte, overlong '/', surrogate, > U+10FFFF,
	 * 0xff, and a sequence cut by the end of the string */
	assert_string_equal(esc(buf, sizeof(buf), "a\x80" "b", 'x'), "a\\x80b");
	assert_string_equal(esc(buf, sizeof(buf), "a\xc3" "b", 'x'), "a\\xc3b");
	assert_string_equal(esc(buf, sizeof(buf), "\xc0\xaf", 'x'), "\\xc0\\xaf");
	assert_string_equal(esc(buf, sizeof(buf), "\xe0\x80\xaf", 'x'), "\\xe0\\x80\\xaf");
	assert_string_equal(esc(buf, sizeof(buf), "\xed\xa0\x80", 'x'), "\\xed\\xa0\\x80");
	assert_string_equal(esc(buf, sizeof(buf), "\xf4\x90\x80\x80", 'x'),
			    "\\xf4\\x90\\x80\\x80");
	assert_string_equal(esc(buf, sizeof(buf), "\xff", 'x'), "\\xff");
	assert_string_equal(esc(buf, sizeof(buf), "ab\xe2\x82", 'x'), "ab\\xe2\\x82");
}

static void
test_escape_valid_multibyte_kept(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(esc(buf, sizeof(buf), "J\xc3\xbcrgen", 'x'), "J\xc3\xbcrgen");
	assert_string_equal(esc(buf, sizeof(buf), "\xe2\x82\xac" "5", 'x'), "\xe2\x82\xac" "5");
	assert_string_equal(esc(buf, sizeof(buf), "\xf0\x9f\x94\x91 key", 'x'),
			    "\xf0\x9f\x94\x91 key");
	assert_string_equal(esc(buf, sizeof(buf), "\xf4\x8f\xbf\xbf", 'x'), "\xf4\x8f\xbf\xbf");
}

static void
test_escape_truncation_with_dots(void **state)
{
	char buf[10];

	(void)state;
	/* fits exactly: 9 characters and the NUL */
	assert_string_equal(esc(buf, sizeof(buf), "abcdefghi", 'x'), "abcdefghi");
	/* one more: cut, marked with "..." */
	assert_string_equal(esc(buf, sizeof(buf), "abcdefghij", 'x'), "abcdef...");
	assert_string_equal(esc(buf, sizeof(buf), "abcdefghijklmnopqrstuvwxyz", 'x'),
			    "abcdef...");
	/* an escape that does not fit is cut, not half written at the end */
	assert_string_equal(esc(buf, sizeof(buf), "abcdefgh\n", 'x'), "abcdef...");
}

/*
 * Cut where the next item is a 4-byte escape: nothing before the cut needs to
 * be dropped.  The result must not depend on what the buffer held before.
 */
static void
test_escape_truncation_independent_of_buffer_content(void **state)
{
	char buf[10];

	(void)state;
	assert_string_equal(esc(buf, sizeof(buf), "abcdef\x1b" "xyz", 'x'), "abcdef...");
	assert_string_equal(esc(buf, sizeof(buf), "abcdef\x1b" "xyz", 0), "abcdef...");
	/* 0x80: a byte the truncation mistakes for a UTF-8 continuation byte */
	assert_string_equal(esc(buf, sizeof(buf), "abcdef\x1b" "xyz", 0x80), "abcdef...");
	assert_string_equal(esc(buf, sizeof(buf), "abcdef\xf0\x9f\x94\x91", 0x80),
			    "abcdef...");
}

static void
test_escape_truncation_never_splits_utf8(void **state)
{
	/* "aé€🔑" repeated: 1-, 2-, 3- and 4-byte sequences at every offset */
	const char *src = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91"
			  "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91"
			  "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91";
	char buf[64];

	(void)state;
	for (size_t sz = 1; sz <= strlen(src) + 1; sz++) {
		for (int fill = 0; fill < 256; fill += 0x40) {
			esc(buf, sz, src, fill);
			assert_true(strlen(buf) < sz);
			assert_true(valid_utf8(buf));
			if (sz >= 4 && sz <= strlen(src)) {
				/* truncated and marked */
				assert_true(strlen(buf) >= 3);
				assert_string_equal(buf + strlen(buf) - 3, "...");
			}
		}
	}
	/* a two-byte character right at the cut is dropped whole */
	assert_string_equal(esc(buf, 8, "abcd\xc3\xa9" "fgh", 'x'), "abcd...");
	assert_string_equal(esc(buf, 7, "abc\xc3\xa9" "fgh", 'x'), "abc...");
}

static void
test_escape_tiny_buffers(void **state)
{
	char buf[8];

	(void)state;
	/* size 0: nothing written at all */
	memset(buf, 'x', sizeof(buf));
	nhi_escape(buf, 0, "abc");
	assert_int_equal(buf[0], 'x');
	/* size 1: only the NUL */
	assert_string_equal(esc(buf, 1, "abc", 'x'), "");
	assert_int_equal(buf[1], 'x');
	/* size 2 and 3: as much as fits, no room for "..." */
	assert_string_equal(esc(buf, 2, "abc", 'x'), "a");
	assert_string_equal(esc(buf, 3, "abc", 'x'), "ab");
	assert_string_equal(esc(buf, 3, "ab", 'x'), "ab");
	assert_string_equal(esc(buf, 2, "\xc3\xa9", 'x'), "");
	assert_string_equal(esc(buf, 3, "\n", 'x'), "\\n");
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(nhi_escape(buf, 2, "\n"), "");
	assert_int_equal(buf[2], 'x');
	/* size 4: "..." alone when the text does not fit */
	assert_string_equal(esc(buf, 4, "abc", 'x'), "abc");
	assert_string_equal(esc(buf, 4, "abcd", 'x'), "...");
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(nhi_escape(buf, 4, "\x1b"), "...");
	assert_int_equal(buf[4], 'x');
}

/* ---- string lists ------------------------------------------------------ */

static void
test_strv_split_blanks(void **state)
{
	struct nhi_strv sv = { NULL, 0 };

	(void)state;
	assert_int_equal(nhi_strv_split(&sv, "  alice\tbob  carol "), 0);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[0], "alice");
	assert_string_equal(sv.v[1], "bob");
	assert_string_equal(sv.v[2], "carol");
	assert_true(nhi_strv_contains(&sv, "bob"));
	assert_false(nhi_strv_contains(&sv, "Bob"));
	assert_false(nhi_strv_contains(&sv, "bo"));
	assert_false(nhi_strv_contains(&sv, NULL));
	/* replaces the previous content */
	assert_int_equal(nhi_strv_split(&sv, "dave"), 0);
	assert_int_equal(sv.n, 1);
	assert_string_equal(sv.v[0], "dave");
	assert_int_equal(nhi_strv_split(&sv, " \t "), 0);
	assert_int_equal(sv.n, 0);
	nhi_strv_free(&sv);
	nhi_strv_free(&sv);   /* twice is fine */
	nhi_strv_free(NULL);
}

static void
test_strv_push_bound_e2big(void **state)
{
	struct nhi_strv sv = { NULL, 0 };
	char name[16];

	(void)state;
	for (int i = 0; i < NHI_LIST_MAX; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(nhi_strv_push(&sv, name), 0);
	}
	assert_int_equal(sv.n, NHI_LIST_MAX);
	assert_int_equal(nhi_strv_push(&sv, "one-too-many"), -E2BIG);
	assert_int_equal(sv.n, NHI_LIST_MAX);
	assert_false(nhi_strv_contains(&sv, "one-too-many"));
	nhi_strv_free(&sv);
	assert_int_equal(sv.n, 0);
	assert_null(sv.v);
}

/* "u0 u1 ... u<n-1>" */
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

static void
test_strv_split_bound_e2big(void **state)
{
	struct nhi_strv sv = { NULL, 0 };
	char *ok = words(NHI_LIST_MAX), *big = words(NHI_LIST_MAX + 1);

	(void)state;
	assert_int_equal(nhi_strv_split(&sv, ok), 0);
	assert_int_equal(sv.n, NHI_LIST_MAX);
	/* over the bound: an error, and the previous content is kept */
	assert_int_equal(nhi_strv_split(&sv, big), -E2BIG);
	assert_int_equal(sv.n, NHI_LIST_MAX);
	assert_string_equal(sv.v[NHI_LIST_MAX - 1], "u255");
	nhi_strv_free(&sv);
	free(ok);
	free(big);
}

static void
test_escape_c1_and_bidi_controls(void **state)
{
	char out[128];

	(void)state;
	/* U+009B (CSI on 8-bit terminals) and U+202E (right-to-left override) */
	nhi_escape(out, sizeof(out), "a\xc2\x9b" "31mb\xe2\x80\xae" "c\xc3\xa9");
	assert_string_equal(out, "a\\xc2\\x9b31mb\\xe2\\x80\\xaec\xc3\xa9");
}

/* ---- character sets (text.c) ------------------------------------------- */

static void
test_str_in_set(void **state)
{
	static const struct { const char *s; size_t min, max; const char *set; bool ok; } rows[] = {
		{ "CHG-1042", 1, 64, NHI_CS_ALNUM "._-", true },
		{ "", 1, 64, NHI_CS_ALNUM "._-", false },
		{ "CHG 1042", 1, 64, NHI_CS_ALNUM "._-", false },
		{ "../etc", 1, 64, NHI_CS_ALNUM "._-", false },
		{ "a/b", 1, 64, NHI_CS_ALNUM "._-", false },
		{ "0123456789abcdef0123456789abcdef", 32, 32, NHI_CS_HEX_LOWER, true },
		{ "0123456789ABCDEF0123456789abcdef", 32, 32, NHI_CS_HEX_LOWER, false },
		{ "0123456789abcdef", 32, 32, NHI_CS_HEX_LOWER, false },
		{ "aaaaa", 1, 4, "a", false },
		{ "caf\xc3\xa9", 1, 64, NHI_CS_ALNUM, false },
		{ NULL, 0, 64, NHI_CS_ALNUM, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(nhi_str_in_set(rows[i].s, rows[i].min, rows[i].max, rows[i].set),
				 rows[i].ok);
}

static void
test_text_visible(void **state)
{
	(void)state;
	assert_true(nhi_text_visible("abc-DEF_1.2~!", 13, true));
	assert_false(nhi_text_visible("a b", 3, false));
	assert_false(nhi_text_visible("a\tb", 3, false));
	assert_false(nhi_text_visible("a\nb", 3, false));
	assert_false(nhi_text_visible("a\x7f", 2, false));
	assert_false(nhi_text_visible("a\0b", 3, false));       /* a NUL inside */
	assert_true(nhi_text_visible("caf\xc3\xa9", 5, false));
	assert_false(nhi_text_visible("caf\xc3\xa9", 5, true)); /* a token is ASCII */
	assert_true(nhi_text_visible("", 0, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_in_set),
		cmocka_unit_test(test_text_visible),
		cmocka_unit_test(test_escape_c1_and_bidi_controls),
		cmocka_unit_test(test_escape_plain_text_unchanged),
		cmocka_unit_test(test_escape_newline),
		cmocka_unit_test(test_escape_esc),
		cmocka_unit_test(test_escape_del),
		cmocka_unit_test(test_escape_backslash),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_escape_valid_multibyte_kept),
		cmocka_unit_test(test_escape_truncation_with_dots),
		cmocka_unit_test(test_escape_truncation_independent_of_buffer_content),
		cmocka_unit_test(test_escape_truncation_never_splits_utf8),
		cmocka_unit_test(test_escape_tiny_buffers),
		cmocka_unit_test(test_strv_split_blanks),
		cmocka_unit_test(test_strv_push_bound_e2big),
		cmocka_unit_test(test_strv_split_bound_e2big),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
