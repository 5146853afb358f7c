/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http backend's field map (fieldmap.h): JSON Pointers read with
 * json.c, jq expressions run by libjq, the results placed in a native
 * ticket document.
 *
 * All expressions of a configuration are compiled into one jq program, once
 * per lookup or fetch: libjq 1.6 compiles its whole builtin library with
 * every program (about 30 ms), so one program per field would cost that
 * many times over.  Each expression runs in its own try, so that an error
 * names its field:
 *
 *   def _nhi(f): try {"v": [f]} catch {"e": (if type == "string" then .
 *                                              else tojson end)};
 *   .a as $approvals | .t as $ticket
 *   | [($ticket | _nhi((EXPR_id))), ..., ($approvals | _nhi((EXPR_approver)))]
 *
 * (field_approver reads $approvals, the answer of approvals_url, when that
 * is set; every other expression, and that one without it, the ticket.)
 *
 * Everything an expression yields is collected ("v" is the array of its
 * outputs): none leaves the field out, one is the value, several are a list
 * for the fields that hold lists (hosts, accounts, approver) and an error
 * for the others.  Values cross from jq to jansson as JSON text, through
 * the one bounded parser (nhi_json_parse).
 *
 * libjq reads ~/.jq into every program it compiles (a library of function
 * definitions, which could redefine select or any builtin): su runs the
 * PAM stack with the caller's HOME.  So HOME is hidden while compiling, and
 * the library search path is empty: a program can import nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jq.h>

#include "fieldmap.h"
#include "json.h"
#include "text.h"

#define LABEL_MAX   80                  /* bytes of an expression shown in err */
#define VALUE_MAX   (256 * 1024)        /* bytes of what one expression yields */
#define PROGRAM_MAX (NHI_FIELD_MAX * 2200 + 512)

struct nhi_fieldmap {
	const struct nhi_conf *c;
	jq_state *jq;                   /* NULL when every field is a pointer */
	int slot[NHI_FIELD_MAX];        /* index in the program's answer, or -1 */
	int n;                          /* expressions */
	char msg[512];                  /* libjq's first complaint */
};

/* "field_x (EXPR)" with a long EXPR cut, for messages. */
static const char *
label(const struct nhi_conf *c, enum nhi_field f, char *buf, size_t bufsz)
{
	const char *e = c->field[f];
	size_t len = strlen(e);

	if (len > LABEL_MAX)
		snprintf(buf, bufsz, "%s (%.*s...)", nhi_field_key(f), LABEL_MAX - 3, e);
	else
		snprintf(buf, bufsz, "%s (%s)", nhi_field_key(f), e);
	return buf;
}

static bool
holds_list(enum nhi_field f)
{
	return f == NHI_FIELD_HOSTS || f == NHI_FIELD_ACCOUNTS || f == NHI_FIELD_APPROVER ||
	       f == NHI_FIELD_SIGNATURES;
}

/* libjq's error callback: keeps the first message. */
static void
keep_msg(void *ud, jv msg)
{
	struct nhi_fieldmap *m = ud;

	if (m->msg[0] == '\0') {
		if (jv_get_kind(msg) == JV_KIND_STRING)
			snprintf(m->msg, sizeof(m->msg), "%s", jv_string_value(msg));
		else
			snprintf(m->msg, sizeof(m->msg), "the expression does not compile");
	}
	jv_free(msg);
}

/* input and inputs read nothing (libjq 1.6 reads an unset callback). */
static jv
no_input(jq_state *jq, void *ud)
{
	return jv_invalid();
}

/* debug writes nothing (the module runs inside sshd). */
static void
no_debug(void *ud, jv msg)
{
	jv_free(msg);
}

/*
 * A jq state with program compiled: HOME hidden (no ~/.jq), nothing to
 * import, errors into m->msg.  NULL (m->msg says why, or -ENOMEM).
 */
static jq_state *
compile(struct nhi_fieldmap *m, const char *program, int *r)
{
	const char *home = getenv("HOME");
	char *saved = NULL;
	jq_state *jq;
	int ok;

	*r = -ENOMEM;
	m->msg[0] = '\0';
	if ((jq = jq_init()) == NULL)
		return NULL;
	jq_set_error_cb(jq, keep_msg, m);
	jq_set_input_cb(jq, no_input, NULL);
	jq_set_debug_cb(jq, no_debug, NULL);
	jq_set_attr(jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
	if (home != NULL) {
		if ((saved = strdup(home)) == NULL) {
			jq_teardown(&jq);
			return NULL;
		}
		unsetenv("HOME");
	}
	ok = jq_compile(jq, program);
	if (saved != NULL) {
		setenv("HOME", saved, 1);
		free(saved);
	}
	if (!ok) {
		jq_teardown(&jq);
		if (m->msg[0] == '\0')
			snprintf(m->msg, sizeof(m->msg), "the expression does not compile");
		*r = -EINVAL;
		return NULL;
	}
	*r = 0;
	return jq;
}

static bool
is_expression(const struct nhi_conf *c, enum nhi_field f)
{
	return c->field[f] != NULL && !nhi_field_is_pointer(c->field[f]);
}

/* The one program of the map (see the top of this file). */
static int
program_text(struct nhi_fieldmap *m, char *buf, size_t bufsz)
{
	const struct nhi_conf *c = m->c;
	size_t len;
	int n;

	n = snprintf(buf, bufsz, "def _nhi(f): try {\"v\": [f]} catch {\"e\": (if type == "
		     "\"string\" then . else tojson end)};\n.a as $approvals | .t as $ticket | [");
	len = (size_t)n;
	for (int f = 0; f < NHI_FIELD_MAX; f++) {
		if (!is_expression(c, (enum nhi_field)f))
			continue;
		n = snprintf(buf + len, bufsz - len, "%s(%s | _nhi((\n%s\n)))",
			     m->n > 0 ? ",\n" : "",
			     f == NHI_FIELD_APPROVER && c->approvals_url != NULL ? "$approvals"
			     : "$ticket", c->field[f]);
		if (n < 0 || (size_t)n >= bufsz - len)
			return -E2BIG;
		len += (size_t)n;
		m->slot[f] = m->n++;
	}
	n = snprintf(buf + len, bufsz - len, "]");
	return n < 0 || (size_t)n >= bufsz - len ? -E2BIG : 0;
}

int
nhi_fieldmap_new(const struct nhi_conf *c, struct nhi_fieldmap **out, char *err,
		 size_t errsz)
{
	struct nhi_fieldmap *m;
	char *program = NULL;
	bool any = false;
	int r;

	*out = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->c = c;
	for (int f = 0; f < NHI_FIELD_MAX; f++) {
		m->slot[f] = -1;
		any = any || is_expression(c, (enum nhi_field)f);
	}
	if (!any) {             /* pointers only: nothing to build or compile */
		*out = m;
		return 0;
	}
	if ((program = malloc(PROGRAM_MAX)) == NULL) {
		free(m);
		return -ENOMEM;
	}
	if ((r = program_text(m, program, PROGRAM_MAX)) < 0) {
		nhi_escapef(err, errsz, "the field expressions are too long (config)");
		r = -EPERM;
	} else if (m->n > 0 && (m->jq = compile(m, program, &r)) == NULL && r == -EINVAL) {
		nhi_escapef(err, errsz, "the field expressions do not compile: %s (config; "
		     "nhiacct check-config names the field)", m->msg);
		r = -EPERM;
	}
	free(program);
	if (r < 0) {
		nhi_fieldmap_free(m);
		return r;
	}
	*out = m;
	return 0;
}

void
nhi_fieldmap_free(struct nhi_fieldmap *m)
{
	if (m == NULL)
		return;
	if (m->jq != NULL)
		jq_teardown(&m->jq);
	free(m);
}

/* Sets doc's member at a native pointer ("/window/not_after"), making the
 * objects on the way.  Steals v. */
static int
place(json_t *doc, const char *ptr, json_t *v)
{
	char seg[64];
	const char *p = ptr + 1, *slash;

	while ((slash = strchr(p, '/')) != NULL) {
		json_t *sub;

		snprintf(seg, sizeof(seg), "%.*s", (int)(slash - p), p);
		if ((sub = json_object_get(doc, seg)) == NULL) {
			if ((sub = json_object()) == NULL || json_object_set_new(doc, seg, sub) < 0) {
				json_decref(v);
				return -ENOMEM;
			}
		}
		doc = sub;
		p = slash + 1;
	}
	return json_object_set_new(doc, p, v) < 0 ? -ENOMEM : 0;
}

/* jq's value as a jansson one, through JSON text and the bounded parser. */
static int
to_jansson(jv v, json_t **out)
{
	jv text = jv_dump_string(v, 0);         /* consumes v */
	int r = -ENOMEM;

	*out = NULL;
	if (jv_get_kind(text) != JV_KIND_STRING)
		goto out;
	if ((size_t)jv_string_length_bytes(jv_copy(text)) > VALUE_MAX) {
		r = -E2BIG;
		goto out;
	}
	r = nhi_json_parse(jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)),
			   out, NULL, 0) < 0 ? -EBADMSG : 0;
out:
	jv_free(text);
	return r;
}

/*
 * Runs the program on {"t": ticket, "a": approvals}; *answer: the array of
 * one {"v": [...]} or {"e": "..."} per expression.
 */
static int
run(struct nhi_fieldmap *m, json_t *ticket, json_t *approvals, json_t **answer, char *err,
    size_t errsz)
{
	json_t *in = json_pack("{sOsO}", "t", ticket, "a", approvals ? approvals : json_null());
	char *text = NULL;
	jv input, out, extra;
	int r;

	*answer = NULL;
	if (in == NULL || (text = json_dumps(in, JSON_COMPACT)) == NULL) {
		json_decref(in);
		return -ENOMEM;
	}
	json_decref(in);
	input = jv_parse(text);
	free(text);
	if (!jv_is_valid(input)) {
		jv_free(input);
		nhi_escapef(err, errsz, "the ticket cannot be handed to jq");
		return -EBADMSG;
	}
	m->msg[0] = '\0';
	jq_start(m->jq, input, 0);              /* consumes input */
	out = jq_next(m->jq);
	if (!jv_is_valid(out)) {
		jv msg = jv_invalid_get_msg(out);

		nhi_escapef(err, errsz, "the field expressions fail: %s",
		     jq_halted(m->jq) ? "an expression halts the program" :
		     jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "no value");
		jv_free(msg);
		return -EBADMSG;
	}
	extra = jq_next(m->jq);
	if (jv_is_valid(extra) || jq_halted(m->jq)) {
		jv_free(extra);
		jv_free(out);
		nhi_escapef(err, errsz, "the field expressions stop the program (halt, or more than "
		     "one answer)");
		return -EBADMSG;
	}
	jv_free(extra);
	if ((r = to_jansson(out, answer)) < 0) {
		nhi_escapef(err, errsz, r == -E2BIG ? "the field expressions yield more than %d bytes"
		     : "what the field expressions yield is not JSON", VALUE_MAX);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	if (!json_is_array(*answer) || json_array_size(*answer) != (size_t)m->n) {
		json_decref(*answer);
		*answer = NULL;
		nhi_escapef(err, errsz, "the field expressions yield no answer of %d values", m->n);
		return -EBADMSG;
	}
	return 0;
}

/* The value of expression field f in answer: *v new or NULL (absent). */
static int
expression_value(struct nhi_fieldmap *m, json_t *answer, enum nhi_field f, json_t **v,
		 char *err, size_t errsz)
{
	json_t *slot = json_array_get(answer, (size_t)m->slot[f]);
	json_t *vals = json_object_get(slot, "v"), *e = json_object_get(slot, "e");
	char lbl[LABEL_MAX + 64];
	size_t n = json_array_size(vals);

	*v = NULL;
	label(m->c, f, lbl, sizeof(lbl));
	if (json_is_string(e)) {
		nhi_escapef(err, errsz, "%s: %s", lbl, json_string_value(e));
		return -EBADMSG;
	}
	if (!json_is_array(vals)) {
		nhi_escapef(err, errsz, "%s: no value", lbl);
		return -EBADMSG;
	}
	if (n == 0 || (n == 1 && json_is_null(json_array_get(vals, 0))))
		return 0;
	if (n == 1) {
		*v = json_incref(json_array_get(vals, 0));
		return 0;
	}
	if (!holds_list(f)) {
		nhi_escapef(err, errsz, "%s: yields %zu values; this field takes one", lbl, n);
		return -EBADMSG;
	}
	*v = json_incref(vals);
	return 0;
}

int
nhi_fieldmap_apply(struct nhi_fieldmap *m, json_t *ticket, json_t *approvals,
		   json_t **native, char *err, size_t errsz)
{
	json_t *doc = NULL, *answer = NULL, *v;
	int r = 0;

	*native = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (m->jq != NULL && (r = run(m, ticket, approvals, &answer, err, errsz)) < 0)
		return r;
	if ((doc = json_object()) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (int f = 0; f < NHI_FIELD_MAX; f++) {
		json_t *src = f == NHI_FIELD_APPROVER && approvals != NULL ? approvals : ticket;

		if (m->slot[f] >= 0) {
			if ((r = expression_value(m, answer, (enum nhi_field)f, &v, err, errsz)) < 0)
				goto out;
		} else {
			v = json_incref(nhi_json_pointer(src, m->c->field[f]));
		}
		if (v != NULL && (r = place(doc, nhi_field_native((enum nhi_field)f), v)) < 0)
			goto out;
	}
	*native = doc;
	doc = NULL;
out:
	json_decref(answer);
	json_decref(doc);
	return r;
}

int
nhi_fieldmap_value(struct nhi_fieldmap *m, json_t *ticket, enum nhi_field f, json_t **v,
		   char *err, size_t errsz)
{
	json_t *answer = NULL;
	int r;

	*v = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (m->slot[f] < 0) {
		*v = json_incref(nhi_json_pointer(ticket, m->c->field[f]));
		return 0;
	}
	if ((r = run(m, ticket, NULL, &answer, err, errsz)) < 0)
		return r;
	r = expression_value(m, answer, f, v, err, errsz);
	json_decref(answer);
	return r;
}

int
nhi_fieldmap_check(const struct nhi_conf *c, char *err, size_t errsz)
{
	struct nhi_fieldmap *m = NULL, probe = { .c = c };
	char *program;
	int r = 0;

	if ((program = malloc(PROGRAM_MAX)) == NULL)
		return -ENOMEM;
	for (int f = 0; f < NHI_FIELD_MAX && r == 0; f++) {
		jq_state *jq;

		if (!is_expression(c, (enum nhi_field)f))
			continue;
		/* alone, with the variables the program gives it */
		snprintf(program, PROGRAM_MAX, "null as $ticket | null as $approvals |\n%s",
			 c->field[f]);
		if ((jq = compile(&probe, program, &r)) != NULL)
			jq_teardown(&jq);
		if (r == -EINVAL) {
			nhi_escapef(err, errsz, "%s: does not compile: %s", nhi_field_key((enum nhi_field)f),
			     probe.msg);
			break;
		}
	}
	free(program);
	if (r == 0 && (r = nhi_fieldmap_new(c, &m, err, errsz)) == -EPERM)
		r = -EINVAL;
	nhi_fieldmap_free(m);
	return r;
}
