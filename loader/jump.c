/* SPDX-License-Identifier: MIT */
/* Round trips, the loader's side (include/kx/jump.h). */
#include <kx/compiler.h>
#include <kx/jump.h>

struct map_ctx {
	struct kx_backup_extent *ext;
	unsigned cap, n;
	int full;
};

static enum kx_status add_page(void *ctx, const struct kx_pl_entry *e)
{
	struct map_ctx *m = ctx;
	struct kx_backup_extent *last = m->n ? &m->ext[m->n - 1] : 0;

	/* A page swapped with itself keeps its content where it was. */
	if (e->kind != IND_SOURCE || e->addr == e->dest)
		return KX_OK;
	if (last && last->orig + last->pages * KX_PAGE_SIZE == e->dest &&
	    last->current + last->pages * KX_PAGE_SIZE == e->addr) {
		last->pages++;
		return KX_OK;
	}
	if (m->n == m->cap)
		return KX_ERR_NO_SPACE;
	m->ext[m->n++] = (struct kx_backup_extent){ e->dest, e->addr, 1 };
	return KX_OK;
}

enum kx_status kx_jump_backup_map(const struct kx_pl_walk *w, uint64_t head,
				  struct kx_backup_extent *ext, unsigned cap,
				  unsigned *n)
{
	struct map_ctx m = { ext, cap, 0, 0 };
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
	walk.visit = add_page;
	walk.visit_ctx = &m;
	st = kx_pl_walk(&walk, head, 0, 0);
	if (st == KX_OK)
		*n = m.n;
	return st;
}

enum kx_status kx_jump_write_setup(void *buf, uint32_t size,
				   kx_setup_more_fn more, void *more_ctx,
				   const struct kx_jump_setup *j)
{
	struct kx_setup_writer w;
	enum kx_status st;

	if (!j || !j->nsegs || !j->segs || !j->jump_back ||
	    (j->nbackup && !j->backup))
		return KX_ERR_INVAL;
	st = kx_setup_init(&w, buf, size, KX_SETUP_F_SWAP);
	if (st != KX_OK)
		return st;
	if (more)
		kx_setup_set_more(&w, more, more_ctx);
	st = kx_setup_add_table(&w, KX_REC_SEGMENTS, j->segs, j->nsegs,
				sizeof(j->segs[0]));
	if (st == KX_OK)
		st = kx_setup_add_table(&w, KX_REC_BACKUP, j->backup, j->nbackup,
					sizeof(struct kx_backup_extent));
	if (st == KX_OK) {
		uint64_t jb[2] = { j->jump_back, j->context };

		st = kx_setup_add(&w, KX_REC_JUMP_BACK, jb, sizeof(jb));
	}
	if (st == KX_OK && j->elfcore) {
		uint64_t loc[2] = { j->elfcore, j->elfcore_size };

		st = kx_setup_add(&w, KX_REC_ELFCORE, loc, sizeof(loc));
	}
	if (st == KX_OK && j->params)
		st = kx_setup_add_cmdline(&w, j->params);
	if (st != KX_OK)
		return st;
	return kx_setup_finish(&w);
}
