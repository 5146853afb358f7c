/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * signature.h: the canonical content of a ticket, and ssh-keygen -Y
 * sign/verify run through spawn.c (no inherited fds, a clean environment,
 * a time limit, as nobody when verifying as root).  The signature and the
 * allowed_signers content reach ssh-keygen through pipes (/dev/fd/3,
 * /dev/fd/4): no temporary file, and the verifier, running as nobody,
 * needs no read access to approver_keys, which the caller read through the
 * one owner-checked read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "signature.h"
#include "spawn.h"
#include "text.h"
#include "util.h"

/* "key value\n", the value escaped (see signature.h). */
static void
put_line(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s ", key);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each entry of sv, sorted bytewise, one line under key. */
static int
put_sorted(FILE *f, const char *key, const struct nhi_strv *sv)
{
	char **v;

	if (sv->n == 0)
		return 0;
	if ((v = calloc(sv->n, sizeof(*v))) == NULL)
		return -ENOMEM;
	memcpy(v, sv->v, sv->n * sizeof(*v));
	qsort(v, sv->n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < sv->n; i++)
		put_line(f, key, v[i]);
	free(v);
	return 0;
}

int
nhi_ticket_canonical(const struct nhi_ticket *t, const char *approver, char **out, size_t *len)
{
	char nb[24] = "", na[24] = "";
	FILE *f;
	int r;

	*out = NULL;
	*len = 0;
	if ((f = open_memstream(out, len)) == NULL)
		return -ENOMEM;
	if (t->has_not_before)
		snprintf(nb, sizeof(nb), "%lld", (long long)t->not_before);
	if (t->has_not_after)
		snprintf(na, sizeof(na), "%lld", (long long)t->not_after);
	fputs("nhiacct-ticket 1\n", f);
	put_line(f, "id", t->id);
	put_line(f, "requester", t->requester);
	put_line(f, "approver", approver);
	r = put_sorted(f, "account", &t->accounts);
	if (r == 0)
		r = put_sorted(f, "host", &t->hosts);
	put_line(f, "not_before", nb);
	put_line(f, "not_after", na);
	put_line(f, "purpose", t->purpose);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return r;
}

/* The first line of s, escaped, into why. */
static void
first_line(char *why, size_t whysz, const char *s, const char *fallback)
{
	char line[512];

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(s, "\r\n"), s);
	nhi_escape(why, whysz, line[0] ? line : fallback);
}

int
nhi_signature_verify(const char *signers, size_t signers_len, const char *principal,
		     const char *msg, size_t msglen, const char *sig, int64_t at,
		     char *fp, size_t fpsz, char *why, size_t whysz)
{
	static const char good[] = "Good \"" NHI_SIG_NAMESPACE "\" signature for ";
	char when[40] = "-Overify-time=", out[1024], err[1024];
	const char *argv[] = {
		NHI_SSH_KEYGEN, "-Y", "verify", "-f", "/dev/fd/4", "-I", principal,
		"-n", NHI_SIG_NAMESPACE, "-s", "/dev/fd/3", when, NULL,
	};
	struct nhi_spawn s = {
		.argv = argv, .in = msg, .inlen = msglen,
		.fd = { sig, signers }, .fdlen = { strlen(sig), signers_len },
		.drop_root = true, .timeout_ms = NHI_SIG_TIMEOUT_MS,
		.out = out, .outsz = sizeof(out), .err = err, .errsz = sizeof(err),
	};
	time_t tt = (time_t)at;
	struct tm tm;
	const char *key;
	int status, r;

	if (fp != NULL && fpsz > 0)
		fp[0] = '\0';
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	if (access(NHI_SSH_KEYGEN, X_OK) < 0) {
		nhi_escape(why, whysz, NHI_SSH_KEYGEN " cannot be run (openssh-client)");
		return -ENOENT;
	}
	if (strlen(sig) > NHI_SIG_MAX) {
		nhi_escape(why, whysz, "the signature is larger than 8 KiB");
		return -EBADMSG;
	}
	if (gmtime_r(&tt, &tm) == NULL)
		return -EINVAL;
	strftime(when + strlen(when), sizeof(when) - strlen(when), "%Y%m%d%H%M%SZ", &tm);
	if ((r = nhi_spawn_run(&s, &status)) < 0) {
		nhi_escape(why, whysz, r == -ETIMEDOUT ? "ssh-keygen did not finish in time"
			   : "ssh-keygen could not be run");
		return r == -ETIMEDOUT ? -ETIMEDOUT : r;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		nhi_escape(why, whysz, NHI_SSH_KEYGEN " cannot be run");
		return -ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strncmp(out, good, sizeof(good) - 1) != 0 ||
	    (key = strstr(out, " key SHA256:")) == NULL) {
		first_line(why, whysz, err, "the signature does not verify");
		return -EBADMSG;
	}
	key += strlen(" key ");
	if (fp != NULL && fpsz > 0)
		snprintf(fp, fpsz, "%.*s", (int)strcspn(key, " \n"), key);
	return 0;
}

int
nhi_signature_sign(const char *key, const char *msg, size_t msglen, char **sig,
		   char *why, size_t whysz)
{
	extern char **environ;
	const char *argv[] = { NHI_SSH_KEYGEN, "-Y", "sign", "-n", NHI_SIG_NAMESPACE, "-f", key,
			       NULL };
	char *out, err[1024];
	struct nhi_spawn s = {
		.argv = argv, .env = (const char *const *)environ, .in = msg, .inlen = msglen,
		.timeout_ms = 120 * 1000, .outsz = NHI_SIG_MAX + 1, .err = err, .errsz = sizeof(err),
	};
	int status, r;

	*sig = NULL;
	if ((out = calloc(1, NHI_SIG_MAX + 1)) == NULL)
		return -ENOMEM;
	s.out = out;
	if ((r = nhi_spawn_run(&s, &status)) < 0) {
		nhi_escape(why, whysz, "ssh-keygen could not be run");
		free(out);
		return r;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strncmp(out, "-----BEGIN SSH SIGNATURE-----", 29) != 0) {
		first_line(why, whysz, err, "ssh-keygen -Y sign failed");
		free(out);
		return -EIO;
	}
	*sig = out;
	return 0;
}

/* ---- the rule -------------------------------------------------------------- */

/* Does signature entry k name approver i (its local name or external id)? */
static bool
names(const struct nhi_ticket *t, size_t k, size_t i, const char *approver)
{
	const char *who = t->sig_approvers.v[k];

	return strcmp(who, approver) == 0 ||
	       (i < t->approver_ids.n && strcmp(who, t->approver_ids.v[i]) == 0);
}

/*
 * Approver i's signature: the entries that name it first, then those that
 * name nobody.  NHI_GRANT with fp, or the reason and why.
 */
enum nhi_reason
nhi_signature_check_approver(const struct nhi_ticket *t, size_t i, const char *approver,
			     const char *signers, size_t signers_len, int64_t now, char *fp,
			     size_t fpsz, char *why, size_t whysz)
{
	char *msg = NULL;
	size_t len;
	enum nhi_reason reason = NHI_DENY_UNSIGNED;
	int r;

	snprintf(why, whysz, "approver %s has not signed", approver);
	if (nhi_ticket_canonical(t, approver, &msg, &len) < 0)
		return NHI_DENY_BACKEND_ERROR;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < t->sigs.n; k++) {
			bool unnamed = t->sig_approvers.v[k][0] == '\0';

			if (pass == 0 ? !names(t, k, i, approver) : !unnamed)
				continue;
			r = nhi_signature_verify(signers, signers_len, approver, msg, len,
						 t->sigs.v[k], now, fp, fpsz, why, whysz);
			if (r == 0 || r != -EBADMSG) {
				reason = r == 0 ? NHI_GRANT : NHI_DENY_CONFIG_ERROR;
				goto done;
			}
			reason = NHI_DENY_BAD_SIGNATURE;
		}
	}
done:
	if (reason == NHI_DENY_BAD_SIGNATURE) {
		char *inner = strdup(why);

		if (inner == NULL)
			reason = NHI_DENY_BACKEND_ERROR;
		else
			snprintf(why, whysz, "approver %s: %s", approver, inner);
		free(inner);
	}
	free(msg);
	return reason;
}

int
nhi_signers_read(const struct nhi_conf *c, char **buf, size_t *len, char *err, size_t errsz)
{
	const struct nhi_file_rules rules = {
		.max = NHI_SIGNERS_MAX,
		.owner = c->check_perms ? NHI_OWNER_ROOT : NHI_OWNER_ANY,
		.label = "approver_keys",
	};

	*buf = NULL;
	*len = 0;
	if (c->approver_keys == NULL) {
		snprintf(err, errsz, "approver_keys is not set");
		return -EPERM;
	}
	return nhi_file_read(AT_FDCWD, c->approver_keys, &rules, buf, len, err, errsz) < 0 ?
	       -EPERM : 0;
}

enum nhi_reason
nhi_signatures_check(const struct nhi_conf *c, struct nhi_ticket *t, int64_t now, char *detail,
		     size_t detailsz)
{
	struct nhi_strv one = { NULL, 0 };
	const struct nhi_strv *who = &t->approvers;
	enum nhi_reason reason = NHI_GRANT;
	char *signers = NULL, fp[128], why[512];
	size_t len = 0;

	nhi_strv_free(&t->approver_keys);
	if (c->signatures != NHI_SIGNATURES_REQUIRED)
		return NHI_GRANT;
	if (t->sigs.n == 0) {
		snprintf(detail, detailsz, "the ticket carries no approval signature");
		return NHI_DENY_UNSIGNED;
	}
	if (nhi_signers_read(c, &signers, &len, why, sizeof(why)) < 0) {
		snprintf(detail, detailsz, "%s", why);
		return NHI_DENY_CONFIG_ERROR;
	}
	if (who->n == 0 && t->approver != NULL) {
		if (nhi_strv_push(&one, t->approver) < 0) {
			free(signers);
			return NHI_DENY_BACKEND_ERROR;
		}
		who = &one;
	}
	for (size_t i = 0; i < who->n && reason == NHI_GRANT; i++) {
		reason = nhi_signature_check_approver(t, i, who->v[i], signers, len, now, fp,
						      sizeof(fp), why, sizeof(why));
		if (reason == NHI_GRANT && nhi_strv_push(&t->approver_keys, fp) < 0)
			reason = NHI_DENY_BACKEND_ERROR;
		else if (reason != NHI_GRANT)
			snprintf(detail, detailsz, "%s", why);
	}
	if (reason != NHI_GRANT)
		nhi_strv_free(&t->approver_keys);
	nhi_strv_free(&one);
	free(signers);
	return reason;
}
