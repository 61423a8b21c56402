/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 block function on the x86 SHA extensions (SHA-NI).  Only called
 * once sha256_x86_64.c has seen SHA, SSSE3 and SSE4.1 in CPUID, and with
 * SSE enabled (CR0.EM=0, CR4.OSFXSR=1: the purgatory entry stub's job).
 *
 * SHA256RNDS2 does two rounds on the state split as ABEF and CDGH, with
 * W[i] + K[i] for both in the low 64 bits of its third operand;
 * SHA256MSG1/MSG2 compute four schedule words from the sixteen before
 * them (Intel SDM vol. 2, and Intel's "SHA Extensions" paper, 2013).
 */
#include <immintrin.h>
#include "../../sha256_arch.h"

#define TARGET __attribute__((target("sha,ssse3,sse4.1")))

/* Rounds 4g..4g+3 on M = W[4g..4g+3]: two SHA256RNDS2, the second
 * taking W + K of its two rounds from the high half. */
#define ROUNDS4(g, M)							\
	do {								\
		wk = _mm_add_epi32(M, _mm_loadu_si128(			\
			(const __m128i *)(kx_sha256_k + 4 * (g))));	\
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);		\
		wk = _mm_shuffle_epi32(wk, 0x0e);			\
		abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);		\
	} while (0)
/* Finishes W[4g+4..4g+7] in NEXT, started by SCHED_MSG1 two groups
 * earlier: adds W[4g-3..4g] (from PREV = W[4g-4..4g-1] and M =
 * W[4g..4g+3]), then MSG2 adds the sigma1 terms. */
#define SCHED_NEXT(NEXT, PREV, M)					\
	do {								\
		NEXT = _mm_add_epi32(NEXT, _mm_alignr_epi8(M, PREV, 4)); \
		NEXT = _mm_sha256msg2_epu32(NEXT, M);			\
	} while (0)
/* Starts W[4g+12..4g+15] in PREV = W[4g-4..4g-1]: adds sigma0 of
 * W[4g-3..4g], M = W[4g..4g+3]. */
#define SCHED_MSG1(PREV, M) (PREV = _mm_sha256msg1_epu32(PREV, M))

TARGET void kx_sha256_blocks_ni(uint32_t state[8], const uint8_t *data,
				size_t nblocks)
{
	/* Byte swap of each 32-bit word: the message is big endian. */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
					     0x0405060700010203ULL);
	__m128i abef, cdgh, abef_in, cdgh_in, wk, t;
	__m128i m0, m1, m2, m3;

	/* state[] is A..H in lanes 0..7; the instructions want ABEF and
	 * CDGH with A and C in the top lanes. */
	t = _mm_loadu_si128((const __m128i *)&state[0]);	/* DCBA */
	cdgh = _mm_loadu_si128((const __m128i *)&state[4]);	/* HGFE */
	t = _mm_shuffle_epi32(t, 0xb1);				/* CDAB */
	cdgh = _mm_shuffle_epi32(cdgh, 0x1b);			/* EFGH */
	abef = _mm_alignr_epi8(t, cdgh, 8);			/* ABEF */
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);			/* CDGH */

	for (; nblocks; nblocks--, data += 64) {
		abef_in = abef;
		cdgh_in = cdgh;

		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)data), bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), bswap);

		/* Vector g holds W[4g..4g+3]; m0..m3 hold vectors g mod 4.
		 * Each group of four rounds finishes vector g+1 and starts
		 * vector g+3, so the schedule never stalls the rounds. */
		ROUNDS4(0, m0);
		ROUNDS4(1, m1);
		SCHED_MSG1(m0, m1);
		ROUNDS4(2, m2);
		SCHED_MSG1(m1, m2);
		ROUNDS4(3, m3);
		SCHED_NEXT(m0, m2, m3);		/* vector 4 */
		SCHED_MSG1(m2, m3);
		ROUNDS4(4, m0);
		SCHED_NEXT(m1, m3, m0);		/* 5 */
		SCHED_MSG1(m3, m0);
		ROUNDS4(5, m1);
		SCHED_NEXT(m2, m0, m1);		/* 6 */
		SCHED_MSG1(m0, m1);
		ROUNDS4(6, m2);
		SCHED_NEXT(m3, m1, m2);		/* 7 */
		SCHED_MSG1(m1, m2);
		ROUNDS4(7, m3);
		SCHED_NEXT(m0, m2, m3);		/* 8 */
		SCHED_MSG1(m2, m3);
		ROUNDS4(8, m0);
		SCHED_NEXT(m1, m3, m0);		/* 9 */
		SCHED_MSG1(m3, m0);
		ROUNDS4(9, m1);
		SCHED_NEXT(m2, m0, m1);		/* 10 */
		SCHED_MSG1(m0, m1);
		ROUNDS4(10, m2);
		SCHED_NEXT(m3, m1, m2);		/* 11 */
		SCHED_MSG1(m1, m2);
		ROUNDS4(11, m3);
		SCHED_NEXT(m0, m2, m3);		/* 12 */
		SCHED_MSG1(m2, m3);
		ROUNDS4(12, m0);
		SCHED_NEXT(m1, m3, m0);		/* 13 */
		SCHED_MSG1(m3, m0);
		ROUNDS4(13, m1);
		SCHED_NEXT(m2, m0, m1);		/* 14 */
		ROUNDS4(14, m2);
		SCHED_NEXT(m3, m1, m2);		/* 15 */
		ROUNDS4(15, m3);

		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}

	/* Back to A..H order. */
	t = _mm_shuffle_epi32(abef, 0x1b);			/* FEBA */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);			/* DCHG */
	abef = _mm_blend_epi16(t, cdgh, 0xf0);			/* DCBA */
	cdgh = _mm_alignr_epi8(cdgh, t, 8);			/* HGFE */
	_mm_storeu_si128((__m128i *)&state[0], abef);
	_mm_storeu_si128((__m128i *)&state[4], cdgh);
}
