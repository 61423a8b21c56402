/* SPDX-License-Identifier: MIT */
/*
 * PLACEHOLDER: a minimal portable SHA-256 (FIPS 180-4) with the API of
 * include/kx/sha256.h, so the page-list branch builds and tests its digest
 * mode.  The real implementation (SHA-NI, ARMv8 CE) replaces this file.
 */
#include <kx/compiler.h>
#include <kx/sha256.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void blocks_portable(uint32_t state[8], const uint8_t *data,
			    size_t nblocks)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;

	for (; nblocks; nblocks--, data += 64) {
		for (int i = 0; i < 16; i++)
			w[i] = get_be32(data + 4 * i);
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
				      (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
				      (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = state[0]; b = state[1]; c = state[2]; d = state[3];
		e = state[4]; f = state[5]; g = state[6]; h = state[7];
		for (int i = 0; i < 64; i++) {
			t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			     ((e & f) ^ (~e & g)) + K[i] + w[i];
			t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			     ((a & b) ^ (a & c) ^ (b & c));
			h = g; g = f; f = e; e = d + t1;
			d = c; c = b; b = a; a = t1 + t2;
		}
		state[0] += a; state[1] += b; state[2] += c; state[3] += d;
		state[4] += e; state[5] += f; state[6] += g; state[7] += h;
	}
}

static const struct kx_sha256_impl impls[] = {
	{ "portable", blocks_portable },
};

const struct kx_sha256_impl *kx_sha256_best(void)
{
	return &impls[0];
}

const struct kx_sha256_impl *kx_sha256_impl_at(unsigned i, int *usable)
{
	if (i >= KX_ARRAY_SIZE(impls))
		return 0;
	if (usable)
		*usable = 1;
	return &impls[i];
}

void kx_sha256_init_impl(struct kx_sha256 *c, const struct kx_sha256_impl *impl)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	kx_memcpy(c->state, iv, sizeof(iv));
	c->bytes = 0;
	c->used = 0;
	c->blocks = impl->blocks;
}

void kx_sha256_init(struct kx_sha256 *c)
{
	kx_sha256_init_impl(c, kx_sha256_best());
}

void kx_sha256_update(struct kx_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->bytes += len;
	if (c->used) {
		size_t n = KX_MIN(len, (size_t)(64 - c->used));

		kx_memcpy(c->buf + c->used, p, n);
		c->used += (uint32_t)n;
		p += n;
		len -= n;
		if (c->used < 64)
			return;
		c->blocks(c->state, c->buf, 1);
		c->used = 0;
	}
	if (len >= 64) {
		c->blocks(c->state, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len) {
		kx_memcpy(c->buf, p, len);
		c->used = (uint32_t)len;
	}
}

void kx_sha256_final(struct kx_sha256 *c, uint8_t out[KX_SHA256_SIZE])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad = 0x80;

	c->buf[c->used++] = pad;
	if (c->used > 56) {
		kx_memset(c->buf + c->used, 0, 64 - c->used);
		c->blocks(c->state, c->buf, 1);
		c->used = 0;
	}
	kx_memset(c->buf + c->used, 0, 56 - c->used);
	for (int i = 0; i < 8; i++)
		c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	c->blocks(c->state, c->buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->state[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->state[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->state[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->state[i];
	}
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
	for (unsigned i = 0; i < n; i++)
		kx_sha256_update(&c, (const void *)(uintptr_t)r[i].start,
				 (size_t)r[i].len);
	kx_sha256_final(&c, out);
}
