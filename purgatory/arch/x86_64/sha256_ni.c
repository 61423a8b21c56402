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

/* state[] is A..H in lanes 0..7; the instructions want ABEF and CDGH
 * with A and C in the top lanes. */
static inline __attribute__((always_inline)) TARGET
void state_load(const uint32_t state[8], __m128i *abef, __m128i *cdgh)
{
	__m128i t, u;

	t = _mm_loadu_si128((const __m128i *)&state[0]);	/* DCBA */
	u = _mm_loadu_si128((const __m128i *)&state[4]);	/* HGFE */
	t = _mm_shuffle_epi32(t, 0xb1);				/* CDAB */
	u = _mm_shuffle_epi32(u, 0x1b);				/* EFGH */
	*abef = _mm_alignr_epi8(t, u, 8);			/* ABEF */
	*cdgh = _mm_blend_epi16(u, t, 0xf0);			/* CDGH */
}

/* Back to A..H order. */
static inline __attribute__((always_inline)) TARGET
void state_store(uint32_t state[8], __m128i abef, __m128i cdgh)
{
	__m128i t;

	t = _mm_shuffle_epi32(abef, 0x1b);			/* FEBA */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);			/* DCHG */
	abef = _mm_blend_epi16(t, cdgh, 0xf0);			/* DCBA */
	cdgh = _mm_alignr_epi8(cdgh, t, 8);			/* HGFE */
	_mm_storeu_si128((__m128i *)&state[0], abef);
	_mm_storeu_si128((__m128i *)&state[4], cdgh);
}

/* Byte swap of each 32-bit word: the message is big endian. */
#define BSWAP_MASK _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL)
#define LOAD_BE(p) _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p)), bswap)

/*
 * The 64 rounds of one block on m0..m3 = W[0..15]: vector g holds
 * W[4g..4g+3], m0..m3 hold vectors g mod 4.  Each group of four rounds
 * finishes vector g+1 and starts vector g+3, so the schedule never stalls
 * the rounds.  R is ROUNDS4 or ROUNDS4_2 (one or two states).
 */
#define BLOCK_ROUNDS(R)							\
	do {								\
		R(0, m0);						\
		R(1, m1);						\
		SCHED_MSG1(m0, m1);					\
		R(2, m2);						\
		SCHED_MSG1(m1, m2);					\
		R(3, m3);						\
		SCHED_NEXT(m0, m2, m3);		/* vector 4 */		\
		SCHED_MSG1(m2, m3);					\
		R(4, m0);						\
		SCHED_NEXT(m1, m3, m0);		/* 5 */			\
		SCHED_MSG1(m3, m0);					\
		R(5, m1);						\
		SCHED_NEXT(m2, m0, m1);		/* 6 */			\
		SCHED_MSG1(m0, m1);					\
		R(6, m2);						\
		SCHED_NEXT(m3, m1, m2);		/* 7 */			\
		SCHED_MSG1(m1, m2);					\
		R(7, m3);						\
		SCHED_NEXT(m0, m2, m3);		/* 8 */			\
		SCHED_MSG1(m2, m3);					\
		R(8, m0);						\
		SCHED_NEXT(m1, m3, m0);		/* 9 */			\
		SCHED_MSG1(m3, m0);					\
		R(9, m1);						\
		SCHED_NEXT(m2, m0, m1);		/* 10 */		\
		SCHED_MSG1(m0, m1);					\
		R(10, m2);						\
		SCHED_NEXT(m3, m1, m2);		/* 11 */		\
		SCHED_MSG1(m1, m2);					\
		R(11, m3);						\
		SCHED_NEXT(m0, m2, m3);		/* 12 */		\
		SCHED_MSG1(m2, m3);					\
		R(12, m0);						\
		SCHED_NEXT(m1, m3, m0);		/* 13 */		\
		SCHED_MSG1(m3, m0);					\
		R(13, m1);						\
		SCHED_NEXT(m2, m0, m1);		/* 14 */		\
		R(14, m2);						\
		SCHED_NEXT(m3, m1, m2);		/* 15 */		\
		R(15, m3);						\
	} while (0)

TARGET void kx_sha256_blocks_ni(uint32_t state[8], const uint8_t *data,
				size_t nblocks)
{
	const __m128i bswap = BSWAP_MASK;
	__m128i abef, cdgh, abef_in, cdgh_in, wk;
	__m128i m0, m1, m2, m3;

	state_load(state, &abef, &cdgh);
	for (; nblocks; nblocks--, data += 64) {
		abef_in = abef;
		cdgh_in = cdgh;
		m0 = LOAD_BE(data);
		m1 = LOAD_BE(data + 16);
		m2 = LOAD_BE(data + 32);
		m3 = LOAD_BE(data + 48);
		BLOCK_ROUNDS(ROUNDS4);
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}
	state_store(state, abef, cdgh);
}

/*
 * Four rounds on both states from the same W + K.  SHA256RNDS2 has a
 * latency of several cycles but accepts a new one sooner, so one chain
 * leaves the unit idle; the other chain's instruction fills the gap.
 * Both take W + K from XMM0 (the implicit operand of the legacy
 * encoding), so the pair needs no extra register moves.
 */
#define ROUNDS4_2(g, M)							\
	do {								\
		wk = _mm_add_epi32(M, _mm_loadu_si128(			\
			(const __m128i *)(kx_sha256_k + 4 * (g))));	\
		cdgh_a = _mm_sha256rnds2_epu32(cdgh_a, abef_a, wk);	\
		cdgh_b = _mm_sha256rnds2_epu32(cdgh_b, abef_b, wk);	\
		wk = _mm_shuffle_epi32(wk, 0x0e);			\
		abef_a = _mm_sha256rnds2_epu32(abef_a, cdgh_a, wk);	\
		abef_b = _mm_sha256rnds2_epu32(abef_b, cdgh_b, wk);	\
	} while (0)

/*
 * Registers: four state vectors, four message vectors, W + K in XMM0 and
 * the byte-swap mask: 10 of the 16 XMM; the four saved states are the
 * ones the compiler may keep on the stack (read once per block).
 */
TARGET void kx_sha256_blocks2_ni(uint32_t a[8], uint32_t b[8],
				 const uint8_t *data, size_t nblocks)
{
	const __m128i bswap = BSWAP_MASK;
	__m128i abef_a, cdgh_a, abef_b, cdgh_b, wk;
	__m128i abef_a_in, cdgh_a_in, abef_b_in, cdgh_b_in;
	__m128i m0, m1, m2, m3;

	state_load(a, &abef_a, &cdgh_a);
	state_load(b, &abef_b, &cdgh_b);
	for (; nblocks; nblocks--, data += 64) {
		abef_a_in = abef_a;
		cdgh_a_in = cdgh_a;
		abef_b_in = abef_b;
		cdgh_b_in = cdgh_b;
		m0 = LOAD_BE(data);
		m1 = LOAD_BE(data + 16);
		m2 = LOAD_BE(data + 32);
		m3 = LOAD_BE(data + 48);
		BLOCK_ROUNDS(ROUNDS4_2);
		abef_a = _mm_add_epi32(abef_a, abef_a_in);
		cdgh_a = _mm_add_epi32(cdgh_a, cdgh_a_in);
		abef_b = _mm_add_epi32(abef_b, abef_b_in);
		cdgh_b = _mm_add_epi32(cdgh_b, cdgh_b_in);
	}
	state_store(a, abef_a, cdgh_a);
	state_store(b, abef_b, cdgh_b);
}

/*
 * Lanes: two chains on two messages.  Each has its own schedule, so this
 * is BLOCK_ROUNDS once per chain with the instructions of the two
 * interleaved group by group: while one chain's SHA256RNDS2 waits on the
 * one before it, the other's issues.  Registers: per chain two state and
 * four message vectors, and W + K: 14 of the 16 XMM with the mask; the
 * saved states live on the stack.
 */
#define LROUNDS4(g, MA, MB)						\
	do {								\
		__m128i k_ = _mm_loadu_si128(				\
			(const __m128i *)(kx_sha256_k + 4 * (g)));	\
		__m128i wa_ = _mm_add_epi32(MA, k_);			\
		__m128i wb_ = _mm_add_epi32(MB, k_);			\
		cdgh_a = _mm_sha256rnds2_epu32(cdgh_a, abef_a, wa_);	\
		cdgh_b = _mm_sha256rnds2_epu32(cdgh_b, abef_b, wb_);	\
		wa_ = _mm_shuffle_epi32(wa_, 0x0e);			\
		wb_ = _mm_shuffle_epi32(wb_, 0x0e);			\
		abef_a = _mm_sha256rnds2_epu32(abef_a, cdgh_a, wa_);	\
		abef_b = _mm_sha256rnds2_epu32(abef_b, cdgh_b, wb_);	\
	} while (0)
#define LNEXT(N, P, M)							\
	do {								\
		SCHED_NEXT(N##a, P##a, M##a);				\
		SCHED_NEXT(N##b, P##b, M##b);				\
	} while (0)
#define LMSG1(P, M)							\
	do {								\
		SCHED_MSG1(P##a, M##a);					\
		SCHED_MSG1(P##b, M##b);					\
	} while (0)
#define LR(g, M) LROUNDS4(g, M##a, M##b)

static inline __attribute__((always_inline)) TARGET
void lanes_pair_ni(uint32_t a[8], uint32_t b[8], const uint8_t *pa,
		   const uint8_t *pb, size_t nblocks)
{
	const __m128i bswap = BSWAP_MASK;
	__m128i abef_a, cdgh_a, abef_b, cdgh_b;
	__m128i abef_a_in, cdgh_a_in, abef_b_in, cdgh_b_in;
	__m128i m0a, m1a, m2a, m3a, m0b, m1b, m2b, m3b;

	state_load(a, &abef_a, &cdgh_a);
	state_load(b, &abef_b, &cdgh_b);
	for (; nblocks; nblocks--, pa += 64, pb += 64) {
		abef_a_in = abef_a;
		cdgh_a_in = cdgh_a;
		abef_b_in = abef_b;
		cdgh_b_in = cdgh_b;
		m0a = LOAD_BE(pa);
		m0b = LOAD_BE(pb);
		m1a = LOAD_BE(pa + 16);
		m1b = LOAD_BE(pb + 16);
		m2a = LOAD_BE(pa + 32);
		m2b = LOAD_BE(pb + 32);
		m3a = LOAD_BE(pa + 48);
		m3b = LOAD_BE(pb + 48);
		/* BLOCK_ROUNDS, each step on both chains. */
		LR(0, m0); LR(1, m1); LMSG1(m0, m1);
		LR(2, m2); LMSG1(m1, m2);
		LR(3, m3); LNEXT(m0, m2, m3); LMSG1(m2, m3);
		LR(4, m0); LNEXT(m1, m3, m0); LMSG1(m3, m0);
		LR(5, m1); LNEXT(m2, m0, m1); LMSG1(m0, m1);
		LR(6, m2); LNEXT(m3, m1, m2); LMSG1(m1, m2);
		LR(7, m3); LNEXT(m0, m2, m3); LMSG1(m2, m3);
		LR(8, m0); LNEXT(m1, m3, m0); LMSG1(m3, m0);
		LR(9, m1); LNEXT(m2, m0, m1); LMSG1(m0, m1);
		LR(10, m2); LNEXT(m3, m1, m2); LMSG1(m1, m2);
		LR(11, m3); LNEXT(m0, m2, m3); LMSG1(m2, m3);
		LR(12, m0); LNEXT(m1, m3, m0); LMSG1(m3, m0);
		LR(13, m1); LNEXT(m2, m0, m1);
		LR(14, m2); LNEXT(m3, m1, m2);
		LR(15, m3);
		abef_a = _mm_add_epi32(abef_a, abef_a_in);
		cdgh_a = _mm_add_epi32(cdgh_a, cdgh_a_in);
		abef_b = _mm_add_epi32(abef_b, abef_b_in);
		cdgh_b = _mm_add_epi32(cdgh_b, cdgh_b_in);
	}
	state_store(a, abef_a, cdgh_a);
	state_store(b, abef_b, cdgh_b);
}

TARGET void kx_lanes_blocks_ni(uint32_t (*state)[8], const uint8_t *data,
			       size_t stride, unsigned n, size_t nblocks)
{
	unsigned k = 0;

	for (; k + 2 <= n; k += 2)
		lanes_pair_ni(state[k], state[k + 1], data + k * stride,
			      data + (k + 1) * stride, nblocks);
	if (k < n)
		kx_sha256_blocks_ni(state[k], data + k * stride, nblocks);
}
