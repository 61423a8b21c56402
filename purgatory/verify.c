/* SPDX-License-Identifier: MIT */
#include <kx/compiler.h>
#include <kx/verify.h>

/*
 * Pieces of a region fed to both contexts at a time: bounded so that a
 * region larger than size_t (only possible on a 32-bit build) still works.
 */
#define PIECE (1u << 30)

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
		/*
		 * One pass over memory for both digests.  While every region
		 * so far was a multiple of 64 bytes (kexec-tools' are whole
		 * pages), both contexts are on a block boundary and
		 * kx_sha256_update2 hashes the same blocks into both with one
		 * message schedule; otherwise it alternates between them in
		 * cache-sized pieces.
		 */
		while (left) {
			size_t len = left < PIECE ? (size_t)left : PIECE;

			kx_sha256_update2(&all, &one, p, len);
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
