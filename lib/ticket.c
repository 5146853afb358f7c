/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tickets: the id syntax, and the field map that turns any ticket system's
 * document into a struct nhi_ticket (parsing and pointers are json.c's).
 * Everything here is untrusted input: types are checked, lengths bounded,
 * and anything unexpected is "malformed" rather than guessed at.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"
#include "text.h"
#include "conf.h"
#include "json.h"
#include "timeutil.h"
#include "util.h"

#define STR_MAX      256   /* id, state, names */
#define PURPOSE_MAX  4096
#define TIME_MAX     INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

bool
nhi_ticket_id_valid(const char *id)
{
	return nhi_str_in_set(id, 1, NHI_ID_MAX, NHI_CS_ALNUM "._-") && id[0] != '.';
}

void
nhi_ticket_free(struct nhi_ticket *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->state);
	free(t->requester);
	free(t->approver);
	free(t->purpose);
	nhi_strv_free(&t->approvers);
	nhi_strv_free(&t->approver_ids);
	nhi_strv_free(&t->hosts);
	nhi_strv_free(&t->accounts);
	nhi_strv_free(&t->sigs);
	nhi_strv_free(&t->sig_approvers);
	nhi_strv_free(&t->approver_keys);
	memset(t, 0, sizeof(*t));
}

/* A JSON string as an owned C string: no embedded NUL, bounded. */
static int
dup_string(json_t *v, size_t max, char **out)
{
	size_t len = json_string_length(v);

	if (len > max || strlen(json_string_value(v)) != len)
		return -EBADMSG;
	if ((*out = strdup(json_string_value(v))) == NULL)
		return -ENOMEM;
	return 0;
}

static int malformed(char *err, size_t errsz, enum nhi_field f, const struct nhi_conf *c,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* err = "field_x (/pointer): what" (or just "what" when f is NHI_FIELD_MAX),
 * and -EBADMSG: the ticket is malformed. */
static int
malformed(char *err, size_t errsz, enum nhi_field f, const struct nhi_conf *c,
	  const char *fmt, ...)
{
	char prefix[600] = "";
	va_list ap;

	if (f < NHI_FIELD_MAX)
		snprintf(prefix, sizeof(prefix), "%s (%s): ", nhi_field_key(f), c->field[f]);
	va_start(ap, fmt);
	nhi_vprefixf(err, errsz, prefix, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* A name or an id as a ticket system may write it: a JSON integer
 * (Zendesk's ids and requester_id) is its decimal string. */
static int
dup_number(json_t *v, char **out)
{
	json_int_t n = json_integer_value(v);

	if (n < 0 || asprintf(out, "%lld", (long long)n) < 0) {
		*out = NULL;
		return n < 0 ? -EBADMSG : -ENOMEM;
	}
	return 0;
}

/* Fields that name a person or a ticket take a number too. */
static bool
takes_numbers(enum nhi_field f)
{
	return f == NHI_FIELD_ID || f == NHI_FIELD_REQUESTER || f == NHI_FIELD_APPROVER;
}

/* The value of field f in doc: at c->field[f], or in a native document
 * (one a backend mapped itself) at the field's native place. */
static json_t *
field_value(const struct nhi_conf *c, json_t *doc, enum nhi_field f, bool native)
{
	return nhi_json_pointer(doc, native ? nhi_field_native(f) : c->field[f]);
}

static int
map_string(const struct nhi_conf *c, json_t *doc, bool native, enum nhi_field f, size_t max,
	   char **out, char *err, size_t errsz)
{
	json_t *v = field_value(c, doc, f, native);
	int r;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && takes_numbers(f)) {
		if ((r = dup_number(v, out)) == -EBADMSG)
			return malformed(err, errsz, f, c, "a negative number");
		return r;
	}
	if (!json_is_string(v))
		return malformed(err, errsz, f, c, "expected a string");
	if ((r = dup_string(v, max, out)) == -EBADMSG)
		return malformed(err, errsz, f, c, "string too long or with a NUL byte");
	return r;
}

/* One string of comma- or blank-separated words into out. */
static int
map_words(const struct nhi_conf *c, json_t *v, enum nhi_field f, struct nhi_strv *out,
	  char *err, size_t errsz)
{
	char *s = NULL;
	int r;

	if (dup_string(v, PURPOSE_MAX, &s) < 0)
		return malformed(err, errsz, f, c, "string too long or with a NUL byte");
	r = nhi_strv_split_list(out, s);
	free(s);
	if (r == -E2BIG)
		return malformed(err, errsz, f, c, "more than %d entries", NHI_LIST_MAX);
	return r;
}

/* An array of short strings (v is an array) into out. */
static int
map_array(const struct nhi_conf *c, json_t *v, enum nhi_field f, struct nhi_strv *out,
	  char *err, size_t errsz)
{
	json_t *e;
	size_t i;
	int r;

	if (json_array_size(v) > NHI_LIST_MAX)
		return malformed(err, errsz, f, c, "more than %d entries", NHI_LIST_MAX);
	json_array_foreach(v, i, e) {
		char *num = NULL;

		if (json_is_integer(e) && takes_numbers(f) && json_integer_value(e) >= 0) {
			if ((r = dup_number(e, &num)) < 0)
				return r;
			r = nhi_strv_push(out, num);
			free(num);
			if (r < 0)
				return r;
			continue;
		}
		if (!json_is_string(e) || json_string_length(e) > STR_MAX ||
		    strlen(json_string_value(e)) != json_string_length(e))
			return malformed(err, errsz, f, c, "entry %zu is not a short string", i);
		if ((r = nhi_strv_push(out, json_string_value(e))) < 0)
			return r;
	}
	return 0;
}

/* An array of strings, or one string of comma- or blank-separated words. */
static int
map_list(const struct nhi_conf *c, json_t *doc, bool native, enum nhi_field f,
	 struct nhi_strv *out, bool *present, char *err, size_t errsz)
{
	json_t *v = field_value(c, doc, f, native);
	int r;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		if ((r = map_words(c, v, f, out, err, errsz)) == 0)
			*present = true;
		return r;
	}
	if (!json_is_array(v))
		return malformed(err, errsz, f, c, "expected an array of strings");
	if ((r = map_array(c, v, f, out, err, errsz)) == 0)
		*present = true;
	return r;
}

static int
map_time(const struct nhi_conf *c, json_t *doc, bool native, enum nhi_field f, int64_t *out,
	 bool *present, char *err, size_t errsz)
{
	json_t *v = field_value(c, doc, f, native);

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0 || n > TIME_MAX)
			return malformed(err, errsz, f, c, "%lld is out of range", (long long)n);
		*out = n;
	} else if (json_is_string(v)) {
		if (json_string_length(v) > 64 ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    nhi_parse_ticket_time(json_string_value(v), c->time_zone,
					  f == NHI_FIELD_NOT_AFTER, out) < 0)
			return malformed(err, errsz, f, c, "not an RFC 3339 time after 1970 or Unix "
					 "seconds%s%s", c->time_zone ? ", nor a local time in " :
					 " (a time without an offset needs time_zone)",
					 c->time_zone ? c->time_zone : "");
	} else {
		return malformed(err, errsz, f, c, "expected a time (string or integer)");
	}
	*present = true;
	return 0;
}

/*
 * The approvers: one name (a string, blanks and all: "Alice Smith") or an
 * array of names, for tickets several people approve.  t->approver joins
 * them for messages.
 */
static int
map_approvers(const struct nhi_conf *c, json_t *doc, bool native, struct nhi_ticket *t,
	      char *err, size_t errsz)
{
	const enum nhi_field f = NHI_FIELD_APPROVER;
	json_t *v = field_value(c, doc, f, native);
	size_t i, len = 0;
	int r;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v) || json_is_integer(v)) {
		if ((r = map_string(c, doc, native, f, STR_MAX, &t->approver, err, errsz)) < 0)
			return r;
		return nhi_strv_push(&t->approvers, t->approver);
	}
	if (!json_is_array(v))
		return malformed(err, errsz, f, c, "expected a name or an array of names");
	if ((r = map_array(c, v, f, &t->approvers, err, errsz)) < 0)
		return r;
	if (t->approvers.n == 0)
		return 0;
	for (i = 0; i < t->approvers.n; i++)
		len += strlen(t->approvers.v[i]) + 2;
	if ((t->approver = calloc(1, len + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; i < t->approvers.n; i++) {
		if (i > 0)
			strcat(t->approver, ", ");
		strcat(t->approver, t->approvers.v[i]);
	}
	return 0;
}

/* One signature entry: the armoured signature as a string, or an object
 * {"approver": NAME, "signature": ARMOUR}. */
static int
map_signature(const struct nhi_conf *c, json_t *e, size_t i, struct nhi_ticket *t, char *err,
	      size_t errsz)
{
	const enum nhi_field f = NHI_FIELD_SIGNATURES;
	json_t *sig = e, *who = NULL;
	char *name = NULL;
	int r;

	if (json_is_object(e)) {
		sig = json_object_get(e, "signature");
		who = json_object_get(e, "approver");
	}
	if (!json_is_string(sig) || json_string_length(sig) > NHI_SIG_MAX ||
	    strlen(json_string_value(sig)) != json_string_length(sig))
		return malformed(err, errsz, f, c, "entry %zu: no signature of at most %d bytes", i,
				 NHI_SIG_MAX);
	if (who != NULL && json_is_integer(who) && (r = dup_number(who, &name)) < 0)
		return r == -EBADMSG ? malformed(err, errsz, f, c, "entry %zu: approver", i) : r;
	if (who != NULL && !json_is_integer(who) &&
	    (!json_is_string(who) || dup_string(who, STR_MAX, &name) < 0))
		return malformed(err, errsz, f, c, "entry %zu: approver is not a short string", i);
	r = nhi_strv_push(&t->sig_approvers, name != NULL ? name : "");
	free(name);
	if (r == 0)
		r = nhi_strv_push(&t->sigs, json_string_value(sig));
	return r;
}

/* The approval signatures: an array of entries, or one armoured string. */
static int
map_signatures(const struct nhi_conf *c, json_t *doc, bool native, struct nhi_ticket *t,
	       char *err, size_t errsz)
{
	const enum nhi_field f = NHI_FIELD_SIGNATURES;
	json_t *v = field_value(c, doc, f, native), *e;
	size_t i;
	int r;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v) || json_is_object(v))
		return map_signature(c, v, 0, t, err, errsz);
	if (!json_is_array(v))
		return malformed(err, errsz, f, c, "expected an array of signatures");
	if (json_array_size(v) > NHI_SIGS_MAX)
		return malformed(err, errsz, f, c, "more than %d signatures", NHI_SIGS_MAX);
	json_array_foreach(v, i, e) {
		if ((r = map_signature(c, e, i, t, err, errsz)) < 0)
			return r;
	}
	return 0;
}

/* The id: the document's, else fallback_id; it must keep the id syntax. */
static int
map_id(const struct nhi_conf *c, json_t *doc, bool native, const char *fallback_id,
       struct nhi_ticket *t, char *err, size_t errsz)
{
	int r;

	if ((r = map_string(c, doc, native, NHI_FIELD_ID, NHI_ID_MAX, &t->id, err, errsz)) < 0)
		return r;
	if (t->id == NULL && fallback_id != NULL && (t->id = strdup(fallback_id)) == NULL)
		return -ENOMEM;
	if (t->id != NULL && !nhi_ticket_id_valid(t->id))
		return malformed(err, errsz, NHI_FIELD_ID, c, "not a valid ticket id");
	return 0;
}

static int
map_all(const struct nhi_conf *c, json_t *doc, bool native, const char *fallback_id,
	struct nhi_ticket *t, char *err, size_t errsz)
{
	int r;

	if (!json_is_object(doc) && !json_is_array(doc))
		return malformed(err, errsz, NHI_FIELD_MAX, c, "the ticket is not a JSON object");
	if ((r = map_id(c, doc, native, fallback_id, t, err, errsz)) < 0 ||
	    (r = map_string(c, doc, native, NHI_FIELD_STATE, STR_MAX, &t->state, err, errsz)) < 0 ||
	    (r = map_string(c, doc, native, NHI_FIELD_REQUESTER, STR_MAX, &t->requester, err,
			    errsz)) < 0 ||
	    (r = map_approvers(c, doc, native, t, err, errsz)) < 0 ||
	    (r = map_string(c, doc, native, NHI_FIELD_PURPOSE, PURPOSE_MAX, &t->purpose, err,
			    errsz)) < 0 ||
	    (r = map_list(c, doc, native, NHI_FIELD_HOSTS, &t->hosts, &t->has_hosts, err,
			  errsz)) < 0 ||
	    (r = map_list(c, doc, native, NHI_FIELD_ACCOUNTS, &t->accounts, &t->has_accounts, err,
			  errsz)) < 0 ||
	    (r = map_time(c, doc, native, NHI_FIELD_NOT_BEFORE, &t->not_before,
			  &t->has_not_before, err, errsz)) < 0 ||
	    (r = map_time(c, doc, native, NHI_FIELD_NOT_AFTER, &t->not_after,
			  &t->has_not_after, err, errsz)) < 0 ||
	    (r = map_signatures(c, doc, native, t, err, errsz)) < 0)
		return r;
	if (t->has_not_before && t->has_not_after && t->not_after < t->not_before)
		return malformed(err, errsz, NHI_FIELD_MAX, c, "the window ends before it starts");
	return 0;
}

/* Both entry points: the map, and on failure only the (valid) id kept. */
static int
from_doc(const struct nhi_conf *c, json_t *doc, bool native, const char *fallback_id,
	 struct nhi_ticket *t, char *err, size_t errsz)
{
	char *id;
	int r;

	memset(t, 0, sizeof(*t));
	if (err && errsz)
		err[0] = '\0';
	if ((r = map_all(c, doc, native, fallback_id, t, err, errsz)) == 0)
		return 0;
	/* Keep the id (if valid) for the record; drop the rest. */
	id = t->id != NULL && nhi_ticket_id_valid(t->id) ? t->id : NULL;
	if (id != NULL)
		t->id = NULL;
	nhi_ticket_free(t);
	t->id = id;
	return r;
}

int
nhi_ticket_from_json(const struct nhi_conf *c, json_t *doc, const char *fallback_id,
		     struct nhi_ticket *t, char *err, size_t errsz)
{
	return from_doc(c, doc, false, fallback_id, t, err, errsz);
}

int
nhi_ticket_from_native(const struct nhi_conf *c, json_t *doc, const char *fallback_id,
		       struct nhi_ticket *t, char *err, size_t errsz)
{
	return from_doc(c, doc, true, fallback_id, t, err, errsz);
}
