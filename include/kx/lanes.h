/* SPDX-License-Identifier: MIT */
/*
 * The KX lanes digest (docs/abi.md, 2.6): a segment's 4 KiB pages dealt
 * round-robin to N independent SHA-256 chains (lane i hashes pages i,
 * i + N, ...), and the digest is SHA-256 over the N lane digests.  The
 * lanes are independent, so they run side by side: interleaved in the
 * SHA units, or as the lanes of SIMD registers (multi-buffer).
 *
 * The engine is chosen at run time, as for SHA-256; the portable one
 * works everywhere.  Callers in purgatory enable SIMD before the first
 * call (AVX2 and AVX-512 also need XCR0 set: the engines check it).
 */
#ifndef KX_LANES_H
#define KX_LANES_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/page_list.h>
#include <kx/sha256.h>
#include <kx/status.h>

/*
 * Compresses nblocks 64-byte blocks into each of n states: state[k]
 * takes its blocks from data + k * stride.  n is at most the engine's
 * width; stride is a multiple of 64 below 2^26 (a page, in kx).
 */
typedef void (*kx_lanes_blocks_fn)(uint32_t (*state)[8], const uint8_t *data,
				   size_t stride, unsigned n, size_t nblocks);

/*
 * The same, each state k taking nblocks blocks from src[k] after copying
 * them to dst[k] (64-byte aligned) from the very registers it hashes:
 * a copy that comes with the hash, for engines whose loads and stores
 * are cheap next to their rounds.  No dst[k] may overlap a src[j].
 */
typedef void (*kx_lanes_copy_fn)(uint32_t (*state)[8], const uint8_t *const src[],
				 uint8_t *const dst[], unsigned n, size_t nblocks);

struct kx_lanes_impl {
	const char *name;	/* "portable", "sha-ni-x2", "avx2-x8", ... */
	unsigned width;		/* chains one call advances together */
	kx_lanes_blocks_fn blocks;
	kx_lanes_copy_fn copy_blocks;	/* or NULL */
};

/*
 * A segment being hashed, page by page in order.  2 KiB of lane states:
 * callers in purgatory keep it off a small stack.
 */
struct kx_lanes {
	uint32_t state[KX_LANES_MAX][8];
	uint64_t bytes;		/* fed so far */
	uint32_t lanes;		/* N */
	uint32_t tail_len;	/* bytes in tail: only after a partial page */
	uint8_t tail[KX_SHA256_BLOCK];	/* that page's last partial block */
	const struct kx_lanes_impl *impl;
};

/* The fastest engine this CPU runs (detected once). */
const struct kx_lanes_impl *kx_lanes_best(void);
/* Every engine built in, and whether this CPU runs it; index 0 is
 * "portable", NULL past the last.  usable may be NULL. */
const struct kx_lanes_impl *kx_lanes_impl_at(unsigned i, int *usable);
/* What kx_lanes_init uses: kx_lanes_best() unless set; set(NULL) returns
 * to it.  An engine this CPU cannot run is refused (KX_ERR_UNSUPPORTED),
 * one not built in too (KX_ERR_INVAL).  Tests and benchmarks. */
enum kx_status kx_lanes_set_impl(const struct kx_lanes_impl *impl);
const struct kx_lanes_impl *kx_lanes_get_impl(void);

/* KX_ERR_INVAL unless 1 <= lanes <= KX_LANES_MAX. */
enum kx_status kx_lanes_init(struct kx_lanes *c, unsigned lanes);
enum kx_status kx_lanes_init_impl(struct kx_lanes *c, unsigned lanes,
				  const struct kx_lanes_impl *impl);
/*
 * The next len bytes of the segment.  Only the segment's last page may
 * be partial: after an update that ends inside a page, any further byte
 * is refused (KX_ERR_INVAL) and nothing is hashed.
 */
enum kx_status kx_lanes_update(struct kx_lanes *c, const void *data, size_t len);
/* Ends the segment; init again before reuse. */
void kx_lanes_final(struct kx_lanes *c, uint8_t out[KX_SHA256_SIZE]);
/* The digest of size bytes at data, with the current engine. */
enum kx_status kx_lanes(const void *data, uint64_t size, unsigned lanes,
			uint8_t out[KX_SHA256_SIZE]);

/* ------------------------------------------------- while copying */

/*
 * A segment whose lanes digest is computed while a page list copies it
 * (copy-with-digest): each page is hashed from cache soon after it is
 * written.  Lanes follow the segment's page order, so the pages must come
 * in that order; a list that writes one out of order (or twice) costs a
 * second pass over that segment at the end, never a wrong digest.
 */
struct kx_lanes_seg {
	uint64_t dest;		/* in: physical, page aligned */
	uint64_t size;		/* in: bytes digested from dest */
	uint8_t digest[KX_SHA256_SIZE];	/* out: by kx_lanes_copy_finish */
	uint64_t next;		/* offset of the next page in order */
	uint32_t reread;	/* out: 1 if hashed in a second pass */
	uint32_t pad;
	struct kx_lanes ctx;	/* in: kx_lanes_init'ed (N, engine) */
};

/* Pages copied before they are hashed together: 128 KiB, in L2. */
#define KX_LANES_BATCH 32
/* The widest engine's width: pages of a copy the lanes may hold back. */
#define KX_LANES_GROUP_MAX 16

struct kx_lanes_copy {
	struct kx_lanes_seg *segs;
	unsigned nsegs;
	unsigned run_seg;	/* segment of the pages not hashed yet */
	uint64_t run_off;	/* their offset in it */
	uint64_t run_pages;	/* how many (consecutive) */
	uint64_t pages;		/* pages seen in a segment */
	/* Copies not done yet (kx_lanes_copy_move): the next pages of
	 * segment grp_seg, from offset grp_off on, one per lane. */
	unsigned grp_n;
	unsigned grp_seg;
	uint64_t grp_off;
	const uint8_t *grp_src[KX_LANES_GROUP_MAX];
	uint8_t *grp_dst[KX_LANES_GROUP_MAX];
};

/* Over segs[0..n) (pairwise disjoint; ctx of each initialised). */
void kx_lanes_copy_init(struct kx_lanes_copy *lc, struct kx_lanes_seg *segs,
			unsigned n);
/* The page at dest has just been written (pages outside every segment
 * are ignored). */
void kx_lanes_copy_page(struct kx_lanes_copy *lc, uint64_t dest);
/* The same, shaped as a kx_sha256_blocks_fn for the engines' DIGEST mode
 * (state is the struct kx_lanes_copy): called with each part of a
 * destination page once written, the page is done at its last part. */
void kx_lanes_copy_chunk(uint32_t *state, const uint8_t *part, size_t nblocks);
/*
 * Copies the page at src to dest (both page aligned), or has it copied
 * with its segment's lanes: a segment's next pages, in order, wait until
 * they fill one call of an engine that copies as it hashes
 * (copy_blocks), unless a later copy reads or writes one of their pages;
 * kx_lanes_copy_drain does what still waits.  Other pages are copied at
 * once and hashed as kx_lanes_copy_page.  Every page two copies share is
 * written and read in list order.
 */
void kx_lanes_copy_move(struct kx_lanes_copy *lc, uint64_t dest, uint64_t src);
void kx_lanes_copy_drain(struct kx_lanes_copy *lc);
/* Drains, hashes what is pending, re-reads segments that came out of
 * order, and writes every segment's digest. */
void kx_lanes_copy_finish(struct kx_lanes_copy *lc);

/*
 * The C engine in copy-with-lanes: validates the list (limits from w,
 * which may be NULL), then hands each copy to kx_lanes_copy_move, so
 * that an engine with copy_blocks copies and hashes a segment's pages
 * in one pass over memory; every copy is done when it returns.  Writes
 * nothing when the list is invalid.
 */
enum kx_status kx_pl_run_lanes(const struct kx_pl_walk *w, uint64_t head,
			       struct kx_lanes_copy *lc, struct kx_pl_fault *fault);

/* The assembly engine (trampoline/relocate_<arch>.S) in DIGEST mode with
 * lc as its hash: returns the pages copied; kx_lanes_copy_finish next. */
static inline uint64_t kx_relocate_lanes(uint64_t head, struct kx_lanes_copy *lc)
{
	return kx_relocate_pages(head, KX_PL_DIGEST, (uint32_t *)(void *)lc,
				 kx_lanes_copy_chunk);
}

#endif
