/* SPDX-License-Identifier: MIT */
/*
 * The walker both identity-map builders share.
 *
 * The ranges are first turned into runs: maximal intervals that the ranges
 * cover with one attribute, visited in ascending order.  Each run is then
 * cut into the largest aligned blocks the format allows.  Two facts keep
 * this simple and exact:
 *  - a block covered wholly with one attribute lies inside one run, so the
 *    tables depend only on what is mapped, not on the order or overlap of
 *    the ranges;
 *  - addresses only grow, so the tables on the path of the current address
 *    are the only ones that can still gain entries.  A table is needed
 *    exactly when that path moves to a new block, whether counting or
 *    building, and the builder never has to read a table back.
 */
#include <kx/compiler.h>
#include "idmap_internal.h"

#define NO_KEY UINT64_MAX

static bool valid_attr(uint32_t attr)
{
	return attr == KX_IDMAP_NORMAL || attr == KX_IDMAP_DEVICE;
}

static enum kx_status check_ranges(const struct kx_idmap_format *f,
				   const struct kx_idmap_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!valid_attr(r[i].attr) || r[i].size == 0)
			return KX_ERR_INVAL;
		if (!KX_IS_ALIGNED(r[i].start, KX_IDMAP_PAGE_SIZE) ||
		    !KX_IS_ALIGNED(r[i].size, KX_IDMAP_PAGE_SIZE))
			return KX_ERR_ALIGN;
		if (r[i].start >= f->limit || r[i].size > f->limit - r[i].start)
			return KX_ERR_RANGE;
	}
	/* Ends below fit: limit <= 2^52. */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (r[i].attr != r[j].attr &&
			    r[i].start < r[j].start + r[j].size &&
			    r[j].start < r[i].start + r[i].size)
				return KX_ERR_OVERLAP;
		}
	}
	return KX_OK;
}

/*
 * The first run at or above `from`: [*start, *end) with attribute *attr,
 * or false when no range reaches above `from`.  The ranges are checked, so
 * every range covering *start has the same attribute.
 */
static bool next_run(const struct kx_idmap_range *r, size_t n, uint64_t from,
		     uint64_t *start, uint64_t *end, uint32_t *attr)
{
	uint64_t s = NO_KEY, e;
	uint32_t a = 0;
	bool grew;

	for (size_t i = 0; i < n; i++) {
		uint64_t lo = KX_MAX(r[i].start, from);

		if (r[i].start + r[i].size > from && lo < s) {
			s = lo;
			a = r[i].attr;
		}
	}
	if (!a)
		return false;
	/* Grow through every range of that attribute which starts inside or
	 * right after the run.  A pass that grows it passes at least one range
	 * for good, so there are at most n + 1 passes. */
	e = s;
	do {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			uint64_t hi = r[i].start + r[i].size;

			if (r[i].attr == a && r[i].start <= e && hi > e) {
				e = hi;
				grew = true;
			}
		}
	} while (grew);
	*start = s;
	*end = e;
	*attr = a;
	return true;
}

/* The level of the largest leaf that starts at addr and ends by end. */
static unsigned leaf_level(const struct kx_idmap_format *f, uint64_t addr,
			   uint64_t end)
{
	unsigned l;

	for (l = 0; l + 1 < f->levels; l++) {
		uint64_t size = 1ull << f->shift[l];

		if (f->leaf_ok[l] && KX_IS_ALIGNED(addr, size) &&
		    end - addr >= size)
			break;
	}
	return l;	/* the last level maps any 4 KiB page */
}

static unsigned entry_index(const struct kx_idmap_format *f, unsigned level,
			    uint64_t addr)
{
	return (unsigned)(addr >> f->shift[level]) & (KX_IDMAP_ENTRIES - 1);
}

/* Takes a page from the allocator and zeroes it, before anything links it. */
static enum kx_status new_table(const struct kx_idmap_format *f,
				kx_page_alloc_fn alloc, void *ctx,
				uint64_t **table, uint64_t *phys, uint64_t *top)
{
	void *page = 0;
	uint64_t p = 0;
	enum kx_status st = alloc(ctx, &page, &p);

	if (st != KX_OK)
		return st;
	if (!page)
		return KX_ERR_INVAL;
	if (!KX_IS_ALIGNED((uintptr_t)page, KX_IDMAP_PAGE_SIZE) ||
	    !KX_IS_ALIGNED(p, KX_IDMAP_PAGE_SIZE))
		return KX_ERR_ALIGN;
	if (p >= f->table_limit)
		return KX_ERR_RANGE;
	kx_memset(page, 0, KX_IDMAP_PAGE_SIZE);
	*table = page;
	*phys = p;
	*top = KX_MAX(*top, p + KX_IDMAP_PAGE_SIZE - 1);
	return KX_OK;
}

enum kx_status kx_idmap_run(const struct kx_idmap_format *f,
			    const struct kx_idmap_range *r, size_t n,
			    kx_page_alloc_fn alloc, void *ctx,
			    size_t *tables, uint64_t *root_phys,
			    uint64_t *max_phys)
{
	/* The tables on the current address's path: table[l] maps the block
	 * key[l] of the level above (the root has no key). */
	uint64_t *table[KX_IDMAP_MAX_LEVELS] = { 0 };
	uint64_t key[KX_IDMAP_MAX_LEVELS];
	uint64_t from = 0, start, end, top = 0, phys;
	size_t count = 1;
	uint32_t attr;
	enum kx_status st;

	if ((n && !r) || !tables)
		return KX_ERR_INVAL;
	st = check_ranges(f, r, n);
	if (st != KX_OK)
		return st;
	for (unsigned l = 0; l < KX_IDMAP_MAX_LEVELS; l++)
		key[l] = NO_KEY;
	if (alloc) {
		st = new_table(f, alloc, ctx, &table[0], &phys, &top);
		if (st != KX_OK)
			return st;
		*root_phys = phys;
	}
	while (next_run(r, n, from, &start, &end, &attr)) {
		uint64_t addr = start;

		top = KX_MAX(top, end - 1);
		while (addr < end) {
			unsigned leaf = leaf_level(f, addr, end);

			for (unsigned l = 1; l <= leaf; l++) {
				uint64_t k = addr >> f->shift[l - 1];

				if (key[l] == k)
					continue;
				if (alloc) {
					st = new_table(f, alloc, ctx, &table[l],
						       &phys, &top);
					if (st != KX_OK)
						goto out;
					table[l - 1][entry_index(f, l - 1, addr)] =
						phys | f->table_bits;
				}
				key[l] = k;
				count++;
			}
			if (alloc)
				table[leaf][entry_index(f, leaf, addr)] =
					addr | f->leaf_bits[leaf][attr - 1];
			addr += 1ull << f->shift[leaf];
		}
		from = end;
	}
out:
	*tables = count;
	if (max_phys)
		*max_phys = top;
	return st;
}
