/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ticket documents: parsing (bounded), RFC 6901 JSON Pointers, and the field
 * map that turns any ticket system's document into a struct nhi_ticket.
 * Everything here is untrusted input: types are checked, lengths bounded,
 * and anything unexpected is "malformed" rather than guessed at.
 */
#include <errno.h>
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
	nhi_strv_free(&t->hosts);
	nhi_strv_free(&t->accounts);
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

#define MAPERR(...) do { if (err) snprintf(err, errsz, __VA_ARGS__); r = -EBADMSG; goto out; } while (0)

static int
map_string(const struct nhi_conf *c, json_t *doc, enum nhi_field f, size_t max,
	   char **out, char *err, size_t errsz)
{
	json_t *v = nhi_json_pointer(doc, c->field[f]);
	int r = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		MAPERR("%s (%s): expected a string", nhi_field_key(f), c->field[f]);
	if ((r = dup_string(v, max, out)) == -EBADMSG)
		MAPERR("%s (%s): string too long or with a NUL byte", nhi_field_key(f),
		       c->field[f]);
out:
	return r;
}

/* An array of strings, or one string of comma- or blank-separated words. */
static int
map_list(const struct nhi_conf *c, json_t *doc, enum nhi_field f,
	 struct nhi_strv *out, bool *present, char *err, size_t errsz)
{
	json_t *v = nhi_json_pointer(doc, c->field[f]), *e;
	size_t i;
	int r = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		char *s = NULL;

		if ((r = dup_string(v, PURPOSE_MAX, &s)) < 0)
			MAPERR("%s (%s): string too long or with a NUL byte",
			       nhi_field_key(f), c->field[f]);
		for (char *p = s; *p; p++)
			if (*p == ',')
				*p = ' ';
		r = nhi_strv_split(out, s);
		free(s);
		if (r == -E2BIG)
			MAPERR("%s (%s): more than %d entries", nhi_field_key(f),
			       c->field[f], NHI_LIST_MAX);
		if (r < 0)
			goto out;
		*present = true;
		return 0;
	}
	if (!json_is_array(v))
		MAPERR("%s (%s): expected an array of strings", nhi_field_key(f), c->field[f]);
	if (json_array_size(v) > NHI_LIST_MAX)
		MAPERR("%s (%s): more than %d entries", nhi_field_key(f), c->field[f],
		       NHI_LIST_MAX);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || json_string_length(e) > STR_MAX ||
		    strlen(json_string_value(e)) != json_string_length(e))
			MAPERR("%s (%s): entry %zu is not a short string", nhi_field_key(f),
			       c->field[f], i);
		if ((r = nhi_strv_push(out, json_string_value(e))) < 0)
			goto out;
	}
	*present = true;
out:
	return r;
}

static int
map_time(const struct nhi_conf *c, json_t *doc, enum nhi_field f, int64_t *out,
	 bool *present, char *err, size_t errsz)
{
	json_t *v = nhi_json_pointer(doc, c->field[f]);
	int r = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0 || n > TIME_MAX)
			MAPERR("%s (%s): %lld is out of range", nhi_field_key(f), c->field[f],
			       (long long)n);
		*out = n;
	} else if (json_is_string(v)) {
		if (json_string_length(v) > 64 ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    nhi_parse_time(json_string_value(v), out) < 0)
			MAPERR("%s (%s): not an RFC 3339 time after 1970 or Unix seconds",
			       nhi_field_key(f), c->field[f]);
	} else {
		MAPERR("%s (%s): expected a time (string or integer)", nhi_field_key(f),
		       c->field[f]);
	}
	*present = true;
out:
	return r;
}

int
nhi_ticket_from_json(const struct nhi_conf *c, json_t *doc, const char *fallback_id,
		     struct nhi_ticket *t, char *err, size_t errsz)
{
	int r;

	memset(t, 0, sizeof(*t));
	if (err && errsz)
		err[0] = '\0';
	if (!json_is_object(doc) && !json_is_array(doc))
		MAPERR("the ticket is not a JSON object");
	if ((r = map_string(c, doc, NHI_FIELD_ID, NHI_ID_MAX, &t->id, err, errsz)) < 0)
		goto out;
	if (t->id == NULL && fallback_id != NULL && (t->id = strdup(fallback_id)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (t->id != NULL && !nhi_ticket_id_valid(t->id))
		MAPERR("%s (%s): not a valid ticket id", nhi_field_key(NHI_FIELD_ID),
		       c->field[NHI_FIELD_ID]);
	if ((r = map_string(c, doc, NHI_FIELD_STATE, STR_MAX, &t->state, err, errsz)) < 0 ||
	    (r = map_string(c, doc, NHI_FIELD_REQUESTER, STR_MAX, &t->requester, err, errsz)) < 0 ||
	    (r = map_string(c, doc, NHI_FIELD_APPROVER, STR_MAX, &t->approver, err, errsz)) < 0 ||
	    (r = map_string(c, doc, NHI_FIELD_PURPOSE, PURPOSE_MAX, &t->purpose, err, errsz)) < 0 ||
	    (r = map_list(c, doc, NHI_FIELD_HOSTS, &t->hosts, &t->has_hosts, err, errsz)) < 0 ||
	    (r = map_list(c, doc, NHI_FIELD_ACCOUNTS, &t->accounts, &t->has_accounts, err, errsz)) < 0 ||
	    (r = map_time(c, doc, NHI_FIELD_NOT_BEFORE, &t->not_before, &t->has_not_before, err, errsz)) < 0 ||
	    (r = map_time(c, doc, NHI_FIELD_NOT_AFTER, &t->not_after, &t->has_not_after, err, errsz)) < 0)
		goto out;
	if (t->has_not_before && t->has_not_after && t->not_after < t->not_before)
		MAPERR("the window ends before it starts");
	return 0;
out:
	/* Keep the id (if valid) for the record; drop the rest. */
	{
		char *id = (t->id != NULL && nhi_ticket_id_valid(t->id)) ? t->id : NULL;
		if (id)
			t->id = NULL;
		nhi_ticket_free(t);
		t->id = id;
	}
	return r;
}
