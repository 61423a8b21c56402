/* SPDX-License-Identifier: MIT */
/*
 * The architecture-neutral part of the identity-map builders: a page-table
 * format described as data, and one walker that counts or builds with it.
 */
#ifndef KX_IDMAP_INTERNAL_H
#define KX_IDMAP_INTERNAL_H

#include <stdbool.h>
#include <kx/idmap.h>

#define KX_IDMAP_MAX_LEVELS 5
#define KX_IDMAP_ENTRIES 512u

struct kx_idmap_format {
	unsigned levels;			/* levels of tables, root first */
	uint8_t shift[KX_IDMAP_MAX_LEVELS];	/* lowest address bit an entry maps */
	bool leaf_ok[KX_IDMAP_MAX_LEVELS];	/* level may hold a leaf */
	uint64_t limit;				/* ranges end at or below */
	uint64_t table_limit;			/* table pages lie below */
	uint64_t table_bits;			/* table entry = phys | table_bits */
	/* leaf = address | leaf_bits[level][attr - 1] */
	uint64_t leaf_bits[KX_IDMAP_MAX_LEVELS][2];
};

/*
 * Checks the ranges and, with alloc NULL, counts the table pages into
 * *tables; with alloc, builds the tables too and returns the root in
 * *root_phys.  *max_phys is the highest physical address the map or a
 * table occupies (0 if none).
 */
enum kx_status kx_idmap_run(const struct kx_idmap_format *f,
			    const struct kx_idmap_range *r, size_t n,
			    kx_page_alloc_fn alloc, void *ctx,
			    size_t *tables, uint64_t *root_phys,
			    uint64_t *max_phys);

#endif
