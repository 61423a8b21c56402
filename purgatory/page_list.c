/* SPDX-License-Identifier: MIT */
/*
 * Page-list walker and the C reference engine.  The rules are in
 * include/kx/page_list.h.  The walker reads one indirection page at a time
 * through the caller's map, so it works on lists in another address space
 * (a host tool reading a dump) as well as identity-mapped ones.
 */
#include <kx/compiler.h>
#include <kx/lanes.h>
#include <kx/page_list.h>

#define LAST_SLOT (KX_IND_ENTRIES_PER_PAGE - 1)
/* Bits between the flags and the page address. */
#define MID_BITS ((uint64_t)(KX_PAGE_SIZE - 1) & ~KX_IND_FLAGS)

/* KX_ERR_LIST_MAP when the map refuses; *cause gets what it said. */
static enum kx_status map_page(const struct kx_pl_walk *w, uint64_t phys,
			       const uint8_t **out, enum kx_status *cause)
{
	const void *p = 0;
	enum kx_status st;

	if (!w->map) {
		*out = (const uint8_t *)(uintptr_t)phys;
		return KX_OK;
	}
	st = w->map(w->map_ctx, phys, KX_PAGE_SIZE, &p);
	if (st != KX_OK || !p) {
		/* A map that says OK without a page is the caller's bug. */
		*cause = st != KX_OK ? st : KX_ERR_INVAL;
		return KX_ERR_LIST_MAP;
	}
	*out = p;
	return KX_OK;
}

/* The kind of an entry, Linux's precedence; 0 when flags are not valid. */
static uint32_t entry_kind(uint64_t raw)
{
	uint32_t f = (uint32_t)(raw & KX_IND_FLAGS);

	/* DONE ends the list whatever follows it in Linux's order. */
	if ((f & IND_DONE) && !(f & (IND_DESTINATION | IND_INDIRECTION)))
		return IND_DONE;
	if (f == IND_DESTINATION || f == IND_INDIRECTION || f == IND_SOURCE)
		return f;
	return 0;
}

static enum kx_status fail_cause(struct kx_pl_fault *fault, enum kx_status st,
				 enum kx_status cause, const struct kx_pl_entry *e)
{
	if (fault) {
		fault->status = st;
		fault->cause = cause;
		fault->at = *e;
	}
	return st;
}

static enum kx_status fail(struct kx_pl_fault *fault, enum kx_status st,
			   const struct kx_pl_entry *e)
{
	return fail_cause(fault, st, KX_OK, e);
}

enum kx_status kx_pl_walk(const struct kx_pl_walk *w, uint64_t head,
			  struct kx_pl_stats *stats, struct kx_pl_fault *fault)
{
	const struct kx_pl_walk none = { 0 };
	struct kx_pl_stats s = { 0 };
	struct kx_pl_entry e = { 0 };
	const uint8_t *page = 0;
	uint64_t max_entries, max_pages, dest = 0;
	/* Brent's cycle detection over the chain of indirection pages. */
	uint64_t mark = 0, power = 1, steps = 0;
	int have_dest = 0, wrapped = 0;
	enum kx_status st;

	if (!w)
		w = &none;
	max_entries = w->max_entries ? w->max_entries : KX_PL_DEFAULT_MAX_ENTRIES;
	max_pages = w->max_pages ? w->max_pages : KX_PL_DEFAULT_MAX_PAGES;
	e.page = KX_PL_NO_PAGE;
	e.raw = head;

	for (;;) {
		e.kind = entry_kind(e.raw);
		e.addr = e.raw & KX_PL_ADDR_MASK;
		e.dest = 0;
		if (++s.entries > max_entries)
			return fail(fault, KX_ERR_LIST_LENGTH, &e);
		if (!e.kind)
			return fail(fault, KX_ERR_LIST_FLAGS, &e);
		if (e.kind != IND_DONE && (e.raw & MID_BITS))
			return fail(fault, KX_ERR_ALIGN, &e);
		if (e.page == KX_PL_NO_PAGE &&
		    e.kind != IND_INDIRECTION && e.kind != IND_DONE)
			return fail(fault, KX_ERR_LIST_FLAGS, &e);
		if (e.page != KX_PL_NO_PAGE && e.slot == LAST_SLOT &&
		    e.kind != IND_INDIRECTION && e.kind != IND_DONE)
			return fail(fault, KX_ERR_TRUNCATED, &e);

		switch (e.kind) {
		case IND_DESTINATION:
			dest = e.addr;
			have_dest = 1;
			wrapped = 0;
			s.destinations++;
			break;
		case IND_SOURCE:
			if (!have_dest)
				return fail(fault, KX_ERR_LIST_ORDER, &e);
			/* The previous source took the last page there is. */
			if (wrapped)
				return fail(fault, KX_ERR_RANGE, &e);
			e.dest = dest;
			s.sources++;
			break;
		case IND_INDIRECTION:
			if (++s.pages > max_pages)
				return fail(fault, KX_ERR_LIST_LENGTH, &e);
			if (s.pages > 1 && e.addr == mark)
				return fail(fault, KX_ERR_LIST_LOOP, &e);
			if (s.pages == 1 || ++steps == power) {
				mark = e.addr;
				if (s.pages > 1)
					power <<= 1;
				steps = 0;
			}
			break;
		default:
			break;
		}
		if (w->visit) {
			st = w->visit(w->visit_ctx, &e);
			if (st != KX_OK)
				return fail(fault, st, &e);
		}
		if (e.kind == IND_DONE)
			break;
		if (e.kind == IND_SOURCE) {
			dest += KX_PAGE_SIZE;
			wrapped = dest == 0;
		}

		/* Next entry: the next slot, or slot 0 of a new page. */
		if (e.kind == IND_INDIRECTION) {
			enum kx_status cause = KX_OK;

			st = map_page(w, e.addr, &page, &cause);
			if (st != KX_OK)
				return fail_cause(fault, st, cause, &e);
			e.page = e.addr;
			e.slot = 0;
		} else {
			e.slot++;
		}
		e.index++;
		e.raw = kx_get_le64(page + (size_t)e.slot * 8);
	}
	if (stats)
		*stats = s;
	return KX_OK;
}

/* ---------------------------------------------------------------- runs */

struct runs_ctx {
	kx_pl_run_fn fn;
	void *ctx;
	struct kx_pl_run run;	/* being gathered; pages 0: none */
};

static enum kx_status runs_visit(void *ctx, const struct kx_pl_entry *e)
{
	struct runs_ctx *r = ctx;
	uint64_t n = r->run.pages * KX_PAGE_SIZE;
	enum kx_status st;

	if (e->kind != IND_SOURCE && e->kind != IND_DONE)
		return KX_OK;
	if (e->kind == IND_SOURCE && r->run.pages &&
	    e->dest == r->run.dest + n && e->addr == r->run.src + n) {
		r->run.pages++;
		return KX_OK;
	}
	/* A source that does not continue the run, or the end: flush. */
	if (r->run.pages) {
		st = r->fn(r->ctx, &r->run);
		if (st != KX_OK)
			return st;
	}
	r->run.dest = e->dest;
	r->run.src = e->addr;
	r->run.pages = e->kind == IND_SOURCE;
	return KX_OK;
}

enum kx_status kx_pl_runs(const struct kx_pl_walk *w, uint64_t head,
			  kx_pl_run_fn fn, void *ctx,
			  struct kx_pl_stats *stats, struct kx_pl_fault *fault)
{
	struct runs_ctx r = { fn, ctx, { 0, 0, 0 } };
	struct kx_pl_walk walk = { 0 };

	if (!fn)
		return KX_ERR_INVAL;
	if (w)
		walk = *w;
	walk.visit = runs_visit;
	walk.visit_ctx = &r;
	return kx_pl_walk(&walk, head, stats, fault);
}

/* ---------------------------------------------------- reference engine */

struct run_ctx {
	int mode;
	uint8_t *swap;
	struct kx_sha256 *sha;
};

static enum kx_status run_visit(void *ctx, const struct kx_pl_entry *e)
{
	struct run_ctx *r = ctx;
	uint8_t *dst = (uint8_t *)(uintptr_t)e->dest;
	uint8_t *src = (uint8_t *)(uintptr_t)e->addr;

	if (e->kind != IND_SOURCE)
		return KX_OK;
	switch (r->mode) {
	case KX_PL_SWAP:
	case KX_PL_SWAP_DIGEST:
		/* Linux's swap_pages order. */
		kx_memcpy(r->swap, src, KX_PAGE_SIZE);
		kx_memmove(src, dst, KX_PAGE_SIZE);
		kx_memcpy(dst, r->swap, KX_PAGE_SIZE);
		if (r->mode == KX_PL_SWAP_DIGEST)
			kx_sha256_update(r->sha, dst, KX_PAGE_SIZE);
		break;
	case KX_PL_DIGEST:
		kx_memmove(dst, src, KX_PAGE_SIZE);
		kx_sha256_update(r->sha, dst, KX_PAGE_SIZE);
		break;
	default:
		kx_memmove(dst, src, KX_PAGE_SIZE);
		break;
	}
	return KX_OK;
}

enum kx_status kx_pl_run(const struct kx_pl_walk *w, uint64_t head, int mode,
			 void *swap_page, struct kx_sha256 *sha,
			 struct kx_pl_fault *fault)
{
	struct kx_pl_walk run = { 0 };
	struct run_ctx ctx = { mode, swap_page, sha };
	enum kx_status st;

	if (mode != KX_PL_COPY && mode != KX_PL_SWAP && mode != KX_PL_DIGEST &&
	    mode != KX_PL_SWAP_DIGEST)
		return KX_ERR_INVAL;
	if (((mode == KX_PL_SWAP || mode == KX_PL_SWAP_DIGEST) && !swap_page) ||
	    ((mode == KX_PL_DIGEST || mode == KX_PL_SWAP_DIGEST) &&
	     (!sha || sha->used != 0)))
		return KX_ERR_INVAL;
	if (w) {
		run.max_entries = w->max_entries;
		run.max_pages = w->max_pages;
	}
	/* Validate everything before the first write. */
	st = kx_pl_walk(&run, head, 0, fault);
	if (st != KX_OK)
		return st;
	run.visit = run_visit;
	run.visit_ctx = &ctx;
	return kx_pl_walk(&run, head, 0, fault);
}

static enum kx_status lanes_visit(void *ctx, const struct kx_pl_entry *e)
{
	if (e->kind == IND_SOURCE)
		kx_lanes_copy_move(ctx, e->dest, e->addr);
	return KX_OK;
}

enum kx_status kx_pl_run_lanes(const struct kx_pl_walk *w, uint64_t head,
			       struct kx_lanes_copy *lc, struct kx_pl_fault *fault)
{
	struct kx_pl_walk run = { 0 };
	enum kx_status st;

	if (!lc)
		return KX_ERR_INVAL;
	if (w) {
		run.max_entries = w->max_entries;
		run.max_pages = w->max_pages;
	}
	/* Validate everything before the first write. */
	st = kx_pl_walk(&run, head, 0, fault);
	if (st != KX_OK)
		return st;
	run.visit = lanes_visit;
	run.visit_ctx = lc;
	st = kx_pl_walk(&run, head, 0, fault);
	kx_lanes_copy_drain(lc);
	return st;
}
