/* SPDX-License-Identifier: BSD-3-Clause */
/* The module loads with every symbol resolved (RTLD_NOW), as libpam loads it,
 * and exports the PAM entry points. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *module_path;

static void
test_module_loads_with_rtld_now(void **s)
{
	static const char *const entry[] = {
		"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
		"pam_sm_open_session", "pam_sm_close_session",
	};
	void *h;

	(void)s;
	h = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		fail_msg("dlopen: %s", dlerror());
	for (size_t i = 0; i < sizeof(entry) / sizeof(entry[0]); i++)
		assert_non_null(dlsym(h, entry[i]));
	/* the core stays private */
	assert_null(dlsym(h, "nhi_evaluate"));
	assert_null(dlsym(h, "nhi_conf_load"));
	assert_int_equal(dlclose(h), 0);
}

static void
test_http_backend_loads_with_rtld_now(void **s)
{
	char path[1024];
	void *h;

	(void)s;
	snprintf(path, sizeof(path), "%s", module_path);
	char *slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (size_t)(slash ? slash + 1 - path : 0),
		 "nhiacct_http.so");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		fail_msg("dlopen: %s", dlerror());
	assert_non_null(dlsym(h, "nhi_backend_http_ops"));
	dlclose(h);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_loads_with_rtld_now),
		cmocka_unit_test(test_http_backend_loads_with_rtld_now),
	};

	module_path = argc > 1 ? argv[1] : getenv("NHI_MODULE");
	if (module_path == NULL)
		module_path = "build/pam_nhiacct.so";
	return cmocka_run_group_tests_name("dlopen", tests, NULL, NULL);
}
