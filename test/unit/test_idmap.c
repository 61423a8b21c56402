/* SPDX-License-Identifier: MIT */
/*
 * Identity-map builders, checked by software page-table walkers written
 * from the Intel SDM and the Arm ARM, independently of the builders
 * (idmap_check.h, shared with the fuzz target):
 * every range edge, whole-map leaf enumeration against a sorted-and-merged
 * model of the ranges, largest-page selection, exact pool counts, pool
 * exhaustion at every size, and bad inputs.
 */
#include "idmap_check.h"

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
