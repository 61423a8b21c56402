/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/verify.h>
#include "kxtest.h"

KX_TEST(verify_gives_combined_and_per_region_digests)
{
	static uint8_t a[70001], b[4096], c[12345];
	struct kx_sha256_region r[KX_VERIFY_MAX_REGIONS] = {
		{ (uintptr_t)a, sizeof(a) }, { 0, 0 }, { (uintptr_t)b, sizeof(b) },
		{ (uintptr_t)c, sizeof(c) },
	};
	uint8_t want[32], one[32];
	struct kx_verify v;
	struct kx_sha256 ctx;

	kx_rand_fill(a, sizeof(a));
	kx_rand_fill(b, sizeof(b));
	kx_rand_fill(c, sizeof(c));
	kx_sha256_init(&ctx);
	kx_sha256_update(&ctx, a, sizeof(a));
	kx_sha256_update(&ctx, b, sizeof(b));
	kx_sha256_update(&ctx, c, sizeof(c));
	kx_sha256_final(&ctx, want);

	CHECK_ST(kx_verify_regions(r, KX_VERIFY_MAX_REGIONS, want, &v), KX_OK);
	CHECK_MEM(v.combined, want, 32);
	CHECK_EQ(v.regions, 3);
	CHECK_EQ(v.bytes, sizeof(a) + sizeof(b) + sizeof(c));
	kx_sha256(c, sizeof(c), one);
	CHECK_MEM(v.digest[3], one, 32);
	kx_sha256(a, sizeof(a), one);
	CHECK_MEM(v.digest[0], one, 32);

	/* One flipped byte anywhere is a mismatch, and says so. */
	c[777] ^= 0x10;
	CHECK_ST(kx_verify_regions(r, KX_VERIFY_MAX_REGIONS, want, &v), KX_ERR_DIGEST);
	CHECK(memcmp(v.combined, want, 32) != 0);
	c[777] ^= 0x10;
	want[31] ^= 1;
	CHECK_ST(kx_verify_regions(r, 4, want, &v), KX_ERR_DIGEST);
	CHECK_ST(kx_verify_regions(r, 17, want, &v), KX_ERR_INVAL);
	r[1].start = ~0ULL - 10;
	r[1].len = 100;
	CHECK_ST(kx_verify_regions(r, 4, want, &v), KX_ERR_INVAL);
}
