/* SPDX-License-Identifier: MIT */
/*
 * AVX2 multi-buffer SHA-256 for the KX lanes digest: lane k of a vector
 * register is chain k, so 8 independent messages go through the 64
 * rounds of FIPS 180-4, 6.2.2 at once.  Only called once
 * sha256_x86_64.c has seen the CPUID bits and XCR0 enabling the YMM
 * state.  (The AVX-512 engine is lanes_avx512.S: in C, GCC spilled it.)
 *
 * The messages are data + k * stride.  Each block is loaded as one
 * vector per lane and transposed in registers (unpack, then 128-bit
 * shuffles), so vector t holds word t of every lane, then byte-swapped:
 * the message is big endian.  A gather of word t from every lane does the
 * same in one instruction but took 40% of the time on AMD Zen 5.  Lanes
 * past n repeat lane 0's message and their states are dropped.
 */
#include <immintrin.h>
#include "../../sha256_arch.h"

#define AVX2 __attribute__((target("avx2")))

/*
 * One round on vectors, the roles of a..h rotated by the caller as in
 * the portable code.  The ops are macros of each width: ADD, XOR3
 * (a ^ b ^ c), ROR, SHR, CH and MAJ.
 */
#define VROUND(a, b, c, d, e, f, g, h, wk)				\
	do {								\
		V t1_ = ADD(ADD(h, XOR3(ROR(e, 6), ROR(e, 11), ROR(e, 25))), \
			    ADD(CH(e, f, g), wk));			\
		d = ADD(d, t1_);					\
		h = ADD(ADD(t1_, XOR3(ROR(a, 2), ROR(a, 13), ROR(a, 22))), \
			MAJ(a, b, c));					\
	} while (0)
/* W[i] for i >= 16 in a ring of 16 (6.2.2 step 1). */
#define VSCHED(i)							\
	(w[(i) & 15] = ADD(ADD(w[(i) & 15], w[((i) + 9) & 15]),		\
		ADD(XOR3(ROR(w[((i) + 14) & 15], 17),			\
			 ROR(w[((i) + 14) & 15], 19),			\
			 SHR(w[((i) + 14) & 15], 10)),			\
		    XOR3(ROR(w[((i) + 1) & 15], 7),			\
			 ROR(w[((i) + 1) & 15], 18),			\
			 SHR(w[((i) + 1) & 15], 3)))))
#define VW_LOAD(i) w[i]
#define VKW(j, i, W) ADD(W(i), SET1(kx_sha256_k[(j) + (i)]))
#define VROUNDS16(j, W)							\
	do {								\
		VROUND(a, b, c, d, e, f, g, h, VKW(j, 0, W));		\
		VROUND(h, a, b, c, d, e, f, g, VKW(j, 1, W));		\
		VROUND(g, h, a, b, c, d, e, f, VKW(j, 2, W));		\
		VROUND(f, g, h, a, b, c, d, e, VKW(j, 3, W));		\
		VROUND(e, f, g, h, a, b, c, d, VKW(j, 4, W));		\
		VROUND(d, e, f, g, h, a, b, c, VKW(j, 5, W));		\
		VROUND(c, d, e, f, g, h, a, b, VKW(j, 6, W));		\
		VROUND(b, c, d, e, f, g, h, a, VKW(j, 7, W));		\
		VROUND(a, b, c, d, e, f, g, h, VKW(j, 8, W));		\
		VROUND(h, a, b, c, d, e, f, g, VKW(j, 9, W));		\
		VROUND(g, h, a, b, c, d, e, f, VKW(j, 10, W));		\
		VROUND(f, g, h, a, b, c, d, e, VKW(j, 11, W));		\
		VROUND(e, f, g, h, a, b, c, d, VKW(j, 12, W));		\
		VROUND(d, e, f, g, h, a, b, c, VKW(j, 13, W));		\
		VROUND(c, d, e, f, g, h, a, b, VKW(j, 14, W));		\
		VROUND(b, c, d, e, f, g, h, a, VKW(j, 15, W));		\
	} while (0)

/*
 * The body of each engine: LANES lanes of V.  lane[k] is lane k's
 * message (lane 0's past n), sidx holds k * 8 for the state words (0 past
 * n): the states are gathered once per call, so vector i holds word i of
 * every lane, and written back through a transposed copy.
 */
#define LANES_BODY()							\
	do {								\
		uint32_t out_[8][LANES] __attribute__((aligned(64)));	\
		V a, b, c, d, e, f, g, h, w[16], s[8];			\
									\
		for (unsigned i = 0; i < 8; i++)			\
			s[i] = GATHER(&state[0][i], sidx, 4);		\
		for (; nblocks; nblocks--) {				\
			LOAD_W(w, lane);				\
			for (unsigned k = 0; k < LANES; k++)		\
				lane[k] += 64;				\
			a = s[0]; b = s[1]; c = s[2]; d = s[3];		\
			e = s[4]; f = s[5]; g = s[6]; h = s[7];		\
			VROUNDS16(0, VW_LOAD);				\
			VROUNDS16(16, VSCHED);				\
			VROUNDS16(32, VSCHED);				\
			VROUNDS16(48, VSCHED);				\
			s[0] = ADD(s[0], a); s[1] = ADD(s[1], b);	\
			s[2] = ADD(s[2], c); s[3] = ADD(s[3], d);	\
			s[4] = ADD(s[4], e); s[5] = ADD(s[5], f);	\
			s[6] = ADD(s[6], g); s[7] = ADD(s[7], h);	\
		}							\
		for (unsigned i = 0; i < 8; i++)			\
			STORE(out_[i], s[i]);				\
		for (unsigned k = 0; k < n; k++)			\
			for (unsigned i = 0; i < 8; i++)		\
				state[k][i] = out_[i][k];		\
	} while (0)

/* ---------------------------------------------------------------- AVX2 */

#define V __m256i
#define LANES 8
#define ADD(x, y) _mm256_add_epi32(x, y)
#define XOR3(x, y, z) _mm256_xor_si256(_mm256_xor_si256(x, y), z)
#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - (n)))
#define SHR(x, n) _mm256_srli_epi32(x, n)
/* z ^ (x & (y ^ z)) and y ^ ((x ^ y) & (y ^ z)), as in sha256.c */
#define CH(x, y, z) _mm256_xor_si256(z, _mm256_and_si256(x, _mm256_xor_si256(y, z)))
#define MAJ(x, y, z) _mm256_xor_si256(y, _mm256_and_si256(_mm256_xor_si256(x, y), \
							  _mm256_xor_si256(y, z)))
#define SET1(k) _mm256_set1_epi32((int)(k))
#define GATHER(p, ix, sc) _mm256_i32gather_epi32((const int *)(const void *)(p), ix, sc)
#define BSWAP(x) _mm256_shuffle_epi8(x, bswap)
#define STORE(p, x) _mm256_store_si256((__m256i *)(void *)(p), x)

/*
 * Words 8h..8h+7 of the eight lanes' blocks, transposed: r[k] is lane
 * k's eight words; after 32- and 64-bit unpacks, u[j] (j < 4) holds word
 * j (low half) and j + 4 (high half) of lanes 0-3, u[4 + j] of lanes
 * 4-7; a 128-bit permute pairs the halves.
 */
static inline __attribute__((always_inline)) AVX2
void transpose8(__m256i *w, const uint8_t *const lane[8], unsigned h,
		__m256i bswap)
{
	__m256i r[8], t[8], u[8];

	for (unsigned k = 0; k < 8; k++)
		r[k] = _mm256_loadu_si256((const __m256i *)(const void *)(lane[k] + 32 * h));
	for (unsigned k = 0; k < 8; k += 2) {
		t[k] = _mm256_unpacklo_epi32(r[k], r[k + 1]);
		t[k + 1] = _mm256_unpackhi_epi32(r[k], r[k + 1]);
	}
	for (unsigned g = 0; g < 8; g += 4) {
		u[g] = _mm256_unpacklo_epi64(t[g], t[g + 2]);
		u[g + 1] = _mm256_unpackhi_epi64(t[g], t[g + 2]);
		u[g + 2] = _mm256_unpacklo_epi64(t[g + 1], t[g + 3]);
		u[g + 3] = _mm256_unpackhi_epi64(t[g + 1], t[g + 3]);
	}
	for (unsigned j = 0; j < 4; j++) {
		w[8 * h + j] = _mm256_shuffle_epi8(
			_mm256_permute2x128_si256(u[j], u[4 + j], 0x20), bswap);
		w[8 * h + j + 4] = _mm256_shuffle_epi8(
			_mm256_permute2x128_si256(u[j], u[4 + j], 0x31), bswap);
	}
}
#define LOAD_W(w, lane)							\
	do {								\
		transpose8(w, lane, 0, bswap);				\
		transpose8(w, lane, 1, bswap);				\
	} while (0)

AVX2 void kx_lanes_blocks_avx2(uint32_t (*state)[8], const uint8_t *data,
			       size_t stride, unsigned n, size_t nblocks)
{
	const __m256i bswap = _mm256_set_epi8(
		12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
		12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	int sx[LANES] __attribute__((aligned(32)));
	const uint8_t *lane[LANES];
	__m256i sidx;

	for (unsigned k = 0; k < LANES; k++) {
		lane[k] = data + (k < n ? k * stride : 0);
		sx[k] = k < n ? (int)(k * 8) : 0;
	}
	sidx = _mm256_load_si256((const __m256i *)sx);
	LANES_BODY();
}
#undef LOAD_W

#undef V
#undef LANES
#undef ADD
#undef XOR3
#undef ROR
#undef SHR
#undef CH
#undef MAJ
#undef SET1
#undef GATHER
#undef BSWAP
#undef STORE
