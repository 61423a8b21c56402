/* SPDX-License-Identifier: MIT */
/*
 * The hibernation image (docs/abi.md section 6, docs/hibernate.md): kernel
 * A's memory as it lay at the moment of a kexec jump, written by kxpeer in
 * kernel B, read by the restore loader.  A file (or a persistent store) of
 *
 *   header (160 bytes) | memory map | extent table | kernel identity |
 *   padding to a page | page data, extent after extent
 *
 * all little endian.  Extents are runs of pages restored to their physical
 * address, each with the SHA-256 of its bytes; a ZERO extent has no data
 * (its pages are restored as zeros).  The header's meta_sha256 covers
 * everything before the page data (itself taken as zeros), so a reader
 * trusts the tables before reading a page.
 *
 * Version 1.0.  Rules as for the setup page: a reader accepts any minor of
 * its major, fields never change meaning within a major, reserved fields
 * are zero.
 */
#ifndef KX_HIBIMAGE_H
#define KX_HIBIMAGE_H

#include <stdint.h>
#include <kexec_abi.h>
#include <kx/status.h>

#define KX_HIB_MAGIC "KXHIBER\0"
#define KX_HIB_MAJOR 1
#define KX_HIB_MINOR 0
#define KX_HIB_HEADER_SIZE 160
#define KX_HIB_EXTENT_SIZE 64

/* Header flags. */
#define KX_HIB_F_PHYSICAL 0x1	/* pages as they lay, displaced ones where the
				 * swap put them: the jump-back entry's own
				 * swap puts them right (v1.0: always set) */
#define KX_HIB_F_KNOWN KX_HIB_F_PHYSICAL

/* Extent flags. */
#define KX_HIB_X_ZERO 0x1	/* no data: the pages are zeros */
#define KX_HIB_X_KNOWN KX_HIB_X_ZERO

/* Bounds a reader applies (and the writer keeps). */
#define KX_HIB_MAX_MMAP 1024
#define KX_HIB_MAX_EXTENTS (1u << 20)
#define KX_HIB_MAX_KERNEL_ID 4096

struct kx_hib_header {
	uint8_t magic[8];	/* 0x00 "KXHIBER\0" */
	uint16_t major;		/* 0x08 */
	uint16_t minor;		/* 0x0a */
	uint32_t header_size;	/* 0x0c >= 160, 8-aligned */
	uint64_t total_size;	/* 0x10 bytes of the whole image */
	uint32_t flags;		/* 0x18 KX_HIB_F_* */
	uint32_t page_size;	/* 0x1c 4096 */
	uint64_t jump_back;	/* 0x20 A's jump-back entry (JMPB) */
	uint64_t list_head;	/* 0x28 A's page list (JMPB context) */
	uint64_t control_page;	/* 0x30 the page of jump_back */
	uint64_t ram_bytes;	/* 0x38 RAM in the memory map */
	uint32_t nmmap;		/* 0x40 memory map entries */
	uint32_t nextents;	/* 0x44 extent table entries */
	uint32_t kernel_id_size; /* 0x48 bytes of the kernel identity */
	uint32_t reserved0;	/* 0x4c zero */
	uint64_t data_off;	/* 0x50 first page of data, page aligned */
	uint64_t data_pages;	/* 0x58 pages of data (non-ZERO extents) */
	uint8_t meta_sha256[32]; /* 0x60 SHA-256 of [0, data_off), this field 0 */
	uint8_t reserved1[32];	/* 0x80 zero */
};				/* 0xa0 */

struct kx_hib_extent {
	uint64_t phys;		/* 0x00 first page, page aligned */
	uint64_t pages;		/* 0x08 >= 1 */
	uint64_t data_off;	/* 0x10 image offset of its data; 0 for ZERO */
	uint32_t flags;		/* 0x18 KX_HIB_X_* */
	uint32_t reserved;	/* 0x1c zero */
	uint8_t sha256[32];	/* 0x20 of the pages' bytes as restored */
};				/* 0x40 */

_Static_assert(sizeof(struct kx_hib_header) == KX_HIB_HEADER_SIZE, "kx_hib_header");
_Static_assert(sizeof(struct kx_hib_extent) == KX_HIB_EXTENT_SIZE, "kx_hib_extent");
_Static_assert(__builtin_offsetof(struct kx_hib_header, meta_sha256) == 0x60, "meta");
_Static_assert(__builtin_offsetof(struct kx_hib_header, data_off) == 0x50, "data_off");
_Static_assert(__builtin_offsetof(struct kx_hib_extent, sha256) == 0x20, "sha256");

/* Where each table lies for given counts (the layout is fixed). */
uint64_t kx_hib_mmap_off(const struct kx_hib_header *h);
uint64_t kx_hib_extents_off(const struct kx_hib_header *h);
uint64_t kx_hib_kernel_id_off(const struct kx_hib_header *h);
/* data_off for the counts in h: the kernel identity's end, page aligned. */
uint64_t kx_hib_layout_data_off(const struct kx_hib_header *h);

/* What a successful kx_hib_parse found, pointing into the caller's bytes. */
struct kx_hib_view {
	struct kx_hib_header h;
	const struct kx_mem_range *mmap;	/* h.nmmap, maybe unaligned: copy */
	const uint8_t *extents;			/* h.nextents * 64 bytes */
	const char *kernel_id;			/* h.kernel_id_size bytes */
	uint64_t zero_pages;			/* pages of ZERO extents */
	uint64_t fault_off;			/* the field a refusal names */
};

/*
 * Checks the header and tables in meta (the image's first meta_len bytes,
 * at least data_off of them) against an image of image_size bytes: magic,
 * major, sizes, the fixed layout, meta_sha256, every extent inside one RAM
 * range of the memory map, sorted, not overlapping, with data inside the
 * image, one after the other.  Page data is not read: kx_hib_check_extent.
 */
enum kx_status kx_hib_parse(const void *meta, uint64_t meta_len,
			    uint64_t image_size, struct kx_hib_view *v);
/* Extent i of a parsed image (copied out). */
void kx_hib_extent_at(const struct kx_hib_view *v, uint32_t i,
		      struct kx_hib_extent *x);
/* Whether bytes (x->pages pages) are the extent's, by its SHA-256. */
enum kx_status kx_hib_check_extent(const struct kx_hib_extent *x,
				   const void *bytes);
/* SHA-256 of [0, len) with the meta_sha256 field taken as zeros. */
void kx_hib_meta_digest(const void *meta, uint64_t len, uint8_t out[32]);

#endif
