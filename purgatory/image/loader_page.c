/* SPDX-License-Identifier: MIT */
/*
 * Purgatory's "loader page" mode, shared by both images: a kx loader
 * (kxboot) wrote the setup page itself, listing each segment with the
 * digest it took before leaving the firmware; purgatory hashes every
 * segment where the trampoline put it and refuses the hand-off at the
 * first that differs.
 */
#include <kx/compiler.h>
#include <kx/setup_page.h>
#include <kx/verify.h>
#include "report.h"

const char *kx_segment_kind_name(uint32_t kind)
{
	static const char *names[] = { "other", "kernel", "initrd", "cmdline", "dtb",
				       "purgatory", "boot_params", "elfcore" };

	return kind < KX_ARRAY_SIZE(names) ? names[kind] : "other";
}

enum kx_status kx_identity_map(void *ctx, uint64_t phys, uint32_t len,
			       const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

static void report_segment(void *ctx, unsigned index, const struct kx_segment *s,
			   const uint8_t actual[KX_SHA256_SIZE], int ok)
{
	(void)ctx;
	if (ok) {
		kx_say("kx:   %-11s 0x%llx +0x%llx sha256 ok\n",
		    kx_segment_kind_name(s->kind), (unsigned long long)s->dest,
		    (unsigned long long)s->size);
		return;
	}
	kx_say("kx: SHA-256 MISMATCH in segment %u (%s) at 0x%llx +0x%llx\n", index,
	    kx_segment_kind_name(s->kind), (unsigned long long)s->dest,
	    (unsigned long long)s->size);
	kx_say_digest("expected", s->sha256);
	kx_say_digest("actual  ", actual);
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

void kx_verify_loader_page(uint64_t page, unsigned *segments, uint64_t *bytes)
{
	struct kx_setup_reader r;
	enum kx_status st;

	kx_open_loader_page(&r, page, kx_identity_map, 0);
	st = kx_verify_setup_segments(&r, report_segment, 0, segments, bytes);
	if (st == KX_ERR_DIGEST)
		kx_refuse_st("a loaded segment does not match its digest", st);
	if (st != KX_OK)
		kx_refuse_st(st == KX_ERR_NOT_FOUND ? "the loader's setup page lists no segment"
						 : kx_strerror(st), st);
}
