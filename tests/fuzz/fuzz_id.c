/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_id: bytes (as the C string a prompt answer or PAM environment value
 * would be) -> nhi_ticket_id_valid and nhi_escape.
 * Invariants: the validator agrees with design.md section 3 restated here
 * (1..64 of [A-Za-z0-9._-], not starting with '.'), so a valid id never holds
 * '/' nor starts with '.' and "<id>.json" stays inside ticket_dir; nhi_escape
 * never overruns dst at any size, always terminates it, never lets through a
 * byte a terminal acts on (C0, DEL, C1) or invalid UTF-8, and, when nothing
 * was truncated, can be undone exactly (the escaping loses nothing).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
id_rule(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > NHI_ID_MAX || s[0] == '.')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789._-") == n;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undoes nhi_escape's \\ \n \t \xNN into out (big enough); false if the
 * text holds anything else after a backslash. */
static bool
unescape(const char *in, char *out)
{
	while (*in) {
		if (*in != '\\') {
			*out++ = *in++;
			continue;
		}
		in++;
		if (*in == '\\' || *in == 'n' || *in == 't') {
			*out++ = *in == 'n' ? '\n' : *in == 't' ? '\t' : '\\';
			in++;
		} else if (*in == 'x' && hexval(in[1]) >= 0 && hexval(in[2]) >= 0) {
			*out++ = (char)(hexval(in[1]) * 16 + hexval(in[2]));
			in += 3;
		} else {
			return false;
		}
	}
	*out = '\0';
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 8, 13, 64 };
	char *s = fuzz_cstr(data, size);
	size_t len = strlen(s), full = 4 * len + 1;
	bool valid = nhi_ticket_id_valid(s);

	CHECK(valid == id_rule(s));
	if (valid)
		CHECK(strchr(s, '/') == NULL && s[0] != '.' && len <= NHI_ID_MAX);

	for (size_t i = 0; i <= sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t sz = i < sizeof(sizes) / sizeof(sizes[0]) ? sizes[i] : full;
		char *dst = malloc(sz);  /* exact size: ASan sees any overrun */

		if (dst == NULL)
			abort();
		nhi_escape(dst, sz, s);
		CHECK(memchr(dst, '\0', sz) != NULL);
		CHECK(fuzz_terminal_safe(dst));
		if (sz == full) {
			/* nothing can have been cut: the escaping must be undoable */
			char *back = malloc(sz);

			if (back == NULL)
				abort();
			CHECK(unescape(dst, back));
			CHECK(strcmp(back, s) == 0);
			free(back);
		}
		free(dst);
	}
	free(s);
	return 0;
}
