/* SPDX-License-Identifier: MIT */
/*
 * The KX lanes digest (docs/abi.md, 2.6): the streaming layer shared by
 * every engine, the portable engine, and the run-time choice.  The
 * accelerated engines (SHA-NI chains, AVX2/AVX-512 multi-buffer, ARMv8
 * SHA2 chains) live in purgatory/arch/<arch>/.
 */
#include <stdbool.h>
#include <kx/compiler.h>
#include <kx/lanes.h>
#include "sha256_arch.h"

#define PAGE_BLOCKS (KX_LANES_PAGE / KX_SHA256_BLOCK)

/* One chain after the other, with the portable SHA-256 block function. */
static void lanes_blocks_portable(uint32_t (*state)[8], const uint8_t *data,
				  size_t stride, unsigned n, size_t nblocks)
{
	kx_sha256_blocks_fn blocks = kx_sha256_impl_at(0, 0)->blocks;

	for (unsigned k = 0; k < n; k++)
		blocks(state[k], data + k * stride, nblocks);
}

static const struct kx_lanes_impl lanes_portable = {
	.name = "portable",
	.width = 1,
	.blocks = lanes_blocks_portable,
};

const struct kx_lanes_impl *kx_lanes_impl_at(unsigned i, int *usable)
{
	const struct kx_lanes_impl *impl = &lanes_portable;
	bool ok = true;

	if (i > 0)
		impl = kx_lanes_arch_impl(i - 1, &ok);
	if (usable)
		*usable = impl && ok;
	return impl;
}

static const struct kx_lanes_impl *lanes_best_cached;
static const struct kx_lanes_impl *lanes_chosen;

const struct kx_lanes_impl *kx_lanes_best(void)
{
	const struct kx_lanes_impl *impl;
	int usable;

	if (lanes_best_cached)
		return lanes_best_cached;
	/* Arch engines come best first, after the portable one. */
	lanes_best_cached = &lanes_portable;
	for (unsigned i = 1; (impl = kx_lanes_impl_at(i, &usable)); i++) {
		if (usable) {
			lanes_best_cached = impl;
			break;
		}
	}
	return lanes_best_cached;
}

enum kx_status kx_lanes_set_impl(const struct kx_lanes_impl *impl)
{
	const struct kx_lanes_impl *known;
	int usable;

	if (!impl) {
		lanes_chosen = 0;
		return KX_OK;
	}
	/* Only what is built in: the pointer is called from purgatory. */
	for (unsigned i = 0; (known = kx_lanes_impl_at(i, &usable)); i++) {
		if (known == impl) {
			if (!usable)
				return KX_ERR_UNSUPPORTED;
			lanes_chosen = impl;
			return KX_OK;
		}
	}
	return KX_ERR_INVAL;
}

const struct kx_lanes_impl *kx_lanes_get_impl(void)
{
	return lanes_chosen ? lanes_chosen : kx_lanes_best();
}

/* ------------------------------------------------------------ streaming */

enum kx_status kx_lanes_init_impl(struct kx_lanes *c, unsigned lanes,
				  const struct kx_lanes_impl *impl)
{
	struct kx_sha256 h0;

	if (!c || !impl || lanes < KX_LANES_MIN || lanes > KX_LANES_MAX)
		return KX_ERR_INVAL;
	kx_sha256_init(&h0);
	for (unsigned i = 0; i < lanes; i++)
		kx_memcpy(c->state[i], h0.state, sizeof(h0.state));
	c->bytes = 0;
	c->lanes = lanes;
	c->tail_len = 0;
	c->impl = impl;
	return KX_OK;
}

enum kx_status kx_lanes_init(struct kx_lanes *c, unsigned lanes)
{
	return kx_lanes_init_impl(c, lanes, kx_lanes_get_impl());
}

enum kx_status kx_lanes_update(struct kx_lanes *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t page;
	unsigned lane, g;

	if (!len)
		return KX_OK;
	/* Only the last page may be partial. */
	if (!KX_IS_ALIGNED(c->bytes, (uint64_t)KX_LANES_PAGE))
		return KX_ERR_INVAL;
	page = c->bytes / KX_LANES_PAGE;
	/*
	 * Consecutive pages belong to consecutive lanes: a group of up to
	 * the engine's width of them, not wrapping past lane N-1, advances
	 * that many adjacent lane states in one call.
	 */
	while (len >= KX_LANES_PAGE) {
		lane = (unsigned)(page % c->lanes);
		g = KX_MIN(c->impl->width, c->lanes - lane);
		g = (unsigned)KX_MIN((size_t)g, len / KX_LANES_PAGE);
		c->impl->blocks(&c->state[lane], p, KX_LANES_PAGE, g, PAGE_BLOCKS);
		p += (size_t)g * KX_LANES_PAGE;
		len -= (size_t)g * KX_LANES_PAGE;
		page += g;
	}
	c->bytes = page * KX_LANES_PAGE;
	if (len) {
		/* The last page, partial: whole blocks now, the rest at final. */
		size_t nb = len / KX_SHA256_BLOCK;

		lane = (unsigned)(page % c->lanes);
		if (nb)
			c->impl->blocks(&c->state[lane], p, KX_LANES_PAGE, 1, nb);
		c->tail_len = (uint32_t)(len - nb * KX_SHA256_BLOCK);
		kx_memcpy(c->tail, p + nb * KX_SHA256_BLOCK, c->tail_len);
		c->bytes += len;
	}
	return KX_OK;
}

void kx_lanes_final(struct kx_lanes *c, uint8_t out[KX_SHA256_SIZE])
{
	uint64_t pages = c->bytes / KX_LANES_PAGE;	/* whole ones */
	uint32_t partial = (uint32_t)(c->bytes % KX_LANES_PAGE);
	unsigned last = (unsigned)(pages % c->lanes);	/* lane of a partial page */
	struct kx_sha256 outer, lane;
	uint8_t d[KX_SHA256_SIZE];

	kx_sha256_init(&outer);
	for (unsigned i = 0; i < c->lanes; i++) {
		/* Lane i's whole pages: those j < pages with j % N == i. */
		uint64_t len = (pages / c->lanes + (i < pages % c->lanes)) *
			       (uint64_t)KX_LANES_PAGE;

		kx_sha256_init(&lane);
		kx_memcpy(lane.state, c->state[i], sizeof(lane.state));
		if (partial && i == last) {
			/* Its whole blocks are in the state, the rest in tail. */
			lane.bytes = len + partial - c->tail_len;
			kx_sha256_update(&lane, c->tail, c->tail_len);
		} else {
			lane.bytes = len;
		}
		kx_sha256_final(&lane, d);
		kx_sha256_update(&outer, d, sizeof(d));
	}
	kx_sha256_final(&outer, out);
}

enum kx_status kx_lanes(const void *data, uint64_t size, unsigned lanes,
			uint8_t out[KX_SHA256_SIZE])
{
	/* Static: 2 KiB of states does not belong on purgatory's stack. */
	static struct kx_lanes c;
	const uint8_t *p = data;
	enum kx_status st;

	st = kx_lanes_init(&c, lanes);
	/* Pieces of at most 1 GiB: size_t may be narrower than size. */
	while (st == KX_OK && size) {
		size_t n = size < (1u << 30) ? (size_t)size : (1u << 30);

		st = kx_lanes_update(&c, p, n);
		p += n;
		size -= n;
	}
	if (st == KX_OK)
		kx_lanes_final(&c, out);
	return st;
}

/* ------------------------------------------------- while copying */

void kx_lanes_copy_init(struct kx_lanes_copy *lc, struct kx_lanes_seg *segs,
			unsigned n)
{
	lc->segs = segs;
	lc->nsegs = n;
	lc->run_seg = 0;
	lc->run_off = 0;
	lc->run_pages = 0;
	lc->pages = 0;
	lc->grp_n = 0;
	for (unsigned i = 0; i < n; i++) {
		segs[i].next = 0;
		segs[i].reread = 0;
	}
}

/* Hashes the pending run of pages from where they were written. */
static void copy_flush(struct kx_lanes_copy *lc)
{
	struct kx_lanes_seg *s = &lc->segs[lc->run_seg];
	uint64_t len = KX_MIN(lc->run_pages * KX_LANES_PAGE, s->size - lc->run_off);

	if (lc->run_pages)
		kx_lanes_update(&s->ctx, (const uint8_t *)(uintptr_t)(s->dest + lc->run_off),
				(size_t)len);
	lc->run_pages = 0;
}

/* The segment holding dest, or nsegs: few, and usually the one of the
 * pending run. */
static unsigned seg_of(const struct kx_lanes_copy *lc, uint64_t dest)
{
	for (unsigned i = 0; i < lc->nsegs; i++) {
		unsigned k = (lc->run_seg + i) % lc->nsegs;
		const struct kx_lanes_seg *s = &lc->segs[k];

		if (dest >= s->dest && dest - s->dest < s->size)
			return k;
	}
	return lc->nsegs;
}

void kx_lanes_copy_page(struct kx_lanes_copy *lc, uint64_t dest)
{
	unsigned i = seg_of(lc, dest);
	struct kx_lanes_seg *s;
	uint64_t off;

	if (i >= lc->nsegs)
		return;
	s = &lc->segs[i];
	off = dest - s->dest;
	lc->pages++;
	if (s->reread)
		return;
	if (off != s->next) {
		/* Early, late or twice: the lanes cannot take it now. */
		if (lc->run_pages && lc->run_seg == i)
			lc->run_pages = 0;
		s->reread = 1;
		return;
	}
	s->next = off + KX_LANES_PAGE;
	if (lc->run_pages && (lc->run_seg != i ||
			      lc->run_off + lc->run_pages * KX_LANES_PAGE != off))
		copy_flush(lc);
	if (!lc->run_pages) {
		lc->run_seg = i;
		lc->run_off = off;
	}
	if (++lc->run_pages == KX_LANES_BATCH)
		copy_flush(lc);
}

void kx_lanes_copy_chunk(uint32_t *state, const uint8_t *part, size_t nblocks)
{
	uintptr_t end = (uintptr_t)part + nblocks * KX_SHA256_BLOCK;

	if (KX_IS_ALIGNED(end, (uintptr_t)KX_LANES_PAGE))
		kx_lanes_copy_page((struct kx_lanes_copy *)(void *)state,
				   (uint64_t)(end - KX_LANES_PAGE));
}

/* ------------------------------------- copies that come with the hash */

/* The group's lanes: from the lane of its first page, at most the
 * engine's width and not past lane N-1 (as kx_lanes_update deals them). */
static unsigned grp_limit(const struct kx_lanes_copy *lc)
{
	const struct kx_lanes *c = &lc->segs[lc->grp_seg].ctx;
	unsigned lane = (unsigned)((lc->grp_off / KX_LANES_PAGE) % c->lanes);

	return KX_MIN(KX_MIN(c->impl->width, c->lanes - lane),
		      (unsigned)KX_LANES_GROUP_MAX);
}

void kx_lanes_copy_drain(struct kx_lanes_copy *lc)
{
	struct kx_lanes *c;
	unsigned lane;

	if (!lc->grp_n)
		return;
	c = &lc->segs[lc->grp_seg].ctx;
	lane = (unsigned)((lc->grp_off / KX_LANES_PAGE) % c->lanes);
	c->impl->copy_blocks(&c->state[lane], lc->grp_src, lc->grp_dst, lc->grp_n,
			     PAGE_BLOCKS);
	c->bytes = lc->grp_off + (uint64_t)lc->grp_n * KX_LANES_PAGE;
	lc->grp_n = 0;
}

/*
 * Holds the copy src -> dest back in the group if it is the next whole
 * page of the group's segment (or may start a group) and no copy held
 * back writes src or reads dest: then the group's copies can run side by
 * side, in any order, with the same result as in list order.
 */
static bool grp_take(struct kx_lanes_copy *lc, uint64_t dest, uint64_t src)
{
	unsigned i = seg_of(lc, dest);
	struct kx_lanes_seg *s;
	uint64_t off;

	if (i >= lc->nsegs)
		return false;
	s = &lc->segs[i];
	off = dest - s->dest;
	if (s->reread || off != s->next || s->size - off < KX_LANES_PAGE ||
	    !s->ctx.impl->copy_blocks)
		return false;
	if (lc->grp_n) {
		if (lc->grp_seg != i || lc->grp_n >= grp_limit(lc))
			return false;
		for (unsigned k = 0; k < lc->grp_n; k++)
			if ((uintptr_t)lc->grp_dst[k] == src ||
			    (uintptr_t)lc->grp_src[k] == dest)
				return false;
	} else {
		/* The segment's lanes must have everything before it. */
		if (lc->run_pages && lc->run_seg == i)
			copy_flush(lc);
		lc->grp_seg = i;
		lc->grp_off = off;
	}
	lc->grp_src[lc->grp_n] = (const uint8_t *)(uintptr_t)src;
	lc->grp_dst[lc->grp_n] = (uint8_t *)(uintptr_t)dest;
	lc->grp_n++;
	s->next = off + KX_LANES_PAGE;
	lc->pages++;
	return true;
}

void kx_lanes_copy_move(struct kx_lanes_copy *lc, uint64_t dest, uint64_t src)
{
	if (!grp_take(lc, dest, src)) {
		/* Whatever waits goes first, in list order. */
		kx_lanes_copy_drain(lc);
		if (!grp_take(lc, dest, src)) {
			kx_memmove((void *)(uintptr_t)dest,
				   (const void *)(uintptr_t)src, KX_LANES_PAGE);
			kx_lanes_copy_page(lc, dest);
		}
	}
	if (lc->grp_n && lc->grp_n == grp_limit(lc))
		kx_lanes_copy_drain(lc);
}

void kx_lanes_copy_finish(struct kx_lanes_copy *lc)
{
	kx_lanes_copy_drain(lc);
	copy_flush(lc);
	for (unsigned i = 0; i < lc->nsegs; i++) {
		struct kx_lanes_seg *s = &lc->segs[i];
		const uint8_t *p = (const uint8_t *)(uintptr_t)s->dest;
		uint64_t left = s->size;

		if (s->next < s->size)
			s->reread = 1;
		if (s->reread) {
			/* Start again from the destination, in order. */
			kx_lanes_init_impl(&s->ctx, s->ctx.lanes, s->ctx.impl);
			while (left) {
				size_t n = left < (1u << 30) ? (size_t)left : (1u << 30);

				kx_lanes_update(&s->ctx, p, n);
				p += n;
				left -= n;
			}
		}
		kx_lanes_final(&s->ctx, s->digest);
	}
}
