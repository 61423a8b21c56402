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

/* The type a kernel entered without EFI gives a descriptor. */
static uint32_t efi_kernel_type(uint32_t efi_type, uint64_t attr)
{
	uint32_t t = kx_efi_e820_type(efi_type);

	/* RAM only where it can be mapped write-back (Linux's arm64
	 * is_usable_memory): anything else it would map as device memory. */
	if (t == KX_MEM_RAM && !(attr & KX_EFI_MEMORY_WB))
		return KX_MEM_RESERVED;
	return t;
}

static uint32_t efi_attr(uint32_t efi_type, uint64_t attr)
{
	return KX_MEM_A_EFI |
	       (efi_type < KX_MEM_EFI_OTHER ? efi_type : KX_MEM_EFI_OTHER) |
	       (attr & KX_EFI_MEMORY_WB ? KX_MEM_A_EFI_WB : 0) |
	       (attr & KX_EFI_MEMORY_RUNTIME ? KX_MEM_A_EFI_RUNTIME : 0);
}

enum kx_status kx_efi_mem_ranges(const void *map, size_t count, size_t desc_size,
				 struct kx_mem_range *out, size_t max, unsigned *n)
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
		uint32_t type = kx_get_le32(d);
		uint64_t start = kx_get_le64(d + 8), pages = kx_get_le64(d + 24);
		uint64_t attr = kx_get_le64(d + 32);
		struct kx_mem_range e = { start, pages << EFI_PAGE_SHIFT,
					  efi_kernel_type(type, attr), efi_attr(type, attr) };
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
	for (unsigned i = 0; i < m; i++) {
		struct kx_mem_range *last = *n ? &out[*n - 1] : 0;

		if (last && out[i].addr - last->addr < last->size)
			return KX_ERR_OVERLAP;
		if (last && last->type == out[i].type && last->attr == out[i].attr &&
		    last->addr + last->size == out[i].addr &&
		    out[i].size <= UINT64_MAX - last->size)
			last->size += out[i].size;
		else
			out[(*n)++] = out[i];
	}
	return KX_OK;
}

/* Appends [start, last] (inclusive: a range may end at 2^64) to out. */
static enum kx_status reserve_part(struct kx_mem_range *out, size_t max, unsigned *n,
				   uint64_t start, uint64_t last)
{
	struct kx_mem_range *prev = *n ? &out[*n - 1] : 0;

	if (last - start == UINT64_MAX)
		return KX_ERR_RANGE;	/* 2^64 bytes: no size holds it */
	if (prev && prev->addr + prev->size == start && last - start < UINT64_MAX - prev->size) {
		prev->size += last - start + 1;
		return KX_OK;
	}
	if (*n == max)
		return KX_ERR_NO_SPACE;
	out[(*n)++] = (struct kx_mem_range){ start, last - start + 1, KX_MEM_RESERVED, 0 };
	return KX_OK;
}

enum kx_status kx_efi_reserved_in(const struct kx_mem_range *m, unsigned nm,
				  const struct kx_mem_range *mem, unsigned nmem,
				  struct kx_mem_range *out, size_t max, unsigned *n)
{
	if ((nm && !m) || (nmem && !mem) || !out || !n)
		return KX_ERR_INVAL;
	*n = 0;
	for (unsigned k = 0; k < nmem; k++) {
		uint64_t p = mem[k].addr, last;
		int covered = 0;
		enum kx_status st;

		/* A /memory range past 2^64 is cut there: nothing lies beyond. */
		if (!mem[k].size)
			continue;
		last = mem[k].size - 1 > UINT64_MAX - p ? UINT64_MAX : p + (mem[k].size - 1);
		/* One sweep over the sorted map: the gaps between RAM entries. */
		for (unsigned i = 0; i < nm && !covered; i++) {
			uint64_t ms = m[i].addr, mlast;

			if (m[i].type != KX_MEM_RAM || !m[i].size)
				continue;
			mlast = m[i].size - 1 > UINT64_MAX - ms ? UINT64_MAX : ms + (m[i].size - 1);
			if (mlast < p)
				continue;
			if (ms > last)
				break;
			if (ms > p) {
				st = reserve_part(out, max, n, p, ms - 1);
				if (st != KX_OK)
					return st;
			}
			if (mlast >= last)
				covered = 1;
			else
				p = mlast + 1;
		}
		if (!covered) {
			st = reserve_part(out, max, n, p, last);
			if (st != KX_OK)
				return st;
		}
	}
	return KX_OK;
}

enum kx_status kx_mem_ranges_set(struct kx_mem_range *e, unsigned *n, size_t max,
				 uint64_t addr, uint64_t size, uint32_t type)
{
	struct kx_mem_range old;
	uint64_t head, tail;
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
	old = e[i];
	head = addr - old.addr;
	tail = old.size - head - size;
	parts = 1 + (head != 0) + (tail != 0);
	if (*n + parts - 1 > max)
		return KX_ERR_NO_SPACE;
	kx_memmove(&e[i + parts], &e[i + 1], (*n - i - 1) * sizeof(*e));
	*n += parts - 1;
	if (head) {
		e[i].size = head;
		i++;
	}
	e[i] = (struct kx_mem_range){ addr, size, type, old.attr };
	if (tail)
		e[i + 1] = (struct kx_mem_range){ addr + size, tail, old.type, old.attr };
	return KX_OK;
}
