/* SPDX-License-Identifier: MIT */
/*
 * Linux's x86 zero page (boot_params) as kx reads and writes it: the
 * offsets of the fields kx's bzImage loader fills and kx's purgatory
 * reads, written once (Linux Documentation/arch/x86/zero-page.rst and
 * boot.rst; all little-endian), and the e820 entry both exchange.
 */
#ifndef KX_BOOT_PARAMS_H
#define KX_BOOT_PARAMS_H

/* boot_params, before the setup header */
#define KX_BP_ACPI_RSDP 0x070		/* u64 */
#define KX_BP_EXT_RAMDISK_IMAGE 0x0c0	/* u32, bits 32-63 of ramdisk_image */
#define KX_BP_EXT_RAMDISK_SIZE 0x0c4	/* u32 */
#define KX_BP_EXT_CMD_LINE_PTR 0x0c8	/* u32 */
#define KX_BP_SECURE_BOOT 0x1ec		/* u8, Linux's enum efi_secureboot_mode */
#define KX_BP_E820_ENTRIES 0x1e8	/* u8 */
#define KX_BP_E820_TABLE 0x2d0		/* KX_BP_E820_MAX x 20 bytes */
#define KX_BP_E820_MAX 128
#define KX_BP_E820_ENTRY_SIZE 20	/* u64 addr, u64 size, u32 type */

/* the setup header inside it */
#define KX_HDR_SETUP_SECTS 0x1f1
#define KX_HDR_BOOT_FLAG 0x1fe
#define KX_HDR_JUMP 0x200		/* its second byte gives the header's end */
#define KX_HDR_MAGIC 0x202		/* "HdrS" */
#define KX_HDR_VERSION 0x206
#define KX_HDR_TYPE_OF_LOADER 0x210
#define KX_HDR_LOADFLAGS 0x211
#define KX_HDR_RAMDISK_IMAGE 0x218
#define KX_HDR_RAMDISK_SIZE 0x21c
#define KX_HDR_CMD_LINE_PTR 0x228
#define KX_HDR_INITRD_ADDR_MAX 0x22c
#define KX_HDR_KERNEL_ALIGNMENT 0x230
#define KX_HDR_RELOCATABLE 0x234
#define KX_HDR_XLOADFLAGS 0x236
#define KX_HDR_CMDLINE_SIZE 0x238
#define KX_HDR_PREF_ADDRESS 0x258
#define KX_HDR_INIT_SIZE 0x260
#define KX_HDRS_MAGIC 0x53726448	/* "HdrS" */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* One e820 entry as kx passes it around (not the packed 20-byte form). */
struct kx_e820 {
	uint64_t addr, size;
	uint32_t type;
};
#endif

#endif
