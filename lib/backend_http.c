/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http ticket backend (design.md sections 3-5, "backend = http").
 *
 * Built as its own object, nhiacct_http.so, which the core dlopen()s only
 * when backend = http, so that a login on the file backend never loads
 * libcurl and its TLS stack.  The object exports one data symbol,
 * nhi_backend_http_ops (see backend_http.map), and depends on libcurl,
 * jansson and libc.  The module that loads it exports nothing but pam_sm_*,
 * so the few core helpers used here (fileio.c, json.c, text.c: the one
 * owner-checked read, the one JSON parser, the one escaper) are linked
 * into this object as its own hidden copies.
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

#include "backend.h"
#include "conf.h"
#include "fieldmap.h"
#include "fileio.h"
#include "json.h"
#include "text.h"
#include "timeutil.h"

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
#define PLACEHOLDERS_MAX 8              /* {name}s of one URL template */

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
		nhi_escapef(err, errsz, "libcurl initialisation failed: %s",
		       curl_easy_strerror(global_rc));
		return -EIO;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------- */

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
	char *buf = NULL, *esc[PLACEHOLDERS_MAX] = { NULL };
	size_t len = 0, i, k, elen;
	const char *p;
	int r;

	*out = NULL;
	if (n > PLACEHOLDERS_MAX) {
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strlen(values[i]) > URL_MAX) {
			nhi_escapef(err, errsz, "{%s} longer than %d bytes", names[i],
			       URL_MAX);
			r = -E2BIG;
			goto out;
		}
		if ((esc[i] = curl_easy_escape(h, values[i], 0)) == NULL) {
			nhi_escapef(err, errsz, "cannot escape {%s} for the URL", names[i]);
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
			nhi_escapef(err, errsz, "URL longer than %d bytes", URL_MAX);
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
	for (i = 0; i < PLACEHOLDERS_MAX; i++)
		curl_free(esc[i]);
	free(buf);
	return r;
}

/*
 * Reads the bearer token from c->token_file into tok (size toksz > TOKEN_MAX)
 * through the one owner-checked read: a regular file (not followed through
 * a symlink), owned by root (when c->check_perms) and without any group or
 * other permission bits (always: a file we may read is one we could have
 * protected).  Leading and trailing white space is stripped; the token must
 * then be non-empty printable ASCII without blanks, so it cannot inject a
 * header line.  Every failure is -EPERM: a missing or unsafe token file is
 * a configuration error.  tok is wiped on failure.
 */
static int
read_token(const struct nhi_conf *c, char *tok, size_t toksz, char *err,
	   size_t errsz)
{
	char label[1100], msg[1200];
	struct nhi_file_rules rules = {
		.max = TOKEN_MAX,
		.owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
		.private_mode = true,
		.label = label,
	};
	size_t len = 0, start = 0;
	int fd, r = -EPERM;

	memset(tok, 0, toksz);
	if (toksz <= TOKEN_MAX)
		return -EINVAL;
	snprintf(label, sizeof(label), "token_file %s", c->token_file);
	if ((fd = nhi_file_open(AT_FDCWD, c->token_file, &rules, msg, sizeof(msg))) < 0) {
		nhi_escapef(err, errsz, "%s (config)", msg);
		return -EPERM;
	}
	if ((r = nhi_fd_read(fd, tok, TOKEN_MAX, &len)) < 0) {
		nhi_escapef(err, errsz, "%s: %s (config)", label,
		       r == -EFBIG ? "larger than the bound" : strerror(-r));
		r = -EPERM;
		goto out;
	}
	while (len > 0 && strchr(" \t\r\n\f\v", tok[len - 1]) != NULL)
		tok[--len] = '\0';
	while (start < len && strchr(" \t\r\n\f\v", tok[start]) != NULL)
		start++;
	r = -EPERM;
	if (start == len)
		nhi_escapef(err, errsz, "%s: empty (config)", label);
	else if (!nhi_text_visible(tok + start, len - start, true))
		nhi_escapef(err, errsz, "%s: the token contains blanks or non-printable "
		       "characters (config)", label);
	else
		r = 0;
	if (r == 0 && start > 0) {
		memmove(tok, tok + start, len - start);
		explicit_bzero(tok + len - start, start);
	}
out:
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

/* ---- one request -------------------------------------------------------- */

/*
 * One decision (a fetch, or a lookup with every candidate): its field map,
 * and what all its requests share: the deadline (timeout) and the bytes of
 * the answers (NHI_LOOKUP_MAX in all).
 */
struct decision {
	const struct nhi_conf *c;
	struct nhi_fieldmap *map;
	int64_t deadline;               /* nhi_mono_ms() by which all is done */
	size_t bytes_left;
};

/* Everything one GET owns; request_free() wipes and frees it. */
struct request {
	struct decision *d;             /* its decision, and so its configuration */
	CURL *h;
	struct curl_slist *hdrs;
	struct body b;
	int64_t budget;                 /* ms for the whole request */
	char *url;
	char tok[TOKEN_MAX + 1];
	char auth[sizeof(BEARER_PREFIX) + TOKEN_MAX];
	char cerr[CURL_ERROR_SIZE];
	char lurl[LOGURL_MAX];          /* the URL as shown in err */
};

static void
request_free(struct request *rq)
{
	if (rq->h != NULL)
		curl_easy_cleanup(rq->h);
	slist_wipe(rq->hdrs);
	curl_slist_free_all(rq->hdrs);
	explicit_bzero(rq->auth, sizeof(rq->auth));
	explicit_bzero(rq->tok, sizeof(rq->tok));
	free(rq->b.buf);
	free(rq->url);
}

/* What the configuration must hold before anything is sent. */
static int
request_check(struct request *rq, const char *tmpl, char *err, size_t errsz)
{
	const struct nhi_conf *c = rq->d->c;

	if (tmpl == NULL || *tmpl == '\0' || !is_http_url(tmpl)) {
		nhi_escapef(err, errsz, "url, lookup_url and approvals_url must start with "
		       "https:// or http:// (config)");
		return -EPERM;
	}
	rq->budget = rq->d->deadline - nhi_mono_ms();
	if (rq->budget < 1 || rq->d->bytes_left == 0) {
		nhi_escapef(err, errsz, "the decision's %s (%llds, every request of it together) "
		       "is spent", rq->budget < 1 ? "timeout" : "answer bound",
		       (long long)c->timeout);
		return rq->budget < 1 ? -ETIMEDOUT : -EFBIG;
	}
	if (rq->b.max > rq->d->bytes_left)
		rq->b.max = rq->d->bytes_left;
	return http_init(err, errsz);
}

/* The headers: the bearer token (if any) and Accept. */
static int
request_headers(struct request *rq, char *err, size_t errsz)
{
	const struct nhi_conf *c = rq->d->c;
	struct curl_slist *l;
	int r;

	if (c->token_file != NULL && *c->token_file != '\0') {
		if ((r = read_token(c, rq->tok, sizeof(rq->tok), err, errsz)) != 0)
			return r;
		snprintf(rq->auth, sizeof(rq->auth), "%s%s", BEARER_PREFIX, rq->tok);
		if ((l = curl_slist_append(rq->hdrs, rq->auth)) == NULL)
			return -ENOMEM;
		rq->hdrs = l;
	}
	if ((l = curl_slist_append(rq->hdrs, "Accept: application/json")) == NULL)
		return -ENOMEM;
	rq->hdrs = l;
	return 0;
}

/* err and errno for an option libcurl refused (an old or odd build). */
static int
opt_result(struct request *rq, CURLcode cr, const char *name, char *err, size_t errsz)
{
	if (cr == CURLE_OK)
		return 0;
	nhi_escapef(err, errsz, "GET %s: %s: %s", rq->lurl[0] != '\0' ? rq->lurl : "(url)",
	       name, curl_easy_strerror(cr));
	return cr == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
}

static int
opt_long(struct request *rq, CURLoption o, const char *name, long v, char *err, size_t errsz)
{
	return opt_result(rq, curl_easy_setopt(rq->h, o, v), name, err, errsz);
}

static int
opt_ptr(struct request *rq, CURLoption o, const char *name, const void *v, char *err,
	size_t errsz)
{
	return opt_result(rq, curl_easy_setopt(rq->h, o, v), name, err, errsz);
}

/*
 * Every option, each checked.  TLS verification is always on; there is
 * deliberately no switch.  The proxy is only what the configuration says:
 * "" disables the http_proxy/https_proxy/ALL_PROXY variables of the
 * environment and an empty NOPROXY list disables NO_PROXY, so that the
 * environment of a user (su keeps it) can neither redirect nor bypass the
 * request.  Our headers (the token) are not copied into the CONNECT request
 * that opens a tunnel through the proxy: only the server sees them.
 */
static int
request_options(struct request *rq, char *err, size_t errsz)
{
	const struct nhi_conf *c = rq->d->c;
	const char *ca = c->ca_file != NULL && *c->ca_file != '\0' ? c->ca_file : NULL;
	int r;

	if ((r = opt_ptr(rq, CURLOPT_URL, "URL", rq->url, err, errsz)) < 0 ||
	    (r = opt_long(rq, CURLOPT_HTTPGET, "HTTPGET", 1L, err, errsz)) < 0 ||
#if LIBCURL_VERSION_NUM >= 0x075500     /* 7.85.0 */
	    (r = opt_ptr(rq, CURLOPT_PROTOCOLS_STR, "PROTOCOLS_STR", "https,http", err, errsz)) < 0 ||
#else
	    (r = opt_long(rq, CURLOPT_PROTOCOLS, "PROTOCOLS",
			  (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP), err, errsz)) < 0 ||
#endif
	    (r = opt_long(rq, CURLOPT_FOLLOWLOCATION, "FOLLOWLOCATION", 0L, err, errsz)) < 0 ||
	    /* no SIGALRM in the host process */
	    (r = opt_long(rq, CURLOPT_NOSIGNAL, "NOSIGNAL", 1L, err, errsz)) < 0 ||
	    (r = opt_ptr(rq, CURLOPT_ERRORBUFFER, "ERRORBUFFER", rq->cerr, err, errsz)) < 0 ||
	    (r = opt_long(rq, CURLOPT_FAILONERROR, "FAILONERROR", 0L, err, errsz)) < 0 ||
	    (r = opt_long(rq, CURLOPT_SSL_VERIFYPEER, "SSL_VERIFYPEER", 1L, err, errsz)) < 0 ||
	    (r = opt_long(rq, CURLOPT_SSL_VERIFYHOST, "SSL_VERIFYHOST", 2L, err, errsz)) < 0 ||
	    (r = opt_long(rq, CURLOPT_SSLVERSION, "SSLVERSION",
			  (long)CURL_SSLVERSION_TLSv1_2, err, errsz)) < 0 ||
	    (ca != NULL && (r = opt_ptr(rq, CURLOPT_CAINFO, "CAINFO", ca, err, errsz)) < 0) ||
	    (r = opt_ptr(rq, CURLOPT_PROXY, "PROXY", c->proxy != NULL ? c->proxy : "",
			 err, errsz)) < 0 ||
	    (r = opt_ptr(rq, CURLOPT_NOPROXY, "NOPROXY", "", err, errsz)) < 0 ||
	    (r = opt_long(rq, CURLOPT_HEADEROPT, "HEADEROPT", (long)CURLHEADER_SEPARATE,
			  err, errsz)) < 0 ||
	    (r = opt_ptr(rq, CURLOPT_HTTPHEADER, "HTTPHEADER", rq->hdrs, err, errsz)) < 0 ||
	    (r = opt_ptr(rq, CURLOPT_USERAGENT, "USERAGENT", "pam_nhiacct/" NHI_VERSION,
			 err, errsz)) < 0 ||
	    (r = opt_result(rq, curl_easy_setopt(rq->h, CURLOPT_MAXFILESIZE_LARGE,
						 (curl_off_t)rq->b.max),
			    "MAXFILESIZE_LARGE", err, errsz)) < 0 ||
	    (r = opt_result(rq, curl_easy_setopt(rq->h, CURLOPT_WRITEFUNCTION, write_cb),
			    "WRITEFUNCTION", err, errsz)) < 0 ||
	    (r = opt_ptr(rq, CURLOPT_WRITEDATA, "WRITEDATA", &rq->b, err, errsz)) < 0)
		return r;
	return 0;
}

/*
 * The transfer: the whole request, connect included, within the budget;
 * at most one retry, and only when the connection could not be made.
 */
static int
request_perform(struct request *rq, CURLcode *cr, char *err, size_t errsz)
{
	int64_t start = nhi_mono_ms(), left;
	int r;

	for (int attempt = 0;; attempt++) {
		left = rq->budget - (nhi_mono_ms() - start);
		if (left < 1)
			left = 1;
		rq->b.len = 0;
		rq->b.over = false;
		rq->cerr[0] = '\0';
		if ((r = opt_long(rq, CURLOPT_TIMEOUT_MS, "TIMEOUT_MS", (long)left, err, errsz)) < 0 ||
		    (r = opt_long(rq, CURLOPT_CONNECTTIMEOUT_MS, "CONNECTTIMEOUT_MS", (long)left,
				  err, errsz)) < 0)
			return r;
		*cr = curl_easy_perform(rq->h);
		if (*cr != CURLE_COULDNT_CONNECT || attempt > 0)
			return 0;
		left = rq->budget - (nhi_mono_ms() - start);
		if (left < RETRY_PAUSE_MS + RETRY_MIN_MS)
			return 0;
		sleep_ms(RETRY_PAUSE_MS);
	}
}

/* What came back: 200 and JSON, or the error it stands for. */
static int
request_answer(struct request *rq, CURLcode cr, json_t **doc, char *err, size_t errsz)
{
	char msg[512];
	long status = 0;

	if (cr != CURLE_OK && (rq->b.over || cr == CURLE_FILESIZE_EXCEEDED)) {
		nhi_escapef(err, errsz, "GET %s: answer larger than %zu bytes", rq->lurl, rq->b.max);
		return -EFBIG;
	}
	if (cr != CURLE_OK) {
		nhi_escapef(err, errsz, "GET %s: %s (curl %d)", rq->lurl,
		       rq->cerr[0] != '\0' ? rq->cerr : curl_easy_strerror(cr), (int)cr);
		return curl_errno(cr);
	}
	if (curl_easy_getinfo(rq->h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
		nhi_escapef(err, errsz, "GET %s: no HTTP status", rq->lurl);
		return -EIO;
	}
	if (status == 404) {
		nhi_escapef(err, errsz, "GET %s: HTTP 404", rq->lurl);
		return -ENOENT;
	}
	if (status != 200) {
		nhi_escapef(err, errsz, "GET %s: HTTP %ld%s", rq->lurl, status,
		       status >= 300 && status < 400 ? " (redirects are not followed)" : "");
		return -EREMOTEIO;
	}
	if (rq->b.buf == NULL || rq->b.len == 0) {
		nhi_escapef(err, errsz, "GET %s: empty answer, not JSON", rq->lurl);
		return -EBADMSG;
	}
	if (nhi_json_parse(rq->b.buf, rq->b.len, doc, msg, sizeof(msg)) < 0) {
		nhi_escapef(err, errsz, "GET %s: %s", rq->lurl, msg);
		return -EBADMSG;
	}
	return 0;
}

/*
 * GET the URL made of tmpl and the placeholders, and parse a 200 answer of at
 * most max bytes (and what is left of the decision's) into *doc (caller json_decref()s).  404 is -ENOENT, a body
 * that is not JSON (or nested deeper than NHI_JSON_DEPTH_MAX) is -EBADMSG,
 * every other answer or failure a backend error.  Redirects are not followed.
 */
static int
http_get_json(struct decision *d, const char *tmpl,
	      const char *const names[], const char *const values[], size_t n,
	      size_t max, json_t **doc, char *err, size_t errsz)
{
	struct request rq = { .d = d, .b = { NULL, 0, 0, max, false } };
	CURLcode cr = CURLE_OK;
	int r;

	*doc = NULL;
	if ((r = request_check(&rq, tmpl, err, errsz)) != 0 ||
	    (r = request_headers(&rq, err, errsz)) != 0)
		goto out;
	if ((rq.h = curl_easy_init()) == NULL) {
		nhi_escapef(err, errsz, "curl_easy_init failed");
		r = -ENOMEM;
		goto out;
	}
	if ((r = expand_url(rq.h, tmpl, names, values, n, &rq.url, err, errsz)) != 0)
		goto out;
	url_for_log(rq.url, rq.lurl, sizeof(rq.lurl));
	if ((r = request_options(&rq, err, errsz)) != 0 ||
	    (r = request_perform(&rq, &cr, err, errsz)) != 0)
		goto out;
	d->bytes_left -= rq.b.len <= d->bytes_left ? rq.b.len : d->bytes_left;
	r = request_answer(&rq, cr, doc, err, errsz);
out:
	request_free(&rq);
	return r;
}

/* ---- one decision --------------------------------------------------------- */

/* The decision's map and shares; -EPERM for a configuration it cannot use. */
static int
decision_init(struct decision *d, const struct nhi_conf *c, char *err, size_t errsz)
{
	memset(d, 0, sizeof(*d));
	d->c = c;
	/* libcurl reads a timeout of 0 as "no limit". */
	if (c->timeout <= 0) {
		nhi_escapef(err, errsz, "timeout must be at least 1s (config)");
		return -EPERM;
	}
	d->deadline = nhi_mono_ms() + (c->timeout > TIMEOUT_MAX ? TIMEOUT_MAX : c->timeout) * 1000;
	d->bytes_left = NHI_LOOKUP_MAX;
	return nhi_fieldmap_new(c, &d->map, err, errsz);
}

static void
decision_free(struct decision *d)
{
	nhi_fieldmap_free(d->map);
	d->map = NULL;
}

/* A value from the ticket for a URL: a string, or a whole number as its
 * decimal digits (ServiceNow's sys_id, Jira's numeric id). */
static int
url_value(json_t *v, char *buf, size_t bufsz)
{
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    strlen(json_string_value(v)) == json_string_length(v) &&
	    json_string_length(v) < bufsz) {
		snprintf(buf, bufsz, "%s", json_string_value(v));
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(buf, bufsz, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	return -EBADMSG;
}

/*
 * The answer of approvals_url for ticket: its placeholders, {id} (the
 * ticket's id as mapped, else fallback_id) and {/pointer} (a string or a
 * whole number in the ticket), URL-encoded.
 */
static int
fetch_approvals(struct decision *d, json_t *ticket, const char *fallback_id, json_t **out,
		char *err, size_t errsz)
{
	const char *tmpl = d->c->approvals_url;
	char names[PLACEHOLDERS_MAX][520], vals[PLACEHOLDERS_MAX][520], msg[600] = "";
	const char *np[PLACEHOLDERS_MAX], *vp[PLACEHOLDERS_MAX];
	json_t *idv = NULL;
	size_t n = 0;
	int r = 0;

	*out = NULL;
	for (const char *p = strchr(tmpl, '{'); p != NULL && n < PLACEHOLDERS_MAX;
	     p = strchr(p + 1, '{')) {
		size_t len = strcspn(p + 1, "{}");
		json_t *v;

		if (p[1 + len] != '}' || len >= sizeof(names[0]))
			continue;
		snprintf(names[n], sizeof(names[n]), "%.*s", (int)len, p + 1);
		if (strcmp(names[n], "id") == 0) {
			json_decref(idv);
			if ((r = nhi_fieldmap_value(d->map, ticket, NHI_FIELD_ID, &idv, msg,
						    sizeof(msg))) < 0 && r != -EBADMSG)
				goto out;
			if ((v = idv) == NULL && fallback_id != NULL)
				v = idv = json_string(fallback_id);
		} else {
			v = nhi_json_pointer(ticket, names[n]);
		}
		if (url_value(v, vals[n], sizeof(vals[n])) < 0) {
			nhi_escapef(err, errsz, "approvals_url {%s}: the ticket has no string or "
			       "number there%s%s", names[n], msg[0] ? ": " : "", msg);
			r = -EBADMSG;
			goto out;
		}
		np[n] = names[n];
		vp[n] = vals[n];
		n++;
	}
	r = http_get_json(d, tmpl, np, vp, n, NHI_LOOKUP_MAX, out, err, errsz);
	if (r == -ENOENT) {
		/* the ticket was found; its approvals were not */
		nhi_escapef(err, errsz, "approvals_url: HTTP 404");
		r = -EBADMSG;
	}
out:
	json_decref(idv);
	return r;
}

/* *native: ticket (an object) mapped, with its approvals if approvals_url. */
static int
to_native(struct decision *d, json_t *ticket, const char *fallback_id, json_t **native,
	  char *err, size_t errsz)
{
	json_t *approvals = NULL;
	int r;

	*native = NULL;
	if (d->c->approvals_url != NULL &&
	    (r = fetch_approvals(d, ticket, fallback_id, &approvals, err, errsz)) < 0)
		return r;
	r = nhi_fieldmap_apply(d->map, ticket, approvals, native, err, errsz);
	json_decref(approvals);
	return r;
}

/*
 * The list an answer holds at lookup_list ({"result": [...]} of ServiceNow,
 * {"issues": [...]} of Jira): *list, or NULL when the answer holds nothing
 * there (it is then one ticket, or a bare array of them).  -EBADMSG if
 * what is there is not an array.
 */
static int
answer_list(const struct nhi_conf *c, json_t *j, json_t **list, char *err, size_t errsz)
{
	*list = NULL;
	if (c->lookup_list == NULL)
		return 0;
	if ((*list = nhi_json_pointer(j, c->lookup_list)) == NULL)
		return 0;
	if (!json_is_array(*list)) {
		nhi_escapef(err, errsz, "the answer holds no array at lookup_list %s", c->lookup_list);
		return -EBADMSG;
	}
	return 0;
}

/* ---- the ops ------------------------------------------------------------- */

/* The one ticket of a fetch answer: the answer itself, or the one entry of
 * its list at lookup_list (none: not found). */
static int
fetch_ticket(const struct nhi_conf *c, json_t *j, const char *id, json_t **ticket,
	     char *err, size_t errsz)
{
	json_t *list;
	int r;

	*ticket = j;
	if ((r = answer_list(c, j, &list, err, errsz)) < 0)
		return r;
	if (list != NULL) {
		if (json_array_size(list) == 0) {
			nhi_escapef(err, errsz, "ticket %s: the answer lists no ticket", id);
			return -ENOENT;
		}
		if (json_array_size(list) > 1) {
			nhi_escapef(err, errsz, "ticket %s: the answer lists %zu tickets for one id",
			       id, json_array_size(list));
			return -EBADMSG;
		}
		*ticket = json_array_get(list, 0);
	}
	if (!json_is_object(*ticket)) {
		nhi_escapef(err, errsz, "ticket %s: the answer is not a JSON object", id);
		return -EBADMSG;
	}
	return 0;
}

/* *doc: the ticket behind c->url with {id}, mapped to the native shape.
 * Caller json_decref()s. */
static int
http_fetch(const struct nhi_conf *c, const char *id, json_t **doc, char *err,
	   size_t errsz)
{
	static const char *const names[] = { "id" };
	const char *values[1];
	struct decision d;
	json_t *j = NULL, *ticket;
	int r;

	*doc = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (c == NULL || id == NULL)
		return -EINVAL;
	if (c->url == NULL || strstr(c->url, "{id}") == NULL) {
		nhi_escapef(err, errsz, "url must be set and contain {id} (config)");
		return -EPERM;
	}
	if ((r = decision_init(&d, c, err, errsz)) < 0)
		goto out;
	values[0] = id;
	if ((r = http_get_json(&d, c->url, names, values, 1, NHI_TICKET_MAX, &j,
			       err, errsz)) < 0 ||
	    (r = fetch_ticket(c, j, id, &ticket, err, errsz)) < 0)
		goto out;
	r = to_native(&d, ticket, id, doc, err, errsz);
out:
	json_decref(j);
	decision_free(&d);
	return r;
}

/* One candidate of a lookup, mapped, to the gate's each(). */
struct candidates {
	struct decision *d;
	nhi_candidate_fn each;
	void *ud;
	char *err;
	size_t errsz;
};

/*
 * A candidate the map cannot read is not one (as the gate skips a candidate
 * it cannot map): it is passed over, and err says so unless the gate has
 * already written something there.  Any other failure (an approvals request
 * that fails or times out) ends the lookup: nothing is granted on half an
 * answer.
 */
static int
one_candidate(struct candidates *cs, json_t *ticket)
{
	char msg[600] = "";
	json_t *native = NULL;
	int r;

	r = to_native(cs->d, ticket, NULL, &native, msg, sizeof(msg));
	if (r == -EBADMSG) {
		if (cs->err != NULL && cs->errsz > 0 && cs->err[0] == '\0')
			nhi_escapef(cs->err, cs->errsz, "a candidate was skipped: %s", msg);
		return 0;
	}
	if (r < 0) {
		nhi_escapef(cs->err, cs->errsz, "%s", msg);
		return r;
	}
	r = cs->each(native, cs->ud);
	json_decref(native);
	return r;
}

/* The answer of a lookup as candidates: one object, or an array of at most
 * NHI_CANDIDATES_MAX objects, at lookup_list if that is set. */
static int
answer_candidates(struct candidates *cs, json_t *j)
{
	const struct nhi_conf *c = cs->d->c;
	json_t *v, *list;
	size_t i;
	int r = 0;

	if ((r = answer_list(c, j, &list, cs->err, cs->errsz)) < 0)
		return r;
	if (c->lookup_list != NULL && list == NULL) {
		nhi_escapef(cs->err, cs->errsz, "lookup: the answer has nothing at lookup_list %s",
		       c->lookup_list);
		return -EBADMSG;
	}
	if (list != NULL)
		j = list;
	if (json_is_object(j))
		return one_candidate(cs, j);
	if (!json_is_array(j)) {
		nhi_escapef(cs->err, cs->errsz, "lookup: the answer is neither a ticket object "
		       "nor an array of them");
		return -EBADMSG;
	}
	if (json_array_size(j) > NHI_CANDIDATES_MAX) {
		nhi_escapef(cs->err, cs->errsz, "lookup: %zu tickets answered, more than %d",
		       json_array_size(j), NHI_CANDIDATES_MAX);
		return -E2BIG;
	}
	json_array_foreach(j, i, v) {
		if (!json_is_object(v)) {
			nhi_escapef(cs->err, cs->errsz, "lookup: entry %zu of the answer is not "
			       "a ticket object", i);
			return -EBADMSG;
		}
	}
	json_array_foreach(j, i, v) {
		if ((r = one_candidate(cs, v)) < 0)
			break;
	}
	return r;
}

/*
 * each() for every ticket c->lookup_url answers for user on host, mapped.
 * Without lookup_url the backend knows no candidates: none, and err says so.
 */
static int
http_lookup(const struct nhi_conf *c, const char *user, const char *host,
	    nhi_candidate_fn each, void *ud, char *err, size_t errsz)
{
	static const char *const names[] = { "user", "host" };
	const char *values[2];
	struct decision d;
	struct candidates cs = { &d, each, ud, err, errsz };
	json_t *j = NULL;
	int r;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (c == NULL || user == NULL || host == NULL)
		return -EINVAL;
	if (c->lookup_url == NULL || *c->lookup_url == '\0') {
		nhi_escapef(err, errsz, "no ticket presented and no lookup_url");
		return 0;
	}
	if ((r = decision_init(&d, c, err, errsz)) < 0)
		goto out;
	values[0] = user;
	values[1] = host;
	if ((r = http_get_json(&d, c->lookup_url, names, values, 2, NHI_LOOKUP_MAX,
			       &j, err, errsz)) < 0)
		goto out;
	r = answer_candidates(&cs, j);
out:
	json_decref(j);
	decision_free(&d);
	return r;
}

/* check-config: the expressions compile, each on its own. */
static int
http_check(const struct nhi_conf *c, char *err, size_t errsz)
{
	return nhi_fieldmap_check(c, err, errsz);
}

static const struct nhi_backend_ops http_ops = {
	.name = "http",
	.native = true,
	.fetch = http_fetch,
	.lookup = http_lookup,
	.check = http_check,
};

const struct nhi_backend_module nhi_backend_http_ops = {
	.abi = NHI_BACKEND_ABI,
	.ops = &http_ops,
};
