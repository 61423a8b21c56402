/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the UEFI memory map to e820 conversion
 * (kx_e820_from_efi) and the in-place retyping kxboot applies to its result
 * (kx_e820_set).  The input is a descriptor size, descriptors (types,
 * starts and page counts mostly small, sometimes any 64-bit value) and a
 * range to retype.  Oracles, in 128-bit arithmetic:
 *  - a descriptor running past 2^64 (or 2^64 bytes long, which no e820
 *    size holds) or two overlapping ones are refused;
 *  - a converted table is sorted, its entries disjoint and non-empty, no
 *    two touching entries of one type left unmerged (unless their merged
 *    size would not fit), and every byte of every descriptor lies in an
 *    entry of the descriptor's e820 type, nothing else: the sizes add up;
 *  - a retyped table holds the range with its new type and every other
 *    byte with its old one.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <kx/compiler.h>
#include <kx/efi_mmap.h>
#include "fuzz_script.h"

#define MAX_DESC 64
#define PG 4096

struct desc {
	uint32_t type;
	uint64_t start, pages;
};

/* The e820 type at address a in out[0..n), or 0 when none holds it. */
static uint32_t type_at(const struct kx_e820 *out, unsigned n, u128 a)
{
	for (unsigned i = 0; i < n; i++)
		if (a >= out[i].addr && a < (u128)out[i].addr + out[i].size)
			return out[i].type;
	return 0;
}

/* The table is sorted, disjoint, non-empty and within 2^64. */
static void check_shape(const struct kx_e820 *out, unsigned n, int merged)
{
	for (unsigned i = 0; i < n; i++) {
		u128 end = (u128)out[i].addr + out[i].size;

		check(out[i].size != 0 && end <= ((u128)1 << 64));
		if (i + 1 < n) {
			check(end <= out[i + 1].addr);
			if (merged && end == out[i + 1].addr && out[i].type == out[i + 1].type)
				check((u128)out[i].size + out[i + 1].size >= ((u128)1 << 64));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t map[MAX_DESC * 128];
	static struct desc d[MAX_DESC];
	static struct kx_e820 out[MAX_DESC + 2], before[MAX_DESC + 2];
	struct src in = { data, size };
	size_t dsz = KX_EFI_DESC_MIN + 8 * (get(&in, 1) % 12);
	unsigned count = (unsigned)get(&in, 1) % (MAX_DESC + 1), n = 0, n0;
	u128 sum = 0, total = 0;
	int wraps = 0, overlaps = 0;
	enum kx_status st;

	memset(map, 0xa5, sizeof(map));
	for (unsigned i = 0; i < count; i++) {
		uint8_t how = (uint8_t)get(&in, 1);
		uint8_t *p = map + i * dsz;

		d[i].type = how & 1 ? (uint32_t)get(&in, 4) : (uint32_t)get(&in, 1) % 16;
		d[i].start = how & 2 ? get(&in, 8) : get(&in, 2) * (uint64_t)PG;
		d[i].pages = how & 4 ? get(&in, 8) : get(&in, 1);
		kx_put_le32(p, d[i].type);
		kx_put_le64(p + 8, d[i].start);
		kx_put_le64(p + 16, get(&in, 8));	/* virtual start: ignored */
		kx_put_le64(p + 24, d[i].pages);
		kx_put_le64(p + 32, get(&in, 8));	/* attributes: ignored */
		/* Past 2^64, or 2^64 bytes (no e820 size holds that). */
		if (d[i].pages && ((u128)d[i].start + (u128)d[i].pages * PG > ((u128)1 << 64) ||
				   (u128)d[i].pages * PG >= ((u128)1 << 64)))
			wraps = 1;
	}
	for (unsigned i = 0; i < count; i++)
		for (unsigned j = 0; j < i && !wraps; j++) {
			u128 a = d[i].start, ae = a + (u128)d[i].pages * PG;
			u128 b = d[j].start, be = b + (u128)d[j].pages * PG;

			if (d[i].pages && d[j].pages && a < be && b < ae)
				overlaps = 1;
		}

	st = kx_e820_from_efi(map, count, dsz, out, MAX_DESC, &n);
	if (wraps)
		check(st == KX_ERR_RANGE);
	else if (overlaps)
		check(st == KX_ERR_OVERLAP);
	else
		check(st == KX_OK);
	if (st != KX_OK)
		return 0;

	check(n <= count);
	check_shape(out, n, 1);
	for (unsigned i = 0; i < count; i++) {
		u128 s = d[i].start, e = s + (u128)d[i].pages * PG;
		uint32_t t = kx_efi_e820_type(d[i].type);

		if (!d[i].pages)
			continue;
		sum += e - s;
		/* Both ends and a middle page carry the descriptor's type. */
		check(type_at(out, n, s) == t && type_at(out, n, e - 1) == t);
		check(type_at(out, n, s + (e - s) / PG / 2 * PG) == t);
	}
	for (unsigned i = 0; i < n; i++)
		total += out[i].size;
	check(total == sum);

	/* Retype a range, as kxboot does for what it allocated. */
	{
		uint64_t addr = get(&in, 1) & 1 ? get(&in, 8) :
			(n ? out[get(&in, 1) % n].addr : 0) + get(&in, 1) * (uint64_t)PG;
		uint64_t len = get(&in, 1) & 1 ? get(&in, 8) : (1 + get(&in, 1)) * (uint64_t)PG;
		uint32_t type = 1 + (uint32_t)get(&in, 1) % 7;
		size_t max = n + get(&in, 1) % 3;

		memcpy(before, out, sizeof(out));
		n0 = n;
		st = kx_e820_set(out, &n, max, addr, len, type);
		if (st != KX_OK) {
			check(n == n0 && !memcmp(before, out, sizeof(out)));
			return 0;
		}
		check(n <= max && n <= n0 + 2);
		check_shape(out, n, 0);
		check((addr | len) % PG == 0);
		check(type_at(out, n, addr) == type &&
		      type_at(out, n, (u128)addr + len - 1) == type);
		/* Everything else as it was: each old entry's ends, and the
		 * pages just outside the range. */
		for (unsigned i = 0; i < n0; i++) {
			u128 s = before[i].addr, e = s + before[i].size - 1;

			if (s < addr || s >= (u128)addr + len)
				check(type_at(out, n, s) == before[i].type);
			if (e < addr || e >= (u128)addr + len)
				check(type_at(out, n, e) == before[i].type);
		}
		if (addr >= PG)
			check(type_at(out, n, addr - 1) == type_at(before, n0, addr - 1));
		check(type_at(out, n, (u128)addr + len) == type_at(before, n0, (u128)addr + len));
	}
	return 0;
}
