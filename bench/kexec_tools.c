/* SPDX-License-Identifier: MIT */
/*
 * Glue to kexec-tools' util_lib/sha256.c.  Built with -I of the fetched
 * source's util_lib/include, where <sha256.h> is kexec-tools' header (kx's
 * own is <kx/sha256.h>), and with BENCH_KT_VERSION from the folder name.
 */
#include <sha256.h>
#include "anchors.h"

const char bench_kt_version[] = BENCH_KT_VERSION;

void bench_kt_sha256(const void *data, size_t len, uint8_t out[32])
{
	sha256_context ctx;

	sha256_starts(&ctx);
	sha256_update(&ctx, data, len);
	sha256_finish(&ctx, out);
}

void bench_kt_regions(const struct kx_sha256_region *r, unsigned n,
		      uint8_t out[32])
{
	sha256_context ctx;

	sha256_starts(&ctx);
	for (unsigned i = 0; i < n; i++)
		sha256_update(&ctx, (const uint8_t *)(uintptr_t)r[i].start,
			      (size_t)r[i].len);
	sha256_finish(&ctx, out);
}
