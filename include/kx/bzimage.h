/* SPDX-License-Identifier: MIT */
/*
 * x86 Linux bzImage header parsing and boot_params ("zero page") building
 * for a 64-bit entry, per Documentation/arch/x86/boot.rst.  Bounded: the
 * image is only read within the size given.
 */
#ifndef KX_BZIMAGE_H
#define KX_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <kx/boot_params.h>
#include <kx/status.h>

#define KX_BOOT_PARAMS_SIZE 4096
#define KX_E820_MAX KX_BP_E820_MAX	/* entries in boot_params' own table */

struct kx_bzimage {
	uint16_t version;	/* boot protocol, e.g. 0x020f */
	uint8_t setup_sects;
	uint16_t xloadflags;
	uint32_t kernel_alignment;
	uint8_t relocatable;
	uint64_t pref_address;
	uint32_t init_size;	/* memory the kernel needs at its load address */
	uint32_t cmdline_size;	/* longest command line, without the NUL */
	uint32_t initrd_addr_max;
	uint64_t kernel_offset;	/* protected-mode kernel within the file */
	uint64_t kernel_size;
	uint32_t header_end;	/* setup header bytes [0x1f1, header_end) */
};

#define KX_XLF_KERNEL_64 0x1
#define KX_XLF_CAN_BE_LOADED_ABOVE_4G 0x2

/*
 * Parses a bzImage: boot sector flag, "HdrS", a protocol of at least 2.12
 * (xloadflags), a 64-bit entry (XLF_KERNEL_64), a relocatable kernel with
 * a power-of-two alignment, and a protected-mode part inside the file.
 * KX_ERR_FORMAT for not a bzImage, KX_ERR_UNSUPPORTED for an old protocol
 * or no 64-bit entry, KX_ERR_TRUNCATED for a short file.
 */
enum kx_status kx_bzimage_parse(const void *image, size_t size,
				struct kx_bzimage *out);

struct kx_bzimage_boot {
	uint64_t cmdline_phys;	/* where the command line will be */
	uint32_t cmdline_len;	/* without the NUL */
	uint64_t initrd_phys, initrd_size;	/* 0 size: none */
	uint64_t acpi_rsdp;	/* 0: none */
	const struct kx_e820 *e820;
	unsigned e820_count;
};

/*
 * Fills a zero page (bp, KX_BOOT_PARAMS_SIZE bytes) for a 64-bit entry:
 * the image's setup header copied in, loader type, command line, initrd
 * and RSDP pointers, the e820 table.  KX_ERR_RANGE for a command line
 * longer than the kernel accepts or an initrd above initrd_addr_max (and
 * above 4 GiB without XLF_CAN_BE_LOADED_ABOVE_4G), KX_ERR_NO_SPACE for
 * more e820 entries than the zero page holds.
 */
enum kx_status kx_bzimage_boot_params(const void *image, size_t size,
				      const struct kx_bzimage *bz,
				      const struct kx_bzimage_boot *boot,
				      uint8_t *bp);

#endif
