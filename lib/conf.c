/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /etc/security/nhiacct.conf: "key = value" lines, '#' comments, blank lines
 * (the style of pam_faillock's faillock.conf).  One setter serves the file
 * and the module arguments, so both accept exactly the same keys and values.
 * Anything unknown or invalid is an error: a typo in an access-control file
 * must not silently loosen it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nhi.h"

static const char *const field_keys[NHI_FIELD_MAX] = {
	"field_id", "field_state", "field_requester", "field_approver",
	"field_hosts", "field_accounts", "field_not_before", "field_not_after",
	"field_purpose",
};
static const char *const field_defaults[NHI_FIELD_MAX] = {
	"/id", "/state", "/requester", "/approver", "/scope/hosts",
	"/scope/accounts", "/window/not_before", "/window/not_after", "/purpose",
};

const char *
nhi_field_key(enum nhi_field f)
{
	return (unsigned)f < NHI_FIELD_MAX ? field_keys[f] : NULL;
}

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

int
nhi_conf_init(struct nhi_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->backend = NHI_BACKEND_FILE;
	c->timeout = 5;
	c->max_window = 8 * 3600;
	c->clock_skew = 60;
	c->lookup = true;
	c->prompt = true;
	c->audit = NHI_AUDIT_REQUIRED;
	c->recheck = 60;
	c->warn_before[0] = 15 * 60;
	c->warn_before[1] = 60;
	c->n_warn_before = 2;
	c->check_perms = true;
	if (set_str(&c->ticket_dir, NHI_DEFAULT_TICKET_DIR) < 0 ||
	    set_str(&c->state_dir, NHI_DEFAULT_STATE_DIR) < 0 ||
	    nhi_strv_push(&c->approved_states, "approved") < 0 ||
	    nhi_strv_push(&c->exempt_users, "root") < 0)
		goto oom;
	for (int f = 0; f < NHI_FIELD_MAX; f++)
		if (set_str(&c->field[f], field_defaults[f]) < 0)
			goto oom;
	return 0;
oom:
	nhi_conf_free(c);
	return -ENOMEM;
}

void
nhi_conf_free(struct nhi_conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	nhi_strv_free(&c->vendor_groups);
	nhi_strv_free(&c->vendor_users);
	nhi_strv_free(&c->exempt_users);
	free(c->host);
	free(c->ticket_dir);
	free(c->url);
	free(c->lookup_url);
	free(c->token_file);
	free(c->ca_file);
	free(c->proxy);
	nhi_strv_free(&c->approved_states);
	nhi_strv_free(&c->approvers);
	free(c->state_dir);
	for (int f = 0; f < NHI_FIELD_MAX; f++)
		free(c->field[f]);
	memset(c, 0, sizeof(*c));
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static bool
has_blank_or_ctrl(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* RFC 6901: "" (the whole document) or "/..." with only ~0 and ~1 escapes. */
static bool
valid_pointer(const char *v)
{
	if (*v == '\0')
		return true;
	if (*v != '/')
		return false;
	for (const char *p = v; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}

/* An https:// URL without blanks that contains the placeholder `need`. */
static bool
valid_url(const char *v, const char *need)
{
	return strncmp(v, "https://", 8) == 0 && v[8] != '\0' && !has_blank_or_ctrl(v) &&
	       strstr(v, need) != NULL;
}

static int
set_duration(int64_t *dst, const char *v, int64_t min, int64_t max)
{
	int64_t d;

	if (nhi_parse_duration(v, &d) < 0 || d < min || d > max)
		return -EINVAL;
	*dst = d;
	return 0;
}

static int
set_warn(struct nhi_conf *c, const char *v)
{
	struct nhi_strv sv = { NULL, 0 };
	int64_t w[NHI_WARN_MAX];
	size_t n = 0;
	int r;

	if ((r = nhi_strv_split(&sv, v)) < 0)
		return r;
	if (sv.n == 1 && strcmp(sv.v[0], "none") == 0)
		nhi_strv_free(&sv);
	if (sv.n > NHI_WARN_MAX) {
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < sv.n; i++) {
		int64_t d;

		if (nhi_parse_duration(sv.v[i], &d) < 0 || d <= 0 || d > 7 * 86400) {
			r = -EINVAL;
			goto out;
		}
		/* insertion sort, largest first, duplicates dropped */
		size_t j = n;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= w[k] == d;
		if (dup)
			continue;
		while (j > 0 && w[j - 1] < d) {
			w[j] = w[j - 1];
			j--;
		}
		w[j] = d;
		n++;
	}
	memcpy(c->warn_before, w, n * sizeof(*w));
	c->n_warn_before = n;
	r = 0;
out:
	nhi_strv_free(&sv);
	return r;
}

/* The keys whose value is an absolute path, and where each is kept. */
static char **
path_key(struct nhi_conf *c, const char *key)
{
	if (strcmp(key, "ticket_dir") == 0)
		return &c->ticket_dir;
	if (strcmp(key, "state_dir") == 0)
		return &c->state_dir;
	if (strcmp(key, "token_file") == 0)
		return &c->token_file;
	if (strcmp(key, "ca_file") == 0)
		return &c->ca_file;
	return NULL;
}

#define BAD(...) do { if (err) snprintf(err, errsz, __VA_ARGS__); return -EINVAL; } while (0)

int
nhi_conf_set(struct nhi_conf *c, const char *key, const char *v,
	     char *err, size_t errsz)
{
	char **path;
	int r = 0;

	if (err && errsz)
		err[0] = '\0';
	if (strcmp(key, "vendor_groups") == 0)
		r = nhi_strv_split(&c->vendor_groups, v);
	else if (strcmp(key, "vendor_users") == 0)
		r = nhi_strv_split(&c->vendor_users, v);
	else if (strcmp(key, "exempt_users") == 0)
		r = nhi_strv_split(&c->exempt_users, v);
	else if (strcmp(key, "approvers") == 0)
		r = nhi_strv_split(&c->approvers, v);
	else if (strcmp(key, "approved_states") == 0) {
		struct nhi_strv sv = { NULL, 0 };
		if ((r = nhi_strv_split(&sv, v)) == 0 && sv.n == 0) {
			nhi_strv_free(&sv);
			BAD("approved_states: at least one state is needed");
		}
		if (r == 0) {
			nhi_strv_free(&c->approved_states);
			c->approved_states = sv;
		}
	} else if (strcmp(key, "host") == 0) {
		if (*v == '\0' || has_blank_or_ctrl(v) || strlen(v) > 253)
			BAD("host: '%s' is not a host name", v);
		r = set_str(&c->host, v);
	} else if (strcmp(key, "backend") == 0) {
		if (strcmp(v, "file") == 0)
			c->backend = NHI_BACKEND_FILE;
		else if (strcmp(v, "http") == 0)
			c->backend = NHI_BACKEND_HTTP;
		else
			BAD("backend: '%s' is neither 'file' nor 'http'", v);
	} else if ((path = path_key(c, key)) != NULL) {
		if (v[0] != '/' || has_blank_or_ctrl(v) || strlen(v) > 1024)
			BAD("%s: '%s' is not an absolute path", key, v);
		r = set_str(path, v);
	} else if (strcmp(key, "url") == 0) {
		if (!valid_url(v, "{id}"))
			BAD("url: needs an https:// URL containing {id}");
		r = set_str(&c->url, v);
	} else if (strcmp(key, "lookup_url") == 0) {
		if (!valid_url(v, "{user}"))
			BAD("lookup_url: needs an https:// URL containing {user} (and usually {host})");
		r = set_str(&c->lookup_url, v);
	} else if (strcmp(key, "proxy") == 0) {
		if (*v == '\0' || has_blank_or_ctrl(v))
			BAD("proxy: '%s' is not a proxy URL", v);
		r = set_str(&c->proxy, v);
	} else if (strcmp(key, "timeout") == 0) {
		if (set_duration(&c->timeout, v, 1, 300) < 0)
			BAD("timeout: '%s' is not a duration between 1s and 300s", v);
	} else if (strcmp(key, "max_window") == 0) {
		if (set_duration(&c->max_window, v, 1, 366 * 86400) < 0)
			BAD("max_window: '%s' is not a duration between 1s and 366d", v);
	} else if (strcmp(key, "clock_skew") == 0) {
		if (set_duration(&c->clock_skew, v, 0, 86400) < 0)
			BAD("clock_skew: '%s' is not a duration up to 1d", v);
	} else if (strcmp(key, "recheck") == 0) {
		if (set_duration(&c->recheck, v, 1, 86400) < 0)
			BAD("recheck: '%s' is not a duration between 1s and 1d", v);
	} else if (strcmp(key, "warn_before") == 0) {
		if (set_warn(c, v) < 0)
			BAD("warn_before: '%s' is not a list of up to %d durations (or 'none')",
			    v, NHI_WARN_MAX);
	} else if (strcmp(key, "lookup") == 0) {
		if (parse_bool(v, &c->lookup) < 0)
			BAD("lookup: '%s' is not yes or no", v);
	} else if (strcmp(key, "prompt") == 0) {
		if (parse_bool(v, &c->prompt) < 0)
			BAD("prompt: '%s' is not yes or no", v);
	} else if (strcmp(key, "audit") == 0) {
		if (strcmp(v, "required") == 0)
			c->audit = NHI_AUDIT_REQUIRED;
		else if (strcmp(v, "best-effort") == 0)
			c->audit = NHI_AUDIT_BEST_EFFORT;
		else
			BAD("audit: '%s' is neither 'required' nor 'best-effort'", v);
	} else {
		for (int f = 0; f < NHI_FIELD_MAX; f++) {
			if (strcmp(key, field_keys[f]) != 0)
				continue;
			if (!valid_pointer(v) || strlen(v) > 512)
				BAD("%s: '%s' is not a JSON Pointer (RFC 6901)", key, v);
			return set_str(&c->field[f], v);
		}
		if (err)
			snprintf(err, errsz, "unknown key '%s'", key);
		return -ENOENT;
	}
	if (r == -E2BIG)
		BAD("%s: more than %d entries", key, NHI_LIST_MAX);
	return r;
}

int
nhi_check_owner_mode(int fd, const char *path, char *err, size_t errsz)
{
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) < 0) {
		int e = errno;
		if (err)
			snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -e;
	}
	if (st.st_uid != 0) {
		if (err)
			snprintf(err, errsz, "%s: not owned by root", path);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		if (err)
			snprintf(err, errsz, "%s: writable by group or others", path);
		return -EPERM;
	}
	return 0;
}

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

/*
 * Reads all of fd, at most max bytes; -EFBIG beyond.  Caller frees *buf.
 * The buffer starts at the file's size (a login reads a few KiB, not the
 * bound) and grows, up to the bound, if the file grows while it is read.
 */
static int
read_bounded(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t n = 0, cap;
	char *b;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > (off_t)max)
		return -EFBIG;
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	if ((b = malloc(cap + 1)) == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb;

			if (ncap == cap) {
				free(b);
				return -EFBIG;
			}
			if ((nb = realloc(b, ncap + 1)) == NULL) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap = ncap;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(b);
			return -e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max) {
			free(b);
			return -EFBIG;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
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
	char msg[256], scratch[1], *buf = NULL, *line, *next;
	unsigned lineno = 0;
	size_t len = 0;
	int fd, r;

	if (err == NULL || errsz == 0) {
		err = scratch;
		errsz = sizeof(scratch);
	}
	err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsz, "%s: %s", path, strerror(-r));
		return r;
	}
	if (c->check_perms && (r = nhi_check_owner_mode(fd, path, err, errsz)) < 0)
		goto out;
	if ((r = read_bounded(fd, NHI_CONF_MAX, &buf, &len)) < 0) {
		if (r == -EFBIG)
			snprintf(err, errsz, "%s: larger than %d bytes", path, NHI_CONF_MAX);
		else
			snprintf(err, errsz, "%s: %s", path, strerror(-r));
		goto out;
	}
	if ((r = set_str(&c->path, path)) < 0)
		goto out;
	for (line = buf; line < buf + len; line = next) {
		char *end = memchr(line, '\n', (size_t)(buf + len - line)), *key, *val, *eq;

		lineno++;
		if (end == NULL)
			end = buf + len;
		next = end + 1;
		if ((size_t)(end - line) >= NHI_LINE_MAX) {
			snprintf(err, errsz, "%s:%u: line too long", path, lineno);
			r = -EINVAL;
			goto out;
		}
		if (memchr(line, '\0', (size_t)(end - line)) != NULL) {
			snprintf(err, errsz, "%s:%u: NUL byte", path, lineno);
			r = -EINVAL;
			goto out;
		}
		*end = '\0';
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsz, "%s:%u: expected 'key = value'", path, lineno);
			r = -EINVAL;
			goto out;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		if ((r = nhi_conf_set(c, key, val, msg, sizeof(msg))) < 0) {
			snprintf(err, errsz, "%s:%u: %s", path, lineno,
				 msg[0] ? msg : strerror(-r));
			r = r == -ENOMEM ? r : -EINVAL;
			goto out;
		}
	}
	r = nhi_conf_validate(c, err, errsz);
out:
	free(buf);
	close(fd);
	return r;
}

int
nhi_conf_validate(const struct nhi_conf *c, char *err, size_t errsz)
{
	if (c->backend == NHI_BACKEND_HTTP && c->url == NULL) {
		if (err)
			snprintf(err, errsz, "%s: backend = http needs url",
				 c->path ? c->path : "configuration");
		return -EINVAL;
	}
	return 0;
}

const char *
nhi_conf_host(struct nhi_conf *c)
{
	struct addrinfo hints, *ai = NULL;
	char name[256];

	if (c->host != NULL)
		return c->host;
	if (gethostname(name, sizeof(name)) < 0)
		return NULL;
	name[sizeof(name) - 1] = '\0';
	/* The FQDN as the resolver knows it (usually /etc/hosts); else the
	 * short name.  Only done for vendors, and once per handle. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_CANONNAME;
	if (strchr(name, '.') == NULL && getaddrinfo(name, NULL, &hints, &ai) == 0 &&
	    ai != NULL && ai->ai_canonname != NULL && strchr(ai->ai_canonname, '.') != NULL)
		set_str(&c->host, ai->ai_canonname);
	if (ai != NULL)
		freeaddrinfo(ai);
	if (c->host == NULL)
		set_str(&c->host, name);
	return c->host;
}
