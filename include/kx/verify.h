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

struct kx_setup_reader;

/* One segment as a setup page lists it, with either digest. */
struct kx_verify_seg {
	uint64_t dest;		/* where it lies now */
	uint64_t size;		/* bytes hashed */
	uint32_t kind;		/* KX_SEG_* */
	uint32_t lanes;		/* 0: SHA-256 (SEGM); N: KX lanes digest (LANE) */
	const uint8_t *expected;	/* the page's digest, KX_SHA256_SIZE bytes */
	const char *impl;	/* the engine that hashed it */
	int precomputed;	/* 1: compared with a kx_verify_hashed entry */
};

/*
 * A segment's digest computed earlier over the memory it now lies in (by
 * the copy that put it there: docs/kxboot.md, "One pass").
 * Used for a LANE entry only when dest, size and lanes are exactly the
 * entry's; anything else is hashed again.
 */
struct kx_verify_hashed {
	uint64_t dest;
	uint64_t size;
	uint32_t lanes;		/* N of the KX lanes digest, 1..KX_LANES_MAX */
	uint32_t pad;
	uint8_t digest[KX_SHA256_SIZE];
	const char *impl;	/* the engine that computed it, for the report */
};

/* Told about each segment as it is checked; actual is its digest now. */
typedef void (*kx_verify_report_fn)(void *ctx, unsigned index,
				    const struct kx_verify_seg *seg,
				    const uint8_t actual[KX_SHA256_SIZE], int ok);

/*
 * Verifies every segment a setup page lists, in SEGM (SHA-256) and LANE
 * (KX lanes digest) records alike (a loader's page, opened with
 * kx_setup_open on a map that hands out the pages themselves), where its
 * dest says it now lies.  Only if all match, marks each KX_SEG_F_VERIFIED
 * and reseals the chain.  KX_ERR_DIGEST at a mismatch (the page is left as
 * it was), KX_ERR_RANGE for a segment that runs past the end of the
 * address space (never hashed), KX_ERR_NOT_FOUND when it lists no segment
 * or only empty ones, or the reader's fault.  segments and bytes (may be NULL) count what was checked.
 */
enum kx_status kx_verify_setup_segments(struct kx_setup_reader *r,
					kx_verify_report_fn report, void *ctx,
					unsigned *segments, uint64_t *bytes);

/*
 * The same, comparing each LANE entry that pre[0..npre) describes exactly
 * (dest, size, lanes) with that digest instead of hashing it; every other
 * segment (SEGM, or a LANE entry no pre entry matches) is hashed as
 * kx_verify_setup_segments does.  pre may be NULL (npre 0).  The caller
 * vouches that pre was computed over the memory as it is now and that
 * nothing it does not trust could write it.  *hashed (may be NULL): bytes
 * hashed here rather than compared.
 */
enum kx_status kx_verify_setup_segments_pre(struct kx_setup_reader *r,
					    const struct kx_verify_hashed *pre,
					    unsigned npre,
					    kx_verify_report_fn report, void *ctx,
					    unsigned *segments, uint64_t *bytes,
					    uint64_t *hashed);

#endif
