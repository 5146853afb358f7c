/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http ticket backend (design.md sections 3-5, "backend = http").
 *
 * Built as its own object, nhiacct_http.so, which the core dlopen()s only
 * when backend = http, so that a login on the file backend never loads
 * libcurl and its TLS stack.  The object exports one data symbol,
 * nhi_backend_http_ops (see backend_http.map), and depends on libcurl,
 * jansson and libc only: the module that loads it exports nothing but
 * pam_sm_*, so no core function may be called from here.
 *
 * Errors follow struct nhi_backend_ops: -ENOENT (HTTP 404), -EBADMSG (not
 * JSON, wrong shape), and for everything else a negative errno that the
 * core reports as backend_error.  One exception: -EPERM means "this
 * backend's configuration is unusable" (unsafe or unreadable token_file,
 * url missing or not http(s), timeout of 0) and is reported as config_error.
 *
 * Secrets: the bearer token is never logged and never put into err; every
 * copy we own (file buffer, header line, the curl_slist's copy) is wiped with
 * explicit_bzero after the request.  libcurl keeps a transient copy in its
 * own send buffer, which we cannot reach.  CURLOPT_VERBOSE is never set,
 * since it would print the header.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* strerror_r returning char * */
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "nhi.h"

#ifndef NHI_VERSION
#define NHI_VERSION "0.1"
#endif

#define TOKEN_MAX        4096           /* bytes of a token file */
#define URL_MAX          8192           /* an expanded URL */
#define LOGURL_MAX       512            /* the URL as shown in err */
#define TIMEOUT_MAX      86400          /* seconds; keeps ms in a long */
#define RETRY_PAUSE_MS   100            /* before the one reconnect */
#define RETRY_MIN_MS     200            /* budget left worth a reconnect */
#define BEARER_PREFIX    "Authorization: Bearer "

/* The one symbol this object exports; the core looks it up by name. */
extern const struct nhi_backend_module nhi_backend_http_ops;

/* A response body, capped at max bytes (a NUL is kept after the data). */
struct body {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
	bool over;
};

static void seterr(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * One-line diagnostic into err (may be NULL).  Control characters are
 * replaced, since parts of it (a jansson message quoting the body, a
 * curl message) come from the network and end up in a log.
 */
static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	for (i = 0; err[i] != '\0'; i++) {
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			err[i] = '?';
	}
}

static const char *
errstr(int e, char *buf, size_t bufsz)
{
	return strerror_r(e, buf, bufsz);       /* GNU variant */
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\f' || ch == '\v';
}

/* ---- libcurl global state ---------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/*
 * curl_global_init() once per load of this object.  libcurl opens
 * $SSLKEYLOGFILE (plain getenv, append mode) while initialising its TLS
 * backend and writes every session key into it: in a setuid program that
 * runs the PAM stack with the caller's environment (su), a user could make
 * root write to a file of their choosing.  So the variable is hidden for the
 * duration of the call and put back afterwards.
 *
 * curl_global_cleanup() is never called from here: this object lives inside
 * a long-lived process (sshd, the watch daemon) that may have other libcurl
 * users, and cleaning up global state under them is undefined behaviour;
 * libcurl's init is reference-counted and a leftover init costs nothing.
 */
static void
global_init(void)
{
	const char *v = getenv("SSLKEYLOGFILE");
	char *saved = NULL;

	if (v != NULL) {
		if ((saved = strdup(v)) == NULL) {
			global_rc = CURLE_OUT_OF_MEMORY;
			return;
		}
		unsetenv("SSLKEYLOGFILE");
	}
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (saved != NULL) {
		setenv("SSLKEYLOGFILE", saved, 1);
		free(saved);
	}
}

static int
http_init(char *err, size_t errsz)
{
	if (pthread_once(&global_once, global_init) != 0 || global_rc != CURLE_OK) {
		seterr(err, errsz, "libcurl initialisation failed: %s",
		       curl_easy_strerror(global_rc));
		return -EIO;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * The URL as shown in err: without user:password@ and without the query and
 * fragment, which may carry an API key.  Returns buf.
 */
static const char *
url_for_log(const char *url, char *buf, size_t bufsz)
{
	const char *p, *auth, *end, *at;
	size_t n;

	buf[0] = '\0';
	p = strstr(url, "://");
	auth = p != NULL ? p + 3 : url;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	n = strcspn(url, "?#");
	if (at != NULL)
		snprintf(buf, bufsz, "%.*s%.*s", (int)(auth - url), url,
			 (int)(url + n - (at + 1)), at + 1);
	else
		snprintf(buf, bufsz, "%.*s", (int)n, url);
	return buf;
}

static bool
is_http_url(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0 ||
	       strncasecmp(url, "http://", 7) == 0;
}

/*
 * Copies tmpl into a new string with every "{name}" of names[] replaced by
 * the URL-escaped values[] (curl_easy_escape: all but ALPHA DIGIT - . _ ~),
 * so a user or ticket id can never add a path segment or a query parameter.
 * Other braces are copied as they are.  Caller frees *out.
 */
static int
expand_url(CURL *h, const char *tmpl, const char *const names[],
	   const char *const values[], size_t n, char **out, char *err,
	   size_t errsz)
{
	char *buf = NULL, *esc[3] = { NULL, NULL, NULL };
	size_t len = 0, i, k, elen;
	const char *p;
	int r;

	*out = NULL;
	if (n > 3) {
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strlen(values[i]) > URL_MAX) {
			seterr(err, errsz, "{%s} longer than %d bytes", names[i],
			       URL_MAX);
			r = -E2BIG;
			goto out;
		}
		if ((esc[i] = curl_easy_escape(h, values[i], 0)) == NULL) {
			seterr(err, errsz, "cannot escape {%s} for the URL", names[i]);
			r = -ENOMEM;
			goto out;
		}
	}
	if ((buf = malloc(URL_MAX + 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (p = tmpl; *p != '\0';) {
		for (k = 0; k < n; k++) {
			size_t nl = strlen(names[k]);

			if (p[0] == '{' && strncmp(p + 1, names[k], nl) == 0 &&
			    p[1 + nl] == '}')
				break;
		}
		if (k < n) {
			elen = strlen(esc[k]);
			p += strlen(names[k]) + 2;
		} else {
			elen = 1;
		}
		if (elen > URL_MAX - len) {
			seterr(err, errsz, "URL longer than %d bytes", URL_MAX);
			r = -E2BIG;
			goto out;
		}
		if (k < n) {
			memcpy(buf + len, esc[k], elen);
		} else {
			buf[len] = *p++;
		}
		len += elen;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	r = 0;
 out:
	for (i = 0; i < 3; i++)
		curl_free(esc[i]);
	free(buf);
	return r;
}

/*
 * Reads the bearer token from path into tok (size toksz > TOKEN_MAX).  The
 * file must be a regular file (not followed through a symlink), owned by
 * root (when c->check_perms) and without any group or other permission bits
 * (always: a file we may read is one we could have protected).  Leading and
 * trailing white space is stripped; the token must then be non-empty
 * printable ASCII without blanks, so it cannot inject a header line.
 * Every failure is -EPERM: a missing or unsafe token file is a
 * configuration error.  tok is wiped on failure.
 */
static int
read_token(const struct nhi_conf *c, char *tok, size_t toksz, char *err,
	   size_t errsz)
{
	const char *path = c->token_file;
	char ebuf[128];
	struct stat st;
	size_t len = 0, i, start;
	ssize_t n;
	int fd = -1, r = -EPERM;

	memset(tok, 0, toksz);
	if (toksz <= TOKEN_MAX) {
		r = -EINVAL;
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		int e = errno;

		seterr(err, errsz, "token_file %s: %s (config)", path,
		       e == ELOOP ? "is a symbolic link" : errstr(e, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errsz, "token_file %s: %s (config)", path,
		       errstr(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errsz, "token_file %s: not a regular file (config)", path);
		goto out;
	}
	if (c->check_perms && st.st_uid != 0) {
		seterr(err, errsz, "token_file %s: not owned by root (config)", path);
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		seterr(err, errsz, "token_file %s: mode %04o, must be 0600 or "
		       "stricter (config)", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > TOKEN_MAX) {
		seterr(err, errsz, "token_file %s: larger than %d bytes (config)",
		       path, TOKEN_MAX);
		goto out;
	}
	/* Read up to one byte past the limit to notice a file that grew. */
	while (len <= TOKEN_MAX) {
		n = read(fd, tok + len, TOKEN_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(err, errsz, "token_file %s: %s (config)", path,
			       errstr(errno, ebuf, sizeof(ebuf)));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > TOKEN_MAX) {
		seterr(err, errsz, "token_file %s: larger than %d bytes (config)",
		       path, TOKEN_MAX);
		goto out;
	}
	while (len > 0 && is_blank(tok[len - 1]))
		tok[--len] = '\0';
	for (start = 0; start < len && is_blank(tok[start]); start++)
		;
	if (start == len) {
		seterr(err, errsz, "token_file %s: empty (config)", path);
		goto out;
	}
	for (i = start; i < len; i++) {
		if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e) {
			seterr(err, errsz, "token_file %s: the token contains blanks "
			       "or non-printable characters (config)", path);
			goto out;
		}
	}
	if (start > 0) {
		memmove(tok, tok + start, len - start);
		explicit_bzero(tok + len - start, start);
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	if (r != 0)
		explicit_bzero(tok, toksz);
	return r;
}

/*
 * libcurl write callback: appends to the body, up to b->max bytes.  The cap
 * is enforced here and not only with CURLOPT_MAXFILESIZE_LARGE, which cannot
 * stop a chunked body (no Content-Length).  Returning a short count makes
 * curl abort the transfer with CURLE_WRITE_ERROR.
 */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n, need, ncap;
	char *nbuf;

	if (size != 0 && nmemb > SIZE_MAX / size)
		return 0;
	n = size * nmemb;
	if (n > b->max - b->len) {
		b->over = true;
		return 0;
	}
	need = b->len + n + 1;          /* n <= max - len: no overflow */
	if (need > b->cap) {
		/* Doubling, capped at max + 1, which need never exceeds. */
		ncap = b->cap < 4096 ? 4096 : b->cap;
		while (ncap < need)
			ncap = ncap > (b->max + 1) / 2 ? b->max + 1 : ncap * 2;
		if ((nbuf = realloc(b->buf, ncap)) == NULL)
			return 0;
		b->buf = nbuf;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, ptr, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/*
 * Is the nesting of the JSON text buf at most max?  jansson parses
 * recursively, so a hostile body of nested brackets is refused before it
 * reaches the parser.  Brackets inside strings do not count; whether the
 * text is valid JSON is left to the parser.
 */
static bool
json_depth_ok(const char *buf, size_t len, size_t max)
{
	size_t i, depth = 0;
	bool in_str = false, esc = false;

	for (i = 0; i < len; i++) {
		char ch = buf[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
			continue;
		}
		switch (ch) {
		case '"':
			in_str = true;
			break;
		case '{':
		case '[':
			if (++depth > max)
				return false;
			break;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return true;
}

/* A curl failure as a negative errno (never -ENOENT/-EBADMSG/-EPERM). */
static int
curl_errno(CURLcode cr)
{
	switch (cr) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* Zeroes the strings of a curl_slist (the header with the token). */
static void
slist_wipe(struct curl_slist *l)
{
	for (; l != NULL; l = l->next) {
		if (l->data != NULL)
			explicit_bzero(l->data, strlen(l->data));
	}
}

/* err and errno for an option libcurl refused (an old or odd build). */
static int
setopt_failed(CURLcode cr, const char *opt, const char *lurl, char *err,
	      size_t errsz)
{
	seterr(err, errsz, "GET %s: %s: %s", *lurl != '\0' ? lurl : "(url)",
	       opt, curl_easy_strerror(cr));
	return cr == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
}

/* Every curl_easy_setopt() is checked; this keeps the list readable. */
#define SETOPT(opt, val) do {                                           \
		cr = curl_easy_setopt(h, opt, val);                     \
		if (cr != CURLE_OK) {                                   \
			r = setopt_failed(cr, #opt, lurl, err, errsz);  \
			goto out;                                       \
		}                                                       \
	} while (0)

/*
 * GET the URL made of tmpl and the placeholders, and parse a 200 answer of at
 * most max bytes into *doc (caller json_decref()s).  404 is -ENOENT, a body
 * that is not JSON (or nested deeper than NHI_JSON_DEPTH_MAX) is -EBADMSG,
 * every other answer or failure a backend error.  Redirects are not followed.
 * At most one retry, and only when the connection could not be made, inside
 * the same overall timeout.
 */
static int
http_get_json(const struct nhi_conf *c, const char *tmpl,
	      const char *const names[], const char *const values[], size_t n,
	      size_t max, json_t **doc, char *err, size_t errsz)
{
	CURL *h = NULL;
	struct curl_slist *hdrs = NULL, *l;
	struct body b = { NULL, 0, 0, max, false };
	char tok[TOKEN_MAX + 1];
	char auth[sizeof(BEARER_PREFIX) + TOKEN_MAX];
	char cerr[CURL_ERROR_SIZE];
	char lurl[LOGURL_MAX];
	char *url = NULL;
	json_error_t jerr;
	json_t *j = NULL;
	CURLcode cr = CURLE_OK;
	int64_t start, left, budget;
	long status = 0;
	int r, attempt;

	*doc = NULL;
	memset(tok, 0, sizeof(tok));
	memset(auth, 0, sizeof(auth));
	memset(cerr, 0, sizeof(cerr));
	lurl[0] = '\0';

	if (tmpl == NULL || *tmpl == '\0' || !is_http_url(tmpl)) {
		seterr(err, errsz, "url and lookup_url must start with https:// "
		       "or http:// (config)");
		r = -EPERM;
		goto out;
	}
	/* libcurl reads a timeout of 0 as "no limit". */
	if (c->timeout <= 0) {
		seterr(err, errsz, "timeout must be at least 1s (config)");
		r = -EPERM;
		goto out;
	}
	budget = (c->timeout > TIMEOUT_MAX ? TIMEOUT_MAX : c->timeout) * 1000;

	if ((r = http_init(err, errsz)) != 0)
		goto out;
	if (c->token_file != NULL && *c->token_file != '\0') {
		if ((r = read_token(c, tok, sizeof(tok), err, errsz)) != 0)
			goto out;
		if ((size_t)snprintf(auth, sizeof(auth), "%s%s", BEARER_PREFIX,
				     tok) >= sizeof(auth)) {
			r = -EPERM;     /* cannot happen: tok <= TOKEN_MAX */
			goto out;
		}
		if ((l = curl_slist_append(hdrs, auth)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		hdrs = l;
	}
	if ((l = curl_slist_append(hdrs, "Accept: application/json")) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	hdrs = l;

	if ((h = curl_easy_init()) == NULL) {
		seterr(err, errsz, "curl_easy_init failed");
		r = -ENOMEM;
		goto out;
	}
	if ((r = expand_url(h, tmpl, names, values, n, &url, err, errsz)) != 0)
		goto out;
	url_for_log(url, lurl, sizeof(lurl));

	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_HTTPGET, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500     /* 7.85.0 */
	SETOPT(CURLOPT_PROTOCOLS_STR, "https,http");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_NOSIGNAL, 1L);   /* no SIGALRM in the host process */
	SETOPT(CURLOPT_ERRORBUFFER, cerr);
	SETOPT(CURLOPT_FAILONERROR, 0L);
	/* TLS verification is always on; there is deliberately no switch. */
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->ca_file != NULL && *c->ca_file != '\0')
		SETOPT(CURLOPT_CAINFO, c->ca_file);
	/*
	 * The proxy is only what the configuration says: "" disables the
	 * http_proxy/https_proxy/ALL_PROXY variables of the environment, and an
	 * empty NOPROXY list disables NO_PROXY, so that the environment of a
	 * user (su keeps it) can neither redirect nor bypass the request.
	 */
	SETOPT(CURLOPT_PROXY, c->proxy != NULL ? c->proxy : "");
	SETOPT(CURLOPT_NOPROXY, "");
	/* Our headers (the token) are not copied into the CONNECT request
	 * that opens a tunnel through the proxy; only the server sees them. */
	SETOPT(CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE);
	SETOPT(CURLOPT_HTTPHEADER, hdrs);
	SETOPT(CURLOPT_USERAGENT, "pam_nhiacct/" NHI_VERSION);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, &b);

	start = now_ms();
	for (attempt = 0;; attempt++) {
		left = budget - (now_ms() - start);
		if (left < 1)
			left = 1;
		b.len = 0;
		b.over = false;
		cerr[0] = '\0';
		/* The whole request, connect included, within the budget. */
		SETOPT(CURLOPT_TIMEOUT_MS, (long)left);
		SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)left);
		cr = curl_easy_perform(h);
		if (cr != CURLE_COULDNT_CONNECT || attempt > 0)
			break;
		left = budget - (now_ms() - start);
		if (left < RETRY_PAUSE_MS + RETRY_MIN_MS)
			break;
		sleep_ms(RETRY_PAUSE_MS);
	}

	if (cr != CURLE_OK) {
		if (b.over || cr == CURLE_FILESIZE_EXCEEDED) {
			seterr(err, errsz, "GET %s: answer larger than %zu bytes",
			       lurl, max);
			r = -EFBIG;
		} else {
			seterr(err, errsz, "GET %s: %s (curl %d)", lurl,
			       cerr[0] != '\0' ? cerr : curl_easy_strerror(cr),
			       (int)cr);
			r = curl_errno(cr);
		}
		goto out;
	}
	if ((cr = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status)) != CURLE_OK) {
		seterr(err, errsz, "GET %s: no HTTP status", lurl);
		r = -EIO;
		goto out;
	}
	if (status == 404) {
		seterr(err, errsz, "GET %s: HTTP 404", lurl);
		r = -ENOENT;
		goto out;
	}
	if (status != 200) {
		seterr(err, errsz, "GET %s: HTTP %ld%s", lurl, status,
		       status >= 300 && status < 400 ?
		       " (redirects are not followed)" : "");
		r = -EREMOTEIO;
		goto out;
	}
	if (b.buf == NULL || b.len == 0) {
		seterr(err, errsz, "GET %s: empty answer, not JSON", lurl);
		r = -EBADMSG;
		goto out;
	}
	if (!json_depth_ok(b.buf, b.len, NHI_JSON_DEPTH_MAX)) {
		seterr(err, errsz, "GET %s: JSON nested deeper than %d", lurl,
		       NHI_JSON_DEPTH_MAX);
		r = -EBADMSG;
		goto out;
	}
	if ((j = json_loadb(b.buf, b.len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		seterr(err, errsz, "GET %s: not JSON: %s (line %d, column %d)",
		       lurl, jerr.text, jerr.line, jerr.column);
		r = -EBADMSG;
		goto out;
	}
	*doc = j;
	j = NULL;
	r = 0;
 out:
	if (h != NULL)
		curl_easy_cleanup(h);
	slist_wipe(hdrs);
	curl_slist_free_all(hdrs);
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(tok, sizeof(tok));
	json_decref(j);
	free(b.buf);
	free(url);
	return r;
}

#undef SETOPT

/* ---- the ops ------------------------------------------------------------- */

/* *doc: the ticket object behind c->url with {id}.  Caller json_decref()s. */
static int
http_fetch(const struct nhi_conf *c, const char *id, json_t **doc, char *err,
	   size_t errsz)
{
	static const char *const names[] = { "id" };
	const char *values[1];
	json_t *j = NULL;
	int r;

	*doc = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (c == NULL || id == NULL) {
		r = -EINVAL;
		goto out;
	}
	if (c->url == NULL || strstr(c->url, "{id}") == NULL) {
		seterr(err, errsz, "url must be set and contain {id} (config)");
		r = -EPERM;
		goto out;
	}
	values[0] = id;
	if ((r = http_get_json(c, c->url, names, values, 1, NHI_TICKET_MAX, &j,
			       err, errsz)) != 0)
		goto out;
	if (!json_is_object(j)) {
		seterr(err, errsz, "ticket %s: the answer is not a JSON object", id);
		r = -EBADMSG;
		goto out;
	}
	*doc = j;
	j = NULL;
 out:
	json_decref(j);
	return r;
}

/*
 * *docs: an array of the ticket objects c->lookup_url answers for user on
 * host; a single object is wrapped into an array.  Without lookup_url the
 * backend knows no candidates: an empty array.  Caller json_decref()s.
 */
static int
http_lookup(const struct nhi_conf *c, const char *user, const char *host,
	    json_t **docs, char *err, size_t errsz)
{
	static const char *const names[] = { "user", "host" };
	const char *values[2];
	json_t *j = NULL, *v;
	size_t i;
	int r;

	*docs = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (c == NULL || user == NULL || host == NULL) {
		r = -EINVAL;
		goto out;
	}
	if (c->lookup_url == NULL || *c->lookup_url == '\0') {
		if ((*docs = json_array()) == NULL)
			r = -ENOMEM;
		else
			r = 0;
		goto out;
	}
	values[0] = user;
	values[1] = host;
	if ((r = http_get_json(c, c->lookup_url, names, values, 2, NHI_LOOKUP_MAX,
			       &j, err, errsz)) != 0)
		goto out;
	if (json_is_object(j)) {
		json_t *a = json_array();

		if (a == NULL) {
			r = -ENOMEM;
			goto out;
		}
		/* Steals j, also when it fails. */
		r = json_array_append_new(a, j);
		j = a;
		if (r != 0) {
			r = -ENOMEM;
			goto out;
		}
	} else if (!json_is_array(j)) {
		seterr(err, errsz, "lookup: the answer is neither a ticket object "
		       "nor an array of them");
		r = -EBADMSG;
		goto out;
	}
	if (json_array_size(j) > NHI_CANDIDATES_MAX) {
		seterr(err, errsz, "lookup: %zu tickets answered, more than %d",
		       json_array_size(j), NHI_CANDIDATES_MAX);
		r = -E2BIG;
		goto out;
	}
	json_array_foreach(j, i, v) {
		if (!json_is_object(v)) {
			seterr(err, errsz, "lookup: entry %zu of the answer is not "
			       "a ticket object", i);
			r = -EBADMSG;
			goto out;
		}
	}
	*docs = j;
	j = NULL;
	r = 0;
 out:
	json_decref(j);
	return r;
}

static const struct nhi_backend_ops http_ops = {
	.name = "http",
	.fetch = http_fetch,
	.lookup = http_lookup,
};

const struct nhi_backend_module nhi_backend_http_ops = {
	.abi = NHI_BACKEND_ABI,
	.ops = &http_ops,
};
