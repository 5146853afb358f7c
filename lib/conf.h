/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration (design.md section 5): one struct, read from
 * nhiacct.conf and the module's arguments through the same setter.
 */
#ifndef NHI_CONF_H
#define NHI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define NHI_DEFAULT_CONF       "/etc/security/nhiacct.conf"
#define NHI_DEFAULT_TICKET_DIR "/etc/security/nhiacct/tickets"
#define NHI_DEFAULT_STATE_DIR  "/run/nhiacct"

#define NHI_LINE_MAX        4096        /* config line, bytes incl. newline */
#define NHI_CONF_MAX        (256 * 1024) /* config file size */
#define NHI_WARN_MAX        8           /* warn_before marks */

enum nhi_backend_kind { NHI_BACKEND_FILE = 0, NHI_BACKEND_HTTP };
enum nhi_audit_mode { NHI_AUDIT_REQUIRED = 0, NHI_AUDIT_BEST_EFFORT };
enum nhi_signatures_mode { NHI_SIGNATURES_NO = 0, NHI_SIGNATURES_REQUIRED };
enum nhi_record_mode { NHI_RECORD_NO = 0, NHI_RECORD_REQUIRED };

enum nhi_field {
	NHI_FIELD_ID = 0, NHI_FIELD_STATE, NHI_FIELD_REQUESTER, NHI_FIELD_APPROVER,
	NHI_FIELD_HOSTS, NHI_FIELD_ACCOUNTS, NHI_FIELD_NOT_BEFORE,
	NHI_FIELD_NOT_AFTER, NHI_FIELD_PURPOSE, NHI_FIELD_SIGNATURES, NHI_FIELD_MAX
};

struct nhi_conf {
	char *path;                     /* file it was read from, or NULL */
	struct nhi_strv vendor_groups;
	struct nhi_strv vendor_users;
	struct nhi_strv exempt_users;   /* break-glass: never vendors */
	char *host;                     /* NULL until nhi_conf_settle_host() */
	enum nhi_backend_kind backend;
	char *ticket_dir;
	char *url;
	char *lookup_url;
	char *lookup_list;              /* JSON Pointer to the list in an answer, or NULL */
	char *approvals_url;            /* http: a ticket's approval records, or NULL */
	char *token_file;
	char *ca_file;
	int64_t timeout;                /* seconds */
	char *proxy;
	struct nhi_strv approved_states;
	struct nhi_strv approvers;      /* names and @group */
	int64_t min_approvers;          /* distinct valid approvers a ticket needs */
	char *identity_map;             /* file: ticket-system identities -> local names */
	char *time_zone;                /* IANA zone of ticket times without an offset, or NULL */
	char *approver_keys;            /* OpenSSH allowed_signers file, or NULL */
	enum nhi_signatures_mode signatures;
	int64_t max_window;
	int64_t clock_skew;
	bool lookup;
	bool prompt;
	enum nhi_audit_mode audit;
	enum nhi_record_mode record;    /* vendor sessions under tlog (recording.h) */
	char *state_dir;
	int64_t recheck;
	int64_t warn_before[NHI_WARN_MAX]; /* sorted, largest first */
	size_t n_warn_before;
	char *field[NHI_FIELD_MAX];     /* JSON Pointers; http: or jq expressions */
	bool debug;                     /* module argument only */
	bool check_perms;               /* ownership/mode checks; true except in unit tests */
};

struct nhi_conf;

/*
 * The keys, one row each: the only list of them.  Parsing, defaults,
 * `nhiacct` and the documentation test all read this table.
 */
struct nhi_conf_key {
	const char *name;               /* "timeout" */
	const char *type;               /* "duration", "list", ... (for people) */
	const char *def;                /* default as written in the file; NULL: unset */
	size_t off;                     /* where the value lives in struct nhi_conf */
	int64_t min, max;               /* durations: bounds in seconds */
	/* Parses v into c at off; -EINVAL with err set if v is bad. */
	int (*set)(const struct nhi_conf_key *k, struct nhi_conf *c, const char *v,
		   char *err, size_t errsz);
};
/* The table and its length. */
const struct nhi_conf_key *nhi_conf_keys(size_t *n);

/* Defaults of design.md section 5 (each key's def through its setter).
 * Caller frees with nhi_conf_free. */
int nhi_conf_init(struct nhi_conf *c);
void nhi_conf_free(struct nhi_conf *c);

/*
 * Sets one key (from the file or a module argument).  -ENOENT unknown key,
 * -EINVAL bad value; err (if not NULL) gets a one-line explanation.
 */
int nhi_conf_set(struct nhi_conf *c, const char *key, const char *value,
		 char *err, size_t errsz);

/*
 * Reads path into c (already initialised).  Refuses a file not owned by
 * root or writable by group/other (when c->check_perms), a missing file,
 * unknown keys, bad values.  On error err gets "PATH:LINE: what".
 */
int nhi_conf_load(struct nhi_conf *c, const char *path, char *err, size_t errsz);

/* Cross-key validation (backend=http needs url, ...).  Called by nhi_conf_load. */
int nhi_conf_validate(const struct nhi_conf *c, char *err, size_t errsz);

/*
 * Settles the host name that tickets are matched against, before any
 * decision: the host key, else the kernel's host name when it holds a dot,
 * else its canonical name from the resolver (normally /etc/hosts), else the
 * short name.  Front-ends call it once, so that no decision waits on, or is
 * steered by, a name service.  0, or -errno if no name can be had.
 */
int nhi_conf_settle_host(struct nhi_conf *c);

/* Name of a field key ("field_approver"). */
const char *nhi_field_key(enum nhi_field f);

/* Where the field is in a native ticket ("/scope/hosts"): its default. */
const char *nhi_field_native(enum nhi_field f);

/* A field_* value that is a JSON Pointer ("" or "/..."); anything else is
 * a jq expression (http backend only). */
bool nhi_field_is_pointer(const char *v);

#endif
