/* SPDX-License-Identifier: MIT */
/* Round trips, the loader's side (include/kx/jump.h). */
#include <kx/compiler.h>
#include <kx/jump.h>

struct map_ctx {
	struct kx_backup_extent *ext;
	unsigned cap, n;
};

/* One run of the list: an extent, or more of the last one. */
static enum kx_status add_run(void *ctx, const struct kx_pl_run *run)
{
	struct map_ctx *m = ctx;
	struct kx_backup_extent *last = m->n ? &m->ext[m->n - 1] : 0;

	/* Pages swapped with themselves keep their content where it was
	 * (a run is all such pages or none). */
	if (run->src == run->dest)
		return KX_OK;
	if (last && last->orig + last->pages * KX_PAGE_SIZE == run->dest &&
	    last->current + last->pages * KX_PAGE_SIZE == run->src) {
		last->pages += run->pages;
		return KX_OK;
	}
	if (m->n == m->cap)
		return KX_ERR_NO_SPACE;
	m->ext[m->n++] = (struct kx_backup_extent){ run->dest, run->src, run->pages };
	return KX_OK;
}

enum kx_status kx_jump_backup_map(const struct kx_pl_walk *w, uint64_t head,
				  struct kx_backup_extent *ext, unsigned cap,
				  unsigned *n)
{
	struct map_ctx m = { ext, cap, 0 };
	struct kx_pl_walk walk = { 0 };
	enum kx_status st;

	if (!n || (cap && !ext))
		return KX_ERR_INVAL;
	*n = 0;
	if (w)
		walk = *w;
	/* Validate the whole list first: a visitor may see a bad list's head. */
	walk.visit = 0;
	st = kx_pl_walk(&walk, head, 0, 0);
	if (st != KX_OK)
		return st;
	st = kx_pl_runs(&walk, head, add_run, &m, 0, 0);
	if (st == KX_OK)
		*n = m.n;
	return st;
}
