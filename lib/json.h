/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON from outside (tickets, HTTP answers, session records): parsed with a
 * bound on nesting, read with RFC 6901 JSON Pointers.  Linked into the HTTP
 * backend object as well, so that every JSON text is parsed the same way.
 */
#ifndef NHI_JSON_H
#define NHI_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define NHI_JSON_DEPTH_MAX  32          /* nesting accepted in a document */

/* Is the nesting of the JSON text buf at most max?  jansson parses
 * recursively, so a hostile text of nested brackets must be refused before
 * it reaches the parser (the stack is sshd's).  Brackets inside strings do
 * not count; whether the text is JSON is left to the parser. */
bool nhi_json_depth_ok(const char *buf, size_t len, size_t max);

/* Parses a JSON text (bounded by len, nesting at most NHI_JSON_DEPTH_MAX,
 * duplicate keys refused) into *doc.  -EBADMSG if not JSON, err says why
 * ("nested deeper than 32 levels", "not JSON: ... (line 3, column 7)").
 * Caller json_decref()s. */
int nhi_json_parse(const char *buf, size_t len, json_t **doc, char *err, size_t errsz);

/* RFC 6901 JSON Pointer lookup; NULL if absent or ptr is invalid.  Borrowed. */
json_t *nhi_json_pointer(json_t *doc, const char *ptr);

/* Is ptr an RFC 6901 pointer ("" or "/..." with only ~0 and ~1 escapes)? */
bool nhi_json_pointer_valid(const char *ptr);

#endif
