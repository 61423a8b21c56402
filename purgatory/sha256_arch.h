/* SPDX-License-Identifier: MIT */
/*
 * Private interface between purgatory/sha256.c and the accelerated
 * SHA-256 of each architecture (purgatory/arch/<arch>/sha256_*.c).
 */
#ifndef KX_SHA256_ARCH_H
#define KX_SHA256_ARCH_H

#include <stdbool.h>
#include <kx/sha256.h>
#include <kx/lanes.h>

/*
 * The i-th accelerated implementation of this architecture, best first,
 * or NULL past the last; *usable says whether this CPU runs it.  Calls,
 * not a shared table, so that purgatory needs no GOT entry to reach it.
 */
const struct kx_sha256_impl *kx_sha256_arch_impl(unsigned i, bool *usable);
/* The same for the lanes engines (kx/lanes.h), best first. */
const struct kx_lanes_impl *kx_lanes_arch_impl(unsigned i, bool *usable);

/*
 * The round constants of FIPS 180-4, 4.2.2, for every block function.
 * Hidden, so that a position-independent reference is PC-relative and
 * not through the GOT, which purgatory's relocator may not handle.
 */
extern const uint32_t kx_sha256_k[64] __attribute__((visibility("hidden")));

/* The accelerated block functions, each in its own file because it is
 * built with instructions the rest of kx must not assume. */
void kx_sha256_blocks_ni(uint32_t state[8], const uint8_t *data,
			 size_t nblocks);		/* x86_64 SHA-NI */
void kx_sha256_blocks_ce(uint32_t state[8], const uint8_t *data,
			 size_t nblocks);		/* ARMv8 SHA2 */
/* The same, on two states (kx_sha256_blocks2_fn). */
void kx_sha256_blocks2_ni(uint32_t a[8], uint32_t b[8], const uint8_t *data,
			  size_t nblocks);
void kx_sha256_blocks2_ce(uint32_t a[8], uint32_t b[8], const uint8_t *data,
			  size_t nblocks);

/* Lanes engines (kx_lanes_blocks_fn), each in its own file for the same
 * reason. */
void kx_lanes_blocks_ni(uint32_t (*state)[8], const uint8_t *data,
			size_t stride, unsigned n, size_t nblocks);	/* 2 chains */
void kx_lanes_blocks_avx2(uint32_t (*state)[8], const uint8_t *data,
			  size_t stride, unsigned n, size_t nblocks);	/* 8 lanes */
void kx_lanes_blocks_avx512(uint32_t (*state)[8], const uint8_t *data,
			    size_t stride, unsigned n, size_t nblocks);	/* 16 lanes */
void kx_lanes_copy_blocks_avx512(uint32_t (*state)[8], const uint8_t *const src[],
				 uint8_t *const dst[], unsigned n, size_t nblocks);
void kx_lanes_blocks_ce(uint32_t (*state)[8], const uint8_t *data,
			size_t stride, unsigned n, size_t nblocks);	/* 2 chains */

#endif
