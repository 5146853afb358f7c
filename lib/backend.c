/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend dispatch.  The file backend is built in; the HTTP backend lives in
 * its own object (the only one linked with libcurl) and is dlopen()ed the
 * first time a configuration asks for it, so that logins on the file backend
 * never load a TLS stack into sshd.  Once loaded it stays loaded: unloading
 * libcurl without curl_global_cleanup() leaks, and calling that is unsafe in
 * a process that may have other libcurl users.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "fileio.h"

static pthread_mutex_t http_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct nhi_backend_ops *http_ops;

static int
load_http(char *err, size_t errsz)
{
	const struct nhi_backend_module *mod;
	const char *dir = secure_getenv("NHIACCT_BACKEND_DIR");
	char path[1024];
	void *h;
	int fd, r;

	if (dir == NULL || dir[0] != '/')
		dir = NHI_BACKEND_DIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/nhiacct_http.so", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	/* Code loaded into sshd must be as trustworthy as sshd itself. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = -errno;
		snprintf(err, errsz, "%s: %s", path, strerror(-r));
		return r;
	}
	r = nhi_check_owner_mode(fd, path, err, errsz);
	close(fd);
	if (r < 0)
		return r;
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errsz, "%s", dlerror());
		return -ENOEXEC;
	}
	mod = dlsym(h, NHI_BACKEND_SYMBOL);
	if (mod == NULL || mod->abi != NHI_BACKEND_ABI || mod->ops == NULL) {
		snprintf(err, errsz, "%s: not a backend of this version", path);
		dlclose(h);
		return -ENOEXEC;
	}
	http_ops = mod->ops;
	return 0;
}

int
nhi_backend_get(const struct nhi_conf *c, const struct nhi_backend_ops **ops,
		char *err, size_t errsz)
{
	int r = 0;

	*ops = NULL;
	if (c->backend == NHI_BACKEND_FILE) {
		*ops = &nhi_backend_file;
		return 0;
	}
	pthread_mutex_lock(&http_lock);
	if (http_ops == NULL)
		r = load_http(err, errsz);
	*ops = http_ops;
	pthread_mutex_unlock(&http_lock);
	return r;
}
