/* SPDX-License-Identifier: MIT */
/*
 * kxboot's aarch64 side, for now the part that runs before any hand-off:
 * the configuration, the kernel's Image header, the initrds, and the
 * device tree (the configuration's dtb, or the firmware's).  The hand-off
 * needs kx's aarch64 purgatory, which is not built yet: kxboot says so
 * and returns to the firmware, refusing nothing it could have booted.
 */
#include <kx/compiler.h>
#include "kxboot.h"

const char kxb_arch_name[] = "aarch64";

/* The arm64 Image header (Documentation/arch/arm64/booting.rst). */
#define IMAGE_HEADER_SIZE	64
#define IMAGE_TEXT_OFFSET	0x08
#define IMAGE_SIZE		0x10
#define IMAGE_FLAGS		0x18
#define IMAGE_MAGIC_OFFSET	0x38
#define IMAGE_MAGIC		0x644d5241	/* "ARM\x64" */
#define FDT_MAGIC		0xd00dfeed	/* big-endian in the blob */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void check_kernel(const char *path)
{
	struct kxb_file f;
	uint8_t h[IMAGE_HEADER_SIZE];

	kxb_open(&f, path, "kernel");
	if (f.size < IMAGE_HEADER_SIZE)
		kxb_fail(EFI_LOAD_ERROR, "kernel %s: not an arm64 Image (%llu bytes)",
			 path, (unsigned long long)f.size);
	kxb_read(&f, 0, h, sizeof(h));
	kxb_close(&f);
	if (kx_get_le32(h + IMAGE_MAGIC_OFFSET) != IMAGE_MAGIC)
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: not an arm64 Image (no \"ARM\\x64\" magic at 0x38)",
			 path);
	kxb_say("kxboot: kernel %s: arm64 Image, %llu bytes, text_offset 0x%llx, image_size 0x%llx, flags 0x%llx\n",
		path, (unsigned long long)f.size,
		(unsigned long long)kx_get_le64(h + IMAGE_TEXT_OFFSET),
		(unsigned long long)kx_get_le64(h + IMAGE_SIZE),
		(unsigned long long)kx_get_le64(h + IMAGE_FLAGS));
}

static void check_dtb(const char *path)
{
	static EFI_GUID dtb_guid = EFI_DTB_TABLE_GUID;
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	struct kxb_file f;
	uint8_t h[8];
	void *t;

	if (path[0]) {
		kxb_open(&f, path, "dtb");
		if (f.size < sizeof(h))
			kxb_fail(EFI_LOAD_ERROR, "dtb %s: not a device tree (%llu bytes)",
				 path, (unsigned long long)f.size);
		kxb_read(&f, 0, h, sizeof(h));
		kxb_close(&f);
		if (be32(h) != FDT_MAGIC || be32(h + 4) > f.size)
			kxb_fail(EFI_LOAD_ERROR,
				 "dtb %s: not a device tree (no 0xd00dfeed magic, or a size past the file)",
				 path);
		kxb_say("kxboot: dtb %s: %u bytes\n", path, be32(h + 4));
		return;
	}
	if ((t = kxb_config_table(&dtb_guid)))
		kxb_say("kxboot: device tree from the firmware at 0x%llx\n",
			(unsigned long long)(uintptr_t)t);
	else if ((t = kxb_config_table(&acpi20)))
		kxb_say("kxboot: the firmware publishes ACPI (0x%llx) and no device tree: a kernel entered directly needs a dtb line\n",
			(unsigned long long)(uintptr_t)t);
}

void kxb_arch_boot(const struct kx_bootconf *conf)
{
	static struct kxb_file f[KX_BOOTCONF_INITRD_MAX];
	uint64_t total = 0;

	check_kernel(conf->kernel);
	for (unsigned i = 0; i < conf->ninitrd; i++) {
		kxb_open(&f[i], conf->initrd[i], "initrd");
		total += f[i].size;
	}
	for (unsigned i = 0; i < conf->ninitrd; i++)
		kxb_close(&f[i]);
	if (conf->ninitrd)
		kxb_say("kxboot: initrd: %u file%s, %llu bytes\n", conf->ninitrd,
			conf->ninitrd > 1 ? "s" : "", (unsigned long long)total);
	check_dtb(conf->dtb);
	kxb_fail(EFI_UNSUPPORTED,
		 "the aarch64 hand-off is not built yet: it needs kx's aarch64 purgatory");
}
