/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_nhiacct core: the names both front-ends (the PAM module and the nhiacct
 * command) build on.  Conventions:
 *   - functions return 0 (or a count) on success and a negative errno on error;
 *   - every allocating function says who frees; every free function takes NULL;
 *   - decisions are an enum nhi_reason, never a PAM code or an exit code.
 */
#ifndef NHI_H
#define NHI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <jansson.h>

#define NHI_DEFAULT_CONF       "/etc/security/nhiacct.conf"
#define NHI_DEFAULT_TICKET_DIR "/etc/security/nhiacct/tickets"
#define NHI_DEFAULT_STATE_DIR  "/run/nhiacct"

#define NHI_ID_MAX          64          /* ticket id length */
#define NHI_LINE_MAX        4096        /* config line, bytes incl. newline */
#define NHI_CONF_MAX        (256 * 1024) /* config file size */
#define NHI_TICKET_MAX      (64 * 1024) /* one ticket document / HTTP body */
#define NHI_LOOKUP_MAX      (1024 * 1024) /* an HTTP lookup answer */
#define NHI_SCAN_MAX        4096        /* ticket files scanned by a lookup */
#define NHI_CANDIDATES_MAX  256         /* tickets considered by one lookup */
#define NHI_LIST_MAX        256         /* entries of one list (hosts, ...) */
#define NHI_WARN_MAX        8           /* warn_before marks */
#define NHI_JSON_DEPTH_MAX  32          /* nesting accepted in a ticket */

/* ---- reason codes (design.md section 4), in rule order ---------------- */

enum nhi_reason {
	NHI_GRANT = 0,                  /* every rule passed */
	NHI_DENY_NO_TICKET,             /* no id presented, none found by lookup */
	NHI_DENY_BAD_TICKET_ID,         /* presented id breaks the id syntax */
	NHI_DENY_NOT_FOUND,             /* backend has no such ticket */
	NHI_DENY_BACKEND_ERROR,         /* backend could not be asked */
	NHI_DENY_MALFORMED,             /* not JSON, or a mapped field has a wrong type */
	NHI_DENY_NOT_APPROVED,          /* state not in approved_states */
	NHI_DENY_NO_APPROVER,           /* approver missing or empty */
	NHI_DENY_SELF_APPROVED,         /* approver == requester or login user */
	NHI_DENY_APPROVER_NOT_ALLOWED,  /* approvers set, approver not in it */
	NHI_DENY_ACCOUNT_OUT_OF_SCOPE,  /* user not in accounts */
	NHI_DENY_HOST_OUT_OF_SCOPE,     /* no hosts glob matches this host */
	NHI_DENY_NO_TIME_LIMIT,         /* not_after missing */
	NHI_DENY_NOT_YET_VALID,         /* now < not_before - clock_skew */
	NHI_DENY_EXPIRED,               /* now >= not_after */
	NHI_DENY_WINDOW_TOO_LONG,       /* not_after - not_before > max_window */
	NHI_DENY_AUDIT_UNAVAILABLE,     /* record not written, audit = required */
	NHI_DENY_CONFIG_ERROR,          /* config missing, unreadable, unsafe, invalid */
	NHI_REASON_MAX
};

/* "expired", "no_ticket", ...; "granted" for NHI_GRANT; NULL if out of range. */
const char *nhi_reason_name(enum nhi_reason r);
/* One sentence for the vendor, without ticket details. */
const char *nhi_reason_text(enum nhi_reason r);
/* Reverse of nhi_reason_name; -EINVAL if unknown. */
int nhi_reason_from_name(const char *name, enum nhi_reason *out);

/* ---- small utilities (util.c) ----------------------------------------- */

struct nhi_strv {
	char **v;       /* owned, each entry owned */
	size_t n;
};
void nhi_strv_free(struct nhi_strv *sv);               /* resets to empty */
int nhi_strv_push(struct nhi_strv *sv, const char *s); /* copies s */
/* Splits on blanks into sv (replacing its content); -E2BIG over NHI_LIST_MAX. */
int nhi_strv_split(struct nhi_strv *sv, const char *s);
bool nhi_strv_contains(const struct nhi_strv *sv, const char *s);

/*
 * Escapes control characters (and DEL, and bytes that are not valid UTF-8) of
 * src as \n, \t, \xNN into dst of size dstsz, always NUL-terminated, truncated
 * with "..." if needed.  For text from tickets shown on a terminal or put in
 * a MESSAGE.  Returns dst.
 */
char *nhi_escape(char *dst, size_t dstsz, const char *src);

/* ---- time (timeutil.c) ------------------------------------------------ */

/* RFC 3339 ("2026-11-22T09:00:00Z", "...+02:00", fractions ignored) or
 * integer Unix seconds as a string.  Years 1970..9999.  -EINVAL if bad. */
int nhi_parse_time(const char *s, int64_t *out);
/* "2026-11-22T09:00:00Z" into buf (>= NHI_TIME_BUF).  Returns buf. */
#define NHI_TIME_BUF 32
char *nhi_format_time(int64_t t, char *buf, size_t bufsz);
/* "90", "90s", "15m", "8h", "1d" -> seconds in [0, 100 years]; -EINVAL/-ERANGE. */
int nhi_parse_duration(const char *s, int64_t *out);
/* "2h 5m", "59s", "1d 3h": for people; into buf. Returns buf. */
char *nhi_format_duration(int64_t secs, char *buf, size_t bufsz);

/* ---- configuration (conf.c) ------------------------------------------- */

enum nhi_backend_kind { NHI_BACKEND_FILE = 0, NHI_BACKEND_HTTP };
enum nhi_audit_mode { NHI_AUDIT_REQUIRED = 0, NHI_AUDIT_BEST_EFFORT };

enum nhi_field {
	NHI_FIELD_ID = 0, NHI_FIELD_STATE, NHI_FIELD_REQUESTER, NHI_FIELD_APPROVER,
	NHI_FIELD_HOSTS, NHI_FIELD_ACCOUNTS, NHI_FIELD_NOT_BEFORE,
	NHI_FIELD_NOT_AFTER, NHI_FIELD_PURPOSE, NHI_FIELD_MAX
};

struct nhi_conf {
	char *path;                     /* file it was read from, or NULL */
	struct nhi_strv vendor_groups;
	struct nhi_strv vendor_users;
	struct nhi_strv exempt_users;   /* break-glass: never vendors */
	char *host;                     /* NULL: resolve with nhi_conf_host() */
	enum nhi_backend_kind backend;
	char *ticket_dir;
	char *url;
	char *lookup_url;
	char *token_file;
	char *ca_file;
	int64_t timeout;                /* seconds */
	char *proxy;
	struct nhi_strv approved_states;
	struct nhi_strv approvers;      /* names and @group */
	int64_t max_window;
	int64_t clock_skew;
	bool lookup;
	bool prompt;
	enum nhi_audit_mode audit;
	char *state_dir;
	int64_t recheck;
	int64_t warn_before[NHI_WARN_MAX]; /* sorted, largest first */
	size_t n_warn_before;
	char *field[NHI_FIELD_MAX];     /* JSON Pointers */
	bool debug;                     /* module argument only */
	bool check_perms;               /* ownership/mode checks; true except in unit tests */
};

/* Defaults of design.md section 5.  Caller frees with nhi_conf_free. */
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

/* The host name to match: conf host, else the FQDN, else gethostname().
 * Caches into c->host.  Returns c->host, NULL on failure. */
const char *nhi_conf_host(struct nhi_conf *c);

/* Name of a field key ("field_approver") and its default pointer ("/approver"). */
const char *nhi_field_key(enum nhi_field f);

/*
 * Checks that path (and, for a directory, itself) is owned by root and not
 * writable by group or other.  fd-based when fd >= 0.  0, -EPERM if unsafe.
 */
int nhi_check_owner_mode(int fd, const char *path, char *err, size_t errsz);

/* ---- tickets (ticket.c) ----------------------------------------------- */

/* 1..64 of [A-Za-z0-9._-], not starting with '.'. */
bool nhi_ticket_id_valid(const char *id);

struct nhi_ticket {
	char *id;               /* all strings owned; NULL when absent */
	char *state;
	char *requester;
	char *approver;
	char *purpose;
	struct nhi_strv hosts;
	struct nhi_strv accounts;
	bool has_hosts, has_accounts;
	bool has_not_before, has_not_after;
	int64_t not_before, not_after;
};

void nhi_ticket_free(struct nhi_ticket *t);        /* resets to zero */

/*
 * Maps a parsed document into t through c->field[].  A mapped field of the
 * wrong type, or an id that breaks the syntax, is -EBADMSG (malformed) with
 * err set; absent fields are left absent (the policy decides).  If the
 * document has no id, fallback_id (may be NULL) is used.  Caller frees t.
 */
int nhi_ticket_from_json(const struct nhi_conf *c, json_t *doc,
			 const char *fallback_id, struct nhi_ticket *t,
			 char *err, size_t errsz);

/* Parses a JSON text (bounded by len, depth limited) into *doc.
 * -EBADMSG if not JSON.  Caller json_decref()s. */
int nhi_json_parse(const char *buf, size_t len, json_t **doc, char *err, size_t errsz);

/* RFC 6901 JSON Pointer lookup; NULL if absent or ptr is invalid.  Borrowed. */
json_t *nhi_json_pointer(json_t *doc, const char *ptr);

/* ---- policy (policy.c) ------------------------------------------------ */

struct nhi_login {
	const char *user;
	const char *service;    /* may be NULL */
	const char *rhost;      /* may be NULL */
	const char *host;       /* this host's name */
};

/* Is user a member (primary or supplementary) of group?  Injected so that
 * the policy does no I/O itself; nhi_member_nss is the real one. */
typedef bool (*nhi_member_fn)(const char *user, const char *group, void *ud);
bool nhi_member_nss(const char *user, const char *group, void *ud);

/* The rules of design.md section 4 in table order; first failure wins.
 * Pure: no I/O but through member(), no clock, no globals. */
enum nhi_reason nhi_decide(const struct nhi_conf *c, const struct nhi_ticket *t,
			   const struct nhi_login *l, int64_t now,
			   nhi_member_fn member, void *ud);

/* Does any glob of t->hosts match host / is user in t->accounts? */
bool nhi_ticket_matches_host(const struct nhi_ticket *t, const char *host);
bool nhi_ticket_has_account(const struct nhi_ticket *t, const char *user);

/* ---- identity (identity.c) -------------------------------------------- */

/*
 * Who logs in (design.md section 4, step 1), from the name as typed:
 *   NHI_CLASS_EXEMPT  the typed name is in exempt_users, byte for byte:
 *                     never a vendor, no lookup made;
 *   NHI_CLASS_VENDOR  vendor_users names the account (by its canonical
 *                     name, the typed one, or the same uid), or it is a
 *                     member of a vendor_groups group (primary, listed, or
 *                     by getgrouplist);
 *   NHI_CLASS_OTHER   none of these.
 * id receives the account as NSS knows it: pw_name of its uid (so that
 * "VENDOR1" on a case-insensitive name service is vendor1) and the uid.
 * Fails closed: a name service that fails, a vendor_groups group that does
 * not exist (-ENOENT), a user NSS does not know (-ESRCH): negative errno
 * and err says why, with the group's or user's name.
 */
enum nhi_class { NHI_CLASS_OTHER = 0, NHI_CLASS_VENDOR, NHI_CLASS_EXEMPT };
struct nhi_identity {
	char name[256];         /* canonical account name */
	uid_t uid;
};
int nhi_classify(const struct nhi_conf *c, const char *typed, struct nhi_identity *id,
		 char *err, size_t errsz);
/* Does every vendor_groups group resolve?  0 yes, else err names the first
 * that does not (-ENOENT missing, other negative errno: lookup failed). */
int nhi_vendor_groups_check(const struct nhi_conf *c, char *err, size_t errsz);

/* ---- backends (backend.c, backend_file.c, backend_http.c) ------------- */

/*
 * A backend answers with parsed JSON documents; mapping and rules are the
 * core's job.  Errors: -ENOENT not found; -EBADMSG malformed answer (not
 * JSON, wrong shape); any other negative errno is backend_error.  err gets
 * a one-line diagnostic (never a secret).
 */
struct nhi_backend_ops {
	const char *name;
	/* *doc: one ticket document.  Caller json_decref()s. */
	int (*fetch)(const struct nhi_conf *c, const char *id, json_t **doc,
		     char *err, size_t errsz);
	/* *docs: a JSON array of candidate documents (maybe empty) for user
	 * on host.  Caller json_decref()s. */
	int (*lookup)(const struct nhi_conf *c, const char *user, const char *host,
		      json_t **docs, char *err, size_t errsz);
};

/* ABI symbol a backend object exports; version guards the struct layout. */
#define NHI_BACKEND_ABI 1
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

/* ---- the whole decision (gate.c) -------------------------------------- */

struct nhi_result {
	enum nhi_reason reason;
	struct nhi_ticket ticket;       /* as far as known; owned */
	char *ticket_id;                /* presented or chosen id; owned, may be NULL */
	bool by_lookup;                 /* chosen by lookup */
	int64_t now;                    /* the time it was decided at */
	char detail[256];               /* diagnostic for the log, not the vendor */
};
void nhi_result_free(struct nhi_result *r);

/*
 * Section 4 steps 2-4 for a vendor: validates the presented id (may be NULL),
 * fetches or looks up, maps, decides.  Never fails: every error becomes a
 * reason.  Caller frees r.  c is not const: the host may get resolved.
 */
void nhi_evaluate(struct nhi_conf *c, const struct nhi_login *l,
		  const char *ticket_id, int64_t now, struct nhi_result *r);

/* The line shown to the vendor for r (grant or refusal), escaped.  Returns buf. */
char *nhi_result_message(const struct nhi_result *r, char *buf, size_t bufsz);

/* ---- audit (audit.c) -------------------------------------------------- */

enum nhi_event {
	NHI_EV_GRANT = 0, NHI_EV_DENY, NHI_EV_OPEN, NHI_EV_CLOSE, NHI_EV_REVOKE,
	NHI_EV_WARN, NHI_EV_MAX
};
const char *nhi_event_name(enum nhi_event e);
const char *nhi_event_message_id(enum nhi_event e);

/* Everything a record may carry; NULL / negative fields are omitted. */
struct nhi_record {
	enum nhi_event event;
	const char *identifier;         /* "pam_nhiacct" or "nhiacct" */
	const char *user, *service, *rhost, *host;
	const struct nhi_ticket *ticket;/* id, approver, requester, purpose, window */
	const char *ticket_id;          /* overrides ticket->id when set */
	const char *reason;             /* reason code name */
	const char *session;
	int64_t duration;               /* < 0: omitted */
	int priority;                   /* < 0: the event's default */
	const char *message;            /* NULL: composed from the fields */
	const char *note;               /* NHIACCT_NOTE or NULL */
	bool has_processes;             /* NHIACCT_PROCESSES, when set */
	uint64_t processes;
	const char *connected;          /* NHIACCT_CONNECTED ("yes"/"no") or NULL */
	const char *extra;              /* "FIELD=value" extra field or NULL */
};

/* A record of event ev with nothing else set (the -1 "omitted" values
 * included): start every record here. */
void nhi_record_init(struct nhi_record *rec, enum nhi_event ev);

/* Writes one journal entry.  0 or a negative errno (-ECONNREFUSED when no
 * journald listens, -ENOENT with no socket): "record not written". */
int nhi_audit(const struct nhi_record *rec);

/* ---- logging (log.c) -------------------------------------------------- */

/* Diagnostics go through one door: the front-end installs its sink
 * (pam_syslog in the module, stderr in the command).  prio as syslog(3). */
typedef void (*nhi_log_fn)(void *ud, int prio, const char *msg);
void nhi_log_set(nhi_log_fn fn, void *ud);
void nhi_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
