/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 block function on the ARMv8 Cryptographic Extension (FEAT_SHA256).
 * Built with -march=armv8-a+crypto and SIMD registers (GNUmakefile); only
 * called once sha256_aarch64.c has seen ID_AA64ISAR0_EL1.SHA2 >= 1, with
 * FP/SIMD enabled (CPACR_EL1.FPEN or CPTR_EL2: the entry stub's job).
 *
 * SHA256H/SHA256H2 do four rounds on the state as ABCD and EFGH;
 * SHA256SU0/SU1 compute four schedule words from the sixteen before them
 * (Arm ARM, C7.2).
 */
#include <arm_neon.h>
#include "../../sha256_arch.h"

/*
 * LD1/ST1 of 32-bit elements: they need 4-byte alignment only, also with
 * the MMU off (Device memory).  Written out because under -mstrict-align
 * GCC assumes a vector access needs 16 and splits vld1q_u32 into 32-bit
 * scalar loads through the stack.  Not volatile: a load of the constants
 * may be hoisted out of the block loop.
 */
static inline uint32x4_t load_4s(const uint32_t *p)
{
	uint32x4_t v;

	/* In: p.  Out: v.  Reads 16 bytes at p. */
	__asm__("ld1 {%0.4s}, [%1]"
		: "=w"(v)
		: "r"(p), "m"(*(const uint32_t(*)[4])p));
	return v;
}

static inline void store_4s(uint32_t *p, uint32x4_t v)
{
	/* In: p, v.  Writes 16 bytes at p. */
	__asm__("st1 {%1.4s}, [%2]"
		: "=m"(*(uint32_t(*)[4])p)
		: "w"(v), "r"(p));
}

/* The message: LD1 of bytes, so any alignment, swapped to big endian. */
static inline uint32x4_t load_be_4s(const uint8_t *p)
{
	uint8x16_t v;

	/* In: p.  Out: v.  Reads 16 bytes at p. */
	__asm__("ld1 {%0.16b}, [%1]"
		: "=w"(v)
		: "r"(p), "m"(*(const uint8_t(*)[16])p));
	return vreinterpretq_u32_u8(vrev32q_u8(v));
}

void kx_sha256_blocks_ce(uint32_t state[8], const uint8_t *data,
			 size_t nblocks)
{
	uint32x4_t abcd = load_4s(&state[0]);
	uint32x4_t efgh = load_4s(&state[4]);

	for (; nblocks; nblocks--, data += 64) {
		uint32x4_t abcd_in = abcd, efgh_in = efgh;
		uint32x4_t m[4], wk, t;

#pragma GCC unroll 4
		for (unsigned i = 0; i < 4; i++)
			m[i] = load_be_4s(data + 16 * i);

		/*
		 * m[g % 4] holds W[4g..4g+3].  Once W + K of group g is taken,
		 * its register is free and becomes W[4g+16..4g+19], computed
		 * from the four vectors after it.  Fully unrolled by the
		 * compiler: g and the indices are constants.
		 */
#pragma GCC unroll 16
		for (unsigned g = 0; g < 16; g++) {
			wk = vaddq_u32(m[g % 4], load_4s(kx_sha256_k + 4 * g));
			if (g < 12)
				m[g % 4] = vsha256su1q_u32(
					vsha256su0q_u32(m[g % 4], m[(g + 1) % 4]),
					m[(g + 2) % 4], m[(g + 3) % 4]);
			t = abcd;
			abcd = vsha256hq_u32(abcd, efgh, wk);
			efgh = vsha256h2q_u32(efgh, t, wk);
		}

		abcd = vaddq_u32(abcd, abcd_in);
		efgh = vaddq_u32(efgh, efgh_in);
	}
	store_4s(&state[0], abcd);
	store_4s(&state[4], efgh);
}

/*
 * Two states over the same blocks: one schedule (SHA256SU0/SU1) and one
 * W + K per group feed both states' SHA256H/SHA256H2.  Those have a
 * latency of several cycles and a chain waits on each one; the other
 * chain's instructions fill the wait.  Registers: 4 state, 4 saved state,
 * 4 message, W + K and a temporary per chain: 15 of the 32 vectors.
 */
void kx_sha256_blocks2_ce(uint32_t a[8], uint32_t b[8], const uint8_t *data,
			  size_t nblocks)
{
	uint32x4_t abcd_a = load_4s(&a[0]), efgh_a = load_4s(&a[4]);
	uint32x4_t abcd_b = load_4s(&b[0]), efgh_b = load_4s(&b[4]);

	for (; nblocks; nblocks--, data += 64) {
		uint32x4_t abcd_a_in = abcd_a, efgh_a_in = efgh_a;
		uint32x4_t abcd_b_in = abcd_b, efgh_b_in = efgh_b;
		uint32x4_t m[4], wk, ta, tb;

#pragma GCC unroll 4
		for (unsigned i = 0; i < 4; i++)
			m[i] = load_be_4s(data + 16 * i);

		/* The schedule as in kx_sha256_blocks_ce. */
#pragma GCC unroll 16
		for (unsigned g = 0; g < 16; g++) {
			wk = vaddq_u32(m[g % 4], load_4s(kx_sha256_k + 4 * g));
			if (g < 12)
				m[g % 4] = vsha256su1q_u32(
					vsha256su0q_u32(m[g % 4], m[(g + 1) % 4]),
					m[(g + 2) % 4], m[(g + 3) % 4]);
			ta = abcd_a;
			tb = abcd_b;
			abcd_a = vsha256hq_u32(abcd_a, efgh_a, wk);
			abcd_b = vsha256hq_u32(abcd_b, efgh_b, wk);
			efgh_a = vsha256h2q_u32(efgh_a, ta, wk);
			efgh_b = vsha256h2q_u32(efgh_b, tb, wk);
		}

		abcd_a = vaddq_u32(abcd_a, abcd_a_in);
		efgh_a = vaddq_u32(efgh_a, efgh_a_in);
		abcd_b = vaddq_u32(abcd_b, abcd_b_in);
		efgh_b = vaddq_u32(efgh_b, efgh_b_in);
	}
	store_4s(&a[0], abcd_a);
	store_4s(&a[4], efgh_a);
	store_4s(&b[0], abcd_b);
	store_4s(&b[4], efgh_b);
}

/*
 * Lanes: two chains on two messages, each with its own schedule, the
 * instructions of the two interleaved group by group so that one chain's
 * SHA256H/H2 issue while the other's wait.  Registers: per chain 2 state,
 * 2 saved, 4 message, W + K and a temporary: 20 of the 32 vectors.
 */
static inline __attribute__((always_inline))
void lanes_pair_ce(uint32_t a[8], uint32_t b[8], const uint8_t *pa,
		   const uint8_t *pb, size_t nblocks)
{
	uint32x4_t abcd_a = load_4s(&a[0]), efgh_a = load_4s(&a[4]);
	uint32x4_t abcd_b = load_4s(&b[0]), efgh_b = load_4s(&b[4]);

	for (; nblocks; nblocks--, pa += 64, pb += 64) {
		uint32x4_t abcd_a_in = abcd_a, efgh_a_in = efgh_a;
		uint32x4_t abcd_b_in = abcd_b, efgh_b_in = efgh_b;
		uint32x4_t ma[4], mb[4], k, wa, wb, ta, tb;

#pragma GCC unroll 4
		for (unsigned i = 0; i < 4; i++) {
			ma[i] = load_be_4s(pa + 16 * i);
			mb[i] = load_be_4s(pb + 16 * i);
		}
		/* The schedule of kx_sha256_blocks_ce, once per chain. */
#pragma GCC unroll 16
		for (unsigned g = 0; g < 16; g++) {
			k = load_4s(kx_sha256_k + 4 * g);
			wa = vaddq_u32(ma[g % 4], k);
			wb = vaddq_u32(mb[g % 4], k);
			if (g < 12) {
				ma[g % 4] = vsha256su1q_u32(
					vsha256su0q_u32(ma[g % 4], ma[(g + 1) % 4]),
					ma[(g + 2) % 4], ma[(g + 3) % 4]);
				mb[g % 4] = vsha256su1q_u32(
					vsha256su0q_u32(mb[g % 4], mb[(g + 1) % 4]),
					mb[(g + 2) % 4], mb[(g + 3) % 4]);
			}
			ta = abcd_a;
			tb = abcd_b;
			abcd_a = vsha256hq_u32(abcd_a, efgh_a, wa);
			abcd_b = vsha256hq_u32(abcd_b, efgh_b, wb);
			efgh_a = vsha256h2q_u32(efgh_a, ta, wa);
			efgh_b = vsha256h2q_u32(efgh_b, tb, wb);
		}
		abcd_a = vaddq_u32(abcd_a, abcd_a_in);
		efgh_a = vaddq_u32(efgh_a, efgh_a_in);
		abcd_b = vaddq_u32(abcd_b, abcd_b_in);
		efgh_b = vaddq_u32(efgh_b, efgh_b_in);
	}
	store_4s(&a[0], abcd_a);
	store_4s(&a[4], efgh_a);
	store_4s(&b[0], abcd_b);
	store_4s(&b[4], efgh_b);
}

void kx_lanes_blocks_ce(uint32_t (*state)[8], const uint8_t *data,
			size_t stride, unsigned n, size_t nblocks)
{
	unsigned k = 0;

	for (; k + 2 <= n; k += 2)
		lanes_pair_ce(state[k], state[k + 1], data + k * stride,
			      data + (k + 1) * stride, nblocks);
	if (k < n)
		kx_sha256_blocks_ce(state[k], data + k * stride, nblocks);
}
