/* SPDX-License-Identifier: BSD-3-Clause */
/* ticket_doc.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ticket.h"
#include "ticket_doc.h"
#include "timeutil.h"

static json_t *
strv_array(const struct nhi_strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < sv->n; i++)
		if (json_array_append_new(a, json_string(sv->v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int
nhi_ticket_doc_new(const struct nhi_ticket_spec *spec, json_t **doc, char *err, size_t errsz)
{
	char nb[NHI_TIME_BUF], na[NHI_TIME_BUF];
	json_t *d;

	*doc = NULL;
	if (spec->id == NULL || !nhi_ticket_id_valid(spec->id)) {
		snprintf(err, errsz, "'%s' is not a ticket id (1-64 of A-Z a-z 0-9 . _ -)",
			 spec->id ? spec->id : "");
		return -EINVAL;
	}
	if (spec->accounts.n == 0 || spec->hosts.n == 0) {
		snprintf(err, errsz, "a ticket needs at least one account and one host");
		return -EINVAL;
	}
	if (spec->not_after <= spec->not_before) {
		snprintf(err, errsz, "the window must end after it starts");
		return -EINVAL;
	}
	if (spec->requester == NULL || spec->requester[0] == '\0') {
		snprintf(err, errsz, "a ticket needs a requester");
		return -EINVAL;
	}
	d = json_pack("{s:s, s:s, s:s, s:{s:o, s:o}, s:{s:s, s:s}, s:s?}",
		      "id", spec->id, "state", "requested", "requester", spec->requester,
		      "scope", "hosts", strv_array(&spec->hosts), "accounts",
		      strv_array(&spec->accounts),
		      "window", "not_before", nhi_format_time(spec->not_before, nb, sizeof(nb)),
		      "not_after", nhi_format_time(spec->not_after, na, sizeof(na)),
		      "purpose", spec->purpose);
	if (d == NULL)
		return -ENOMEM;
	*doc = d;
	return 0;
}

int
nhi_ticket_doc_approve(json_t *doc, const char *approver, const char *signature, char *err,
		       size_t errsz)
{
	json_t *cur = json_object_get(doc, "approver"), *list, *sigs, *e;
	const char *state = json_string_value(json_object_get(doc, "state"));
	size_t i;

	if (state != NULL && strcmp(state, "withdrawn") == 0) {
		snprintf(err, errsz, "the ticket was withdrawn");
		return -EPERM;
	}
	/* the approvers as an array, approver once */
	if (json_is_array(cur)) {
		list = json_incref(cur);
	} else {
		list = json_array();
		if (list != NULL && json_is_string(cur))
			json_array_append(list, cur);
	}
	if (list == NULL)
		return -ENOMEM;
	json_array_foreach(list, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), approver) == 0)
			break;
	if (i == json_array_size(list) && json_array_append_new(list, json_string(approver)) < 0) {
		json_decref(list);
		return -ENOMEM;
	}
	if (json_object_set_new(doc, "approver", json_array_size(list) == 1 ?
				json_incref(json_array_get(list, 0)) : json_incref(list)) < 0) {
		json_decref(list);
		return -ENOMEM;
	}
	json_decref(list);
	if (signature != NULL) {
		if (!json_is_array(sigs = json_object_get(doc, "signatures"))) {
			if ((sigs = json_array()) == NULL || json_object_set_new(doc, "signatures", sigs) < 0)
				return -ENOMEM;
		}
		for (i = json_array_size(sigs); i-- > 0;) {
			e = json_array_get(sigs, i);
			if (json_is_string(json_object_get(e, "approver")) &&
			    strcmp(json_string_value(json_object_get(e, "approver")), approver) == 0)
				json_array_remove(sigs, i);
		}
		if (json_array_append_new(sigs, json_pack("{s:s, s:s}", "approver", approver,
							  "signature", signature)) < 0)
			return -ENOMEM;
	}
	return json_object_set_new(doc, "state", json_string("approved")) < 0 ? -ENOMEM : 0;
}

int
nhi_ticket_doc_withdraw(json_t *doc, const char *reason, int64_t at)
{
	char when[NHI_TIME_BUF];

	if (json_object_set_new(doc, "state", json_string("withdrawn")) < 0 ||
	    json_object_set_new(doc, "withdrawn", json_pack("{s:s, s:s?}", "at",
				nhi_format_time(at, when, sizeof(when)), "reason", reason)) < 0)
		return -ENOMEM;
	return 0;
}

int
nhi_ticket_doc_write(int dirfd, const char *name, json_t *doc, char *err, size_t errsz)
{
	char tmp[NHI_ID_MAX + 32], *text;
	size_t len, off = 0;
	int fd, r = 0;

	if ((text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
		return -ENOMEM;
	len = strlen(text);
	snprintf(tmp, sizeof(tmp), ".%.*s.%ld.tmp", NHI_ID_MAX + 8, name, (long)getpid());
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
		r = -errno;
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		free(text);
		return r;
	}
	while (off < len && r == 0) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (r == 0 && (write(fd, "\n", 1) != 1 || fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(err, errsz, "%s: %s", name, strerror(-r));
		(void)unlinkat(dirfd, tmp, 0);
	} else {
		(void)fsync(dirfd);
	}
	free(text);
	return r;
}
