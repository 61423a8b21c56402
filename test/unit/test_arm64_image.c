/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/arm64_image.h>
#include <kx/compiler.h>
#include "kxtest.h"

/* A synthetic Image header followed by n - 64 bytes of "kernel". */
static uint8_t *fake_image(size_t n, uint64_t text_offset, uint64_t image_size,
			   uint64_t flags)
{
	uint8_t *p = calloc(1, n);

	kx_put_le32(p, 0x14000010);		/* b +64, as Linux's code0 */
	kx_put_le64(p + 0x08, text_offset);
	kx_put_le64(p + 0x10, image_size);
	kx_put_le64(p + 0x18, flags);
	kx_put_le32(p + 0x38, 0x644d5241);
	return p;
}

KX_TEST(arm64_image_parses)
{
	uint8_t *p = fake_image(8192, 0, 0x2010000, 0xa);
	struct kx_arm64_image im;

	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_OK);
	CHECK_EQ(im.kind, KX_ARM64_IMAGE);
	CHECK_EQ(im.text_offset, 0);
	CHECK_EQ(im.image_size, 0x2010000);
	CHECK_EQ(im.page_kib, 4);
	CHECK_EQ(im.anywhere, 1);
	kx_put_le64(p + 0x18, 0x4);		/* 16K pages, near the base of RAM */
	kx_put_le64(p + 0x08, 0x80000);
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_OK);
	CHECK_EQ(im.page_kib, 16);
	CHECK_EQ(im.anywhere, 0);
	CHECK_EQ(im.text_offset, 0x80000);
	free(p);
}

KX_TEST(arm64_image_refusals)
{
	uint8_t *p = fake_image(8192, 0, 0x2010000, 0xa);
	static const uint8_t gz[4] = { 0x1f, 0x8b, 8, 0 };
	uint8_t zb[64] = { 'M', 'Z', 0, 0, 'z', 'i', 'm', 'g' };
	struct kx_arm64_image im;

	CHECK_ST(kx_arm64_image_parse(p, 63, &im), KX_ERR_TRUNCATED);
	CHECK_ST(kx_arm64_image_parse(gz, sizeof(gz), &im), KX_ERR_FORMAT);
	CHECK_EQ(im.kind, KX_ARM64_GZIP);
	CHECK_ST(kx_arm64_image_parse(zb, sizeof(zb), &im), KX_ERR_FORMAT);
	CHECK_EQ(im.kind, KX_ARM64_EFI_ZBOOT);
	p[0x38] ^= 1;
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_ERR_FORMAT);
	CHECK_EQ(im.kind, KX_ARM64_NOT_IMAGE);
	p[0x38] ^= 1;
	kx_put_le64(p + 0x10, 0);		/* pre-3.17: no size */
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_ERR_UNSUPPORTED);
	kx_put_le64(p + 0x10, 0x2010000);
	kx_put_le64(p + 0x18, 0xb);		/* big-endian */
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_ERR_UNSUPPORTED);
	kx_put_le64(p + 0x18, 0xa);
	kx_put_le64(p + 0x08, 0x200000);	/* text_offset past 2 MiB */
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_ERR_FORMAT);
	kx_put_le64(p + 0x08, 0x800);		/* not page aligned */
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_ERR_FORMAT);
	kx_put_le64(p + 0x08, 0);
	kx_put_le64(p + 0x10, 4096);		/* smaller than the file */
	CHECK_ST(kx_arm64_image_parse(p, 8192, &im), KX_ERR_FORMAT);
	free(p);
}
