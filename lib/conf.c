/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /etc/security/nhiacct.conf: "key = value" lines, '#' comments, blank lines
 * (the style of pam_faillock's faillock.conf).  One table of keys (name,
 * type, default, setter) serves the file, the module arguments and the
 * defaults, so all three accept exactly the same keys and values.  Anything
 * unknown or invalid is an error: a typo in an access-control file must not
 * silently loosen it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "fileio.h"
#include "json.h"
#include "text.h"
#include "timeutil.h"
#include "util.h"

#define AT(c, k, type) ((type *)(void *)((char *)(c) + (k)->off))

static int
set_str(char **dst, const char *value)
{
	char *s = strdup(value);

	if (s == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* err = "KEY: what", and -EINVAL. */
static int bad(const struct nhi_conf_key *k, char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int
bad(const struct nhi_conf_key *k, char *err, size_t errsz, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s: ", k->name);
	va_start(ap, fmt);
	nhi_vprefixf(err, errsz, prefix, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool
visible(const char *v)
{
	return nhi_text_visible(v, strlen(v), false);
}

/* ---- setters, one per type ------------------------------------------------- */

static int
set_list(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	 char *err, size_t errsz)
{
	int r = nhi_strv_split(AT(c, k, struct nhi_strv), v);

	if (r == -E2BIG)
		return bad(k, err, errsz, "more than %d entries", NHI_LIST_MAX);
	return r;
}

/* A list that says who is a vendor: empty would switch the control off
 * without a word, so it is refused; leaving the key out is how to say
 * "nobody by this key". */
static int
set_who(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	char *err, size_t errsz)
{
	if (v[strspn(v, " \t")] == '\0')
		return bad(k, err, errsz, "empty; an empty list would switch this control off "
			   "(leave the line out instead)");
	return set_list(k, c, v, err, errsz);
}

/* Allowed approvers: names and @groups, or "*" for anyone.  Empty is
 * refused: it would allow anyone without saying so. */
static int
set_approvers(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	      char *err, size_t errsz)
{
	struct nhi_strv sv = { NULL, 0 };
	int r;

	if ((r = nhi_strv_split(&sv, v)) == -E2BIG)
		return bad(k, err, errsz, "more than %d entries", NHI_LIST_MAX);
	if (r == 0 && sv.n == 0)
		r = bad(k, err, errsz, "empty; write '*' if any approver will do");
	else if (r == 0 && nhi_strv_contains(&sv, "*") && sv.n > 1)
		r = bad(k, err, errsz, "'*' (anyone) together with names");
	if (r == 0 && sv.n == 1 && strcmp(sv.v[0], "*") == 0)
		nhi_strv_free(&sv);     /* anyone: no list */
	if (r < 0) {
		nhi_strv_free(&sv);
		return r;
	}
	nhi_strv_free(&c->approvers);
	c->approvers = sv;
	return 0;
}

/* A list that may not be empty. */
/*
 * States as words, a state with blanks in double quotes ("Ready for Work",
 * as Jira names its statuses); no escapes, a quote closes where the next
 * one is.  -EINVAL for a quote left open.
 */
static int
split_states(struct nhi_strv *sv, const char *v)
{
	char word[NHI_LINE_MAX];
	const char *p = v, *end;
	int r;

	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			return 0;
		if (*p == '"') {
			if ((end = strchr(p + 1, '"')) == NULL)
				return -EINVAL;
			snprintf(word, sizeof(word), "%.*s", (int)(end - p - 1), p + 1);
			p = end + 1;
			if (*p != '\0' && *p != ' ' && *p != '\t')
				return -EINVAL;
		} else {
			end = p + strcspn(p, " \t");
			snprintf(word, sizeof(word), "%.*s", (int)(end - p), p);
			p = end;
		}
		if (word[0] == '\0' || strchr(word, '"') != NULL)
			return -EINVAL;
		if ((r = nhi_strv_push(sv, word)) < 0)
			return r;
	}
}

static int
set_states(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	   char *err, size_t errsz)
{
	struct nhi_strv sv = { NULL, 0 };
	int r = split_states(&sv, v);

	if (r == -E2BIG)
		r = bad(k, err, errsz, "more than %d entries", NHI_LIST_MAX);
	else if (r == -EINVAL)
		r = bad(k, err, errsz, "a quoted state must end with a quote before a blank "
			"and must not be empty");
	else if (r == 0 && sv.n == 0)
		r = bad(k, err, errsz, "at least one state is needed");
	if (r < 0) {
		nhi_strv_free(&sv);
		return r;
	}
	nhi_strv_free(AT(c, k, struct nhi_strv));
	*AT(c, k, struct nhi_strv) = sv;
	return 0;
}

static int
set_name(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	 char *err, size_t errsz)
{
	if (*v == '\0' || !visible(v) || strlen(v) > 253)
		return bad(k, err, errsz, "'%s' is not a host name", v);
	return set_str(AT(c, k, char *), v);
}

static int
set_zone(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	 char *err, size_t errsz)
{
	if (!nhi_zone_valid(v))
		return bad(k, err, errsz, "'%s' is not a time zone of this host "
			   "(an IANA name from /usr/share/zoneinfo, e.g. Europe/Berlin)", v);
	return set_str(AT(c, k, char *), v);
}

static int
set_path(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	 char *err, size_t errsz)
{
	if (v[0] != '/' || !visible(v) || strlen(v) > 1024)
		return bad(k, err, errsz, "'%s' is not an absolute path", v);
	return set_str(AT(c, k, char *), v);
}

/* An https:// URL without blanks; url needs {id}, lookup_url {user}. */
/* approvals_url: every {...} is {id} or {/json/pointer} into the ticket
 * document, and there is at least one. */
static bool
approvals_template_valid(const char *v)
{
	char name[513];
	unsigned n = 0;

	for (const char *p = strchr(v, '{'); p != NULL; p = strchr(p + 1, '{')) {
		size_t len = strcspn(p + 1, "{}");

		if (p[1 + len] != '}' || len >= sizeof(name))
			return false;
		memcpy(name, p + 1, len);
		name[len] = '\0';
		if (strcmp(name, "id") != 0 && (name[0] != '/' || !nhi_json_pointer_valid(name)))
			return false;
		n++;
	}
	return n > 0;
}

static int
set_url(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	char *err, size_t errsz)
{
	const char *need = strcmp(k->name, "url") == 0 ? "{id}" : "{user}";

	if (strcmp(k->name, "approvals_url") == 0) {
		if (strncmp(v, "https://", 8) != 0 || v[8] == '\0' || !visible(v) ||
		    !approvals_template_valid(v))
			return bad(k, err, errsz, "needs an https:// URL whose placeholders are "
				   "{id} or {/json/pointer} into the ticket");
		return set_str(AT(c, k, char *), v);
	}
	if (strncmp(v, "https://", 8) != 0 || v[8] == '\0' || !visible(v) ||
	    strstr(v, need) == NULL)
		return bad(k, err, errsz, "needs an https:// URL containing %s%s", need,
			   need[1] == 'u' ? " (and usually {host})" : "");
	return set_str(AT(c, k, char *), v);
}

static int
set_proxy(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	  char *err, size_t errsz)
{
	if (*v == '\0' || !visible(v))
		return bad(k, err, errsz, "'%s' is not a proxy URL", v);
	return set_str(AT(c, k, char *), v);
}

static int
set_duration(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	     char *err, size_t errsz)
{
	char lo[32], hi[32];
	int64_t d;

	if (nhi_parse_duration(v, &d) == 0 && d >= k->min && d <= k->max) {
		*AT(c, k, int64_t) = d;
		return 0;
	}
	nhi_format_duration(k->min, lo, sizeof(lo));
	nhi_format_duration(k->max, hi, sizeof(hi));
	return bad(k, err, errsz, "'%s' is not a duration between %s and %s", v, lo, hi);
}

static int
set_count(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	  char *err, size_t errsz)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < k->min || n > k->max || v[0] == '+')
		return bad(k, err, errsz, "'%s' is not a number from %lld to %lld", v,
			   (long long)k->min, (long long)k->max);
	*AT(c, k, int64_t) = n;
	return 0;
}

/* Marks of warn_before: up to NHI_WARN_MAX durations, or "none"; kept
 * sorted largest first, duplicates dropped. */
static int
parse_marks(const char *v, int64_t *w, size_t *n)
{
	struct nhi_strv sv = { NULL, 0 };
	int r;

	*n = 0;
	if ((r = nhi_strv_split(&sv, v)) < 0)
		return r;
	if (sv.n == 1 && strcmp(sv.v[0], "none") == 0)
		nhi_strv_free(&sv);
	r = sv.n > NHI_WARN_MAX ? -EINVAL : 0;
	for (size_t i = 0; i < sv.n && r == 0; i++) {
		int64_t d;
		size_t j = *n;
		bool dup = false;

		if (nhi_parse_duration(sv.v[i], &d) < 0 || d <= 0 || d > 7 * 86400) {
			r = -EINVAL;
			break;
		}
		for (size_t x = 0; x < *n; x++)
			dup |= w[x] == d;
		if (dup)
			continue;
		for (; j > 0 && w[j - 1] < d; j--)
			w[j] = w[j - 1];
		w[j] = d;
		(*n)++;
	}
	nhi_strv_free(&sv);
	return r;
}

static int
set_marks(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	  char *err, size_t errsz)
{
	int64_t w[NHI_WARN_MAX];
	size_t n;

	if (parse_marks(v, w, &n) < 0)
		return bad(k, err, errsz, "'%s' is not a list of up to %d durations of at "
			   "most 7d (or 'none')", v, NHI_WARN_MAX);
	memcpy(c->warn_before, w, n * sizeof(*w));
	c->n_warn_before = n;
	return 0;
}

static int
set_bool(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	 char *err, size_t errsz)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*AT(c, k, bool) = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return bad(k, err, errsz, "'%s' is not yes or no", v);
}

/* A choice among words; the words of the enum in order. */
static int
set_choice(const struct nhi_conf_key *k, int *dst, const char *v,
	   const char *const words[], size_t n, char *err, size_t errsz)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v, words[i]) == 0) {
			*dst = (int)i;
			return 0;
		}
	}
	return bad(k, err, errsz, "'%s' is neither '%s' nor '%s'", v, words[0], words[1]);
}

static int
set_backend(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	    char *err, size_t errsz)
{
	static const char *const words[] = { "file", "http" };
	int x = 0, r;

	if ((r = set_choice(k, &x, v, words, 2, err, errsz)) == 0)
		c->backend = (enum nhi_backend_kind)x;
	return r;
}

static int
set_audit(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	  char *err, size_t errsz)
{
	static const char *const words[] = { "required", "best-effort" };
	int x = 0, r;

	if ((r = set_choice(k, &x, v, words, 2, err, errsz)) == 0)
		c->audit = (enum nhi_audit_mode)x;
	return r;
}

static int
set_signatures(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	       char *err, size_t errsz)
{
	static const char *const words[] = { "no", "required" };
	int x = 0, r;

	if ((r = set_choice(k, &x, v, words, 2, err, errsz)) == 0)
		c->signatures = (enum nhi_signatures_mode)x;
	return r;
}

static int
set_record(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	   char *err, size_t errsz)
{
	static const char *const words[] = { "no", "required" };
	int x = 0, r;

	if ((r = set_choice(k, &x, v, words, 2, err, errsz)) == 0)
		c->record = (enum nhi_record_mode)x;
	return r;
}

static int
set_pointer(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	    char *err, size_t errsz)
{
	if (!nhi_json_pointer_valid(v) || strlen(v) > 512)
		return bad(k, err, errsz, "'%s' is not a JSON Pointer (RFC 6901)", v);
	return set_str(AT(c, k, char *), v);
}

#define FIELD_EXPR_MAX 2048   /* bytes of a field_* expression */

/* A field_* value: a JSON Pointer, or (http backend, checked by
 * nhi_conf_validate) a jq expression, which the http backend compiles. */
static int
set_field(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
	  char *err, size_t errsz)
{
	if (nhi_field_is_pointer(v))
		return set_pointer(k, c, v, err, errsz);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(k, err, errsz, "a control character in the expression");
	if (strlen(v) > FIELD_EXPR_MAX)
		return bad(k, err, errsz, "an expression of at most %d bytes", FIELD_EXPR_MAX);
	return set_str(AT(c, k, char *), v);
}

bool
nhi_field_is_pointer(const char *v)
{
	return v != NULL && (v[0] == '\0' || v[0] == '/');
}

/* ---- the table -------------------------------------------------------------- */

#define OFF(m) offsetof(struct nhi_conf, m)
#define DAY INT64_C(86400)

static const struct nhi_conf_key keys[] = {
	{ "vendor_groups",   "list",     NULL,        OFF(vendor_groups), 0, 0, set_who },
	{ "vendor_users",    "list",     NULL,        OFF(vendor_users), 0, 0, set_who },
	{ "exempt_users",    "list",     "root",      OFF(exempt_users), 0, 0, set_list },
	{ "host",            "name",     NULL,        OFF(host), 0, 0, set_name },
	{ "backend",         "choice",   "file",      OFF(backend), 0, 0, set_backend },
	{ "ticket_dir",      "path",     NHI_DEFAULT_TICKET_DIR, OFF(ticket_dir), 0, 0, set_path },
	{ "url",             "url",      NULL,        OFF(url), 0, 0, set_url },
	{ "lookup_url",      "url",      NULL,        OFF(lookup_url), 0, 0, set_url },
	{ "lookup_list",     "pointer",  NULL,        OFF(lookup_list), 0, 0, set_pointer },
	{ "approvals_url",   "url",      NULL,        OFF(approvals_url), 0, 0, set_url },
	{ "token_file",      "path",     NULL,        OFF(token_file), 0, 0, set_path },
	{ "ca_file",         "path",     NULL,        OFF(ca_file), 0, 0, set_path },
	{ "timeout",         "duration", "5s",        OFF(timeout), 1, 300, set_duration },
	{ "proxy",           "url",      NULL,        OFF(proxy), 0, 0, set_proxy },
	{ "approved_states", "list",     "approved",  OFF(approved_states), 0, 0, set_states },
	{ "approvers",       "list",     "*",         OFF(approvers), 0, 0, set_approvers },
	{ "time_zone",       "zone",     NULL,        OFF(time_zone), 0, 0, set_zone },
	{ "identity_map",    "path",     NULL,        OFF(identity_map), 0, 0, set_path },
	{ "min_approvers",   "count",    "1",         OFF(min_approvers), 1, 16, set_count },
	{ "approver_keys",   "path",     NULL,        OFF(approver_keys), 0, 0, set_path },
	{ "signatures",      "choice",   "no",        OFF(signatures), 0, 0, set_signatures },
	{ "max_window",      "duration", "8h",        OFF(max_window), 1, 366 * DAY, set_duration },
	{ "clock_skew",      "duration", "60s",       OFF(clock_skew), 0, DAY, set_duration },
	{ "lookup",          "boolean",  "yes",       OFF(lookup), 0, 0, set_bool },
	{ "prompt",          "boolean",  "yes",       OFF(prompt), 0, 0, set_bool },
	{ "audit",           "choice",   "required",  OFF(audit), 0, 0, set_audit },
	{ "record",          "choice",   "no",        OFF(record), 0, 0, set_record },
	{ "state_dir",       "path",     NHI_DEFAULT_STATE_DIR, OFF(state_dir), 0, 0, set_path },
	{ "recheck",         "duration", "60s",       OFF(recheck), 1, DAY, set_duration },
	{ "warn_before",     "durations", "15m 1m",   OFF(warn_before), 0, 0, set_marks },
	{ "field_id",        "field",  "/id",       OFF(field[NHI_FIELD_ID]), 0, 0, set_field },
	{ "field_state",     "field",  "/state",    OFF(field[NHI_FIELD_STATE]), 0, 0, set_field },
	{ "field_requester", "field",  "/requester", OFF(field[NHI_FIELD_REQUESTER]), 0, 0, set_field },
	{ "field_approver",  "field",  "/approver", OFF(field[NHI_FIELD_APPROVER]), 0, 0, set_field },
	{ "field_hosts",     "field",  "/scope/hosts", OFF(field[NHI_FIELD_HOSTS]), 0, 0, set_field },
	{ "field_accounts",  "field",  "/scope/accounts", OFF(field[NHI_FIELD_ACCOUNTS]), 0, 0, set_field },
	{ "field_not_before", "field", "/window/not_before", OFF(field[NHI_FIELD_NOT_BEFORE]), 0, 0, set_field },
	{ "field_not_after", "field",  "/window/not_after", OFF(field[NHI_FIELD_NOT_AFTER]), 0, 0, set_field },
	{ "field_purpose",   "field",  "/purpose",  OFF(field[NHI_FIELD_PURPOSE]), 0, 0, set_field },
	{ "field_signatures", "field", "/signatures", OFF(field[NHI_FIELD_SIGNATURES]), 0, 0, set_field },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const struct nhi_conf_key *
nhi_conf_keys(size_t *n)
{
	*n = N_KEYS;
	return keys;
}

const char *
nhi_field_key(enum nhi_field f)
{
	size_t off = OFF(field) + (size_t)f * sizeof(char *);

	for (size_t i = 0; (unsigned)f < NHI_FIELD_MAX && i < N_KEYS; i++)
		if (keys[i].off == off && keys[i].set == set_field)
			return keys[i].name;
	return NULL;
}

const char *
nhi_field_native(enum nhi_field f)
{
	size_t off = OFF(field) + (size_t)f * sizeof(char *);

	for (size_t i = 0; (unsigned)f < NHI_FIELD_MAX && i < N_KEYS; i++)
		if (keys[i].off == off && keys[i].set == set_field)
			return keys[i].def;
	return NULL;
}

/* ---- the struct ------------------------------------------------------------- */

int
nhi_conf_init(struct nhi_conf *c)
{
	char err[128];
	int r;

	memset(c, 0, sizeof(*c));
	c->check_perms = true;
	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].def == NULL)
			continue;
		if ((r = keys[i].set(&keys[i], c, keys[i].def, err, sizeof(err))) < 0) {
			nhi_conf_free(c);
			return r == -EINVAL ? -EFAULT : r;      /* a bad default: our bug */
		}
	}
	return 0;
}

void
nhi_conf_free(struct nhi_conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct nhi_conf_key *k = &keys[i];

		if (k->set == set_list || k->set == set_states || k->set == set_who ||
		    k->set == set_approvers)
			nhi_strv_free(AT(c, k, struct nhi_strv));
		else if (k->set == set_name || k->set == set_path || k->set == set_url ||
			 k->set == set_proxy || k->set == set_pointer || k->set == set_zone ||
			 k->set == set_field)
			free(*AT(c, k, char *));
	}
	memset(c, 0, sizeof(*c));
}

/* The row of key, or NULL. */
static const struct nhi_conf_key *
find_key(const char *key)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(key, keys[i].name) == 0)
			return &keys[i];
	return NULL;
}

/* A word of v that starts with '#': a comment written after a value, which
 * would otherwise become part of it ("approved # not pending" would make
 * "pending" an approved state).  NULL if none. */
static const char *
trailing_comment(const char *v)
{
	for (const char *p = v; *p; p++)
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t'))
			return p;
	return NULL;
}

int
nhi_conf_set(struct nhi_conf *c, const char *key, const char *v,
	     char *err, size_t errsz)
{
	const struct nhi_conf_key *k = find_key(key);
	const char *hash;

	if (err && errsz)
		err[0] = '\0';
	if (k == NULL) {
		if (err)
			snprintf(err, errsz, "unknown key '%s'", key);
		return -ENOENT;
	}
	if ((hash = trailing_comment(v)) != NULL)
		return bad(k, err, errsz, "'%.40s': comments go on lines of their own", hash);
	return k->set(k, c, v, err, errsz);
}

/* ---- the file ----------------------------------------------------------------- */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line (NUL-terminated, without its newline) into c; -EINVAL with
 * err = "what" if it is not a comment, blank or a valid key = value, or
 * sets a key an earlier line set (seen[]: the line of each key). */
static int
load_line(struct nhi_conf *c, char *line, unsigned lineno, unsigned *seen, char *err,
	  size_t errsz)
{
	char *key = trim(line), *eq;
	const struct nhi_conf_key *k;
	int r;

	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(err, errsz, "expected 'key = value'");
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(key);
	if ((k = find_key(key)) != NULL && seen[k - keys] != 0) {
		snprintf(err, errsz, "%s is set again (first on line %u): one line per key",
			 key, seen[k - keys]);
		return -EINVAL;
	}
	if (k != NULL)
		seen[k - keys] = lineno;
	r = nhi_conf_set(c, key, trim(eq + 1), err, errsz);
	if (r < 0 && err[0] == '\0')
		snprintf(err, errsz, "%s", strerror(-r));
	return r == -ENOMEM ? r : (r < 0 ? -EINVAL : 0);
}

/*
 * The whole file is read first (bounded by NHI_CONF_MAX) and split by hand,
 * so that a NUL byte or an over-long line is seen and refused rather than
 * silently cutting a line short (a cut "vendor_users" line would turn
 * vendors into ordinary users).
 */
int
nhi_conf_load(struct nhi_conf *c, const char *path, char *err, size_t errsz)
{
	struct nhi_file_rules rules = {
		.max = NHI_CONF_MAX,
		.owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
	};
	char msg[256], scratch[1], *buf = NULL, *line, *next;
	unsigned lineno = 0, seen[N_KEYS] = { 0 };
	size_t len = 0;
	int r;

	if (err == NULL || errsz == 0) {
		err = scratch;
		errsz = sizeof(scratch);
	}
	err[0] = '\0';
	if ((r = nhi_file_read(AT_FDCWD, path, &rules, &buf, &len, err, errsz)) < 0)
		return r;
	if ((r = set_str(&c->path, path)) < 0)
		goto out;
	for (line = buf; line < buf + len; line = next) {
		char *end = memchr(line, '\n', (size_t)(buf + len - line));

		lineno++;
		if (end == NULL)
			end = buf + len;
		next = end + 1;
		msg[0] = '\0';
		if ((size_t)(end - line) >= NHI_LINE_MAX) {
			snprintf(msg, sizeof(msg), "line too long");
			r = -EINVAL;
		} else if (memchr(line, '\0', (size_t)(end - line)) != NULL) {
			snprintf(msg, sizeof(msg), "NUL byte");
			r = -EINVAL;
		} else {
			*end = '\0';
			r = load_line(c, line, lineno, seen, msg, sizeof(msg));
		}
		if (r < 0) {
			snprintf(err, errsz, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
	}
	r = nhi_conf_validate(c, err, errsz);
out:
	free(buf);
	return r;
}

int
nhi_conf_validate(const struct nhi_conf *c, char *err, size_t errsz)
{
	const char *where = c->path ? c->path : "configuration";

	if (c->backend == NHI_BACKEND_HTTP && c->url == NULL) {
		if (err)
			snprintf(err, errsz, "%s: backend = http needs url", where);
		return -EINVAL;
	}
	if (c->signatures == NHI_SIGNATURES_REQUIRED && c->approver_keys == NULL) {
		if (err)
			snprintf(err, errsz, "%s: signatures = required needs approver_keys", where);
		return -EINVAL;
	}
	if (c->backend != NHI_BACKEND_HTTP) {
		for (int f = 0; f < NHI_FIELD_MAX; f++) {
			if (nhi_field_is_pointer(c->field[f]))
				continue;
			if (err)
				snprintf(err, errsz, "%s: %s is not a JSON Pointer (RFC 6901); "
					 "expressions need backend = http", where,
					 nhi_field_key((enum nhi_field)f));
			return -EINVAL;
		}
		if (c->lookup_list != NULL || c->approvals_url != NULL) {
			if (err)
				snprintf(err, errsz, "%s: %s needs backend = http", where,
					 c->lookup_list != NULL ? "lookup_list" : "approvals_url");
			return -EINVAL;
		}
	}
	return 0;
}

int
nhi_conf_settle_host(struct nhi_conf *c)
{
	struct addrinfo hints, *ai = NULL;
	char name[256];
	int r;

	if (c->host != NULL)
		return 0;
	if (gethostname(name, sizeof(name)) < 0)
		return -errno;
	name[sizeof(name) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_CANONNAME;
	if (strchr(name, '.') == NULL && getaddrinfo(name, NULL, &hints, &ai) == 0 &&
	    ai != NULL && ai->ai_canonname != NULL && strchr(ai->ai_canonname, '.') != NULL)
		r = set_str(&c->host, ai->ai_canonname);
	else
		r = set_str(&c->host, name);
	if (ai != NULL)
		freeaddrinfo(ai);
	return r;
}
