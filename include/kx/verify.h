/* SPDX-License-Identifier: MIT */
/*
 * Verification of loaded segments, as purgatory does it before the jump:
 * kexec-tools' one digest over all regions in order, and each region's own
 * digest for the setup page, in a single pass over memory.
 */
#ifndef KX_VERIFY_H
#define KX_VERIFY_H

#include <stdint.h>
#include <kx/sha256.h>
#include <kx/status.h>

#define KX_VERIFY_MAX_REGIONS 16

struct kx_verify {
	uint8_t combined[KX_SHA256_SIZE];	/* all regions as one message */
	uint8_t digest[KX_VERIFY_MAX_REGIONS][KX_SHA256_SIZE];	/* each region */
	uint64_t bytes;		/* bytes hashed */
	unsigned regions;	/* regions of non-zero length */
	const char *impl;	/* implementation used */
};

/*
 * Hashes r[0..n) (n <= KX_VERIFY_MAX_REGIONS; zero-length regions are
 * skipped, as kexec-tools leaves unused slots zero) and compares the
 * combined digest with expected.  KX_OK on a match, KX_ERR_DIGEST on a
 * mismatch (out is filled either way), KX_ERR_INVAL for a bad argument or
 * a region that wraps around the address space.
 */
enum kx_status kx_verify_regions(const struct kx_sha256_region *r, unsigned n,
				 const uint8_t expected[KX_SHA256_SIZE],
				 struct kx_verify *out);

#endif
