/* SPDX-License-Identifier: MIT */
/*
 * Console messages shared by the purgatory images of both architectures,
 * written through the architecture's port (port.h).
 */
#ifndef KX_PURGATORY_REPORT_H
#define KX_PURGATORY_REPORT_H

#include <stdint.h>
#include <kexec_abi.h>
#include <kx/idmap.h>
#include <kx/setup_page.h>
#include <kx/verify.h>
#include <kx/status.h>
#include "port.h"


void kx_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "kx:   <label> <64 hex digits>" */
void kx_say_digest(const char *label, const uint8_t d[KX_SHA256_SIZE]);
/* Says why, says that the next kernel is not entered, and halts. */
void kx_refuse(const char *why) __attribute__((noreturn));
/*
 * The same in a round trip (kx_handoff.jump_back != 0): says why and jumps
 * back to the caller with st and KX_JUMP_FROM_PURGATORY (docs/abi.md 2.4)
 * instead of halting.
 */
void kx_refuse_st(const char *why, enum kx_status st) __attribute__((noreturn));

/*
 * ---- main.c: what purgatory verified.  The next image is entered only
 * inside it, and after verification nothing writes into it but the edits
 * the ABI allows (docs/abi.md, "After verification").
 */
/* A range just verified; refuses (KX_ERR_NO_SPACE) when there are more
 * than KX_VERIFIED_MAX, KX_ERR_RANGE when it runs past the address space. */
#define KX_VERIFIED_MAX 64
void kx_verified_add(uint64_t start, uint64_t size);
/* Whether addr lies inside a verified range. */
int kx_verified_contains(uint64_t addr);
/* Whether [start, start + size) meets a verified range; wrapping ranges
 * meet everything. */
int kx_verified_overlaps(uint64_t start, uint64_t size);

/* ---- loader_page.c: the setup page a kx loader wrote (kx_setup_page) */
/* The map of a purgatory that sees memory at its physical addresses. */
enum kx_status kx_identity_map(void *ctx, uint64_t phys, uint32_t len,
			       const void **out);
/* Opens the chain at page, or refuses (halts) naming the fault. */
void kx_open_loader_page(struct kx_setup_reader *r, uint64_t page,
			 kx_setup_map_fn map, void *ctx);
/*
 * Verifies every segment the page lists where it now lies, each reported
 * on the console; marks them verified and reseals the page, or refuses
 * (halts) at a mismatch.  segments, bytes: what was checked.
 */
struct kx_loader_verified {
	unsigned segments;	/* checked */
	uint64_t bytes;		/* in them */
	uint64_t hashed;	/* of which hashed by purgatory */
	unsigned compared;	/* segments compared with the copy's digests */
};
void kx_verify_loader_page(uint64_t page, struct kx_loader_verified *out);

/* ---- copy_hash.c: the one-pass hand-off (include/kx/purgatory.h) */
#include <kx/page_list.h>
#include <kx/purgatory.h>
/* What the trampoline's copy hashed; cleared by kx_verify_loader_page
 * once read, so that nothing survives into a later hand-off. */
extern struct kx_copy_hashed kx_copy_hashed;
/* mode: KX_PL_SWAP_DIGEST for a round trip, anything else DIGEST. */
uint64_t kx_copy_hash(uint64_t head, kx_relocate_fn engine, uint64_t mode);
/*
 * ---- loader_page.c: what purgatory touches while it verifies, for an
 * identity map (aarch64: MMU and caches on).  Sized for the most a valid
 * hand-off names: a chain of KX_SETUP_MAX_CHAIN pages, KX_VERIFIED_MAX
 * segments (more are refused when verified), an ELF core header,
 * kexec-tools' regions, the image, the DTB and the console.  Ranges of
 * one attribute that overlap or touch are merged.
 */
#define KX_MAP_RANGES_MAX (KX_SETUP_MAX_CHAIN + KX_VERIFIED_MAX + 1 + \
			   KX_VERIFY_MAX_REGIONS + 3)
struct kx_map_ranges {
	struct kx_idmap_range r[KX_MAP_RANGES_MAX];
	size_t n;
};
/* Adds [start, start + len) widened to whole pages (len 0: nothing);
 * KX_ERR_RANGE if it wraps, KX_ERR_NO_SPACE when the set is full. */
enum kx_status kx_map_add(struct kx_map_ranges *rs, uint64_t start, uint64_t len,
			  uint32_t attr);
/*
 * The loader's page at page: its chain as the reader maps it, each
 * segment it lists, a round trip's ELF core header (to the end of its
 * page) and way back (into h).  Refuses (halts) a page that does not
 * validate or names more than the set holds.
 */
void kx_map_loader_page(struct kx_map_ranges *rs, struct kx_handoff *h, uint64_t page);
/*
 * Adds kexec-tools' regions, the image [image, image_end), the DTB (dtb
 * bytes at dtb_addr, 0: none) and the console page (device memory, 0:
 * none).  NULL, or why not (the caller then maps nothing).
 */
const char *kx_map_purgatory(struct kx_map_ranges *rs, uint64_t image,
			     uint64_t image_end, uint64_t dtb_addr, uint64_t dtb,
			     uint64_t console);

/* A round trip's ELF core header fixed up with its backup map (docs/abi.md
 * 2.4); nothing without KX_SETUP_F_SWAP and an ELFH record. */
#define KX_LOADER_MAX_EXTENTS 256
void kx_fixup_loader_core(uint64_t page);

#endif
