/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4): the portable block function, the streaming layer
 * shared by every block function, and the run-time choice between them.
 * The accelerated block functions live in purgatory/arch/<arch>/.
 */
#include <stdbool.h>
#include <kx/compiler.h>
#include <kx/sha256.h>
#include "sha256_arch.h"

const uint32_t kx_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Initial hash value, FIPS 180-4, 5.3.3. */
static const uint32_t sha256_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* ------------------------------------------------------------ portable */

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return __builtin_bswap32(kx_get_le32(p));
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	kx_put_le32(p, __builtin_bswap32(v));
}

#define BSIG0(x) (ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22))
#define BSIG1(x) (ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25))
/*
 * The schedule's sigmas with one rotation folded into the other,
 * ror(x, a) ^ ror(x, b) == ror(ror(x, b - a) ^ x, a): one register copy
 * fewer each, which x86 (two-operand ROR) pays for.  The schedule is off
 * the rounds' critical path, so its longer latency costs nothing: 3%
 * faster on AMD Zen 5.  The round sigmas stay flat: they are on the
 * critical path, where the nested form is slower.
 */
#define SSIG0(x) (ror32(ror32(x, 11) ^ (x), 7) ^ ((x) >> 3))
#define SSIG1(x) (ror32(ror32(x, 2) ^ (x), 17) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
/* Written so that this round's a ^ b is the next round's b ^ c, which the
 * compiler keeps instead of recomputing. */
#define MAJ(x, y, z) ((y) ^ (((x) ^ (y)) & ((y) ^ (z))))

/*
 * One round, with the roles of the eight working variables rotated by the
 * caller instead of moving seven values (FIPS 180-4, 6.2.2 step 3).
 */
#define ROUND(a, b, c, d, e, f, g, h, k, w)				\
	do {								\
		uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + (k) + (w); \
		(d) += t1_;						\
		(h) = t1_ + BSIG0(a) + MAJ(a, b, c);			\
	} while (0)

/* W[i] for rounds 0-15, from the block; for 16-63, from 16 earlier words
 * kept in a ring (6.2.2 step 1). */
#define W_LOAD(i) (w[i] = get_be32(p + 4 * (i)))
#define W_NEXT(i) (w[(i) & 15] += SSIG1(w[((i) + 14) & 15]) +		\
		   w[((i) + 9) & 15] + SSIG0(w[((i) + 1) & 15]))

#define ROUNDS16(k, W)							\
	do {								\
		ROUND(a, b, c, d, e, f, g, h, (k)[0], W(0));		\
		ROUND(h, a, b, c, d, e, f, g, (k)[1], W(1));		\
		ROUND(g, h, a, b, c, d, e, f, (k)[2], W(2));		\
		ROUND(f, g, h, a, b, c, d, e, (k)[3], W(3));		\
		ROUND(e, f, g, h, a, b, c, d, (k)[4], W(4));		\
		ROUND(d, e, f, g, h, a, b, c, (k)[5], W(5));		\
		ROUND(c, d, e, f, g, h, a, b, (k)[6], W(6));		\
		ROUND(b, c, d, e, f, g, h, a, (k)[7], W(7));		\
		ROUND(a, b, c, d, e, f, g, h, (k)[8], W(8));		\
		ROUND(h, a, b, c, d, e, f, g, (k)[9], W(9));		\
		ROUND(g, h, a, b, c, d, e, f, (k)[10], W(10));		\
		ROUND(f, g, h, a, b, c, d, e, (k)[11], W(11));		\
		ROUND(e, f, g, h, a, b, c, d, (k)[12], W(12));		\
		ROUND(d, e, f, g, h, a, b, c, (k)[13], W(13));		\
		ROUND(c, d, e, f, g, h, a, b, (k)[14], W(14));		\
		ROUND(b, c, d, e, f, g, h, a, (k)[15], W(15));		\
	} while (0)

static void sha256_blocks_portable(uint32_t state[8], const uint8_t *p,
				   size_t nblocks)
{
	uint32_t a, b, c, d, e, f, g, h, w[16];

	for (; nblocks; nblocks--, p += KX_SHA256_BLOCK) {
		a = state[0];
		b = state[1];
		c = state[2];
		d = state[3];
		e = state[4];
		f = state[5];
		g = state[6];
		h = state[7];
		/* The one- and two-state block functions unroll the same rounds
		 * on purpose, each over its own locals, so that the compiler
		 * keeps every chain's working variables in registers. */
		ROUNDS16(kx_sha256_k, W_LOAD);
		/* After 16 rounds the roles are back where they started. */
		for (unsigned j = 16; j < 64; j += 16)
			ROUNDS16(kx_sha256_k + j, W_NEXT);
		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;
	}
}

/*
 * Two states over the same blocks.  The schedule, with K already added,
 * is computed once into wk[] (unrolled, so the ring indices are
 * constants); then each chain runs its 64 rounds from it, one after the
 * other.  Not interleaved: sixteen working variables do not fit in
 * x86_64's general registers, and the spills cost more than the overlap
 * gains (measured).  What the second digest saves is the schedule: two
 * digests cost 1.9 times one instead of 2.  The chain is a function of its own so that the
 * 64 rounds exist once in purgatory's code, not twice.
 */
#define W_NONE(i) 0

static __attribute__((noinline))
void sha256_rounds_wk(uint32_t state[8], const uint32_t wk[64])
{
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

	for (unsigned j = 0; j < 64; j += 16)
		ROUNDS16(wk + j, W_NONE);
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

static void sha256_blocks2_portable(uint32_t sa[8], uint32_t sb[8],
				    const uint8_t *p, size_t nblocks)
{
	uint32_t w[16], wk[64];

	for (; nblocks; nblocks--, p += KX_SHA256_BLOCK) {
#pragma GCC unroll 16
		for (unsigned i = 0; i < 16; i++)
			wk[i] = W_LOAD(i) + kx_sha256_k[i];
#pragma GCC unroll 48
		for (unsigned i = 16; i < 64; i++)
			wk[i] = W_NEXT(i) + kx_sha256_k[i];
		sha256_rounds_wk(sa, wk);
		sha256_rounds_wk(sb, wk);
	}
}

/* ------------------------------------------------------------ dispatch */

static const struct kx_sha256_impl sha256_portable = {
	.name = "portable",
	.blocks = sha256_blocks_portable,
	.blocks2 = sha256_blocks2_portable,
};

const struct kx_sha256_impl *kx_sha256_impl_at(unsigned i, int *usable)
{
	const struct kx_sha256_impl *impl = &sha256_portable;
	bool ok = true;

	if (i > 0)
		impl = kx_sha256_arch_impl(i - 1, &ok);
	if (usable)
		*usable = impl && ok;
	return impl;
}

const struct kx_sha256_impl *kx_sha256_impl_find(const char *name)
{
	const struct kx_sha256_impl *impl;

	if (!name)
		return 0;
	for (unsigned i = 0; (impl = kx_sha256_impl_at(i, 0)); i++) {
		const char *a = impl->name, *b = name;

		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return impl;
	}
	return 0;
}

/* The CPU's best, found on first use; and what kx_sha256_set_impl()
 * chose instead, if anything. */
static const struct kx_sha256_impl *sha256_best_cached;
static const struct kx_sha256_impl *sha256_chosen;

const struct kx_sha256_impl *kx_sha256_best(void)
{
	const struct kx_sha256_impl *impl;
	int usable;

	if (sha256_best_cached)
		return sha256_best_cached;
	/* Arch implementations come best first, after the portable one. */
	for (unsigned i = 1; (impl = kx_sha256_impl_at(i, &usable)); i++) {
		if (usable) {
			sha256_best_cached = impl;
			return impl;
		}
	}
	sha256_best_cached = &sha256_portable;
	return sha256_best_cached;
}

enum kx_status kx_sha256_set_impl(const struct kx_sha256_impl *impl)
{
	const struct kx_sha256_impl *known;
	int usable;

	if (!impl) {
		sha256_chosen = 0;
		return KX_OK;
	}
	/* Only what is built in: the pointer is called from purgatory. */
	for (unsigned i = 0; (known = kx_sha256_impl_at(i, &usable)); i++) {
		if (known == impl) {
			if (!usable)
				return KX_ERR_UNSUPPORTED;
			sha256_chosen = impl;
			return KX_OK;
		}
	}
	return KX_ERR_INVAL;
}

const struct kx_sha256_impl *kx_sha256_get_impl(void)
{
	return sha256_chosen ? sha256_chosen : kx_sha256_best();
}

/* ------------------------------------------------------------ streaming */

void kx_sha256_init_impl(struct kx_sha256 *c, const struct kx_sha256_impl *impl)
{
	kx_memcpy(c->state, sha256_h0, sizeof(c->state));
	c->bytes = 0;
	c->used = 0;
	c->blocks = impl->blocks;
	c->blocks2 = impl->blocks2;
}

void kx_sha256_init(struct kx_sha256 *c)
{
	kx_sha256_init_impl(c, kx_sha256_get_impl());
}

void kx_sha256_update(struct kx_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	/* Nothing to do, and data may be NULL. */
	if (!len)
		return;
	c->bytes += len;
	/* Complete a partial block first. */
	if (c->used) {
		n = KX_MIN(len, (size_t)(KX_SHA256_BLOCK - c->used));
		kx_memcpy(c->buf + c->used, p, n);
		c->used += (uint32_t)n;
		p += n;
		len -= n;
		if (c->used < KX_SHA256_BLOCK)
			return;
		c->blocks(c->state, c->buf, 1);
		c->used = 0;
	}
	/* Whole blocks straight from the caller's bytes, without a copy. */
	n = len / KX_SHA256_BLOCK;
	if (n) {
		c->blocks(c->state, p, n);
		p += n * KX_SHA256_BLOCK;
		len -= n * KX_SHA256_BLOCK;
	}
	if (len) {
		kx_memcpy(c->buf, p, len);
		c->used = (uint32_t)len;
	}
}

/*
 * Bytes per step when the two contexts cannot share blocks: each piece is
 * hashed into a, then again into b while it is still in L1 (or at least
 * L2), so memory is read once.
 */
#define UPDATE2_PIECE 8192

void kx_sha256_update2(struct kx_sha256 *a, struct kx_sha256 *b,
		       const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	if (!len)
		return;
	if (a->used || b->used || !a->blocks2 || a->blocks2 != b->blocks2) {
		/* Different offsets within a block, or implementations: no
		 * block is common to both. */
		while (len) {
			n = KX_MIN(len, (size_t)UPDATE2_PIECE);
			kx_sha256_update(a, p, n);
			kx_sha256_update(b, p, n);
			p += n;
			len -= n;
		}
		return;
	}
	n = len / KX_SHA256_BLOCK;
	if (n) {
		a->blocks2(a->state, b->state, p, n);
		a->bytes += n * KX_SHA256_BLOCK;
		b->bytes += n * KX_SHA256_BLOCK;
		p += n * KX_SHA256_BLOCK;
		len -= n * KX_SHA256_BLOCK;
	}
	/* The tail: both buffers start empty, so update() only copies. */
	kx_sha256_update(a, p, len);
	kx_sha256_update(b, p, len);
}

void kx_sha256_final(struct kx_sha256 *c, uint8_t out[KX_SHA256_SIZE])
{
	uint32_t used = c->used;
	uint64_t bits = c->bytes << 3;

	/* Padding (5.1.1): a 1 bit, zeros, then the length in bits, big
	 * endian, in the last 8 bytes of a block. */
	c->buf[used++] = 0x80;
	if (used > KX_SHA256_BLOCK - 8) {
		kx_memset(c->buf + used, 0, KX_SHA256_BLOCK - used);
		c->blocks(c->state, c->buf, 1);
		used = 0;
	}
	kx_memset(c->buf + used, 0, KX_SHA256_BLOCK - 8 - used);
	put_be32(c->buf + 56, (uint32_t)(bits >> 32));
	put_be32(c->buf + 60, (uint32_t)bits);
	c->blocks(c->state, c->buf, 1);
	for (unsigned i = 0; i < 8; i++)
		put_be32(out + 4 * i, c->state[i]);
}

void kx_sha256(const void *data, size_t len, uint8_t out[KX_SHA256_SIZE])
{
	struct kx_sha256 c;

	kx_sha256_init(&c);
	kx_sha256_update(&c, data, len);
	kx_sha256_final(&c, out);
}

void kx_sha256_regions(const struct kx_sha256_region *r, unsigned n,
		       uint8_t out[KX_SHA256_SIZE])
{
	struct kx_sha256 c;

	kx_sha256_init(&c);
	for (unsigned i = 0; i < n; i++) {
		if (r[i].len)
			kx_sha256_update(&c, (const void *)(uintptr_t)r[i].start,
					 (size_t)r[i].len);
	}
	kx_sha256_final(&c, out);
}
