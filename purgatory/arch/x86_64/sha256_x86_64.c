/* SPDX-License-Identifier: MIT */
/*
 * Which SHA-256 block functions this x86_64 CPU runs.  Plain C, so that it
 * runs on any x86_64 before anything is known about the CPU.
 */
#include <stdbool.h>
#include "../../sha256_arch.h"

static const struct kx_sha256_impl sha256_ni = {
	.name = "sha-ni",
	.blocks = kx_sha256_blocks_ni,
	.blocks2 = kx_sha256_blocks2_ni,
};

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	/* In: eax leaf, ecx subleaf.  Out: eax, ebx, ecx, edx.  Any mode,
	 * any privilege level. */
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* CPUID bits (Intel SDM vol. 2A, CPUID; AMD APM vol. 3, appendix E). */
#define CPUID1_ECX_SSSE3	(1u << 9)
#define CPUID1_ECX_SSE41	(1u << 19)
#define CPUID7_EBX_SHA		(1u << 29)

/* SHA-NI plus the SSSE3 byte shuffle and SSE4.1 blend it is used with.
 * The XMM state needs no XSAVE enabling; CR4.OSFXSR is the caller's. */
static bool sha_ni_usable(void)
{
	uint32_t max = cpuid(0, 0).eax;
	uint32_t need1 = CPUID1_ECX_SSSE3 | CPUID1_ECX_SSE41;

	if (max < 7)
		return false;
	if ((cpuid(1, 0).ecx & need1) != need1)
		return false;
	return (cpuid(7, 0).ebx & CPUID7_EBX_SHA) != 0;
}

const struct kx_sha256_impl *kx_sha256_arch_impl(unsigned i, bool *usable)
{
	/* 0 unknown, 1 no, 2 yes: asked once, CPUID may be a VM exit. */
	static int ni;

	if (i != 0)
		return 0;
	if (!ni)
		ni = sha_ni_usable() ? 2 : 1;
	*usable = ni == 2;
	return &sha256_ni;
}
