/* SPDX-License-Identifier: MIT */
/*
 * The arm64 Linux Image header (Documentation/arch/arm64/booting.rst):
 * 64 bytes at the start of the file that say how far from a 2 MiB aligned
 * base the image must be placed and how much memory it needs there.
 * Bounded: only the size given is read.
 */
#ifndef KX_ARM64_IMAGE_H
#define KX_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <kx/status.h>

#define KX_ARM64_IMAGE_HEADER_SIZE 64
#define KX_ARM64_IMAGE_ALIGN 0x200000ull	/* the base's alignment */

/* Header flags (bits of the 64-bit field at 0x18). */
#define KX_ARM64_FLAG_BE		0x1	/* big-endian kernel */
#define KX_ARM64_FLAG_PAGE_SHIFT	1	/* 2 bits: 0 unspecified, 1 4K, 2 16K, 3 64K */
#define KX_ARM64_FLAG_ANYWHERE		0x8	/* base may be anywhere in RAM */

/* What kx_arm64_image_parse found when it refused, for a clear message. */
enum kx_arm64_image_kind {
	KX_ARM64_IMAGE = 0,		/* an Image (its magic was found) */
	KX_ARM64_NOT_IMAGE,		/* nothing known */
	KX_ARM64_GZIP,			/* a gzip file: Image.gz */
	KX_ARM64_EFI_ZBOOT,		/* an EFI zboot image ("zimg") */
};

struct kx_arm64_image {
	enum kx_arm64_image_kind kind;
	uint64_t text_offset;	/* from the 2 MiB aligned base */
	uint64_t image_size;	/* memory needed from base + text_offset */
	uint64_t flags;
	unsigned page_kib;	/* 4, 16, 64, or 0 when unspecified */
	int anywhere;		/* KX_ARM64_FLAG_ANYWHERE */
};

/*
 * Parses the header of an Image of size bytes.  KX_ERR_TRUNCATED for a
 * file shorter than the header, KX_ERR_FORMAT when it is not an Image
 * (out->kind says what it looks like), KX_ERR_UNSUPPORTED for an Image
 * kx cannot place: image_size 0 (kernels before 3.17 give no size), a
 * big-endian kernel.  KX_ERR_FORMAT also for an inconsistent header: a
 * text_offset not page aligned or past 2 MiB, an image_size smaller than
 * the file.
 */
enum kx_status kx_arm64_image_parse(const void *image, size_t size,
				    struct kx_arm64_image *out);

#endif
