/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http backend's field map: the field_* keys, JSON Pointers or jq
 * expressions (libjq), applied to a ticket system's answer to give a
 * document in the native ticket shape (design.md section 3), which the
 * gate then reads like any other (backend ops' native).
 *
 * Linked into nhiacct_http.so only: neither the file backend nor the
 * module's start-up loads libjq.
 */
#ifndef NHI_FIELDMAP_H
#define NHI_FIELDMAP_H

#include <stddef.h>

#include "conf.h"

struct json_t;  /* jansson's */
struct nhi_fieldmap;

/*
 * The map of c (borrowed: c must outlive it), its expressions compiled
 * into one jq program.  -EPERM with err when an expression does not
 * compile (a configuration error), -ENOMEM.
 */
int nhi_fieldmap_new(const struct nhi_conf *c, struct nhi_fieldmap **m, char *err,
		     size_t errsz);
void nhi_fieldmap_free(struct nhi_fieldmap *m);

/*
 * *native: a new native document with every field the map finds in ticket
 * (field_approver: in approvals when it is not NULL, the answer of
 * approvals_url; its expression also sees the ticket as $ticket).  A field
 * found nowhere is left out.  An expression that fails, or yields several
 * values for a field that holds one, is -EBADMSG with err
 * "field_x (EXPR): what" (and "" on success).  Caller json_decref()s
 * *native.
 */
int nhi_fieldmap_apply(struct nhi_fieldmap *m, struct json_t *ticket,
		       struct json_t *approvals, struct json_t **native, char *err,
		       size_t errsz);

/* *v: the value of one field of ticket (new, or NULL when absent): for
 * approvals_url's {id}.  Errors as nhi_fieldmap_apply's, of that field. */
int nhi_fieldmap_value(struct nhi_fieldmap *m, struct json_t *ticket, enum nhi_field f,
		       struct json_t **v, char *err, size_t errsz);

/* check-config: each expression compiled on its own (so that one cannot
 * run into the next), then the whole map.  0, or -EINVAL with err. */
int nhi_fieldmap_check(const struct nhi_conf *c, char *err, size_t errsz);

#endif
