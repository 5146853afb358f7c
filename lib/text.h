/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text from outside: escaped before it reaches a terminal, a log or a
 * record, and names and ids checked against their character sets, each
 * written once.  Linked into the HTTP backend object as well.
 */
#ifndef NHI_TEXT_H
#define NHI_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Escapes control characters (and DEL, and bytes that are not valid UTF-8) of
 * src as \n, \t, \xNN into dst of size dstsz, always NUL-terminated, truncated
 * with "..." if needed.  For text from tickets shown on a terminal or put in
 * a MESSAGE.  Returns dst.
 */
char *nhi_escape(char *dst, size_t dstsz, const char *src);

/* "PREFIX" then fmt with ap into dst (if not NULL), always NUL-terminated,
 * cut to fit: the one-line diagnostics of the setters and the field map. */
void nhi_vprefixf(char *dst, size_t dstsz, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* fmt formatted, then escaped (nhi_escape) into dst (if not NULL): the
 * one-line diagnostics whose parts come from the network or a ticket. */
void nhi_escapef(char *dst, size_t dstsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void nhi_vescapef(char *dst, size_t dstsz, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define NHI_CS_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define NHI_CS_HEX_LOWER "0123456789abcdef"

/* Is s (not NULL) between min and max bytes long and made only of bytes of
 * set?  Ticket ids: nhi_str_in_set(id, 1, NHI_ID_MAX, NHI_CS_ALNUM "._-"). */
bool nhi_str_in_set(const char *s, size_t min, size_t max, const char *set);

/* Are the n bytes of s all visible: no blank, no control character, no DEL,
 * no NUL; with ascii_only, also no byte above 0x7e?  A value that may not
 * carry a line break or a blank into a header, a URL or a config line. */
bool nhi_text_visible(const char *s, size_t n, bool ascii_only);

#endif
