/* SPDX-License-Identifier: MIT */
/* The arm64 Image header: offsets and rules from booting.rst. */
#include <kx/arm64_image.h>
#include <kx/compiler.h>

#define OFF_TEXT_OFFSET	0x08
#define OFF_IMAGE_SIZE	0x10
#define OFF_FLAGS	0x18
#define OFF_MAGIC	0x38
#define IMAGE_MAGIC	0x644d5241u	/* "ARM\x64" */
#define ZBOOT_MAGIC	0x676d697au	/* "zimg" at 4, after the PE "MZ" */

enum kx_status kx_arm64_image_parse(const void *image, size_t size,
				    struct kx_arm64_image *out)
{
	const uint8_t *p = image;
	unsigned page;

	kx_memset(out, 0, sizeof(*out));
	out->kind = KX_ARM64_NOT_IMAGE;
	if (size >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		out->kind = KX_ARM64_GZIP;
	else if (size >= 8 && p[0] == 'M' && p[1] == 'Z' &&
		 kx_get_le32(p + 4) == ZBOOT_MAGIC)
		out->kind = KX_ARM64_EFI_ZBOOT;
	if (size < KX_ARM64_IMAGE_HEADER_SIZE)
		return out->kind == KX_ARM64_NOT_IMAGE ? KX_ERR_TRUNCATED : KX_ERR_FORMAT;
	if (kx_get_le32(p + OFF_MAGIC) != IMAGE_MAGIC)
		return KX_ERR_FORMAT;
	out->kind = KX_ARM64_IMAGE;
	out->text_offset = kx_get_le64(p + OFF_TEXT_OFFSET);
	out->image_size = kx_get_le64(p + OFF_IMAGE_SIZE);
	out->flags = kx_get_le64(p + OFF_FLAGS);
	page = (unsigned)(out->flags >> KX_ARM64_FLAG_PAGE_SHIFT) & 3;
	out->page_kib = page ? 1u << (2 * page) : 0;
	out->anywhere = !!(out->flags & KX_ARM64_FLAG_ANYWHERE);
	/* Before 3.17 the size is 0 and text_offset may be wrong-endian. */
	if (!out->image_size || (out->flags & KX_ARM64_FLAG_BE))
		return KX_ERR_UNSUPPORTED;
	if (out->text_offset >= KX_ARM64_IMAGE_ALIGN ||
	    !KX_IS_ALIGNED(out->text_offset, 4096) ||
	    out->image_size < size || out->image_size > (1ull << 40))
		return KX_ERR_FORMAT;
	return KX_OK;
}
