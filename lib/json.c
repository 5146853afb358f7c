/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON from outside: bounded parsing and RFC 6901 pointers.  Linked into the
 * core and into the HTTP backend object, so both parse the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

bool
nhi_json_depth_ok(const char *buf, size_t len, size_t max)
{
	size_t depth = 0;
	bool in_str = false, esc = false;

	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > max)
				return false;
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		}
	}
	return true;
}

int
nhi_json_parse(const char *buf, size_t len, json_t **doc, char *err, size_t errsz)
{
	json_error_t jerr;

	*doc = NULL;
	if (!nhi_json_depth_ok(buf, len, NHI_JSON_DEPTH_MAX)) {
		if (err)
			snprintf(err, errsz, "nested deeper than %d levels", NHI_JSON_DEPTH_MAX);
		return -EBADMSG;
	}
	*doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*doc == NULL) {
		if (err)
			snprintf(err, errsz, "not JSON: %s (line %d, column %d)", jerr.text,
				 jerr.line, jerr.column);
		return -EBADMSG;
	}
	return 0;
}

/* Decodes one reference token (up to the next '/' or NUL) into tok. */
static bool
pointer_token(const char **pp, char *tok, size_t toksz)
{
	const char *p = *pp;
	size_t o = 0;

	while (*p != '\0' && *p != '/') {
		char ch = *p++;
		if (ch == '~') {
			if (*p == '0')
				ch = '~';
			else if (*p == '1')
				ch = '/';
			else
				return false;
			p++;
		}
		if (o + 1 >= toksz)
			return false;
		tok[o++] = ch;
	}
	tok[o] = '\0';
	*pp = p;
	return true;
}

json_t *
nhi_json_pointer(json_t *doc, const char *ptr)
{
	char tok[520];
	const char *p = ptr;
	json_t *cur = doc;

	if (doc == NULL || ptr == NULL)
		return NULL;
	if (*p == '\0')
		return doc;
	if (*p != '/')
		return NULL;
	while (*p == '/' && cur != NULL) {
		p++;
		if (!pointer_token(&p, tok, sizeof(tok)))
			return NULL;
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long idx;

			/* array index: digits, no leading zero, no sign */
			if (tok[0] < '0' || tok[0] > '9' || (tok[0] == '0' && tok[1] != '\0'))
				return NULL;
			errno = 0;
			idx = strtoul(tok, &end, 10);
			if (*end != '\0' || errno != 0)
				return NULL;
			cur = json_array_get(cur, idx);
		} else {
			return NULL;
		}
	}
	return cur;
}

bool
nhi_json_pointer_valid(const char *ptr)
{
	if (*ptr == '\0')
		return true;
	if (*ptr != '/')
		return false;
	for (const char *p = ptr; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}
