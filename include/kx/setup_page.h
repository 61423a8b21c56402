/* SPDX-License-Identifier: MIT */
/*
 * Setup page writer and reader (ABI in kexec_abi.h, spec in docs/abi.md).
 * Freestanding: no allocation, every read bounded by the sizes the caller
 * or the validated header gives.
 */
#ifndef KX_SETUP_PAGE_H
#define KX_SETUP_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/pool.h>
#include <kx/status.h>

/* Where a reader found a fault: status, page of the chain, byte offset. */
struct kx_setup_fault {
	enum kx_status status;
	/* KX_ERR_CHAIN_MAP: what the map function returned (the caller's
	 * storage error, beside the format error); KX_OK otherwise. */
	enum kx_status cause;
	uint32_t page;		/* index in the chain, 0 = head */
	uint64_t phys;		/* physical address of that page */
	uint32_t offset;	/* byte offset of the faulty field within it */
};

/* ------------------------------------------------------------- writer */

/*
 * Asked for a continuation page when the current one is full.  Returns
 * KX_OK with a writable buffer of *size bytes (>= KX_SETUP_MIN_PAGE) whose
 * physical address, as the reader will see it, is *phys.
 */
typedef enum kx_status (*kx_setup_more_fn)(void *ctx, void **buf,
					   uint32_t *size, uint64_t *phys);

struct kx_setup_writer {
	uint8_t *page;		/* page being filled */
	uint32_t page_size;
	uint32_t used;		/* header + records so far, END not included */
	uint32_t sequence;
	uint32_t flags;
	kx_setup_more_fn more;	/* NULL: one page only */
	void *more_ctx;
};

/* Starts a chain in buf (size bytes, 8-aligned, >= KX_SETUP_MIN_PAGE). */
enum kx_status kx_setup_init(struct kx_setup_writer *w, void *buf,
			     uint32_t size, uint32_t flags);
void kx_setup_set_more(struct kx_setup_writer *w, kx_setup_more_fn more,
		       void *ctx);
/*
 * Each add is all or nothing: on failure the writer is as it was before
 * the call and can still be finished (continuation pages it obtained stay
 * unused).  Every record written is checked as the reader checks it: an
 * add the reader would refuse (a known type with the wrong size or entry
 * size, a command line with a NUL inside, a reserved field set) fails
 * with the reader's status.
 */
enum kx_status kx_setup_add(struct kx_setup_writer *w, uint32_t type,
			    const void *payload, uint32_t len);
/* A table record, split over several pages when it does not fit in one. */
enum kx_status kx_setup_add_table(struct kx_setup_writer *w, uint32_t type,
				  const void *entries, uint32_t count,
				  uint32_t entry_size);
enum kx_status kx_setup_add_cmdline(struct kx_setup_writer *w, const char *s);
/*
 * Dense backup map; split into records of whole 64-page words as needed.
 * Refuses bits past `pages` (KX_ERR_INVAL), more words than a chain of the
 * largest pages holds, and ranges past 2^64 (KX_ERR_RANGE).
 */
enum kx_status kx_setup_add_backup_bitmap(struct kx_setup_writer *w,
					  uint64_t orig_base,
					  uint64_t store_base,
					  const uint64_t *bits, uint64_t pages);
/* Closes the current page (END, size, checksum); the chain is then valid. */
enum kx_status kx_setup_finish(struct kx_setup_writer *w);

/* --------------------------------------------------- the one writer */

/*
 * What a setup page says, as every writer of one (kxboot, a round trip's
 * loader, purgatory) describes it.  Records are written in this order,
 * each only when its condition holds:
 *   SEGM  always (segs[0..nsegs), flags and digests as given)
 *   BKEX  when nbackup, or always with KX_SETUP_F_SWAP (a round trip says
 *         where displaced pages are, even when none are)
 *   JMPB  when jump_back: {jump_back, jump_context}
 *   ELFH  when elfcore: {elfcore, elfcore_size}
 *   MMAP  when nmemmap
 *   CMDL  when cmdline is not NULL
 * KX_ERR_INVAL for a count without its array, and for KX_SETUP_F_SWAP
 * without a segment or a jump_back.  No count is capped here: tables
 * split over as many pages as the allocator gives (KX_ERR_NO_MEMORY, or
 * its own status, when it runs out; KX_ERR_CHAIN_LENGTH past the chain's
 * bound).
 */
struct kx_setup_content {
	uint32_t flags;				/* KX_SETUP_F_* */
	const struct kx_segment *segs;
	unsigned nsegs;
	/* ABI 1.1: segments with a KX lanes digest (LANE), after SEGM */
	const struct kx_segment_lanes *lanes;
	unsigned nlanes;
	const struct kx_backup_extent *backup;
	unsigned nbackup;
	const struct kx_mem_range *memmap;
	unsigned nmemmap;
	uint64_t elfcore, elfcore_size;		/* physical; 0: no ELFH */
	uint64_t jump_back, jump_context;	/* physical; 0: no JMPB */
	const char *cmdline;			/* NULL: no CMDL */
	/* ABI 1.1: what the loader measured into the TPM (none: no MEAS) */
	const struct kx_measurement *measured;
	unsigned nmeasured;
	/* Records the caller streams itself after these, through the writer
	 * (a backup map walked from a list too long to hold in memory);
	 * NULL: none.  With KX_SETUP_F_SWAP and no backup extents, the
	 * empty BKEX a round trip needs is left to it. */
	enum kx_status (*more)(void *ctx, struct kx_setup_writer *w);
	void *more_ctx;
};

/*
 * Writes c as a chain of KX_POOL_PAGE_SIZE pages taken from alloc/ctx
 * (include/kx/pool.h), the head first: *head_phys is its physical
 * address.  Fits a freestanding caller: no allocation of its own, a few
 * hundred bytes of stack, and a static pool is enough:
 *	static uint8_t area[3][4096] __attribute__((aligned(4096)));
 *	struct kx_page_pool pool = { area, (uintptr_t)area, 3, 0 };
 *	st = kx_setup_write(&content, kx_page_pool_alloc, &pool, &head);
 * On failure the head's header is zeroed (nothing half-written reads as a
 * setup page), *head_phys is untouched, and the pages taken stay taken.
 */
enum kx_status kx_setup_write(const struct kx_setup_content *c,
			      kx_page_alloc_fn alloc, void *ctx,
			      uint64_t *head_phys);

/* The name of a KX_SEG_* kind ("kernel", ...; "unknown" past the known
 * ones): the one table every printer uses. */
const char *kx_segment_kind(uint32_t kind);

/* ------------------------------------------------------------- reader */

/*
 * Makes len bytes at physical address phys readable: *out points at them
 * and stays valid for the reader's life.  Any other status than KX_OK
 * means the range cannot be read.
 */
typedef enum kx_status (*kx_setup_map_fn)(void *ctx, uint64_t phys,
					  uint32_t len, const void **out);

/* What a single, validated page says about itself. */
struct kx_setup_page_info {
	const struct kx_setup_header *hdr;
	uint32_t records;	/* records before END */
};

/*
 * Validates one page held in buf (avail bytes readable): header, checksum,
 * every record within bounds and of a sane size for its type, END last.
 */
enum kx_status kx_setup_check_page(const void *buf, size_t avail,
				   struct kx_setup_page_info *info,
				   struct kx_setup_fault *fault);

/* One record as the iterator yields it. */
struct kx_setup_rec {
	uint32_t type;
	uint32_t size;		/* record size, header included */
	const uint8_t *payload;	/* size - 8 bytes */
	uint32_t payload_size;
	uint32_t page;		/* chain index */
	uint32_t offset;	/* offset of the record within its page */
	uint64_t phys;		/* physical address of the record */
};

struct kx_setup_reader {
	kx_setup_map_fn map;
	void *ctx;
	uint64_t head_phys;
	const uint8_t *page;	/* current page, validated */
	uint64_t page_phys;
	uint32_t page_index;
	uint32_t offset;	/* next record */
	uint32_t total_size;
	uint32_t flags;
	uint16_t minor;
	uint64_t visited[KX_SETUP_MAX_CHAIN];
	int done;
};

/*
 * Validates the whole chain from head_phys, then rewinds so that
 * kx_setup_next() yields records from the head.  Nothing is yielded from a
 * chain that fails anywhere.
 */
enum kx_status kx_setup_open(struct kx_setup_reader *r, uint64_t head_phys,
			     kx_setup_map_fn map, void *ctx,
			     struct kx_setup_fault *fault);
/*
 * Next record (END records are not yielded).  KX_ERR_NOT_FOUND when the
 * chain is exhausted; any other error is a fault found on the way (the
 * memory may have changed since kx_setup_open) and ends the iteration.
 */
enum kx_status kx_setup_next(struct kx_setup_reader *r,
			     struct kx_setup_rec *rec,
			     struct kx_setup_fault *fault);
void kx_setup_rewind(struct kx_setup_reader *r);
/* Head-page flags and the writer's minor version, after a successful open. */
uint32_t kx_setup_flags(const struct kx_setup_reader *r);
uint16_t kx_setup_minor(const struct kx_setup_reader *r);

/* Views of a validated record's payload. */
struct kx_setup_table_view {
	uint32_t count;
	uint32_t entry_size;
	const uint8_t *entries;
};
enum kx_status kx_setup_table(const struct kx_setup_rec *rec,
			      struct kx_setup_table_view *view);

/*
 * Recomputes the checksum of every page of a chain that kx_setup_open()
 * validated, after fields were changed in place (purgatory marking
 * segments verified).  Uses the reader's map; KX_OK or the map's fault.
 */
enum kx_status kx_setup_reseal(struct kx_setup_reader *r);

/*
 * Finds "kx_setup=0x<hex>" in a command line, bounded by len (and a NUL):
 * a token starts a word (words are separated by spaces, tabs or
 * newlines); the last well-formed one counts.  Without one, the first
 * malformed one's error (KX_ERR_FORMAT, KX_ERR_RANGE past 16 digits), or
 * KX_ERR_NOT_FOUND.
 */
enum kx_status kx_setup_find_token(const char *cmdline, size_t len,
				   uint64_t *phys);

/* CRC-32 (IEEE 802.3, as zlib), the setup page's checksum. */
uint32_t kx_crc32(uint32_t crc, const void *buf, size_t len);

#endif
