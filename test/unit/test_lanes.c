/* SPDX-License-Identifier: MIT */
/*
 * The KX lanes digest: every engine this CPU runs against the vectors of
 * the Python reference (lanes_vectors.h, test/lanes_ref.py), against a
 * definition written out here with plain SHA-256 on random sizes, lane
 * counts, alignments and update splits, and each engine's block function
 * against the portable one for every lane count up to its width.
 */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/lanes.h>
#include "kxtest.h"
#include "lanes_vectors.h"
#include "sha256_vectors.h"

#define MAX_IMPLS 8
#define PAGE KX_LANES_PAGE

static unsigned usable_lanes(const struct kx_lanes_impl *out[MAX_IMPLS])
{
	const struct kx_lanes_impl *impl;
	unsigned n = 0;
	int usable;

	for (unsigned i = 0; (impl = kx_lanes_impl_at(i, &usable)); i++) {
		CHECK(i < MAX_IMPLS);
		if (usable)
			out[n++] = impl;
	}
	CHECK(n >= 1);
	return n;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	CHECK(p);
	return p;
}

/* The digest in one update, or in page-multiple pieces cut at random. */
static void lanes_with(const struct kx_lanes_impl *impl, const uint8_t *p,
		       size_t len, unsigned lanes, int split, uint8_t out[32])
{
	static struct kx_lanes c;

	CHECK_ST(kx_lanes_init_impl(&c, lanes, impl), KX_OK);
	while (split && len > PAGE) {
		size_t n = (size_t)(1 + kx_rand_below(len / PAGE)) * PAGE;

		CHECK_ST(kx_lanes_update(&c, p, n), KX_OK);
		p += n;
		len -= n;
	}
	CHECK_ST(kx_lanes_update(&c, p, len), KX_OK);
	kx_lanes_final(&c, out);
}

static void check_lanes(const struct kx_lanes_impl *impl, unsigned lanes,
			size_t len, const uint8_t got[32], const uint8_t want[32],
			int line)
{
	if (memcmp(got, want, 32) != 0)
		kx_test_fail(__FILE__, line, "%s: wrong digest for %u lanes, %zu bytes",
			     impl->name, lanes, len);
}
#define CHECK_LANES(impl, lanes, len, got, want) \
	check_lanes(impl, lanes, len, got, want, __LINE__)

KX_TEST(lanes_python_vectors)
{
	const struct kx_lanes_impl *impls[MAX_IMPLS];
	unsigned n = usable_lanes(impls);
	size_t max = 0;
	uint8_t *p, got[32];

	for (size_t i = 0; i < KX_ARRAY_SIZE(lanes_vectors); i++)
		max = KX_MAX(max, lanes_vectors[i].len);
	p = xmalloc(max + 1);
	for (size_t i = 0; i < max; i++)
		p[i] = sha256_pattern_byte(i);
	for (unsigned k = 0; k < n; k++) {
		for (size_t i = 0; i < KX_ARRAY_SIZE(lanes_vectors); i++) {
			const struct lanes_vector *v = &lanes_vectors[i];

			lanes_with(impls[k], p, v->len, v->lanes, (int)(i & 1), got);
			CHECK_LANES(impls[k], v->lanes, v->len, got, v->digest);
		}
		kx_test_note("lanes %s: %zu vectors", impls[k]->name,
			     KX_ARRAY_SIZE(lanes_vectors));
	}
	/* And the one-call form with the default engine. */
	CHECK_ST(kx_lanes(p, lanes_vectors[0].len, lanes_vectors[0].lanes, got), KX_OK);
	CHECK_MEM(got, lanes_vectors[0].digest, 32);
	free(p);
}

/* The definition, with plain SHA-256 (docs/abi.md, 2.6). */
static void lanes_defined(const uint8_t *p, size_t len, unsigned lanes,
			  uint8_t out[32])
{
	struct kx_sha256 outer, lane;
	uint8_t d[32];

	kx_sha256_init(&outer);
	for (unsigned i = 0; i < lanes; i++) {
		kx_sha256_init(&lane);
		for (size_t off = (size_t)i * PAGE; off < len; off += (size_t)lanes * PAGE)
			kx_sha256_update(&lane, p + off, KX_MIN((size_t)PAGE, len - off));
		kx_sha256_final(&lane, d);
		kx_sha256_update(&outer, d, 32);
	}
	kx_sha256_final(&outer, out);
}

KX_TEST(lanes_random_against_definition)
{
	const struct kx_lanes_impl *impls[MAX_IMPLS];
	unsigned n = usable_lanes(impls);
	const size_t max = 300 * PAGE + 64;
	uint8_t *buf = xmalloc(max + 64), want[32], got[32];

	kx_rand_fill(buf, max + 64);
	for (unsigned round = 0; round < 60; round++) {
		/* Mostly whole pages plus a tail, sometimes tiny. */
		size_t len = round % 7 == 0 ? kx_rand_below(3 * PAGE)
			   : kx_rand_below(300) * PAGE + kx_rand_below(4) * kx_rand_below(PAGE);
		unsigned lanes = round % 5 == 0 ? (unsigned)(1 + kx_rand_below(KX_LANES_MAX))
			       : 1u << kx_rand_below(7);
		const uint8_t *p = buf + kx_rand_below(64);	/* any alignment */

		lanes = KX_MIN(lanes, (unsigned)KX_LANES_MAX);
		lanes_defined(p, len, lanes, want);
		for (unsigned k = 0; k < n; k++) {
			lanes_with(impls[k], p, len, lanes, (int)(round & 1), got);
			CHECK_LANES(impls[k], lanes, len, got, want);
		}
	}
	free(buf);
}

/* Each engine's block function against the portable one, for every count
 * of chains up to its width and a few block counts. */
KX_TEST(lanes_engine_widths)
{
	const struct kx_lanes_impl *impls[MAX_IMPLS];
	unsigned n = usable_lanes(impls);
	const size_t stride = PAGE;
	uint8_t *buf = xmalloc(16 * stride);
	uint32_t want[16][8], got[16][8];

	kx_rand_fill(buf, 16 * stride);
	for (unsigned k = 1; k < n; k++) {
		CHECK(impls[k]->width >= 1 && impls[k]->width <= 16);
		for (unsigned m = 1; m <= impls[k]->width; m++) {
			size_t nb = 1 + kx_rand_below(stride / 64);

			kx_rand_fill(want, sizeof(want));
			memcpy(got, want, sizeof(got));
			impls[0]->blocks(want, buf, stride, m, nb);
			impls[k]->blocks(got, buf, stride, m, nb);
			/* States past m are untouched. */
			CHECK_MEM(got, want, sizeof(got));
		}
		kx_test_note("lanes engine %s: width %u", impls[k]->name,
			     impls[k]->width);
	}
	free(buf);
}

/* A page of a copy, reported as the page list engines report it: whole
 * (kx_pl_run_lanes) or in 1 KiB chunks (kx_relocate_lanes). */
static void copy_report(struct kx_lanes_copy *lc, uint64_t page, int chunked)
{
	if (!chunked) {
		kx_lanes_copy_page(lc, page);
		return;
	}
	for (unsigned c = 0; c < 4; c++)
		kx_lanes_copy_chunk((uint32_t *)(void *)lc,
				    (const uint8_t *)(uintptr_t)page + c * 1024, 16);
}

/*
 * The copy-with-lanes bookkeeping on its own: the pages of up to three
 * segments reported as a copy writes them, each segment in order but
 * interleaved with the others at random (runs cut mid-group), pages
 * outside every segment, and in one round of five a pair of pages
 * swapped.  Every digest must be its segment's lanes digest, and a
 * segment whose pages came in order must be hashed in the pass.
 */
KX_TEST(lanes_copy_orders)
{
	const struct kx_lanes_impl *impls[MAX_IMPLS];
	unsigned n = usable_lanes(impls), in_pass = 0;
	const uint64_t seg_pages = 80;
	uint8_t *buf = aligned_alloc(PAGE, 4 * seg_pages * PAGE), want[32];

	CHECK(buf);
	kx_rand_fill(buf, 4 * seg_pages * PAGE);
	for (unsigned round = 0; round < 60; round++) {
		struct kx_lanes_seg segs[3];
		struct kx_lanes_copy lc;
		uint64_t pages[3], next[3], left = 0;
		unsigned nseg = 1 + (unsigned)kx_rand_below(3), cur = 0;
		int chunked = (int)(round & 1), swap = round % 5 == 4;

		for (unsigned i = 0; i < nseg; i++) {
			unsigned lanes = round % 3 == 0 ? 16 : round % 3 == 1
				? (unsigned)(1 + kx_rand_below(KX_LANES_MAX))
				: 1u << kx_rand_below(7);

			segs[i].dest = (uint64_t)(uintptr_t)(buf + i * seg_pages * PAGE);
			segs[i].size = round % 4 == 0 ? kx_rand_below(seg_pages + 1) * PAGE
				     : kx_rand_below(seg_pages * PAGE + 1);
			CHECK_ST(kx_lanes_init_impl(&segs[i].ctx, lanes,
						    impls[kx_rand_below(n)]), KX_OK);
			pages[i] = (segs[i].size + PAGE - 1) / PAGE;
			next[i] = 0;
			left += pages[i];
		}
		kx_lanes_copy_init(&lc, segs, nseg);
		while (left) {
			uint64_t at;

			/* Mostly the same segment as before, sometimes another. */
			if (next[cur] == pages[cur] || kx_rand_below(8) == 0)
				cur = (unsigned)kx_rand_below(nseg);
			if (next[cur] == pages[cur])
				continue;
			at = segs[cur].dest + next[cur] * PAGE;
			if (kx_rand_below(16) == 0)	/* not a segment's page */
				copy_report(&lc, (uint64_t)(uintptr_t)buf +
					    (3 * seg_pages + kx_rand_below(seg_pages)) * PAGE,
					    chunked);
			if (swap && next[cur] + 1 < pages[cur] && kx_rand_below(20) == 0) {
				copy_report(&lc, at + PAGE, chunked);
				copy_report(&lc, at, chunked);
				next[cur] += 2;
				left -= 2;
				continue;
			}
			copy_report(&lc, at, chunked);
			next[cur]++;
			left--;
		}
		kx_lanes_copy_finish(&lc);
		for (unsigned i = 0; i < nseg; i++) {
			CHECK_ST(kx_lanes((const void *)(uintptr_t)segs[i].dest,
					  segs[i].size, segs[i].ctx.lanes, want), KX_OK);
			CHECK_MEM(segs[i].digest, want, 32);
			if (!swap)
				CHECK_EQ(segs[i].reread, 0);
			in_pass += !segs[i].reread;
		}
	}
	kx_test_note("lanes copy orders: %u segments hashed in the pass", in_pass);
	free(buf);
}

/*
 * kx_lanes_copy_move against the same copies done one after the other:
 * copies into up to two segments, in order, whose sources are any page
 * of the arena (pages copies before or after write, the segments' own
 * pages), with copies elsewhere in between.  Memory must end as the
 * sequential copies leave it, and each digest be its segment's lanes
 * digest of that memory, for every engine (held back in groups by the
 * ones with copy_blocks, copied at once by the others).
 */
KX_TEST(lanes_copy_move_in_list_order)
{
	const struct kx_lanes_impl *impls[MAX_IMPLS];
	unsigned n = usable_lanes(impls), grouped = 0;
	const uint64_t pages = 160;
	uint8_t *mem = aligned_alloc(PAGE, pages * PAGE);
	uint8_t *want = xmalloc(pages * PAGE), *init = xmalloc(pages * PAGE), d[32];

	CHECK(mem);
	kx_rand_fill(init, pages * PAGE);
	for (unsigned round = 0; round < 80; round++) {
		const struct kx_lanes_impl *impl = impls[round % n];
		struct kx_lanes_seg segs[2];
		struct kx_lanes_copy lc;
		unsigned nseg = 1 + (unsigned)kx_rand_below(2);
		uint64_t left[2], srcs[400], dsts[400];
		unsigned ncopies = 0;

		for (unsigned i = 0; i < nseg; i++) {
			uint64_t np = 1 + kx_rand_below(40);

			/* Segment i within pages [80 i, 80 i + 80). */
			segs[i].dest = (uint64_t)(uintptr_t)(mem + (80 * i + kx_rand_below(80 - np)) * PAGE);
			segs[i].size = np * PAGE - (round % 3 == 0 ? kx_rand_below(PAGE) : 0);
			CHECK_ST(kx_lanes_init_impl(&segs[i].ctx, round % 2 ? 16 :
						    (unsigned)(1 + kx_rand_below(KX_LANES_MAX)),
						    impl), KX_OK);
			left[i] = np;
		}
		/* The list: each segment's pages in order, interleaved, and
		 * copies to anywhere else. */
		while (left[0] + (nseg > 1 ? left[1] : 0)) {
			unsigned i = (unsigned)kx_rand_below(nseg);
			uint64_t dst;

			if (kx_rand_below(10) == 0) {
				dst = (uint64_t)(uintptr_t)(mem + kx_rand_below(pages) * PAGE);
			} else if (left[i]) {
				uint64_t np = (segs[i].size + PAGE - 1) / PAGE;

				dst = segs[i].dest + (np - left[i]--) * PAGE;
			} else {
				continue;
			}
			CHECK(ncopies < 400);
			dsts[ncopies] = dst;
			srcs[ncopies++] = (uint64_t)(uintptr_t)(mem + kx_rand_below(pages) * PAGE);
		}
		/* What the copies leave, one after the other. */
		memcpy(want, init, pages * PAGE);
		for (unsigned k = 0; k < ncopies; k++)
			memmove(want + (dsts[k] - (uintptr_t)mem),
				want + (srcs[k] - (uintptr_t)mem), PAGE);
		memcpy(mem, init, pages * PAGE);
		kx_lanes_copy_init(&lc, segs, nseg);
		for (unsigned k = 0; k < ncopies; k++) {
			kx_lanes_copy_move(&lc, dsts[k], srcs[k]);
			grouped += lc.grp_n != 0;
		}
		kx_lanes_copy_drain(&lc);
		CHECK_MEM(mem, want, pages * PAGE);
		kx_lanes_copy_finish(&lc);
		for (unsigned i = 0; i < nseg; i++) {
			CHECK_ST(kx_lanes((const void *)(uintptr_t)segs[i].dest,
					  segs[i].size, segs[i].ctx.lanes, d), KX_OK);
			CHECK_MEM(segs[i].digest, d, 32);
		}
	}
	kx_test_note("lanes copy moves: %u held back in a group", grouped);
	free(mem);
	free(want);
	free(init);
}

KX_TEST(lanes_refusals)
{
	static struct kx_lanes c;
	uint8_t page[PAGE + 1] = { 0 }, a[32], b[32];

	CHECK_ST(kx_lanes_init(&c, 0), KX_ERR_INVAL);
	CHECK_ST(kx_lanes_init(&c, KX_LANES_MAX + 1), KX_ERR_INVAL);
	CHECK_ST(kx_lanes_init(0, 4), KX_ERR_INVAL);
	CHECK_ST(kx_lanes(page, 1, 65, a), KX_ERR_INVAL);
	/* Only the last page may be partial. */
	CHECK_ST(kx_lanes_init(&c, 4), KX_OK);
	CHECK_ST(kx_lanes_update(&c, page, 100), KX_OK);
	CHECK_ST(kx_lanes_update(&c, page, 1), KX_ERR_INVAL);
	CHECK_ST(kx_lanes_update(&c, page, 0), KX_OK);
	kx_lanes_final(&c, a);
	lanes_defined(page, 100, 4, b);
	CHECK_MEM(a, b, 32);
	/* A page and one byte: lanes 0 and 1. */
	CHECK_ST(kx_lanes_init(&c, 4), KX_OK);
	CHECK_ST(kx_lanes_update(&c, page, PAGE + 1), KX_OK);
	kx_lanes_final(&c, a);
	lanes_defined(page, PAGE + 1, 4, b);
	CHECK_MEM(a, b, 32);
	/* Choosing engines. */
	CHECK_ST(kx_lanes_set_impl(kx_lanes_impl_at(0, 0)), KX_OK);
	CHECK(kx_lanes_get_impl() == kx_lanes_impl_at(0, 0));
	CHECK_ST(kx_lanes_set_impl(0), KX_OK);
	CHECK(kx_lanes_get_impl() == kx_lanes_best());
	{
		struct kx_lanes_impl fake = *kx_lanes_best();

		CHECK_ST(kx_lanes_set_impl(&fake), KX_ERR_INVAL);
	}
	kx_test_note("lanes: best engine here is %s", kx_lanes_best()->name);
}
