/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nhiacct review's core: the --since/--until forms, the joins of records
 * into session rows, how a session ended, the filters and both outputs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "review.h"
#include "review_print.h"
#include "timeutil.h"

#define S(x) ((int64_t)(x) * INT64_C(1000000))

/* 2026-11-22T10:30:00Z, a Sunday in CET (UTC+1). */
#define NOW_SEC INT64_C(1795343400)
#define NOW S(NOW_SEC)

/* Central European rules as a POSIX TZ string: no tzdata needed. */
#define TZ_CET "CET-1CEST,M3.5.0,M10.5.0/3"

static int64_t parse_ok(const char *s, bool utc)
{
	int64_t t = -1;

	assert_int_equal(nhi_parse_when(s, NOW, utc, &t), 0);
	return t;
}

static int parse_err(const char *s)
{
	int64_t t = 42;
	int r = nhi_parse_when(s, NOW, true, &t);

	assert_int_equal(t, 42);  /* untouched on error */
	return r;
}

static void test_parse_keywords(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("now", true), NOW);
	assert_int_equal(parse_ok("today", true), S(1795305600));      /* 2026-11-22T00:00Z */
	assert_int_equal(parse_ok("yesterday", true), S(1795305600 - 86400));
	assert_int_equal(parse_ok("tomorrow", true), S(1795305600 + 86400));
}

static void test_parse_relative(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("-2h", true), NOW - S(7200));
	assert_int_equal(parse_ok("-30m", true), NOW - S(1800));
	assert_int_equal(parse_ok("-1d", true), NOW - S(86400));
	assert_int_equal(parse_ok("+1h", true), NOW + S(3600));
	assert_int_equal(parse_ok("-90", true), NOW - S(90));
	assert_int_equal(parse_ok("-45s", false), NOW - S(45));
	/* systemd.time(7) spans, as operators type them */
	assert_int_equal(parse_ok("-90min", true), NOW - S(5400));
	assert_int_equal(parse_ok("-3h30min", true), NOW - S(12600));
	assert_int_equal(parse_ok("-1w", true), NOW - S(7 * 86400));
	assert_int_equal(parse_ok("1h ago", true), NOW - S(3600));
	assert_int_equal(parse_ok("1h 30min ago", true), NOW - S(5400));
	assert_int_equal(parse_ok("2h left", true), NOW + S(7200));
	assert_int_equal(parse_ok("@1700000000", true), S(1700000000));
	assert_int_equal(parse_err("ago"), -EINVAL);
	assert_int_equal(parse_err("1x ago"), -EINVAL);
}

static void test_parse_dates_utc(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-22", true), S(1795305600));
	assert_int_equal(parse_ok("2026-11-22 09:00", true), S(1795305600 + 9 * 3600));
	assert_int_equal(parse_ok("2026-11-22 09:00:15", true), S(1795305600 + 9 * 3600 + 15));
	assert_int_equal(parse_ok("2026-11-22T09:00:15", true), S(1795305600 + 9 * 3600 + 15));
	assert_int_equal(parse_ok("1970-01-01", true), 0);
	assert_int_equal(parse_ok("2024-02-29", true), S(1709164800));
	assert_int_equal(parse_ok("9999-12-31 23:59:59", true), S(INT64_C(253402300799)));
}

static void test_parse_explicit_zone(void **state)
{
	(void)state;
	/* An explicit zone wins over the utc flag either way. */
	assert_int_equal(parse_ok("2026-11-22T09:00:00Z", false), S(1795305600 + 9 * 3600));
	assert_int_equal(parse_ok("2026-11-22 09:00 UTC", false), S(1795305600 + 9 * 3600));
	assert_int_equal(parse_ok("2026-11-22T11:00:00+02:00", false), S(1795305600 + 9 * 3600));
	assert_int_equal(parse_ok("2026-11-22 04:00-0500", true), S(1795305600 + 9 * 3600));
}

static void test_parse_local(void **state)
{
	(void)state;
	setenv("TZ", TZ_CET, 1);
	tzset();
	/* Winter: UTC+1. */
	assert_int_equal(parse_ok("2026-11-22", false), S(1795305600 - 3600));
	assert_int_equal(parse_ok("2026-11-22 10:00", false), S(1795305600 + 9 * 3600));
	/* Summer: UTC+2. */
	assert_int_equal(parse_ok("2026-07-01 12:00:00", false), S(1782900000));
	/* today/yesterday at local midnight: 2026-11-22 00:00 CET. */
	assert_int_equal(parse_ok("today", false), S(1795305600 - 3600));
	assert_int_equal(parse_ok("yesterday", false), S(1795305600 - 3600 - 86400));
	/* The day of the switch to winter time is 25 hours long. */
	{
		int64_t t, now = S(1793008800);        /* 2026-10-26T10:00:00Z */

		assert_int_equal(nhi_parse_when("today", now, false, &t), 0);
		assert_int_equal(t, S(1792969200));      /* 2026-10-26T00:00+01:00 */
		assert_int_equal(nhi_parse_when("yesterday", now, false, &t), 0);
		assert_int_equal(t, S(1792969200 - 25 * 3600));
	}
	setenv("TZ", "UTC0", 1);
	tzset();
}

static void test_parse_unix(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("@0", true), 0);
	assert_int_equal(parse_ok("@1795343400", false), NOW);
	assert_int_equal(parse_ok("@1795343400.5", true), NOW + 500000);
	assert_int_equal(parse_ok("@1795343400.000001", true), NOW + 1);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_int_equal(parse_err(""), -EINVAL);
	assert_int_equal(parse_err("Today"), -EINVAL);
	assert_int_equal(parse_err("todayx"), -EINVAL);
	assert_int_equal(parse_err("2026-13-01"), -EINVAL);
	assert_int_equal(parse_err("2026-00-10"), -EINVAL);
	assert_int_equal(parse_err("2026-02-29"), -EINVAL);
	assert_int_equal(parse_err("2026-04-31"), -EINVAL);
	assert_int_equal(parse_err("2026-1-01"), -EINVAL);
	assert_int_equal(parse_err("2026-01-01 24:00"), -EINVAL);
	assert_int_equal(parse_err("2026-01-01 10:60"), -EINVAL);
	assert_int_equal(parse_err("2026-01-01 10"), -EINVAL);
	assert_int_equal(parse_err("2026-01-01 "), -EINVAL);
	assert_int_equal(parse_err("2026-01-01 10:00 CET"), -EINVAL);
	assert_int_equal(parse_err("2026-01-01T10:00+25:00"), -EINVAL);
	assert_int_equal(parse_err("1969-12-31"), -ERANGE);
	assert_int_equal(parse_err("1970-01-01 00:00+01:00"), -ERANGE);
	assert_int_equal(parse_err("10000-01-01"), -EINVAL);
	assert_int_equal(parse_err("@"), -EINVAL);
	assert_int_equal(parse_err("@12x"), -EINVAL);
	assert_int_equal(parse_err("@-5"), -EINVAL);
	assert_int_equal(parse_err("@1.1234567"), -EINVAL);
	assert_int_equal(parse_err("@999999999999999999999"), -ERANGE);
	assert_int_equal(parse_err("-2x"), -EINVAL);
	assert_int_equal(parse_err("-"), -EINVAL);
	assert_int_equal(parse_err("-h"), -EINVAL);
	assert_int_equal(parse_err("-100000d"), -ERANGE);
}

/* ---- joins ------------------------------------------------------------ */

#define T0 S(1795305600)        /* 2026-11-22T00:00:00Z */

static struct nhi_review_entry ev(enum nhi_event event, int64_t usec, const char *session,
				  const char *user, const char *ticket)
{
	struct nhi_review_entry e = {
		.event = event, .usec = usec, .session = session, .user = user,
		.ticket = ticket, .service = "sshd", .rhost = "192.0.2.7",
		.host = "jump1", .duration = -1,
	};
	return e;
}

static struct nhi_review *new_review(const char *user, const char *ticket,
				     int64_t since, int64_t until)
{
	struct nhi_review *rv = calloc(1, sizeof(*rv));
	struct nhi_review_filter f = {
		.user = user, .ticket = ticket, .since_usec = since, .until_usec = until,
	};

	assert_non_null(rv);
	assert_int_equal(nhi_review_init(rv, &f), 0);
	return rv;
}

static void drop(struct nhi_review *rv)
{
	nhi_review_free(rv);
	free(rv);
}

static void add(struct nhi_review *rv, struct nhi_review_entry e)
{
	assert_int_equal(nhi_review_add(rv, &e), 0);
}

static const struct nhi_review_session *find(const struct nhi_review *rv, const char *id)
{
	for (size_t i = 0; i < rv->n_sessions; i++)
		if (strcmp(rv->sessions[i].session, id) == 0)
			return &rv->sessions[i];
	fail_msg("no session %s", id);
	return NULL;
}

static void test_end_names(void **state)
{
	(void)state;
	assert_string_equal(nhi_review_end_name(NHI_END_OPEN), "open");
	assert_string_equal(nhi_review_end_name(NHI_END_CLOSED), "closed");
	assert_string_equal(nhi_review_end_name(NHI_END_REVOKED_EXPIRED), "revoked-expired");
	assert_string_equal(nhi_review_end_name(NHI_END_REVOKED_WITHDRAWN), "revoked-withdrawn");
	assert_string_equal(nhi_review_end_name(NHI_END_REVOKED_MANUAL), "revoked-manual");
	assert_string_equal(nhi_review_end_name(NHI_END_REVOKED_RECORDING), "revoked-recording-lost");
	assert_string_equal(nhi_review_end_name(NHI_END_REVOKED), "revoked");
	assert_null(nhi_review_end_name(NHI_END_MAX));
}

static void test_session_closed(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	const struct nhi_review_session *s;

	(void)state;
	/* The grant of the account phase carries no session: no row of its own. */
	add(rv, ev(NHI_EV_GRANT, T0, NULL, "vendor1", "CHG-1"));
	e = ev(NHI_EV_OPEN, T0 + S(1), "s1", "vendor1", "CHG-1");
	e.approver = "alice";
	e.requester = "acme-jdoe";
	e.purpose = "hotfix";
	add(rv, e);
	add(rv, ev(NHI_EV_WARN, T0 + S(50), "s1", "vendor1", "CHG-1"));
	e = ev(NHI_EV_CLOSE, T0 + S(61), "s1", "vendor1", "CHG-1");
	e.duration = 60;
	add(rv, e);
	nhi_review_finish(rv);

	assert_int_equal(rv->n_sessions, 1);
	assert_int_equal(rv->n_denials, 0);
	s = find(rv, "s1");
	assert_int_equal(s->end, NHI_END_CLOSED);
	assert_true(s->has_open);
	assert_int_equal(s->opened_usec, T0 + S(1));
	assert_int_equal(s->ended_usec, T0 + S(61));
	assert_int_equal(s->duration, 60);
	assert_string_equal(s->approver, "alice");
	assert_string_equal(s->requester, "acme-jdoe");
	assert_string_equal(s->purpose, "hotfix");
	assert_string_equal(s->user, "vendor1");
	assert_string_equal(s->host, "jump1");
	assert_null(s->reason);
	assert_false(nhi_review_session_incomplete(s));
	drop(rv);
}

static void test_session_revoked_kinds(void **state)
{
	static const struct {
		const char *reason;
		enum nhi_review_end end;
	} kinds[] = {
		{ "expired", NHI_END_REVOKED_EXPIRED },
		{ "withdrawn", NHI_END_REVOKED_WITHDRAWN },
		{ "manual", NHI_END_REVOKED_MANUAL },
		{ "recording_lost", NHI_END_REVOKED_RECORDING },
		{ "something_new", NHI_END_REVOKED },
		{ NULL, NHI_END_REVOKED },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN,
						   NHI_USEC_UNKNOWN);
		struct nhi_review_entry e = ev(NHI_EV_REVOKE, T0 + S(100), "s", "u", "T");

		add(rv, ev(NHI_EV_OPEN, T0, "s", "u", "T"));
		e.reason = kinds[i].reason;
		add(rv, e);
		nhi_review_finish(rv);
		assert_int_equal(rv->sessions[0].end, kinds[i].end);
		/* No NHIACCT_DURATION: computed from the records' times. */
		assert_int_equal(rv->sessions[0].duration, 100);
		drop(rv);
	}
}

static void test_revoke_outranks_close(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	const struct nhi_review_session *s;

	(void)state;
	add(rv, ev(NHI_EV_OPEN, T0, "s", "u", "T"));
	e = ev(NHI_EV_REVOKE, T0 + S(3600), "s", "u", "T");
	e.reason = "expired";
	e.duration = 3600;
	add(rv, e);
	/* The close written while the terminated session unwinds. */
	e = ev(NHI_EV_CLOSE, T0 + S(3601), "s", "u", "T");
	e.duration = 3601;
	add(rv, e);
	nhi_review_finish(rv);
	s = &rv->sessions[0];
	assert_int_equal(s->end, NHI_END_REVOKED_EXPIRED);
	assert_int_equal(s->ended_usec, T0 + S(3600));
	assert_int_equal(s->duration, 3600);
	assert_string_equal(s->reason, "expired");
	drop(rv);
}

static void test_open_record_is_the_authority(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	const struct nhi_review_session *s;

	(void)state;
	/* The close arrives first (completion order) with other details. */
	e = ev(NHI_EV_CLOSE, T0 + S(10), "s", "u", "T-close");
	e.approver = "mallory";
	e.duration = 10;
	add(rv, e);
	s = &rv->sessions[0];
	assert_true(nhi_review_session_incomplete(s));
	assert_string_equal(s->approver, "mallory");
	e = ev(NHI_EV_OPEN, T0, "s", "u", "T");
	e.approver = "alice";
	e.rhost = NULL;         /* absent in the open: the close's value stays */
	add(rv, e);
	nhi_review_finish(rv);
	s = &rv->sessions[0];
	assert_string_equal(s->approver, "alice");
	assert_string_equal(s->ticket, "T");
	assert_string_equal(s->rhost, "192.0.2.7");
	assert_int_equal(s->opened_usec, T0);
	drop(rv);
}

static void test_still_open_and_unknown_open(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	const struct nhi_review_session *s;

	(void)state;
	add(rv, ev(NHI_EV_OPEN, T0, "open1", "u", "T"));
	add(rv, ev(NHI_EV_WARN, T0 + S(5), "open1", "u", "T"));
	e = ev(NHI_EV_CLOSE, T0 + S(7), "noopen", "u", "T");
	add(rv, e);
	nhi_review_finish(rv);

	s = find(rv, "open1");
	assert_int_equal(s->end, NHI_END_OPEN);
	assert_int_equal(s->ended_usec, NHI_USEC_UNKNOWN);
	assert_int_equal(s->duration, -1);
	assert_true(nhi_review_session_incomplete(s));

	s = find(rv, "noopen");
	assert_int_equal(s->end, NHI_END_CLOSED);
	assert_false(s->has_open);
	assert_int_equal(s->opened_usec, NHI_USEC_UNKNOWN);
	assert_int_equal(s->duration, -1);  /* no opened time, no NHIACCT_DURATION */
	drop(rv);
}

static void test_grant_with_session_and_records_without(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;

	(void)state;
	e = ev(NHI_EV_GRANT, T0, "s", "u", "T");
	e.approver = "alice";
	add(rv, e);
	add(rv, ev(NHI_EV_CLOSE, T0 + S(1), NULL, "u", "T"));
	add(rv, ev(NHI_EV_CLOSE, T0 + S(1), "", "u", "T"));
	nhi_review_finish(rv);
	assert_int_equal(rv->n_sessions, 1);
	assert_string_equal(rv->sessions[0].approver, "alice");
	assert_false(rv->sessions[0].has_open);
	drop(rv);
}

static void test_denials(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;

	(void)state;
	e = ev(NHI_EV_DENY, T0 + S(9), NULL, "vendor2", "CHG-1");
	e.reason = "account_out_of_scope";
	add(rv, e);
	e = ev(NHI_EV_DENY, T0 + S(3), NULL, "vendor1", NULL);
	e.reason = "no_ticket";
	add(rv, e);
	e = ev(NHI_EV_DENY, T0 + S(3), NULL, "vendor3", NULL);
	e.reason = "no_ticket";
	add(rv, e);
	nhi_review_finish(rv);
	assert_int_equal(rv->n_sessions, 0);
	assert_int_equal(rv->n_denials, 3);
	/* By time; equal times keep their arrival order. */
	assert_string_equal(rv->denials[0].user, "vendor1");
	assert_null(rv->denials[0].ticket);
	assert_string_equal(rv->denials[1].user, "vendor3");
	assert_string_equal(rv->denials[2].user, "vendor2");
	assert_string_equal(rv->denials[2].reason, "account_out_of_scope");
	drop(rv);
}

static void test_filter_user_ticket(void **state)
{
	struct nhi_review *rv = new_review("vendor1", "CHG-1", NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;

	(void)state;
	add(rv, ev(NHI_EV_OPEN, T0, "a", "vendor1", "CHG-1"));
	add(rv, ev(NHI_EV_OPEN, T0, "b", "vendor2", "CHG-1"));
	add(rv, ev(NHI_EV_OPEN, T0, "c", "vendor1", "CHG-2"));
	add(rv, ev(NHI_EV_OPEN, T0, "d", NULL, "CHG-1"));
	e = ev(NHI_EV_DENY, T0, NULL, "vendor1", NULL);
	add(rv, e);
	e = ev(NHI_EV_DENY, T0, NULL, "vendor1", "CHG-1");
	add(rv, e);
	nhi_review_finish(rv);
	assert_int_equal(rv->n_sessions, 1);
	assert_string_equal(rv->sessions[0].session, "a");
	assert_int_equal(rv->n_denials, 1);
	assert_string_equal(rv->denials[0].ticket, "CHG-1");
	drop(rv);
}

static void test_filter_time_and_completion(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, T0 + S(100), T0 + S(200));
	struct nhi_review_entry e;
	const struct nhi_review_session *s;

	(void)state;
	/* Range [100 s, 200 s): the boundaries. */
	add(rv, ev(NHI_EV_OPEN, T0 + S(99), "before", "u", "T"));
	add(rv, ev(NHI_EV_OPEN, T0 + S(100), "first", "u", "T"));
	add(rv, ev(NHI_EV_OPEN, T0 + S(199), "last", "u", "T"));
	add(rv, ev(NHI_EV_OPEN, T0 + S(200), "after", "u", "T"));
	/* Opened before the range, closed in it. */
	e = ev(NHI_EV_CLOSE, T0 + S(150), "early", "u", "T");
	add(rv, e);
	assert_int_equal(rv->n_sessions, 3);

	/* Completion merges into known rows only, whatever the range. */
	e = ev(NHI_EV_OPEN, T0 + S(10), "early", "u", "T");
	e.approver = "alice";
	assert_int_equal(nhi_review_complete(rv, &e), 0);
	e = ev(NHI_EV_CLOSE, T0 + S(500), "last", "u", "T");
	assert_int_equal(nhi_review_complete(rv, &e), 0);
	e = ev(NHI_EV_OPEN, T0 + S(10), "unknown", "u", "T");
	assert_int_equal(nhi_review_complete(rv, &e), 0);
	nhi_review_finish(rv);

	assert_int_equal(rv->n_sessions, 3);
	/* Sorted by opened time. */
	assert_string_equal(rv->sessions[0].session, "early");
	assert_string_equal(rv->sessions[1].session, "first");
	assert_string_equal(rv->sessions[2].session, "last");
	s = &rv->sessions[0];
	assert_string_equal(s->approver, "alice");
	assert_int_equal(s->duration, 140);
	assert_int_equal(s->end, NHI_END_CLOSED);
	s = &rv->sessions[2];
	assert_int_equal(s->end, NHI_END_CLOSED);
	assert_int_equal(s->ended_usec, T0 + S(500));

	/* Nothing is added after finish. */
	e = ev(NHI_EV_OPEN, T0 + S(150), "late", "u", "T");
	assert_int_equal(nhi_review_add(rv, &e), -EINVAL);
	assert_int_equal(nhi_review_complete(rv, &e), -EINVAL);
	drop(rv);
}

static void test_many_sessions(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	char id[32];
	int n = 20000;

	(void)state;
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "sess-%d", i);
		add(rv, ev(NHI_EV_OPEN, T0 + S(n - i), id, "u", "T"));
	}
	for (int i = 0; i < n; i += 2) {
		snprintf(id, sizeof(id), "sess-%d", i);
		add(rv, ev(NHI_EV_CLOSE, T0 + S(2 * n), id, "u", "T"));
	}
	assert_int_equal(rv->n_sessions, (size_t)n);
	nhi_review_finish(rv);
	for (size_t i = 0; i < rv->n_sessions; i++) {
		int k = n - 1 - (int)i;    /* opened in reverse order */

		snprintf(id, sizeof(id), "sess-%d", k);
		assert_string_equal(rv->sessions[i].session, id);
		assert_int_equal(rv->sessions[i].end,
				 k % 2 == 0 ? NHI_END_CLOSED : NHI_END_OPEN);
	}
	drop(rv);
}

/* ---- output ----------------------------------------------------------- */

static char *json_text(json_t *o)
{
	char *s;

	assert_non_null(o);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(s);
	return s;
}

static void test_json_session(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	char *s;

	(void)state;
	e = ev(NHI_EV_OPEN, T0 + S(9 * 3600), "s1", "vendor1", "CHG-1");
	e.approver = "alice";
	e.requester = "acme";
	e.purpose = "line1\nline2";
	e.recording = "376";
	e.boot_id = "729b1ba393344118bbeabbde9d07eb4d";
	add(rv, e);
	e = ev(NHI_EV_REVOKE, T0 + S(10 * 3600), "s1", "vendor1", "CHG-1");
	e.reason = "withdrawn";
	e.recording = "999";    /* only the open record's counts */
	e.duration = 3599;
	add(rv, e);
	add(rv, ev(NHI_EV_OPEN, T0, "s0", "vendor2", "CHG-2"));
	nhi_review_finish(rv);

	s = json_text(review_session_json(&rv->sessions[1]));
	assert_string_equal(s,
		"{\"type\":\"session\",\"session\":\"s1\",\"user\":\"vendor1\","
		"\"host\":\"jump1\",\"rhost\":\"192.0.2.7\",\"service\":\"sshd\","
		"\"ticket\":\"CHG-1\",\"approver\":\"alice\",\"requester\":\"acme\","
		"\"purpose\":\"line1\\nline2\",\"opened\":\"2026-11-22T09:00:00Z\","
		"\"ended\":\"2026-11-22T10:00:00Z\",\"end\":\"revoked-withdrawn\","
		"\"reason\":\"withdrawn\",\"duration\":3599,\"reviewed_by\":null,"
		"\"reviewed_at\":null,\"review_note\":null,\"recorded\":true,"
		"\"recording\":\"376\",\"boot_id\":\"729b1ba393344118bbeabbde9d07eb4d\"}");
	free(s);
	s = json_text(review_session_json(&rv->sessions[0]));
	assert_string_equal(s,
		"{\"type\":\"session\",\"session\":\"s0\",\"user\":\"vendor2\","
		"\"host\":\"jump1\",\"rhost\":\"192.0.2.7\",\"service\":\"sshd\","
		"\"ticket\":\"CHG-2\",\"approver\":null,\"requester\":null,"
		"\"purpose\":null,\"opened\":\"2026-11-22T00:00:00Z\","
		"\"ended\":null,\"end\":\"open\",\"reason\":null,\"duration\":null,"
		"\"reviewed_by\":null,\"reviewed_at\":null,\"review_note\":null,"
		"\"recorded\":false,\"recording\":null,\"boot_id\":null}");
	free(s);
	drop(rv);
}

static void test_json_denial_and_bad_utf8(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	char *s;

	(void)state;
	e = ev(NHI_EV_DENY, T0 + S(1), NULL, "vendor\xff", NULL);
	e.reason = "no_ticket";
	e.rhost = NULL;
	add(rv, e);
	nhi_review_finish(rv);
	s = json_text(review_denial_json(&rv->denials[0]));
	assert_string_equal(s,
		"{\"type\":\"denial\",\"time\":\"2026-11-22T00:00:01Z\","
		"\"user\":\"vendor\\\\xff\",\"host\":\"jump1\",\"rhost\":null,"
		"\"service\":\"sshd\",\"ticket\":null,\"reason\":\"no_ticket\"}");
	free(s);
	drop(rv);
}

static char *capture(const struct nhi_review *rv, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(review_print_json(rv, f), 0);
	else
		assert_int_equal(review_print_table(rv, f, true), 0);
	fclose(f);
	return buf;
}

static void test_print_json_lines(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	char *out, *line, *save = NULL;
	int n = 0;

	(void)state;
	add(rv, ev(NHI_EV_OPEN, T0, "s1", "u", "T"));
	add(rv, ev(NHI_EV_OPEN, T0 + S(1), "s2", "u", "T"));
	e = ev(NHI_EV_DENY, T0, NULL, "u", "T");
	add(rv, e);
	nhi_review_finish(rv);
	out = capture(rv, true);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t err;
		json_t *o = json_loads(line, 0, &err);

		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "type")),
				    n < 2 ? "session" : "denial");
		json_decref(o);
		n++;
	}
	assert_int_equal(n, 3);
	free(out);
	drop(rv);
}

static void test_print_table(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	char *out;

	(void)state;
	e = ev(NHI_EV_OPEN, T0, "s1", "vendor1", "CHG-1");
	e.approver = "al\x1b[31mice";
	add(rv, e);
	e = ev(NHI_EV_CLOSE, T0 + S(3725), "s1", "vendor1", "CHG-1");
	e.duration = 3725;
	add(rv, e);
	e = ev(NHI_EV_OPEN, T0 + S(60), "s2", "v2", "CHG-22");
	e.recording = "376";
	e.boot_id = "729b1ba393344118bbeabbde9d07eb4d";
	add(rv, e);
	e = ev(NHI_EV_DENY, T0 + S(5), NULL, "vendor9", NULL);
	e.reason = "no_ticket";
	add(rv, e);
	nhi_review_finish(rv);
	out = capture(rv, false);
	assert_string_equal(out,
		"Sessions:\n"
		"OPENED                   ENDED                    DURATION  END     USER     HOST   RHOST      TICKET  APPROVER       REC  REVIEWER\n"
		"2026-11-22 00:00:00 UTC  2026-11-22 01:02:05 UTC  1h 2m     closed  vendor1  jump1  192.0.2.7  CHG-1   al\\x1b[31mice  no   -\n"
		"2026-11-22 00:01:00 UTC  -                        -         open    v2       jump1  192.0.2.7  CHG-22  -              yes  -\n"
		"\n"
		"Denials:\n"
		"TIME                     USER     HOST   RHOST      SERVICE  TICKET  REASON\n"
		"2026-11-22 00:00:05 UTC  vendor9  jump1  192.0.2.7  sshd     -       no_ticket\n");
	free(out);
	drop(rv);

	rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	nhi_review_finish(rv);
	out = capture(rv, false);
	assert_string_equal(out, "No sessions or denials.\n");
	free(out);
	drop(rv);
}

static void test_table_cell_bounded(void **state)
{
	struct nhi_review *rv = new_review(NULL, NULL, NHI_USEC_UNKNOWN, NHI_USEC_UNKNOWN);
	struct nhi_review_entry e;
	char long_name[300], *out, *line;

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	e = ev(NHI_EV_DENY, T0, NULL, long_name, NULL);
	add(rv, e);
	nhi_review_finish(rv);
	out = capture(rv, false);
	line = strrchr(out, '\n');
	assert_non_null(line);
	*line = '\0';
	line = strrchr(out, '\n') + 1;
	/* time (23) + 2 + user cell of at most NHI_REVIEW_CELL_MAX + ... */
	assert_true(strlen(line) < 23 + 2 + NHI_REVIEW_CELL_MAX + 60);
	assert_null(strstr(out, long_name));
	free(out);
	drop(rv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_keywords),
		cmocka_unit_test(test_parse_relative),
		cmocka_unit_test(test_parse_dates_utc),
		cmocka_unit_test(test_parse_explicit_zone),
		cmocka_unit_test(test_parse_local),
		cmocka_unit_test(test_parse_unix),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_end_names),
		cmocka_unit_test(test_session_closed),
		cmocka_unit_test(test_session_revoked_kinds),
		cmocka_unit_test(test_revoke_outranks_close),
		cmocka_unit_test(test_open_record_is_the_authority),
		cmocka_unit_test(test_still_open_and_unknown_open),
		cmocka_unit_test(test_grant_with_session_and_records_without),
		cmocka_unit_test(test_denials),
		cmocka_unit_test(test_filter_user_ticket),
		cmocka_unit_test(test_filter_time_and_completion),
		cmocka_unit_test(test_many_sessions),
		cmocka_unit_test(test_json_session),
		cmocka_unit_test(test_json_denial_and_bad_utf8),
		cmocka_unit_test(test_print_json_lines),
		cmocka_unit_test(test_print_table),
		cmocka_unit_test(test_table_cell_bounded),
	};

	setenv("TZ", "UTC0", 1);
	tzset();
	return cmocka_run_group_tests_name("review", tests, NULL, NULL);
}
