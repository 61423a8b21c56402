/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/bzimage.h>
#include <kx/compiler.h>
#include "kxtest.h"

/* A synthetic bzImage with a 2.15 header, 3 setup sectors, 64 KiB of
 * "kernel" after them. */
static uint8_t *fake_bzimage(size_t *size)
{
	size_t n = 4 * 512 + 65536;
	uint8_t *p = calloc(1, n);

	p[0x1f1] = 3;
	kx_put_le32(p + 0x1fe, 0xaa55);
	p[0x201] = 0x6a;		/* header ends at 0x26c */
	kx_put_le32(p + 0x202, 0x53726448);
	p[0x206] = 0x0f;
	p[0x207] = 0x02;
	kx_put_le32(p + 0x22c, 0x7fffffff);
	kx_put_le32(p + 0x230, 0x200000);
	p[0x234] = 1;
	p[0x236] = KX_XLF_KERNEL_64 | KX_XLF_CAN_BE_LOADED_ABOVE_4G;
	kx_put_le32(p + 0x238, 2047);
	kx_put_le64(p + 0x258, 0x1000000);
	kx_put_le32(p + 0x260, 0x2000000);
	*size = n;
	return p;
}

KX_TEST(bzimage_header_parses)
{
	size_t n;
	uint8_t *p = fake_bzimage(&n);
	struct kx_bzimage bz;

	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_OK);
	CHECK_EQ(bz.version, 0x020f);
	CHECK_EQ(bz.kernel_offset, 4 * 512);
	CHECK_EQ(bz.kernel_size, 65536);
	CHECK_EQ(bz.kernel_alignment, 0x200000);
	CHECK_EQ(bz.init_size, 0x2000000);
	CHECK_EQ(bz.cmdline_size, 2047);
	CHECK_EQ(bz.header_end, 0x26c);
	p[0x1f1] = 0;		/* 0 means 4, an old convention */
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_OK);
	CHECK_EQ(bz.kernel_offset, 5 * 512);
	free(p);
}

KX_TEST(bzimage_refusals_name_the_reason)
{
	size_t n;
	uint8_t *p = fake_bzimage(&n);
	struct kx_bzimage bz;

	CHECK_ST(kx_bzimage_parse(p, 0x200, &bz), KX_ERR_TRUNCATED);
	CHECK_ST(kx_bzimage_parse(p, 4 * 512, &bz), KX_ERR_TRUNCATED);
	p[0x202] = 'X';
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_FORMAT);
	p[0x202] = 'H';
	p[0x1fe] = 0;
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_FORMAT);
	p[0x1fe] = 0x55;
	p[0x206] = 0x0b;	/* 2.11: no xloadflags */
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_UNSUPPORTED);
	p[0x206] = 0x0f;
	p[0x236] = 0;		/* 32-bit only */
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_UNSUPPORTED);
	p[0x236] = KX_XLF_KERNEL_64;
	kx_put_le32(p + 0x230, 0x300000);
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_FORMAT);
	kx_put_le32(p + 0x230, 0x200000);
	p[0x234] = 0;
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_FORMAT);
	p[0x234] = 1;
	kx_put_le32(p + 0x260, 100);	/* init_size smaller than the kernel */
	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_ERR_FORMAT);
	free(p);
}

KX_TEST(bzimage_boot_params_carry_what_the_kernel_reads)
{
	size_t n;
	uint8_t *p = fake_bzimage(&n), bp[KX_BOOT_PARAMS_SIZE];
	struct kx_bzimage bz;
	struct kx_e820 map[3] = {
		{ 0, 0x9fc00, 1 }, { 0x100000, 0x3ff00000, 1 }, { 0xfeffc000, 0x4000, 2 },
	};
	struct kx_bzimage_boot boot = {
		.cmdline_phys = 0x123456000ULL, .cmdline_len = 100,
		.initrd_phys = 0x1a0000000ULL, .initrd_size = 0x1234567,
		.acpi_rsdp = 0x7fbfe014, .e820 = map, .e820_count = 3,
	};

	CHECK_ST(kx_bzimage_parse(p, n, &bz), KX_OK);
	CHECK_ST(kx_bzimage_boot_params(p, n, &bz, &boot, bp), KX_OK);
	CHECK_EQ(kx_get_le32(bp + 0x202), 0x53726448);	/* header copied */
	CHECK_EQ(bp[0x210], 0xff);
	CHECK_EQ(bp[0x211] & 1, 1);
	CHECK_EQ(kx_get_le32(bp + 0x228), 0x23456000);
	CHECK_EQ(kx_get_le32(bp + 0x0c8), 0x1);
	CHECK_EQ(kx_get_le32(bp + 0x218), 0xa0000000);
	CHECK_EQ(kx_get_le32(bp + 0x0c0), 0x1);
	CHECK_EQ(kx_get_le32(bp + 0x21c), 0x1234567);
	CHECK_EQ(kx_get_le64(bp + 0x070), 0x7fbfe014);
	CHECK_EQ(bp[0x1e8], 3);
	CHECK_EQ(kx_get_le64(bp + 0x2d0 + 20 * 2), 0xfeffc000);
	CHECK_EQ(kx_get_le32(bp + 0x2d0 + 20 * 2 + 16), 2);
	CHECK_EQ(bp[0x26c], 0);	/* nothing past the header was copied */

	boot.cmdline_len = 2048;
	CHECK_ST(kx_bzimage_boot_params(p, n, &bz, &boot, bp), KX_ERR_RANGE);
	boot.cmdline_len = 10;
	bz.xloadflags &= (uint16_t)~KX_XLF_CAN_BE_LOADED_ABOVE_4G;
	CHECK_ST(kx_bzimage_boot_params(p, n, &bz, &boot, bp), KX_ERR_RANGE);
	boot.initrd_phys = 0x7f000000;
	boot.initrd_size = 0x1000001;	/* ends one byte past initrd_addr_max */
	CHECK_ST(kx_bzimage_boot_params(p, n, &bz, &boot, bp), KX_ERR_RANGE);
	boot.initrd_size = 0x800000;
	CHECK_ST(kx_bzimage_boot_params(p, n, &bz, &boot, bp), KX_OK);
	boot.e820_count = KX_E820_MAX + 1;
	CHECK_ST(kx_bzimage_boot_params(p, n, &bz, &boot, bp), KX_ERR_NO_SPACE);
	free(p);
}
