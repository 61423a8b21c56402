/* SPDX-License-Identifier: MIT */
/*
 * Finding A's backup-pages map after a Linux kexec jump (kjump.h).
 *
 * Linux <= 6.13 keeps the list head at a fixed offset of the control page
 * (+0x830, "backup pages map"); >= 6.14 keeps it in a variable after the
 * relocation code, at an offset that depends on the build.  Neither is
 * trusted: every aligned word of the jump-back entry's page is tried, and
 * a word is the head only if the whole list it starts describes exactly
 * the segments kexec-tools asked purgatory to verify.
 */
#include <kx/compiler.h>
#include "kjump.h"

#define PAGE_MASK (~(uint64_t)(KX_PAGE_SIZE - 1))

struct walk {
	const struct kx_mem_range *mem;
	unsigned nmem;
	const struct kx_sha256_region *regions;
	unsigned nregions;
	uint64_t self;
	uint64_t bound;		/* entries at most */
	/* results */
	uint64_t entries, region_pages, displaced;
	/* map emission (pass 2): extents gathered in batches */
	struct kx_setup_writer *w;
	struct kx_backup_extent batch[64];
	unsigned nbatch;
	uint64_t extents;
	enum kx_status st;
};

static int in_ram(const struct walk *x, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < x->nmem; i++) {
		const struct kx_mem_range *m = &x->mem[i];

		if (m->type == KX_MEM_RAM && a >= m->addr && a - m->addr <= m->size &&
		    len <= m->size - (a - m->addr))
			return 1;
	}
	return 0;
}

/* The region [a, a+len) lies in, or -1; -2 if it straddles or overlaps one. */
static int region_of(const struct walk *x, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < x->nregions; i++) {
		const struct kx_sha256_region *r = &x->regions[i];

		if (!r->len || a + len <= r->start || a >= r->start + r->len)
			continue;
		return a >= r->start && a + len <= r->start + r->len ? (int)i : -2;
	}
	return -1;
}

static void flush(struct walk *x)
{
	if (x->w && x->nbatch && x->st == KX_OK)
		x->st = kx_setup_add_table(x->w, KX_REC_BACKUP, x->batch, x->nbatch,
					   sizeof(x->batch[0]));
	x->nbatch = 0;
}

/* One displaced page: A's content of dest now lies at src.  Extents are
 * counted on every walk and written (in batches) when x->w is set. */
static void emit(struct walk *x, uint64_t dest, uint64_t src)
{
	struct kx_backup_extent *e = x->nbatch ? &x->batch[x->nbatch - 1] : 0;

	x->displaced++;
	if (e && dest == e->orig + e->pages * KX_PAGE_SIZE &&
	    src == e->current + e->pages * KX_PAGE_SIZE) {
		e->pages++;
		return;
	}
	if (x->nbatch == KX_ARRAY_SIZE(x->batch)) {
		if (x->w)
			flush(x);
		x->nbatch = 0;
	}
	x->batch[x->nbatch++] = (struct kx_backup_extent){ dest, src, 1 };
	x->extents++;
}

/*
 * A run outside every region must be purgatory's own segment: the one run
 * that holds self.  (run_region 0 before the first destination: nothing
 * to close.)
 */
static int close_run(const struct walk *x, int run_region, uint64_t start,
		     uint64_t end, unsigned *self_runs)
{
	if (run_region != -1)
		return 1;
	return x->self >= start && x->self < end && ++*self_runs == 1;
}

/*
 * Walks the list from head as relocate_kernel's swap_pages does, checking
 * each step; emits the map when x->w is set.  KX_OK only for a list that
 * covers the regions exactly.
 */
static enum kx_status walk(struct walk *x, uint64_t head)
{
	const uint64_t *p = 0, *page_end = 0;
	uint64_t e = head, dest = 0, run_start = 0, last_end = 0, total = 0;
	int run_region = 0, have_dest = 0;
	unsigned self_runs = 0;

	for (unsigned i = 0; i < x->nregions; i++)
		total += x->regions[i].len / KX_PAGE_SIZE;
	x->entries = x->region_pages = x->displaced = x->extents = 0;
	x->nbatch = 0;
	for (;;) {
		uint64_t a = e & PAGE_MASK;

		if (++x->entries > x->bound)
			return KX_ERR_LIST_LENGTH;
		switch (e & KX_IND_FLAGS) {
		case IND_DESTINATION:
			/* Segments come sorted and never overlap. */
			if (a < last_end || !close_run(x, run_region, run_start, dest, &self_runs))
				return have_dest ? KX_ERR_LIST_ORDER : KX_ERR_RANGE;
			dest = run_start = last_end = a;
			run_region = region_of(x, a, KX_PAGE_SIZE);
			if (run_region == -2)
				return KX_ERR_RANGE;
			have_dest = 1;
			break;
		case IND_INDIRECTION:
			/* List pages are A's, never a destination. */
			if (!in_ram(x, a, KX_PAGE_SIZE) || region_of(x, a, KX_PAGE_SIZE) != -1)
				return KX_ERR_RANGE;
			p = (const uint64_t *)(uintptr_t)a;
			page_end = p + KX_IND_ENTRIES_PER_PAGE;
			break;
		case IND_SOURCE:
			if (!have_dest)
				return KX_ERR_LIST_ORDER;
			/* Within the run's region (or, for purgatory's own
			 * segment, outside every region). */
			if (region_of(x, dest, KX_PAGE_SIZE) != run_region)
				return KX_ERR_RANGE;
			if (a != dest && (!in_ram(x, a, KX_PAGE_SIZE) ||
					  region_of(x, a, KX_PAGE_SIZE) != -1))
				return KX_ERR_RANGE;
			if (run_region >= 0)
				x->region_pages++;
			if (a != dest)
				emit(x, dest, a);
			dest += KX_PAGE_SIZE;
			last_end = dest;
			break;
		case IND_DONE:
			if (!close_run(x, run_region, run_start, dest, &self_runs) ||
			    x->region_pages != total)
				return KX_ERR_RANGE;
			flush(x);
			return x->st;
		default:
			return KX_ERR_LIST_FLAGS;
		}
		if (!p || p >= page_end)
			return KX_ERR_LIST_LENGTH;	/* no next entry to read */
		e = *p++;
	}
}

static struct walk found;

enum kx_status kx_kjump_find(uint64_t jbe, const struct kx_mem_range *mem,
			     unsigned nmem, const struct kx_sha256_region *regions,
			     unsigned nregions, uint64_t self, struct kx_kjump *k)
{
	struct walk x = { .mem = mem, .nmem = nmem, .regions = regions,
			  .nregions = nregions, .self = self, .st = KX_OK };
	uint64_t page = jbe & PAGE_MASK, total = 0;
	const uint64_t *w;

	kx_memset(k, 0, sizeof(*k));
	if (!jbe || !in_ram(&x, page, KX_PAGE_SIZE))
		return KX_ERR_NOT_FOUND;
	for (unsigned i = 0; i < nregions; i++)
		total += regions[i].len / KX_PAGE_SIZE;
	if (!total)
		return KX_ERR_NOT_FOUND;
	/* Each page a destination once and one source entry; the purgatory's
	 * segment and a list page per 511 entries on top. */
	x.bound = 2 * total + total / 256 + 65536;
	w = (const uint64_t *)(uintptr_t)page;
	for (unsigned i = 0; i < KX_IND_ENTRIES_PER_PAGE; i++) {
		if ((w[i] & KX_IND_FLAGS) != IND_INDIRECTION || walk(&x, w[i]) != KX_OK)
			continue;
		k->jump_back = jbe;
		k->head = w[i];
		k->head_at = page + 8 * i;
		k->displaced = x.displaced;
		k->entries = x.entries;
		k->extents = x.extents;
		found = x;
		return KX_OK;
	}
	return KX_ERR_NOT_FOUND;
}

enum kx_status kx_kjump_add_map(const struct kx_kjump *k, struct kx_setup_writer *w)
{
	struct walk x = found;
	enum kx_status st;

	if (!k->head || !w)
		return KX_ERR_INVAL;
	x.w = w;
	x.st = KX_OK;
	st = walk(&x, k->head);
	/* The list is A's and cannot change under purgatory: the same count. */
	if (st == KX_OK && x.displaced != k->displaced)
		st = KX_ERR_RANGE;
	return st;
}
