/* SPDX-License-Identifier: MIT */
/*
 * x86_64 identity maps: 4-level (PML4) or 5-level (PML5) paging, 4 KiB
 * pages, 2 MiB and 1 GiB pages.  Entry bits from the Intel SDM vol. 3A,
 * 4.5 "4-Level Paging and 5-Level Paging".  Plain C for any host.
 */
#include <kx/compiler.h>
#include "idmap_internal.h"

#define X86_P	(1ull << 0)
#define X86_RW	(1ull << 1)
#define X86_PWT	(1ull << 3)
#define X86_PCD	(1ull << 4)
#define X86_A	(1ull << 5)
#define X86_D	(1ull << 6)
#define X86_PS	(1ull << 7)	/* in a PDPTE or PDE: maps a 1 GiB / 2 MiB page */
#define X86_NX	(1ull << 63)

/* MAXPHYADDR is at most 52: no table can lie above. */
#define X86_PHYS_LIMIT (1ull << 52)

static enum kx_status x86_format(const struct kx_idmap_x86_64_config *cfg,
				 struct kx_idmap_format *f)
{
	if (!cfg || (cfg->levels != 4 && cfg->levels != 5) ||
	    (cfg->flags & ~KX_IDMAP_X86_FLAGS))
		return KX_ERR_INVAL;
	kx_memset(f, 0, sizeof(*f));
	f->levels = cfg->levels;
	f->limit = cfg->levels == 4 ? KX_IDMAP_X86_LIMIT_4LEVEL :
		KX_IDMAP_X86_LIMIT_5LEVEL;
	f->table_limit = X86_PHYS_LIMIT;
	/* Accessed preset, so the CPU never writes to the tables. */
	f->table_bits = X86_P | X86_RW | X86_A;
	for (unsigned l = 0; l < f->levels; l++) {
		unsigned shift = 12 + 9 * (f->levels - 1 - l);
		uint64_t bits = X86_P | X86_RW | X86_A | X86_D;

		f->shift[l] = (uint8_t)shift;
		if (shift == 30)
			f->leaf_ok[l] = !(cfg->flags & KX_IDMAP_X86_NO_1G);
		else
			f->leaf_ok[l] = shift <= 21;
		if (shift > 12)
			bits |= X86_PS;
		/* PAT index = PAT:PCD:PWT; 0 is WB, 3 is UC in the reset PAT. */
		f->leaf_bits[l][KX_IDMAP_NORMAL - 1] = bits;
		f->leaf_bits[l][KX_IDMAP_DEVICE - 1] = bits | X86_PCD | X86_PWT |
			(cfg->flags & KX_IDMAP_X86_NX ? X86_NX : 0);
	}
	return KX_OK;
}

enum kx_status kx_idmap_x86_64_count_tables(const struct kx_idmap_range *r,
					    size_t n,
					    const struct kx_idmap_x86_64_config *cfg,
					    size_t *tables)
{
	struct kx_idmap_format f;
	enum kx_status st = x86_format(cfg, &f);

	if (st != KX_OK)
		return st;
	return kx_idmap_run(&f, r, n, 0, 0, tables, 0, 0);
}

enum kx_status kx_idmap_x86_64_build(const struct kx_idmap_range *r, size_t n,
				     const struct kx_idmap_x86_64_config *cfg,
				     kx_page_alloc_fn alloc, void *ctx,
				     uint64_t *root_phys)
{
	struct kx_idmap_format f;
	size_t tables;
	enum kx_status st = x86_format(cfg, &f);

	if (st != KX_OK)
		return st;
	if (!alloc || !root_phys)
		return KX_ERR_INVAL;
	return kx_idmap_run(&f, r, n, alloc, ctx, &tables, root_phys, 0);
}
