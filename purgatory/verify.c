/* SPDX-License-Identifier: MIT */
#include <kx/compiler.h>
#include <kx/lanes.h>
#include <kx/setup_page.h>
#include <kx/verify.h>

/*
 * Pieces of a region fed to both contexts at a time: bounded so that a
 * region larger than size_t (only possible on a 32-bit build) still works.
 */
#define PIECE (1u << 30)

enum kx_status kx_verify_regions(const struct kx_sha256_region *r, unsigned n,
				 const uint8_t expected[KX_SHA256_SIZE],
				 struct kx_verify *out)
{
	struct kx_sha256 all, one;
	uint8_t diff = 0;

	if (!r || !expected || !out || n > KX_VERIFY_MAX_REGIONS)
		return KX_ERR_INVAL;
	kx_memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n; i++)
		if (r[i].start + r[i].len < r[i].start)
			return KX_ERR_INVAL;
	kx_sha256_init(&all);
	out->impl = kx_sha256_get_impl()->name;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)r[i].start;
		uint64_t left = r[i].len;

		if (!left)
			continue;
		kx_sha256_init(&one);
		/*
		 * One pass over memory for both digests.  While every region
		 * so far was a multiple of 64 bytes (kexec-tools' are whole
		 * pages), both contexts are on a block boundary and
		 * kx_sha256_update2 hashes the same blocks into both with one
		 * message schedule; otherwise it alternates between them in
		 * cache-sized pieces.
		 */
		while (left) {
			size_t len = left < PIECE ? (size_t)left : PIECE;

			kx_sha256_update2(&all, &one, p, len);
			p += len;
			left -= len;
		}
		kx_sha256_final(&one, out->digest[i]);
		out->bytes += r[i].len;
		out->regions++;
	}
	kx_sha256_final(&all, out->combined);
	/* Compare all bytes: the result is what matters, not early exit. */
	for (unsigned i = 0; i < KX_SHA256_SIZE; i++)
		diff |= out->combined[i] ^ expected[i];
	return diff ? KX_ERR_DIGEST : KX_OK;
}

/* Calls fn on each entry of every SEGM and LANE table (type says which);
 * stops at the first status not KX_OK. */
typedef enum kx_status (*segment_fn)(void *ctx, unsigned index, uint32_t type,
				     uint8_t *entry);

static enum kx_status each_segment(struct kx_setup_reader *r, segment_fn fn,
				   void *ctx, unsigned *count)
{
	struct kx_setup_rec rec;
	struct kx_setup_fault f;
	enum kx_status st;
	unsigned n = 0;

	kx_setup_rewind(r);
	while ((st = kx_setup_next(r, &rec, &f)) == KX_OK) {
		struct kx_setup_table_view t;

		if ((rec.type != KX_REC_SEGMENTS && rec.type != KX_REC_LANES) ||
		    kx_setup_table(&rec, &t) != KX_OK)
			continue;
		for (uint32_t i = 0; i < t.count; i++, n++) {
			uint8_t *e = (uint8_t *)(uintptr_t)(t.entries + (size_t)i * t.entry_size);

			st = fn(ctx, n, rec.type, e);
			if (st != KX_OK)
				return st;
		}
	}
	if (st != KX_ERR_NOT_FOUND)
		return st;
	*count = n;
	return n ? KX_OK : KX_ERR_NOT_FOUND;
}

struct check_ctx {
	kx_verify_report_fn report;
	void *ctx;
	uint64_t bytes;
	uint64_t hashed;
	const struct kx_verify_hashed *pre;
	unsigned npre;
};

/* The digest pre computed for exactly this LANE entry, or NULL. */
static const struct kx_verify_hashed *precomputed(const struct check_ctx *c,
						 const struct kx_verify_seg *v)
{
	for (unsigned i = 0; v->lanes && i < c->npre; i++)
		if (c->pre[i].dest == v->dest && c->pre[i].size == v->size &&
		    c->pre[i].lanes == v->lanes)
			return &c->pre[i];
	return 0;
}

static enum kx_status check_one(void *ctx, unsigned index, uint32_t type,
				uint8_t *e)
{
	struct check_ctx *c = ctx;
	struct kx_verify_seg v;
	uint8_t got[KX_SHA256_SIZE];
	const struct kx_verify_hashed *pre;
	enum kx_status st = KX_OK;
	int ok;

	if (type == KX_REC_LANES) {
		struct kx_segment_lanes s;

		kx_memcpy(&s, e, sizeof(s));
		v = (struct kx_verify_seg){ s.dest, s.size, s.kind, s.lanes, 0,
					    kx_lanes_get_impl()->name, 0 };
	} else {
		struct kx_segment s;

		kx_memcpy(&s, e, sizeof(s));
		v = (struct kx_verify_seg){ s.dest, s.size, s.kind, 0, 0,
					    kx_sha256_get_impl()->name, 0 };
	}
	/* The digest field is at 0x10 in both entries. */
	v.expected = e + __builtin_offsetof(struct kx_segment, sha256);
	/* A segment that runs past the end of the address space is never
	 * hashed (nor entered). */
	if (v.size && v.size - 1 > UINT64_MAX - v.dest)
		return KX_ERR_RANGE;
	pre = precomputed(c, &v);
	if (pre) {
		/* Computed while the copy wrote this very range: compared. */
		kx_memcpy(got, pre->digest, sizeof(got));
		v.impl = pre->impl ? pre->impl : "?";
		v.precomputed = 1;
	} else if (v.lanes) {	/* N was checked by the reader: 1..KX_LANES_MAX */
		st = kx_lanes((const void *)(uintptr_t)v.dest, v.size, v.lanes, got);
		c->hashed += v.size;
	} else {
		kx_sha256((const void *)(uintptr_t)v.dest, v.size, got);
		c->hashed += v.size;
	}
	if (st != KX_OK)
		return st;
	ok = kx_memcmp(got, v.expected, sizeof(got)) == 0;
	if (c->report)
		c->report(c->ctx, index, &v, got, ok);
	c->bytes += v.size;
	return ok ? KX_OK : KX_ERR_DIGEST;
}

static enum kx_status mark_one(void *ctx, unsigned index, uint32_t type,
			       uint8_t *e)
{
	/* flags is at 0x34 in both entries. */
	uint8_t *flags = e + __builtin_offsetof(struct kx_segment, flags);

	(void)ctx;
	(void)index;
	(void)type;
	kx_put_le32(flags, kx_get_le32(flags) | KX_SEG_F_VERIFIED);
	return KX_OK;
}

enum kx_status kx_verify_setup_segments(struct kx_setup_reader *r,
					kx_verify_report_fn report, void *ctx,
					unsigned *segments, uint64_t *bytes)
{
	return kx_verify_setup_segments_pre(r, 0, 0, report, ctx, segments, bytes, 0);
}

enum kx_status kx_verify_setup_segments_pre(struct kx_setup_reader *r,
					    const struct kx_verify_hashed *pre,
					    unsigned npre,
					    kx_verify_report_fn report, void *ctx,
					    unsigned *segments, uint64_t *bytes,
					    uint64_t *hashed)
{
	struct check_ctx c = { report, ctx, 0, 0, pre, pre ? npre : 0 };
	unsigned n = 0, marked;
	enum kx_status st;

	if (!r)
		return KX_ERR_INVAL;
	st = each_segment(r, check_one, &c, &n);
	if (segments)
		*segments = n;
	if (bytes)
		*bytes = c.bytes;
	if (hashed)
		*hashed = c.hashed;
	if (st != KX_OK)
		return st;
	/* Empty segments prove nothing: at least one byte must be verified. */
	if (!c.bytes)
		return KX_ERR_NOT_FOUND;
	st = each_segment(r, mark_one, 0, &marked);
	if (st != KX_OK)
		return st;
	return kx_setup_reseal(r);
}
