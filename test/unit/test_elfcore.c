/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/elfcore.h>
#include "kxtest.h"

#define PH 56
#define MAXPH 200

static size_t make_core(uint8_t *h, const uint64_t (*loads)[3], unsigned n)
{
	memset(h, 0, 64 + MAXPH * PH);
	memcpy(h, "\x7f" "ELF\x02\x01\x01", 7);
	h[16] = 4;			/* ET_CORE */
	h[18] = 62;			/* EM_X86_64 */
	kx_put_le64(h + 32, 64);	/* e_phoff */
	h[52] = 64;			/* e_ehsize */
	h[54] = PH;
	h[56] = (uint8_t)(n + 1);
	/* A PT_NOTE first, as kexec-tools writes it. */
	kx_put_le32(h + 64, 4);
	kx_put_le64(h + 64 + 8, 0x7777000);
	kx_put_le64(h + 64 + 32, 0x100);
	kx_put_le64(h + 64 + 40, 0x100);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = h + 64 + (i + 1) * PH;

		kx_put_le32(p, 1);
		kx_put_le64(p + 8, loads[i][1]);	/* offset */
		kx_put_le64(p + 16, 0xffff800000000000ULL + loads[i][0]);
		kx_put_le64(p + 24, loads[i][0]);	/* paddr */
		kx_put_le64(p + 32, loads[i][2]);
		kx_put_le64(p + 40, loads[i][2]);
	}
	return 64 + (n + 1) * PH;
}

/* Where the header says the byte of physical address a is read, or ~0. */
static uint64_t lookup(const uint8_t *h, uint64_t a, uint64_t *vaddr)
{
	unsigned n = h[56] | h[57] << 8;
	uint64_t found = ~0ULL;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = h + 64 + i * PH;
		uint64_t pa = kx_get_le64(p + 24), sz = kx_get_le64(p + 40);

		if (kx_get_le32(p) != 1 || a < pa || a - pa >= sz)
			continue;
		CHECK(found == ~0ULL);	/* no two headers for one byte */
		found = kx_get_le64(p + 8) + (a - pa);
		*vaddr = kx_get_le64(p + 16) + (a - pa);
	}
	return found;
}

static uint64_t model(const uint64_t (*loads)[3], unsigned nl,
		      const struct kx_backup_extent *x, unsigned nx, uint64_t a)
{
	for (unsigned i = 0; i < nl; i++) {
		if (a < loads[i][0] || a - loads[i][0] >= loads[i][2])
			continue;
		for (unsigned j = 0; j < nx; j++)
			if (a >= x[j].orig && a - x[j].orig < x[j].pages * 4096)
				return x[j].current + (a - x[j].orig);
		return loads[i][1] + (a - loads[i][0]);
	}
	return ~0ULL;
}

KX_TEST(elfcore_fixup_moves_displaced_ranges_and_splits_headers)
{
	static uint8_t h[64 + MAXPH * PH];
	/* The x86 crash layout: low memory, then the rest of RAM. */
	const uint64_t loads[2][3] = {
		{ 0x1000, 0x1000, 0x9f000 }, { 0x100000, 0x100000, 0x3fee0000 },
	};
	struct kx_backup_extent x[2] = {
		{ 0x1000, 0x2f000000, 0x9f },		/* the backup region */
		{ 0x200000, 0x30000000, 0x10 },		/* inside the big one */
	};
	size_t len = make_core(h, loads, 2);
	uint64_t va;

	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 2), KX_OK);
	CHECK_EQ(h[56], 1 + 1 + 3);	/* note, low, big split in three */
	CHECK_EQ(len, 64 + 5 * PH);
	CHECK_EQ(lookup(h, 0x1000, &va), 0x2f000000);
	CHECK_EQ(va, 0xffff800000001000ULL);
	CHECK_EQ(lookup(h, 0x9ffff, &va), 0x2f09efff);
	CHECK_EQ(lookup(h, 0x1fffff, &va), 0x1fffff);
	CHECK_EQ(lookup(h, 0x200000, &va), 0x30000000);
	CHECK_EQ(lookup(h, 0x20ffff, &va), 0x3000ffff);
	CHECK_EQ(lookup(h, 0x210000, &va), 0x210000);
	CHECK_EQ(va, 0xffff800000210000ULL);
	CHECK_EQ(kx_get_le32(h + 64), 4);	/* the note stays first */
}

KX_TEST(elfcore_fixup_matches_a_model_on_random_layouts)
{
	static uint8_t h[64 + MAXPH * PH], before[sizeof(h)];

	for (int iter = 0; iter < 2000; iter++) {
		uint64_t loads[6][3], a = 0;
		struct kx_backup_extent x[5];
		unsigned nl = 1 + (unsigned)kx_rand_below(6), nx = (unsigned)kx_rand_below(6);
		size_t len, cap, len0;
		enum kx_status st;

		for (unsigned i = 0; i < nl; i++) {
			a += kx_rand_below(8) * 4096;
			loads[i][0] = a;
			loads[i][1] = 0x100000000ULL + a * 3;
			loads[i][2] = (kx_rand_below(12)) * 4096;	/* may be empty */
			a += loads[i][2];
		}
		a = 0;
		for (unsigned j = 0; j < nx; j++) {
			a += kx_rand_below(10) * 4096;
			x[j].orig = a;
			x[j].pages = 1 + kx_rand_below(6);
			x[j].current = 0x800000000ULL + j * 0x1000000;
			a += x[j].pages * 4096;
		}
		len = len0 = make_core(h, (const uint64_t (*)[3])loads, nl);
		cap = len + kx_rand_below(12) * PH;
		memcpy(before, h, sizeof(h));
		st = kx_elfcore_fixup(h, &len, cap, x, nx);
		if (st == KX_ERR_NO_SPACE) {
			CHECK_EQ(len, len0);
			CHECK_MEM(h, before, sizeof(h));	/* untouched */
			continue;
		}
		CHECK_ST(st, KX_OK);
		CHECK(len <= cap);
		for (uint64_t p = 0; p < a + 16 * 4096 + 0x100000; p += 2048) {
			uint64_t va = 0, got = lookup(h, p, &va);

			CHECK_EQ(got, model((const uint64_t (*)[3])loads, nl, x, nx, p));
			if (got != ~0ULL)
				CHECK_EQ(va, 0xffff800000000000ULL + p);
		}
	}
}

KX_TEST(elfcore_fixup_refuses_bad_input_and_leaves_it)
{
	static uint8_t h[64 + MAXPH * PH];
	const uint64_t loads[1][3] = { { 0x1000, 0x1000, 0x4000 } };
	struct kx_backup_extent x[2] = { { 0x1000, 0x9000, 2 }, { 0x2000, 0xa000, 1 } };
	size_t len = make_core(h, loads, 1), len0 = len;

	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 2), KX_ERR_OVERLAP);
	x[1].orig = 0x2800;
	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 2), KX_ERR_ALIGN);
	x[1].orig = 0x4000;
	x[1].pages = ~0ULL;
	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 2), KX_ERR_RANGE);
	/* Splitting needs one more header than there is room for. */
	x[0] = (struct kx_backup_extent){ 0x2000, 0x9000, 1 };
	CHECK_ST(kx_elfcore_fixup(h, &len, len + PH, x, 1), KX_ERR_NO_SPACE);
	CHECK_EQ(len, len0);
	CHECK_ST(kx_elfcore_fixup(h, &len, len + 2 * PH, x, 1), KX_OK);
	/* Not a core file, truncated, filesz != memsz. */
	h[16] = 2;
	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 1), KX_ERR_FORMAT);
	h[16] = 4;
	len0 = len;
	len = 100;
	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 1), KX_ERR_TRUNCATED);
	len = len0;
	kx_put_le64(h + 64 + PH + 32, 0x10);
	CHECK_ST(kx_elfcore_fixup(h, &len, sizeof(h), x, 1), KX_ERR_FORMAT);
}
