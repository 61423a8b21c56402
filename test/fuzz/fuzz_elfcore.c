/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the ELF core header check and fix-up.  Input: one
 * byte n (0-7 extents), n extents of 24 bytes, one byte of spare program
 * header slots, then the header.  The fix-up must never write past the
 * capacity it was given, and what it produces must check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <kx/elfcore.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_backup_extent ext[7];
	unsigned n;
	size_t len, cap;
	uint8_t *buf;

	if (size < 2)
		return 0;
	n = data[0] & 7;
	if (size < 2 + n * sizeof(ext[0]))
		return 0;
	memcpy(ext, data + 1, n * sizeof(ext[0]));
	cap = (size_t)data[1 + n * sizeof(ext[0])] * 56;
	data += 2 + n * sizeof(ext[0]);
	size -= 2 + n * sizeof(ext[0]);
	len = size;
	cap += len;
	/* Exactly cap bytes, so ASan catches any write beyond. */
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, len);
	kx_elfcore_check(buf, len);
	if (kx_elfcore_fixup(buf, &len, cap, ext, n) == KX_OK) {
		if (len > cap || kx_elfcore_check(buf, len) != KX_OK)
			__builtin_trap();
	}
	free(buf);
	return 0;
}
