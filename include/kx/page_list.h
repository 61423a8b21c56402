/* SPDX-License-Identifier: MIT */
/*
 * Page lists in Linux's indirection format (IND_* in kexec_abi.h): a
 * bounded reader/walker, a builder that keeps Linux's rule on source pages,
 * a C reference copy engine, and the C prototype of the assembly engines
 * in trampoline/relocate_<arch>.S.
 *
 * Format.  A list is reached from its head entry (IND_INDIRECTION | page,
 * or IND_DONE for an empty list).  Entries are 64-bit little-endian words
 * read in order: IND_DESTINATION sets the destination, IND_SOURCE copies
 * its page to the destination and advances it by a page, IND_INDIRECTION
 * continues reading at the start of another page, IND_DONE ends the list.
 * Linux tests the flags in that order (DESTINATION, INDIRECTION, DONE,
 * SOURCE); the assembly engines do the same.
 *
 * What the walker accepts (kx_pl_walk):
 *   - the head is IND_INDIRECTION or IND_DONE;
 *   - every other entry has exactly one flag in bits 0-3, except that an
 *     entry with IND_DONE and neither DESTINATION nor INDIRECTION ends the
 *     list whatever else it holds (Linux ends there too);
 *   - bits 4-11 (below the page address) are zero, else KX_ERR_ALIGN;
 *   - a source comes after a destination (KX_ERR_LIST_ORDER), the running
 *     destination never wraps past 2^64 (KX_ERR_RANGE);
 *   - the last slot of an indirection page chains or ends the list
 *     (KX_ERR_TRUNCATED: the list would run past its page);
 *   - at most max_entries entries and max_pages indirection pages
 *     (KX_ERR_LIST_LENGTH), indirection pages do not loop
 *     (KX_ERR_LIST_LOOP), every indirection page can be mapped
 *     (KX_ERR_LIST_MAP, the map's own status in kx_pl_fault.cause).
 *
 * Safety rule (what makes a list executable in one pass):
 *   a page is never read as a source after it has been written as a
 *   destination, unless it is its own destination.  Equivalently: no
 *   source page is the destination of an EARLIER copy in list order.
 *   Indirection pages are never destinations nor sources.
 * The builder keeps this rule ("copy-safe").  With KX_PL_BUILD_SWAPPABLE it
 * keeps Linux's stronger rule: every source page is its own destination or
 * no destination at all, which is what swap mode needs (see below).
 *
 * Engines and their modes:
 *   KX_PL_COPY    for each source in list order: dest <- src.
 *   KX_PL_SWAP    for each source in list order: exchange src and dest
 *                 (Linux's swap_pages order: swap <- src; src <- dest;
 *                 dest <- swap; the assembly exchanges through registers,
 *                 64 bytes at a time, with the same result).  On a list
 *                 built with KX_PL_BUILD_SWAPPABLE the exchanges touch
 *                 disjoint page pairs (own-destination pairs exchange a
 *                 page with itself), so they commute and each is its own
 *                 inverse: running the same list again, in the same
 *                 order, restores every byte.  On a merely copy-safe list
 *                 a source may be a later destination; the exchanges then
 *                 chain into rotations, and a second pass does not undo
 *                 them (it would need the reverse order).
 *   KX_PL_DIGEST  copy, and feed each destination page, in list order,
 *                 to SHA-256 while it is still in cache: the digest equals
 *                 SHA-256 of the destination pages read afterwards in list
 *                 order.  The block function is called with each part of
 *                 a page right after it is written, so any consumer of
 *                 the copied pages fits: kx_relocate_lanes (kx/lanes.h)
 *                 passes one that computes KX lanes digests per segment.
 *   KX_PL_SWAP_DIGEST  swap as KX_PL_SWAP, and feed each destination page,
 *                 as the exchange leaves it, to the block function at
 *                 once (a whole page per call): the one-pass hand-off of
 *                 a round trip.  Running the list again in KX_PL_SWAP
 *                 undoes it.
 */
#ifndef KX_PAGE_LIST_H
#define KX_PAGE_LIST_H

/* Modes of the engines (kx_pl_run, kx_relocate_pages), usable from .S. */
#define KX_PL_COPY	0
#define KX_PL_SWAP	1
#define KX_PL_DIGEST	2
#define KX_PL_SWAP_DIGEST 3

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/pool.h>
#include <kx/sha256.h>
#include <kx/status.h>

#define KX_PL_ADDR_MASK		(~(uint64_t)(KX_PAGE_SIZE - 1))
/* Bounds the walker applies when the caller leaves them 0. */
#define KX_PL_DEFAULT_MAX_ENTRIES	(1ULL << 26)	/* 256 GiB of pages */
#define KX_PL_DEFAULT_MAX_PAGES		((1ULL << 26) / (KX_IND_ENTRIES_PER_PAGE - 1) + 1)
/* No indirection page holds the head; kx_pl_entry.page says so. */
#define KX_PL_NO_PAGE			(~(uint64_t)0)

/* ------------------------------------------------------------- walker */

/*
 * Makes len bytes at physical address phys readable: *out points at them
 * for the walk's duration.  Anything but KX_OK means unreadable.
 */
typedef enum kx_status (*kx_pl_map_fn)(void *ctx, uint64_t phys, uint32_t len,
				       const void **out);

/* One entry as the walker read it. */
struct kx_pl_entry {
	uint64_t index;		/* entries read before it; the head is 0 */
	uint64_t page;		/* indirection page holding it, or KX_PL_NO_PAGE */
	uint32_t slot;		/* its slot in that page */
	uint32_t kind;		/* IND_DESTINATION, _INDIRECTION, _DONE or _SOURCE */
	uint64_t raw;		/* the entry as stored */
	uint64_t addr;		/* raw & KX_PL_ADDR_MASK */
	uint64_t dest;		/* IND_SOURCE: where the page goes */
};

/* Called for every valid entry, IND_DONE included; non-KX_OK stops. */
typedef enum kx_status (*kx_pl_visit_fn)(void *ctx, const struct kx_pl_entry *e);

struct kx_pl_walk {
	kx_pl_map_fn map;	/* NULL: physical addresses are pointers */
	void *map_ctx;
	kx_pl_visit_fn visit;	/* NULL: validate only */
	void *visit_ctx;
	uint64_t max_entries;	/* 0: KX_PL_DEFAULT_MAX_ENTRIES */
	uint64_t max_pages;	/* 0: KX_PL_DEFAULT_MAX_PAGES */
};

/* Where a walk failed; .at is the offending entry (raw 0 if unread). */
struct kx_pl_fault {
	enum kx_status status;
	/* KX_ERR_LIST_MAP: what the map function returned (the caller's
	 * storage error, beside the list's); KX_OK otherwise. */
	enum kx_status cause;
	struct kx_pl_entry at;
};

/* What a complete walk saw. */
struct kx_pl_stats {
	uint64_t entries;	/* head and DONE included */
	uint64_t pages;		/* indirection pages */
	uint64_t sources;	/* page copies */
	uint64_t destinations;	/* IND_DESTINATION entries */
};

/*
 * Walks the list from head, visiting entries as it validates them: a
 * visitor may see entries of a list that later proves invalid (validate
 * first with visit == NULL when that matters).  stats and fault may be
 * NULL.
 */
enum kx_status kx_pl_walk(const struct kx_pl_walk *w, uint64_t head,
			  struct kx_pl_stats *stats, struct kx_pl_fault *fault);

/* Consecutive copies: source and destination pages both consecutive. */
struct kx_pl_run {
	uint64_t dest;
	uint64_t src;
	uint64_t pages;
};

/* Called once per run, in list order; non-KX_OK stops the walk. */
typedef enum kx_status (*kx_pl_run_fn)(void *ctx, const struct kx_pl_run *run);

/*
 * Walks the list as kx_pl_walk does (w's map and bounds; its visitor is
 * not used; w may be NULL) and hands each run of IND_SOURCE entries to fn:
 * the one run-coalescing walker every printer and map builder uses.  Within
 * a run dest - src is constant, so a run is either all pages that are
 * their own destination or none.  Like kx_pl_walk, fn may see runs of a
 * list that later proves invalid: validate first when that matters.
 */
enum kx_status kx_pl_runs(const struct kx_pl_walk *w, uint64_t head,
			  kx_pl_run_fn fn, void *ctx,
			  struct kx_pl_stats *stats, struct kx_pl_fault *fault);

/*
 * The C reference engine: validates the whole list (limits from w, its map
 * and visitor unused; w may be NULL), then runs it in mode on identity-
 * mapped memory.  KX_PL_SWAP needs a page-sized swap_page outside the
 * list; KX_PL_DIGEST feeds sha, which must be at a block boundary;
 * KX_PL_SWAP_DIGEST needs both.  Writes nothing when the list is invalid.
 */
enum kx_status kx_pl_run(const struct kx_pl_walk *w, uint64_t head, int mode,
			 void *swap_page, struct kx_sha256 *sha,
			 struct kx_pl_fault *fault);

/* ------------------------------------------------------------ builder */

/* One segment: memsz bytes at physical dest, the first bufsz from buf. */
struct kx_pl_segment {
	const void *buf;	/* loader's copy, loader-virtual */
	uint64_t bufsz;		/* <= memsz; the rest is zero-filled */
	uint64_t dest;		/* physical, page aligned */
	uint64_t memsz;		/* page multiple */
};

/* Physical [start, end), end exclusive. */
struct kx_pl_range {
	uint64_t start;
	uint64_t end;
};

/* Loader-virtual to physical as the engine sees it (Xen: machine). */
typedef enum kx_status (*kx_pl_xlate_fn)(void *ctx, const void *virt,
					 uint64_t *phys);

/* Builder flags. */
#define KX_PL_BUILD_SWAPPABLE	0x1	/* Linux's strong rule, for swap mode */
#define KX_PL_BUILD_COPY_ALL	0x2	/* never use buffers in place */

#define KX_PL_MAX_SEGMENTS	256

struct kx_pl_builder {
	/* in */
	/* Indirection and relocated pages (include/kx/pool.h): *page in the
	 * loader's address space, *phys as the engine sees it; distinct,
	 * none of the segments' buffers.  Non-KX_OK: exhausted. */
	kx_page_alloc_fn alloc;
	void *alloc_ctx;
	kx_pl_xlate_fn xlate;	/* NULL: identity */
	void *xlate_ctx;
	const struct kx_pl_range *allowed;	/* destinations lie in one */
	unsigned nallowed;			/* 0: anywhere */
	const struct kx_pl_range *reserved;	/* never destinations */
	unsigned nreserved;
	uint32_t flags;
	uint64_t max_pool_pages;	/* 0: what an honest pool can need */
	/* out */
	uint64_t head;		/* IND_DONE unless the build succeeded */
	unsigned bad_segment;	/* segment a refusal is about */
	uint64_t pool_pages;	/* taken from the pool (used or not) */
	uint64_t ind_pages;	/* of which indirection pages */
	uint64_t relocated;	/* of which copies of buffer pages */
	uint64_t discarded;	/* of which unusable (destinations) */
	uint64_t copies;	/* IND_SOURCE entries */
};

/*
 * Builds a list copying segs[0..nsegs) in order.  Buffers are used in
 * place when their page is page aligned, whole, and where the rule allows;
 * other pages are copied now into pool pages (the loader must then keep
 * in-place buffers intact until the list runs).  Refuses misaligned
 * destinations (KX_ERR_ALIGN), destinations outside b->allowed
 * (KX_ERR_RANGE), overlapping each other or b->reserved (KX_ERR_OVERLAP),
 * and an exhausted pool (KX_ERR_NO_MEMORY).  On any failure b->head is
 * IND_DONE and the first indirection page, if any, starts with IND_DONE:
 * nothing half-built can run.
 */
enum kx_status kx_pl_build(struct kx_pl_builder *b,
			   const struct kx_pl_segment *segs, unsigned nsegs);

/* --------------------------------------------------- assembly engines */

/*
 * trampoline/relocate_<arch>.S: walks the list from head, identity mapped,
 * in mode (KX_PL_COPY, _SWAP, _DIGEST, _SWAP_DIGEST); returns the pages it copied or
 * swapped.  Trusts the list (validate with kx_pl_walk first): entries are
 * decoded as Linux does.  Uses SIMD registers (x86_64: SSE2, aarch64:
 * FP/SIMD), no privileged instruction, and in COPY and SWAP modes only
 * caller-saved registers and no stack.  DIGEST calls blocks(state, p, n)
 * on each part of a destination page right after copying it (x86_64: 1 KiB
 * at a time, aarch64: the whole page), in order, so needs a stack; the
 * caller accounts the bytes (kx_relocate_digest does).  SWAP_DIGEST calls
 * it on each whole destination page right after the exchange.
 */
uint64_t kx_relocate_pages(uint64_t head, uint64_t mode, uint32_t state[8],
			   kx_sha256_blocks_fn blocks);
/* Its type: a copy of it in a trampoline's control page, passed to a hook
 * (include/kx/purgatory.h, KX_SYM_COPY_HASH). */
typedef uint64_t (*kx_relocate_fn)(uint64_t head, uint64_t mode, uint32_t state[8],
				   kx_sha256_blocks_fn blocks);

/* Digest mode on a streaming context (at a block boundary). */
static inline uint64_t kx_relocate_digest(uint64_t head, struct kx_sha256 *c)
{
	uint64_t pages = kx_relocate_pages(head, KX_PL_DIGEST, c->state,
					   c->blocks);

	c->bytes += pages * KX_PAGE_SIZE;
	return pages;
}

#endif /* __ASSEMBLER__ */
#endif
