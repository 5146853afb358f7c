/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the configuration keys as the core's table has them, one per line:
 * "name<TAB>type<TAB>default" ("-" when unset), for tests/docs/run.sh to
 * check nhiacct.conf(5) and conf/nhiacct.conf against.
 */
#include <stdio.h>

#include "conf.h"

int
main(void)
{
	const struct nhi_conf_key *k;
	size_t n;

	k = nhi_conf_keys(&n);
	for (size_t i = 0; i < n; i++)
		printf("%s\t%s\t%s\n", k[i].name, k[i].type, k[i].def ? k[i].def : "-");
	return 0;
}
