/* SPDX-License-Identifier: MIT */
/*
 * From a UEFI memory map to the e820-style table a Linux kernel entered
 * without its EFI stub reads (boot_params, and the setup page's MMAP
 * record), as Linux's own stub converts it (drivers/firmware/efi/libstub,
 * setup_e820): firmware-owned boot-time memory becomes RAM, runtime
 * services and MMIO stay reserved.
 *
 * Plain C over the raw descriptor bytes (UEFI 2.10 section 7.2,
 * EFI_MEMORY_DESCRIPTOR: Type u32 at 0, PhysicalStart u64 at 8,
 * NumberOfPages u64 at 24, 4 KiB pages), so the host tests run it.
 */
#ifndef KX_EFI_MMAP_H
#define KX_EFI_MMAP_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/boot_params.h>
#include <kx/status.h>

/* EFI_MEMORY_TYPE values. */
enum {
	KX_EFI_RESERVED = 0,
	KX_EFI_LOADER_CODE = 1,
	KX_EFI_LOADER_DATA = 2,
	KX_EFI_BOOT_CODE = 3,
	KX_EFI_BOOT_DATA = 4,
	KX_EFI_RUNTIME_CODE = 5,
	KX_EFI_RUNTIME_DATA = 6,
	KX_EFI_CONVENTIONAL = 7,
	KX_EFI_UNUSABLE = 8,
	KX_EFI_ACPI_RECLAIM = 9,
	KX_EFI_ACPI_NVS = 10,
	KX_EFI_MMIO = 11,
	KX_EFI_MMIO_PORT = 12,
	KX_EFI_PAL_CODE = 13,
	KX_EFI_PERSISTENT = 14,
};

#define KX_EFI_DESC_MIN 40	/* bytes of a version-1 descriptor */

/* The e820 type (KX_MEM_*) of an EFI memory type; unknown ones are reserved. */
uint32_t kx_efi_e820_type(uint32_t efi_type);

/*
 * Converts count descriptors of desc_size bytes (>= KX_EFI_DESC_MIN, a
 * multiple of 8) into out[0..*n), sorted by address, adjacent entries of
 * one type merged.  out must hold count entries (KX_ERR_NO_SPACE
 * otherwise: merging happens after sorting).  KX_ERR_OVERLAP when two
 * descriptors overlap, KX_ERR_RANGE when one wraps past 2^64,
 * KX_ERR_INVAL for a bad desc_size.
 */
enum kx_status kx_e820_from_efi(const void *map, size_t count,
				size_t desc_size, struct kx_e820 *out,
				size_t max, unsigned *n);

/*
 * Gives [addr, addr + size) the type `type`, splitting the one entry that
 * holds it (up to two more entries, within max).  KX_ERR_RANGE when no
 * single entry holds the whole range, KX_ERR_NO_SPACE when the split does
 * not fit, KX_ERR_ALIGN for a range not 4 KiB aligned.
 */
enum kx_status kx_e820_set(struct kx_e820 *e, unsigned *n, size_t max,
			   uint64_t addr, uint64_t size, uint32_t type);

/* EFI_MEMORY_DESCRIPTOR.Attribute bits kx reads. */
#define KX_EFI_MEMORY_WB	0x8ull
#define KX_EFI_MEMORY_RUNTIME	(1ull << 63)

/*
 * The EFI-typed map (the setup page's MMAP in 1.1): each descriptor as a
 * kx_mem_range whose type is what a kernel entered without EFI must treat
 * it as (KX_MEM_RAM only for memory free after ExitBootServices that can
 * be mapped write-back, as Linux's arm64 EFI code takes it; otherwise as
 * kx_efi_e820_type) and whose attr is KX_MEM_A_EFI, the EFI type and the
 * WB and RUNTIME attributes.  Sorted by address, adjacent entries of one
 * type and attr merged.  Errors as kx_e820_from_efi (out must hold
 * count entries).
 */
enum kx_status kx_efi_mem_ranges(const void *map, size_t count, size_t desc_size,
				 struct kx_mem_range *out, size_t max, unsigned *n);

/*
 * What a kernel entered without EFI must not take as RAM although the
 * device tree's /memory names it: every part of mem[0..nmem) that no
 * KX_MEM_RAM entry of m[0..nm) (sorted, not overlapping: as
 * kx_efi_mem_ranges makes it) covers.  That is the firmware's runtime
 * code and data, ACPI, reserved, unusable, persistent and MMIO ranges,
 * and holes the map leaves.  out[0..*n): KX_MEM_RESERVED, in the order of
 * mem, each range's parts ascending, touching parts merged.
 * KX_ERR_NO_SPACE beyond max (out then holds the first max).
 */
enum kx_status kx_efi_reserved_in(const struct kx_mem_range *m, unsigned nm,
				  const struct kx_mem_range *mem, unsigned nmem,
				  struct kx_mem_range *out, size_t max, unsigned *n);

/*
 * kx_e820_set for a kx_mem_range table: [addr, addr + size) gets type,
 * keeping the attr of the entry that holds it.  Errors as kx_e820_set.
 */
enum kx_status kx_mem_ranges_set(struct kx_mem_range *e, unsigned *n, size_t max,
				 uint64_t addr, uint64_t size, uint32_t type);

#endif
