/* SPDX-License-Identifier: MIT */
/*
 * What kxjump.efi (test/efi/kxjump.c) and its payload (payload.c) share:
 * the pattern of the caller's region and the payload's result block.
 */
#ifndef KX_TEST_PAYLOAD_H
#define KX_TEST_PAYLOAD_H

#include <stdint.h>

/* The caller's region: 64 MiB at a fixed address in the test machine's
 * RAM (QEMU's virt has it from 1 GiB), the payload inside. */
#if defined(__aarch64__)
#define KXJ_REGION_BASE		0x50000000ull
#define KXJ_PAYLOAD_BASE	0x51000000ull	/* = KXJ_PAYLOAD_BASE_aarch64 */
#else
#define KXJ_REGION_BASE		0x10000000ull
#define KXJ_PAYLOAD_BASE	0x11000000ull	/* = KXJ_PAYLOAD_BASE_x86_64 */
#endif
#define KXJ_REGION_SIZE		(64ull << 20)
#define KXJ_STACK_SIZE		(64ull << 10)	/* after the image, swapped too */

/* Word at addr of the region: a function of the address and the seed. */
static inline uint64_t kxj_pattern(uint64_t addr, uint64_t seed)
{
	uint64_t x = (addr ^ seed) * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 31);
}

#define KXJ_RESULT_MAGIC	0x544c5352504a584bull	/* "KXJPRSLT" */

/* Written by the payload at the result= address of its parameters. */
struct kxj_result {
	uint64_t magic;
	uint64_t round;
	uint64_t ran_at;		/* where its first byte was running */
	uint64_t jump_back;		/* the JMPB record's entry */
	uint8_t digest[32];		/* SHA-256 of the caller's buffer */
	uint64_t map_extents;		/* BKEX extents */
	uint64_t map_displaced;		/* pages they cover */
	uint64_t map_words;		/* region words checked through the map */
	uint64_t map_bad;		/* of which not the pattern */
	uint64_t core_loads;		/* PT_LOADs of the fixed-up header */
	uint64_t core_bytes;		/* bytes they cover */
	uint64_t core_words;		/* region words checked through it */
	uint64_t core_bad;
	uint64_t status;		/* 0, or what stopped it (kx_status) */
};

#endif
