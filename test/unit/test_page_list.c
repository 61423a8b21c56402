/* SPDX-License-Identifier: MIT */
/*
 * Page lists: walker refusals, builder refusals and rules, and the
 * assembly engines against the C reference on random lists.  "Physical
 * memory" is an arena of pages whose user addresses are their physical
 * addresses, as the engines see them in user space.
 */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/lanes.h>
#include <kx/page_list.h>
#include <kx/sha256.h>
#include "kxtest.h"

#define PG KX_PAGE_SIZE

/* ---------------------------------------------------------------- arena */

struct arena {
	uint8_t *mem;
	unsigned pages;
	uint8_t *snap;		/* contents before a run */
	uint8_t *want;		/* contents after the reference run */
};

static void arena_init(struct arena *a, unsigned pages)
{
	a->pages = pages;
	a->mem = aligned_alloc(PG, (size_t)pages * PG);
	a->snap = malloc((size_t)pages * PG);
	a->want = malloc((size_t)pages * PG);
	CHECK(a->mem && a->snap && a->want);
	kx_rand_fill(a->mem, (size_t)pages * PG);
}

static void arena_free(struct arena *a)
{
	free(a->mem);
	free(a->snap);
	free(a->want);
}

static uint64_t pa(const struct arena *a, unsigned page)
{
	return (uintptr_t)(a->mem + (size_t)page * PG);
}

static uint64_t *slots(uint64_t phys)
{
	return (uint64_t *)(uintptr_t)phys;
}

/* Arena page of a physical address, or -1 outside. */
static long page_of(const struct arena *a, uint64_t phys)
{
	uint64_t base = (uintptr_t)a->mem;

	if (phys < base || phys - base >= (uint64_t)a->pages * PG)
		return -1;
	return (long)((phys - base) / PG);
}

/* ---------------------------------------------------------- list facts */

#define MAX_PAIRS 4096
struct pairs {
	unsigned n, ind;
	uint64_t dest[MAX_PAIRS], src[MAX_PAIRS], ind_page[64];
};

static enum kx_status collect(void *ctx, const struct kx_pl_entry *e)
{
	struct pairs *p = ctx;

	if (e->kind == IND_SOURCE) {
		CHECK(p->n < MAX_PAIRS);
		p->dest[p->n] = e->dest;
		p->src[p->n] = e->addr;
		p->n++;
	} else if (e->kind == IND_INDIRECTION) {
		CHECK(p->ind < 64);
		p->ind_page[p->ind++] = e->addr;
	}
	return KX_OK;
}

static void list_pairs(uint64_t head, struct pairs *p)
{
	struct kx_pl_walk w = { .visit = collect, .visit_ctx = p };

	memset(p, 0, sizeof(*p));
	CHECK_ST(kx_pl_walk(&w, head, 0, 0), KX_OK);
}

/*
 * The safety rule over arena pages: no source is the destination of an
 * earlier copy; strong: every source is its own destination or none, and
 * sources are distinct.  Indirection pages are never read or written.
 */
static void check_rule(const struct arena *a, const struct pairs *p, int strong)
{
	long *dest_at = malloc(a->pages * sizeof(long));
	unsigned char *src_seen = calloc(a->pages, 1);

	CHECK(dest_at && src_seen);
	for (unsigned i = 0; i < a->pages; i++)
		dest_at[i] = -1;
	for (unsigned i = 0; i < p->n; i++) {
		long d = page_of(a, p->dest[i]);

		CHECK(d >= 0 && dest_at[d] < 0);
		dest_at[d] = i;
	}
	for (unsigned i = 0; i < p->n; i++) {
		long s = page_of(a, p->src[i]);

		if (s < 0)
			continue;	/* pool page outside the arena */
		if (strong) {
			CHECK(dest_at[s] < 0 || dest_at[s] == (long)i);
			CHECK(!src_seen[s]);
			src_seen[s] = 1;
		} else {
			CHECK(dest_at[s] < 0 || dest_at[s] >= (long)i);
		}
	}
	for (unsigned i = 0; i < p->ind; i++) {
		long q = page_of(a, p->ind_page[i]);

		CHECK(q < 0 || dest_at[q] < 0);
		for (unsigned j = 0; j < p->n; j++)
			CHECK(p->src[j] != p->ind_page[i]);
	}
	free(dest_at);
	free(src_seen);
}

/* ------------------------------------------------------- walker refusals */

/* A small list arena: page 0..n-1, all entries written by hand. */
static uint64_t ind(const struct arena *a, unsigned page)
{
	return pa(a, page) | IND_INDIRECTION;
}

static enum kx_status walk(uint64_t head, struct kx_pl_fault *f)
{
	return kx_pl_walk(0, head, 0, f);
}

KX_TEST(page_list_walk_accepts_linux_forms)
{
	struct arena a;
	struct kx_pl_stats s;
	uint64_t *p;

	arena_init(&a, 4);
	p = slots(pa(&a, 0));
	/* Empty list: the head alone. */
	CHECK_ST(kx_pl_walk(0, IND_DONE, &s, 0), KX_OK);
	CHECK_EQ(s.entries, 1);
	CHECK_EQ(s.sources, 0);
	/* Destination, two sources, indirection mid-page, done. */
	p[0] = pa(&a, 2) | IND_DESTINATION;
	p[1] = pa(&a, 3) | IND_SOURCE;
	p[2] = ind(&a, 1);
	slots(pa(&a, 1))[0] = pa(&a, 3) | IND_SOURCE;
	slots(pa(&a, 1))[1] = IND_DONE;
	CHECK_ST(kx_pl_walk(0, ind(&a, 0), &s, 0), KX_OK);
	CHECK_EQ(s.sources, 2);
	CHECK_EQ(s.pages, 2);
	CHECK_EQ(s.destinations, 1);
	CHECK_EQ(s.entries, 6);
	/* IND_DONE ends the list whatever else it holds, as in Linux. */
	slots(pa(&a, 1))[1] = IND_DONE | IND_SOURCE | 0x1230;
	CHECK_ST(walk(ind(&a, 0), 0), KX_OK);
	arena_free(&a);
}

KX_TEST(page_list_walk_refuses_bad_flags)
{
	struct arena a;
	struct kx_pl_fault f;
	uint64_t *p;

	arena_init(&a, 2);
	p = slots(pa(&a, 0));
	/* The head must chain or end. */
	CHECK_ST(walk(pa(&a, 0) | IND_SOURCE, &f), KX_ERR_LIST_FLAGS);
	CHECK_ST(walk(pa(&a, 0) | IND_DESTINATION, &f), KX_ERR_LIST_FLAGS);
	CHECK_ST(walk(0, &f), KX_ERR_LIST_FLAGS);
	/* No flag, two flags. */
	p[0] = pa(&a, 1) | IND_DESTINATION;
	p[1] = pa(&a, 1);
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_LIST_FLAGS);
	CHECK_EQ(f.at.index, 2);
	CHECK_EQ(f.at.page, pa(&a, 0));
	CHECK_EQ(f.at.slot, 1);
	CHECK_EQ(f.at.raw, pa(&a, 1));
	p[1] = pa(&a, 1) | IND_SOURCE | IND_DESTINATION;
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_LIST_FLAGS);
	p[1] = pa(&a, 1) | IND_INDIRECTION | IND_DONE;
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_LIST_FLAGS);
	/* Bits between the flags and the address. */
	p[1] = pa(&a, 1) | IND_SOURCE | 0x100;
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_ALIGN);
	CHECK_EQ(f.at.slot, 1);
	CHECK_ST(walk(ind(&a, 0) | 0x10, &f), KX_ERR_ALIGN);
	/* A source before any destination. */
	p[0] = pa(&a, 1) | IND_SOURCE;
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_LIST_ORDER);
	CHECK_EQ(f.at.slot, 0);
	arena_free(&a);
}

KX_TEST(page_list_walk_refuses_running_past_its_page)
{
	struct arena a;
	struct kx_pl_fault f;
	uint64_t *p;

	arena_init(&a, 2);
	p = slots(pa(&a, 0));
	p[0] = pa(&a, 1) | IND_DESTINATION;
	for (unsigned i = 1; i < KX_IND_ENTRIES_PER_PAGE; i++)
		p[i] = pa(&a, 1) | IND_SOURCE;
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_TRUNCATED);
	CHECK_EQ(f.at.slot, KX_IND_ENTRIES_PER_PAGE - 1);
	p[KX_IND_ENTRIES_PER_PAGE - 1] = IND_DONE;
	CHECK_ST(walk(ind(&a, 0), &f), KX_OK);
	arena_free(&a);
}

KX_TEST(page_list_walk_refuses_loops)
{
	struct arena a;
	struct kx_pl_fault f;

	arena_init(&a, 16);
	/* Self loop, then loops of every length after tails of every length. */
	slots(pa(&a, 0))[0] = ind(&a, 0);
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_LIST_LOOP);
	for (unsigned tail = 0; tail < 5; tail++) {
		for (unsigned len = 1; tail + len <= 16; len++) {
			for (unsigned i = 0; i < tail + len; i++) {
				unsigned next = i + 1 < tail + len ? i + 1 : tail;

				slots(pa(&a, i))[0] = pa(&a, 0) | IND_DESTINATION;
				slots(pa(&a, i))[1] = ind(&a, next);
			}
			CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_LIST_LOOP);
			CHECK_EQ(f.at.kind, IND_INDIRECTION);
		}
	}
	/* The same chain, ended, is fine. */
	slots(pa(&a, 15))[1] = IND_DONE;
	for (unsigned i = 0; i < 15; i++)
		slots(pa(&a, i))[1] = ind(&a, i + 1);
	CHECK_ST(walk(ind(&a, 0), &f), KX_OK);
	arena_free(&a);
}

KX_TEST(page_list_walk_bounds)
{
	struct arena a;
	struct kx_pl_fault f;
	struct kx_pl_walk w = { 0 };
	uint64_t *p;

	arena_init(&a, 4);
	p = slots(pa(&a, 0));
	p[0] = pa(&a, 1) | IND_DESTINATION;
	for (unsigned i = 1; i < 10; i++)
		p[i] = pa(&a, 2) | IND_SOURCE;
	p[10] = ind(&a, 3);
	slots(pa(&a, 3))[0] = IND_DONE;
	/* 1 head + 10 + 1 + 1 done = 13 entries, 2 pages. */
	w.max_entries = 13;
	CHECK_ST(kx_pl_walk(&w, ind(&a, 0), 0, &f), KX_OK);
	w.max_entries = 12;
	CHECK_ST(kx_pl_walk(&w, ind(&a, 0), 0, &f), KX_ERR_LIST_LENGTH);
	CHECK_EQ(f.at.index, 12);
	w.max_entries = 0;
	w.max_pages = 1;
	CHECK_ST(kx_pl_walk(&w, ind(&a, 0), 0, &f), KX_ERR_LIST_LENGTH);
	CHECK_EQ(f.at.kind, IND_INDIRECTION);
	/* The destination must not run past the top of the address space. */
	p[0] = 0xfffffffffffff000ULL | IND_DESTINATION;
	p[1] = pa(&a, 2) | IND_SOURCE;
	p[2] = IND_DONE;
	CHECK_ST(walk(ind(&a, 0), &f), KX_OK);
	p[2] = pa(&a, 2) | IND_SOURCE;
	p[3] = IND_DONE;
	CHECK_ST(walk(ind(&a, 0), &f), KX_ERR_RANGE);
	CHECK_EQ(f.at.slot, 2);
	arena_free(&a);
}

/* A map that knows two pages at made-up physical addresses. */
struct two_pages {
	uint64_t phys[2];
	const void *page[2];
};

static enum kx_status map_two(void *ctx, uint64_t phys, uint32_t len,
			      const void **out)
{
	struct two_pages *t = ctx;

	CHECK_EQ(len, PG);
	for (int i = 0; i < 2; i++) {
		if (t->phys[i] == phys) {
			*out = t->page[i];
			return KX_OK;
		}
	}
	return KX_ERR_RANGE;
}

KX_TEST(page_list_walk_maps_pages)
{
	struct arena a;
	struct pairs *p = malloc(sizeof(*p));
	struct two_pages t;
	struct kx_pl_walk w = { .map = map_two, .map_ctx = &t,
				.visit = collect, .visit_ctx = p };
	struct kx_pl_fault f;

	CHECK(p);
	memset(p, 0, sizeof(*p));
	arena_init(&a, 2);
	t.phys[0] = 0x7000000000ULL;
	t.phys[1] = 0x1000;
	t.page[0] = a.mem;
	t.page[1] = a.mem + PG;
	slots(pa(&a, 0))[0] = 0x5000 | IND_DESTINATION;
	slots(pa(&a, 0))[1] = 0x9000 | IND_SOURCE;
	slots(pa(&a, 0))[2] = 0x1000 | IND_INDIRECTION;
	slots(pa(&a, 1))[0] = 0xa000 | IND_SOURCE;
	slots(pa(&a, 1))[1] = IND_DONE;
	CHECK_ST(kx_pl_walk(&w, t.phys[0] | IND_INDIRECTION, 0, &f), KX_OK);
	CHECK_EQ(p->n, 2);
	CHECK_EQ(p->dest[1], 0x6000);
	CHECK_EQ(p->src[1], 0xa000);
	CHECK_EQ(p->ind, 2);
	/* An indirection page the map cannot give. */
	slots(pa(&a, 0))[2] = 0x2000 | IND_INDIRECTION;
	CHECK_ST(kx_pl_walk(&w, t.phys[0] | IND_INDIRECTION, 0, &f),
		 KX_ERR_LIST_MAP);
	CHECK_EQ(f.at.addr, 0x2000);
	CHECK_ST(f.cause, KX_ERR_RANGE);	/* what the map said */
	free(p);
	arena_free(&a);
}

struct runs {
	unsigned n, stop_at;
	struct kx_pl_run r[8];
};

static enum kx_status take_run(void *ctx, const struct kx_pl_run *run)
{
	struct runs *rs = ctx;

	if (rs->stop_at && rs->n == rs->stop_at)
		return KX_ERR_NO_SPACE;
	CHECK(rs->n < 8);
	rs->r[rs->n++] = *run;
	return KX_OK;
}

struct runs_all {
	unsigned n;
	struct kx_pl_run r[40];
};

static enum kx_status put_all(void *ctx, const struct kx_pl_run *run)
{
	struct runs_all *rs = ctx;

	CHECK(rs->n < KX_ARRAY_SIZE(rs->r));
	rs->r[rs->n++] = *run;
	return KX_OK;
}

KX_TEST(page_list_runs_coalesce_consecutive_copies)
{
	struct arena a;
	struct runs rs = { 0 };
	struct kx_pl_stats s;
	struct kx_pl_fault f;
	uint64_t *p, *q;
	static const struct kx_pl_run want[] = {
		{ 0x100000, 0x200000, 2 },	/* both consecutive */
		{ 0x102000, 0x102000, 1 },	/* its own destination */
		{ 0x103000, 0x203000, 2 },	/* across an indirection */
		{ 0x300000, 0x205000, 1 },	/* new destination, same sources */
	};

	arena_init(&a, 2);
	p = slots(pa(&a, 0));
	q = slots(pa(&a, 1));
	p[0] = 0x100000 | IND_DESTINATION;
	p[1] = 0x200000 | IND_SOURCE;
	p[2] = 0x201000 | IND_SOURCE;
	p[3] = 0x102000 | IND_SOURCE;
	p[4] = ind(&a, 1);
	q[0] = 0x203000 | IND_SOURCE;
	q[1] = 0x204000 | IND_SOURCE;
	q[2] = 0x300000 | IND_DESTINATION;
	q[3] = 0x205000 | IND_SOURCE;
	q[4] = IND_DONE;
	CHECK_ST(kx_pl_runs(0, ind(&a, 0), take_run, &rs, &s, &f), KX_OK);
	CHECK_EQ(rs.n, 4);
	CHECK_MEM(rs.r, want, sizeof(want));
	CHECK_EQ(s.sources, 6);
	CHECK_EQ(s.pages, 2);
	/* The callback's refusal stops the walk and is returned. */
	rs = (struct runs){ .stop_at = 2 };
	CHECK_ST(kx_pl_runs(0, ind(&a, 0), take_run, &rs, 0, &f), KX_ERR_NO_SPACE);
	CHECK_ST(f.status, KX_ERR_NO_SPACE);
	CHECK_EQ(rs.n, 2);
	/* An empty list has no runs; no callback is an argument error. */
	rs = (struct runs){ 0 };
	CHECK_ST(kx_pl_runs(0, IND_DONE, take_run, &rs, 0, 0), KX_OK);
	CHECK_EQ(rs.n, 0);
	CHECK_ST(kx_pl_runs(0, IND_DONE, 0, 0, 0, 0), KX_ERR_INVAL);
	arena_free(&a);
}

KX_TEST(page_list_run_writes_nothing_on_a_bad_list)
{
	struct arena a;
	uint64_t *p;

	arena_init(&a, 4);
	p = slots(pa(&a, 0));
	p[0] = pa(&a, 1) | IND_DESTINATION;
	p[1] = pa(&a, 2) | IND_SOURCE;
	p[2] = pa(&a, 3) | 0x10 | IND_SOURCE;	/* bad, after a good copy */
	p[3] = IND_DONE;
	memcpy(a.snap, a.mem, 4 * PG);
	CHECK_ST(kx_pl_run(0, ind(&a, 0), KX_PL_COPY, 0, 0, 0), KX_ERR_ALIGN);
	CHECK_MEM(a.snap, a.mem, 4 * PG);
	CHECK_ST(kx_pl_run(0, ind(&a, 0), KX_PL_SWAP, 0, 0, 0), KX_ERR_INVAL);
	CHECK_ST(kx_pl_run(0, ind(&a, 0), 7, 0, 0, 0), KX_ERR_INVAL);
	arena_free(&a);
}

/* ------------------------------------------------------------- builder */

/* Pool: arena pages in a given order, or failing on purpose. */
struct pool {
	const struct arena *a;
	unsigned order[1024];
	unsigned n, next;
	int bad_align;
};

static enum kx_status pool_alloc(void *ctx, void **page, uint64_t *phys)
{
	struct pool *p = ctx;

	if (p->next >= p->n)
		return KX_ERR_NO_MEMORY;
	*phys = pa(p->a, p->order[p->next++]) + (p->bad_align ? 8 : 0);
	*page = (void *)(uintptr_t)*phys;
	return KX_OK;
}

static void pool_pages(struct pool *p, const struct arena *a, unsigned from,
		       unsigned to)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	for (unsigned i = from; i < to; i++)
		p->order[p->n++] = i;
}

static void builder_init(struct kx_pl_builder *b, struct pool *p)
{
	memset(b, 0, sizeof(*b));
	b->alloc = pool_alloc;
	b->alloc_ctx = p;
}

/* Every segment listed, however many (kxboot once dropped all past 8). */
KX_TEST(page_list_build_lists_every_one_of_many_segments)
{
	enum { N = 40 };
	static struct kx_pl_segment s[KX_PL_MAX_SEGMENTS + 1];
	struct arena a;
	struct pool p;
	struct kx_pl_builder b;
	struct runs_all *rs;

	arena_init(&a, 3 * N + 8);
	pool_pages(&p, &a, 3 * N, 3 * N + 8);
	builder_init(&b, &p);
	/* Segment i: arena page i to arena page N + 2i, every other
	 * destination skipped so that no two runs merge. */
	for (unsigned i = 0; i < N; i++)
		s[i] = (struct kx_pl_segment){ a.mem + (size_t)i * PG, PG,
					       pa(&a, N + 2 * i), PG };
	CHECK_ST(kx_pl_build(&b, s, N), KX_OK);
	rs = calloc(1, sizeof(*rs));
	CHECK(rs);
	CHECK_ST(kx_pl_runs(0, b.head, put_all, rs, 0, 0), KX_OK);
	CHECK_EQ(rs->n, N);
	for (unsigned i = 0; i < N; i++) {
		CHECK_EQ(rs->r[i].dest, pa(&a, N + 2 * i));
		CHECK_EQ(rs->r[i].src, pa(&a, i));
		CHECK_EQ(rs->r[i].pages, 1);
	}
	/* Past the library's bound: refused, nothing to run. */
	for (unsigned i = 0; i <= KX_PL_MAX_SEGMENTS; i++)
		s[i] = (struct kx_pl_segment){ 0, 0, pa(&a, 0) + 2ull * i * PG, PG };
	CHECK_ST(kx_pl_build(&b, s, KX_PL_MAX_SEGMENTS + 1), KX_ERR_INVAL);
	CHECK_EQ(b.head, IND_DONE);
	free(rs);
	arena_free(&a);
}

KX_TEST(page_list_build_refusals)
{
	struct arena a;
	struct pool p;
	struct kx_pl_builder b;
	struct kx_pl_segment s[3];
	struct kx_pl_range allowed = { 0, 0 }, reserved;

	arena_init(&a, 64);
	pool_pages(&p, &a, 32, 64);
	builder_init(&b, &p);
	s[0] = (struct kx_pl_segment){ a.mem, 3 * PG, pa(&a, 8), 4 * PG };
	s[1] = (struct kx_pl_segment){ a.mem + 4 * PG, PG, pa(&a, 12), 2 * PG };
	s[2] = (struct kx_pl_segment){ 0, 0, pa(&a, 20), PG };
	CHECK_ST(kx_pl_build(&b, s, 3), KX_OK);
	CHECK(b.head != IND_DONE);
	/* Overlapping destinations. */
	s[1].dest = pa(&a, 11);
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_OVERLAP);
	CHECK_EQ(b.bad_segment, 1);
	CHECK_EQ(b.head, IND_DONE);
	CHECK_EQ(b.pool_pages, 0);
	s[1].dest = pa(&a, 12);
	/* Misaligned destination or size. */
	s[2].dest += 8;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_ALIGN);
	CHECK_EQ(b.bad_segment, 2);
	s[2].dest -= 8;
	s[2].memsz = PG + 1;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_ALIGN);
	s[2].memsz = PG;
	/* bufsz > memsz, or a buffer missing. */
	s[1].bufsz = 3 * PG;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_INVAL);
	s[1].bufsz = PG;
	s[1].buf = 0;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_INVAL);
	s[1].buf = a.mem + 4 * PG;
	/* Outside the allowed range, or across its end, or wrapping. */
	allowed.start = pa(&a, 8);
	allowed.end = pa(&a, 21);
	b.allowed = &allowed;
	b.nallowed = 1;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_OK);
	allowed.end = pa(&a, 20);
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_RANGE);
	CHECK_EQ(b.bad_segment, 2);
	b.nallowed = 0;
	s[2].dest = 0xfffffffffffff000ULL;
	s[2].memsz = 2 * PG;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_RANGE);
	s[2].dest = pa(&a, 20);
	s[2].memsz = PG;
	/* Over a reserved range (the control page, the swap page). */
	reserved.start = pa(&a, 13) + 100;
	reserved.end = reserved.start + 1;
	b.reserved = &reserved;
	b.nreserved = 1;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_OVERLAP);
	CHECK_EQ(b.bad_segment, 1);
	b.nreserved = 0;
	/* A pool that hands out misaligned pages, or a buffer. */
	p.bad_align = 1;
	p.next = 0;
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_ALIGN);
	CHECK_EQ(b.head, IND_DONE);
	p.bad_align = 0;
	p.next = 0;
	p.order[0] = 1;	/* inside s[0].buf */
	CHECK_ST(kx_pl_build(&b, s, 3), KX_ERR_OVERLAP);
	CHECK_EQ(b.bad_segment, 0);
	arena_free(&a);
}

/*
 * Destinations at the top of the address space: a segment may end at 2^64
 * (its end wraps to 0), and overlapping it is still seen; a segment at 0
 * after it gets its own destination entry.
 */
KX_TEST(page_list_build_at_the_top_of_the_address_space)
{
	const uint64_t top = 0ULL - 2 * PG;
	struct arena a;
	struct pool p;
	struct pairs got;
	struct kx_pl_builder b;
	struct kx_pl_segment s[2];

	arena_init(&a, 16);
	pool_pages(&p, &a, 4, 16);
	builder_init(&b, &p);
	/* Two pages ending at 2^64, without a buffer (zero filled), and a
	 * page overlapping their second one. */
	s[0] = (struct kx_pl_segment){ 0, 0, top, 2 * PG };
	s[1] = (struct kx_pl_segment){ 0, 0, top + PG, PG };
	CHECK_ST(kx_pl_build(&b, s, 2), KX_ERR_OVERLAP);
	CHECK_EQ(b.bad_segment, 1);
	s[1].dest = top;
	CHECK_ST(kx_pl_build(&b, s, 2), KX_ERR_OVERLAP);
	/* The order does not matter. */
	s[0] = (struct kx_pl_segment){ 0, 0, top + PG, PG };
	s[1] = (struct kx_pl_segment){ 0, 0, top, 2 * PG };
	CHECK_ST(kx_pl_build(&b, s, 2), KX_ERR_OVERLAP);

	/* Ending at 2^64, then a page at 0: each copy where it belongs. */
	s[0] = (struct kx_pl_segment){ 0, 0, top, 2 * PG };
	s[1] = (struct kx_pl_segment){ a.mem, PG, 0, PG };
	p.next = 0;
	CHECK_ST(kx_pl_build(&b, s, 2), KX_OK);
	list_pairs(b.head, &got);
	CHECK_EQ(got.n, 3);
	CHECK_EQ(got.dest[0], top);
	CHECK_EQ(got.dest[1], top + PG);
	CHECK_EQ(got.dest[2], 0);
	arena_free(&a);
}

KX_TEST(page_list_build_pool_exhaustion_leaves_nothing_to_run)
{
	struct arena a;
	struct pool p;
	struct kx_pl_builder b;
	struct kx_pl_segment s = { 0, 0, 0, 0 };

	arena_init(&a, 64);
	/* 20 zero pages need 20 pool pages plus one indirection page. */
	s.dest = pa(&a, 0);
	s.memsz = 20 * PG;
	for (unsigned have = 0; have <= 21; have++) {
		pool_pages(&p, &a, 32, 32 + have);
		builder_init(&b, &p);
		memset(a.mem + 32 * PG, 0xee, PG);
		if (have < 21) {
			CHECK_ST(kx_pl_build(&b, &s, 1), KX_ERR_NO_MEMORY);
			CHECK_EQ(b.head, IND_DONE);
			/* The first indirection page, if any, ends at once. */
			if (have)
				CHECK_EQ(slots(pa(&a, 32))[0], IND_DONE);
		} else {
			CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
			CHECK_EQ(b.copies, 20);
			CHECK_EQ(b.relocated, 20);
			CHECK_EQ(b.ind_pages, 1);
		}
	}
	/* A pool of destination pages only: refused, bounded, no loop. */
	pool_pages(&p, &a, 0, 20);
	builder_init(&b, &p);
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_ERR_NO_MEMORY);
	CHECK_EQ(b.head, IND_DONE);
	/* A caller's bound on the pool. */
	pool_pages(&p, &a, 32, 64);
	builder_init(&b, &p);
	b.max_pool_pages = 5;
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_ERR_NO_MEMORY);
	CHECK_EQ(b.pool_pages, 5);
	arena_free(&a);
}

KX_TEST(page_list_build_in_place_and_zero_fill)
{
	struct arena a;
	struct pool p;
	struct kx_pl_builder b;
	struct pairs *pr = malloc(sizeof(*pr));
	struct kx_pl_segment s[2];
	uint8_t *want;

	CHECK(pr);
	arena_init(&a, 64);
	pool_pages(&p, &a, 48, 64);
	builder_init(&b, &p);
	/* Aligned whole pages away from destinations: used in place. */
	s[0] = (struct kx_pl_segment){ a.mem, 4 * PG, pa(&a, 10), 4 * PG };
	/* A partial last page and zero pages: copied into the pool. */
	s[1] = (struct kx_pl_segment){ a.mem + 5 * PG, PG + 100, pa(&a, 20), 4 * PG };
	CHECK_ST(kx_pl_build(&b, s, 2), KX_OK);
	CHECK_EQ(b.copies, 8);
	CHECK_EQ(b.relocated, 3);
	CHECK_EQ(b.ind_pages, 1);
	list_pairs(b.head, pr);
	CHECK_EQ(pr->n, 8);
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(pr->src[i], pa(&a, i < 4 ? i : 5));
	want = calloc(4, PG);
	CHECK(want);
	memcpy(want, s[1].buf, PG + 100);
	CHECK_ST(kx_pl_run(0, b.head, KX_PL_COPY, 0, 0, 0), KX_OK);
	CHECK_MEM(a.mem + 20 * PG, want, 4 * PG);
	CHECK_MEM(a.mem + 10 * PG, a.mem, 4 * PG);
	/* COPY_ALL: nothing in place. */
	pool_pages(&p, &a, 40, 64);
	builder_init(&b, &p);
	b.flags = KX_PL_BUILD_COPY_ALL;
	CHECK_ST(kx_pl_build(&b, s, 2), KX_OK);
	CHECK_EQ(b.relocated, 8);
	free(want);
	free(pr);
	arena_free(&a);
}

/* Xen-like: the engine sees machine addresses, the loader its own. */
#define MACHINE_OFFSET 0x4000000000000ULL

static enum kx_status xlate_machine(void *ctx, const void *virt, uint64_t *phys)
{
	(void)ctx;
	*phys = (uintptr_t)virt + MACHINE_OFFSET;
	return KX_OK;
}

static enum kx_status pool_machine(void *ctx, void **page, uint64_t *phys)
{
	enum kx_status st = pool_alloc(ctx, page, phys);

	if (st == KX_OK)
		*phys += MACHINE_OFFSET;
	return st;
}

static enum kx_status map_machine(void *ctx, uint64_t phys, uint32_t len,
				  const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)(phys - MACHINE_OFFSET);
	return KX_OK;
}

KX_TEST(page_list_build_translates_addresses)
{
	struct arena a;
	struct pool p;
	struct kx_pl_builder b;
	struct pairs *pr = malloc(sizeof(*pr));
	struct kx_pl_walk w = { .map = map_machine, .visit = collect };
	struct kx_pl_segment s;

	CHECK(pr);
	w.visit_ctx = pr;
	arena_init(&a, 16);
	pool_pages(&p, &a, 8, 16);
	builder_init(&b, &p);
	b.alloc = pool_machine;
	b.xlate = xlate_machine;
	/* Buffer pages on later copies' destinations: read first, in place. */
	s = (struct kx_pl_segment){ a.mem + PG, 2 * PG, 0, 3 * PG };
	s.dest = pa(&a, 0) + MACHINE_OFFSET;
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
	CHECK(b.head >= MACHINE_OFFSET);
	memset(pr, 0, sizeof(*pr));
	CHECK_ST(kx_pl_walk(&w, b.head, 0, 0), KX_OK);
	CHECK_EQ(pr->n, 3);
	CHECK_EQ(pr->src[0], pa(&a, 1) + MACHINE_OFFSET);
	CHECK_EQ(pr->src[1], pa(&a, 2) + MACHINE_OFFSET);
	CHECK_EQ(b.relocated, 1);
	/* Swappable: those must move (each source its own destination or none). */
	b.flags = KX_PL_BUILD_SWAPPABLE;
	p.next = 0;
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
	CHECK_EQ(b.relocated, 3);
	/* A buffer page on an earlier copy's destination must move. */
	b.flags = 0;
	s.dest = pa(&a, 2) + MACHINE_OFFSET;
	p.next = 0;
	CHECK_ST(kx_pl_build(&b, &s, 1), KX_OK);
	memset(pr, 0, sizeof(*pr));
	CHECK_ST(kx_pl_walk(&w, b.head, 0, 0), KX_OK);
	CHECK_EQ(pr->src[0], pa(&a, 1) + MACHINE_OFFSET);
	CHECK(pr->src[1] != pa(&a, 2) + MACHINE_OFFSET);
	CHECK_EQ(b.relocated, 2);
	free(pr);
	arena_free(&a);
}

/* ------------------------------------------------- random lists: builder */

#define ARENA_PAGES 96

struct scenario {
	struct arena a;
	struct pool pool;
	struct kx_pl_builder b;
	struct kx_pl_segment seg[6];
	unsigned nsegs;
	uint8_t *expect;	/* what each segment's destination must hold */
	uint64_t expect_size;
	uint8_t *swap;
};

static int page_free(const unsigned char *used, unsigned from, unsigned n)
{
	if (from + n > ARENA_PAGES)
		return 0;
	for (unsigned i = from; i < from + n; i++)
		if (used[i])
			return 0;
	return 1;
}

/*
 * Random segments whose destinations and buffers share the arena, so that
 * buffers often sit on destinations; a pool of the remaining pages in a
 * random order, destinations among them.
 */
static void make_scenario(struct scenario *sc, uint32_t flags)
{
	unsigned char dest_used[ARENA_PAGES] = { 0 }, buf_used[ARENA_PAGES] = { 0 };
	uint64_t off = 0;

	sc->nsegs = 1 + (unsigned)kx_rand_below(5);
	for (unsigned i = 0; i < sc->nsegs; i++) {
		struct kx_pl_segment *s = &sc->seg[i];
		unsigned pages = 1 + (unsigned)kx_rand_below(12), at, tries;
		unsigned unaligned = kx_rand_below(4) == 0;
		unsigned bpages;

		for (tries = 0; tries < 100; tries++) {
			at = (unsigned)kx_rand_below(ARENA_PAGES);
			if (page_free(dest_used, at, pages))
				break;
		}
		if (tries == 100) {
			sc->nsegs = i;
			break;
		}
		memset(dest_used + at, 1, pages);
		s->dest = pa(&sc->a, at);
		s->memsz = (uint64_t)pages * PG;
		switch (kx_rand_below(4)) {
		case 0:
			s->bufsz = 0;
			break;
		case 1:
			s->bufsz = kx_rand_below(s->memsz + 1);
			break;
		default:
			s->bufsz = s->memsz;
			break;
		}
		/* The buffer: free pages (of buffers), often on destinations. */
		bpages = (unsigned)((s->bufsz + PG - 1) / PG) + unaligned;
		for (tries = 0; tries < 100; tries++) {
			at = (unsigned)kx_rand_below(ARENA_PAGES);
			if (page_free(buf_used, at, bpages))
				break;
		}
		if (tries == 100) {
			s->bufsz = 0;
			bpages = 0;
		}
		memset(buf_used + at, 1, bpages);
		s->buf = sc->a.mem + (size_t)at * PG +
			 (unaligned ? 8 * kx_rand_below(PG / 8) : 0);
		if (!s->bufsz)
			s->buf = 0;
	}
	/* What the destinations must hold: buffers as they are now. */
	sc->expect_size = 0;
	for (unsigned i = 0; i < sc->nsegs; i++)
		sc->expect_size += sc->seg[i].memsz;
	sc->expect = calloc(1, sc->expect_size + 1);
	CHECK(sc->expect);
	for (unsigned i = 0; i < sc->nsegs; i++) {
		if (sc->seg[i].bufsz)
			memcpy(sc->expect + off, sc->seg[i].buf, sc->seg[i].bufsz);
		off += sc->seg[i].memsz;
	}
	/* Pool: pages not under a buffer, shuffled. */
	memset(&sc->pool, 0, sizeof(sc->pool));
	sc->pool.a = &sc->a;
	for (unsigned i = 0; i < ARENA_PAGES; i++)
		if (!buf_used[i])
			sc->pool.order[sc->pool.n++] = i;
	for (unsigned i = sc->pool.n; i > 1; i--) {
		unsigned j = (unsigned)kx_rand_below(i), t = sc->pool.order[i - 1];

		sc->pool.order[i - 1] = sc->pool.order[j];
		sc->pool.order[j] = t;
	}
	builder_init(&sc->b, &sc->pool);
	sc->b.flags = flags | (kx_rand_below(8) == 0 ? KX_PL_BUILD_COPY_ALL : 0);
}

static void check_destinations(const struct scenario *sc)
{
	uint64_t off = 0;

	for (unsigned i = 0; i < sc->nsegs; i++) {
		CHECK_MEM((void *)(uintptr_t)sc->seg[i].dest, sc->expect + off,
			  sc->seg[i].memsz);
		off += sc->seg[i].memsz;
	}
}

static void digest_of_destinations(uint64_t head, uint8_t out[32])
{
	struct pairs *p = malloc(sizeof(*p));
	struct kx_sha256 c;

	CHECK(p);
	list_pairs(head, p);
	kx_sha256_init(&c);
	for (unsigned i = 0; i < p->n; i++)
		kx_sha256_update(&c, (void *)(uintptr_t)p->dest[i], PG);
	kx_sha256_final(&c, out);
	free(p);
}

static const size_t ARENA_BYTES = (size_t)ARENA_PAGES * PG;

/*
 * Copy and digest: asm against C on the same list and memory.  Hashing is
 * the slow part under qemu-user, so the C digest engine joins the
 * comparison one round in four.
 */
static void diff_copy_and_digest(struct scenario *sc, int check_dest)
{
	struct arena *a = &sc->a;
	uint64_t head = sc->b.head;
	struct kx_sha256 c_ref, c_asm;
	uint8_t d_ref[32], d_asm[32], d_after[32];
	struct kx_pl_stats st;

	CHECK_ST(kx_pl_walk(0, head, &st, 0), KX_OK);
	memcpy(a->snap, a->mem, ARENA_BYTES);
	CHECK_ST(kx_pl_run(0, head, KX_PL_COPY, 0, 0, 0), KX_OK);
	if (check_dest)
		check_destinations(sc);
	memcpy(a->want, a->mem, ARENA_BYTES);

	memcpy(a->mem, a->snap, ARENA_BYTES);
	CHECK_EQ(kx_relocate_pages(head, KX_PL_COPY, 0, 0), st.sources);
	CHECK_MEM(a->mem, a->want, ARENA_BYTES);

	memcpy(a->mem, a->snap, ARENA_BYTES);
	kx_sha256_init(&c_asm);
	CHECK_EQ(kx_relocate_digest(head, &c_asm), st.sources);
	CHECK_MEM(a->mem, a->want, ARENA_BYTES);
	kx_sha256_final(&c_asm, d_asm);
	digest_of_destinations(head, d_after);
	CHECK_MEM(d_asm, d_after, 32);

	if (kx_rand_below(4) == 0) {
		memcpy(a->mem, a->snap, ARENA_BYTES);
		kx_sha256_init(&c_ref);
		CHECK_ST(kx_pl_run(0, head, KX_PL_DIGEST, 0, &c_ref, 0), KX_OK);
		CHECK_MEM(a->mem, a->want, ARENA_BYTES);
		kx_sha256_final(&c_ref, d_ref);
		CHECK_MEM(d_ref, d_after, 32);
	}
}

/*
 * Copy with lanes digests: the asm engine (and the C one, one round in
 * four) over segs[0..n) with a random engine and lane count each; every
 * digest must be the lanes digest of the destination afterwards, and the
 * memory what a plain copy leaves.  Counts segments hashed during the
 * copy (not re-read) in *in_pass.
 */
static void diff_lanes(struct scenario *sc, const uint64_t *dest,
		       const uint64_t *size, unsigned n, unsigned *in_pass)
{
	struct arena *a = &sc->a;
	struct kx_lanes_seg *segs = calloc(n ? n : 1, sizeof(*segs));
	struct kx_lanes_copy lc;
	struct kx_pl_stats st;
	uint8_t want[32];
	int usable;

	CHECK(segs);
	CHECK_ST(kx_pl_walk(0, sc->b.head, &st, 0), KX_OK);
	for (int c_engine = 0; c_engine < 2; c_engine++) {
		if (c_engine && kx_rand_below(4) != 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			const struct kx_lanes_impl *impl;
			unsigned k;

			do {
				k = (unsigned)kx_rand_below(8);
				impl = kx_lanes_impl_at(k, &usable);
			} while (!impl || !usable);
			segs[i].dest = dest[i];
			segs[i].size = size[i];
			CHECK_ST(kx_lanes_init_impl(&segs[i].ctx,
						    1 + (unsigned)kx_rand_below(KX_LANES_MAX),
						    impl), KX_OK);
		}
		memcpy(a->mem, a->snap, ARENA_BYTES);
		kx_lanes_copy_init(&lc, segs, n);
		if (c_engine)
			CHECK_ST(kx_pl_run_lanes(0, sc->b.head, &lc, 0), KX_OK);
		else
			CHECK_EQ(kx_relocate_lanes(sc->b.head, &lc), st.sources);
		kx_lanes_copy_finish(&lc);
		CHECK_MEM(a->mem, a->want, ARENA_BYTES);
		for (unsigned i = 0; i < n; i++) {
			CHECK_ST(kx_lanes((void *)(uintptr_t)dest[i], size[i],
					  segs[i].ctx.lanes, want), KX_OK);
			CHECK_MEM(segs[i].digest, want, 32);
			*in_pass += !segs[i].reread;
		}
	}
	free(segs);
}

/* Segments of a build as the lanes copy sees them: sizes cut short at
 * random so that the last page is partial. */
static void diff_lanes_build(struct scenario *sc, unsigned *in_pass)
{
	uint64_t dest[8], size[8];

	for (unsigned i = 0; i < sc->nsegs; i++) {
		dest[i] = sc->seg[i].dest;
		size[i] = sc->seg[i].memsz - kx_rand_below(2) * kx_rand_below(PG);
	}
	diff_lanes(sc, dest, size, sc->nsegs, in_pass);
}

/* Swap: asm against C, and a second pass restoring every byte. */
static void diff_swap(struct scenario *sc)
{
	struct arena *a = &sc->a;
	uint64_t head = sc->b.head;
	struct kx_pl_stats st;

	CHECK_ST(kx_pl_walk(0, head, &st, 0), KX_OK);
	memcpy(a->snap, a->mem, ARENA_BYTES);
	CHECK_ST(kx_pl_run(0, head, KX_PL_SWAP, sc->swap, 0, 0), KX_OK);
	check_destinations(sc);
	memcpy(a->want, a->mem, ARENA_BYTES);
	CHECK_ST(kx_pl_run(0, head, KX_PL_SWAP, sc->swap, 0, 0), KX_OK);
	CHECK_MEM(a->mem, a->snap, ARENA_BYTES);

	CHECK_EQ(kx_relocate_pages(head, KX_PL_SWAP, 0, 0), st.sources);
	CHECK_MEM(a->mem, a->want, ARENA_BYTES);
	CHECK_EQ(kx_relocate_pages(head, KX_PL_SWAP, 0, 0), st.sources);
	CHECK_MEM(a->mem, a->snap, ARENA_BYTES);

	/* SWAP_DIGEST: the same exchanges, and the destination pages as they
	 * leave them hashed in list order; asm against C, and a plain SWAP
	 * undoing it. */
	{
		struct kx_sha256 c_ref, c_asm;
		uint8_t d_ref[32], d_asm[32];

		kx_sha256_init(&c_ref);
		CHECK_ST(kx_pl_run(0, head, KX_PL_SWAP_DIGEST, sc->swap, &c_ref, 0), KX_OK);
		CHECK_MEM(a->mem, a->want, ARENA_BYTES);
		memcpy(a->mem, a->snap, ARENA_BYTES);
		kx_sha256_init(&c_asm);
		CHECK_EQ(kx_relocate_pages(head, KX_PL_SWAP_DIGEST, c_asm.state, c_asm.blocks),
			 st.sources);
		c_asm.bytes += st.sources * PG;
		CHECK_MEM(a->mem, a->want, ARENA_BYTES);
		kx_sha256_final(&c_ref, d_ref);
		kx_sha256_final(&c_asm, d_asm);
		CHECK_MEM(d_asm, d_ref, 32);
		CHECK_EQ(kx_relocate_pages(head, KX_PL_SWAP, 0, 0), st.sources);
		CHECK_MEM(a->mem, a->snap, ARENA_BYTES);
	}
}

static void random_builds(uint32_t flags, unsigned rounds)
{
	struct scenario sc;
	struct pairs *p = malloc(sizeof(*p));
	unsigned built = 0, relocated = 0;

	CHECK(p);
	arena_init(&sc.a, ARENA_PAGES);
	sc.swap = aligned_alloc(PG, PG);
	CHECK(sc.swap);
	unsigned in_pass = 0, lane_rounds = 0;

	for (unsigned r = 0; r < rounds; r++) {
		enum kx_status st;

		/* Fresh bytes in a few pages so content keeps varying. */
		for (int k = 0; k < 8; k++)
			kx_rand_fill(sc.a.mem + kx_rand_below(ARENA_PAGES) * PG, PG);
		make_scenario(&sc, flags);
		st = kx_pl_build(&sc.b, sc.seg, sc.nsegs);
		if (st != KX_OK) {
			/* Only a pool too small for this layout may refuse. */
			CHECK_ST(st, KX_ERR_NO_MEMORY);
			CHECK_EQ(sc.b.head, IND_DONE);
			free(sc.expect);
			continue;
		}
		built++;
		relocated += sc.b.relocated != 0;
		list_pairs(sc.b.head, p);
		check_rule(&sc.a, p, !!(flags & KX_PL_BUILD_SWAPPABLE));
		if (flags & KX_PL_BUILD_SWAPPABLE)
			diff_swap(&sc);
		diff_copy_and_digest(&sc, 1);
		if (r % 4 == 0) {
			/* memory is at the snapshot's copy: want is set */
			diff_lanes_build(&sc, &in_pass);
			lane_rounds++;
		}
		free(sc.expect);
	}
	/* The mix must exercise what it is for; builds copy a segment's
	 * pages in order, so their lanes are hashed during the copy. */
	CHECK(in_pass >= lane_rounds);
	kx_test_note("lanes copies: %u rounds, %u segments hashed in the pass",
		     lane_rounds, in_pass);
	CHECK(built > rounds * 3 / 4);
	CHECK(relocated > built / 4);
	free(sc.swap);
	free(p);
	arena_free(&sc.a);
}

KX_TEST(page_list_asm_vs_c_copy_safe_builds)
{
	random_builds(0, 1000);
}

KX_TEST(page_list_asm_vs_c_swappable_builds)
{
	random_builds(KX_PL_BUILD_SWAPPABLE, 1000);
}

/* ------------------------------------------ random lists: hand-written */

/*
 * Lists no builder of ours writes but Linux's walker and ours accept:
 * destinations anywhere, indirections mid-page, sources repeated or on
 * later destinations (copy-safe), DONE with stray bits.
 */
static uint64_t random_raw_list(struct arena *a, int strong)
{
	unsigned char role[ARENA_PAGES] = { 0 };	/* 1 dest, 2 list */
	unsigned nind = 1 + (unsigned)kx_rand_below(3), ind_at[3];
	unsigned cur = 0, slot = 0, copies = 0, max = 1 + (unsigned)kx_rand_below(60);
	long dest_at[ARENA_PAGES];
	unsigned char src_used[ARENA_PAGES] = { 0 };
	uint64_t head, *page;
	uint64_t dest = 0;
	int have_dest = 0;

	for (unsigned i = 0; i < ARENA_PAGES; i++)
		dest_at[i] = -1;
	for (unsigned i = 0; i < nind; i++) {
		do
			ind_at[i] = (unsigned)kx_rand_below(ARENA_PAGES);
		while (role[ind_at[i]]);
		role[ind_at[i]] = 2;
	}
	head = pa(a, ind_at[0]) | IND_INDIRECTION;
	page = slots(pa(a, ind_at[0]));
	while (copies < max) {
		unsigned d, s;
		uint64_t e;

		/* A new destination now and then (always first). */
		if (!have_dest || kx_rand_below(6) == 0 ||
		    page_of(a, dest) < 0 || role[page_of(a, dest)]) {
			unsigned tries = 0;

			do
				d = (unsigned)kx_rand_below(ARENA_PAGES);
			while (role[d] && ++tries < 1000);
			if (role[d])
				break;	/* the arena is used up */
			dest = pa(a, d);
			have_dest = 1;
			e = dest | IND_DESTINATION;
		} else {
			unsigned tries;

			d = (unsigned)page_of(a, dest);
			/* A source the rule allows. */
			for (tries = 0; tries < 200; tries++) {
				s = kx_rand_below(4) == 0 ? d :
				    (unsigned)kx_rand_below(ARENA_PAGES);
				if (role[s] == 2)
					continue;
				if (s == d) {
					if (strong && src_used[d])
						continue;
				} else if (strong) {
					/* Never a destination, before or after. */
					if (role[s] || src_used[s])
						continue;
				} else if (dest_at[s] >= 0) {
					continue;	/* written already */
				}
				break;
			}
			if (tries == 200)
				break;
			if (strong && s != d)
				role[s] = 3;
			role[d] = 1;
			dest_at[d] = copies++;
			src_used[s] = 1;
			e = pa(a, s) | IND_SOURCE;
			dest += PG;
		}
		/* Move to the next indirection page early, or when full. */
		if (cur + 1 < nind &&
		    (slot == KX_IND_ENTRIES_PER_PAGE - 1 || kx_rand_below(20) == 0)) {
			page[slot] = pa(a, ind_at[++cur]) | IND_INDIRECTION;
			page = slots(pa(a, ind_at[cur]));
			slot = 0;
		}
		if (slot == KX_IND_ENTRIES_PER_PAGE - 1)
			break;
		page[slot++] = e;
	}
	page[slot] = IND_DONE | (kx_rand_below(2) ? IND_SOURCE | 0xab0 : 0);
	return head;
}

KX_TEST(page_list_asm_vs_c_raw_lists)
{
	struct scenario sc;
	uint8_t *swap = aligned_alloc(PG, PG);

	CHECK(swap);
	memset(&sc, 0, sizeof(sc));
	arena_init(&sc.a, ARENA_PAGES);
	sc.swap = swap;
	for (unsigned r = 0; r < 1000; r++) {
		int strong = (int)(r & 1);
		struct pairs *p = malloc(sizeof(*p));

		CHECK(p);
		for (int k = 0; k < 8; k++)
			kx_rand_fill(sc.a.mem + kx_rand_below(ARENA_PAGES) * PG, PG);
		sc.b.head = random_raw_list(&sc.a, strong);
		list_pairs(sc.b.head, p);
		check_rule(&sc.a, p, strong);
		free(p);
		if (strong) {
			/* Content check is for builds; here asm vs C. */
			struct kx_pl_stats st;

			CHECK_ST(kx_pl_walk(0, sc.b.head, &st, 0), KX_OK);
			memcpy(sc.a.snap, sc.a.mem, ARENA_BYTES);
			CHECK_ST(kx_pl_run(0, sc.b.head, KX_PL_SWAP, swap, 0, 0), KX_OK);
			memcpy(sc.a.want, sc.a.mem, ARENA_BYTES);
			memcpy(sc.a.mem, sc.a.snap, ARENA_BYTES);
			CHECK_EQ(kx_relocate_pages(sc.b.head, KX_PL_SWAP, 0, 0), st.sources);
			CHECK_MEM(sc.a.mem, sc.a.want, ARENA_BYTES);
			CHECK_EQ(kx_relocate_pages(sc.b.head, KX_PL_SWAP, 0, 0), st.sources);
			CHECK_MEM(sc.a.mem, sc.a.snap, ARENA_BYTES);
		}
		diff_copy_and_digest(&sc, 0);
		if (r % 4 == 0) {
			/* Segments anywhere: pages come out of order, twice
			 * or never, and must still give the right digest. */
			uint64_t dest[3], size[3];
			unsigned n = 1 + (unsigned)kx_rand_below(3), in_pass = 0;

			for (unsigned i = 0; i < n; i++) {
				unsigned at = (unsigned)kx_rand_below(ARENA_PAGES / 3);

				dest[i] = pa(&sc.a, i * (ARENA_PAGES / 3) + at);
				size[i] = kx_rand_below((ARENA_PAGES / 3 - at) * PG + 1);
			}
			diff_lanes(&sc, dest, size, n, &in_pass);
		}
	}
	free(swap);
	arena_free(&sc.a);
}

KX_TEST(page_list_asm_empty_list)
{
	uint32_t state[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	CHECK_EQ(kx_relocate_pages(IND_DONE, KX_PL_COPY, 0, 0), 0);
	CHECK_EQ(kx_relocate_pages(IND_DONE, KX_PL_SWAP, 0, 0), 0);
	CHECK_EQ(kx_relocate_pages(IND_DONE, KX_PL_DIGEST, state,
				   kx_sha256_best()->blocks), 0);
	CHECK_EQ(state[7], 8);
}
