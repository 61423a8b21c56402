/* SPDX-License-Identifier: MIT */
/*
 * Round trips on the host: an image whose destinations lie inside a
 * "caller" region is swapped in with the assembly engine, the caller's
 * displaced pages are found through kx_jump_backup_map's extents and
 * through a fixed-up ELF core header, and the same list run again gives
 * the caller its region back byte for byte.  Physical addresses are user
 * pointers, as everywhere in the host tests.
 */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/elfcore.h>
#include <kx/jump.h>
#include <kx/sha256.h>
#include "kxtest.h"

#define PG 4096u
#define REGION_PAGES 96
#define IMAGE_PAGES 9
#define POOL_PAGES 8

static uint64_t pattern(uint64_t addr, uint64_t seed)
{
	uint64_t x = addr * 0x9e3779b97f4a7c15ULL ^ seed;

	return x ^ x >> 29;
}

static void fill(uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i += 8)
		kx_put_le64(p + i, pattern((uintptr_t)p + i, seed));
}


static enum kx_status ident(void *ctx, uint64_t phys, uint32_t len, const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

/* Reads the caller's byte at addr through the map (as the image would). */
static const uint8_t *through_map(const struct kx_backup_extent *x, unsigned n,
				  uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (addr >= x[i].orig && addr - x[i].orig < x[i].pages * PG)
			return (const uint8_t *)(uintptr_t)(x[i].current + (addr - x[i].orig));
	return (const uint8_t *)(uintptr_t)addr;
}

KX_TEST(jump_round_trip_swaps_in_maps_the_caller_and_swaps_back)
{
	uint8_t *region = aligned_alloc(PG, REGION_PAGES * PG);
	uint8_t *staging = aligned_alloc(PG, IMAGE_PAGES * PG);
	uint8_t *pool_mem = aligned_alloc(PG, POOL_PAGES * PG);
	uint8_t *setup = aligned_alloc(PG, PG);
	uint8_t core[64 + 16 * 56];
	uint8_t before[32], after[32], img_before[32], img_after[32];
	struct kx_page_pool pool = { pool_mem, (uintptr_t)pool_mem, POOL_PAGES, 0 };
	struct kx_pl_builder b;
	struct kx_pl_segment segs[2];
	struct kx_backup_extent ext[8];
	unsigned n = 0;
	size_t core_len;
	uint64_t seed = 0x5eed, rbase;

	CHECK(region && staging && pool_mem && setup);
	rbase = (uintptr_t)region;
	fill(region, REGION_PAGES * PG, seed);
	fill(staging, IMAGE_PAGES * PG, ~seed);
	kx_sha256(region, REGION_PAGES * PG, before);
	kx_sha256(staging, IMAGE_PAGES * PG, img_before);

	/* Two segments inside the region: pages 10..15 and 40..42. */
	segs[0] = (struct kx_pl_segment){ staging, 6 * PG, rbase + 10 * PG, 6 * PG };
	segs[1] = (struct kx_pl_segment){ staging + 6 * PG, 3 * PG, rbase + 40 * PG, 3 * PG };
	memset(&b, 0, sizeof(b));
	b.alloc = kx_page_pool_alloc;
	b.alloc_ctx = &pool;
	b.flags = KX_PL_BUILD_SWAPPABLE;
	CHECK_ST(kx_pl_build(&b, segs, 2), KX_OK);

	/* The map: two runs, each destination -> its staging pages. */
	CHECK_ST(kx_jump_backup_map(NULL, b.head, ext, 1, &n), KX_ERR_NO_SPACE);
	CHECK_ST(kx_jump_backup_map(NULL, b.head, ext, 8, &n), KX_OK);
	CHECK_EQ(n, 2);
	CHECK_EQ(ext[0].orig, rbase + 10 * PG);
	CHECK_EQ(ext[0].current, (uintptr_t)staging);
	CHECK_EQ(ext[0].pages, 6);
	CHECK_EQ(ext[1].orig, rbase + 40 * PG);
	CHECK_EQ(ext[1].current, (uintptr_t)staging + 6 * PG);
	CHECK_EQ(ext[1].pages, 3);

	/* An ELF core header of the region in two PT_LOADs, fixed up. */
	memset(core, 0, sizeof(core));
	memcpy(core, "\x7f" "ELF\x02\x01\x01", 7);
	core[16] = 4;
	core[18] = 62;
	kx_put_le64(core + 32, 64);
	core[52] = 64;
	core[54] = 56;
	core[56] = 2;
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *p = core + 64 + i * 56;
		uint64_t a = rbase + i * (REGION_PAGES / 2) * PG;

		kx_put_le32(p, 1);
		kx_put_le64(p + 8, a);
		kx_put_le64(p + 24, a);
		kx_put_le64(p + 32, REGION_PAGES / 2 * PG);
		kx_put_le64(p + 40, REGION_PAGES / 2 * PG);
	}
	core_len = 64 + 2 * 56;
	CHECK_ST(kx_elfcore_fixup(core, &core_len, sizeof(core), ext, n), KX_OK);
	/* [0,10) [10,16) [16,48) | [48,96): the second load is untouched...
	 * pages 40..42 are in the first half: [16,40) [40,43) [43,48). */
	CHECK_EQ(core[56], 6);

	/* The setup page, read back. */
	{
		struct kx_segment ks = { rbase + 10 * PG, 6 * PG, { 0 }, KX_SEG_OTHER, 0 };
		struct kx_setup_content c = {
			.flags = KX_SETUP_F_SWAP, .segs = &ks, .nsegs = 1,
			.backup = ext, .nbackup = n,
			.jump_back = 0x1234000, .jump_context = 0x77,
			.elfcore = (uintptr_t)core, .elfcore_size = core_len,
			.cmdline = "kxjump seed=0x5eed",
		};
		struct kx_page_pool sp = { setup, (uintptr_t)setup, 1, 0 };
		uint64_t head = 0;
		struct kx_setup_reader r;
		struct kx_setup_rec rec;
		struct kx_setup_table_view v;
		struct kx_setup_fault f;
		unsigned seen = 0;

		kx_sha256(staging, 6 * PG, ks.sha256);
		CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &sp, &head), KX_OK);
		CHECK_EQ(head, (uintptr_t)setup);
		CHECK_ST(kx_setup_open(&r, (uintptr_t)setup, ident, NULL, &f), KX_OK);
		CHECK_EQ(kx_setup_flags(&r), KX_SETUP_F_SWAP);
		while (kx_setup_next(&r, &rec, &f) == KX_OK) {
			if (rec.type == KX_REC_BACKUP) {
				CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
				CHECK_EQ(v.count, 2);
				CHECK_MEM(v.entries, ext, sizeof(ext[0]) * 2);
				seen |= 1;
			} else if (rec.type == KX_REC_JUMP_BACK) {
				CHECK_EQ(kx_get_le64(rec.payload), 0x1234000);
				CHECK_EQ(kx_get_le64(rec.payload + 8), 0x77);
				seen |= 2;
			} else if (rec.type == KX_REC_ELFCORE) {
				CHECK_EQ(kx_get_le64(rec.payload), (uintptr_t)core);
				seen |= 4;
			} else if (rec.type == KX_REC_CMDLINE) {
				CHECK(!strcmp((const char *)rec.payload, "kxjump seed=0x5eed"));
				seen |= 8;
			} else if (rec.type == KX_REC_SEGMENTS) {
				seen |= 16;
			}
		}
		CHECK_EQ(seen, 31);
		/* A round trip without a way back is refused. */
		c.jump_back = 0;
		sp.used = 0;
		CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &sp, &head), KX_ERR_INVAL);
	}

	/* There: the image at its destinations, the caller's pages in staging. */
	CHECK_EQ(kx_relocate_pages(b.head, KX_PL_SWAP, NULL, NULL), IMAGE_PAGES);
	/* The image's pages are the staging's as they were. */
	for (unsigned i = 0; i < IMAGE_PAGES * PG; i += 8) {
		uint64_t d = i < 6 * PG ? rbase + 10 * PG + i : rbase + 40 * PG + i - 6 * PG;

		CHECK_EQ(kx_get_le64((const uint8_t *)(uintptr_t)d),
			 pattern((uintptr_t)staging + i, ~seed));
	}
	/* Every caller byte, through the map and through the core header. */
	for (uint64_t off = 0; off < REGION_PAGES * PG; off += 8) {
		uint64_t a = rbase + off, at;
		const uint8_t *m = through_map(ext, n, a);

		CHECK_EQ(kx_get_le64(m), pattern(a, seed));
		at = ~0ULL;
		for (unsigned i = 0; i < core[56]; i++) {
			const uint8_t *p = core + 64 + i * 56;
			uint64_t pa = kx_get_le64(p + 24), sz = kx_get_le64(p + 40);

			if (kx_get_le32(p) == 1 && a >= pa && a - pa < sz)
				at = kx_get_le64(p + 8) + (a - pa);
		}
		CHECK(at != ~0ULL);
		CHECK_EQ(kx_get_le64((const uint8_t *)(uintptr_t)at), pattern(a, seed));
	}

	/* And back: the same list once more restores both sides. */
	CHECK_EQ(kx_relocate_pages(b.head, KX_PL_SWAP, NULL, NULL), IMAGE_PAGES);
	kx_sha256(region, REGION_PAGES * PG, after);
	kx_sha256(staging, IMAGE_PAGES * PG, img_after);
	CHECK_MEM(after, before, 32);
	CHECK_MEM(img_after, img_before, 32);

	free(region);
	free(staging);
	free(pool_mem);
	free(setup);
}

KX_TEST(jump_status_tells_the_image_from_purgatory)
{
	CHECK_ST(kx_jump_status(KX_ERR_DIGEST, KX_JUMP_FROM_PURGATORY), KX_ERR_DIGEST);
	CHECK_ST(kx_jump_status(0, KX_JUMP_FROM_PURGATORY), KX_ERR_INVAL);
	CHECK_ST(kx_jump_status(12345, KX_JUMP_FROM_PURGATORY), KX_ERR_INVAL);
	CHECK_ST(kx_jump_status(KX_ERR_DIGEST, KX_JUMP_FROM_IMAGE), KX_OK);
}

KX_TEST(jump_backup_map_skips_pages_swapped_with_themselves_and_refuses_bad_lists)
{
	uint64_t *ind = aligned_alloc(PG, PG);
	uint8_t *pages = aligned_alloc(PG, 4 * PG);
	uint64_t d = (uintptr_t)pages, src = (uintptr_t)pages + 3 * PG;
	uint64_t head = (uintptr_t)ind | IND_INDIRECTION;
	struct kx_backup_extent ext[4];
	unsigned n = 99;

	CHECK(ind && pages);
	memset(ind, 0, PG);
	/* d <- d (its own page), d + 1 <- src, then done. */
	ind[0] = d | IND_DESTINATION;
	ind[1] = d | IND_SOURCE;
	ind[2] = src | IND_SOURCE;
	ind[3] = IND_DONE;
	CHECK_ST(kx_jump_backup_map(NULL, head, ext, 4, &n), KX_OK);
	CHECK_EQ(n, 1);
	CHECK_EQ(ext[0].orig, d + PG);
	CHECK_EQ(ext[0].current, src);
	CHECK_EQ(ext[0].pages, 1);
	/* An empty list displaces nothing. */
	CHECK_ST(kx_jump_backup_map(NULL, IND_DONE, ext, 4, &n), KX_OK);
	CHECK_EQ(n, 0);
	/* A source before any destination: the walker's refusal, nothing out. */
	ind[0] = src | IND_SOURCE;
	n = 99;
	CHECK_ST(kx_jump_backup_map(NULL, head, ext, 4, &n), KX_ERR_LIST_ORDER);
	CHECK_EQ(n, 0);
	CHECK_ST(kx_jump_backup_map(NULL, head, ext, 4, NULL), KX_ERR_INVAL);
	free(ind);
	free(pages);
}
