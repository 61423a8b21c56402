/* SPDX-License-Identifier: MIT */
/*
 * aarch64 identity maps: 4 KiB granule, stage 1, TTBR0.  39-bit inputs
 * start the walk at level 1, 48-bit at level 0; blocks at levels 1 (1 GiB)
 * and 2 (2 MiB), pages at level 3.  Descriptor and TCR layouts from the
 * Arm ARM (D8 "The AArch64 Virtual Memory System Architecture").  Plain C
 * for any host.
 */
#include <stdbool.h>
#include <kx/compiler.h>
#include "idmap_internal.h"

#define A64_TABLE	3ull		/* table descriptor, levels 0-2 */
#define A64_BLOCK	1ull		/* block descriptor, levels 1-2 */
#define A64_PAGE	3ull		/* page descriptor, level 3 */
#define A64_ATTRINDX(i)	((uint64_t)(i) << 2)
#define A64_SH_INNER	(3ull << 8)
#define A64_AP1		(1ull << 6)	/* RES1 in one-EL regimes (EL2, E2H = 0) */
#define A64_AF		(1ull << 10)	/* preset: no Access flag fault */
#define A64_PXN		(1ull << 53)
#define A64_UXN		(1ull << 54)

/* Without FEAT_LPA, output addresses have 48 bits. */
#define A64_PHYS_LIMIT	(1ull << 48)

/* TCR_ELx fields (TTBR0 half, and EL1's TTBR1 half). */
#define TCR_T0SZ(x)	((uint64_t)(x) << 0)
#define TCR_IRGN0_WBWA	(1ull << 8)
#define TCR_ORGN0_WBWA	(1ull << 10)
#define TCR_SH0_INNER	(3ull << 12)
#define TCR_TG0_4K	(0ull << 14)
#define TCR_T1SZ(x)	((uint64_t)(x) << 16)
#define TCR_EPD1	(1ull << 23)	/* no walks through TTBR1 */
#define TCR_TG1_4K	(2ull << 30)	/* TG1 encodes 4 KiB as 2, not 0 */
#define TCR_IPS(x)	((uint64_t)(x) << 32)
#define TCR_EL2_PS(x)	((uint64_t)(x) << 16)
#define TCR_EL2_RES1	((1ull << 31) | (1ull << 23))

static enum kx_status a64_format(const struct kx_idmap_aarch64_config *cfg,
				 struct kx_idmap_format *f)
{
	bool el2;

	if (!cfg || (cfg->va_bits != 39 && cfg->va_bits != 48) ||
	    (cfg->flags & ~KX_IDMAP_A64_FLAGS))
		return KX_ERR_INVAL;
	el2 = cfg->flags & KX_IDMAP_A64_EL2;
	kx_memset(f, 0, sizeof(*f));
	f->levels = cfg->va_bits == 39 ? 3 : 4;
	f->limit = 1ull << cfg->va_bits;
	f->table_limit = A64_PHYS_LIMIT;
	f->table_bits = A64_TABLE;
	for (unsigned l = 0; l < f->levels; l++) {
		unsigned shift = 12 + 9 * (f->levels - 1 - l);
		uint64_t bits = (shift == 12 ? A64_PAGE : A64_BLOCK) |
			A64_SH_INNER | A64_AF | (el2 ? A64_AP1 : 0);

		f->shift[l] = (uint8_t)shift;
		/* Level 0 takes no blocks with a 4 KiB granule. */
		f->leaf_ok[l] = shift <= 30;
		f->leaf_bits[l][KX_IDMAP_NORMAL - 1] = bits |
			A64_ATTRINDX(KX_IDMAP_A64_ATTR_NORMAL);
		f->leaf_bits[l][KX_IDMAP_DEVICE - 1] = bits |
			A64_ATTRINDX(KX_IDMAP_A64_ATTR_DEVICE) |
			(el2 ? A64_UXN : A64_PXN | A64_UXN);	/* bit 54: XN at EL2 */
	}
	return KX_OK;
}

/* The smallest IPS/PS encoding whose size holds address max. */
static uint32_t ips_for(uint64_t max)
{
	static const uint8_t bits[] = { 32, 36, 40, 42, 44, 48 };
	uint32_t i;

	for (i = 0; i + 1 < KX_ARRAY_SIZE(bits); i++) {
		if (max < 1ull << bits[i])
			break;
	}
	return i;
}

enum kx_status kx_idmap_aarch64_count_tables(const struct kx_idmap_range *r,
					     size_t n,
					     const struct kx_idmap_aarch64_config *cfg,
					     size_t *tables)
{
	struct kx_idmap_format f;
	enum kx_status st = a64_format(cfg, &f);

	if (st != KX_OK)
		return st;
	return kx_idmap_run(&f, r, n, 0, 0, tables, 0, 0);
}

enum kx_status kx_idmap_aarch64_build(const struct kx_idmap_range *r, size_t n,
				      const struct kx_idmap_aarch64_config *cfg,
				      kx_page_alloc_fn alloc, void *ctx,
				      struct kx_idmap_aarch64_regs *regs)
{
	struct kx_idmap_format f;
	uint64_t root, max, t0sz;
	size_t tables;
	enum kx_status st = a64_format(cfg, &f);

	if (st != KX_OK)
		return st;
	if (!alloc || !regs)
		return KX_ERR_INVAL;
	st = kx_idmap_run(&f, r, n, alloc, ctx, &tables, &root, &max);
	if (st != KX_OK)
		return st;
	t0sz = 64 - cfg->va_bits;
	regs->ttbr0 = root;
	regs->mair = KX_IDMAP_A64_MAIR;
	regs->start_level = f.levels == 4 ? 0 : 1;
	regs->ips = ips_for(max);
	regs->tcr_el1 = TCR_T0SZ(t0sz) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
		TCR_SH0_INNER | TCR_TG0_4K | TCR_T1SZ(t0sz) | TCR_EPD1 |
		TCR_TG1_4K | TCR_IPS(regs->ips);
	regs->tcr_el2 = TCR_T0SZ(t0sz) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
		TCR_SH0_INNER | TCR_TG0_4K | TCR_EL2_PS(regs->ips) |
		TCR_EL2_RES1;
	return KX_OK;
}
