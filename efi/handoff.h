/* SPDX-License-Identifier: MIT */
/*
 * kxboot's hand-off pieces that both architectures share: segments staged
 * and hashed, kx's purgatory relocated where it runs, the page list and
 * its report, the identity map's RAM ranges, the loader's setup page, and
 * leaving the firmware (ExitBootServices with its retry, then a console
 * of our own).  The architecture's loader (x86_64.c, aarch64.c) decides
 * where things go and what the kernel is told.
 */
#ifndef KXBOOT_HANDOFF_H
#define KXBOOT_HANDOFF_H

#include <kexec_abi.h>
#include <kx/elf_rel.h>
#include <kx/idmap.h>
#include <kx/page_list.h>
#include <kx/purgatory.h>
#include "kxboot.h"

/* One segment: staged in buf, copied to dest by the trampoline. */
struct kxb_seg {
	const char *name;
	uint32_t kind;		/* KX_SEG_* */
	uint8_t *buf;		/* staging copy, page aligned */
	uint64_t size;		/* bytes copied and hashed, a page multiple */
	uint64_t dest;		/* where the kernel finds it */
	uint32_t lanes;		/* 0: SHA-256 (SEGM); N: KX lanes digest (LANE) */
	uint8_t digest[KX_SHA256_SIZE];	/* of the kind lanes says */
};

/* N of the KX lanes digest kxboot writes for its large segments. */
#define KXB_LANES 16

/* The segment's digest, of the kind s->lanes says, from its buffer. */
void kxb_hash_segment(struct kxb_seg *s);

/* ------------------------------------------------------------ memory */

/*
 * pages at an address aligned to align, plus offset, in free memory
 * between min and max (the last byte), lowest first.  0 when none.
 */
uint64_t kxb_alloc_low(uint64_t pages, uint64_t align, uint64_t offset,
		       uint64_t min, uint64_t max);

/* ------------------------------------------------------------ files */

/*
 * The initrds of the configuration, one after the other in one segment,
 * each but the last padded to 4 bytes (cpio archives concatenate so).
 * Its destination is taken below max (or below max2 when max has no room
 * and max2 > max) before anything is read, so an initrd that cannot fit is
 * refused at once.  Returns the bytes without padding, 0 for none.
 */
uint64_t kxb_load_initrds(const struct kx_bootconf *conf, struct kxb_seg *s,
			  uint64_t max, uint64_t max2);
/* Where each initrd file of the last kxb_load_initrds lies in its
 * segment's staging: offset and bytes, in the configuration's order. */
extern struct kxb_part { uint64_t off, size; } kxb_initrd_parts[KX_BOOTCONF_INITRD_MAX];

/* ------------------------------------------------------------ purgatory */

struct kxb_purgatory {
	struct kx_elf_rel rel;
	uint64_t phys, size;
};

/* Relocates the embedded purgatory.ro to pages below max it allocates. */
void kxb_purgatory_load(struct kxb_purgatory *p, uint64_t max);
void kxb_purgatory_set(struct kxb_purgatory *p, const char *name,
		       const void *v, uint64_t size);
uint64_t kxb_purgatory_addr(struct kxb_purgatory *p, const char *name);

/*
 * The one-pass hand-off (include/kx/purgatory.h, KX_SYM_COPY_HASH): where
 * the trampoline calls purgatory's hook, and the stack it runs on
 * (purgatory's own, unused until purgatory_start), for mode (KX_PL_DIGEST,
 * KX_PL_SWAP_DIGEST).  Says so in the report, as who ("kxboot").
 */
void kxb_copy_hash(struct kxb_purgatory *p, const char *who, uint64_t mode,
		   uint64_t *hash, uint64_t *stack);

#ifdef KXBOOT_TEST_FORGED
/*
 * Test build (kxboot-forged.efi): no hook runs (the trampoline copies
 * plainly), and purgatory's results say the copy hashed segment s with
 * its expected digest but one page shorter: purgatory must not take them
 * for s, hash s itself and catch the byte the test build flipped.
 */
static inline void kxb_test_forge_result(struct kxb_purgatory *p, const struct kxb_seg *s)
{
	static struct kx_copy_hashed forged;

	forged.count = 1;
	forged.seg[0].dest = s->dest;
	forged.seg[0].size = s->size - KXB_PAGE;
	forged.seg[0].lanes = s->lanes;
	kx_memcpy(forged.seg[0].digest, s->digest, sizeof(forged.seg[0].digest));
	kxb_purgatory_set(p, KX_SYM_COPY_HASHED, &forged, sizeof(forged));
	kxb_say("kxboot-test: no copy hash; forged result for segment %s: 0x%llx +0x%llx kx-lanes/%u with its expected digest\n",
		s->name, (unsigned long long)forged.seg[0].dest,
		(unsigned long long)forged.seg[0].size, s->lanes);
}
#endif

/* efi/purgatory_blob.S: build/<arch>/purgatory.ro */
extern const uint8_t kxb_purgatory_ro[];
extern const uint64_t kxb_purgatory_ro_size;

/* ------------------------------------------------------------ tables */

#define KXB_MAX_RANGES 256

/*
 * Every RAM range of the memory map below limit, merged, for the identity
 * map, and the control page (whatever the firmware calls it) after them.
 * Returns how many.
 */
size_t kxb_ram_ranges(struct kx_idmap_range *r, uint64_t limit,
		      uint64_t control);

/* The page list and the pool its indirection pages come from. */
struct kxb_plist {
	struct kx_page_pool pool;
	struct kx_pl_builder b;
};

/* Builds the list moving each sized segment from buf to dest; nothing it
 * writes may touch keep[0..nkeep). */
void kxb_page_list(struct kxb_plist *pl, const struct kxb_seg *segs,
		   unsigned nseg, const struct kx_pl_range *keep, unsigned nkeep);

/*
 * The control page: copies the trampoline blob [start, end) to control
 * and makes it fetchable (on aarch64 cleaned to the point of coherency,
 * the I-cache invalidated: the prologues run instructions with the MMU
 * off); returns where args_size bytes of arguments go, 64-byte aligned
 * after the blob, with stack bytes left free at the top of the page.
 * Refuses when they do not fit.
 */
void *kxb_control_page(uint8_t *control, const char *start, const char *end,
		       size_t args_size, size_t stack);

/* The same keeping what kxboot puts outside the list: purgatory, the
 * setup page's pages, the control page and the identity map's tables. */
void kxb_page_list_keeping(struct kxb_plist *pl, const struct kxb_seg *segs,
			   unsigned nseg, const struct kxb_purgatory *purg,
			   uint64_t setup, unsigned setup_pages, uint64_t control,
			   const struct kx_page_pool *idmap);

/* "kxboot: segment NAME dest .. size .. sha256|kx-lanes/N .." for each sized one;
 * late: the names of segments hashed after ExitBootServices. */
void kxb_report_segments(const struct kxb_seg *segs, unsigned nseg,
			 unsigned late_index);
/* The list as runs of consecutive pages, then its totals. */
void kxb_report_page_list(const struct kxb_plist *pl);

/* The loader's setup page (kx_setup_write) in the pages at setup: every
 * sized segment, the memory map, the command line, what was measured
 * (none: nmeas 0).  More sized segments than kx takes (KX_PL_MAX_SEGMENTS)
 * are refused, never dropped. */
enum kx_status kxb_write_setup_page(uint8_t *setup, unsigned pages,
				    const struct kxb_seg *segs, unsigned nseg,
				    const struct kx_mem_range *mm, unsigned nmm,
				    const char *cmdline,
				    const struct kx_measurement *meas, unsigned nmeas);

/* ------------------------------------------------------------ leaving */

/*
 * Room for the final memory map, taken while allocating is allowed:
 * *cap bytes at the returned address.  *count: descriptors now.
 */
EFI_MEMORY_DESCRIPTOR *kxb_map_room(UINTN *cap, UINTN *count);

/*
 * GetMemoryMap into map (cap bytes) and ExitBootServices with its key,
 * again while the firmware says the key is stale.  Returns the number of
 * descriptors of the map ExitBootServices accepted; *dsize their size.
 * After this, only kxb_late_* may print and nothing may fail back.
 */
UINTN kxb_exit_boot_services(EFI_MEMORY_DESCRIPTOR *map, UINTN cap,
			     UINTN *dsize);

void kxb_late_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void kxb_late_halt(const char *why, enum kx_status st);

/* The architecture's console and halt once the firmware is gone. */
void kxb_arch_late_putc(void *ctx, char c);
void kxb_arch_interrupts_off(void);
__attribute__((noreturn)) void kxb_arch_halt(void);

#endif
