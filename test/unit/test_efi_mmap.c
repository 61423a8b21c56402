/* SPDX-License-Identifier: MIT */
#include <kexec_abi.h>
#include <kx/compiler.h>
#include <kx/efi_mmap.h>
#include "kxtest.h"

/* Descriptors as firmware lays them out, with OVMF's 48-byte stride. */
#define STRIDE 48
static uint8_t map[64 * STRIDE];
static size_t nmap;

static void desc(uint32_t type, uint64_t start, uint64_t pages)
{
	uint8_t *d = map + nmap++ * STRIDE;

	memset(d, 0xa5, STRIDE);	/* padding and attributes: ignored */
	kx_put_le32(d, type);
	kx_put_le64(d + 8, start);
	kx_put_le64(d + 16, 0);
	kx_put_le64(d + 24, pages);
}

KX_TEST(e820_from_efi_types_sort_merge)
{
	struct kx_e820 e[64];
	unsigned n;

	nmap = 0;
	/* Out of order, with runs that merge into one RAM entry. */
	desc(KX_EFI_CONVENTIONAL, 0x100000, 0x100);
	desc(KX_EFI_BOOT_DATA, 0, 0xa0);
	desc(KX_EFI_LOADER_CODE, 0x200000, 0x10);
	desc(KX_EFI_RUNTIME_DATA, 0x210000, 0x10);
	desc(KX_EFI_ACPI_RECLAIM, 0x220000, 1);
	desc(KX_EFI_ACPI_NVS, 0x221000, 1);
	desc(KX_EFI_MMIO, 0xffc00000, 0x400);
	desc(KX_EFI_CONVENTIONAL, 0x300000, 0);	/* empty: dropped */
	desc(99, 0x400000, 1);			/* unknown type: reserved */
	desc(KX_EFI_PERSISTENT, 0x500000, 1);
	desc(KX_EFI_UNUSABLE, 0x501000, 1);
	CHECK_ST(kx_e820_from_efi(map, nmap, STRIDE, e, 64, &n), KX_OK);
	CHECK_EQ(n, 9);
	CHECK_EQ(e[0].addr, 0);
	CHECK_EQ(e[0].size, 0xa0000);
	CHECK_EQ(e[0].type, KX_MEM_RAM);
	CHECK_EQ(e[1].addr, 0x100000);
	CHECK_EQ(e[1].size, 0x110000);		/* conventional + loader code */
	CHECK_EQ(e[1].type, KX_MEM_RAM);
	CHECK_EQ(e[2].type, KX_MEM_RESERVED);	/* runtime data */
	CHECK_EQ(e[3].type, KX_MEM_ACPI);
	CHECK_EQ(e[4].type, KX_MEM_NVS);
	CHECK_EQ(e[5].addr, 0x400000);
	CHECK_EQ(e[5].type, KX_MEM_RESERVED);
	CHECK_EQ(e[6].type, KX_MEM_PERSISTENT);
	CHECK_EQ(e[7].type, KX_MEM_UNUSABLE);
	CHECK_EQ(e[8].addr, 0xffc00000);
	CHECK_EQ(e[8].type, KX_MEM_RESERVED);
}

KX_TEST(e820_from_efi_refusals)
{
	struct kx_e820 e[64];
	unsigned n;

	nmap = 0;
	desc(KX_EFI_CONVENTIONAL, 0x100000, 0x100);
	desc(KX_EFI_CONVENTIONAL, 0x1ff000, 2);
	CHECK_ST(kx_e820_from_efi(map, nmap, STRIDE, e, 64, &n), KX_ERR_OVERLAP);
	CHECK_ST(kx_e820_from_efi(map, 1, STRIDE, e, 0, &n), KX_ERR_NO_SPACE);
	CHECK_ST(kx_e820_from_efi(map, 1, 36, e, 64, &n), KX_ERR_INVAL);
	CHECK_ST(kx_e820_from_efi(map, 1, 44, e, 64, &n), KX_ERR_INVAL);
	CHECK_ST(kx_e820_from_efi(NULL, 1, STRIDE, e, 64, &n), KX_ERR_INVAL);
	nmap = 0;
	desc(KX_EFI_CONVENTIONAL, 0xfffffffffffff000ull, 2);
	CHECK_ST(kx_e820_from_efi(map, nmap, STRIDE, e, 64, &n), KX_ERR_RANGE);
	nmap = 0;
	desc(KX_EFI_CONVENTIONAL, 0, 1ull << 60);
	CHECK_ST(kx_e820_from_efi(map, nmap, STRIDE, e, 64, &n), KX_ERR_RANGE);
	CHECK_ST(kx_e820_from_efi(map, 0, STRIDE, e, 64, &n), KX_OK);
	CHECK_EQ(n, 0);
}

/* Two halves of the address space of one type: merged they would be
 * 2^64 bytes, which no e820 size holds (it wrapped to an empty entry). */
KX_TEST(e820_from_efi_merge_never_wraps_the_size)
{
	struct kx_e820 e[4];
	unsigned n;

	nmap = 0;
	desc(KX_EFI_CONVENTIONAL, 0, 1ULL << 51);
	desc(KX_EFI_BOOT_CODE, 1ULL << 63, 1ULL << 51);
	CHECK_ST(kx_e820_from_efi(map, nmap, STRIDE, e, 4, &n), KX_OK);
	CHECK_EQ(n, 2);
	CHECK_EQ(e[0].addr, 0);
	CHECK_EQ(e[0].size, 1ULL << 63);
	CHECK_EQ(e[1].addr, 1ULL << 63);
	CHECK_EQ(e[1].size, 1ULL << 63);
	CHECK_EQ(e[1].type, KX_MEM_RAM);
	/* Three parts: the first two merge, the third stays apart. */
	nmap = 0;
	desc(KX_EFI_CONVENTIONAL, 0, 1ULL << 50);
	desc(KX_EFI_CONVENTIONAL, 1ULL << 62, 1ULL << 50);
	desc(KX_EFI_CONVENTIONAL, 1ULL << 63, 1ULL << 51);
	CHECK_ST(kx_e820_from_efi(map, nmap, STRIDE, e, 4, &n), KX_OK);
	CHECK_EQ(n, 2);
	CHECK_EQ(e[0].size, 1ULL << 63);
	CHECK_EQ(e[1].size, 1ULL << 63);
}

KX_TEST(e820_set_splits)
{
	struct kx_e820 e[8] = {
		{ 0, 0xa0000, KX_MEM_RAM }, { 0x100000, 0x100000, KX_MEM_RAM },
	};
	unsigned n = 2;

	/* Middle: three parts. */
	CHECK_ST(kx_e820_set(e, &n, 8, 0x180000, 0x3000, KX_MEM_RESERVED), KX_OK);
	CHECK_EQ(n, 4);
	CHECK_EQ(e[1].addr, 0x100000);
	CHECK_EQ(e[1].size, 0x80000);
	CHECK_EQ(e[2].addr, 0x180000);
	CHECK_EQ(e[2].size, 0x3000);
	CHECK_EQ(e[2].type, KX_MEM_RESERVED);
	CHECK_EQ(e[3].addr, 0x183000);
	CHECK_EQ(e[3].size, 0x7d000);
	CHECK_EQ(e[3].type, KX_MEM_RAM);
	/* At the start of an entry: two parts; the whole entry: one. */
	CHECK_ST(kx_e820_set(e, &n, 8, 0, 0x1000, KX_MEM_RESERVED), KX_OK);
	CHECK_EQ(n, 5);
	CHECK_EQ(e[0].size, 0x1000);
	CHECK_EQ(e[1].addr, 0x1000);
	CHECK_ST(kx_e820_set(e, &n, 8, 0x180000, 0x3000, KX_MEM_NVS), KX_OK);
	CHECK_EQ(n, 5);
	CHECK_EQ(e[3].type, KX_MEM_NVS);
	/* Already of that type: nothing to do. */
	CHECK_ST(kx_e820_set(e, &n, 8, 0x1000, 0x1000, KX_MEM_RAM), KX_OK);
	CHECK_EQ(n, 5);
	/* Refusals. */
	CHECK_ST(kx_e820_set(e, &n, 8, 0x9f000, 0x2000, KX_MEM_RESERVED), KX_ERR_RANGE);
	CHECK_ST(kx_e820_set(e, &n, 8, 0xa0000, 0x1000, KX_MEM_RESERVED), KX_ERR_RANGE);
	CHECK_ST(kx_e820_set(e, &n, 8, 0x100800, 0x1000, KX_MEM_RESERVED), KX_ERR_ALIGN);
	CHECK_ST(kx_e820_set(e, &n, 5, 0x110000, 0x1000, KX_MEM_RESERVED), KX_ERR_NO_SPACE);
	CHECK_EQ(n, 5);
}

/* attrs of the last descriptor desc() wrote. */
static void desc_attr(uint64_t attr)
{
	kx_put_le64(map + (nmap - 1) * STRIDE + 32, attr);
}

#define WB KX_EFI_MEMORY_WB
#define RT KX_EFI_MEMORY_RUNTIME

/* The EFI-typed map: sorted, merged only within one EFI type and attr,
 * RAM only where write-back. */
KX_TEST(efi_mem_ranges_types_and_attrs)
{
	struct kx_mem_range e[64];
	unsigned n;

	nmap = 0;
	desc(KX_EFI_CONVENTIONAL, 0x40100000, 0x100); desc_attr(WB | 0xf);
	desc(KX_EFI_BOOT_DATA, 0x40000000, 0x100); desc_attr(WB);
	desc(KX_EFI_CONVENTIONAL, 0x40200000, 0x10); desc_attr(WB | 0xf);
	desc(KX_EFI_RUNTIME_CODE, 0x40210000, 0x10); desc_attr(WB | RT);
	desc(KX_EFI_RUNTIME_DATA, 0x40220000, 0x20); desc_attr(WB | RT);
	desc(KX_EFI_CONVENTIONAL, 0x40240000, 1); desc_attr(0x1);	/* UC only */
	desc(KX_EFI_MMIO, 0x4000000, 0x1000); desc_attr(RT | 1);
	desc(0x80000001u, 0x40241000, 1); desc_attr(WB);
	CHECK_ST(kx_efi_mem_ranges(map, nmap, STRIDE, e, 64, &n), KX_OK);
	CHECK_EQ(n, 7);
	CHECK_EQ(e[0].addr, 0x4000000);
	CHECK_EQ(e[0].type, KX_MEM_RESERVED);
	CHECK_EQ(e[0].attr, KX_MEM_A_EFI | KX_EFI_MMIO | KX_MEM_A_EFI_RUNTIME);
	CHECK_EQ(e[1].addr, 0x40000000);
	CHECK_EQ(e[1].attr, KX_MEM_A_EFI | KX_EFI_BOOT_DATA | KX_MEM_A_EFI_WB);
	CHECK_EQ(e[1].type, KX_MEM_RAM);
	CHECK_EQ(e[2].addr, 0x40100000);
	CHECK_EQ(e[2].size, 0x110000);		/* two conventional runs merged */
	CHECK_EQ(e[3].attr, KX_MEM_A_EFI | KX_EFI_RUNTIME_CODE | KX_MEM_A_EFI_WB |
			   KX_MEM_A_EFI_RUNTIME);
	CHECK_EQ(e[3].type, KX_MEM_RESERVED);
	CHECK_EQ(e[4].size, 0x20000);
	CHECK_EQ(e[5].type, KX_MEM_RESERVED);	/* conventional but not WB */
	CHECK_EQ(e[5].attr, KX_MEM_A_EFI | KX_EFI_CONVENTIONAL);
	CHECK_EQ(e[6].attr, KX_MEM_A_EFI | KX_MEM_EFI_OTHER | KX_MEM_A_EFI_WB);
	/* Room for every descriptor, as they are sorted before merging. */
	CHECK_ST(kx_efi_mem_ranges(map, nmap, STRIDE, e, nmap, &n), KX_OK);
	CHECK_ST(kx_efi_mem_ranges(map, nmap, STRIDE, e, nmap - 1, &n), KX_ERR_NO_SPACE);
	desc(KX_EFI_CONVENTIONAL, 0x40000800ull, 1);
	CHECK_ST(kx_efi_mem_ranges(map, nmap, STRIDE, e, 64, &n), KX_ERR_OVERLAP);
}

/* The parts of /memory that are not RAM in the map: runtime ranges,
 * holes, and what lies past the map's end. */
KX_TEST(efi_reserved_in_memory)
{
	const struct kx_mem_range m[] = {
		{ 0x4000000, 0x1000000, KX_MEM_RESERVED, 0 },
		{ 0x40000000, 0x100000, KX_MEM_RAM, 0 },
		{ 0x40100000, 0x110000, KX_MEM_RAM, 1 },	/* touches: no gap */
		{ 0x40210000, 0x30000, KX_MEM_RESERVED, 0 },
		{ 0x40240000, 0x1000, KX_MEM_RAM, 0 },
		/* hole 0x40241000 - 0x40300000 */
		{ 0x40300000, 0x3fd00000, KX_MEM_RAM, 0 },
	};
	const struct kx_mem_range mem[] = {
		{ 0x40000000, 0x40000000, KX_MEM_RAM, 0 },	/* all RAM but three parts */
		{ 0x100000000ull, 0x1000, KX_MEM_RAM, 0 },	/* the map says nothing */
		{ 0x40240000, 0x1000, KX_MEM_RAM, 0 },		/* RAM throughout */
		{ 0xfffffffffffff000ull, 0x2000, KX_MEM_RAM, 0 },	/* past 2^64: cut */
	};
	struct kx_mem_range out[8];
	unsigned n;

	CHECK_ST(kx_efi_reserved_in(m, 6, mem, 4, out, 8, &n), KX_OK);
	CHECK_EQ(n, 4);
	CHECK_EQ(out[0].addr, 0x40210000);
	CHECK_EQ(out[0].size, 0x30000);
	CHECK_EQ(out[0].type, KX_MEM_RESERVED);
	CHECK_EQ(out[1].addr, 0x40241000);
	CHECK_EQ(out[1].size, 0xbf000);
	CHECK_EQ(out[2].addr, 0x100000000ull);
	CHECK_EQ(out[2].size, 0x1000);
	CHECK_EQ(out[3].addr, 0xfffffffffffff000ull);
	CHECK_EQ(out[3].size, 0x1000);
	/* A /memory range whose end the map does not reach. */
	CHECK_ST(kx_efi_reserved_in(m, 5, mem, 1, out, 8, &n), KX_OK);
	CHECK_EQ(n, 2);
	CHECK_EQ(out[1].addr, 0x40241000);
	CHECK_EQ(out[1].size, 0x80000000ull - 0x40241000);
	CHECK_ST(kx_efi_reserved_in(m, 6, mem, 4, out, 3, &n), KX_ERR_NO_SPACE);
	CHECK_EQ(n, 3);
	/* No map at all: every /memory range is reserved. */
	CHECK_ST(kx_efi_reserved_in(m, 0, mem, 1, out, 8, &n), KX_OK);
	CHECK_EQ(n, 1);
	CHECK_EQ(out[0].size, 0x40000000);
}

KX_TEST(mem_ranges_set_keeps_the_attr)
{
	struct kx_mem_range e[4] = {
		{ 0x40000000, 0x100000, KX_MEM_RAM, KX_MEM_A_EFI | KX_EFI_LOADER_DATA },
	};
	unsigned n = 1;

	CHECK_ST(kx_mem_ranges_set(e, &n, 4, 0x40010000, 0x3000, KX_MEM_RESERVED), KX_OK);
	CHECK_EQ(n, 3);
	CHECK_EQ(e[0].size, 0x10000);
	CHECK_EQ(e[1].addr, 0x40010000);
	CHECK_EQ(e[1].type, KX_MEM_RESERVED);
	CHECK_EQ(e[1].attr, KX_MEM_A_EFI | KX_EFI_LOADER_DATA);
	CHECK_EQ(e[2].addr, 0x40013000);
	CHECK_EQ(e[2].type, KX_MEM_RAM);
	CHECK_ST(kx_mem_ranges_set(e, &n, 3, 0x40020000, 0x1000, KX_MEM_RESERVED), KX_ERR_NO_SPACE);
	CHECK_ST(kx_mem_ranges_set(e, &n, 4, 0x50000000, 0x1000, KX_MEM_RESERVED), KX_ERR_RANGE);
	CHECK_ST(kx_mem_ranges_set(e, &n, 4, 0x40000800, 0x1000, KX_MEM_RESERVED), KX_ERR_ALIGN);
}
