/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct review, the part without a journal: joins records into session
 * rows, keeps denial rows, filters, derives how each session ended.  The
 * command prints them (helper/review_print.c); the --since/--until forms
 * are timeutil.c's.
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

static const char *const end_names[NHI_END_MAX] = {
	[NHI_END_OPEN] = "open",
	[NHI_END_CLOSED] = "closed",
	[NHI_END_REVOKED_EXPIRED] = "revoked-expired",
	[NHI_END_REVOKED_WITHDRAWN] = "revoked-withdrawn",
	[NHI_END_REVOKED_MANUAL] = "revoked-manual",
	[NHI_END_REVOKED_RECORDING] = "revoked-recording-lost",
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
	free(s->reviewer);
	free(s->recording);
	free(s->boot_id);
	free(s->review_note);
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
	s->reviewed_usec = NHI_USEC_UNKNOWN;
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
		if (e->recording != NULL && s->recording == NULL) {
			r = dup_opt(&s->recording, e->recording);
			if (r == 0)
				r = dup_opt(&s->boot_id, e->boot_id);
		}
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
	case NHI_EV_REVIEWED:
		/* the latest attestation counts */
		if (s->reviewed_usec == NHI_USEC_UNKNOWN || e->usec >= s->reviewed_usec) {
			s->reviewed_usec = e->usec;
			free(s->reviewer);
			free(s->review_note);
			s->reviewer = s->review_note = NULL;
			r = dup_opt(&s->reviewer, e->reviewer ? e->reviewer : "?");
			if (r == 0)
				r = dup_opt(&s->review_note, e->note);
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
	       e->event == NHI_EV_GRANT || e->event == NHI_EV_REVIEWED;
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
nhi_review_session_unreviewed(const struct nhi_review_session *s, int64_t before_usec)
{
	int64_t t = s->ended_usec != NHI_USEC_UNKNOWN ? s->ended_usec : s->opened_usec;

	if (s->reviewer != NULL)
		return false;
	if (t == NHI_USEC_UNKNOWN)
		t = s->first_usec;
	return before_usec == NHI_USEC_UNKNOWN || t <= before_usec;
}

size_t
nhi_review_keep_unreviewed(struct nhi_review *rv, int64_t before_usec)
{
	size_t k = 0;

	for (size_t i = 0; i < rv->n_sessions; i++) {
		if (nhi_review_session_unreviewed(&rv->sessions[i], before_usec))
			rv->sessions[k++] = rv->sessions[i];
		else
			session_free(&rv->sessions[i]);
	}
	rv->n_sessions = k;
	for (size_t i = 0; i < rv->n_denials; i++)
		denial_free(&rv->denials[i]);
	rv->n_denials = 0;
	/* the index points at rows that moved: no lookup after this */
	free(rv->slots);
	rv->slots = NULL;
	rv->n_slots = 0;
	return k;
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
	if (strcmp(reason, "recording_lost") == 0)
		return NHI_END_REVOKED_RECORDING;
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
