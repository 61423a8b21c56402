/* SPDX-License-Identifier: MIT */
/* Offsets and rules: Documentation/arch/x86/boot.rst and zero-page.rst. */
#include <kx/bzimage.h>
#include <kx/compiler.h>

#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200		/* its second byte gives the header's end */
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define BP_ACPI_RSDP 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define HDRS 0x53726448
#define BOOT_FLAG 0xaa55
#define LOADER_UNDEFINED 0xff	/* a loader without an assigned id */
#define LOADED_HIGH 0x01
#define MIN_PROTOCOL 0x020c	/* xloadflags, 64-bit entry */

enum kx_status kx_bzimage_parse(const void *image, size_t size,
				struct kx_bzimage *bz)
{
	const uint8_t *p = image;
	uint64_t setup_bytes;

	if (!p || !bz)
		return KX_ERR_INVAL;
	kx_memset(bz, 0, sizeof(*bz));
	if (size < HDR_VERSION + 2)
		return KX_ERR_TRUNCATED;
	if (kx_get_le16(p + HDR_BOOT_FLAG) != BOOT_FLAG || kx_get_le32(p + HDR_MAGIC) != HDRS)
		return KX_ERR_FORMAT;
	bz->version = kx_get_le16(p + HDR_VERSION);
	if (bz->version < MIN_PROTOCOL)
		return KX_ERR_UNSUPPORTED;
	if (size < HDR_INIT_SIZE + 4)
		return KX_ERR_TRUNCATED;
	bz->header_end = HDR_MAGIC + p[HDR_JUMP + 1];
	bz->setup_sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4;
	bz->xloadflags = kx_get_le16(p + HDR_XLOADFLAGS);
	bz->kernel_alignment = kx_get_le32(p + HDR_KERNEL_ALIGNMENT);
	bz->relocatable = p[HDR_RELOCATABLE];
	bz->pref_address = kx_get_le64(p + HDR_PREF_ADDRESS);
	bz->init_size = kx_get_le32(p + HDR_INIT_SIZE);
	bz->cmdline_size = kx_get_le32(p + HDR_CMDLINE_SIZE);
	bz->initrd_addr_max = kx_get_le32(p + HDR_INITRD_ADDR_MAX);
	if (!(bz->xloadflags & KX_XLF_KERNEL_64))
		return KX_ERR_UNSUPPORTED;
	if (!bz->relocatable || !bz->kernel_alignment ||
	    (bz->kernel_alignment & (bz->kernel_alignment - 1)))
		return KX_ERR_FORMAT;
	if (bz->header_end <= HDR_INIT_SIZE + 4 || bz->header_end > 0x280)
		return KX_ERR_FORMAT;	/* 2.12+ headers reach init_size */
	setup_bytes = ((uint64_t)bz->setup_sects + 1) * 512;
	if (setup_bytes >= size)
		return KX_ERR_TRUNCATED;
	bz->kernel_offset = setup_bytes;
	bz->kernel_size = size - setup_bytes;
	if (bz->init_size < bz->kernel_size)
		return KX_ERR_FORMAT;
	return KX_OK;
}

enum kx_status kx_bzimage_boot_params(const void *image, size_t size,
				      const struct kx_bzimage *bz,
				      const struct kx_bzimage_boot *boot,
				      uint8_t *bp)
{
	const uint8_t *p = image;
	uint64_t initrd_end = boot ? boot->initrd_phys + boot->initrd_size : 0;

	if (!p || !bz || !boot || !bp || size < bz->header_end ||
	    (boot->e820_count && !boot->e820))
		return KX_ERR_INVAL;
	if (boot->cmdline_len > bz->cmdline_size)
		return KX_ERR_RANGE;
	if (boot->initrd_size &&
	    (initrd_end < boot->initrd_phys ||
	     (initrd_end - 1 > bz->initrd_addr_max &&
	      !(bz->xloadflags & KX_XLF_CAN_BE_LOADED_ABOVE_4G)) ||
	     initrd_end - 1 > 0xffffffffffffULL))
		return KX_ERR_RANGE;
	if (boot->e820_count > KX_E820_MAX)
		return KX_ERR_NO_SPACE;
	kx_memset(bp, 0, KX_BOOT_PARAMS_SIZE);
	/* The setup header as the image has it, then what the loader sets. */
	kx_memcpy(bp + HDR_SETUP_SECTS, p + HDR_SETUP_SECTS,
		  bz->header_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	bp[HDR_LOADFLAGS] |= LOADED_HIGH;
	kx_put_le32(bp + HDR_CMD_LINE_PTR, (uint32_t)boot->cmdline_phys);
	kx_put_le32(bp + BP_EXT_CMD_LINE_PTR, (uint32_t)(boot->cmdline_phys >> 32));
	kx_put_le32(bp + HDR_RAMDISK_IMAGE, (uint32_t)boot->initrd_phys);
	kx_put_le32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(boot->initrd_phys >> 32));
	kx_put_le32(bp + HDR_RAMDISK_SIZE, (uint32_t)boot->initrd_size);
	kx_put_le32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(boot->initrd_size >> 32));
	kx_put_le64(bp + BP_ACPI_RSDP, boot->acpi_rsdp);
	bp[BP_E820_ENTRIES] = (uint8_t)boot->e820_count;
	for (unsigned i = 0; i < boot->e820_count; i++) {
		uint8_t *e = bp + BP_E820_TABLE + 20 * i;

		kx_put_le64(e, boot->e820[i].addr);
		kx_put_le64(e + 8, boot->e820[i].size);
		kx_put_le32(e + 16, boot->e820[i].type);
	}
	return KX_OK;
}
