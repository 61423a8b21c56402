/* SPDX-License-Identifier: MIT */
/*
 * The purgatory program, one for both architectures: what runs between
 * the relocation code (Linux's, Xen's or kx's trampoline) and the next
 * image.  It verifies what was loaded and refuses, loudly, anything that
 * does not match; saves a crash kernel's backup region; leaves the next
 * kernel a setup page (or verifies the one a kx loader wrote); and enters.
 * What differs per architecture is behind the port (port.h).
 *
 * The variables below are set by kexec-tools by name (elf_rel_set_symbol),
 * which checks their sizes: names, types and sizes are kexec-tools' own.
 */
#include <kx/compiler.h>
#include <kx/format.h>
#include <kx/pool.h>
#include <kx/purgatory.h>
#include <kx/setup_page.h>
#include <kx/verify.h>
#include "report.h"

struct kx_sha256_region sha256_regions[KX_VERIFY_MAX_REGIONS] = { { 0, 0 } };
uint8_t sha256_digest[KX_SHA256_SIZE] = { 0 };
int skip_checks = 0;

/* kx's own loaders' (include/kx/purgatory.h). */
uint64_t kx_setup_page = 0;
uint64_t kx_handoff_ticks = 0;

struct kx_handoff kx_handoff;

/* The setup page purgatory writes: pages the next kernel is told to keep. */
static uint8_t setup_area[KX_PURGATORY_SETUP_PAGES][KX_PAGE_SIZE]
	__attribute__((aligned(KX_PAGE_SIZE)));

/* Long enough for any kernel's command line (x86 and arm64: 2048) and ours. */
#define CMDLINE_MAX 4096
static char final_cmdline[CMDLINE_MAX];

/* What was verified, for the entry and post-verification checks. */
static struct {
	uint64_t start, end;	/* [start, end), end 0: the top of the address space */
} verified_ranges[KX_VERIFIED_MAX];
static unsigned nverified;

void kx_verified_add(uint64_t start, uint64_t size)
{
	if (!size)
		return;
	if (size - 1 > UINT64_MAX - start)
		kx_refuse_st("a verified range runs past the end of the address space",
			     KX_ERR_RANGE);
	if (nverified == KX_VERIFIED_MAX)
		kx_refuse_st("more verified ranges than purgatory can keep", KX_ERR_NO_SPACE);
	verified_ranges[nverified].start = start;
	verified_ranges[nverified].end = start + size;
	nverified++;
}

int kx_verified_contains(uint64_t addr)
{
	for (unsigned i = 0; i < nverified; i++)
		if (addr >= verified_ranges[i].start && addr - verified_ranges[i].start <
		    verified_ranges[i].end - verified_ranges[i].start)
			return 1;
	return 0;
}

int kx_verified_overlaps(uint64_t start, uint64_t size)
{
	uint64_t last;

	if (!size)
		return 0;
	if (size - 1 > UINT64_MAX - start)
		return 1;
	last = start + (size - 1);
	for (unsigned i = 0; i < nverified; i++)
		if (start <= verified_ranges[i].end - 1 && last >= verified_ranges[i].start)
			return 1;
	return 0;
}

static int any_region(void)
{
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
		if (sha256_regions[i].len)
			return 1;
	return 0;
}

static int within(uint64_t a, const struct kx_sha256_region *r)
{
	return a && a >= r->start && a - r->start < r->len;
}

/* kexec-tools' regions against its one digest; each region's kept in v. */
static void verify_regions(const struct kx_handoff *h, struct kx_verify *v)
{
	uint64_t t0 = kx_port_ticks(), t1;
	enum kx_status st;

	st = kx_verify_regions(sha256_regions, KX_VERIFY_MAX_REGIONS,
			       sha256_digest, v);
	t1 = kx_port_ticks();
	if (st == KX_OK) {
		for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
			kx_verified_add(sha256_regions[i].start, sha256_regions[i].len);
		kx_say("kx: sha256 ok: %u regions, %llu bytes, %s%s,", v->regions,
		    (unsigned long long)v->bytes, v->impl, h->mmu);
		kx_port_say_ticks(t1 - t0);
		kx_say("\n");
		return;
	}
	kx_say("kx: SHA-256 MISMATCH over %u regions, %llu bytes (%s%s)\n",
	    v->regions, (unsigned long long)v->bytes, v->impl, h->mmu);
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		if (!sha256_regions[i].len)
			continue;
		kx_say("kx:   region %u: 0x%llx +0x%llx\n", i,
		    (unsigned long long)sha256_regions[i].start,
		    (unsigned long long)sha256_regions[i].len);
	}
	kx_say_digest("expected", sha256_digest);
	kx_say_digest("actual  ", v->combined);
	kx_refuse_st(st == KX_ERR_DIGEST ? "loaded segments do not match their digest"
				      : kx_strerror(st), st);
}

/*
 * A kx loader's page: each segment it lists hashed where it now lies, the
 * ELF core header of a round trip fixed up, the page resealed.
 */
static void verify_loader_page(const struct kx_handoff *h)
{
	struct kx_loader_verified v;
	uint64_t t0 = kx_port_ticks();

	kx_verify_loader_page(kx_setup_page, &v);
	kx_fixup_loader_core(kx_setup_page);
	kx_say("kx: sha256 ok: %u segments, %llu bytes, %s%s,", v.segments,
	    (unsigned long long)v.bytes, kx_sha256_get_impl()->name, h->mmu);
	kx_port_say_ticks(kx_port_ticks() - t0);
	kx_say("; %u compared with the copy's digests, %llu bytes hashed by purgatory\n",
	    v.compared, (unsigned long long)v.hashed);
}

/* kexec-tools' regions as setup-page segments, each named by what lies in it. */
static unsigned segments_from_regions(const struct kx_handoff *h,
				      const struct kx_verify *v, int verified,
				      struct kx_segment seg[KX_VERIFY_MAX_REGIONS])
{
	unsigned n = 0;

	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		const struct kx_sha256_region *r = &sha256_regions[i];
		struct kx_segment *s = &seg[n];

		if (!r->len)
			continue;
		kx_memset(s, 0, sizeof(*s));
		s->dest = r->start;
		s->size = r->len;
		kx_memcpy(s->sha256, v->digest[i], KX_SHA256_SIZE);
		s->flags = verified ? KX_SEG_F_VERIFIED : 0;
		if (within(h->boot_params, r))
			s->kind = KX_SEG_BOOT_PARAMS;
		else if (within(h->dtb, r))
			s->kind = KX_SEG_DTB;
		else if (h->initrd && r->start == h->initrd)
			s->kind = KX_SEG_INITRD;
		else if (within(h->elfcore[0], r))
			s->kind = KX_SEG_ELFCORE;
		else if (within(h->entry, r))
			s->kind = KX_SEG_KERNEL;
		else
			s->kind = KX_SEG_OTHER;
		n++;
	}
	return n;
}

/*
 * The setup page (docs/abi.md): segments with their digests, a crash
 * kernel's backup map and ELF core header, the memory map and the command
 * line the next kernel will see.
 */
static enum kx_status write_setup_page(struct kx_handoff *h,
				       const struct kx_verify *v, int verified,
				       const char *cmdline, uint8_t *area,
				       unsigned pages)
{
	static struct kx_segment seg[KX_VERIFY_MAX_REGIONS];
	struct kx_page_pool pool = { area, (uintptr_t)area, pages, 0 };
	struct kx_backup_extent backup = {
		h->backup_src, h->backup_dst,
		(h->backup_size + KX_PAGE_SIZE - 1) / KX_PAGE_SIZE,
	};
	struct kx_setup_content c = {
		.flags = (h->crash ? KX_SETUP_F_CRASH : 0) | (h->swap ? KX_SETUP_F_SWAP : 0),
		.segs = seg,
		.nsegs = segments_from_regions(h, v, verified, seg),
		.backup = &backup,
		.nbackup = h->backup_size ? 1 : 0,
		.memmap = h->mem,
		.nmemmap = h->nmem,
		.elfcore = h->elfcore[0],
		.elfcore_size = h->elfcore[1],
		.cmdline = cmdline,
	};
	uint64_t head;
	enum kx_status st;

	/* The ELF core header's size, when the command line gave none: its
	 * region's. */
	for (unsigned i = 0; c.elfcore && !c.elfcore_size && i < c.nsegs; i++)
		if (seg[i].kind == KX_SEG_ELFCORE)
			c.elfcore_size = seg[i].size;
	/* What only the port knows (a kexec jump's way back and map). */
	kx_port_content(h, &c);
	st = kx_setup_write(&c, kx_page_pool_alloc, &pool, &head);
	/* The pool hands out the area's first page first: the head is where
	 * the page is announced. */
	if (st == KX_OK && head != (uintptr_t)area)
		return KX_ERR_INVAL;
	return st;
}

/*
 * Written first, announced after: a page that cannot be made is never
 * announced.  One that cannot be announced is still written, for loaders
 * that know where it is.
 */
static void setup_page(struct kx_handoff *h, const struct kx_verify *v, int verified)
{
	uint8_t *area = setup_area[0];
	unsigned pages = KX_PURGATORY_SETUP_PAGES;
	uint64_t setup;
	const char *no;
	enum kx_status st;

	kx_port_setup_area(h, &area, &pages);
	setup = (uintptr_t)area;
	no = kx_port_plan(h, setup, (uint64_t)pages * KX_PAGE_SIZE, final_cmdline,
			  sizeof(final_cmdline));
	st = write_setup_page(h, v, verified, no ? h->cmdline : final_cmdline, area, pages);
	if (st != KX_OK)
		kx_say("kx: setup page not written: %s\n", kx_strerror(st));
	else if (no)
		kx_say("kx: setup page at 0x%llx NOT announced (%s): only for loaders "
		    "that know where it is\n", (unsigned long long)setup, no);
	else
		kx_port_announce(h, setup, (uint64_t)pages * KX_PAGE_SIZE);
}

/* How many verified ranges [start, start + size) meets. */
static unsigned verified_met(uint64_t start, uint64_t size)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nverified; i++)
		if (start <= verified_ranges[i].end - 1 &&
		    start + (size - 1) >= verified_ranges[i].start)
			n++;
	return n;
}

/*
 * Where a crash kernel's backup may be written.  kexec-tools hashes the
 * backup segment while it is empty and asks purgatory to fill it after
 * verification: the one write into verified memory it makes.  Allowed
 * into a region of its own (holding neither the entry nor anything the
 * hand-off names) and nowhere else verified (docs/abi.md 2.5).
 */
static int backup_target_ok(const struct kx_handoff *h)
{
	uint64_t dst = h->backup_dst, n = h->backup_size;

	if (n - 1 > UINT64_MAX - dst || n - 1 > UINT64_MAX - h->backup_src)
		return 0;
	if (!verified_met(dst, n))
		return 1;
	if (verified_met(dst, n) != 1)
		return 0;
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		const struct kx_sha256_region *r = &sha256_regions[i];

		if (!r->len || dst < r->start || n > r->len || dst - r->start > r->len - n)
			continue;
		return !within(h->entry, r) && !within(h->boot_params, r) &&
		       !within(h->dtb, r) && !within(h->initrd, r) &&
		       !within(h->elfcore[0], r);
	}
	return 0;
}

/* A crash kernel's backup region, saved before the capture kernel runs. */
static void save_backup(const struct kx_handoff *h)
{
	if (!h->backup_size)
		return;
	if (!backup_target_ok(h))
		kx_refuse_st("the crash backup region would be written over verified "
			     "memory (or wraps)", KX_ERR_RANGE);
	kx_memcpy((void *)(uintptr_t)h->backup_dst,
		  (const void *)(uintptr_t)h->backup_src, h->backup_size);
	kx_say("kx: crash kernel: saved 0x%llx bytes at 0x%llx to 0x%llx\n",
	    (unsigned long long)h->backup_size, (unsigned long long)h->backup_src,
	    (unsigned long long)h->backup_dst);
}

/*
 * Verification is complete before anything is trusted: the entry lies in
 * what was verified, and the console the port writes after this point
 * does not (a UART address read from unverified data).
 */
static void check_verified(struct kx_handoff *h)
{
	if (h->console_size && kx_verified_overlaps(h->console, h->console_size)) {
		/* Not one more byte there: refuse in silence. */
		h->console_off = 1;
		kx_refuse_st("the console lies in verified memory", KX_ERR_RANGE);
	}
	if (!kx_verified_contains(h->entry)) {
		kx_say("kx: the entry point 0x%llx lies in no verified segment\n",
		    (unsigned long long)h->entry);
		kx_refuse_st("the entry point was not verified", KX_ERR_RANGE);
	}
}

void kx_purgatory_main(uint64_t entry_ticks) __attribute__((noreturn));
void kx_purgatory_main(uint64_t entry_ticks)
{
	static struct kx_verify v;
	struct kx_handoff *h = &kx_handoff;

	kx_memset(h, 0, sizeof(*h));
	h->mmu = "";
	nverified = 0;
	kx_port_begin(h);
	kx_say("kx: purgatory (%s, setup ABI %d.%d%s)\n", h->where, KX_ABI_MAJOR,
	    KX_ABI_MINOR, h->extra);
	kx_port_map(h);
	/* The wider SIMD state only where no caller gets its CPU back. */
	if (!h->jump_back) {
		const char *simd = kx_port_simd();

		if (simd)
			kx_say("kx: SIMD for the hash engines: %s\n", simd);
	}

	kx_memset(&v, 0, sizeof(v));
	if (skip_checks) {
		kx_say("kx: digest checks SKIPPED: the loader set skip_checks\n");
	} else if (kx_setup_page) {
		/* kexec-tools' regions too, when a kx loader also sets them. */
		if (any_region())
			verify_regions(h, &v);
		verify_loader_page(h);
	} else {
		verify_regions(h, &v);
	}
	if (!skip_checks)
		check_verified(h);
	save_backup(h);
	kx_port_kexec_jump(h);

	if (kx_setup_page) {
		/* The loader wrote, announced and reserved its page itself. */
		kx_port_loader_page(h, kx_setup_page);
		kx_say("kx: setup page at 0x%llx (the loader's)\n",
		    (unsigned long long)kx_setup_page);
	} else {
		setup_page(h, &v, !skip_checks);
	}

	if (kx_handoff_ticks) {
		kx_say("kx:");
		kx_port_say_ticks(kx_port_ticks() - kx_handoff_ticks);
		kx_say(" since the loader left the firmware, to the next image's entry\n");
	}
	kx_port_enter(h, entry_ticks);
}
