/* SPDX-License-Identifier: MIT */
/*
 * The identity-map checker shared by the unit tests (test_idmap.c) and
 * the fuzz target (test/fuzz/fuzz_idmap.c): a fake table memory, software
 * page-table walkers written from the Intel SDM and the Arm ARM
 * independently of the builders, the model of what a set of ranges should
 * map, and the whole-map leaf enumeration.  Failures go through kxtest.h's
 * CHECK (the fuzz target defines kx_test_fail to trap).
 */
#ifndef KX_IDMAP_CHECK_H
#define KX_IDMAP_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/idmap.h>
#include "kxtest.h"

#define PG 4096ull
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define MAX_RANGES 32

/* ------------------------------------------------------------ fake memory */

/*
 * Table pages handed out at physical addresses unlike their host addresses,
 * dirty, and in reverse order, so a builder that confuses pointer and
 * physical address, skips zeroing, or assumes contiguity is caught.
 */
struct fake {
	uint8_t *buf;
	bool *given;
	size_t pages, used, limit;
	uint64_t phys;
	uint64_t first;		/* physical address of the first page given */
};

static void fake_init(struct fake *m, size_t pages, uint64_t phys)
{
	m->pages = pages ? pages : 1;
	m->buf = aligned_alloc(PG, m->pages * PG);
	m->given = calloc(m->pages, sizeof(bool));
	CHECK(m->buf && m->given);
	memset(m->buf, 0xa5, m->pages * PG);
	m->used = 0;
	m->limit = pages;
	m->phys = phys;
	m->first = 0;
}

static void fake_free(struct fake *m)
{
	free(m->buf);
	free(m->given);
	m->buf = 0;
	m->given = 0;
}

static enum kx_status fake_alloc(void *ctx, void **page, uint64_t *phys)
{
	struct fake *m = ctx;
	size_t i;

	if (m->used >= m->limit)
		return KX_ERR_NO_MEMORY;
	i = m->pages - 1 - m->used++;
	m->given[i] = true;
	*page = m->buf + i * PG;
	*phys = m->phys + i * PG;
	if (m->used == 1)
		m->first = *phys;
	return KX_OK;
}

/* The table at physical address phys: one the builder was given. */
static const uint64_t *fake_table(const struct fake *m, uint64_t phys)
{
	size_t i;

	CHECK(KX_IS_ALIGNED(phys, PG));
	CHECK(phys >= m->phys && phys - m->phys < m->pages * PG);
	i = (phys - m->phys) / PG;
	CHECK(m->given[i]);
	return (const uint64_t *)(m->buf + i * PG);
}

/* ------------------------------------------------------------ configs */

enum arch { X86, A64 };

struct cfg {
	const char *name;
	enum arch arch;
	struct kx_idmap_x86_64_config x86;
	struct kx_idmap_aarch64_config a64;
	uint64_t limit;
	uint64_t sizes[3];	/* leaf sizes, largest first */
	unsigned nsizes;
};

static const struct cfg cfgs[] = {
	{ "x86-4level", X86, { 4, 0 }, { 0, 0 }, 1ull << 47,
	  { SZ_1G, SZ_2M, PG }, 3 },
	{ "x86-4level-no1g", X86, { 4, KX_IDMAP_X86_NO_1G }, { 0, 0 },
	  1ull << 47, { SZ_2M, PG }, 2 },
	{ "x86-5level-nx", X86, { 5, KX_IDMAP_X86_NX }, { 0, 0 }, 1ull << 52,
	  { SZ_1G, SZ_2M, PG }, 3 },
	{ "a64-39", A64, { 0, 0 }, { 39, 0 }, 1ull << 39,
	  { SZ_1G, SZ_2M, PG }, 3 },
	{ "a64-48", A64, { 0, 0 }, { 48, 0 }, 1ull << 48,
	  { SZ_1G, SZ_2M, PG }, 3 },
	{ "a64-48-el2", A64, { 0, 0 }, { 48, KX_IDMAP_A64_EL2 }, 1ull << 48,
	  { SZ_1G, SZ_2M, PG }, 3 },
};

/* The map a build produced: the x86 root or the arm64 registers. */
struct map {
	uint64_t root;
	struct kx_idmap_aarch64_regs regs;
};

static enum kx_status count(const struct cfg *c, const struct kx_idmap_range *r,
			    size_t n, size_t *t)
{
	if (c->arch == X86)
		return kx_idmap_x86_64_count_tables(r, n, &c->x86, t);
	return kx_idmap_aarch64_count_tables(r, n, &c->a64, t);
}

static enum kx_status build(const struct cfg *c, const struct kx_idmap_range *r,
			    size_t n, struct fake *m, struct map *map)
{
	enum kx_status st;

	memset(map, 0, sizeof(*map));
	if (c->arch == X86)
		return kx_idmap_x86_64_build(r, n, &c->x86, fake_alloc, m,
					     &map->root);
	st = kx_idmap_aarch64_build(r, n, &c->a64, fake_alloc, m, &map->regs);
	if (st == KX_OK) {
		CHECK_EQ(map->regs.ttbr0, m->first);
		CHECK_EQ(map->regs.tcr_el1 & 63, 64 - c->a64.va_bits);
		CHECK_EQ(map->regs.start_level, c->a64.va_bits == 39 ? 1 : 0);
	} else {
		/* Registers are only set on success; a partial map is walked
		 * as the stub would have. */
		map->regs.mair = 0x00ff;
	}
	map->root = m->first;
	return st;
}

/* ------------------------------------------------------------ walkers */

struct xlate {
	bool mapped;
	uint64_t pa;
	uint64_t size;
	uint32_t attr;		/* KX_IDMAP_*, 0 for anything else */
	bool nx;
	uint64_t hole;		/* unmapped: span of the empty entry */
};

#define X86_ADDR_MASK 0x000ffffffffff000ull

/* Intel SDM vol. 3A 4.5: PML5 (level 5) or PML4 (level 4) down to PT (1). */
static struct xlate x86_walk(const struct fake *m, uint64_t cr3,
			     unsigned levels, uint64_t va)
{
	struct xlate x = { 0 };
	uint64_t table = cr3;

	CHECK((cr3 & 0xfff) == 0);	/* PWT = PCD = 0: walks are WB */
	for (unsigned lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		uint64_t e = fake_table(m, table)[(va >> shift) & 511];
		bool ps = e & (1ull << 7);
		bool leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && ps);
		unsigned pat_idx;

		if (!(e & 1)) {
			x.hole = 1ull << shift;
			return x;
		}
		CHECK(e & 2);			/* writable */
		CHECK(!(e & 4));		/* supervisor */
		CHECK(e & (1ull << 5));		/* accessed preset */
		CHECK(((e >> 52) & 0x7ff) == 0);	/* ignored/PKE bits */
		if (lvl >= 4)
			CHECK(!ps);		/* reserved in PML5E/PML4E */
		if (!leaf) {
			CHECK(!(e & (3ull << 3)));	/* table walks WB */
			CHECK(!(e >> 63));	/* NX here would cover all below */
			table = e & X86_ADDR_MASK;
			continue;
		}
		x.size = 1ull << shift;
		CHECK(e & (1ull << 6));		/* dirty preset */
		if (lvl > 1)			/* reserved bits below the frame */
			CHECK((e & (x.size - 1) & ~0x1fffull) == 0);
		pat_idx = ((lvl == 1 ? e >> 7 : e >> 12) & 1) << 2 |
			((e >> 4) & 1) << 1 | ((e >> 3) & 1);
		x.attr = pat_idx == 0 ? KX_IDMAP_NORMAL :
			pat_idx == 3 ? KX_IDMAP_DEVICE : 0;
		x.pa = (e & X86_ADDR_MASK & ~(x.size - 1)) | (va & (x.size - 1));
		x.nx = e >> 63;
		x.mapped = true;
		return x;
	}
	CHECK(!"unreachable");
	return x;
}

#define A64_OA_MASK 0x0000fffffffff000ull

/* Arm ARM D8: stage 1, 4 KiB granule, TTBR0. */
static struct xlate a64_walk(const struct fake *m,
			     const struct kx_idmap_aarch64_regs *regs,
			     unsigned va_bits, uint32_t flags, uint64_t root,
			     uint64_t va)
{
	bool el2 = flags & KX_IDMAP_A64_EL2;

	struct xlate x = { 0 };
	unsigned t0sz = 64 - va_bits;
	unsigned start = t0sz <= 24 ? 0 : 1;	/* 4 KiB granule */
	uint64_t table = root;

	CHECK(va < 1ull << va_bits);
	for (unsigned lvl = start; lvl <= 3; lvl++) {
		unsigned shift = 39 - 9 * lvl;
		uint64_t e = fake_table(m, table)[(va >> shift) & 511];
		unsigned idx, mair;

		if (!(e & 1)) {
			x.hole = 1ull << shift;
			return x;
		}
		if (lvl < 3 && (e & 2)) {
			CHECK((e >> 59) == 0);	/* no table attribute limits */
			CHECK((e & ~A64_OA_MASK & ~3ull) == 0);
			table = e & A64_OA_MASK;
			continue;
		}
		CHECK(lvl != 0);		/* no level-0 blocks with 4 KiB */
		if (lvl == 3)
			CHECK((e & 3) == 3);	/* 01 at level 3 is reserved */
		x.size = 1ull << shift;
		CHECK((e & A64_OA_MASK & (x.size - 1)) == 0);
		CHECK(e & (1ull << 10));	/* AF */
		CHECK(((e >> 8) & 3) == 3);	/* inner shareable */
		/* AP: EL1 read/write; at EL2 (one EL) AP[1] is RES1. */
		CHECK(((e >> 6) & 3) == (el2 ? 1u : 0u));
		CHECK(!(e & (1ull << 5)));	/* NS */
		CHECK(!(e & (1ull << 11)));	/* nG: global */
		CHECK(!(e & (1ull << 52)));	/* contiguous */
		CHECK(((e >> 55) & 0x1ff) == 0);
		idx = (e >> 2) & 7;
		mair = (regs->mair >> (8 * idx)) & 0xff;
		x.attr = mair == 0xff ? KX_IDMAP_NORMAL :
			mair == 0x00 ? KX_IDMAP_DEVICE : 0;
		x.nx = (e >> 54) & 1;
		if (el2)
			CHECK(!(e & (1ull << 53)));	/* RES0 at EL2 */
		else
			CHECK(((e >> 53) & 1) == x.nx);	/* PXN as UXN */
		x.pa = (e & A64_OA_MASK) | (va & (x.size - 1));
		x.mapped = true;
		return x;
	}
	CHECK(!"unreachable");
	return x;
}

static struct xlate walk(const struct cfg *c, const struct fake *m,
			 const struct map *map, uint64_t va)
{
	if (c->arch == X86)
		return x86_walk(m, map->root, c->x86.levels, va);
	return a64_walk(m, &map->regs, c->a64.va_bits, c->a64.flags, map->root, va);
}

/* Expected execute-never of a leaf with attribute attr. */
static bool want_nx(const struct cfg *c, uint32_t attr)
{
	if (attr != KX_IDMAP_DEVICE)
		return false;
	return c->arch == A64 || (c->x86.flags & KX_IDMAP_X86_NX);
}

/* ------------------------------------------------------------ the model */

struct run {
	uint64_t start, end;
	uint32_t attr;
};

/* What the ranges say: sorted, overlaps and same-attribute neighbours
 * merged (sort and sweep, unlike the builder). */
struct model {
	struct run run[MAX_RANGES];
	size_t n;
};

static int by_start(const void *a, const void *b)
{
	const struct kx_idmap_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool conflicting(const struct kx_idmap_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (r[i].attr != r[j].attr &&
			    r[i].start < r[j].start + r[j].size &&
			    r[j].start < r[i].start + r[i].size)
				return true;
	return false;
}

static void model_init(struct model *md, const struct kx_idmap_range *r,
		       size_t n)
{
	struct kx_idmap_range s[MAX_RANGES];

	CHECK(n <= MAX_RANGES);
	memcpy(s, r, n * sizeof(*r));
	qsort(s, n, sizeof(*s), by_start);
	md->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct run *last = md->n ? &md->run[md->n - 1] : 0;
		uint64_t end = s[i].start + s[i].size;

		if (last && last->attr == s[i].attr && s[i].start <= last->end) {
			last->end = KX_MAX(last->end, end);
			continue;
		}
		CHECK(!last || s[i].start >= last->end);	/* no conflicts */
		md->run[md->n++] = (struct run){ s[i].start, end, s[i].attr };
	}
}

static uint32_t model_attr(const struct model *md, uint64_t a)
{
	for (size_t i = 0; i < md->n; i++)
		if (a >= md->run[i].start && a < md->run[i].end)
			return md->run[i].attr;
	return 0;
}

/* The leaf size the map should use at a: the largest whose aligned block
 * is mapped whole with one attribute. */
static uint64_t model_size(const struct cfg *c, const struct model *md,
			   uint64_t a)
{
	for (unsigned i = 0; i < c->nsizes; i++) {
		uint64_t lo = a & ~(c->sizes[i] - 1), hi = lo + c->sizes[i];

		for (size_t j = 0; j < md->n; j++)
			if (md->run[j].start <= lo && md->run[j].end >= hi)
				return c->sizes[i];
	}
	return 0;
}

/* One address: identity with the right attribute and page size, or not
 * mapped at all. */
static void check_addr(const struct cfg *c, const struct fake *m,
		       const struct map *map, const struct model *md,
		       uint64_t a)
{
	struct xlate x = walk(c, m, map, a);
	uint32_t want = model_attr(md, a);

	if (!want) {
		if (x.mapped)
			kx_test_fail(__FILE__, __LINE__, "%s: 0x%llx mapped",
				     c->name, (unsigned long long)a);
		return;
	}
	if (!x.mapped)
		kx_test_fail(__FILE__, __LINE__, "%s: 0x%llx not mapped",
			     c->name, (unsigned long long)a);
	CHECK_EQ(x.pa, a);
	CHECK_EQ(x.attr, want);
	CHECK_EQ(x.nx, want_nx(c, want));
	CHECK_EQ(x.size, model_size(c, md, a));
}

/* The first, last, previous and next byte of every range, and a few
 * inside it. */
static void check_edges(const struct cfg *c, const struct fake *m,
			const struct map *map, const struct model *md,
			const struct kx_idmap_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t s = r[i].start, e = s + r[i].size;

		check_addr(c, m, map, md, s);
		check_addr(c, m, map, md, e - 1);
		if (s)
			check_addr(c, m, map, md, s - 1);
		if (e < c->limit)
			check_addr(c, m, map, md, e);
		for (int k = 0; k < 3; k++)
			check_addr(c, m, map, md, s + kx_rand_below(r[i].size));
	}
	check_addr(c, m, map, md, 0);
	check_addr(c, m, map, md, c->limit - 1);
}

/* Every leaf of the map, in address order, walking the tables as data. */
struct leaves {
	struct model md;	/* adjacent same-attribute leaves merged */
	size_t tables;		/* tables reached */
	size_t leaves;
};

static void add_leaf(struct leaves *lv, uint64_t va, uint64_t size,
		     uint32_t attr)
{
	struct run *last = lv->md.n ? &lv->md.run[lv->md.n - 1] : 0;

	lv->leaves++;
	CHECK(attr != 0);
	if (last && last->attr == attr && last->end == va) {
		last->end += size;
		return;
	}
	CHECK(!last || last->end <= va);
	CHECK(lv->md.n < MAX_RANGES);
	lv->md.run[lv->md.n++] = (struct run){ va, va + size, attr };
}

/* Enumerates the leaves by walking from address 0, stepping over each
 * leaf and each empty entry the walker meets. */
static void collect(const struct cfg *c, const struct fake *m,
		    const struct map *map, const struct model *md,
		    struct leaves *lv)
{
	uint64_t va = 0;

	memset(lv, 0, sizeof(*lv));
	while (va < c->limit) {
		struct xlate x = walk(c, m, map, va);

		if (!x.mapped) {
			CHECK(x.hole >= PG);
			va = (va | (x.hole - 1)) + 1;
			continue;
		}
		CHECK_EQ(x.pa, va);
		CHECK_EQ(x.size, model_size(c, md, va));
		CHECK_EQ(x.nx, want_nx(c, x.attr));
		add_leaf(lv, va, x.size, x.attr);
		va += x.size;
	}
}

/* Counts the tables reachable from the root, each exactly once. */
static size_t count_reachable(const struct cfg *c, const struct fake *m,
			      uint64_t table, unsigned lvl, bool *seen)
{
	const uint64_t *t = fake_table(m, table);
	size_t i = (table - m->phys) / PG, n = 1;
	unsigned last = c->arch == X86 ? 1 : 3;

	CHECK(!seen[i]);
	seen[i] = true;
	if (lvl == last)
		return n;
	for (unsigned k = 0; k < 512; k++) {
		uint64_t e = t[k];
		bool is_table;

		if (!(e & 1))
			continue;
		if (c->arch == X86)
			is_table = lvl >= 4 || !(e & (1ull << 7));
		else
			is_table = e & 2;
		if (is_table)
			n += count_reachable(c, m, e & (c->arch == X86 ?
					     X86_ADDR_MASK : A64_OA_MASK),
					     c->arch == X86 ? lvl - 1 : lvl + 1,
					     seen);
	}
	return n;
}

static size_t reachable(const struct cfg *c, const struct fake *m,
			const struct map *map)
{
	bool *seen = calloc(m->pages, sizeof(bool));
	unsigned root_lvl = c->arch == X86 ? c->x86.levels :
		(c->a64.va_bits == 39 ? 1 : 0);
	size_t n;

	CHECK(seen);
	n = count_reachable(c, m, map->root, root_lvl, seen);
	free(seen);
	return n;
}

#endif
