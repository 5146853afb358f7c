/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct review's output (review_print.h): JSON lines and tables.  Every
 * value from a record is escaped before it reaches the terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "review_print.h"
#include "text.h"
#include "timeutil.h"

#define USEC_PER_SEC   INT64_C(1000000)

/* ---- JSON ------------------------------------------------------------- */

/* Values stay raw in JSON; only a value that is not UTF-8 (which JSON
 * cannot carry) is escaped, so nothing is dropped silently. */
static json_t *
jstr(const char *s)
{
	json_t *j;
	size_t n;
	char *buf;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	n = strlen(s);
	if (n > NHI_REVIEW_FIELD_MAX)
		n = NHI_REVIEW_FIELD_MAX;
	buf = malloc(n * 4 + 4);
	if (!buf)
		return NULL;
	nhi_escape(buf, n * 4 + 4, s);
	j = json_string(buf);
	free(buf);
	return j;
}

static json_t *
jtime(int64_t usec)
{
	char buf[NHI_TIME_BUF];

	if (usec == NHI_USEC_UNKNOWN)
		return json_null();
	return json_string(nhi_format_time(usec / USEC_PER_SEC, buf, sizeof(buf)));
}

/* Sets every pair in order.  Consumes the values, also on failure (a
 * NULL among them is an allocation failure). */
static json_t *
jobject(const char *const *keys, json_t **vals, size_t n)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!vals[i]) {
			ok = false;
		} else if (!ok) {
			json_decref(vals[i]);
		} else if (json_object_set_new(o, keys[i], vals[i]) < 0) {
			ok = false;     /* set_new consumed the value */
		}
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
review_session_json(const struct nhi_review_session *s)
{
	static const char *const keys[] = {
		"type", "session", "user", "host", "rhost", "service", "ticket",
		"approver", "requester", "purpose", "opened", "ended", "end",
		"reason", "duration", "reviewed_by", "reviewed_at", "review_note",
		"recorded", "recording", "boot_id",
	};
	json_t *v[] = {
		json_string("session"), jstr(s->session), jstr(s->user),
		jstr(s->host), jstr(s->rhost), jstr(s->service), jstr(s->ticket),
		jstr(s->approver), jstr(s->requester), jstr(s->purpose),
		jtime(s->opened_usec), jtime(s->ended_usec),
		json_string(nhi_review_end_name(s->end)),
		s->end == NHI_END_OPEN || s->end == NHI_END_CLOSED ? json_null()
								   : jstr(s->reason),
		s->duration >= 0 ? json_integer(s->duration) : json_null(),
		jstr(s->reviewer), jtime(s->reviewed_usec), jstr(s->review_note),
		json_boolean(s->recording != NULL), jstr(s->recording), jstr(s->boot_id),
	};

	return jobject(keys, v, sizeof(keys) / sizeof(keys[0]));
}

json_t *
review_denial_json(const struct nhi_review_denial *d)
{
	static const char *const keys[] = {
		"type", "time", "user", "host", "rhost", "service", "ticket", "reason",
	};
	json_t *v[] = {
		json_string("denial"), jtime(d->usec), jstr(d->user), jstr(d->host),
		jstr(d->rhost), jstr(d->service), jstr(d->ticket), jstr(d->reason),
	};

	return jobject(keys, v, sizeof(keys) / sizeof(keys[0]));
}

static int
print_json_row(json_t *o, FILE *out)
{
	int r;

	if (!o)
		return -ENOMEM;
	r = json_dumpf(o, out, JSON_COMPACT);
	json_decref(o);
	if (r < 0 || fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}

int
review_print_json(const struct nhi_review *rv, FILE *out)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < rv->n_sessions; i++)
		r = print_json_row(review_session_json(&rv->sessions[i]), out);
	for (i = 0; r == 0 && i < rv->n_denials; i++)
		r = print_json_row(review_denial_json(&rv->denials[i]), out);
	if (r == 0 && (fflush(out) == EOF || ferror(out)))
		r = -EIO;
	return r;
}

/* ---- table ------------------------------------------------------------ */

#define CELL_BUF (NHI_REVIEW_CELL_MAX * 4 + 1)

enum { S_OPENED, S_ENDED, S_DURATION, S_END, S_USER, S_HOST, S_RHOST,
       S_TICKET, S_APPROVER, S_RECORDED, S_REVIEWED, S_COLS };
static const char *const session_heads[S_COLS] = {
	"OPENED", "ENDED", "DURATION", "END", "USER", "HOST", "RHOST",
	"TICKET", "APPROVER", "REC", "REVIEWER",
};

enum { D_TIME, D_USER, D_HOST, D_RHOST, D_SERVICE, D_TICKET, D_REASON, D_COLS };
static const char *const denial_heads[D_COLS] = {
	"TIME", "USER", "HOST", "RHOST", "SERVICE", "TICKET", "REASON",
};

static void
cell_text(char *buf, const char *s)
{
	if (!s || !*s)
		snprintf(buf, CELL_BUF, "-");
	else
		nhi_escape(buf, NHI_REVIEW_CELL_MAX + 1, s);
}

void
review_format_time(char *buf, size_t bufsz, int64_t usec, bool utc)
{
	time_t t;
	struct tm tm;

	if (usec == NHI_USEC_UNKNOWN) {
		snprintf(buf, bufsz, "-");
		return;
	}
	t = (time_t)(usec / USEC_PER_SEC);
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
	    strftime(buf, bufsz, utc ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %Z",
		     &tm) == 0)
		snprintf(buf, bufsz, "@%lld", (long long)(usec / USEC_PER_SEC));
}

static void
cell_time(char *buf, int64_t usec, bool utc)
{
	review_format_time(buf, CELL_BUF, usec, utc);
}

static void
session_cell(const void *row, int col, bool utc, char *buf)
{
	const struct nhi_review_session *s = row;

	switch (col) {
	case S_OPENED: cell_time(buf, s->opened_usec, utc); break;
	case S_ENDED: cell_time(buf, s->ended_usec, utc); break;
	case S_DURATION:
		if (s->duration < 0)
			cell_text(buf, NULL);
		else
			nhi_format_duration(s->duration, buf, CELL_BUF);
		break;
	case S_END: cell_text(buf, nhi_review_end_name(s->end)); break;
	case S_USER: cell_text(buf, s->user); break;
	case S_HOST: cell_text(buf, s->host); break;
	case S_RHOST: cell_text(buf, s->rhost); break;
	case S_TICKET: cell_text(buf, s->ticket); break;
	case S_APPROVER: cell_text(buf, s->approver); break;
	case S_RECORDED: cell_text(buf, s->recording != NULL ? "yes" : "no"); break;
	default: cell_text(buf, s->reviewer); break;
	}
}

static void
denial_cell(const void *row, int col, bool utc, char *buf)
{
	const struct nhi_review_denial *d = row;

	switch (col) {
	case D_TIME: cell_time(buf, d->usec, utc); break;
	case D_USER: cell_text(buf, d->user); break;
	case D_HOST: cell_text(buf, d->host); break;
	case D_RHOST: cell_text(buf, d->rhost); break;
	case D_SERVICE: cell_text(buf, d->service); break;
	case D_TICKET: cell_text(buf, d->ticket); break;
	default: cell_text(buf, d->reason); break;
	}
}

/* Display width: code points, since escaped text is ASCII or valid UTF-8. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

_Static_assert((int)D_COLS <= (int)S_COLS, "widths array holds both tables");

typedef void cell_fn(const void *row, int col, bool utc, char *buf);

/* Two passes over the rows (widths, then output) so that no copy of the
 * whole table is held in memory. */
static void
print_table(FILE *out, const char *title, const char *const *heads,
	    int cols, const void *rows, size_t n, size_t rowsz,
	    cell_fn *cell, bool utc)
{
	size_t w[S_COLS], i, k;
	char buf[CELL_BUF];
	int c;

	for (c = 0; c < cols; c++)
		w[c] = width(heads[c]);
	for (i = 0; i < n; i++)
		for (c = 0; c < cols; c++) {
			cell((const char *)rows + i * rowsz, c, utc, buf);
			if (width(buf) > w[c])
				w[c] = width(buf);
		}
	fprintf(out, "%s\n", title);
	for (i = 0; i <= n; i++) {
		for (c = 0; c < cols; c++) {
			const char *t = heads[c];

			if (i > 0) {
				cell((const char *)rows + (i - 1) * rowsz, c, utc, buf);
				t = buf;
			}
			fputs(t, out);
			if (c + 1 < cols)
				for (k = width(t); k < w[c] + 2; k++)
					fputc(' ', out);
		}
		fputc('\n', out);
	}
}

int
review_print_table(const struct nhi_review *rv, FILE *out, bool utc)
{
	if (rv->n_sessions)
		print_table(out, "Sessions:", session_heads, S_COLS, rv->sessions,
			    rv->n_sessions, sizeof(*rv->sessions), session_cell, utc);
	if (rv->n_sessions && rv->n_denials)
		fputc('\n', out);
	if (rv->n_denials)
		print_table(out, "Denials:", denial_heads, D_COLS, rv->denials,
			    rv->n_denials, sizeof(*rv->denials), denial_cell, utc);
	if (!rv->n_sessions && !rv->n_denials)
		fputs("No sessions or denials.\n", out);
	if (fflush(out) == EOF || ferror(out))
		return -EIO;
	return 0;
}
