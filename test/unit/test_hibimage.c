/* SPDX-License-Identifier: MIT */
/*
 * The hibernation image's reader (loader/hibimage.c): a small image built
 * here field by field, then each way of breaking it, refused with the
 * field it broke.  The golden fixtures of the independent Python writer
 * are checked by test/fixtures/hib_check.sh.
 */
#include <stdlib.h>
#include <kx/hibimage.h>
#include <kx/sha256.h>
#include "kxtest.h"

#define PG 4096u

struct img {
	uint8_t *b;
	uint64_t size;
};

/* RAM [1 MiB, 9 MiB) and [16 MiB, 20 MiB); extents: 2 data pages at
 * 0x200000, 3 zero pages at 0x300000, 1 data page at 0x1000000 (the
 * control page). */
static struct img build(void)
{
	static const struct kx_mem_range mm[3] = {
		{ 0x100000, 0x800000, KX_MEM_RAM, 0 },
		{ 0x900000, 0x100000, KX_MEM_RESERVED, 0 },
		{ 0x1000000, 0x400000, KX_MEM_RAM, 0 },
	};
	struct kx_hib_extent x[3] = {
		{ 0x200000, 2, 0, 0, 0, { 0 } },
		{ 0x300000, 3, 0, KX_HIB_X_ZERO, 0, { 0 } },
		{ 0x1000000, 1, 0, 0, 0, { 0 } },
	};
	static const char id[] = "OSRELEASE=6.12.0-test\nSYMBOL(_stext)=ffffffff81000000\n";
	struct kx_hib_header h = { 0 };
	struct img m;
	uint8_t *zeros = calloc(3, PG);

	memcpy(h.magic, KX_HIB_MAGIC, 8);
	h.major = 1;
	h.header_size = KX_HIB_HEADER_SIZE;
	h.flags = KX_HIB_F_PHYSICAL;
	h.page_size = PG;
	h.jump_back = 0x1000000 + 0x123;
	h.list_head = 0x1001002;
	h.control_page = 0x1000000;
	h.ram_bytes = 0xc00000;
	h.nmmap = 3;
	h.nextents = 3;
	h.kernel_id_size = sizeof(id) - 1;
	h.data_off = kx_hib_layout_data_off(&h);
	h.data_pages = 3;
	h.total_size = h.data_off + 3 * PG;
	CHECK_EQ(h.data_off, PG);
	m.size = h.total_size;
	m.b = calloc(1, m.size);
	for (uint64_t i = h.data_off; i < m.size; i++)
		m.b[i] = (uint8_t)(i * 7 + 1);
	x[0].data_off = h.data_off;
	x[2].data_off = h.data_off + 2 * PG;
	kx_sha256(m.b + x[0].data_off, 2 * PG, x[0].sha256);
	kx_sha256(zeros, 3 * PG, x[1].sha256);
	kx_sha256(m.b + x[2].data_off, PG, x[2].sha256);
	memcpy(m.b, &h, sizeof(h));
	memcpy(m.b + kx_hib_mmap_off(&h), mm, sizeof(mm));
	memcpy(m.b + kx_hib_extents_off(&h), x, sizeof(x));
	memcpy(m.b + kx_hib_kernel_id_off(&h), id, h.kernel_id_size);
	kx_hib_meta_digest(m.b, h.data_off, m.b + 0x60);
	free(zeros);
	return m;
}

/* Re-seals the tables after an edit, so the check under test is reached. */
static void reseal(struct img *m)
{
	struct kx_hib_header h;

	memcpy(&h, m->b, sizeof(h));
	kx_hib_meta_digest(m->b, h.data_off <= m->size ? h.data_off : PG, m->b + 0x60);
}

static enum kx_status parse(const struct img *m, struct kx_hib_view *v)
{
	return kx_hib_parse(m->b, m->size, m->size, v);
}

KX_TEST(hib_parse_accepts_a_good_image_and_checks_every_extent)
{
	struct img m = build();
	struct kx_hib_view v;
	struct kx_hib_extent x;
	uint8_t *zeros = calloc(3, PG);

	CHECK_ST(parse(&m, &v), KX_OK);
	CHECK_EQ(v.h.nextents, 3);
	CHECK_EQ(v.zero_pages, 3);
	CHECK(!memcmp(v.kernel_id, "OSRELEASE=6.12.0-test\n", 22));
	kx_hib_extent_at(&v, 0, &x);
	CHECK_ST(kx_hib_check_extent(&x, m.b + x.data_off), KX_OK);
	kx_hib_extent_at(&v, 1, &x);
	CHECK_ST(kx_hib_check_extent(&x, zeros), KX_OK);
	kx_hib_extent_at(&v, 2, &x);
	CHECK_ST(kx_hib_check_extent(&x, m.b + x.data_off), KX_OK);
	/* A flipped byte in the data: the tables still parse, the extent not. */
	m.b[x.data_off + 100] ^= 1;
	CHECK_ST(parse(&m, &v), KX_OK);
	CHECK_ST(kx_hib_check_extent(&x, m.b + x.data_off), KX_ERR_DIGEST);
	free(zeros);
	free(m.b);
}

KX_TEST(hib_parse_refuses_truncation_and_a_changed_table)
{
	struct img m = build();
	struct kx_hib_view v;

	/* Truncated: the header says more than there is. */
	CHECK_ST(kx_hib_parse(m.b, m.size, m.size - PG, &v), KX_ERR_TRUNCATED);
	CHECK_EQ(v.fault_off, 0x10);
	CHECK_ST(kx_hib_parse(m.b, 100, m.size, &v), KX_ERR_TRUNCATED);
	CHECK_ST(kx_hib_parse(m.b, 200, m.size, &v), KX_ERR_TRUNCATED);
	/* A byte of the memory map changed without resealing. */
	m.b[KX_HIB_HEADER_SIZE + 8] ^= 0x10;
	CHECK_ST(parse(&m, &v), KX_ERR_DIGEST);
	CHECK_EQ(v.fault_off, 0x60);
	free(m.b);
}

/* Edits the header or an extent at off (size bytes, value), reseals, and
 * expects st at fault offset fo. */
static void broken(uint64_t off, unsigned size, uint64_t value, enum kx_status st,
		   uint64_t fo)
{
	struct img m = build();
	struct kx_hib_view v;

	memcpy(m.b + off, &value, size);
	reseal(&m);
	CHECK_ST(parse(&m, &v), st);
	CHECK_EQ(v.fault_off, fo);
	free(m.b);
}

KX_TEST(hib_parse_names_the_field_it_refuses)
{
	uint64_t xt = KX_HIB_HEADER_SIZE + 3 * 24;	/* the extent table */

	broken(0x00, 1, 'X', KX_ERR_MAGIC, 0x00);
	broken(0x08, 2, 2, KX_ERR_VERSION, 0x08);
	broken(0x0c, 4, 164, KX_ERR_HEADER_SIZE, 0x0c);
	broken(0x18, 4, 0, KX_ERR_UNSUPPORTED, 0x18);
	broken(0x18, 4, 3, KX_ERR_UNSUPPORTED, 0x18);
	broken(0x1c, 4, 8192, KX_ERR_PAGE_SIZE, 0x1c);
	broken(0x20, 8, 0x2000000, KX_ERR_RANGE, 0x30);
	broken(0x40, 4, 0, KX_ERR_TABLE, 0x40);
	broken(0x44, 4, KX_HIB_MAX_EXTENTS + 1, KX_ERR_TABLE, 0x44);
	broken(0x48, 4, KX_HIB_MAX_KERNEL_ID + 1, KX_ERR_TABLE, 0x48);
	broken(0x4c, 4, 1, KX_ERR_RESERVED, 0x4c);
	broken(0x50, 8, 2 * PG, KX_ERR_FORMAT, 0x50);
	broken(0x58, 8, 4, KX_ERR_FORMAT, 0x58);
	broken(0x90, 1, 1, KX_ERR_RESERVED, 0x80);
	/* Extents: misaligned, empty, outside RAM (the reserved range, past
	 * the end of a range), out of order, unknown flag, data not next. */
	broken(xt + 0x00, 8, 0x200800, KX_ERR_RANGE, xt);
	broken(xt + 0x08, 8, 0, KX_ERR_RANGE, xt);
	broken(xt + 0x00, 8, 0x900000, KX_ERR_RANGE, xt);
	broken(xt + 0x00, 8, 0x8ff000, KX_ERR_RANGE, xt);
	broken(xt + 64, 8, 0x201000, KX_ERR_OVERLAP, xt + 64);
	broken(xt + 0x18, 4, 4, KX_ERR_RESERVED, xt + 0x18);
	broken(xt + 0x10, 8, PG * 2, KX_ERR_FORMAT, xt + 0x10);
	broken(xt + 64 + 0x10, 8, PG, KX_ERR_FORMAT, xt + 64 + 0x10);
	/* The control page must be a data extent's. */
	broken(0x30, 8, 0x1001000, KX_ERR_RANGE, 0x30);
	broken(xt + 128, 8, 0x1002000, KX_ERR_NOT_FOUND, 0x30);
}

KX_TEST(hib_parse_bounds_huge_counts_and_sizes)
{
	struct img m = build();
	struct kx_hib_view v;
	uint64_t xt = KX_HIB_HEADER_SIZE + 3 * 24;
	uint64_t huge = UINT64_MAX / PG;

	/* pages * 4096 would wrap: refused before any sum. */
	memcpy(m.b + xt + 0x08, &huge, 8);
	reseal(&m);
	CHECK_ST(parse(&m, &v), KX_ERR_RANGE);
	free(m.b);
	/* Random bytes anywhere in the tables: never a crash, never KX_OK
	 * unless the digest was resealed over a still-valid table. */
	for (int i = 0; i < 2000; i++) {
		m = build();
		m.b[kx_rand_below(PG)] ^= (uint8_t)(1 + kx_rand_below(255));
		if (kx_rand_below(2))
			reseal(&m);
		(void)parse(&m, &v);
		free(m.b);
	}
}
