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
#include <kx/status.h>

#define KX_SHA256_BLOCK		64	/* bytes per compression */
#define KX_SHA256_REGIONS	16	/* kexec-tools' SHA256_REGIONS */

/* Compresses nblocks 64-byte blocks into state. */
typedef void (*kx_sha256_blocks_fn)(uint32_t state[8], const uint8_t *data,
				    size_t nblocks);
/*
 * Compresses the same nblocks blocks into two independent states a and b
 * (distinct arrays): the same result as blocks(a, ...) then blocks(b, ...),
 * but the message schedule is computed once and, with SHA-NI or ARMv8 CE,
 * the two round chains run interleaved.  Purgatory's combined digest and a
 * region's own digest hash the same blocks from different chaining values.
 * One chain leaves the hash unit idle while each instruction waits on the
 * previous one; the other chain fills those cycles (AMD Zen 5: two digests
 * take 1.25 times as long as one, portable C 1.9 times).
 */
typedef void (*kx_sha256_blocks2_fn)(uint32_t a[8], uint32_t b[8],
				     const uint8_t *data, size_t nblocks);

struct kx_sha256_impl {
	const char *name;	/* "portable", "sha-ni", "armv8-ce" */
	kx_sha256_blocks_fn blocks;
	kx_sha256_blocks2_fn blocks2;	/* NULL: kx_sha256_update2 uses blocks */
};

struct kx_sha256 {
	uint32_t state[8];
	uint64_t bytes;		/* total fed so far */
	uint8_t buf[64];	/* partial block */
	uint32_t used;		/* bytes in buf */
	kx_sha256_blocks_fn blocks;
	kx_sha256_blocks2_fn blocks2;
};

/* The fastest implementation this CPU supports (detected once). */
const struct kx_sha256_impl *kx_sha256_best(void);
/* Every implementation built in, and whether this CPU can run it.  Index 0
 * is "portable"; NULL past the last.  usable may be NULL. */
const struct kx_sha256_impl *kx_sha256_impl_at(unsigned i, int *usable);
/* The implementation of that name, or NULL if none is built in. */
const struct kx_sha256_impl *kx_sha256_impl_find(const char *name);

/*
 * The implementation kx_sha256_init(), kx_sha256() and kx_sha256_regions()
 * use: kx_sha256_best() unless set.  set(NULL) returns to kx_sha256_best();
 * an implementation this CPU cannot run is refused (KX_ERR_UNSUPPORTED).
 * For tests and benchmarks; not thread-safe.
 */
enum kx_status kx_sha256_set_impl(const struct kx_sha256_impl *impl);
const struct kx_sha256_impl *kx_sha256_get_impl(void);

void kx_sha256_init(struct kx_sha256 *c);
/* Same, with an explicit implementation (tests, benchmarks). */
void kx_sha256_init_impl(struct kx_sha256 *c, const struct kx_sha256_impl *impl);
void kx_sha256_update(struct kx_sha256 *c, const void *data, size_t len);
/*
 * The same bytes appended to two different messages a and b (distinct
 * contexts): equal to kx_sha256_update(a, ...) then kx_sha256_update(b, ...).
 * While both contexts are on a block boundary and use the same
 * implementation, whole blocks go through its two-state block function in
 * one pass; otherwise the two updates alternate over cache-sized pieces.
 */
void kx_sha256_update2(struct kx_sha256 *a, struct kx_sha256 *b,
		       const void *data, size_t len);
/* Ends the message; init the context again before reusing it. */
void kx_sha256_final(struct kx_sha256 *c, uint8_t out[KX_SHA256_SIZE]);
void kx_sha256(const void *data, size_t len, uint8_t out[KX_SHA256_SIZE]);

/* kexec-tools' sha256_regions layout: {u64 start, u64 len}, start is an
 * address the caller can read directly (identity-mapped in purgatory). */
struct kx_sha256_region {
	uint64_t start;
	uint64_t len;
};
/* Hashes r[0..n) in order as one message; regions of len 0 are skipped
 * (kexec-tools passes KX_SHA256_REGIONS entries, unused ones zero). */
void kx_sha256_regions(const struct kx_sha256_region *r, unsigned n,
		       uint8_t out[KX_SHA256_SIZE]);

#endif
