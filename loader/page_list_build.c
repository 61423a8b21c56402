/* SPDX-License-Identifier: MIT */
/*
 * Page-list builder: segments in, a Linux-format list out, every page it
 * needs taken from the caller's pool.  The rule it keeps is in
 * include/kx/page_list.h ("Safety rule").
 *
 * Copies are numbered in list order (segment by segment, page by page);
 * a physical page that is the destination of copy n has "index" n.  A page
 * can be the source of copy c when it is no destination, or its own
 * destination (index c), or -- copy-safe lists only -- the destination of
 * a later copy (index > c): it is read before it is overwritten.
 * Indirection pages must be no destination at all.
 */
#include <kx/compiler.h>
#include <kx/page_list.h>

#define LAST_SLOT (KX_IND_ENTRIES_PER_PAGE - 1)
#define NO_INDEX UINT64_MAX

/* A pool page kept for later, threaded through its own first bytes. */
struct parked {
	struct parked *next;
	uint64_t phys;
	uint64_t index;		/* the copy it is the destination of */
};

struct build {
	struct kx_pl_builder *b;
	const struct kx_pl_segment *segs;
	unsigned nsegs;
	uint64_t total;		/* copies in the list */
	uint64_t max_pool;
	uint8_t *page;		/* indirection page being filled */
	uint8_t *first;		/* first one, to disarm on failure */
	uint64_t first_phys;
	unsigned slot;
	struct parked *parked;
};

static uint64_t seg_pages(const struct kx_pl_segment *s)
{
	return s->memsz >> KX_PAGE_SHIFT;
}

/* Index of the copy whose destination is page phys, or NO_INDEX. */
static uint64_t dest_index(const struct build *bd, uint64_t phys)
{
	uint64_t base = 0;

	for (unsigned i = 0; i < bd->nsegs; i++) {
		const struct kx_pl_segment *s = &bd->segs[i];

		if (phys >= s->dest && phys - s->dest < s->memsz)
			return base + ((phys - s->dest) >> KX_PAGE_SHIFT);
		base += seg_pages(s);
	}
	return NO_INDEX;
}

/*
 * Ranges end exclusive and may end at 2^64 (where a + alen is 0): compared
 * by their distance, never by their ends.
 */
static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (!alen || !blen)
		return 0;
	return a >= b ? a - b < blen : b - a < alen;
}

static enum kx_status check_segments(struct build *bd)
{
	struct kx_pl_builder *b = bd->b;

	for (unsigned i = 0; i < bd->nsegs; i++) {
		const struct kx_pl_segment *s = &bd->segs[i];
		int inside = b->nallowed == 0;

		b->bad_segment = i;
		if ((s->bufsz && !s->buf) || s->bufsz > s->memsz)
			return KX_ERR_INVAL;
		if (!KX_IS_ALIGNED(s->dest, KX_PAGE_SIZE) ||
		    !KX_IS_ALIGNED(s->memsz, KX_PAGE_SIZE))
			return KX_ERR_ALIGN;
		/* Ranges end exclusive: the last byte must be addressable. */
		if (s->memsz && s->dest + s->memsz - 1 < s->dest)
			return KX_ERR_RANGE;
		for (unsigned r = 0; r < b->nallowed && s->memsz; r++) {
			const struct kx_pl_range *a = &b->allowed[r];

			if (s->dest >= a->start && s->dest < a->end &&
			    s->memsz <= a->end - s->dest)
				inside = 1;
		}
		if (!inside && s->memsz)
			return KX_ERR_RANGE;
		for (unsigned r = 0; r < b->nreserved; r++) {
			const struct kx_pl_range *v = &b->reserved[r];

			if (v->end > v->start &&
			    ranges_overlap(s->dest, s->memsz, v->start,
					   v->end - v->start))
				return KX_ERR_OVERLAP;
		}
		for (unsigned j = 0; j < i; j++) {
			const struct kx_pl_segment *t = &bd->segs[j];

			if (ranges_overlap(s->dest, s->memsz, t->dest, t->memsz))
				return KX_ERR_OVERLAP;
		}
		bd->total += seg_pages(s);
	}
	return KX_OK;
}

/* One page from the pool, checked. */
static enum kx_status take(struct build *bd, uint8_t **ptr, uint64_t *phys)
{
	struct kx_pl_builder *b = bd->b;
	void *p = 0;

	if (b->pool_pages >= bd->max_pool)
		return KX_ERR_NO_MEMORY;
	if (b->alloc(b->alloc_ctx, &p, phys) != KX_OK || !p)
		return KX_ERR_NO_MEMORY;
	b->pool_pages++;
	if (!KX_IS_ALIGNED((uintptr_t)p, KX_PAGE_SIZE) ||
	    !KX_IS_ALIGNED(*phys, KX_PAGE_SIZE))
		return KX_ERR_ALIGN;
	/* The pool handing out a buffer we read from is a caller bug. */
	for (unsigned i = 0; i < bd->nsegs; i++) {
		const struct kx_pl_segment *s = &bd->segs[i];

		if (ranges_overlap((uintptr_t)p, KX_PAGE_SIZE,
				   (uintptr_t)s->buf, s->bufsz)) {
			b->bad_segment = i;
			return KX_ERR_OVERLAP;
		}
	}
	*ptr = p;
	return KX_OK;
}

/* Keeps a destination page the pool gave us if a later copy may use it. */
static void park_or_discard(struct build *bd, uint8_t *ptr, uint64_t phys,
			    uint64_t index, uint64_t copy)
{
	struct parked *p = (struct parked *)(void *)ptr;

	if (index <= copy) {
		bd->b->discarded++;
		return;
	}
	p->next = bd->parked;
	p->phys = phys;
	p->index = index;
	bd->parked = p;
}

/* Whether a page of that destination index may be the source of copy. */
static int source_ok(const struct build *bd, uint64_t index, uint64_t copy)
{
	if (index == NO_INDEX || index == copy)
		return 1;
	return !(bd->b->flags & KX_PL_BUILD_SWAPPABLE) && index > copy;
}

/* A page that is no destination, for the list itself. */
static enum kx_status ind_page(struct build *bd, uint64_t copy, uint8_t **ptr,
			       uint64_t *phys)
{
	for (;;) {
		enum kx_status st = take(bd, ptr, phys);
		uint64_t index;

		if (st != KX_OK)
			return st;
		index = dest_index(bd, *phys);
		if (index == NO_INDEX) {
			bd->b->ind_pages++;
			return KX_OK;
		}
		park_or_discard(bd, *ptr, *phys, index, copy);
	}
}

/* A pool page that may hold the source of copy. */
static enum kx_status source_page(struct build *bd, uint64_t copy,
				  uint8_t **ptr, uint64_t *phys)
{
	struct parked **pp = &bd->parked;

	/* Parked pages first; drop those no copy can use any more. */
	while (*pp) {
		struct parked *p = *pp;

		if (p->index < copy) {
			*pp = p->next;
			bd->b->discarded++;
			continue;
		}
		if (source_ok(bd, p->index, copy)) {
			*pp = p->next;
			*ptr = (uint8_t *)p;
			*phys = p->phys;
			return KX_OK;
		}
		pp = &p->next;
	}
	for (;;) {
		enum kx_status st = take(bd, ptr, phys);
		uint64_t index;

		if (st != KX_OK)
			return st;
		index = dest_index(bd, *phys);
		if (source_ok(bd, index, copy))
			return KX_OK;
		park_or_discard(bd, *ptr, *phys, index, copy);
	}
}

/* Appends an entry, chaining a new indirection page when this one is full. */
static enum kx_status emit(struct build *bd, uint64_t entry, uint64_t copy)
{
	/* An empty list is its head alone. */
	if (!bd->page && entry == IND_DONE)
		return KX_OK;
	if (!bd->page || (bd->slot == LAST_SLOT && entry != IND_DONE)) {
		uint8_t *ptr;
		uint64_t phys;
		enum kx_status st = ind_page(bd, copy, &ptr, &phys);

		if (st != KX_OK)
			return st;
		if (bd->page) {
			kx_put_le64(bd->page + LAST_SLOT * 8,
				    phys | IND_INDIRECTION);
		} else {
			bd->first = ptr;
			bd->first_phys = phys;
		}
		/* Never a stale entry to read if the build stops here. */
		kx_put_le64(ptr, IND_DONE);
		bd->page = ptr;
		bd->slot = 0;
	}
	kx_put_le64(bd->page + bd->slot * 8, entry);
	bd->slot++;
	return KX_OK;
}

static enum kx_status translate(struct build *bd, const void *virt,
				uint64_t *phys)
{
	struct kx_pl_builder *b = bd->b;

	if (!b->xlate) {
		*phys = (uintptr_t)virt;
	} else {
		enum kx_status st = b->xlate(b->xlate_ctx, virt, phys);

		if (st != KX_OK)
			return st;
	}
	return KX_IS_ALIGNED(*phys, KX_PAGE_SIZE) ? KX_OK : KX_ERR_ALIGN;
}

/* The source of one copy: the buffer page in place, or a pool copy of it. */
static enum kx_status choose_source(struct build *bd,
				    const struct kx_pl_segment *s,
				    uint64_t k, uint64_t copy, uint64_t *src)
{
	uint64_t off = k << KX_PAGE_SHIFT;
	uint64_t have = s->bufsz > off ? KX_MIN(s->bufsz - off, KX_PAGE_SIZE) : 0;
	/* Pages past the buffer (or of a segment without one) have none. */
	const uint8_t *buf = have ? (const uint8_t *)s->buf + off : 0;
	uint8_t *page;
	enum kx_status st;

	if (!(bd->b->flags & KX_PL_BUILD_COPY_ALL) && have == KX_PAGE_SIZE &&
	    KX_IS_ALIGNED((uintptr_t)s->buf, KX_PAGE_SIZE)) {
		st = translate(bd, buf, src);
		if (st != KX_OK)
			return st;
		if (source_ok(bd, dest_index(bd, *src), copy))
			return KX_OK;
	}
	st = source_page(bd, copy, &page, src);
	if (st != KX_OK)
		return st;
	if (have)
		kx_memcpy(page, buf, have);
	kx_memset(page + have, 0, KX_PAGE_SIZE - have);
	bd->b->relocated++;
	return KX_OK;
}

static enum kx_status build_list(struct build *bd)
{
	uint64_t copy = 0, dest = 0;
	int have_dest = 0;
	enum kx_status st;

	for (unsigned i = 0; i < bd->nsegs; i++) {
		const struct kx_pl_segment *s = &bd->segs[i];

		bd->b->bad_segment = i;
		if (!s->memsz)
			continue;
		if (!have_dest || dest != s->dest) {
			st = emit(bd, s->dest | IND_DESTINATION, copy);
			if (st != KX_OK)
				return st;
			have_dest = 1;
		}
		for (uint64_t k = 0; k < seg_pages(s); k++, copy++) {
			uint64_t src;

			st = choose_source(bd, s, k, copy, &src);
			if (st == KX_OK)
				st = emit(bd, src | IND_SOURCE, copy);
			if (st != KX_OK)
				return st;
			bd->b->copies++;
		}
		/* A segment ending at 2^64 leaves no next address to continue at. */
		dest = s->dest + s->memsz;
		have_dest = dest != 0;
	}
	return emit(bd, IND_DONE, copy);
}

enum kx_status kx_pl_build(struct kx_pl_builder *b,
			   const struct kx_pl_segment *segs, unsigned nsegs)
{
	struct build bd = { 0 };
	uint64_t dest_pages;
	enum kx_status st;

	if (!b)
		return KX_ERR_INVAL;
	b->head = IND_DONE;
	b->bad_segment = 0;
	b->pool_pages = b->ind_pages = b->relocated = 0;
	b->discarded = b->copies = 0;
	if (!b->alloc || (nsegs && !segs) || nsegs > KX_PL_MAX_SEGMENTS ||
	    (b->nallowed && !b->allowed) || (b->nreserved && !b->reserved))
		return KX_ERR_INVAL;
	bd.b = b;
	bd.segs = segs;
	bd.nsegs = nsegs;
	st = check_segments(&bd);
	if (st != KX_OK)
		return st;
	/*
	 * An honest pool needs at most a page per copy, the indirection pages,
	 * and hands out each destination page at most once to be refused.
	 */
	dest_pages = bd.total;
	bd.max_pool = b->max_pool_pages ? b->max_pool_pages :
		bd.total + bd.total / LAST_SLOT + 2 + dest_pages;
	st = build_list(&bd);
	for (struct parked *p = bd.parked; p; p = p->next)
		b->discarded++;
	if (st != KX_OK) {
		if (bd.first)
			kx_put_le64(bd.first, IND_DONE);
		return st;
	}
	b->head = bd.first ? (bd.first_phys | IND_INDIRECTION) : IND_DONE;
	return KX_OK;
}
