/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct review, the part without a journal: joins records into session
 * rows, keeps denial rows, filters, derives how each session ended, prints
 * tables and JSON lines, and parses the --since/--until forms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "review.h"
#include "audit.h"
#include "text.h"
#include "timeutil.h"

#define USEC_PER_SEC   INT64_C(1000000)
#define UNIX_MAX       INT64_C(253402300799)    /* 9999-12-31T23:59:59Z */

static const char *const end_names[NHI_END_MAX] = {
	[NHI_END_OPEN] = "open",
	[NHI_END_CLOSED] = "closed",
	[NHI_END_REVOKED_EXPIRED] = "revoked-expired",
	[NHI_END_REVOKED_WITHDRAWN] = "revoked-withdrawn",
	[NHI_END_REVOKED_MANUAL] = "revoked-manual",
	[NHI_END_REVOKED] = "revoked",
};

const char *
nhi_review_end_name(enum nhi_review_end e)
{
	if ((unsigned)e >= NHI_END_MAX)
		return NULL;
	return end_names[e];
}

/* ---- rows ------------------------------------------------------------- */

static int
dup_opt(char **dst, const char *src)
{
	char *c;

	if (!src)
		return 0;
	c = strdup(src);
	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* Fills *dst from src when still empty, or replaces it when prefer is set
 * (the open record is the authority on the ticket's details). */
static int
merge(char **dst, const char *src, bool prefer)
{
	if (!src || !*src)
		return 0;
	if (*dst && (!prefer || strcmp(*dst, src) == 0))
		return 0;
	return dup_opt(dst, src);
}

int
nhi_review_init(struct nhi_review *rv, const struct nhi_review_filter *f)
{
	int r = 0;

	memset(rv, 0, sizeof(*rv));
	rv->since_usec = f ? f->since_usec : NHI_USEC_UNKNOWN;
	rv->until_usec = f ? f->until_usec : NHI_USEC_UNKNOWN;
	if (f) {
		r = dup_opt(&rv->user, f->user);
		if (r == 0)
			r = dup_opt(&rv->ticket, f->ticket);
	}
	if (r < 0)
		nhi_review_free(rv);
	return r;
}

static void
session_free(struct nhi_review_session *s)
{
	free(s->session);
	free(s->user);
	free(s->service);
	free(s->rhost);
	free(s->host);
	free(s->ticket);
	free(s->approver);
	free(s->requester);
	free(s->purpose);
	free(s->reason);
}

static void
denial_free(struct nhi_review_denial *d)
{
	free(d->user);
	free(d->service);
	free(d->rhost);
	free(d->host);
	free(d->ticket);
	free(d->reason);
}

void
nhi_review_free(struct nhi_review *rv)
{
	size_t i;

	if (!rv)
		return;
	for (i = 0; i < rv->n_sessions; i++)
		session_free(&rv->sessions[i]);
	for (i = 0; i < rv->n_denials; i++)
		denial_free(&rv->denials[i]);
	free(rv->sessions);
	free(rv->denials);
	free(rv->slots);
	free(rv->user);
	free(rv->ticket);
	memset(rv, 0, sizeof(*rv));
}

bool
nhi_review_wanted(const struct nhi_review *rv, const struct nhi_review_entry *e)
{
	if (rv->user && !(e->user && strcmp(rv->user, e->user) == 0))
		return false;
	if (rv->ticket && !(e->ticket && strcmp(rv->ticket, e->ticket) == 0))
		return false;
	if (rv->since_usec != NHI_USEC_UNKNOWN && e->usec < rv->since_usec)
		return false;
	if (rv->until_usec != NHI_USEC_UNKNOWN && e->usec >= rv->until_usec)
		return false;
	return true;
}

/* FNV-1a: session ids are random, any cheap spread will do. */
static size_t
hash(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return (size_t)h;
}

/* Slot of session id: where it is (slots[i] != 0) or where it would go. */
static size_t
slot_of(const struct nhi_review *rv, const char *id)
{
	size_t mask = rv->n_slots - 1, i = hash(id) & mask;

	while (rv->slots[i] && strcmp(rv->sessions[rv->slots[i] - 1].session, id) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Keeps the index at most half full, so probes stay short. */
static int
index_grow(struct nhi_review *rv)
{
	size_t n = rv->n_slots ? rv->n_slots * 2 : 1024, i, *old = rv->slots;
	size_t old_n = rv->n_slots;

	if (n > SIZE_MAX / sizeof(*rv->slots))
		return -ENOMEM;
	rv->slots = calloc(n, sizeof(*rv->slots));
	if (!rv->slots) {
		rv->slots = old;
		return -ENOMEM;
	}
	rv->n_slots = n;
	for (i = 0; i < old_n; i++)
		if (old[i])
			rv->slots[slot_of(rv, rv->sessions[old[i] - 1].session)] = old[i];
	free(old);
	return 0;
}

/* Grows *arr (of *cap elements of size sz) to hold one more than n. */
static int
reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	if (c > SIZE_MAX / sz)
		return -ENOMEM;
	p = realloc(*arr, c * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static size_t
n_rows(const struct nhi_review *rv)
{
	return rv->n_sessions + rv->n_denials;
}

static int
find_session(struct nhi_review *rv, const char *id, bool create,
	     struct nhi_review_session **out)
{
	struct nhi_review_session *s;
	size_t i;
	int r;

	*out = NULL;
	if (rv->n_slots) {
		i = slot_of(rv, id);
		if (rv->slots[i]) {
			*out = &rv->sessions[rv->slots[i] - 1];
			return 0;
		}
	}
	if (!create)
		return 0;
	if (n_rows(rv) >= NHI_REVIEW_ROWS_MAX)
		return -E2BIG;
	if ((rv->n_sessions + 1) * 2 > rv->n_slots) {
		r = index_grow(rv);
		if (r < 0)
			return r;
	}
	r = reserve((void **)&rv->sessions, &rv->cap_sessions, rv->n_sessions,
		    sizeof(*rv->sessions));
	if (r < 0)
		return r;
	s = &rv->sessions[rv->n_sessions];
	memset(s, 0, sizeof(*s));
	s->session = strdup(id);
	if (!s->session)
		return -ENOMEM;
	s->opened_usec = s->first_usec = s->ended_usec = NHI_USEC_UNKNOWN;
	s->close_usec = s->revoke_usec = NHI_USEC_UNKNOWN;
	s->close_duration = s->revoke_duration = s->duration = -1;
	rv->n_sessions++;
	rv->slots[slot_of(rv, id)] = rv->n_sessions;
	*out = s;
	return 0;
}

static bool
earlier(int64_t t, int64_t than)
{
	return than == NHI_USEC_UNKNOWN || t < than;
}

static int
session_merge(struct nhi_review_session *s, const struct nhi_review_entry *e)
{
	bool is_open = e->event == NHI_EV_OPEN;
	int r = 0;

	if (earlier(e->usec, s->first_usec))
		s->first_usec = e->usec;
	switch (e->event) {
	case NHI_EV_OPEN:
		if (earlier(e->usec, s->opened_usec))
			s->opened_usec = e->usec;
		s->has_open = true;
		break;
	case NHI_EV_CLOSE:
		if (earlier(e->usec, s->close_usec)) {
			s->close_usec = e->usec;
			s->close_duration = e->duration;
		}
		break;
	case NHI_EV_REVOKE:
		if (earlier(e->usec, s->revoke_usec)) {
			s->revoke_usec = e->usec;
			s->revoke_duration = e->duration;
			free(s->reason);
			s->reason = NULL;
			r = dup_opt(&s->reason, e->reason);
		}
		break;
	default:
		break;
	}
	if (r == 0)
		r = merge(&s->user, e->user, is_open);
	if (r == 0)
		r = merge(&s->service, e->service, is_open);
	if (r == 0)
		r = merge(&s->rhost, e->rhost, is_open);
	if (r == 0)
		r = merge(&s->host, e->host, is_open);
	if (r == 0)
		r = merge(&s->ticket, e->ticket, is_open);
	if (r == 0)
		r = merge(&s->approver, e->approver, is_open);
	if (r == 0)
		r = merge(&s->requester, e->requester, is_open);
	if (r == 0)
		r = merge(&s->purpose, e->purpose, is_open);
	return r;
}

static int
add_denial(struct nhi_review *rv, const struct nhi_review_entry *e)
{
	struct nhi_review_denial *d;
	int r;

	if (n_rows(rv) >= NHI_REVIEW_ROWS_MAX)
		return -E2BIG;
	r = reserve((void **)&rv->denials, &rv->cap_denials, rv->n_denials,
		    sizeof(*rv->denials));
	if (r < 0)
		return r;
	d = &rv->denials[rv->n_denials];
	memset(d, 0, sizeof(*d));
	d->usec = e->usec;
	d->seq = rv->n_denials;
	r = dup_opt(&d->user, e->user);
	if (r == 0)
		r = dup_opt(&d->service, e->service);
	if (r == 0)
		r = dup_opt(&d->rhost, e->rhost);
	if (r == 0)
		r = dup_opt(&d->host, e->host);
	if (r == 0)
		r = dup_opt(&d->ticket, e->ticket);
	if (r == 0)
		r = dup_opt(&d->reason, e->reason);
	if (r < 0) {
		denial_free(d);
		return r;
	}
	rv->n_denials++;
	return 0;
}

static bool
joins_session(const struct nhi_review_entry *e)
{
	return e->event == NHI_EV_OPEN || e->event == NHI_EV_CLOSE ||
	       e->event == NHI_EV_REVOKE || e->event == NHI_EV_WARN ||
	       e->event == NHI_EV_GRANT;
}

int
nhi_review_add(struct nhi_review *rv, const struct nhi_review_entry *e)
{
	struct nhi_review_session *s;
	int r;

	if (rv->finished)
		return -EINVAL;
	if (!nhi_review_wanted(rv, e))
		return 0;
	if (e->event == NHI_EV_DENY)
		return add_denial(rv, e);
	/* A grant in the account phase has no session yet: the open record
	 * that follows it carries the same ticket details, so nothing is lost. */
	if (!joins_session(e) || !e->session || !*e->session)
		return 0;
	r = find_session(rv, e->session, true, &s);
	if (r < 0)
		return r;
	return session_merge(s, e);
}

int
nhi_review_complete(struct nhi_review *rv, const struct nhi_review_entry *e)
{
	struct nhi_review_session *s;
	int r;

	if (rv->finished)
		return -EINVAL;
	if (!joins_session(e) || !e->session || !*e->session)
		return 0;
	r = find_session(rv, e->session, false, &s);
	if (r < 0 || !s)
		return r;
	return session_merge(s, e);
}

bool
nhi_review_session_incomplete(const struct nhi_review_session *s)
{
	return !s->has_open ||
	       (s->close_usec == NHI_USEC_UNKNOWN && s->revoke_usec == NHI_USEC_UNKNOWN);
}

static enum nhi_review_end
revoke_end(const char *reason)
{
	if (!reason)
		return NHI_END_REVOKED;
	if (strcmp(reason, "expired") == 0)
		return NHI_END_REVOKED_EXPIRED;
	if (strcmp(reason, "withdrawn") == 0)
		return NHI_END_REVOKED_WITHDRAWN;
	if (strcmp(reason, "manual") == 0)
		return NHI_END_REVOKED_MANUAL;
	return NHI_END_REVOKED;
}

/* A revoke outranks a close: the close written when the terminated session
 * unwinds is a consequence of the revocation, not a logout. */
static void
derive_end(struct nhi_review_session *s)
{
	int64_t dur = -1;

	if (s->revoke_usec != NHI_USEC_UNKNOWN) {
		s->end = revoke_end(s->reason);
		s->ended_usec = s->revoke_usec;
		dur = s->revoke_duration;
	} else if (s->close_usec != NHI_USEC_UNKNOWN) {
		s->end = NHI_END_CLOSED;
		s->ended_usec = s->close_usec;
		dur = s->close_duration;
	} else {
		s->end = NHI_END_OPEN;
		s->ended_usec = NHI_USEC_UNKNOWN;
	}
	if (dur < 0 && s->opened_usec != NHI_USEC_UNKNOWN &&
	    s->ended_usec != NHI_USEC_UNKNOWN && s->ended_usec >= s->opened_usec)
		dur = (s->ended_usec - s->opened_usec) / USEC_PER_SEC;
	s->duration = dur;
}

static int64_t
session_key(const struct nhi_review_session *s)
{
	return s->opened_usec != NHI_USEC_UNKNOWN ? s->opened_usec : s->first_usec;
}

static int
cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int
cmp_session(const void *a, const void *b)
{
	const struct nhi_review_session *x = a, *y = b;
	int c = cmp_i64(session_key(x), session_key(y));

	return c ? c : strcmp(x->session, y->session);
}

static int
cmp_denial(const void *a, const void *b)
{
	const struct nhi_review_denial *x = a, *y = b;
	int c = cmp_i64(x->usec, y->usec);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

void
nhi_review_finish(struct nhi_review *rv)
{
	size_t i;

	if (rv->finished)
		return;
	for (i = 0; i < rv->n_sessions; i++)
		derive_end(&rv->sessions[i]);
	/* Sorting moves rows under the index: drop it, no lookups follow. */
	free(rv->slots);
	rv->slots = NULL;
	rv->n_slots = 0;
	if (rv->n_sessions)
		qsort(rv->sessions, rv->n_sessions, sizeof(*rv->sessions), cmp_session);
	if (rv->n_denials)
		qsort(rv->denials, rv->n_denials, sizeof(*rv->denials), cmp_denial);
	rv->finished = true;
}

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
nhi_review_session_json(const struct nhi_review_session *s)
{
	static const char *const keys[] = {
		"type", "session", "user", "host", "rhost", "service", "ticket",
		"approver", "requester", "purpose", "opened", "ended", "end",
		"reason", "duration",
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
	};

	return jobject(keys, v, sizeof(keys) / sizeof(keys[0]));
}

json_t *
nhi_review_denial_json(const struct nhi_review_denial *d)
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
nhi_review_print_json(const struct nhi_review *rv, FILE *out)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < rv->n_sessions; i++)
		r = print_json_row(nhi_review_session_json(&rv->sessions[i]), out);
	for (i = 0; r == 0 && i < rv->n_denials; i++)
		r = print_json_row(nhi_review_denial_json(&rv->denials[i]), out);
	if (r == 0 && (fflush(out) == EOF || ferror(out)))
		r = -EIO;
	return r;
}

/* ---- table ------------------------------------------------------------ */

#define CELL_BUF (NHI_REVIEW_CELL_MAX * 4 + 1)

enum { S_OPENED, S_ENDED, S_DURATION, S_END, S_USER, S_HOST, S_RHOST,
       S_TICKET, S_APPROVER, S_COLS };
static const char *const session_heads[S_COLS] = {
	"OPENED", "ENDED", "DURATION", "END", "USER", "HOST", "RHOST",
	"TICKET", "APPROVER",
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

static void
cell_time(char *buf, int64_t usec, bool utc)
{
	time_t t;
	struct tm tm;

	if (usec == NHI_USEC_UNKNOWN) {
		snprintf(buf, CELL_BUF, "-");
		return;
	}
	t = (time_t)(usec / USEC_PER_SEC);
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
	    strftime(buf, CELL_BUF, utc ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %Z",
		     &tm) == 0)
		snprintf(buf, CELL_BUF, "@%lld", (long long)(usec / USEC_PER_SEC));
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
	default: cell_text(buf, s->approver); break;
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
nhi_review_print_table(const struct nhi_review *rv, FILE *out, bool utc)
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

/* ---- --since / --until ------------------------------------------------ */

/* Exactly n digits into *v. */
static bool
digits(const char **p, int n, int *v)
{
	int x = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		x = x * 10 + (**p - '0');
	}
	*v = x;
	return true;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no time zone, no libc. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Local midnight of today + days_off, via the C library's zone rules. */
static int
local_midnight(int64_t now, int days_off, bool utc, int64_t *out)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (utc) {
		*out = (now / 86400 + days_off) * 86400;       /* now >= 0 */
		return 0;
	}
	if (!localtime_r(&t, &tm))
		return -ERANGE;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days_off;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -ERANGE;
	*out = t;
	return 0;
}

static int
parse_unix(const char *s, int64_t *out)
{
	int64_t sec = 0, frac = 0, scale = USEC_PER_SEC;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (*p - '0');
		if (sec > UNIX_MAX)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return -EINVAL;    /* more than microseconds */
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p)
		return -EINVAL;
	*out = sec * USEC_PER_SEC + frac;
	return 0;
}

/* "", "Z", "UTC", " UTC", "+HH:MM", "-HHMM": *zoned tells whether a zone
 * was given, *off its offset east of UTC in seconds. */
static int
parse_zone(const char *p, bool *zoned, int64_t *off)
{
	int hh, mm, sign;

	*zoned = false;
	*off = 0;
	if (!*p)
		return 0;
	if (*p == ' ' && !*++p)
		return -EINVAL;
	if (strcmp(p, "Z") == 0 || strcmp(p, "UTC") == 0) {
		*zoned = true;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &hh))
		return -EINVAL;
	if (*p == ':')
		p++;
	if (!digits(&p, 2, &mm) || *p || hh > 23 || mm > 59)
		return -EINVAL;
	*zoned = true;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

static int
parse_date(const char *s, bool utc, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	const char *p = s;
	bool zoned;
	int64_t off, t;
	int r;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return -EINVAL;
	if ((*p == ' ' || *p == 'T') && p[1] >= '0' && p[1] <= '9') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &se))
				return -EINVAL;
		}
	}
	r = parse_zone(p, &zoned, &off);
	if (r < 0)
		return r;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	if (y < 1970 || y > 9999)
		return -ERANGE;
	if (d > mdays(y, mo))
		return -EINVAL;
	if (zoned || utc) {
		t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	} else {
		struct tm tm = {
			.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			.tm_hour = h, .tm_min = mi, .tm_sec = se, .tm_isdst = -1,
		};
		time_t tt = mktime(&tm);

		if (tt == (time_t)-1)   /* also 1969-12-31T23:59:59Z: out of range */
			return -ERANGE;
		t = tt;
	}
	if (t < 0 || t > UNIX_MAX)
		return -ERANGE;
	*out = t;
	return 0;
}

int
nhi_review_parse_time(const char *s, int64_t now_usec, bool utc, int64_t *out_usec)
{
	int64_t now = now_usec / USEC_PER_SEC, t = 0, dur;
	int r;

	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "now") == 0) {
		*out_usec = now_usec;
		return 0;
	}
	if (strcmp(s, "today") == 0)
		r = local_midnight(now, 0, utc, &t);
	else if (strcmp(s, "yesterday") == 0)
		r = local_midnight(now, -1, utc, &t);
	else if (strcmp(s, "tomorrow") == 0)
		r = local_midnight(now, 1, utc, &t);
	else if (s[0] == '@')
		return parse_unix(s + 1, out_usec);
	else if (s[0] == '-' || s[0] == '+') {
		r = nhi_parse_duration(s + 1, &dur);
		if (r < 0)
			return r == -ERANGE ? r : -EINVAL;
		t = s[0] == '-' ? now_usec - dur * USEC_PER_SEC : now_usec + dur * USEC_PER_SEC;
		if (t < 0 || t > UNIX_MAX * USEC_PER_SEC)
			return -ERANGE;
		*out_usec = t;
		return 0;
	} else
		r = parse_date(s, utc, &t);
	if (r < 0)
		return r;
	if (t < 0 || t > UNIX_MAX)
		return -ERANGE;
	*out_usec = t * USEC_PER_SEC;
	return 0;
}
