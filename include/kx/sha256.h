/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4), streaming and over a list of physical regions.
 * The block function is chosen once, at run time, from what the CPU has
 * (x86_64 SHA-NI, ARMv8 SHA2); the portable C one works everywhere.
 * Callers in purgatory enable SIMD before the first call.
 */
#ifndef KX_SHA256_H
#define KX_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>

/* Compresses nblocks 64-byte blocks into state. */
typedef void (*kx_sha256_blocks_fn)(uint32_t state[8], const uint8_t *data,
				    size_t nblocks);

struct kx_sha256_impl {
	const char *name;	/* "portable", "sha-ni", "armv8-ce" */
	kx_sha256_blocks_fn blocks;
};

struct kx_sha256 {
	uint32_t state[8];
	uint64_t bytes;		/* total fed so far */
	uint8_t buf[64];	/* partial block */
	uint32_t used;		/* bytes in buf */
	kx_sha256_blocks_fn blocks;
};

/* The fastest implementation this CPU supports (detected once). */
const struct kx_sha256_impl *kx_sha256_best(void);
/* Every implementation built in, and whether this CPU can run it. */
const struct kx_sha256_impl *kx_sha256_impl_at(unsigned i, int *usable);

void kx_sha256_init(struct kx_sha256 *c);
/* Same, with an explicit implementation (tests, benchmarks). */
void kx_sha256_init_impl(struct kx_sha256 *c, const struct kx_sha256_impl *impl);
void kx_sha256_update(struct kx_sha256 *c, const void *data, size_t len);
void kx_sha256_final(struct kx_sha256 *c, uint8_t out[KX_SHA256_SIZE]);
void kx_sha256(const void *data, size_t len, uint8_t out[KX_SHA256_SIZE]);

/* kexec-tools' sha256_regions layout: {u64 start, u64 len}, start is an
 * address the caller can read directly (identity-mapped in purgatory). */
struct kx_sha256_region {
	uint64_t start;
	uint64_t len;
};
void kx_sha256_regions(const struct kx_sha256_region *r, unsigned n,
		       uint8_t out[KX_SHA256_SIZE]);

#endif
