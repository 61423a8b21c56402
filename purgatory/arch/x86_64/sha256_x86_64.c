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

/* Lanes engines, best first: on AMD Zen 5 AVX-512 x16 runs the most
 * chains per cycle, then AVX2 x8, then two SHA-NI chains. */
static const struct kx_lanes_impl lanes_avx512 = {
	.name = "avx512-x16",
	.width = 16,
	.blocks = kx_lanes_blocks_avx512,
	.copy_blocks = kx_lanes_copy_blocks_avx512,
};

static const struct kx_lanes_impl lanes_avx2 = {
	.name = "avx2-x8",
	.width = 8,
	.blocks = kx_lanes_blocks_avx2,
};

static const struct kx_lanes_impl lanes_ni = {
	.name = "sha-ni-x2",
	.width = 2,
	.blocks = kx_lanes_blocks_ni,
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
#define CPUID1_ECX_OSXSAVE	(1u << 27)
#define CPUID1_ECX_AVX		(1u << 28)
#define CPUID7_EBX_AVX2		(1u << 5)
#define CPUID7_EBX_AVX512F	(1u << 16)
#define CPUID7_EBX_AVX512BW	(1u << 30)
/* XCR0 state components the OS (here: whoever set XCR0) enabled. */
#define XCR0_SSE_AVX		0x6u	/* XMM, YMM upper halves */
#define XCR0_AVX512		0xe0u	/* opmask, ZMM0-15 upper, ZMM16-31 */

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

/* XCR0, or 0 when XGETBV is not enabled (CR4.OSXSAVE clear). */
static uint32_t xcr0(void)
{
	uint32_t lo, hi;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_OSXSAVE))
		return 0;
	/* In: ecx 0 (XCR0).  Out: edx:eax.  Faults without CR4.OSXSAVE,
	 * which CPUID.1:ECX.OSXSAVE mirrors. */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return lo;
}

/* 1 no, 2 AVX2, 3 AVX2 and AVX-512 (F, BW): CPU and XCR0 both. */
static int avx_level(void)
{
	uint32_t x = xcr0(), b;

	if (cpuid(0, 0).eax < 7 || !(cpuid(1, 0).ecx & CPUID1_ECX_AVX) ||
	    (x & XCR0_SSE_AVX) != XCR0_SSE_AVX)
		return 1;
	b = cpuid(7, 0).ebx;
	if (!(b & CPUID7_EBX_AVX2))
		return 1;
	if ((b & (CPUID7_EBX_AVX512F | CPUID7_EBX_AVX512BW)) ==
	    (CPUID7_EBX_AVX512F | CPUID7_EBX_AVX512BW) &&
	    (x & XCR0_AVX512) == XCR0_AVX512)
		return 3;
	return 2;
}

const struct kx_lanes_impl *kx_lanes_arch_impl(unsigned i, bool *usable)
{
	/* 0 unknown; as avx_level(). */
	static int avx;
	bool dummy;

	if (!avx)
		avx = avx_level();
	switch (i) {
	case 0:
		*usable = avx >= 3;
		return &lanes_avx512;
	case 1:
		*usable = avx >= 2;
		return &lanes_avx2;
	case 2:
		/* Same CPUID needs as SHA-256 on SHA-NI. */
		*usable = kx_sha256_arch_impl(0, &dummy) && dummy;
		return &lanes_ni;
	default:
		return 0;
	}
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
