/* SPDX-License-Identifier: MIT */
/*
 * Which SHA-256 block functions this aarch64 CPU runs.  Built with
 * -mgeneral-regs-only like the rest of kx: it runs before anything is
 * known about the CPU.
 */
#include <stdbool.h>
#include "../../sha256_arch.h"

static const struct kx_sha256_impl sha256_ce = {
	.name = "armv8-ce",
	.blocks = kx_sha256_blocks_ce,
	.blocks2 = kx_sha256_blocks2_ce,
};

static const struct kx_lanes_impl lanes_ce = {
	.name = "armv8-ce-x2",
	.width = 2,
	.blocks = kx_lanes_blocks_ce,
};

/* ID_AA64ISAR0_EL1.SHA2, bits [15:12]: 1 SHA256H/H2/SU0/SU1, 2 adds
 * SHA-512 (Arm ARM, D19.2). */
#define ISAR0_SHA2_SHIFT	12
#define ISAR0_SHA2_MASK		0xfu

static bool sha2_usable(void)
{
	uint64_t isar0;

	/*
	 * Out: isar0.  Readable at EL1 and above; at EL0 Linux (since 4.11,
	 * HWCAP_CPUID) and qemu-user trap the read and return the sanitised
	 * value, which is what a hosted build gets.
	 */
	__asm__ volatile("mrs %0, ID_AA64ISAR0_EL1" : "=r"(isar0));
	return ((isar0 >> ISAR0_SHA2_SHIFT) & ISAR0_SHA2_MASK) >= 1;
}

const struct kx_sha256_impl *kx_sha256_arch_impl(unsigned i, bool *usable)
{
	/* 0 unknown, 1 no, 2 yes: a trapped MRS costs a round trip. */
	static int ce;

	if (i != 0)
		return 0;
	if (!ce)
		ce = sha2_usable() ? 2 : 1;
	*usable = ce == 2;
	return &sha256_ce;
}

const struct kx_lanes_impl *kx_lanes_arch_impl(unsigned i, bool *usable)
{
	bool ok;

	if (i != 0)
		return 0;
	/* The same instructions as SHA-256 on ARMv8 SHA2. */
	*usable = kx_sha256_arch_impl(0, &ok) && ok;
	return &lanes_ce;
}
