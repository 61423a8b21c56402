/* SPDX-License-Identifier: MIT */
/*
 * The one-pass hand-off, purgatory's half before it starts
 * (include/kx/purgatory.h, KX_SYM_COPY_HASH): a kx loader's trampoline
 * calls kx_copy_hash, which runs the trampoline's own copy engine in
 * DIGEST mode (SWAP_DIGEST for a round trip) with the KX lanes digest of each LANE segment of the
 * loader's setup page as its hash, so each page is hashed from cache soon
 * after it is written.  The results stay in purgatory's image, which no
 * page of the list writes; purgatory compares them with the page
 * (loader_page.c) and hashes whatever they do not describe exactly.
 *
 * Runs before purgatory_start: no console, no refusal.  A setup page it
 * cannot read just leaves nothing hashed, and purgatory, which reads it
 * again, says why.
 */
#include <kx/compiler.h>
#include <kx/lanes.h>
#include <kx/purgatory.h>
#include <kx/setup_page.h>
#include "report.h"

struct kx_copy_hashed kx_copy_hashed;

/* 2 KiB of lane states each: in purgatory's data, off the stack. */
static struct kx_lanes_seg segs[KX_COPY_HASHED_MAX];
static struct kx_lanes_copy lc;

/* The index of the engine in use, for the report. */
static uint32_t engine_index(void)
{
	const struct kx_lanes_impl *impl, *now = kx_lanes_get_impl();
	uint32_t i;

	for (i = 0; (impl = kx_lanes_impl_at(i, 0)); i++)
		if (impl == now)
			return i;
	return UINT32_MAX;
}

/* One LANE entry taken, if the copy can hash it: page aligned, not
 * wrapping, not empty, a free slot. */
static void take(const struct kx_segment_lanes *e, unsigned *n)
{
	if (*n == KX_COPY_HASHED_MAX || !e->size || !KX_IS_ALIGNED(e->dest, 4096ull) ||
	    e->size - 1 > UINT64_MAX - e->dest)
		return;
	if (kx_lanes_init(&segs[*n].ctx, e->lanes) != KX_OK)
		return;
	segs[*n].dest = e->dest;
	segs[*n].size = e->size;
	(*n)++;
}

/* The LANE segments of the loader's page, at most KX_COPY_HASHED_MAX. */
static unsigned collect(uint64_t page)
{
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_fault f;
	struct kx_setup_table_view t;
	unsigned n = 0;

	if (!page || kx_setup_open(&r, page, kx_identity_map, 0, &f) != KX_OK)
		return 0;
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type != KX_REC_LANES || kx_setup_table(&rec, &t) != KX_OK)
			continue;
		for (uint32_t i = 0; i < t.count; i++) {
			struct kx_segment_lanes e;

			kx_memcpy(&e, t.entries + (size_t)i * t.entry_size, sizeof(e));
			take(&e, &n);
		}
	}
	return n;
}

uint64_t kx_copy_hash(uint64_t head, kx_relocate_fn engine, uint64_t mode)
{
	struct kx_copy_hashed *out = &kx_copy_hashed;
	uint64_t t0 = kx_port_ticks(), pages;
	unsigned n;

	/* Nothing of an earlier hand-off survives into this one. */
	kx_memset(out, 0, sizeof(*out));
	/* A round trip (swap) gets its caller's CPU back: its SIMD state
	 * (XCR0) is left as it is, and the engines use what it enables. */
	if (mode != KX_PL_SWAP_DIGEST) {
		mode = KX_PL_DIGEST;
		kx_port_simd();
	}
	n = collect(kx_setup_page);
	kx_lanes_copy_init(&lc, segs, n);
	pages = engine(head, mode, (uint32_t *)(void *)&lc, kx_lanes_copy_chunk);
	kx_lanes_copy_finish(&lc);
	for (unsigned i = 0; i < n; i++) {
		struct kx_copy_hashed_seg *o = &out->seg[i];

		o->dest = segs[i].dest;
		o->size = segs[i].size;
		o->lanes = segs[i].ctx.lanes;
		o->engine = engine_index();
		o->flags = segs[i].reread ? KX_COPY_F_REREAD : 0;
		kx_memcpy(o->digest, segs[i].digest, sizeof(o->digest));
	}
	out->pages = pages;
	out->mode = (uint32_t)mode;
	out->ticks = kx_port_ticks() - t0;
	out->count = n;
	return pages;
}
