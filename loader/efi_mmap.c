/* SPDX-License-Identifier: MIT */
/* UEFI memory map to e820 table; see include/kx/efi_mmap.h. */
#include <kexec_abi.h>
#include <kx/compiler.h>
#include <kx/efi_mmap.h>

#define EFI_PAGE_SHIFT 12

uint32_t kx_efi_e820_type(uint32_t efi_type)
{
	switch (efi_type) {
	case KX_EFI_LOADER_CODE:
	case KX_EFI_LOADER_DATA:
	case KX_EFI_BOOT_CODE:
	case KX_EFI_BOOT_DATA:
	case KX_EFI_CONVENTIONAL:
		/* Boot services are over when the kernel runs. */
		return KX_MEM_RAM;
	case KX_EFI_UNUSABLE:
		return KX_MEM_UNUSABLE;
	case KX_EFI_ACPI_RECLAIM:
		return KX_MEM_ACPI;
	case KX_EFI_ACPI_NVS:
		return KX_MEM_NVS;
	case KX_EFI_PERSISTENT:
		return KX_MEM_PERSISTENT;
	default:
		/* Runtime services, MMIO, PAL code and anything newer: keep out. */
		return KX_MEM_RESERVED;
	}
}

enum kx_status kx_e820_from_efi(const void *map, size_t count,
				size_t desc_size, struct kx_e820 *out,
				size_t max, unsigned *n)
{
	const uint8_t *d = map;
	unsigned m = 0;

	if ((count && !map) || !out || !n || desc_size < KX_EFI_DESC_MIN ||
	    !KX_IS_ALIGNED(desc_size, 8))
		return KX_ERR_INVAL;
	*n = 0;
	if (count > max || count > UINT32_MAX)
		return KX_ERR_NO_SPACE;
	for (size_t i = 0; i < count; i++, d += desc_size) {
		uint64_t start = kx_get_le64(d + 8), pages = kx_get_le64(d + 24);
		struct kx_e820 e = { start, pages << EFI_PAGE_SHIFT,
				     kx_efi_e820_type(kx_get_le32(d)) };
		unsigned j;

		if (!pages)
			continue;
		if (pages >> (64 - EFI_PAGE_SHIFT) || start + e.size - 1 < start)
			return KX_ERR_RANGE;
		/* Insertion sort: firmware maps are nearly sorted already. */
		for (j = m; j > 0 && out[j - 1].addr > start; j--)
			out[j] = out[j - 1];
		out[j] = e;
		m++;
	}
	/* Merge runs of one type; any overlap is a corrupt map. */
	*n = 0;
	for (unsigned i = 0; i < m; i++) {
		struct kx_e820 *last = *n ? &out[*n - 1] : 0;

		if (last && out[i].addr - last->addr < last->size)
			return KX_ERR_OVERLAP;
		/* Merged only while the size fits: [0, 2^64) has none. */
		if (last && last->type == out[i].type &&
		    last->addr + last->size == out[i].addr &&
		    out[i].size <= UINT64_MAX - last->size)
			last->size += out[i].size;
		else
			out[(*n)++] = out[i];
	}
	return KX_OK;
}

enum kx_status kx_e820_set(struct kx_e820 *e, unsigned *n, size_t max,
			   uint64_t addr, uint64_t size, uint32_t type)
{
	unsigned i, parts;

	if (!e || !n || !size)
		return KX_ERR_INVAL;
	if (!KX_IS_ALIGNED(addr, 4096) || !KX_IS_ALIGNED(size, 4096))
		return KX_ERR_ALIGN;
	for (i = 0; i < *n; i++)
		if (addr >= e[i].addr && addr - e[i].addr < e[i].size)
			break;
	if (i == *n || size > e[i].size - (addr - e[i].addr))
		return KX_ERR_RANGE;
	if (e[i].type == type)
		return KX_OK;
	{
		struct kx_e820 old = e[i];
		uint64_t head = addr - old.addr;
		uint64_t tail = old.size - head - size;

		parts = 1 + (head != 0) + (tail != 0);
		if (*n + parts - 1 > max)
			return KX_ERR_NO_SPACE;
		kx_memmove(&e[i + parts], &e[i + 1], (*n - i - 1) * sizeof(*e));
		*n += parts - 1;
		if (head) {
			e[i].size = head;
			i++;
		}
		e[i].addr = addr;
		e[i].size = size;
		e[i].type = type;
		if (tail) {
			e[i + 1].addr = addr + size;
			e[i + 1].size = tail;
			e[i + 1].type = old.type;
		}
	}
	return KX_OK;
}
