/* SPDX-License-Identifier: MIT */
/* Offsets and rules: Documentation/arch/x86/boot.rst and zero-page.rst. */
#include <kx/bzimage.h>
#include <kx/compiler.h>

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
	if (size < KX_HDR_VERSION + 2)
		return KX_ERR_TRUNCATED;
	if (kx_get_le16(p + KX_HDR_BOOT_FLAG) != BOOT_FLAG || kx_get_le32(p + KX_HDR_MAGIC) != KX_HDRS_MAGIC)
		return KX_ERR_FORMAT;
	bz->version = kx_get_le16(p + KX_HDR_VERSION);
	if (bz->version < MIN_PROTOCOL)
		return KX_ERR_UNSUPPORTED;
	if (size < KX_HDR_INIT_SIZE + 4)
		return KX_ERR_TRUNCATED;
	bz->header_end = KX_HDR_MAGIC + p[KX_HDR_JUMP + 1];
	bz->setup_sects = p[KX_HDR_SETUP_SECTS] ? p[KX_HDR_SETUP_SECTS] : 4;
	bz->xloadflags = kx_get_le16(p + KX_HDR_XLOADFLAGS);
	bz->kernel_alignment = kx_get_le32(p + KX_HDR_KERNEL_ALIGNMENT);
	bz->relocatable = p[KX_HDR_RELOCATABLE];
	bz->pref_address = kx_get_le64(p + KX_HDR_PREF_ADDRESS);
	bz->init_size = kx_get_le32(p + KX_HDR_INIT_SIZE);
	bz->cmdline_size = kx_get_le32(p + KX_HDR_CMDLINE_SIZE);
	bz->initrd_addr_max = kx_get_le32(p + KX_HDR_INITRD_ADDR_MAX);
	if (!(bz->xloadflags & KX_XLF_KERNEL_64))
		return KX_ERR_UNSUPPORTED;
	if (!bz->relocatable || !bz->kernel_alignment ||
	    (bz->kernel_alignment & (bz->kernel_alignment - 1)))
		return KX_ERR_FORMAT;
	if (bz->header_end <= KX_HDR_INIT_SIZE + 4 || bz->header_end > 0x280)
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
	kx_memcpy(bp + KX_HDR_SETUP_SECTS, p + KX_HDR_SETUP_SECTS,
		  bz->header_end - KX_HDR_SETUP_SECTS);
	bp[KX_HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	bp[KX_HDR_LOADFLAGS] |= LOADED_HIGH;
	kx_put_le32(bp + KX_HDR_CMD_LINE_PTR, (uint32_t)boot->cmdline_phys);
	kx_put_le32(bp + KX_BP_EXT_CMD_LINE_PTR, (uint32_t)(boot->cmdline_phys >> 32));
	kx_put_le32(bp + KX_HDR_RAMDISK_IMAGE, (uint32_t)boot->initrd_phys);
	kx_put_le32(bp + KX_BP_EXT_RAMDISK_IMAGE, (uint32_t)(boot->initrd_phys >> 32));
	kx_put_le32(bp + KX_HDR_RAMDISK_SIZE, (uint32_t)boot->initrd_size);
	kx_put_le32(bp + KX_BP_EXT_RAMDISK_SIZE, (uint32_t)(boot->initrd_size >> 32));
	kx_put_le64(bp + KX_BP_ACPI_RSDP, boot->acpi_rsdp);
	bp[KX_BP_E820_ENTRIES] = (uint8_t)boot->e820_count;
	for (unsigned i = 0; i < boot->e820_count; i++) {
		uint8_t *e = bp + KX_BP_E820_TABLE + KX_BP_E820_ENTRY_SIZE * i;

		kx_put_le64(e, boot->e820[i].addr);
		kx_put_le64(e + 8, boot->e820[i].size);
		kx_put_le32(e + 16, boot->e820[i].type);
	}
	return KX_OK;
}
