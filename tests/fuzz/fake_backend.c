/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for nhiacct_http.so for fuzz_lookup: the same ABI (nhi.h,
 * NHI_BACKEND_SYMBOL), but lookup() answers with whatever document the
 * fuzzer handed over through nhi_fuzz_set_answer().  Loaded by the core's
 * own nhi_backend_get() (backend = http, NHIACCT_BACKEND_DIR pointing here),
 * so the lookup choice in gate.c runs exactly as in the module, without a
 * network in the loop.
 */
#include <errno.h>
#include <stdio.h>

#include "nhi.h"

void nhi_fuzz_set_answer(json_t *docs);

static json_t *answer;

void
nhi_fuzz_set_answer(json_t *docs)
{
	answer = docs;
}

static int
fetch(const struct nhi_conf *c, const char *id, json_t **doc, char *err, size_t errsz)
{
	(void)c, (void)id;
	*doc = NULL;
	snprintf(err, errsz, "fuzz backend: no fetch");
	return -ENOENT;
}

static int
lookup(const struct nhi_conf *c, const char *user, const char *host,
       nhi_candidate_fn each, void *ud, char *err, size_t errsz)
{
	json_t *doc;
	size_t i;
	int r = 0;

	(void)c, (void)user, (void)host;
	if (answer == NULL) {
		snprintf(err, errsz, "fuzz backend: no answer");
		return -EIO;
	}
	json_array_foreach(answer, i, doc) {
		if ((r = each(doc, ud)) < 0)
			break;
	}
	return r;
}

static const struct nhi_backend_ops ops = {
	.name = "fuzz",
	.fetch = fetch,
	.lookup = lookup,
};

const struct nhi_backend_module nhi_backend_http_ops = { NHI_BACKEND_ABI, &ops };
