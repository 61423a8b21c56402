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

#endif
