/* SPDX-License-Identifier: MIT */
/*
 * Purgatory's "loader page" mode, shared by both images: a kx loader
 * (kxboot) wrote the setup page itself, listing each segment with the
 * digest it took before leaving the firmware; purgatory hashes every
 * segment where the trampoline put it and refuses the hand-off at the
 * first that differs.
 */
#include <kx/compiler.h>
#include <kx/elfcore.h>
#include <kx/idmap.h>
#include <kx/lanes.h>
#include <kx/setup_page.h>
#include <kx/verify.h>
#include "report.h"

enum kx_status kx_identity_map(void *ctx, uint64_t phys, uint32_t len,
			       const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

/* The copy's results, as purgatory took them (kx_verify_loader_page). */
static struct kx_verify_hashed pre[KX_COPY_HASHED_MAX];
static uint32_t pre_flags[KX_COPY_HASHED_MAX];
static unsigned npre;

/* How a segment's digest now was had: "hashed while copying" and such. */
static const char *how(const struct kx_verify_seg *s)
{
	if (!s->precomputed)
		return "hashed by purgatory";
	for (unsigned i = 0; i < npre; i++)
		if (pre[i].dest == s->dest && pre[i].size == s->size &&
		    pre[i].lanes == s->lanes)
			return (pre_flags[i] & KX_COPY_F_REREAD) ?
				"hashed by the trampoline after the copy, compared" :
				"hashed while copying, compared";
	return "?";
}

static void report_segment(void *ctx, unsigned index, const struct kx_verify_seg *s,
			   const uint8_t actual[KX_SHA256_SIZE], int ok)
{
	struct kx_loader_verified *out = ctx;

	if (ok) {
		kx_verified_add(s->dest, s->size);
		out->compared += s->precomputed;
		if (s->lanes)
			kx_say("kx:   %-11s 0x%llx +0x%llx kx-lanes/%u ok (%s, %s)\n",
			    kx_segment_kind(s->kind), (unsigned long long)s->dest,
			    (unsigned long long)s->size, s->lanes, s->impl, how(s));
		else
			kx_say("kx:   %-11s 0x%llx +0x%llx sha256 ok (%s, %s)\n",
			    kx_segment_kind(s->kind), (unsigned long long)s->dest,
			    (unsigned long long)s->size, s->impl, how(s));
		return;
	}
	kx_say("kx: %s MISMATCH in segment %u (%s) at 0x%llx +0x%llx (%s, %s)\n",
	    s->lanes ? "KX LANES DIGEST" : "SHA-256", index,
	    kx_segment_kind(s->kind), (unsigned long long)s->dest,
	    (unsigned long long)s->size, s->impl, how(s));
	kx_say_digest("expected", s->expected);
	kx_say_digest("actual  ", actual);
}

/*
 * The copy's results taken into pre[], then cleared where they lay: a
 * later entry into purgatory (a round trip's next call) never sees them.
 * Entries are only ever compared with a LANE entry they describe exactly
 * (kx_verify_setup_segments_pre); a count past the table, or an engine
 * index past the engines, is the copy's bug or a forgery: nothing is
 * taken then, and purgatory hashes everything itself.
 */
static void take_copy_results(void)
{
	struct kx_copy_hashed *c = &kx_copy_hashed;
	const struct kx_lanes_impl *impl;

	npre = 0;
	if (c->count <= KX_COPY_HASHED_MAX) {
		for (unsigned i = 0; i < c->count; i++) {
			const struct kx_copy_hashed_seg *s = &c->seg[i];

			impl = kx_lanes_impl_at(s->engine, 0);
			pre[npre] = (struct kx_verify_hashed){ .dest = s->dest, .size = s->size,
				.lanes = s->lanes, .impl = impl ? impl->name : "?" };
			kx_memcpy(pre[npre].digest, s->digest, KX_SHA256_SIZE);
			pre_flags[npre++] = s->flags;
		}
	} else {
		kx_say("kx: the copy's results claim %u segments (at most %u): none used\n",
		    c->count, (unsigned)KX_COPY_HASHED_MAX);
	}
	if (c->count) {
		kx_say("kx: one pass: the trampoline %s %llu pages and hashed %u segment%s "
		    "while copying,", c->mode == KX_PL_SWAP_DIGEST ? "swapped" : "copied",
		    (unsigned long long)c->pages, c->count, c->count == 1 ? "" : "s");
		kx_port_say_ticks(c->ticks);
		kx_say("; purgatory compares\n");
	}
	kx_memset(c, 0, sizeof(*c));
}

/* Says which of the copy's results describe no segment of the page: not
 * used (the segments they might have meant are hashed by purgatory). */
static void say_unmatched(uint64_t page)
{
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_fault f;
	struct kx_setup_table_view t;
	unsigned used = 0;	/* bit i: pre[i] matched */

	_Static_assert(KX_COPY_HASHED_MAX <= 8 * sizeof(used), "one bit per result");
	kx_open_loader_page(&r, page, kx_identity_map, 0);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type != KX_REC_LANES || kx_setup_table(&rec, &t) != KX_OK)
			continue;
		for (uint32_t i = 0; i < t.count; i++) {
			struct kx_segment_lanes e;

			kx_memcpy(&e, t.entries + (size_t)i * t.entry_size, sizeof(e));
			for (unsigned k = 0; k < npre; k++)
				if (pre[k].dest == e.dest && pre[k].size == e.size &&
				    pre[k].lanes == e.lanes)
					used |= 1u << k;
		}
	}
	for (unsigned k = 0; k < npre; k++)
		if (!(used & (1u << k)))
			kx_say("kx: the copy's digest of 0x%llx +0x%llx kx-lanes/%u describes no "
			    "segment of the setup page: not used\n",
			    (unsigned long long)pre[k].dest, (unsigned long long)pre[k].size,
			    pre[k].lanes);
}

void kx_open_loader_page(struct kx_setup_reader *r, uint64_t page,
			 kx_setup_map_fn map, void *ctx)
{
	struct kx_setup_fault f;
	enum kx_status st = kx_setup_open(r, page, map, ctx, &f);

	if (st != KX_OK) {
		kx_say("kx: loader's setup page at 0x%llx: %s (%s), page %u at 0x%llx offset 0x%x\n",
		    (unsigned long long)page, kx_status_name(st), kx_strerror(st),
		    f.page, (unsigned long long)f.phys, f.offset);
		kx_refuse_st("invalid setup page", st);
	}
}

void kx_verify_loader_page(uint64_t page, struct kx_loader_verified *out)
{
	struct kx_setup_reader r;
	enum kx_status st;

	take_copy_results();
	say_unmatched(page);
	kx_memset(out, 0, sizeof(*out));
	kx_open_loader_page(&r, page, kx_identity_map, 0);
	st = kx_verify_setup_segments_pre(&r, pre, npre, report_segment, out, &out->segments,
					  &out->bytes, &out->hashed);
	if (st == KX_ERR_DIGEST)
		kx_refuse_st("a loaded segment does not match its digest", st);
	if (st != KX_OK)
		kx_refuse_st(st == KX_ERR_NOT_FOUND ? "the loader's setup page lists no segment"
						 : kx_strerror(st), st);
}

/*
 * A round trip's ELF core header: in a page flagged KX_SETUP_F_SWAP, the
 * ELFH record names a header of the caller's memory as the loader wrote
 * it; purgatory rewrites its PT_LOADs with the BKEX map, in place (it may
 * grow, splitting program headers, up to the end of the page holding its
 * last byte), so that they say where each range of the caller's memory is
 * kept while the image runs, and updates the record's size.
 */
void kx_fixup_loader_core(uint64_t page)
{
	static struct kx_backup_extent ext[KX_LOADER_MAX_EXTENTS];
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_fault f;
	struct kx_setup_table_view t;
	uint8_t *size_field = 0;
	uint64_t addr = 0, size = 0;
	size_t len;
	unsigned n = 0, loads_before = 0;
	enum kx_status st;

	kx_open_loader_page(&r, page, kx_identity_map, 0);
	if (!(kx_setup_flags(&r) & KX_SETUP_F_SWAP))
		return;
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type == KX_REC_ELFCORE && rec.payload_size >= 16) {
			addr = kx_get_le64(rec.payload);
			size = kx_get_le64(rec.payload + 8);
			size_field = (uint8_t *)(uintptr_t)(rec.phys + 16);
		} else if (rec.type == KX_REC_BACKUP && kx_setup_table(&rec, &t) == KX_OK) {
			for (uint32_t i = 0; i < t.count; i++) {
				if (n == KX_LOADER_MAX_EXTENTS)
					kx_refuse_st("the backup map has too many extents for the ELF core header",
						     KX_ERR_NO_SPACE);
				kx_memcpy(&ext[n++], t.entries + (size_t)i * t.entry_size,
					  sizeof(ext[0]));
			}
		}
	}
	if (!addr || !size)
		return;
	/* Fixed up in place to the end of its page: never over what was
	 * verified, never past the end of the address space. */
	if (size > UINT64_MAX - addr || KX_ALIGN_UP(addr + size, 4096ull) < addr + size ||
	    kx_verified_overlaps(addr, KX_ALIGN_UP(addr + size, 4096ull) - addr)) {
		kx_say("kx: ELF core header at 0x%llx +0x%llx\n", (unsigned long long)addr,
		    (unsigned long long)size);
		kx_refuse_st("the ELF core header wraps or lies in verified memory", KX_ERR_RANGE);
	}
	len = size;
	if (kx_elfcore_check((const uint8_t *)(uintptr_t)addr, size) == KX_OK)
		loads_before = kx_get_le16((const uint8_t *)(uintptr_t)addr + 56);
	st = kx_elfcore_fixup((uint8_t *)(uintptr_t)addr, &len,
			      KX_ALIGN_UP(addr + size, 4096ull) - addr, ext, n);
	if (st != KX_OK) {
		kx_say("kx: ELF core header at 0x%llx +0x%llx: %s\n", (unsigned long long)addr,
		    (unsigned long long)size, kx_strerror(st));
		kx_refuse_st("the ELF core header cannot be fixed up", st);
	}
	kx_put_le64(size_field, len);
	st = kx_setup_reseal(&r);
	if (st != KX_OK)
		kx_refuse_st("setup page not resealed after the ELF core header fix-up", st);
	kx_say("kx: ELF core header at 0x%llx fixed up with %u backup extents: %u program headers, now %u (0x%llx bytes)\n",
	    (unsigned long long)addr, n, loads_before,
	    kx_get_le16((const uint8_t *)(uintptr_t)addr + 56), (unsigned long long)len);
}

/* ------------------------------------------------------------ mapping */

/* a and b (page aligned, end > start) overlap or touch. */
static int meets(const struct kx_idmap_range *a, uint64_t start, uint64_t end)
{
	return start <= a->start + a->size && a->start <= end;
}

enum kx_status kx_map_add(struct kx_map_ranges *rs, uint64_t start, uint64_t len,
			  uint32_t attr)
{
	uint64_t end, lo, hi;
	size_t i;

	if (!len)
		return KX_OK;
	if (len - 1 > UINT64_MAX - start)
		return KX_ERR_RANGE;
	end = start + (len - 1);
	if (end > UINT64_MAX - KX_PAGE_SIZE)
		return KX_ERR_RANGE;
	lo = start & ~(uint64_t)(KX_PAGE_SIZE - 1);
	hi = KX_ALIGN_UP(end + 1, (uint64_t)KX_PAGE_SIZE);
	/* Merged into every range of its attribute it meets: the set stays
	 * disjoint per attribute, and a chain of adjacent pages is one range. */
	for (i = 0; i < rs->n;) {
		struct kx_idmap_range *r = &rs->r[i];

		if (r->attr != attr || !meets(r, lo, hi)) {
			i++;
			continue;
		}
		lo = KX_MIN(lo, r->start);
		hi = KX_MAX(hi, r->start + r->size);
		rs->r[i] = rs->r[--rs->n];
		i = 0;	/* grown: it may meet one it did not */
	}
	if (rs->n == KX_ARRAY_SIZE(rs->r))
		return KX_ERR_NO_SPACE;
	rs->r[rs->n++] = (struct kx_idmap_range){ .start = lo, .size = hi - lo, .attr = attr };
	return KX_OK;
}

/* The setup page's own pages, recorded as the reader maps them. */
static enum kx_status record_page(void *ctx, uint64_t phys, uint32_t len,
				  const void **out)
{
	enum kx_status st = kx_map_add(ctx, phys, len, KX_IDMAP_NORMAL);

	if (st != KX_OK)
		return st;
	return kx_identity_map(0, phys, len, out);
}

void kx_map_loader_page(struct kx_map_ranges *rs, struct kx_handoff *h, uint64_t page)
{
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_table_view t;
	struct kx_setup_fault f;

	kx_open_loader_page(&r, page, record_page, rs);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type == KX_REC_JUMP_BACK && (kx_setup_flags(&r) & KX_SETUP_F_SWAP) &&
		    rec.payload_size >= 8)
			h->jump_back = kx_get_le64(rec.payload);
		/* A round trip's ELF core header, fixed up in place: to the end
		 * of its page (kx_fixup_loader_core). */
		if (rec.type == KX_REC_ELFCORE && rec.payload_size >= 16) {
			uint64_t a = kx_get_le64(rec.payload), n = kx_get_le64(rec.payload + 8);

			if (n && (n > UINT64_MAX - a ||
				  kx_map_add(rs, a, KX_ALIGN_UP(a + n, (uint64_t)KX_PAGE_SIZE) - a,
					     KX_IDMAP_NORMAL) != KX_OK))
				kx_refuse_st("the ELF core header cannot be mapped", KX_ERR_RANGE);
		}
		/* Segments with either digest: dest and size lead both entries. */
		if ((rec.type != KX_REC_SEGMENTS && rec.type != KX_REC_LANES) ||
		    kx_setup_table(&rec, &t) != KX_OK)
			continue;
		for (uint32_t i = 0; i < t.count; i++) {
			struct kx_segment s;
			enum kx_status st;

			kx_memcpy(&s, t.entries + (size_t)i * t.entry_size, 16);
			st = kx_map_add(rs, s.dest, s.size, KX_IDMAP_NORMAL);
			if (st == KX_ERR_NO_SPACE) {
				kx_say("kx: the loader's setup page names more than %u ranges to map "
				    "(%u segments at most)\n", (unsigned)KX_MAP_RANGES_MAX,
				    (unsigned)KX_VERIFIED_MAX);
				kx_refuse_st("the loader's setup page lists too many segments to map", st);
			}
			if (st != KX_OK)
				kx_refuse_st("a segment of the loader's setup page wraps", st);
		}
	}
}

const char *kx_map_purgatory(struct kx_map_ranges *rs, uint64_t image,
			     uint64_t image_end, uint64_t dtb_addr, uint64_t dtb,
			     uint64_t console)
{
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
		if (kx_map_add(rs, sha256_regions[i].start, sha256_regions[i].len,
			       KX_IDMAP_NORMAL) != KX_OK)
			return "a region wraps around the address space";
	if (kx_map_add(rs, image, image_end - image, KX_IDMAP_NORMAL) != KX_OK)
		return "no room to map purgatory itself";
	if (kx_map_add(rs, dtb_addr, dtb, KX_IDMAP_NORMAL) != KX_OK)
		return "the DTB cannot be mapped";
	if (console && kx_map_add(rs, console, 1, KX_IDMAP_DEVICE) != KX_OK)
		return "the console cannot be mapped";
	return 0;
}
