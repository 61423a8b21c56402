/* SPDX-License-Identifier: MIT */
/*
 * kx hand-off ABI, version 1.1: the page-list entry format and the setup
 * page that carries what was moved from one kernel (or loader) to the next.
 *
 * This header is the contract between separately built programs.  It is
 * normative together with docs/abi.md; the rules for changing it are at the
 * end of this file and in docs/abi.md ("Versioning").
 *
 * All multi-byte fields are little-endian.  All fields are fixed width; no
 * pointers, size_t or long.  Every size and offset is pinned by a static
 * assertion below.  Constants are usable from assembly (.S) files; the
 * structures are hidden from the assembler.
 */
#ifndef KEXEC_ABI_H
#define KEXEC_ABI_H

/* ---------------------------------------------------------------------
 * Page list (Linux-compatible).  Each entry is a 64-bit little-endian word:
 * a page-aligned physical address in the high bits and one flag in the low
 * bits.  Linux's values, so lists built by Linux or by kx can be walked by
 * either engine.
 */
#define IND_DESTINATION		0x1	/* following sources go here onward */
#define IND_INDIRECTION		0x2	/* continue reading entries at address */
#define IND_DONE		0x4	/* end of the list */
#define IND_SOURCE		0x8	/* copy this page to the destination */
#define KX_IND_FLAGS		0xfULL
#define KX_PAGE_SHIFT		12
#define KX_PAGE_SIZE		4096
/* Entries in one indirection page; the last one must chain or end. */
#define KX_IND_ENTRIES_PER_PAGE	(KX_PAGE_SIZE / 8)

/* ---------------------------------------------------------------------
 * Setup page identity.
 *
 * Magic: the bytes "KXSP" at offset 0 (read as a little-endian u32,
 * 0x5053584b), readable in a hex dump of physical memory.
 */
#define KX_SETUP_MAGIC		0x5053584bU
#define KX_ABI_MAJOR		1
#define KX_ABI_MINOR		1	/* 1.1: KX_REC_MEASURED, KX_REC_LANES, KX_MEM_A_* */
#define KX_SETUP_HEADER_SIZE	64	/* v1.0 header; later minors may grow it */
#define KX_SETUP_ALIGN		8	/* records start on this boundary */
#define KX_SETUP_MIN_PAGE	256	/* smallest buffer a writer accepts */
#define KX_SETUP_MAX_PAGE	65536	/* largest page_size a reader accepts */
#define KX_SETUP_MAX_CHAIN	64	/* pages in one chain, head included */

/* Command-line token by which the next kernel finds the head page. */
#define KX_SETUP_CMDLINE_TOKEN	"kx_setup="

/* Header flags (kx_setup_header.flags).  Unknown flags are ignored. */
#define KX_SETUP_F_CRASH	0x1	/* written for a crash (kdump) kernel */
#define KX_SETUP_F_SWAP		0x2	/* pages were swapped: a jump back is possible */

/*
 * Record types: four ASCII characters, first character in the lowest byte,
 * so a hex dump shows the name.  Build one with KX_FOURCC('S','E','G','M').
 */
#define KX_FOURCC(a, b, c, d) \
	((a) | ((b) << 8) | ((c) << 16) | ((d) << 24))
#define KX_REC_END	KX_FOURCC('E', 'N', 'D', '.')	/* last record of a page */
#define KX_REC_SEGMENTS	KX_FOURCC('S', 'E', 'G', 'M')	/* loaded segments + digests */
#define KX_REC_BACKUP	KX_FOURCC('B', 'K', 'E', 'X')	/* backup map, extent form */
#define KX_REC_BACKUP_BITMAP KX_FOURCC('B', 'K', 'B', 'M') /* backup map, bitmap form */
#define KX_REC_JUMP_BACK KX_FOURCC('J', 'M', 'P', 'B')	/* jump-back entry */
#define KX_REC_ELFCORE	KX_FOURCC('E', 'L', 'F', 'H')	/* ELF core header location */
#define KX_REC_CMDLINE	KX_FOURCC('C', 'M', 'D', 'L')	/* command line, NUL-terminated */
#define KX_REC_MEMMAP	KX_FOURCC('M', 'M', 'A', 'P')	/* memory map of the old kernel */
/* 1.1 */
#define KX_REC_MEASURED	KX_FOURCC('M', 'E', 'A', 'S')	/* what the loader measured (TPM) */
/* 1.1: segments with a KX lanes digest instead of one SHA-256 chain. */
#define KX_REC_LANES	KX_FOURCC('L', 'A', 'N', 'E')

/*
 * KX lanes digest (docs/abi.md, 2.6): lane i of N hashes the segment's
 * KX_LANES_PAGE-byte pages i, i + N, ... (the last one may be partial);
 * the digest is SHA-256 over the N lane digests in lane order.
 */
#define KX_LANES_PAGE		4096
#define KX_LANES_MIN		1
#define KX_LANES_MAX		64

/*
 * Jump back (docs/abi.md, "Calling physical-mode code").  A called image
 * returns by jumping to kx_jump_back.entry (also its first stack word and,
 * for non-Linux images, %rsi at entry) with %rax = its result and %rdx =
 * KX_JUMP_FROM_IMAGE.  Purgatory that refuses to enter the image (a digest
 * mismatch) returns there instead with %rax = a kx_status and %rdx =
 * KX_JUMP_FROM_PURGATORY ("KXPR"): the caller gets its memory back either way.
 */
#define KX_JUMP_FROM_IMAGE	0
#define KX_JUMP_FROM_PURGATORY	0x5250584bU

/* Segment kinds (kx_segment.kind). */
#define KX_SEG_OTHER		0
#define KX_SEG_KERNEL		1
#define KX_SEG_INITRD		2
#define KX_SEG_CMDLINE		3
#define KX_SEG_DTB		4
#define KX_SEG_PURGATORY	5
#define KX_SEG_BOOT_PARAMS	6
#define KX_SEG_ELFCORE		7

/* Segment flags (kx_segment.flags). */
#define KX_SEG_F_VERIFIED	0x1	/* digest was checked before the jump */

/* Measurement flags (kx_measurement.flags), 1.1. */
#define KX_MEAS_F_EXTENDED	0x1	/* the TPM extended pcr and logged the event */
#define KX_MEAS_F_VERIFIED	0x2	/* verified under UEFI Secure Boot first */
#define KX_MEAS_F_SHIM		0x4	/* ... by shim's SHIM_LOCK (else the firmware) */
#define KX_MEAS_PCR_NONE	0xffffffffU	/* pcr when no TPM took it */

/* Memory-map entry types (kx_mem_range.type); the values of e820. */
#define KX_MEM_RAM		1
#define KX_MEM_RESERVED		2
#define KX_MEM_ACPI		3
#define KX_MEM_NVS		4
#define KX_MEM_UNUSABLE		5
#define KX_MEM_PERSISTENT	7

/*
 * Memory-map entry attributes (kx_mem_range.attr), 1.1: what a UEFI
 * memory map called the range, beside the e820 type the next kernel
 * treats it as.  0 says nothing (all that 1.0 allows).  With KX_MEM_A_EFI
 * set, the low 16 bits hold the EFI_MEMORY_TYPE (KX_MEM_EFI_OTHER for a
 * type above 0xfffe: an OEM or OS type) and the two flags below the
 * descriptor's attributes; every other bit is zero.
 */
#define KX_MEM_A_EFI		0x80000000U	/* from a UEFI memory map */
#define KX_MEM_A_EFI_TYPE	0x0000ffffU	/* its EFI_MEMORY_TYPE */
#define KX_MEM_A_EFI_WB		0x00010000U	/* EFI_MEMORY_WB: write-back cacheable */
#define KX_MEM_A_EFI_RUNTIME	0x00020000U	/* EFI_MEMORY_RUNTIME */
#define KX_MEM_A_DEFINED	(KX_MEM_A_EFI | KX_MEM_A_EFI_TYPE | \
				 KX_MEM_A_EFI_WB | KX_MEM_A_EFI_RUNTIME)
#define KX_MEM_EFI_OTHER	0xffffU

#define KX_SHA256_SIZE		32

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * Header at offset 0 of every page of the chain (64 bytes in v1.0).
 * Records follow at offset header_size.
 */
struct kx_setup_header {
	uint32_t magic;		/* 0x00 KX_SETUP_MAGIC */
	uint16_t version_major;	/* 0x04 KX_ABI_MAJOR; a different one is refused */
	uint16_t version_minor;	/* 0x06 writer's minor */
	uint32_t header_size;	/* 0x08 bytes of header; records start here */
	uint32_t total_size;	/* 0x0c header + records, END included */
	uint32_t page_size;	/* 0x10 bytes the writer reserved for this page */
	uint32_t flags;		/* 0x14 KX_SETUP_F_* (same in every page) */
	uint32_t checksum;	/* 0x18 CRC-32 of total_size bytes, this field as 0 */
	uint32_t sequence;	/* 0x1c 0 for the head, +1 for each continuation */
	uint64_t next_page;	/* 0x20 physical address of the next page, 0 = last */
	uint64_t reserved[3];	/* 0x28 zero */
};				/* 0x40 */

/*
 * Every record starts with this.  size counts the 8-byte header and the
 * payload but not the padding after it; the next record starts at the next
 * multiple of 8.
 */
struct kx_record {
	uint32_t type;		/* 0x00 KX_REC_* */
	uint32_t size;		/* 0x04 header + payload, >= 8 */
};				/* 0x08 */

/*
 * Records holding a table (segments, backup extents, memory map) start with
 * this.  entry_size is the stride: a later minor may append fields to an
 * entry, and a reader uses the fields it knows.
 */
struct kx_table {
	struct kx_record rec;	/* 0x00 */
	uint32_t count;		/* 0x08 entries that follow */
	uint32_t entry_size;	/* 0x0c bytes per entry, multiple of 8 */
};				/* 0x10, entries follow */

/* KX_REC_SEGMENTS entry: one loaded segment. */
struct kx_segment {
	uint64_t dest;		/* 0x00 physical destination */
	uint64_t size;		/* 0x08 bytes hashed, from dest */
	uint8_t sha256[KX_SHA256_SIZE];	/* 0x10 digest of those bytes */
	uint32_t kind;		/* 0x30 KX_SEG_* */
	uint32_t flags;		/* 0x34 KX_SEG_F_* */
};				/* 0x38 */

/*
 * KX_REC_BACKUP entry: pages displaced by the hand-off.  The content that
 * lived at [orig, orig + pages * 4 KiB) now lives at [current, ...).
 */
struct kx_backup_extent {
	uint64_t orig;		/* 0x00 physical address the content belongs at */
	uint64_t current;	/* 0x08 physical address it is kept at now */
	uint64_t pages;		/* 0x10 4 KiB pages */
};				/* 0x18 */

/*
 * KX_REC_BACKUP_BITMAP: dense form of the same map.  Bit i (bit i % 64 of
 * bits[i / 64]) set means page orig_base + i * 4 KiB was displaced; the
 * displaced pages are kept in ascending order in consecutive pages from
 * store_base (the n-th set bit's content is at store_base + n * 4 KiB).
 * One bit per page is 128 KiB of bitmap per 4 GiB.
 */
struct kx_backup_bitmap {
	struct kx_record rec;	/* 0x00 */
	uint64_t orig_base;	/* 0x08 physical address of bit 0's page */
	uint64_t store_base;	/* 0x10 where the displaced pages are kept */
	uint64_t pages;		/* 0x18 bits that follow */
};				/* 0x20, then (pages + 63) / 64 uint64_t */

/*
 * KX_REC_JUMP_BACK: how the called image returns to its caller (only in a
 * page flagged KX_SETUP_F_SWAP).  The register state of the jump is in
 * docs/abi.md, "Calling physical-mode code".
 */
struct kx_jump_back {
	struct kx_record rec;	/* 0x00 */
	uint64_t entry;		/* 0x08 physical address to jump to */
	uint64_t context;	/* 0x10 opaque to the image; the caller's own */
};				/* 0x18 */

/* KX_REC_ELFCORE: ELF core header the crash kernel reads as /proc/vmcore. */
struct kx_elfcore {
	struct kx_record rec;	/* 0x00 */
	uint64_t addr;		/* 0x08 physical address */
	uint64_t size;		/* 0x10 bytes */
};				/* 0x18 */

/* KX_REC_MEMMAP entry. */
struct kx_mem_range {
	uint64_t addr;		/* 0x00 physical start */
	uint64_t size;		/* 0x08 bytes */
	uint32_t type;		/* 0x10 KX_MEM_* */
	uint32_t attr;		/* 0x14 zero in v1.0; 1.1: KX_MEM_A_* */
};				/* 0x18 */

/* KX_REC_CMDLINE: struct kx_record, then the bytes with their NUL. */

/*
 * KX_REC_MEASURED entry (1.1): one piece the loader measured before the
 * hand-off, in the order it measured them.  sha256 is the digest of the
 * bytes as the loader read them (the file, or the command line without its
 * NUL), the digest of the event the TPM logged when EXTENDED is set.
 */
struct kx_measurement {
	uint32_t pcr;		/* 0x00 PCR extended, KX_MEAS_PCR_NONE without a TPM */
	uint32_t event_type;	/* 0x04 TCG event type logged (EV_IPL 0xd) */
	uint32_t kind;		/* 0x08 KX_SEG_* of the piece */
	uint32_t flags;		/* 0x0c KX_MEAS_F_* */
	uint64_t size;		/* 0x10 bytes hashed */
	uint8_t sha256[KX_SHA256_SIZE];	/* 0x18 */
};				/* 0x38 */

/*
 * KX_REC_LANES entry (1.1): one loaded segment, as kx_segment, with its
 * KX lanes digest over `lanes` lanes.  A segment is listed here or in
 * KX_REC_SEGMENTS; purgatory verifies both kinds.
 */
struct kx_segment_lanes {
	uint64_t dest;		/* 0x00 physical destination */
	uint64_t size;		/* 0x08 bytes hashed, from dest */
	uint8_t digest[KX_SHA256_SIZE];	/* 0x10 KX lanes digest of those bytes */
	uint32_t kind;		/* 0x30 KX_SEG_* */
	uint32_t flags;		/* 0x34 KX_SEG_F_* */
	uint32_t lanes;		/* 0x38 N, KX_LANES_MIN..KX_LANES_MAX */
	uint32_t reserved;	/* 0x3c zero */
};				/* 0x40 */

#define KX_ABI_CHECK(expr) _Static_assert(expr, #expr)
#define KX_ABI_OFF(t, f, o) KX_ABI_CHECK(__builtin_offsetof(struct t, f) == (o))

KX_ABI_CHECK(sizeof(struct kx_setup_header) == KX_SETUP_HEADER_SIZE);
KX_ABI_OFF(kx_setup_header, magic, 0x00);
KX_ABI_OFF(kx_setup_header, version_major, 0x04);
KX_ABI_OFF(kx_setup_header, version_minor, 0x06);
KX_ABI_OFF(kx_setup_header, header_size, 0x08);
KX_ABI_OFF(kx_setup_header, total_size, 0x0c);
KX_ABI_OFF(kx_setup_header, page_size, 0x10);
KX_ABI_OFF(kx_setup_header, flags, 0x14);
KX_ABI_OFF(kx_setup_header, checksum, 0x18);
KX_ABI_OFF(kx_setup_header, sequence, 0x1c);
KX_ABI_OFF(kx_setup_header, next_page, 0x20);
KX_ABI_OFF(kx_setup_header, reserved, 0x28);

KX_ABI_CHECK(sizeof(struct kx_record) == 8);
KX_ABI_OFF(kx_record, type, 0x00);
KX_ABI_OFF(kx_record, size, 0x04);

KX_ABI_CHECK(sizeof(struct kx_table) == 16);
KX_ABI_OFF(kx_table, count, 0x08);
KX_ABI_OFF(kx_table, entry_size, 0x0c);

KX_ABI_CHECK(sizeof(struct kx_segment) == 56);
KX_ABI_OFF(kx_segment, dest, 0x00);
KX_ABI_OFF(kx_segment, size, 0x08);
KX_ABI_OFF(kx_segment, sha256, 0x10);
KX_ABI_OFF(kx_segment, kind, 0x30);
KX_ABI_OFF(kx_segment, flags, 0x34);

KX_ABI_CHECK(sizeof(struct kx_backup_extent) == 24);
KX_ABI_OFF(kx_backup_extent, orig, 0x00);
KX_ABI_OFF(kx_backup_extent, current, 0x08);
KX_ABI_OFF(kx_backup_extent, pages, 0x10);

KX_ABI_CHECK(sizeof(struct kx_backup_bitmap) == 32);
KX_ABI_OFF(kx_backup_bitmap, orig_base, 0x08);
KX_ABI_OFF(kx_backup_bitmap, store_base, 0x10);
KX_ABI_OFF(kx_backup_bitmap, pages, 0x18);

KX_ABI_CHECK(sizeof(struct kx_jump_back) == 24);
KX_ABI_OFF(kx_jump_back, entry, 0x08);
KX_ABI_OFF(kx_jump_back, context, 0x10);

KX_ABI_CHECK(sizeof(struct kx_elfcore) == 24);
KX_ABI_OFF(kx_elfcore, addr, 0x08);
KX_ABI_OFF(kx_elfcore, size, 0x10);

KX_ABI_CHECK(sizeof(struct kx_mem_range) == 24);
KX_ABI_OFF(kx_mem_range, addr, 0x00);
KX_ABI_OFF(kx_mem_range, size, 0x08);
KX_ABI_OFF(kx_mem_range, type, 0x10);
KX_ABI_OFF(kx_mem_range, attr, 0x14);

KX_ABI_CHECK(sizeof(struct kx_measurement) == 56);
KX_ABI_OFF(kx_measurement, pcr, 0x00);
KX_ABI_OFF(kx_measurement, event_type, 0x04);
KX_ABI_OFF(kx_measurement, kind, 0x08);
KX_ABI_OFF(kx_measurement, flags, 0x0c);
KX_ABI_OFF(kx_measurement, size, 0x10);
KX_ABI_OFF(kx_measurement, sha256, 0x18);
KX_ABI_CHECK(sizeof(struct kx_segment_lanes) == 64);
KX_ABI_OFF(kx_segment_lanes, dest, 0x00);
KX_ABI_OFF(kx_segment_lanes, size, 0x08);
KX_ABI_OFF(kx_segment_lanes, digest, 0x10);
KX_ABI_OFF(kx_segment_lanes, kind, 0x30);
KX_ABI_OFF(kx_segment_lanes, flags, 0x34);
KX_ABI_OFF(kx_segment_lanes, lanes, 0x38);
KX_ABI_OFF(kx_segment_lanes, reserved, 0x3c);
/* Readers take dest, size, digest and flags of both entries at one offset. */
KX_ABI_CHECK(__builtin_offsetof(struct kx_segment_lanes, dest) ==
	     __builtin_offsetof(struct kx_segment, dest));
KX_ABI_CHECK(__builtin_offsetof(struct kx_segment_lanes, size) ==
	     __builtin_offsetof(struct kx_segment, size));
KX_ABI_CHECK(__builtin_offsetof(struct kx_segment_lanes, digest) ==
	     __builtin_offsetof(struct kx_segment, sha256));
KX_ABI_CHECK(__builtin_offsetof(struct kx_segment_lanes, flags) ==
	     __builtin_offsetof(struct kx_segment, flags));

#undef KX_ABI_OFF
#endif /* !__ASSEMBLER__ */

/*
 * Changing this file (the full rules are in docs/abi.md, "Versioning"):
 * - A minor bump may add record types, header flags, fields appended to the
 *   end of the header, of a fixed record or of a table entry, and use
 *   reserved fields.  It never moves, resizes or redefines a field.
 * - Anything else is a new major, which every reader of an older major
 *   refuses.
 * - Each released version's golden pages stay in test/fixtures/ and must
 *   keep parsing exactly as they did.
 */
#endif /* KEXEC_ABI_H */
