/* SPDX-License-Identifier: MIT */
/* Which SHA-256 block functions this x86_64 CPU runs: none yet besides
 * the portable one. */
#include <stdbool.h>
#include "../../sha256_arch.h"

const struct kx_sha256_impl *kx_sha256_arch_impl(unsigned i, bool *usable)
{
	(void)i;
	*usable = false;
	return 0;
}
