/* SPDX-License-Identifier: MIT */
/*
 * Identity-map builders: page tables that map each listed physical range at
 * the same virtual address, with the largest pages that fit, for x86_64
 * (4- or 5-level paging) and aarch64 (4 KiB granule, 39- or 48-bit input).
 *
 * Both builders are plain C that runs anywhere: a loader can build tables
 * for the other architecture, and the host tests build both.  Tables are
 * taken from a caller-supplied allocator, which hands out a page as the
 * builder writes it (a pointer) and as the MMU will read it (a physical
 * address); the two differ when the tables are built for another address
 * space.  Nothing else is allocated and the builder never reads a table
 * back through a physical address.
 *
 * The result depends only on the set of (page, attribute) pairs, not on the
 * order or overlap of the ranges: a block gets a leaf exactly when the
 * ranges cover all of it with one attribute, and a table only when they
 * cover part of it.  kx_idmap_*_count_tables() reports the number of pages
 * the builder will take, exactly, so a caller can size its pool first.
 * Checking and merging the ranges costs O(n^2) per run of one attribute:
 * meant for memory maps of up to a few hundred ranges.
 */
#ifndef KX_IDMAP_H
#define KX_IDMAP_H

#include <stddef.h>
#include <stdint.h>
#include <kx/pool.h>
#include <kx/status.h>

#define KX_IDMAP_PAGE_SIZE 4096u

/* Attributes of a range; 0 is rejected so that a forgotten field shows. */
enum kx_idmap_attr {
	KX_IDMAP_NORMAL = 1,	/* normal memory, write-back, executable */
	KX_IDMAP_DEVICE = 2,	/* x86 UC; arm64 Device-nGnRnE, execute-never */
};

/*
 * One physical range, mapped at the same virtual address.  start and size
 * are multiples of 4 KiB (KX_ERR_ALIGN), size is not 0 (KX_ERR_INVAL) and
 * start + size is at most the configuration's limit (KX_ERR_RANGE).
 * Ranges may overlap or repeat if their attributes agree; a page given two
 * attributes is KX_ERR_OVERLAP.
 */
struct kx_idmap_range {
	uint64_t start;
	uint64_t size;
	uint32_t attr;		/* enum kx_idmap_attr */
};

/*
 * Table pages come from a kx_page_alloc_fn (include/kx/pool.h), e.g.
 * kx_page_pool_alloc over a struct kx_page_pool; the pages need not be
 * zeroed, a *phys not 4 KiB aligned is KX_ERR_ALIGN, and KX_ERR_NO_MEMORY
 * (or any status other than KX_OK) from the allocator stops the build and
 * is returned as is.
 */


/*
 * Failures.  Every input is checked before the first page is taken, so a
 * build fails part-way only when the allocator does (KX_ERR_NO_MEMORY).
 * Then the tables built so far are consistent: every entry written points
 * at a zeroed or finished table or is a complete leaf; the map is only
 * incomplete (the leaves of its lowest addresses), and the pages taken
 * stay the caller's.  The root is the first page taken; the x86 builder
 * stores it in *root_phys as soon as it has it, the aarch64 builder fills
 * *regs on success only.
 */

/* ---------------------------------------------------------------- x86_64 */

/* Flags of struct kx_idmap_x86_64_config. */
/* Use 2 MiB pages at most: for CPUs without 1 GiB pages (CPUID
 * 80000001h:EDX.Page1GB clear, such as QEMU's default qemu64 model). */
#define KX_IDMAP_X86_NO_1G	(1u << 0)
/* Set NX (bit 63) in device leaves.  Only for stubs that set EFER.NXE: with
 * NXE clear bit 63 is reserved and every access faults. */
#define KX_IDMAP_X86_NX		(1u << 1)
#define KX_IDMAP_X86_FLAGS	(KX_IDMAP_X86_NO_1G | KX_IDMAP_X86_NX)

/*
 * Input limits.  With 4-level paging a linear address at or above 2^47 is
 * not canonical, so no identity mapping can reach it; with 5-level paging
 * the limit is the architectural maximum physical address, 2^52.
 */
#define KX_IDMAP_X86_LIMIT_4LEVEL (1ull << 47)
#define KX_IDMAP_X86_LIMIT_5LEVEL (1ull << 52)

struct kx_idmap_x86_64_config {
	uint32_t levels;	/* 4 (CR4.LA57 clear) or 5 (CR4.LA57 set) */
	uint32_t flags;		/* KX_IDMAP_X86_* */
};

/*
 * Entries: every entry is present, writable, supervisor, with Accessed set
 * (and Dirty in leaves) so that the CPU never writes the tables.  Normal
 * leaves use PAT index 0 (PWT = PCD = PAT = 0: write-back with the reset
 * PAT); device leaves PCD | PWT (PAT index 3: UC).  Table entries are
 * write-back, as is the root: CR3 = *root_phys.
 */
enum kx_status kx_idmap_x86_64_count_tables(const struct kx_idmap_range *r,
					    size_t n,
					    const struct kx_idmap_x86_64_config *cfg,
					    size_t *tables);
enum kx_status kx_idmap_x86_64_build(const struct kx_idmap_range *r, size_t n,
				     const struct kx_idmap_x86_64_config *cfg,
				     kx_page_alloc_fn alloc, void *ctx,
				     uint64_t *root_phys);

/* ---------------------------------------------------------------- aarch64 */

/* MAIR_EL1 attribute indexes the descriptors use, and the attributes. */
/* Normal, inner and outer write-back read/write-allocate non-transient */
#define KX_IDMAP_A64_ATTR_NORMAL 0
#define KX_IDMAP_A64_ATTR_DEVICE 1	/* Device-nGnRnE */
#define KX_IDMAP_A64_MAIR_NORMAL 0xffull
#define KX_IDMAP_A64_MAIR_DEVICE 0x00ull
#define KX_IDMAP_A64_MAIR						\
	(KX_IDMAP_A64_MAIR_NORMAL << (8 * KX_IDMAP_A64_ATTR_NORMAL) |	\
	 KX_IDMAP_A64_MAIR_DEVICE << (8 * KX_IDMAP_A64_ATTR_DEVICE))

/* Flags of struct kx_idmap_aarch64_config. */
/* Descriptors for the EL2 translation regime with HCR_EL2.E2H = 0, which
 * serves one exception level: there AP[1] is RES1 (set) and bit 54 alone
 * is execute-never (XN), bit 53 being RES0 (clear).  Without the flag the
 * descriptors are those of the EL1&0 regime, also right for EL2 with
 * E2H = 1 (the EL2&0 regime, as a VHE Linux leaves it). */
#define KX_IDMAP_A64_EL2	(1u << 0)
#define KX_IDMAP_A64_FLAGS	KX_IDMAP_A64_EL2

struct kx_idmap_aarch64_config {
	uint32_t va_bits;	/* 39 (walk starts at level 1) or 48 (level 0) */
	uint32_t flags;		/* KX_IDMAP_A64_* */
};

/*
 * What the stub programs to use the tables.  Walks go through TTBR0 only
 * (EPD1 set: TTBR1 addresses fault).  ips is the smallest physical address
 * size covering every mapped byte and every table; the stub must check it
 * against ID_AA64MMFR0_EL1.PARange.
 */
struct kx_idmap_aarch64_regs {
	uint64_t ttbr0;		/* root table, ASID 0 */
	uint64_t mair;		/* MAIR_EL1 (or MAIR_EL2) */
	uint64_t tcr_el1;	/* TCR_EL1, also TCR_EL2 with HCR_EL2.E2H = 1 */
	uint64_t tcr_el2;	/* TCR_EL2 with E2H = 0 (PS in place of IPS) */
	uint32_t start_level;	/* 0 or 1 */
	uint32_t ips;		/* TCR IPS/PS encoding, 0 (32 bits) .. 5 (48 bits) */
};

/*
 * Descriptors: normal memory is AttrIndx KX_IDMAP_A64_ATTR_NORMAL, inner
 * shareable, AF set, EL1 read/write, executable; device memory is AttrIndx
 * KX_IDMAP_A64_ATTR_DEVICE with PXN and UXN (with KX_IDMAP_A64_EL2: AP[1]
 * set in every leaf, device leaves XN only).  Table walks are inner/outer
 * write-back, inner shareable (TCR IRGN0 = ORGN0 = 01, SH0 = 11).
 */
enum kx_status kx_idmap_aarch64_count_tables(const struct kx_idmap_range *r,
					     size_t n,
					     const struct kx_idmap_aarch64_config *cfg,
					     size_t *tables);
enum kx_status kx_idmap_aarch64_build(const struct kx_idmap_range *r, size_t n,
				      const struct kx_idmap_aarch64_config *cfg,
				      kx_page_alloc_fn alloc, void *ctx,
				      struct kx_idmap_aarch64_regs *regs);

#endif
