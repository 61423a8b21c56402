/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the arm64 Image header parser. */
#include <stdint.h>
#include <kx/arm64_image.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_arm64_image im;

	if (kx_arm64_image_parse(data, size, &im) != KX_OK)
		return 0;
	/* What a loader relies on when it places the image. */
	if (im.kind != KX_ARM64_IMAGE || im.text_offset >= KX_ARM64_IMAGE_ALIGN ||
	    im.text_offset % 4096 || im.image_size < size || !im.image_size)
		__builtin_trap();
	return 0;
}
