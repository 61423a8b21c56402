/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/verify.h>
#include "kxtest.h"

KX_TEST(verify_gives_combined_and_per_region_digests)
{
	static uint8_t a[70001], b[4096], c[12345];
	struct kx_sha256_region r[KX_VERIFY_MAX_REGIONS] = {
		{ (uintptr_t)a, sizeof(a) }, { 0, 0 }, { (uintptr_t)b, sizeof(b) },
		{ (uintptr_t)c, sizeof(c) },
	};
	uint8_t want[32], one[32];
	struct kx_verify v;
	struct kx_sha256 ctx;

	kx_rand_fill(a, sizeof(a));
	kx_rand_fill(b, sizeof(b));
	kx_rand_fill(c, sizeof(c));
	kx_sha256_init(&ctx);
	kx_sha256_update(&ctx, a, sizeof(a));
	kx_sha256_update(&ctx, b, sizeof(b));
	kx_sha256_update(&ctx, c, sizeof(c));
	kx_sha256_final(&ctx, want);

	CHECK_ST(kx_verify_regions(r, KX_VERIFY_MAX_REGIONS, want, &v), KX_OK);
	CHECK_MEM(v.combined, want, 32);
	CHECK_EQ(v.regions, 3);
	CHECK_EQ(v.bytes, sizeof(a) + sizeof(b) + sizeof(c));
	kx_sha256(c, sizeof(c), one);
	CHECK_MEM(v.digest[3], one, 32);
	kx_sha256(a, sizeof(a), one);
	CHECK_MEM(v.digest[0], one, 32);

	/* One flipped byte anywhere is a mismatch, and says so. */
	c[777] ^= 0x10;
	CHECK_ST(kx_verify_regions(r, KX_VERIFY_MAX_REGIONS, want, &v), KX_ERR_DIGEST);
	CHECK(memcmp(v.combined, want, 32) != 0);
	c[777] ^= 0x10;
	want[31] ^= 1;
	CHECK_ST(kx_verify_regions(r, 4, want, &v), KX_ERR_DIGEST);
	CHECK_ST(kx_verify_regions(r, 17, want, &v), KX_ERR_INVAL);
	r[1].start = ~0ULL - 10;
	r[1].len = 100;
	CHECK_ST(kx_verify_regions(r, 4, want, &v), KX_ERR_INVAL);
}

/*
 * kx_verify_regions with every usable implementation on random regions:
 * whole pages (kexec-tools' case, where both digests share blocks), odd
 * lengths that leave the combined context mid-block for the regions after
 * them, and empty slots; against independent portable contexts.
 */
KX_TEST(verify_matches_independent_contexts)
{
	const struct kx_sha256_impl *impl, *portable = kx_sha256_impl_at(0, 0);
	int usable;

	for (unsigned k = 0; (impl = kx_sha256_impl_at(k, &usable)); k++) {
		if (!usable)
			continue;
		CHECK_ST(kx_sha256_set_impl(impl), KX_OK);
		for (unsigned iter = 0; iter < 12; iter++) {
			struct kx_sha256_region r[KX_VERIFY_MAX_REGIONS];
			uint8_t *bufs[KX_VERIFY_MAX_REGIONS], want[32], one[32];
			unsigned n = 1 + (unsigned)kx_rand_below(KX_VERIFY_MAX_REGIONS);
			/* Every third iteration has odd lengths. */
			int odd = iter % 3 == 2;
			struct kx_sha256 all;
			struct kx_verify v;
			unsigned regions = 0;
			uint64_t bytes = 0;

			kx_sha256_init_impl(&all, portable);
			for (unsigned i = 0; i < n; i++) {
				size_t len = 4096 * kx_rand_below(40);

				if (odd && kx_rand_below(2))
					len = kx_rand_below(3 * 4096);
				if (!kx_rand_below(5))
					len = 0;
				bufs[i] = malloc(len ? len : 1);
				CHECK(bufs[i]);
				kx_rand_fill(bufs[i], len);
				r[i].start = len ? (uintptr_t)bufs[i] : 0;
				r[i].len = len;
				kx_sha256_update(&all, bufs[i], len);
				regions += len != 0;
				bytes += len;
			}
			kx_sha256_final(&all, want);
			CHECK_ST(kx_verify_regions(r, n, want, &v), KX_OK);
			CHECK(strcmp(v.impl, impl->name) == 0);
			CHECK_MEM(v.combined, want, 32);
			CHECK_EQ(v.regions, regions);
			CHECK_EQ(v.bytes, bytes);
			for (unsigned i = 0; i < n; i++) {
				if (!r[i].len)
					continue;
				kx_sha256_init_impl(&all, portable);
				kx_sha256_update(&all, bufs[i], r[i].len);
				kx_sha256_final(&all, one);
				if (memcmp(v.digest[i], one, 32) != 0)
					kx_test_fail(__FILE__, __LINE__,
						     "%s: region %u of %u (%llu bytes) digest differs",
						     impl->name, i, n,
						     (unsigned long long)r[i].len);
			}
			for (unsigned i = 0; i < n; i++)
				free(bufs[i]);
		}
	}
	CHECK_ST(kx_sha256_set_impl(NULL), KX_OK);
}

#include <kx/compiler.h>
#include <kx/setup_page.h>
#include <kx/lanes.h>

static enum kx_status host_map(void *ctx, uint64_t phys, uint32_t len, const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

static unsigned reported, bad_reported;

static void count_report(void *ctx, unsigned index, const struct kx_verify_seg *s,
			 const uint8_t actual[32], int ok)
{
	(void)ctx;
	(void)index;
	(void)s;
	(void)actual;
	reported++;
	bad_reported += !ok;
}

KX_TEST(verify_setup_segments_marks_only_when_all_match)
{
	static uint8_t kernel[40000], initrd[5000];
	static uint8_t page[4096] __attribute__((aligned(8)));
	struct kx_segment seg[2] = {
		{ .dest = (uintptr_t)kernel, .size = sizeof(kernel), .kind = KX_SEG_KERNEL },
		{ .dest = (uintptr_t)initrd, .size = sizeof(initrd), .kind = KX_SEG_INITRD },
	};
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_setup_table_view t;
	unsigned n;
	uint64_t bytes;

	kx_rand_fill(kernel, sizeof(kernel));
	kx_rand_fill(initrd, sizeof(initrd));
	kx_sha256(kernel, sizeof(kernel), seg[0].sha256);
	kx_sha256(initrd, sizeof(initrd), seg[1].sha256);
	CHECK_ST(kx_setup_init(&w, page, sizeof(page), 0), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, 2, sizeof(seg[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);

	/* A byte changed after the digest: refused, nothing marked. */
	initrd[4999] ^= 1;
	reported = bad_reported = 0;
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, count_report, 0, &n, &bytes), KX_ERR_DIGEST);
	CHECK_EQ(bad_reported, 1);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_table(&rec, &t), KX_OK);
	CHECK_EQ(kx_get_le32(t.entries + 0x34) & KX_SEG_F_VERIFIED, 0);

	/* All match: both marked, the page still valid. */
	initrd[4999] ^= 1;
	reported = 0;
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, count_report, 0, &n, &bytes), KX_OK);
	CHECK_EQ(n, 2);
	CHECK_EQ(reported, 2);
	CHECK_EQ(bytes, sizeof(kernel) + sizeof(initrd));
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_table(&rec, &t), KX_OK);
	CHECK_EQ(kx_get_le32(t.entries + 0x34) & KX_SEG_F_VERIFIED, KX_SEG_F_VERIFIED);
	CHECK_EQ(kx_get_le32(t.entries + 56 + 0x34) & KX_SEG_F_VERIFIED, KX_SEG_F_VERIFIED);
}

/* A page whose segments are seg[0..n), written into page. */
static void one_page(uint8_t *page, const struct kx_segment *seg, unsigned n)
{
	struct kx_setup_writer w;

	CHECK_ST(kx_setup_init(&w, page, 4096, 0), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, n, sizeof(seg[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
}

KX_TEST(verify_setup_segments_refuses_nothing_to_verify_and_wraps)
{
	static uint8_t page[4096] __attribute__((aligned(8)));
	static uint8_t kernel[4096];
	struct kx_segment seg[2] = {
		{ .dest = (uintptr_t)kernel, .size = 0, .kind = KX_SEG_KERNEL },
		{ .dest = (uintptr_t)kernel, .size = 0, .kind = KX_SEG_INITRD },
	};
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	unsigned n;
	uint64_t bytes;

	/* Only empty segments: nothing was verified, so nothing may be entered. */
	kx_sha256(kernel, 0, seg[0].sha256);
	kx_sha256(kernel, 0, seg[1].sha256);
	one_page(page, seg, 2);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, 0, 0, &n, &bytes), KX_ERR_NOT_FOUND);

	/* A segment running past the end of the address space is refused
	 * before a byte of it is read. */
	seg[1].dest = UINT64_MAX - 4095;
	seg[1].size = 8192;
	seg[0].size = sizeof(kernel);
	kx_sha256(kernel, sizeof(kernel), seg[0].sha256);
	one_page(page, seg, 2);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, 0, 0, &n, &bytes), KX_ERR_RANGE);
	/* Ending exactly at the top is not a wrap (and not hashed here: the
	 * first segment fails first when it is altered). */
	seg[1].size = 4096;
	kernel[0] ^= 1;
	one_page(page, seg, 2);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, 0, 0, &n, &bytes), KX_ERR_DIGEST);
}

static unsigned lanes_reported;

static void lanes_report(void *ctx, unsigned index, const struct kx_verify_seg *s,
			 const uint8_t actual[32], int ok)
{
	(void)ctx;
	(void)index;
	(void)actual;
	reported++;
	bad_reported += !ok;
	lanes_reported += s->lanes != 0;
	CHECK(s->impl && s->expected);
}

/* A LANE table beside a SEGM one: both verified, a lanes mismatch refused
 * with nothing marked, both marked when all match. */
KX_TEST(verify_setup_segments_lanes_record)
{
	static uint8_t kernel[70000], initrd[3 * 4096], cmd[20];
	static uint8_t page[4096] __attribute__((aligned(8)));
	struct kx_segment_lanes ls[2] = {
		{ .dest = (uintptr_t)kernel, .size = sizeof(kernel), .kind = KX_SEG_KERNEL, .lanes = 16 },
		{ .dest = (uintptr_t)initrd, .size = sizeof(initrd), .kind = KX_SEG_INITRD, .lanes = 3 },
	};
	struct kx_segment seg = { .dest = (uintptr_t)cmd, .size = sizeof(cmd), .kind = KX_SEG_CMDLINE };
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_setup_table_view t;
	unsigned n;
	uint64_t bytes;

	kx_rand_fill(kernel, sizeof(kernel));
	kx_rand_fill(initrd, sizeof(initrd));
	kx_rand_fill(cmd, sizeof(cmd));
	CHECK_ST(kx_lanes(kernel, sizeof(kernel), 16, ls[0].digest), KX_OK);
	CHECK_ST(kx_lanes(initrd, sizeof(initrd), 3, ls[1].digest), KX_OK);
	kx_sha256(cmd, sizeof(cmd), seg.sha256);
	CHECK_ST(kx_setup_init(&w, page, sizeof(page), 0), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, &seg, 1, sizeof(seg)), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_LANES, ls, 2, sizeof(ls[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);

	/* One byte of the third page of the initrd (lane 2 of 3). */
	initrd[2 * 4096 + 7] ^= 0x40;
	reported = bad_reported = lanes_reported = 0;
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, lanes_report, 0, &n, &bytes), KX_ERR_DIGEST);
	CHECK_EQ(bad_reported, 1);
	CHECK_EQ(reported, 3);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_EQ(rec.type, KX_REC_LANES);
	CHECK_ST(kx_setup_table(&rec, &t), KX_OK);
	CHECK_EQ(kx_get_le32(t.entries + 0x34) & KX_SEG_F_VERIFIED, 0);

	initrd[2 * 4096 + 7] ^= 0x40;
	reported = bad_reported = lanes_reported = 0;
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_verify_setup_segments(&r, lanes_report, 0, &n, &bytes), KX_OK);
	CHECK_EQ(n, 3);
	CHECK_EQ(lanes_reported, 2);
	CHECK_EQ(bytes, sizeof(kernel) + sizeof(initrd) + sizeof(cmd));
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page, host_map, 0, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_table(&rec, &t), KX_OK);
	CHECK_EQ(kx_get_le32(t.entries + 0x34) & KX_SEG_F_VERIFIED, KX_SEG_F_VERIFIED);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_table(&rec, &t), KX_OK);
	CHECK_EQ(kx_get_le32(t.entries + 0x34) & KX_SEG_F_VERIFIED, KX_SEG_F_VERIFIED);
	CHECK_EQ(kx_get_le32(t.entries + 64 + 0x34) & KX_SEG_F_VERIFIED, KX_SEG_F_VERIFIED);
}
