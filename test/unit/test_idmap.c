/* SPDX-License-Identifier: MIT */
/*
 * Identity-map builders, checked by software page-table walkers written
 * here from the Intel SDM and the Arm ARM, independently of the builders:
 * every range edge, whole-map leaf enumeration against a sorted-and-merged
 * model of the ranges, largest-page selection, exact pool counts, pool
 * exhaustion at every size, and bad inputs.
 */
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

/* ------------------------------------------------------------ random sets */

/* Ranges clustered in a window so that they touch, overlap and share
 * tables, with edges often on 4 KiB, 2 MiB and 1 GiB boundaries. */
static uint64_t pick(uint64_t unit, uint64_t span)
{
	static const uint64_t common[] = { 0, 1, 2, 511 };

	if (kx_rand_below(3))
		return unit * common[kx_rand_below(4)];
	return unit * kx_rand_below(span);
}

static size_t random_set(const struct cfg *c, struct kx_idmap_range *r,
			 bool allow_conflict)
{
	uint64_t window = 8 * SZ_1G, base;
	size_t n = 1 + kx_rand_below(10), k = 0;

	switch (kx_rand_below(4)) {
	case 0: base = 0; break;
	case 1: base = c->limit - window; break;
	default: base = kx_rand_below(c->limit / SZ_1G - 8) * SZ_1G; break;
	}
	for (size_t i = 0; i < n; i++) {
		struct kx_idmap_range x;

		if (k && !kx_rand_below(8)) {	/* a repeat */
			r[k] = r[kx_rand_below(k)];
			k++;
			continue;
		}
		x.start = base + pick(SZ_1G, 6) + pick(SZ_2M, 512) + pick(PG, 512);
		x.size = pick(SZ_1G, 2) + pick(SZ_2M, 512) + pick(PG, 512);
		if (!x.size)
			x.size = PG;
		if (x.start >= c->limit)
			x.start = c->limit - PG;
		if (x.size > c->limit - x.start)
			x.size = c->limit - x.start;
		x.attr = kx_rand_below(10) < 7 ? KX_IDMAP_NORMAL : KX_IDMAP_DEVICE;
		r[k++] = x;
		if (allow_conflict)
			continue;
		/* Take the attribute of what it overlaps, or drop it. */
		if (conflicting(r, k)) {
			r[k - 1].attr ^= KX_IDMAP_NORMAL ^ KX_IDMAP_DEVICE;
			if (conflicting(r, k))
				k--;
		}
	}
	return k;
}

static void shuffle(struct kx_idmap_range *r, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = kx_rand_below(i);
		struct kx_idmap_range t = r[i - 1];

		r[i - 1] = r[j];
		r[j] = t;
	}
}

/* A physical base for the tables, anywhere the format allows. */
static uint64_t table_base(const struct cfg *c, size_t pages)
{
	uint64_t lim = c->arch == X86 ? 1ull << 52 : 1ull << 48;

	return kx_rand_below((lim - pages * PG) / PG) * PG;
}

/* Builds a set with a pool of exactly the counted size, then checks the
 * whole map.  Returns the pages used. */
static size_t build_and_check(const struct cfg *c,
			      const struct kx_idmap_range *r, size_t n,
			      bool full)
{
	struct fake m;
	struct map map;
	struct model md;
	struct leaves lv;
	size_t need = 0;

	model_init(&md, r, n);
	CHECK_ST(count(c, r, n, &need), KX_OK);
	fake_init(&m, need, table_base(c, need));
	CHECK_ST(build(c, r, n, &m, &map), KX_OK);
	CHECK_EQ(m.used, need);
	CHECK_EQ(reachable(c, &m, &map), need);
	check_edges(c, &m, &map, &md, r, n);
	if (full) {
		collect(c, &m, &map, &md, &lv);
		CHECK_EQ(lv.md.n, md.n);
		for (size_t i = 0; i < md.n; i++) {
			CHECK_EQ(lv.md.run[i].start, md.run[i].start);
			CHECK_EQ(lv.md.run[i].end, md.run[i].end);
			CHECK_EQ(lv.md.run[i].attr, md.run[i].attr);
		}
	}
	fake_free(&m);
	return need;
}

static void random_sets(const struct cfg *c, unsigned sets)
{
	struct kx_idmap_range r[MAX_RANGES];
	unsigned conflicts = 0;
	size_t pages = 0;

	for (unsigned i = 0; i < sets; i++) {
		bool conflict_ok = !kx_rand_below(10);
		size_t n = random_set(c, r, conflict_ok), t;

		if (conflicting(r, n)) {
			struct fake m;
			struct map map;

			CHECK_ST(count(c, r, n, &t), KX_ERR_OVERLAP);
			fake_init(&m, 8, 0x100000);
			CHECK_ST(build(c, r, n, &m, &map), KX_ERR_OVERLAP);
			CHECK_EQ(m.used, 0);	/* checked before any page */
			fake_free(&m);
			conflicts++;
			continue;
		}
		pages += build_and_check(c, r, n, i % 4 == 0);
	}
	kx_test_note("%s: %u sets, %u with conflicts, %zu table pages",
		     c->name, sets, conflicts, pages);
	CHECK(conflicts > 0 && conflicts < sets / 4);
}

#define RANDOM_SETS 1000

KX_TEST(idmap_random_x86_4level)
{
	random_sets(&cfgs[0], RANDOM_SETS);
	random_sets(&cfgs[1], RANDOM_SETS);
}

KX_TEST(idmap_random_x86_5level)
{
	random_sets(&cfgs[2], RANDOM_SETS);
}

KX_TEST(idmap_random_a64_39)
{
	random_sets(&cfgs[3], RANDOM_SETS);
}

KX_TEST(idmap_random_a64_48)
{
	random_sets(&cfgs[4], RANDOM_SETS);
}

KX_TEST(idmap_random_a64_48_el2)
{
	random_sets(&cfgs[5], RANDOM_SETS);
}

/* The map is a function of what is mapped: the order of the ranges changes
 * nothing, not even the order in which pages are taken. */
KX_TEST(idmap_order_independent)
{
	struct kx_idmap_range r[MAX_RANGES];

	for (unsigned ci = 0; ci < KX_ARRAY_SIZE(cfgs); ci++) {
		const struct cfg *c = &cfgs[ci];

		for (unsigned i = 0; i < 100; i++) {
			size_t n = random_set(c, r, false), need;
			struct fake a, b;
			struct map ma, mb;

			CHECK_ST(count(c, r, n, &need), KX_OK);
			fake_init(&a, need, 0x40000000);
			fake_init(&b, need, 0x40000000);
			CHECK_ST(build(c, r, n, &a, &ma), KX_OK);
			shuffle(r, n);
			CHECK_ST(build(c, r, n, &b, &mb), KX_OK);
			CHECK_MEM(a.buf, b.buf, need * PG);
			CHECK_MEM(&ma, &mb, sizeof(ma));
			fake_free(&a);
			fake_free(&b);
		}
	}
}

/* Every pool size below the need fails with KX_ERR_NO_MEMORY after taking
 * all it was given, and leaves a consistent, partial map: each entry leads
 * to a given page or is a correct leaf. */
KX_TEST(idmap_pool_exhaustion)
{
	struct kx_idmap_range r[MAX_RANGES];
	unsigned tried = 0;

	for (unsigned ci = 0; ci < KX_ARRAY_SIZE(cfgs); ci++) {
		const struct cfg *c = &cfgs[ci];

		for (unsigned i = 0; i < 20; i++) {
			size_t n, need;
			struct model md;

			/* Sets of moderate need, so every size can be tried. */
			for (unsigned tries = 0;; tries++) {
				CHECK(tries < 1000);
				n = random_set(c, r, false);
				CHECK_ST(count(c, r, n, &need), KX_OK);
				if (need <= 40)
					break;
			}
			model_init(&md, r, n);
			for (size_t p = 0; p < need; p++) {
				struct fake m;
				struct map map;
				struct leaves lv;

				fake_init(&m, p, table_base(c, p + 1));
				CHECK_ST(build(c, r, n, &m, &map),
					 KX_ERR_NO_MEMORY);
				CHECK_EQ(m.used, p);
				if (p) {
					if (c->arch == X86)
						CHECK_EQ(map.root, m.first);
					CHECK_EQ(reachable(c, &m, &map), p);
					for (size_t j = 0; j < n; j++) {
						uint64_t e = r[j].start + r[j].size;
						struct xlate x;

						x = walk(c, &m, &map, r[j].start);
						CHECK(!x.mapped || x.pa == r[j].start);
						x = walk(c, &m, &map, e - 1);
						CHECK(!x.mapped || x.pa == e - 1);
					}
					collect(c, &m, &map, &md, &lv);
				}
				fake_free(&m);
				tried++;
			}
		}
	}
	kx_test_note("%u short pools", tried);
}

/* ------------------------------------------------------------ fixed cases */

static const struct cfg *cfg_named(const char *name)
{
	for (unsigned i = 0; i < KX_ARRAY_SIZE(cfgs); i++)
		if (!strcmp(cfgs[i].name, name))
			return &cfgs[i];
	CHECK(!"no such config");
	return 0;
}

/* Builds with an exact pool at a low physical address; returns the need. */
static size_t build_fixed(const struct cfg *c, const struct kx_idmap_range *r,
			  size_t n, struct fake *m, struct map *map)
{
	size_t need = 0;

	CHECK_ST(count(c, r, n, &need), KX_OK);
	fake_init(m, need, 0x80000000ull);
	CHECK_ST(build(c, r, n, m, map), KX_OK);
	CHECK_EQ(m->used, need);
	return need;
}

static unsigned nonzero_entries(const struct fake *m, uint64_t phys)
{
	const uint64_t *t = fake_table(m, phys);
	unsigned k = 0;

	for (unsigned i = 0; i < 512; i++)
		k += t[i] != 0;
	return k;
}

/* A 1 GiB-aligned 1 GiB range is one 1 GiB entry. */
KX_TEST(idmap_one_gib_page)
{
	static const struct {
		const char *cfg;
		size_t tables;
		uint64_t size;
	} want[] = {
		{ "x86-4level", 2, SZ_1G },
		{ "x86-4level-no1g", 3, SZ_2M },
		{ "x86-5level-nx", 3, SZ_1G },
		{ "a64-39", 1, SZ_1G },
		{ "a64-48", 2, SZ_1G },
	};
	struct kx_idmap_range r = { SZ_1G, SZ_1G, KX_IDMAP_NORMAL };

	for (unsigned i = 0; i < KX_ARRAY_SIZE(want); i++) {
		const struct cfg *c = cfg_named(want[i].cfg);
		struct fake m;
		struct map map;
		struct xlate x;

		CHECK_EQ(build_fixed(c, &r, 1, &m, &map), want[i].tables);
		x = walk(c, &m, &map, SZ_1G);
		CHECK(x.mapped && x.pa == SZ_1G && x.size == want[i].size);
		CHECK_EQ(x.attr, KX_IDMAP_NORMAL);
		x = walk(c, &m, &map, 2 * SZ_1G - 1);
		CHECK(x.mapped && x.pa == 2 * SZ_1G - 1);
		CHECK(!walk(c, &m, &map, SZ_1G - 1).mapped);
		CHECK(!walk(c, &m, &map, 2 * SZ_1G).mapped);
		/* One entry per table on the way, and 512 2 MiB ones without
		 * 1 GiB pages. */
		for (size_t p = 0; p < m.used; p++) {
			uint64_t phys = m.phys + (m.pages - 1 - p) * PG;
			unsigned k = nonzero_entries(&m, phys);

			CHECK(k == 1 || (want[i].size == SZ_2M && k == 512));
		}
		fake_free(&m);
	}
}

/* Pages of each size next to each other: 4 KiB, then 2 MiB, then 1 GiB. */
KX_TEST(idmap_mixed_sizes)
{
	/* [1G - 2M - 4K, 2G + 2M + 4K) */
	struct kx_idmap_range r = { SZ_1G - SZ_2M - PG, SZ_1G + 2 * SZ_2M + 2 * PG,
				    KX_IDMAP_DEVICE };

	for (unsigned i = 0; i < KX_ARRAY_SIZE(cfgs); i++) {
		const struct cfg *c = &cfgs[i];
		uint64_t big = c->nsizes == 3 ? SZ_1G : SZ_2M;
		struct fake m;
		struct map map;

		build_fixed(c, &r, 1, &m, &map);
		CHECK_EQ(walk(c, &m, &map, r.start).size, PG);
		CHECK_EQ(walk(c, &m, &map, SZ_1G - SZ_2M).size, SZ_2M);
		CHECK_EQ(walk(c, &m, &map, SZ_1G).size, big);
		CHECK_EQ(walk(c, &m, &map, 2 * SZ_1G - 1).size, big);
		CHECK_EQ(walk(c, &m, &map, 2 * SZ_1G).size, SZ_2M);
		CHECK_EQ(walk(c, &m, &map, 2 * SZ_1G + SZ_2M).size, PG);
		CHECK(!walk(c, &m, &map, 2 * SZ_1G + SZ_2M + PG).mapped);
		CHECK(!walk(c, &m, &map, r.start - 1).mapped);
		CHECK_EQ(walk(c, &m, &map, r.start).attr, KX_IDMAP_DEVICE);
		CHECK_EQ(walk(c, &m, &map, r.start).nx, want_nx(c, KX_IDMAP_DEVICE));
		fake_free(&m);
	}
}

/* Repeats and same-attribute overlaps add nothing; touching ranges of
 * different attributes are fine; one shared page is an overlap. */
KX_TEST(idmap_overlaps)
{
	struct kx_idmap_range one[] = {
		{ 0x200000, 0x400000, KX_IDMAP_NORMAL },
	};
	struct kx_idmap_range twice[] = {
		{ 0x200000, 0x400000, KX_IDMAP_NORMAL },
		{ 0x200000, 0x400000, KX_IDMAP_NORMAL },
		{ 0x201000, 0x1000, KX_IDMAP_NORMAL },
		{ 0x300000, 0x300000, KX_IDMAP_NORMAL },
	};
	struct kx_idmap_range touching[] = {
		{ 0x200000, 0x400000, KX_IDMAP_NORMAL },
		{ 0x600000, 0x1000, KX_IDMAP_DEVICE },
		{ 0x1ff000, 0x1000, KX_IDMAP_DEVICE },
	};
	struct kx_idmap_range clash[] = {
		{ 0x200000, 0x400000, KX_IDMAP_NORMAL },
		{ 0x5ff000, 0x2000, KX_IDMAP_DEVICE },
	};

	for (unsigned i = 0; i < KX_ARRAY_SIZE(cfgs); i++) {
		const struct cfg *c = &cfgs[i];
		struct fake a, b;
		struct map ma, mb;
		size_t t;

		build_fixed(c, one, 1, &a, &ma);
		build_fixed(c, twice, KX_ARRAY_SIZE(twice), &b, &mb);
		CHECK_EQ(a.used, b.used);
		CHECK_MEM(a.buf, b.buf, a.used * PG);
		fake_free(&a);
		fake_free(&b);
		build_and_check(c, touching, KX_ARRAY_SIZE(touching), true);
		CHECK_ST(count(c, clash, 2, &t), KX_ERR_OVERLAP);
		fake_init(&a, 8, 0);
		CHECK_ST(build(c, clash, 2, &a, &ma), KX_ERR_OVERLAP);
		CHECK_EQ(a.used, 0);
		fake_free(&a);
	}
}

/* No ranges: a root table and nothing mapped. */
KX_TEST(idmap_empty)
{
	for (unsigned i = 0; i < KX_ARRAY_SIZE(cfgs); i++) {
		const struct cfg *c = &cfgs[i];
		struct fake m;
		struct map map;

		CHECK_EQ(build_fixed(c, 0, 0, &m, &map), 1);
		CHECK_EQ(nonzero_entries(&m, map.root), 0);
		CHECK(!walk(c, &m, &map, 0).mapped);
		fake_free(&m);
	}
}

/* Counts of whole address spaces, computed by hand. */
KX_TEST(idmap_whole_space_counts)
{
	struct kx_idmap_range r = { 0, 0, KX_IDMAP_NORMAL };
	size_t t;

	r.size = 1ull << 47;
	CHECK_ST(count(cfg_named("x86-4level"), &r, 1, &t), KX_OK);
	CHECK_EQ(t, 1 + 256);		/* PML4 + one PDPT per 512 GiB */
	r.size = 1ull << 40;		/* 2 MiB pages only: 2^19 of them */
	CHECK_ST(count(cfg_named("x86-4level-no1g"), &r, 1, &t), KX_OK);
	CHECK_EQ(t, 1 + 2 + 2 * 512);
	r.size = 1ull << 52;
	CHECK_ST(count(cfg_named("x86-5level-nx"), &r, 1, &t), KX_OK);
	CHECK_EQ(t, 1 + 16 + 16 * 512);
	r.size = 1ull << 39;
	CHECK_ST(count(cfg_named("a64-39"), &r, 1, &t), KX_OK);
	CHECK_EQ(t, 1);			/* 512 1 GiB blocks in the root */
	r.size = 1ull << 48;
	CHECK_ST(count(cfg_named("a64-48"), &r, 1, &t), KX_OK);
	CHECK_EQ(t, 1 + 512);
}

KX_TEST(idmap_limits)
{
	static const struct {
		const char *cfg;
		uint64_t limit;
	} lim[] = {
		{ "x86-4level", 1ull << 47 },
		{ "x86-5level-nx", 1ull << 52 },
		{ "a64-39", 1ull << 39 },
		{ "a64-48", 1ull << 48 },
	};

	for (unsigned i = 0; i < KX_ARRAY_SIZE(lim); i++) {
		const struct cfg *c = cfg_named(lim[i].cfg);
		uint64_t l = lim[i].limit;
		struct kx_idmap_range last = { l - SZ_1G - PG, SZ_1G + PG,
					       KX_IDMAP_DEVICE };
		struct kx_idmap_range over = { l - PG, 2 * PG, KX_IDMAP_NORMAL };
		struct kx_idmap_range at = { l, PG, KX_IDMAP_NORMAL };
		struct kx_idmap_range wrap = { l - PG, 0ull - PG, KX_IDMAP_NORMAL };
		struct kx_idmap_range far = { 1ull << 63, PG, KX_IDMAP_NORMAL };
		size_t t;

		build_and_check(c, &last, 1, true);
		CHECK_ST(count(c, &over, 1, &t), KX_ERR_RANGE);
		CHECK_ST(count(c, &at, 1, &t), KX_ERR_RANGE);
		CHECK_ST(count(c, &wrap, 1, &t), KX_ERR_RANGE);
		CHECK_ST(count(c, &far, 1, &t), KX_ERR_RANGE);
	}
}

KX_TEST(idmap_bad_inputs)
{
	static const struct {
		struct kx_idmap_range r;
		enum kx_status st;
	} bad[] = {
		{ { 0x1000, 0x1000, 0 }, KX_ERR_INVAL },
		{ { 0x1000, 0x1000, 3 }, KX_ERR_INVAL },
		{ { 0x1000, 0, KX_IDMAP_NORMAL }, KX_ERR_INVAL },
		{ { 0x1001, 0x1000, KX_IDMAP_NORMAL }, KX_ERR_ALIGN },
		{ { 0x1800, 0x1000, KX_IDMAP_DEVICE }, KX_ERR_ALIGN },
		{ { 0x1000, 0xfff, KX_IDMAP_NORMAL }, KX_ERR_ALIGN },
		{ { 0x1000, 0x1800, KX_IDMAP_DEVICE }, KX_ERR_ALIGN },
	};
	struct kx_idmap_range good = { 0x1000, 0x1000, KX_IDMAP_NORMAL };
	struct kx_idmap_x86_64_config x3 = { 3, 0 }, x6 = { 6, 0 },
		xf = { 4, 1u << 5 };
	struct kx_idmap_aarch64_config a40 = { 40, 0 }, af = { 48, 1u << 5 };
	struct kx_idmap_aarch64_regs regs;
	struct fake m;
	uint64_t root;
	size_t t;

	for (unsigned ci = 0; ci < KX_ARRAY_SIZE(cfgs); ci++) {
		const struct cfg *c = &cfgs[ci];

		for (unsigned i = 0; i < KX_ARRAY_SIZE(bad); i++) {
			struct kx_idmap_range two[2] = { good, bad[i].r };
			struct map map;

			CHECK_ST(count(c, &bad[i].r, 1, &t), bad[i].st);
			fake_init(&m, 4, 0);
			CHECK_ST(build(c, two, 2, &m, &map), bad[i].st);
			CHECK_EQ(m.used, 0);
			fake_free(&m);
		}
		CHECK_ST(count(c, 0, 1, &t), KX_ERR_INVAL);
		CHECK_ST(count(c, &good, 1, 0), KX_ERR_INVAL);
	}
	fake_init(&m, 4, 0);
	CHECK_ST(kx_idmap_x86_64_count_tables(&good, 1, &x3, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_x86_64_count_tables(&good, 1, &x6, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_x86_64_count_tables(&good, 1, &xf, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_x86_64_count_tables(&good, 1, 0, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_x86_64_build(&good, 1, &cfgs[0].x86, 0, &m, &root),
		 KX_ERR_INVAL);
	CHECK_ST(kx_idmap_x86_64_build(&good, 1, &cfgs[0].x86, fake_alloc, &m, 0),
		 KX_ERR_INVAL);
	CHECK_ST(kx_idmap_aarch64_count_tables(&good, 1, &a40, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_aarch64_count_tables(&good, 1, &af, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_aarch64_count_tables(&good, 1, 0, &t), KX_ERR_INVAL);
	CHECK_ST(kx_idmap_aarch64_build(&good, 1, &cfgs[3].a64, 0, &m, &regs),
		 KX_ERR_INVAL);
	CHECK_ST(kx_idmap_aarch64_build(&good, 1, &cfgs[3].a64, fake_alloc, &m, 0),
		 KX_ERR_INVAL);
	CHECK_EQ(m.used, 0);
	fake_free(&m);
}

/* Allocators that hand out unusable pages are refused. */
struct bad_alloc {
	uint8_t *buf;
	uintptr_t ptr_off;
	uint64_t phys;
};

static enum kx_status bad_alloc_fn(void *ctx, void **page, uint64_t *phys)
{
	struct bad_alloc *b = ctx;

	*page = b->buf + b->ptr_off;
	*phys = b->phys;
	return KX_OK;
}

static enum kx_status failing_alloc(void *ctx, void **page, uint64_t *phys)
{
	(void)ctx;
	(void)page;
	(void)phys;
	return KX_ERR_NO_SPACE;
}

KX_TEST(idmap_bad_allocator)
{
	struct kx_idmap_range r = { 0, SZ_2M, KX_IDMAP_NORMAL };
	uint8_t *buf = aligned_alloc(PG, 2 * PG);
	struct kx_idmap_aarch64_regs regs;
	uint64_t root;
	struct bad_alloc b = { buf, 0, 0x1000 };

	CHECK(buf);
	b.ptr_off = 8;
	CHECK_ST(kx_idmap_x86_64_build(&r, 1, &cfgs[0].x86, bad_alloc_fn, &b, &root),
		 KX_ERR_ALIGN);
	b.ptr_off = 0;
	b.phys = 0x1800;
	CHECK_ST(kx_idmap_aarch64_build(&r, 1, &cfgs[3].a64, bad_alloc_fn, &b, &regs),
		 KX_ERR_ALIGN);
	b.phys = 1ull << 52;
	CHECK_ST(kx_idmap_x86_64_build(&r, 1, &cfgs[0].x86, bad_alloc_fn, &b, &root),
		 KX_ERR_RANGE);
	b.phys = 1ull << 48;
	CHECK_ST(kx_idmap_aarch64_build(&r, 1, &cfgs[3].a64, bad_alloc_fn, &b, &regs),
		 KX_ERR_RANGE);
	/* The allocator's own status comes back as is. */
	CHECK_ST(kx_idmap_x86_64_build(&r, 1, &cfgs[0].x86, failing_alloc, 0, &root),
		 KX_ERR_NO_SPACE);
	free(buf);
}

/* The ready-made pool hands out its pages in order, then runs dry. */
KX_TEST(idmap_pool_helper)
{
	struct kx_idmap_range r[] = {
		{ 0x1000, 0x1000, KX_IDMAP_NORMAL },
		{ 0x7fff0000000, 0x200000, KX_IDMAP_DEVICE },
	};
	uint8_t *buf = aligned_alloc(PG, 8 * PG);
	struct kx_page_pool pool = { buf, 0x123456000ull, 8, 0 };
	void *page;
	uint64_t phys, root;
	size_t need;

	CHECK(buf);
	CHECK_ST(kx_idmap_x86_64_count_tables(r, 2, &cfgs[0].x86, &need), KX_OK);
	CHECK_EQ(need, 1 + 3 + 2);	/* PML4; PDPT, PD, PT; PDPT, PD */
	CHECK_ST(kx_idmap_x86_64_build(r, 2, &cfgs[0].x86, kx_page_pool_alloc,
				       &pool, &root), KX_OK);
	CHECK_EQ(pool.used, need);
	CHECK_EQ(root, 0x123456000ull);
	CHECK_ST(kx_page_pool_alloc(&pool, &page, &phys), KX_OK);
	CHECK_ST(kx_page_pool_alloc(&pool, &page, &phys), KX_OK);
	CHECK(page == buf + 7 * PG && phys == 0x123456000ull + 7 * PG);
	CHECK_ST(kx_page_pool_alloc(&pool, &page, &phys), KX_ERR_NO_MEMORY);
	CHECK_ST(kx_page_pool_alloc(0, &page, &phys), KX_ERR_NO_MEMORY);
	free(buf);
}

/* MAIR, TCR and IPS as the stub programs them. */
KX_TEST(idmap_a64_registers)
{
	struct kx_idmap_range r = { SZ_1G, SZ_1G, KX_IDMAP_NORMAL };
	static const struct {
		uint64_t top;		/* highest mapped byte + 1 */
		uint32_t ips;
	} ips[] = {
		{ 1ull << 32, 0 }, { (1ull << 32) + PG, 1 }, { 1ull << 36, 1 },
		{ 1ull << 37, 2 }, { 1ull << 40, 2 }, { 1ull << 42, 3 },
		{ 1ull << 44, 4 }, { 1ull << 45, 5 }, { 1ull << 48, 5 },
	};
	const struct cfg *c39 = cfg_named("a64-39"), *c48 = cfg_named("a64-48");
	struct fake m;
	struct map map;

	build_fixed(c39, &r, 1, &m, &map);
	CHECK_EQ(map.regs.mair, 0x00ff);
	CHECK_EQ(map.regs.ttbr0, m.first);
	CHECK_EQ(map.regs.start_level, 1);
	CHECK_EQ(map.regs.ips, 0);
	/* T0SZ = T1SZ = 25, IRGN0 = ORGN0 = WBWA, SH0 = inner, TG0 = 4K,
	 * EPD1, TG1 = 4K. */
	CHECK_EQ(map.regs.tcr_el1, 0x80993519ull);
	CHECK_EQ(map.regs.tcr_el2, 0x80803519ull);
	fake_free(&m);

	build_fixed(c48, &r, 1, &m, &map);
	CHECK_EQ(map.regs.start_level, 0);
	CHECK_EQ(map.regs.tcr_el1, 0x80903510ull);
	fake_free(&m);

	for (unsigned i = 0; i < KX_ARRAY_SIZE(ips); i++) {
		struct kx_idmap_range t = { ips[i].top - PG, PG, KX_IDMAP_DEVICE };

		build_fixed(c48, &t, 1, &m, &map);
		CHECK_EQ(map.regs.ips, ips[i].ips);
		CHECK_EQ((map.regs.tcr_el1 >> 32) & 7, ips[i].ips);
		CHECK_EQ((map.regs.tcr_el2 >> 16) & 7, ips[i].ips);
		fake_free(&m);
	}
	/* Tables count too: a low map with tables above 4 GiB. */
	fake_init(&m, 1, 1ull << 40);
	CHECK_ST(build(c39, &r, 1, &m, &map), KX_OK);
	CHECK_EQ(map.regs.ips, 3);	/* 42 bits */
	fake_free(&m);
}

/* NX only on device leaves, and on x86 only when asked for. */
KX_TEST(idmap_x86_nx)
{
	struct kx_idmap_range r[] = {
		{ 0, SZ_2M, KX_IDMAP_NORMAL },
		{ SZ_2M, PG, KX_IDMAP_DEVICE },
	};

	for (unsigned i = 0; i < 3; i++) {
		const struct cfg *c = &cfgs[i];
		struct fake m;
		struct map map;

		build_fixed(c, r, 2, &m, &map);
		CHECK(!walk(c, &m, &map, 0).nx);
		CHECK_EQ(walk(c, &m, &map, SZ_2M).nx,
			 !!(c->x86.flags & KX_IDMAP_X86_NX));
		CHECK_EQ(walk(c, &m, &map, SZ_2M).attr, KX_IDMAP_DEVICE);
		fake_free(&m);
	}
}
