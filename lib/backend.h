/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ticket backends: where ticket documents come from.  A backend returns
 * documents; mapping them and deciding is the gate's job (gate.c).
 */
#ifndef NHI_BACKEND_H
#define NHI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define NHI_TICKET_MAX      (64 * 1024) /* one ticket document / HTTP body */
#define NHI_LOOKUP_MAX      (1024 * 1024) /* an HTTP lookup answer */
#define NHI_SCAN_MAX        4096        /* ticket files scanned by a lookup */
#define NHI_CANDIDATES_MAX  256         /* tickets in one HTTP lookup answer */

struct json_t;  /* jansson's */

/*
 * A backend answers with parsed JSON documents, as the ticket system wrote
 * them; mapping them and deciding is the gate's job, done once (gate.c).
 * Errors: -ENOENT not found; -EBADMSG malformed answer (not JSON, wrong
 * shape); -EPERM this backend's configuration is unusable (config_error);
 * any other negative errno is backend_error.  err gets a one-line
 * diagnostic (never a secret).
 */

/* Called once per candidate of a lookup, in the backend's order; doc is
 * borrowed for the call.  0 to go on; a negative errno stops the lookup. */
typedef int (*nhi_candidate_fn)(struct json_t *doc, void *ud);

struct nhi_backend_ops {
	const char *name;
	/* Documents come in the native ticket shape (design.md section 3): the
	 * backend applied the field_* map itself (the http backend, whose map
	 * may hold jq expressions).  The gate then reads them with the native
	 * pointers, and names c->field[] in what it reports. */
	bool native;
	/* *doc: the ticket document of id (a JSON object).  Caller json_decref()s. */
	int (*fetch)(const struct nhi_conf *c, const char *id, struct json_t **doc,
		     char *err, size_t errsz);
	/* each() for every candidate document the backend holds for user on
	 * host: the file backend's every ticket, the http backend's answer
	 * of lookup_url.  None at all is 0 (err may say why). */
	int (*lookup)(const struct nhi_conf *c, const char *user, const char *host,
		      nhi_candidate_fn each, void *ud, char *err, size_t errsz);
	/* What check-config adds for this backend (expressions that do not
	 * compile, ...): 0, or -EINVAL with err.  May be NULL. */
	int (*check)(const struct nhi_conf *c, char *err, size_t errsz);
};

/* ABI symbol a backend object exports; version guards the struct layout. */
#define NHI_BACKEND_ABI 3
#define NHI_BACKEND_SYMBOL "nhi_backend_http_ops"
struct nhi_backend_module {
	int abi;                        /* NHI_BACKEND_ABI */
	const struct nhi_backend_ops *ops;
};

extern const struct nhi_backend_ops nhi_backend_file;

/* Directory of dlopen()ed backend objects (nhiacct_http.so). */
#ifndef NHI_BACKEND_DIR
#define NHI_BACKEND_DIR "/usr/lib/nhiacct"
#endif

/* Ops for c->backend; loads the http object on first use.  -ENOENT etc. */
int nhi_backend_get(const struct nhi_conf *c, const struct nhi_backend_ops **ops,
		    char *err, size_t errsz);

#endif
