/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the bzImage header parser and zero-page builder. */
#include <stdint.h>
#include <kx/bzimage.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t bp[KX_BOOT_PARAMS_SIZE];
	struct kx_e820 map[2] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x7ff00000, 1 } };
	struct kx_bzimage_boot boot = {
		.cmdline_phys = 0x20000, .cmdline_len = 200, .initrd_phys = 0x10000000,
		.initrd_size = 0x100000, .e820 = map, .e820_count = 2,
	};
	struct kx_bzimage bz;

	if (kx_bzimage_parse(data, size, &bz) != KX_OK)
		return 0;
	if (bz.kernel_offset + bz.kernel_size != size)
		__builtin_trap();
	kx_bzimage_boot_params(data, size, &bz, &boot, bp);
	return 0;
}
