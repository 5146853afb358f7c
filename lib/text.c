/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text from outside: escaping and character sets (text.h).  No allocation,
 * no dependency but libc: the HTTP backend object links it too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Length of the valid, printable UTF-8 sequence at p (1..4), or 0 if it is
 * invalid or a character that must not reach a terminal as it is. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	else if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3/4-byte forms, surrogates, > U+10FFFF */
	if (n == 3 && p[0] == 0xe0 && p[1] < 0xa0)
		return 0;
	if (n == 3 && p[0] == 0xed && p[1] >= 0xa0)
		return 0;
	if (n == 4 && p[0] == 0xf0 && p[1] < 0x90)
		return 0;
	if (n == 4 && p[0] == 0xf4 && p[1] >= 0x90)
		return 0;
	/* C1 controls (U+0080..U+009F; 0x9b is CSI on 8-bit terminals) */
	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	/* bidi embeddings, overrides and isolates (U+202A..U+202E,
	 * U+2066..U+2069) reorder what a reviewer reads on screen */
	if (n == 3 && p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
				       (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
		return 0;
	return n;
}

char *
nhi_escape(char *dst, size_t dstsz, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t o = 0, written;

	if (dstsz == 0)
		return dst;
	while (*p != '\0') {
		char tmp[8];
		size_t tl, ul = utf8_len(p);

		if (ul == 1 && *p >= 0x20 && *p != 0x7f && *p != '\\') {
			tmp[0] = (char)*p;
			tl = 1;
		} else if (ul > 1) {
			memcpy(tmp, p, ul);
			tl = ul;
		} else if (*p == '\\') {
			memcpy(tmp, "\\\\", 2);
			tl = 2;
		} else if (*p == '\n') {
			memcpy(tmp, "\\n", 2);
			tl = 2;
		} else if (*p == '\t') {
			memcpy(tmp, "\\t", 2);
			tl = 2;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			tl = 4;
			ul = 1;
		}
		if (o + tl + 1 > dstsz) {
			/* Truncate visibly; "..." fits if dstsz >= 4. */
			if (dstsz >= 4) {
				written = o;
				while (o + 4 > dstsz)
					o--;
				/* do not cut inside a UTF-8 sequence */
				while (o > 0 && o < written && ((unsigned char)dst[o] & 0xc0) == 0x80)
					o--;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, tmp, tl);
		o += tl;
		p += (ul == 0) ? 1 : ul;
	}
	dst[o < dstsz ? o : dstsz - 1] = '\0';
	return dst;
}

void
nhi_vprefixf(char *dst, size_t dstsz, const char *prefix, const char *fmt, va_list ap)
{
	int n;

	if (dst == NULL || dstsz == 0)
		return;
	n = snprintf(dst, dstsz, "%s", prefix);
	if (n >= 0 && (size_t)n < dstsz)
		vsnprintf(dst + n, dstsz - (size_t)n, fmt, ap);
}

void
nhi_vescapef(char *dst, size_t dstsz, const char *fmt, va_list ap)
{
	char raw[1024];

	if (dst == NULL || dstsz == 0)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	nhi_escape(dst, dstsz, raw);
}

void
nhi_escapef(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nhi_vescapef(dst, dstsz, fmt, ap);
	va_end(ap);
}

bool
nhi_str_in_set(const char *s, size_t min, size_t max, const char *set)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strnlen(s, max + 1);
	return n >= min && n <= max && strspn(s, set) == n;
}

bool
nhi_text_visible(const char *s, size_t n, bool ascii_only)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch == 0x7f || (ascii_only && ch > 0x7e))
			return false;
	}
	return true;
}
