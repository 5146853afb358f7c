/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Times and durations.  Parsing is done by hand, not with strptime/mktime,
 * because those depend on the locale and the TZ of the process (sshd's), and
 * a ticket's window must mean the same instant everywhere.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "text.h"
#include "timeutil.h"

#define YEAR_MIN 1970
#define YEAR_MAX 9999
#define USEC_PER_SEC INT64_C(1000000)
#define UNIX_MAX INT64_C(253402300799)    /* 9999-12-31T23:59:59Z */
#define DURATION_MAX ((int64_t)100 * 366 * 86400)

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Reads exactly n digits at *p into *out; advances *p. */
static bool
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int
parse_unix(const char *s, int64_t *out)
{
	int64_t v = 0;
	const char *p = s;

	if (*p == '\0')
		return -EINVAL;
	for (; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		if (v > (INT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	/* the same range RFC 3339 strings may express */
	if (v > days_from_civil(YEAR_MAX, 12, 31) * 86400 + 86399)
		return -ERANGE;
	*out = v;
	return 0;
}

int
nhi_parse_time(const char *s, int64_t *out)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0;
	const char *p = s;
	int64_t t;

	if (s == NULL || out == NULL)
		return -EINVAL;
	if (strchr(s, '-') == NULL && strchr(s, ':') == NULL)
		return parse_unix(s, out);

	if (!digits(&p, 4, &Y) || *p++ != '-' || !digits(&p, 2, &M) || *p++ != '-' ||
	    !digits(&p, 2, &D))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &m) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.') {                /* fractions: accepted, ignored */
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		/* +HH:MM (RFC 3339) or +HHMM (ISO 8601 basic; Jira writes it) */
		if (!digits(&p, 2, &oh))
			return -EINVAL;
		if (*p == ':')
			p++;
		if (!digits(&p, 2, &om))
			return -EINVAL;
		if (oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;         /* a time without an offset is ambiguous */
	}
	if (*p != '\0')
		return -EINVAL;
	if (Y < YEAR_MIN || Y > YEAR_MAX || M < 1 || M > 12 || D < 1 ||
	    D > month_days(Y, M) || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	if (sec == 60)                  /* a leap second counts as its last second */
		sec = 59;
	t = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0 || t > days_from_civil(YEAR_MAX, 12, 31) * 86400 + 86399)
		return -ERANGE;
	*out = t;
	return 0;
}

char *
nhi_format_time(int64_t t, char *buf, size_t bufsz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (bufsz == 0)
		return buf;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, bufsz, "@%" PRId64, t);
	return buf;
}

/* A date and time as people write it, without a zone. */
struct civil {
	int Y, M, D, h, m, s;
	bool has_time;
};

/*
 * "YYYY-MM-DD", then optionally " HH:MM[:SS]" or "THH:MM[:SS]", at *pp,
 * which is advanced past it; what follows is the caller's.  -EINVAL for a
 * date or time that does not exist, -ERANGE outside years 1970..9999.
 */
static int
read_civil(const char **pp, struct civil *c)
{
	const char *p = *pp;

	memset(c, 0, sizeof(*c));
	if (!digits(&p, 4, &c->Y) || *p++ != '-' || !digits(&p, 2, &c->M) || *p++ != '-' ||
	    !digits(&p, 2, &c->D))
		return -EINVAL;
	if ((*p == ' ' || *p == 'T') && isdigit((unsigned char)p[1])) {
		p++;
		c->has_time = true;
		if (!digits(&p, 2, &c->h) || *p++ != ':' || !digits(&p, 2, &c->m))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &c->s))
				return -EINVAL;
		}
	}
	if (c->M < 1 || c->M > 12 || c->D < 1 || c->h > 23 || c->m > 59 || c->s > 60)
		return -EINVAL;
	if (c->Y < YEAR_MIN || c->Y > YEAR_MAX)
		return -ERANGE;
	if (c->D > month_days(c->Y, c->M))
		return -EINVAL;
	*pp = p;
	return 0;
}

bool
nhi_zone_valid(const char *zone)
{
	char path[160];
	struct stat st;

	if (!nhi_str_in_set(zone, 1, 64, NHI_CS_ALNUM "/_+-") || zone[0] == '/' ||
	    strstr(zone, "..") != NULL)
		return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * tm, a local time of zone, as Unix seconds: mktime(3) with TZ set to the
 * zone for the call and put back after.  The module and nhiacct run this
 * single-threaded (the watch's rechecks in a child of their own), as they
 * already hide SSLKEYLOGFILE from libcurl for a moment.
 */
static int
zone_mktime(const char *zone, struct tm *tm, int64_t *out)
{
	const char *was = getenv("TZ");
	char *saved = NULL, tz[80];
	time_t t;

	if (was != NULL && (saved = strdup(was)) == NULL)
		return -ENOMEM;
	snprintf(tz, sizeof(tz), ":%s", zone);
	setenv("TZ", tz, 1);
	tzset();
	tm->tm_isdst = -1;
	t = mktime(tm);
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	if (t == (time_t)-1 || t < 0)
		return -ERANGE;
	*out = t;
	return 0;
}

int
nhi_parse_ticket_time(const char *s, const char *zone, bool end, int64_t *out)
{
	const char *p = s;
	struct civil c;
	struct tm tm;

	if (s == NULL || out == NULL)
		return -EINVAL;
	if (nhi_parse_time(s, out) == 0)
		return 0;
	if (zone == NULL)
		return -EINVAL;         /* without a zone, a local time is ambiguous */
	if (read_civil(&p, &c) < 0)
		return -EINVAL;
	if (c.has_time && *p == '.')    /* fractions: accepted, ignored */
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p != '\0')
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c.Y - 1900;
	tm.tm_mon = c.M - 1;
	tm.tm_mday = c.D + (!c.has_time && end);        /* a whole day ends at the next midnight */
	tm.tm_hour = c.h;
	tm.tm_min = c.m;
	tm.tm_sec = c.s;
	return zone_mktime(zone, &tm, out);
}

/* The units of systemd.time(7) spans, down to seconds (no month or year:
 * their length is not a fixed number of seconds). */
static const struct {
	const char *name;
	int64_t secs;
} span_units[] = {
	{ "s", 1 }, { "sec", 1 }, { "second", 1 }, { "seconds", 1 },
	{ "m", 60 }, { "min", 60 }, { "minute", 60 }, { "minutes", 60 },
	{ "h", 3600 }, { "hr", 3600 }, { "hour", 3600 }, { "hours", 3600 },
	{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
	{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
};

/* Seconds in the unit of n letters at p; 0 if it is none. */
static int64_t
span_unit(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(span_units) / sizeof(span_units[0]); i++)
		if (strlen(span_units[i].name) == n && strncmp(p, span_units[i].name, n) == 0)
			return span_units[i].secs;
	return 0;
}

int
nhi_parse_duration(const char *s, int64_t *out)
{
	int64_t total = 0;
	const char *p = s;

	if (s == NULL || !isdigit((unsigned char)*p))
		return -EINVAL;
	while (*p != '\0') {
		int64_t v = 0, mult;
		size_t n = 0;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (v > DURATION_MAX)
				return -ERANGE;
			v = v * 10 + (*p - '0');
		}
		if (*p == '\0' && p - s == (ptrdiff_t)strspn(s, "0123456789")) {
			mult = 1;               /* a bare number: seconds */
		} else {
			if (*p == ' ' && isalpha((unsigned char)p[1]))
				p++;            /* "1 h" */
			while (isalpha((unsigned char)p[n]))
				n++;
			if ((mult = span_unit(p, n)) == 0)
				return -EINVAL;
			p += n;
			if (*p == ' ' && isdigit((unsigned char)p[1]))
				p++;            /* "1h 30min" */
		}
		if (v > DURATION_MAX / mult || total > DURATION_MAX - v * mult)
			return -ERANGE;
		total += v * mult;
	}
	*out = total;
	return 0;
}

char *
nhi_format_duration(int64_t secs, char *buf, size_t bufsz)
{
	int64_t d, h, m, s;

	if (secs < 0)
		secs = 0;
	d = secs / 86400;
	h = secs % 86400 / 3600;
	m = secs % 3600 / 60;
	s = secs % 60;
	if (d > 0)
		snprintf(buf, bufsz, "%" PRId64 "d %" PRId64 "h", d, h);
	else if (h > 0)
		snprintf(buf, bufsz, "%" PRId64 "h %" PRId64 "m", h, m);
	else if (m > 0)
		snprintf(buf, bufsz, "%" PRId64 "m %" PRId64 "s", m, s);
	else
		snprintf(buf, bufsz, "%" PRId64 "s", s);
	return buf;
}

/* ---- --since / --until: the systemd.time(7) forms the command takes ---- */





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
parse_unix_usec(const char *s, int64_t *out)
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
	const char *p = s;
	struct civil c;
	bool zoned;
	int64_t off, t;
	int r;

	if ((r = read_civil(&p, &c)) < 0)
		return r;
	if ((r = parse_zone(p, &zoned, &off)) < 0)
		return r;
	if (zoned || utc) {
		t = days_from_civil(c.Y, (unsigned)c.M, (unsigned)c.D) * 86400 + c.h * 3600 +
		    c.m * 60 + c.s - off;
	} else {
		struct tm tm = {
			.tm_year = c.Y - 1900, .tm_mon = c.M - 1, .tm_mday = c.D,
			.tm_hour = c.h, .tm_min = c.m, .tm_sec = c.s, .tm_isdst = -1,
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

/* now_usec moved by a span: "-2h", "+1d" (sign 1 or -1). */
static int
relative(const char *span, int sign, int64_t now_usec, int64_t *out_usec)
{
	int64_t dur, t;
	int r;

	if ((r = nhi_parse_duration(span, &dur)) < 0)
		return r == -ERANGE ? r : -EINVAL;
	t = now_usec + sign * dur * USEC_PER_SEC;
	if (t < 0 || t > UNIX_MAX * USEC_PER_SEC)
		return -ERANGE;
	*out_usec = t;
	return 0;
}

int
nhi_parse_when(const char *s, int64_t now_usec, bool utc, int64_t *out_usec)
{
	int64_t now = now_usec / USEC_PER_SEC, t = 0;
	char span[64];
	size_t n;
	int r;

	if (!s || !*s)
		return -EINVAL;
	n = strlen(s);
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
		return parse_unix_usec(s + 1, out_usec);
	else if (s[0] == '-' || s[0] == '+')
		return relative(s + 1, s[0] == '-' ? -1 : 1, now_usec, out_usec);
	else if (n > 4 && n - 4 < sizeof(span) && strcmp(s + n - 4, " ago") == 0) {
		snprintf(span, sizeof(span), "%.*s", (int)(n - 4), s);  /* "1h ago" */
		return relative(span, -1, now_usec, out_usec);
	} else if (n > 5 && n - 5 < sizeof(span) && strcmp(s + n - 5, " left") == 0) {
		snprintf(span, sizeof(span), "%.*s", (int)(n - 5), s);  /* "1h left" */
		return relative(span, 1, now_usec, out_usec);
	} else
		r = parse_date(s, utc, &t);
	if (r < 0)
		return r;
	if (t < 0 || t > UNIX_MAX)
		return -ERANGE;
	*out_usec = t * USEC_PER_SEC;
	return 0;
}

int64_t
nhi_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
nhi_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
