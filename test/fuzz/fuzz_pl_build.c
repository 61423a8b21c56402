/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the page-list builder (kx_pl_build).  The input
 * chooses up to 8 segments (destinations in a little "physical memory"
 * whose addresses are its host addresses, or any 64-bit value), their
 * buffers (anywhere in that memory or in a separate one, aligned or not),
 * a reserved range, the builder's flags and the order in which the pool
 * hands out pages.  Oracles:
 *  - refusals the segments alone decide (misalignment, bufsz > memsz, a
 *    range past 2^64, overlaps) are recomputed in 128-bit arithmetic: a
 *    build that succeeds must have none;
 *  - a built list is walked, and its copies are replayed on a model of
 *    memory (which page holds which content, copy by copy): every
 *    destination page must end up holding its segment's bytes, zero
 *    padded; no indirection page is a destination; with
 *    KX_PL_BUILD_SWAPPABLE every source is its own destination or none.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <kx/page_list.h>
#include "fuzz_script.h"

#define PG KX_PAGE_SIZE
#define MEM_PAGES 96
#define BUF_PAGES 16
#define MAX_SEGS 8
#define MAX_COPIES 512

static uint8_t mem[MEM_PAGES][PG] __attribute__((aligned(PG)));
static uint8_t bufmem[BUF_PAGES][PG] __attribute__((aligned(PG)));
static uint8_t want[MAX_COPIES][PG];

/* Fills memory with the rest of the input, repeated, each page told
 * apart by its number (so that a misplaced page is seen). */
static void spread(uint8_t *dst, size_t len, const struct src *in, uint8_t salt)
{
	for (size_t at = 0; at < len; at += PG) {
		uint8_t *page = dst + at;
		size_t k = 0;

		while (in->n && k < PG) {
			size_t n = in->n < PG - k ? in->n : PG - k;

			memcpy(page + k, in->p, n);
			k += n;
		}
		memset(page + k, 0, PG - k);
		page[0] ^= (uint8_t)(at / PG * salt);
		page[1] ^= (uint8_t)(at / PG >> 8) ^ salt;
	}
}

struct pool {
	uint8_t order[MEM_PAGES];
	unsigned n, next;
};

static enum kx_status pool_alloc(void *ctx, void **page, uint64_t *phys)
{
	struct pool *p = ctx;

	if (p->next >= p->n)
		return KX_ERR_NO_MEMORY;
	*page = mem[p->order[p->next++]];
	*phys = (uintptr_t)*page;
	return KX_OK;
}

/* The replay: which content each written page holds now. */
struct model {
	uint64_t page[MAX_COPIES + 1];
	const uint8_t *content[MAX_COPIES + 1];
	unsigned n, copies;
	uint64_t dest[MAX_COPIES];
	uint64_t src[MAX_COPIES];
	uint64_t ind[64];
	unsigned nind;
};

static enum kx_status visit(void *ctx, const struct kx_pl_entry *e)
{
	struct model *m = ctx;

	if (e->kind == IND_SOURCE) {
		check(m->copies < MAX_COPIES);
		m->dest[m->copies] = e->dest;
		m->src[m->copies] = e->addr;
		m->copies++;
	} else if (e->kind == IND_INDIRECTION) {
		check(m->nind < 64);
		m->ind[m->nind++] = e->addr;
	}
	return KX_OK;
}

static const uint8_t *content_of(const struct model *m, uint64_t page)
{
	for (unsigned i = m->n; i-- > 0;)
		if (m->page[i] == page)
			return m->content[i];
	/* Never written: what is there now (a buffer or a pool page). */
	return (const uint8_t *)(uintptr_t)page;
}

/* Segments alone say no: 128-bit recomputation of the builder's rules. */
static int must_refuse(const struct kx_pl_segment *s, unsigned n,
		       const struct kx_pl_range *rsv)
{
	for (unsigned i = 0; i < n; i++) {
		u128 a = s[i].dest, ae = a + s[i].memsz;

		if ((s[i].bufsz && !s[i].buf) || s[i].bufsz > s[i].memsz ||
		    (s[i].dest | s[i].memsz) & (PG - 1) || ae > ((u128)1 << 64))
			return 1;
		if (s[i].memsz && rsv->end > rsv->start &&
		    a < rsv->end && rsv->start < ae)
			return 1;
		for (unsigned j = 0; j < i; j++) {
			u128 b = s[j].dest, be = b + s[j].memsz;

			if (s[i].memsz && s[j].memsz && a < be && b < ae)
				return 1;
		}
	}
	return 0;
}

static void read_segment(struct src *in, struct kx_pl_segment *s)
{
	uint8_t how = (uint8_t)get(in, 1);
	uint64_t pages = get(in, 1) % 17;

	/* Destination: a page of mem (mostly) or any address. */
	if (how & 1)
		s->dest = get(in, 8);
	else
		s->dest = (uintptr_t)mem[get(in, 1) % MEM_PAGES];
	s->memsz = (how & 2) ? get(in, 8) : pages * PG;
	s->bufsz = (how & 4) ? get(in, 8) : get(in, 3) % (pages * PG + 1);
	if (how & 8)
		s->buf = 0;
	else if (how & 16)
		s->buf = mem[get(in, 1) % MEM_PAGES] + get(in, 1) * (how & 32 ? 8 : 0);
	else
		s->buf = bufmem[get(in, 1) % BUF_PAGES] + get(in, 1) * (how & 32 ? 8 : 0);
	/* Keep a buffer inside its memory so that reading it is defined. */
	if (s->buf) {
		const uint8_t *b = s->buf, *end;

		const uint8_t *m0 = &mem[0][0], *b0 = &bufmem[0][0];

		end = (b >= m0 && b < m0 + sizeof(mem)) ? m0 + sizeof(mem) :
			b0 + sizeof(bufmem);
		if (s->bufsz > (uint64_t)(end - b))
			s->bufsz = (uint64_t)(end - b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	static struct pool pool;
	struct src in = { data, size };
	struct kx_pl_segment segs[MAX_SEGS];
	struct kx_pl_range rsv = { 0, 0 };
	struct kx_pl_builder b = { 0 };
	unsigned nsegs, copy = 0;
	enum kx_status st;

	if (size < 4)
		return 0;
	nsegs = 1 + (unsigned)get(&in, 1) % MAX_SEGS;
	b.flags = (uint32_t)get(&in, 1) & (KX_PL_BUILD_SWAPPABLE | KX_PL_BUILD_COPY_ALL);
	if (get(&in, 1) & 1) {
		rsv.start = (uintptr_t)mem[get(&in, 1) % MEM_PAGES];
		rsv.end = rsv.start + get(&in, 2);
		b.reserved = &rsv;
		b.nreserved = 1;
	}
	/* The pool: pages of mem in an order the input picks. */
	pool.n = (unsigned)get(&in, 1) % MEM_PAGES;
	pool.next = 0;
	/* Distinct pages (a pool never hands out a page twice), shuffled. */
	for (unsigned i = 0; i < MEM_PAGES; i++)
		pool.order[i] = (uint8_t)i;
	for (unsigned i = 0; i < pool.n; i++) {
		unsigned j = i + (unsigned)get(&in, 1) % (MEM_PAGES - i);
		uint8_t t = pool.order[i];

		pool.order[i] = pool.order[j];
		pool.order[j] = t;
	}
	for (unsigned i = 0; i < nsegs; i++)
		read_segment(&in, &segs[i]);
	/* Memory contents: the rest of the input, repeated. */
	spread(&mem[0][0], sizeof(mem), &in, 1);
	spread(&bufmem[0][0], sizeof(bufmem), &in, 7);
	b.alloc = pool_alloc;
	b.alloc_ctx = &pool;

	st = kx_pl_build(&b, segs, nsegs);
	if (must_refuse(segs, nsegs, &rsv))
		check(st != KX_OK);
	if (st != KX_OK) {
		check(b.head == IND_DONE);
		return 0;
	}
	if (b.copies > MAX_COPIES)
		return 0;	/* more pages than the model follows */

	/* What each destination page must hold in the end (the builder
	 * writes only pool pages, never a buffer). */
	for (unsigned i = 0; i < nsegs; i++) {
		for (uint64_t k = 0; k < segs[i].memsz / PG; k++, copy++) {
			uint64_t off = k * PG, have = 0;

			check(copy < MAX_COPIES);
			if (segs[i].bufsz > off)
				have = segs[i].bufsz - off < PG ? segs[i].bufsz - off : PG;
			memset(want[copy], 0, PG);
			if (have)
				memcpy(want[copy], (const uint8_t *)segs[i].buf + off, have);
		}
	}

	/* Walk the list and replay its copies on the model. */
	memset(&m, 0, sizeof(m));
	{
		struct kx_pl_walk w = { .visit = visit, .visit_ctx = &m };

		check(kx_pl_walk(&w, b.head, 0, 0) == KX_OK);
	}
	check(m.copies == copy && b.copies == copy);
	copy = 0;
	for (unsigned i = 0; i < nsegs; i++)
		for (uint64_t k = 0; k < segs[i].memsz / PG; k++, copy++)
			check(m.dest[copy] == segs[i].dest + k * PG);
	for (unsigned c = 0; c < m.copies; c++) {
		const uint8_t *from = content_of(&m, m.src[c]);

		/* Linux's rule for swap mode: own destination or none. */
		if (b.flags & KX_PL_BUILD_SWAPPABLE && m.src[c] != m.dest[c])
			for (unsigned d = 0; d < m.copies; d++)
				check(m.dest[d] != m.src[c]);
		m.page[m.n] = m.dest[c];
		m.content[m.n] = from;
		m.n++;
		for (unsigned k = 0; k < m.nind; k++)
			check(m.ind[k] != m.dest[c]);
	}
	for (unsigned c = 0; c < m.copies; c++)
		check(!memcmp(content_of(&m, m.dest[c]), want[c], PG));
	return 0;
}
