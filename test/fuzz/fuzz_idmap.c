/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the identity-map builders (x86_64 4- and 5-level,
 * aarch64 39- and 48-bit, EL1 and EL2), checked by the unit tests'
 * software page-table walkers (test/unit/idmap_check.h).  The input picks
 * a configuration and up to 12 ranges (mostly clustered on 4 KiB, 2 MiB
 * and 1 GiB edges, sometimes any 64-bit values).  Oracles:
 *  - a range that is misaligned, empty, of a bad attribute, past the
 *    configuration's limit (128-bit sum), or giving a page two attributes
 *    is refused, by the count and by the build alike, before any page;
 *  - a valid set: the build takes exactly the counted pages, every one
 *    reachable once from the root; each range's edges translate to
 *    themselves with the right attribute, execute-never and largest page;
 *    and (when small enough to enumerate) the map's leaves, walked from
 *    address 0, are exactly the model of the ranges;
 *  - a pool one page short fails with KX_ERR_NO_MEMORY.
 */
#include <stdio.h>
#include "../unit/idmap_check.h"
#include "fuzz_script.h"

/* What kxtest.h's CHECK calls: here a crash libFuzzer reports. */
void kx_test_fail(const char *file, int line, const char *fmt, ...)
{
	fprintf(stderr, "%s:%d: check failed (%s)\n", file, line, fmt);
	__builtin_trap();
}

void kx_test_note(const char *fmt, ...)
{
	(void)fmt;
}

/* check_edges' random probes: drawn from the input. */
static uint64_t rng;

uint64_t kx_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

uint64_t kx_rand_below(uint64_t n)
{
	return n ? kx_rand() % n : 0;
}

/* An edge on a 1 GiB, 2 MiB and 4 KiB boundary, near a window's base. */
static uint64_t edge(struct src *s, uint64_t base)
{
	return base + (get(s, 1) % 8) * SZ_1G + (get(s, 2) % 512) * SZ_2M +
		(get(s, 2) % 512) * PG;
}

static bool invalid(const struct cfg *c, const struct kx_idmap_range *r,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((r[i].attr != KX_IDMAP_NORMAL && r[i].attr != KX_IDMAP_DEVICE) ||
		    r[i].size == 0 || (r[i].start | r[i].size) % PG ||
		    (u128)r[i].start + r[i].size > c->limit)
			return true;
		for (size_t j = 0; j < i; j++)
			if (r[i].attr != r[j].attr &&
			    (u128)r[i].start < (u128)r[j].start + r[j].size &&
			    (u128)r[j].start < (u128)r[i].start + r[i].size)
				return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src in = { data, size };
	const struct cfg *c = &cfgs[get(&in, 1) % KX_ARRAY_SIZE(cfgs)];
	struct kx_idmap_range r[12];
	size_t n = 1 + get(&in, 1) % 12, need = 0;
	uint64_t base, bytes = 0;
	struct fake m;
	struct map map;
	struct model md;
	enum kx_status st, st2;

	base = (get(&in, 1) & 1) ? c->limit - 8 * SZ_1G :
		(get(&in, 2) % (c->limit / SZ_1G - 8)) * SZ_1G;
	for (size_t i = 0; i < n; i++) {
		uint8_t how = (uint8_t)get(&in, 1);

		if (how & 1) {
			r[i].start = get(&in, 8);
			r[i].size = get(&in, 8);
		} else {
			r[i].start = edge(&in, base);
			r[i].size = how & 2 ? edge(&in, 0) :
				(get(&in, 1) % 3) * SZ_2M + (get(&in, 2) % 512) * PG;
		}
		r[i].attr = how & 4 ? (uint32_t)get(&in, 1) % 4 :
			1 + (uint32_t)((how >> 3) & 1);
	}
	rng = get(&in, 8) | 1;

	st = count(c, r, n, &need);
	if (invalid(c, r, n)) {
		check(st != KX_OK);
		fake_init(&m, 4, 0x100000);
		check(build(c, r, n, &m, &map) == st);
		check(m.used == 0);	/* checked before any page */
		fake_free(&m);
		return 0;
	}
	check(st == KX_OK && need > 0);
	if (need > 4096)
		return 0;
	model_init(&md, r, n);
	fake_init(&m, need, 0x40000000);
	check(build(c, r, n, &m, &map) == KX_OK);
	check(m.used == need && reachable(c, &m, &map) == need);
	check_edges(c, &m, &map, &md, r, n);
	/* The whole map, leaf by leaf, when it has few enough leaves. */
	for (size_t i = 0; i < md.n; i++)
		bytes += (md.run[i].end - md.run[i].start) / c->sizes[c->nsizes - 2];
	if (bytes < 20000) {
		struct leaves lv;

		collect(c, &m, &map, &md, &lv);
		check(lv.md.n == md.n);
		for (size_t i = 0; i < md.n; i++)
			check(lv.md.run[i].start == md.run[i].start &&
			      lv.md.run[i].end == md.run[i].end &&
			      lv.md.run[i].attr == md.run[i].attr);
	}
	fake_free(&m);
	/* One page short: a clean failure. */
	fake_init(&m, need, 0x40000000);
	m.limit = need - 1;
	st2 = build(c, r, n, &m, &map);
	check(st2 == KX_ERR_NO_MEMORY && m.used == need - 1);
	fake_free(&m);
	return 0;
}
