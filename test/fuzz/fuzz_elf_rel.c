/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the ET_REL loader: open, size, load at an address
 * taken from the input's last 8 bytes, read and set symbols.  Every write
 * must stay inside the image it was given (ASan checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <kx/elf_rel.h>

#define MAX_IMAGE (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_elf_rel e;
	uint64_t isize, align, phys, addr, sz;
	uint8_t digest[32] = { 0 }, *image;

	if (size < 8)
		return 0;
	memcpy(&phys, data + size - 8, 8);
	size -= 8;
	if (kx_elf_rel_open(&e, data, size) != KX_OK)
		return 0;
	if (kx_elf_rel_image_size(&e, &isize, &align) != KX_OK || isize > MAX_IMAGE)
		return 0;
	phys &= ~(align - 1);
	image = malloc(isize ? isize : 1);
	if (!image)
		return 0;
	if (kx_elf_rel_load(&e, image, isize, phys) == KX_OK) {
		if (kx_elf_rel_symbol(&e, "sha256_digest", &addr, &sz) == KX_OK)
			kx_elf_rel_set(&e, "sha256_digest", digest, sizeof(digest));
		kx_elf_rel_get(&e, "entry64_regs", image, 0);
	}
	free(image);
	return 0;
}
