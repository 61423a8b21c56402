/* SPDX-License-Identifier: MIT */
/*
 * The page-list builder across address spaces, as in a Xen PV dom0: the
 * loader owns pseudo-physical pages (contiguous to it), each backed by a
 * machine frame the P2M names, and those frames are scattered; the list
 * must name machine frames (what Xen's relocation code copies), its
 * destinations are machine addresses, and the source-page rule must hold
 * between machine frames, however the pseudo-physical runs were split.
 *
 * Simulation.  "Machine memory" is an arena whose user addresses are the
 * machine addresses (so the engines run on it); the loader's memory is a
 * second arena.  The P2M maps loader page i to machine frame p2m[i], a
 * random injection, never contiguous throughout.  The two views alias the
 * same RAM in a real dom0: sync() makes the machine frames hold what the
 * loader wrote, which is the moment Xen would take its copy.
 */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/page_list.h>
#include "kxtest.h"

#define PG KX_PAGE_SIZE
#define MPAGES 96	/* machine frames */
#define GPAGES 64	/* the loader's pseudo-physical pages */

struct p2m_world {
	uint8_t *m;		/* machine memory */
	uint8_t *g;		/* the loader's view */
	unsigned p2m[GPAGES];
	long m2p[MPAGES];	/* loader page of a frame, or -1 */
	unsigned pool[GPAGES], npool, next;
	unsigned bad_lookups;	/* xlate asked about memory not the loader's */
};

static uint64_t maddr(const struct p2m_world *w, unsigned frame)
{
	return (uintptr_t)(w->m + (size_t)frame * PG);
}

static long frame_of(const struct p2m_world *w, uint64_t ma)
{
	uint64_t base = (uintptr_t)w->m;

	if (ma < base || ma - base >= (uint64_t)MPAGES * PG)
		return -1;
	return (long)((ma - base) / PG);
}

/* A random P2M, or the one given (n entries, the rest random). */
static void world_init(struct p2m_world *w, const unsigned *fixed, unsigned n)
{
	unsigned frames[MPAGES];

	memset(w, 0, sizeof(*w));
	w->m = aligned_alloc(PG, (size_t)MPAGES * PG);
	w->g = aligned_alloc(PG, (size_t)GPAGES * PG);
	CHECK(w->m && w->g);
	kx_rand_fill(w->m, (size_t)MPAGES * PG);
	kx_rand_fill(w->g, (size_t)GPAGES * PG);
	for (unsigned i = 0; i < MPAGES; i++) {
		frames[i] = i;
		w->m2p[i] = -1;
	}
	for (unsigned i = 0; i < n; i++) {
		CHECK(fixed[i] < MPAGES && w->m2p[fixed[i]] < 0);
		w->p2m[i] = fixed[i];
		w->m2p[fixed[i]] = i;
	}
	/* The rest: frames not taken, shuffled. */
	for (unsigned i = 0, left = MPAGES; i + n < GPAGES;) {
		unsigned j = (unsigned)kx_rand_below(left), f = frames[j];

		frames[j] = frames[--left];
		if (w->m2p[f] >= 0)
			continue;
		w->p2m[n + i] = f;
		w->m2p[f] = n + i;
		i++;
	}
}

static void world_free(struct p2m_world *w)
{
	free(w->m);
	free(w->g);
}

static enum kx_status xlate_p2m(void *ctx, const void *virt, uint64_t *phys)
{
	struct p2m_world *w = ctx;
	uintptr_t v = (uintptr_t)virt, base = (uintptr_t)w->g;

	if (v < base || v - base >= (uintptr_t)GPAGES * PG) {
		w->bad_lookups++;
		return KX_ERR_RANGE;
	}
	*phys = maddr(w, w->p2m[(v - base) / PG]) + (v - base) % PG;
	return KX_OK;
}

/* Pool pages are loader pages; the engine sees their machine frames. */
static enum kx_status alloc_p2m(void *ctx, void **page, uint64_t *phys)
{
	struct p2m_world *w = ctx;
	unsigned i;

	if (w->next >= w->npool)
		return KX_ERR_NO_MEMORY;
	i = w->pool[w->next++];
	*page = w->g + (size_t)i * PG;
	*phys = maddr(w, w->p2m[i]);
	return KX_OK;
}

/* The machine frames now hold what the loader wrote to its pages. */
static void sync(struct p2m_world *w)
{
	for (unsigned i = 0; i < GPAGES; i++)
		memcpy(w->m + (size_t)w->p2m[i] * PG, w->g + (size_t)i * PG, PG);
}

static void builder_p2m(struct kx_pl_builder *b, struct p2m_world *w)
{
	memset(b, 0, sizeof(*b));
	b->alloc = alloc_p2m;
	b->alloc_ctx = w;
	b->xlate = xlate_p2m;
	b->xlate_ctx = w;
}

#define MAX_COPIES 256
struct copies {
	unsigned n;
	uint64_t dest[MAX_COPIES], src[MAX_COPIES];
};

static enum kx_status collect(void *ctx, const struct kx_pl_entry *e)
{
	struct copies *c = ctx;

	if (e->kind == IND_SOURCE) {
		CHECK(c->n < MAX_COPIES);
		c->dest[c->n] = e->dest;
		c->src[c->n] = e->addr;
		c->n++;
	}
	return KX_OK;
}

/*
 * The list as the engine reads it (machine memory, after sync): every
 * entry names a machine frame; each source is the frame the P2M gives for
 * the buffer page it copies, or a pool page's frame; and the rule holds
 * between frames (strong: each source its own destination or none).
 */
static void check_list(struct p2m_world *w, const struct kx_pl_builder *b,
		       const struct kx_pl_segment *segs, unsigned nsegs,
		       int strong, struct copies *c)
{
	struct kx_pl_walk walk = { .visit = collect, .visit_ctx = c };
	long dest_at[MPAGES];
	unsigned k = 0;

	memset(c, 0, sizeof(*c));
	sync(w);
	CHECK_ST(kx_pl_walk(&walk, b->head, 0, 0), KX_OK);
	for (unsigned i = 0; i < MPAGES; i++)
		dest_at[i] = -1;
	for (unsigned i = 0; i < c->n; i++) {
		long d = frame_of(w, c->dest[i]);

		CHECK(d >= 0 && dest_at[d] < 0);
		dest_at[d] = i;
	}
	for (unsigned s = 0; s < nsegs; s++) {
		for (uint64_t off = 0; off < segs[s].memsz; off += PG, k++) {
			long f = frame_of(w, c->src[k]), page;
			const uint8_t *buf = (const uint8_t *)segs[s].buf + off;
			int in_place, pooled = 0;

			CHECK(k < c->n);
			CHECK_EQ(c->dest[k], segs[s].dest + off);
			CHECK(f >= 0);
			page = w->m2p[f];
			CHECK(page >= 0);	/* a loader page's frame */
			in_place = segs[s].buf && w->g + (size_t)page * PG == buf;
			for (unsigned j = 0; j < w->next; j++)
				pooled |= w->pool[j] == (unsigned)page;
			CHECK(in_place || pooled);
			if (strong)
				CHECK(dest_at[f] < 0 || dest_at[f] == (long)k);
			else
				CHECK(dest_at[f] < 0 || dest_at[f] >= (long)k);
		}
	}
	CHECK_EQ(c->n, k);
	CHECK_EQ(w->bad_lookups, 0);
}

/* Runs the list on machine memory (C, then the assembly engine on the same
 * bytes): each segment's destination frames hold its buffer, zero-filled. */
static void run_and_check(struct p2m_world *w, const struct kx_pl_builder *b,
			  const struct kx_pl_segment *segs, unsigned nsegs,
			  const uint8_t *expect)
{
	uint8_t *before = malloc((size_t)MPAGES * PG);
	uint8_t *after = malloc((size_t)MPAGES * PG);
	uint64_t off = 0;

	CHECK(before && after);
	sync(w);
	memcpy(before, w->m, (size_t)MPAGES * PG);
	CHECK_ST(kx_pl_run(0, b->head, KX_PL_COPY, 0, 0, 0), KX_OK);
	for (unsigned s = 0; s < nsegs; s++) {
		CHECK_MEM((void *)(uintptr_t)segs[s].dest, expect + off, segs[s].memsz);
		off += segs[s].memsz;
	}
	memcpy(after, w->m, (size_t)MPAGES * PG);
	memcpy(w->m, before, (size_t)MPAGES * PG);
	CHECK_EQ(kx_relocate_pages(b->head, KX_PL_COPY, 0, 0), b->copies);
	CHECK_MEM(w->m, after, (size_t)MPAGES * PG);
	free(before);
	free(after);
}

static void pool_rest(struct p2m_world *w, unsigned from, unsigned to)
{
	w->npool = w->next = 0;
	for (unsigned i = from; i < to; i++)
		w->pool[w->npool++] = i;
}

/*
 * Four contiguous loader pages on frames 7, 2, 9, 4: a run split four
 * ways.  To frames 2..5, pages 1 and 3 sit on destinations of earlier
 * copies (frames 2 and 4) and must move; pages 0 and 2 are used in
 * place.  To frames 6..9, pages 0 and 2 sit on later copies' destinations
 * (frames 7 and 9): read before overwritten, in place in a copy-safe
 * list, moved in a swappable one.
 */
KX_TEST(page_list_p2m_splits_runs_by_machine_frame)
{
	static const unsigned fixed[4] = { 7, 2, 9, 4 };
	struct p2m_world w;
	struct kx_pl_builder b;
	struct kx_pl_segment s;
	struct copies *c = malloc(sizeof(*c));
	uint8_t *expect = malloc(4 * PG);

	CHECK(c && expect);
	world_init(&w, fixed, 4);
	memcpy(expect, w.g, 4 * PG);
	s = (struct kx_pl_segment){ w.g, 4 * PG, maddr(&w, 2), 4 * PG };
	pool_rest(&w, 4, GPAGES);
	builder_p2m(&b, &w);
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
	CHECK_EQ(b.relocated, 2);
	check_list(&w, &b, &s, 1, 0, c);
	CHECK_EQ(c->src[0], maddr(&w, 7));
	CHECK_EQ(c->src[2], maddr(&w, 9));
	CHECK(c->src[1] != maddr(&w, 2) && c->src[3] != maddr(&w, 4));
	run_and_check(&w, &b, &s, 1, expect);

	/* Later destinations: in place when copy-safe... */
	world_free(&w);
	world_init(&w, fixed, 4);
	memcpy(expect, w.g, 4 * PG);
	s = (struct kx_pl_segment){ w.g, 4 * PG, maddr(&w, 6), 4 * PG };
	pool_rest(&w, 4, GPAGES);
	builder_p2m(&b, &w);
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
	CHECK_EQ(b.relocated, 0);
	check_list(&w, &b, &s, 1, 0, c);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(c->src[i], maddr(&w, fixed[i]));
	run_and_check(&w, &b, &s, 1, expect);

	/* ...moved when swappable (Linux's rule, in machine space). */
	world_free(&w);
	world_init(&w, fixed, 4);
	s = (struct kx_pl_segment){ w.g, 4 * PG, maddr(&w, 6), 4 * PG };
	pool_rest(&w, 4, GPAGES);
	builder_p2m(&b, &w);
	b.flags = KX_PL_BUILD_SWAPPABLE;
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
	CHECK_EQ(b.relocated, 2);
	check_list(&w, &b, &s, 1, 1, c);
	CHECK_EQ(c->src[1], maddr(&w, 2));
	CHECK_EQ(c->src[3], maddr(&w, 4));
	world_free(&w);
	free(expect);
	free(c);
}

/* A translation the loader cannot give stops the build, nothing to run. */
KX_TEST(page_list_p2m_refuses_untranslatable_buffers)
{
	struct p2m_world w;
	struct kx_pl_builder b;
	uint8_t *outside = aligned_alloc(PG, PG);
	struct kx_pl_segment s;

	CHECK(outside);
	world_init(&w, 0, 0);
	s = (struct kx_pl_segment){ outside, PG, maddr(&w, 0), PG };
	pool_rest(&w, 0, GPAGES);
	builder_p2m(&b, &w);
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_ERR_RANGE);
	CHECK_EQ(b.head, IND_DONE);
	CHECK_EQ(w.bad_lookups, 1);
	free(outside);
	world_free(&w);
}

/*
 * Random P2Ms and segments: buffers are runs of loader pages (sometimes
 * unaligned), destinations runs of machine frames that often back the
 * loader's own pages, the pool the loader pages under no buffer.
 */
static void random_p2m_builds(uint32_t flags, unsigned rounds)
{
	struct copies *c = malloc(sizeof(*c));
	unsigned built = 0, moved = 0, in_place = 0;

	CHECK(c);
	for (unsigned r = 0; r < rounds; r++) {
		struct p2m_world w;
		struct kx_pl_builder b;
		struct kx_pl_segment segs[4];
		unsigned char dest_used[MPAGES] = { 0 }, buf_used[GPAGES] = { 0 };
		unsigned nsegs = 1 + (unsigned)kx_rand_below(4), n = 0;
		uint8_t *expect = calloc(1, (size_t)MPAGES * PG);
		uint64_t off = 0;
		enum kx_status st;

		CHECK(expect);
		world_init(&w, 0, 0);
		for (unsigned i = 0; i < nsegs; i++) {
			unsigned pages = 1 + (unsigned)kx_rand_below(8);
			unsigned at = (unsigned)kx_rand_below(MPAGES - pages + 1);
			unsigned gat = (unsigned)kx_rand_below(GPAGES - pages);
			unsigned unaligned = kx_rand_below(4) == 0, ok = 1;
			struct kx_pl_segment *s = &segs[n];

			for (unsigned k = 0; k < pages; k++)
				ok &= !dest_used[at + k];
			for (unsigned k = 0; k < pages + unaligned; k++)
				ok &= !buf_used[gat + k];
			if (!ok)
				continue;
			memset(dest_used + at, 1, pages);
			memset(buf_used + gat, 1, pages + unaligned);
			s->dest = maddr(&w, at);
			s->memsz = (uint64_t)pages * PG;
			s->bufsz = kx_rand_below(2) ? s->memsz : kx_rand_below(s->memsz + 1);
			s->buf = w.g + (size_t)gat * PG + (unaligned ? 8 * kx_rand_below(PG / 8) : 0);
			if (s->bufsz)
				memcpy(expect + off, s->buf, s->bufsz);
			off += s->memsz;
			n++;
		}
		w.npool = w.next = 0;
		for (unsigned i = 0; i < GPAGES; i++)
			if (!buf_used[i])
				w.pool[w.npool++] = i;
		builder_p2m(&b, &w);
		b.flags = flags;
		st = kx_pl_build(&b, segs, n);
		if (st != KX_OK) {
			CHECK_ST(st, KX_ERR_NO_MEMORY);
			CHECK_EQ(b.head, IND_DONE);
		} else {
			built++;
			moved += b.relocated != 0;
			in_place += b.relocated < b.copies;
			check_list(&w, &b, segs, n, !!(flags & KX_PL_BUILD_SWAPPABLE), c);
			run_and_check(&w, &b, segs, n, expect);
		}
		free(expect);
		world_free(&w);
	}
	/* The mix must exercise both outcomes. */
	CHECK(built > rounds * 3 / 4);
	CHECK(moved > built / 4);
	CHECK(in_place > built / 4);
	free(c);
}

KX_TEST(page_list_p2m_random_copy_safe)
{
	random_p2m_builds(0, 300);
}

KX_TEST(page_list_p2m_random_swappable)
{
	random_p2m_builds(KX_PL_BUILD_SWAPPABLE, 300);
}
