/* SPDX-License-Identifier: MIT */
#include <kx/compiler.h>
#include <kx/verify.h>

/*
 * Each chunk is fed to both contexts while it is still in L1, so the
 * per-region digests cost compression work but no second pass over memory.
 */
#define CHUNK 4096

enum kx_status kx_verify_regions(const struct kx_sha256_region *r, unsigned n,
				 const uint8_t expected[KX_SHA256_SIZE],
				 struct kx_verify *out)
{
	struct kx_sha256 all, one;
	uint8_t diff = 0;

	if (!r || !expected || !out || n > KX_VERIFY_MAX_REGIONS)
		return KX_ERR_INVAL;
	kx_memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n; i++)
		if (r[i].start + r[i].len < r[i].start)
			return KX_ERR_INVAL;
	kx_sha256_init(&all);
	out->impl = kx_sha256_get_impl()->name;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)r[i].start;
		uint64_t left = r[i].len;

		if (!left)
			continue;
		kx_sha256_init(&one);
		while (left) {
			size_t len = left < CHUNK ? (size_t)left : CHUNK;

			kx_sha256_update(&all, p, len);
			kx_sha256_update(&one, p, len);
			p += len;
			left -= len;
		}
		kx_sha256_final(&one, out->digest[i]);
		out->bytes += r[i].len;
		out->regions++;
	}
	kx_sha256_final(&all, out->combined);
	/* Compare all bytes: the result is what matters, not early exit. */
	for (unsigned i = 0; i < KX_SHA256_SIZE; i++)
		diff |= out->combined[i] ^ expected[i];
	return diff ? KX_ERR_DIGEST : KX_OK;
}
