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
