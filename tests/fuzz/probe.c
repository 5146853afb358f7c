/* SPDX-License-Identifier: BSD-3-Clause */
/* Can this clang build a libFuzzer target?  (the Makefile's FUZZ_OK) */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	return 0;
}
