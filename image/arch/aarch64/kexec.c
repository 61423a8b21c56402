/* SPDX-License-Identifier: MIT */
/*
 * aarch64 purgatory for kexec-tools: what runs between Linux's
 * arm64_relocate_new_kernel and the next kernel.  Turns the MMU and caches
 * on over an identity map (hashing with caches off is what makes arm64
 * kexec slow), verifies the loaded segments and halts, loudly, when they
 * do not match, leaves a kx setup page announced in the device tree,
 * cleans everything the next kernel reads to the point of coherency,
 * turns the MMU off and enters the kernel (entry.S).
 *
 * The variables below are set by kexec-tools by name (elf_rel_set_symbol),
 * which checks their sizes: names, types and sizes are kexec-tools' own.
 */
#include <kx/compiler.h>
#include <kx/fdt.h>
#include <kx/format.h>
#include <kx/idmap.h>
#include <kx/setup_page.h>
#include <kx/verify.h>
#include "a64.h"
#include "report.h"

struct kx_sha256_region sha256_regions[KX_VERIFY_MAX_REGIONS] = { { 0, 0 } };
uint8_t sha256_digest[KX_SHA256_SIZE] = { 0 };
int skip_checks = 0;
uint64_t arm64_kernel_entry = 0;	/* kexec-tools: the Image's load address */
uint64_t arm64_dtb_addr = 0;

/*
 * Set by kx's own loaders (kxboot), never by kexec-tools.  kx_setup_page:
 * physical address of a setup page the loader wrote, announced and
 * reserved itself (in the DTB it loaded); purgatory verifies every segment
 * it lists, marks them verified and leaves the page and the DTB as they
 * are.  kx_handoff_ticks: CNTVCT when the loader left the firmware.
 */
uint64_t kx_setup_page = 0;
uint64_t kx_handoff_ticks = 0;

/*
 * A round trip's jump-back entry (docs/abi.md 2.4), from the JMPB record
 * of a loader page flagged KX_SETUP_F_SWAP; 0 otherwise.  With it
 * purgatory never halts: a refusal goes back to the caller.
 */
static uint64_t jump_back;

uint64_t kx_image_jump_back(void)
{
	return jump_back;
}

void kx_return_to_caller(uint64_t value, uint64_t from)
{
	kx_a64_jump(jump_back, value, from, 0);
}

/* ID_AA64MMFR0_EL1 fields (Arm ARM D19.2). */
#define MMFR0_PARANGE(r) ((unsigned)(r) & 0xf)
#define MMFR0_TGRAN4(r) ((unsigned)((r) >> 28) & 0xf)	/* 0xf: no 4 KiB granule */
#define HCR_EL2_E2H (1ull << 34)

/* booting.rst: the DTB is at most 2 MiB. */
#define DTB_MAX (2u << 20)
#define FDT_MAGIC 0xd00dfeedu

/*
 * Page tables of the identity map, from purgatory's own data (kexec-tools
 * gives the image no other memory).  A typical kexec maps ~8 ranges in one
 * or two GiB and takes ~10 pages; kx_idmap_aarch64_count_tables() says
 * exactly before anything is built.
 */
#define POOL_PAGES 32
static uint8_t pool[POOL_PAGES][KX_PAGE_SIZE] __attribute__((aligned(KX_PAGE_SIZE)));

/* The setup page: three pages the next kernel is told to keep. */
#define SETUP_PAGES 3
static uint8_t setup_area[SETUP_PAGES][KX_PAGE_SIZE]
	__attribute__((aligned(KX_PAGE_SIZE)));

/* arm64 Linux's COMMAND_LINE_SIZE: longer bootargs are cut. */
#define CMDLINE_MAX 2048
#define MEMMAP_MAX 64

static uint64_t cntfrq;

/* "<ticks> ticks (<ms> ms)": CNTFRQ gives the ticks a meaning. */
static void say_ticks(uint64_t ticks)
{
	kx_say("%llu ticks", (unsigned long long)ticks);
	if (cntfrq) {
		uint64_t us = ticks / cntfrq * 1000000 + ticks % cntfrq * 1000000 / cntfrq;

		kx_say(" (%llu.%03llu ms)", (unsigned long long)(us / 1000),
		    (unsigned long long)(us % 1000));
	}
}

static uint32_t get_be32(const void *p)
{
	return __builtin_bswap32(kx_get_le32(p));
}

/* Size of the DTB at dtb from its header, 0 if it is not one. */
static uint32_t dtb_size(uint64_t dtb)
{
	const uint8_t *h = (const uint8_t *)(uintptr_t)dtb;
	uint32_t size;

	if (!dtb || !KX_IS_ALIGNED(dtb, 8) || get_be32(h) != FDT_MAGIC)
		return 0;
	size = get_be32(h + 4);
	return size <= DTB_MAX ? size : 0;
}

struct ranges {
	/* Regions or segments, the image, DTB, UART, the setup page's chain. */
	struct kx_idmap_range r[KX_VERIFY_MAX_REGIONS + 3 + KX_SETUP_MAX_CHAIN];
	size_t n;
};

/* Adds [start, start + len) widened to whole pages; 0 if it wraps. */
static int add_range(struct ranges *rs, uint64_t start, uint64_t len,
		     uint32_t attr)
{
	uint64_t end = start + len;

	if (end < start || end > UINT64_MAX - KX_PAGE_SIZE ||
	    rs->n == KX_ARRAY_SIZE(rs->r))
		return 0;
	rs->r[rs->n].start = start & ~(uint64_t)(KX_PAGE_SIZE - 1);
	rs->r[rs->n].size = KX_ALIGN_UP(end, (uint64_t)KX_PAGE_SIZE) - rs->r[rs->n].start;
	rs->r[rs->n].attr = attr;
	rs->n++;
	return 1;
}

/* The setup page's own pages, recorded as the reader maps them. */
static enum kx_status record_page(void *ctx, uint64_t phys, uint32_t len,
				  const void **out)
{
	struct ranges *rs = ctx;
	size_t i;

	/* The reader maps each page twice (header, then whole): keep one. */
	for (i = 0; i < rs->n; i++)
		if (phys >= rs->r[i].start && phys - rs->r[i].start < rs->r[i].size &&
		    len <= rs->r[i].size - (phys - rs->r[i].start))
			break;
	if (i == rs->n && !add_range(rs, phys, len, KX_IDMAP_NORMAL))
		return KX_ERR_NO_SPACE;
	return kx_identity_map(0, phys, len, out);
}

/*
 * What the loader's page makes purgatory touch: the page's chain and each
 * segment it lists (read here with the MMU off: the trampoline cleaned the
 * page to the point of coherency).  Refuses a page that does not validate.
 */
static void loader_ranges(struct ranges *rs)
{
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_table_view t;
	struct kx_setup_fault f;

	kx_open_loader_page(&r, kx_setup_page, record_page, rs);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type == KX_REC_JUMP_BACK && (kx_setup_flags(&r) & KX_SETUP_F_SWAP) &&
		    rec.payload_size >= 8)
			jump_back = kx_get_le64(rec.payload);
		/* A round trip's ELF core header, fixed up in place: to the end
		 * of its page (kx_fixup_loader_core). */
		if (rec.type == KX_REC_ELFCORE && rec.payload_size >= 16) {
			uint64_t a = kx_get_le64(rec.payload), n = kx_get_le64(rec.payload + 8);

			if (n && !add_range(rs, a, KX_ALIGN_UP(a + n, (uint64_t)KX_PAGE_SIZE) - a,
					    KX_IDMAP_NORMAL))
				kx_refuse_st("the ELF core header cannot be mapped", KX_ERR_RANGE);
		}
		if (rec.type != KX_REC_SEGMENTS || kx_setup_table(&rec, &t) != KX_OK)
			continue;
		for (uint32_t i = 0; i < t.count; i++) {
			struct kx_segment s;

			kx_memcpy(&s, t.entries + (size_t)i * t.entry_size, sizeof(s));
			if (s.size && !add_range(rs, s.dest, s.size, KX_IDMAP_NORMAL))
				kx_refuse_st("the loader's setup page lists too many segments to map", KX_ERR_NO_SPACE);
		}
	}
}

/* Cleans every range of rs to the point of coherency. */
static void clean_ranges(const struct ranges *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].attr == KX_IDMAP_NORMAL)
			kx_a64_dcache_clean(rs->r[i].start, rs->r[i].start + rs->r[i].size);
}

static struct ranges loader_rs;

/*
 * Turns the MMU and caches on over an identity map of what purgatory
 * touches: the regions to verify, this image (code, data, stack, tables,
 * setup page), the DTB, and the UART page as device memory.  Returns NULL
 * when the MMU is on, or why it stays off (purgatory then hashes with the
 * MMU off: slower, never skipped).
 */
static const char *mmu_on(unsigned el)
{
	static char why[112];
	static struct ranges rs;
	/* EL2 without E2H is a one-EL regime: other AP and XN bits. */
	int el2_only = el == 2 && !(a64_read(hcr_el2) & HCR_EL2_E2H);
	struct kx_idmap_aarch64_config cfg = { 48, el2_only ? KX_IDMAP_A64_EL2 : 0 };
	struct kx_idmap_pool p = { pool, (uintptr_t)pool, POOL_PAGES, 0 };
	struct kx_idmap_aarch64_regs regs;
	uint64_t mmfr0 = a64_read(id_aa64mmfr0_el1), tcr;
	uint32_t dsize = dtb_size(arm64_dtb_addr);
	size_t tables;
	enum kx_status st;

	if (MMFR0_TGRAN4(mmfr0) == 0xf)
		return "the CPU has no 4 KiB translation granule";
	rs = loader_rs;
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
		if (sha256_regions[i].len &&
		    !add_range(&rs, sha256_regions[i].start, sha256_regions[i].len,
			       KX_IDMAP_NORMAL))
			return "a region wraps around the address space";
	add_range(&rs, (uintptr_t)kx_image_start,
		  (uintptr_t)kx_image_end - (uintptr_t)kx_image_start, KX_IDMAP_NORMAL);
	if (dsize)
		add_range(&rs, arm64_dtb_addr, dsize, KX_IDMAP_NORMAL);
	if (arm64_sink)
		add_range(&rs, arm64_sink, 1, KX_IDMAP_DEVICE);

	st = kx_idmap_aarch64_count_tables(rs.r, rs.n, &cfg, &tables);
	if (st != KX_OK) {
		kx_snprintf(why, sizeof(why), "identity map refused: %s", kx_strerror(st));
		return why;
	}
	if (tables > POOL_PAGES) {
		kx_snprintf(why, sizeof(why),
			    "identity map needs %zu table pages, the pool has %u",
			    tables, POOL_PAGES);
		return why;
	}
	st = kx_idmap_aarch64_build(rs.r, rs.n, &cfg, kx_idmap_pool_alloc, &p, &regs);
	if (st != KX_OK) {
		kx_snprintf(why, sizeof(why), "identity map not built: %s", kx_strerror(st));
		return why;
	}
	if (regs.ips > MMFR0_PARANGE(mmfr0)) {
		kx_snprintf(why, sizeof(why),
			    "mapped addresses need PARange %u, the CPU has %u",
			    regs.ips, MMFR0_PARANGE(mmfr0));
		return why;
	}
	/* TCR_EL2 has TCR_EL1's layout when E2H = 1 (VHE, as Linux runs). */
	tcr = el2_only ? regs.tcr_el2 : regs.tcr_el1;
	kx_a64_mmu_on(regs.mair, tcr, regs.ttbr0);
	return 0;
}

static void verify(struct kx_verify *v, int mmu)
{
	uint64_t t0 = a64_ticks(), t1;
	enum kx_status st;

	st = kx_verify_regions(sha256_regions, KX_VERIFY_MAX_REGIONS,
			       sha256_digest, v);
	t1 = a64_ticks();
	if (st == KX_OK) {
		kx_say("kx: sha256 ok: %u regions, %llu bytes, %s, MMU %s, ",
		    v->regions, (unsigned long long)v->bytes, v->impl,
		    mmu ? "on" : "off");
		say_ticks(t1 - t0);
		kx_say("\n");
		return;
	}
	kx_say("kx: SHA-256 MISMATCH over %u regions, %llu bytes (%s, MMU %s)\n",
	    v->regions, (unsigned long long)v->bytes, v->impl, mmu ? "on" : "off");
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

/* What the device tree says about the hand-off, for the setup page. */
struct dt_info {
	const char *bootargs;	/* NULL if none */
	uint32_t bootargs_len;	/* with its NUL */
	uint64_t initrd;	/* /chosen/linux,initrd-start, 0 if none */
	uint64_t elfcore[2];	/* /chosen/linux,elfcorehdr {addr, size} */
	struct kx_mem_range mem[MEMMAP_MAX];
	unsigned nmem;
};

static void dt_read(const struct kx_fdt *f, struct dt_info *d)
{
	uint32_t ac, sc, node, len;
	const void *v;

	kx_memset(d, 0, sizeof(*d));
	if (kx_fdt_root_cells(f, &ac, &sc) != KX_OK)
		return;
	if (kx_fdt_find_node(f, "/chosen", &node) == KX_OK) {
		if (kx_fdt_get_prop(f, node, "bootargs", &v, &len) == KX_OK &&
		    len && ((const char *)v)[len - 1] == 0) {
			d->bootargs = v;
			d->bootargs_len = len;
		}
		if (kx_fdt_get_prop(f, node, "linux,initrd-start", &v, &len) == KX_OK &&
		    (len == 4 || len == 8))
			d->initrd = kx_fdt_cells(v, len / 4);
		if (kx_fdt_get_prop(f, node, "linux,elfcorehdr", &v, &len) == KX_OK &&
		    len == 4 * (ac + sc)) {
			d->elfcore[0] = kx_fdt_cells(v, ac);
			d->elfcore[1] = kx_fdt_cells((const uint8_t *)v + 4 * ac, sc);
		}
	}
	/* RAM: the reg of every /memory node (the first MEMMAP_MAX ranges). */
	kx_fdt_memory(f, d->mem, MEMMAP_MAX, &d->nmem);
}

static int within(uint64_t a, const struct kx_sha256_region *r)
{
	return a >= r->start && a - r->start < r->len;
}

/* Segments with their digests and kinds, memory map, final command line. */
static enum kx_status write_setup_page(const struct dt_info *d,
				       const struct kx_verify *v, int verified,
				       const char *cmdline)
{
	struct kx_setup_writer w;
	struct kx_segment seg[KX_VERIFY_MAX_REGIONS];
	unsigned nseg = 0;
	struct kx_setup_pool pages = { setup_area[0], KX_PAGE_SIZE, SETUP_PAGES, 1 };
	enum kx_status st;

	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		const struct kx_sha256_region *r = &sha256_regions[i];
		struct kx_segment *s = &seg[nseg];

		if (!r->len)
			continue;
		kx_memset(s, 0, sizeof(*s));
		s->dest = r->start;
		s->size = r->len;
		kx_memcpy(s->sha256, v->digest[i], KX_SHA256_SIZE);
		s->flags = verified ? KX_SEG_F_VERIFIED : 0;
		if (within(arm64_dtb_addr, r))
			s->kind = KX_SEG_DTB;
		else if (d->initrd && r->start == d->initrd)
			s->kind = KX_SEG_INITRD;
		else if (d->elfcore[0] && within(d->elfcore[0], r))
			s->kind = KX_SEG_ELFCORE;
		else if (within(arm64_kernel_entry, r))
			s->kind = KX_SEG_KERNEL;
		else
			s->kind = KX_SEG_OTHER;
		nseg++;
	}
	st = kx_setup_init(&w, setup_area[0], KX_PAGE_SIZE,
			   d->elfcore[0] ? KX_SETUP_F_CRASH : 0);
	if (st != KX_OK)
		return st;
	kx_setup_set_more(&w, kx_setup_pool_more, &pages);
	st = kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, nseg, sizeof(seg[0]));
	if (st == KX_OK && d->elfcore[0])
		st = kx_setup_add(&w, KX_REC_ELFCORE, d->elfcore, sizeof(d->elfcore));
	if (st == KX_OK && d->nmem)
		st = kx_setup_add_table(&w, KX_REC_MEMMAP, d->mem, d->nmem,
					sizeof(d->mem[0]));
	if (st == KX_OK)
		st = kx_setup_add_cmdline(&w, cmdline);
	if (st != KX_OK)
		return st;
	return kx_setup_finish(&w);
}

/*
 * The DTB kexec-tools loaded is packed (fdt_pack: no free space inside
 * totalsize), but its segment is whole pages, zero-filled past the blob
 * by kexec_load and verified with it: that tail is the DTB's own, and
 * kx_fdt_grow() lets the blob use it (its verified region says how far
 * the segment goes; kexec_load's page granularity when there is none).  The room needed is checked before
 * the first edit, so the tree is edited completely or not at all.  Where
 * it cannot be announced, the page is still written (for loaders that
 * know where it is) and its address printed.
 */
static void setup_page(const struct kx_verify *v, int verified)
{
	static struct dt_info d;
	static char cmdline[CMDLINE_MAX], no[96];
	static const char prop[] = "kx,setup-page";
	uint64_t setup = (uintptr_t)setup_area, cap = 0, need = 0;
	uint32_t dsize = dtb_size(arm64_dtb_addr), chosen = 0;
	struct kx_fdt f;
	uint8_t val[8];
	char token[40];
	size_t tlen = 0, blen = 0, clen = 0;
	enum kx_status st;

	no[0] = 0;
	kx_memset(&d, 0, sizeof(d));
	/* kexec_load segments are whole pages: without regions (--no-checks
	 * leaves them unset) the DTB's segment ends at least at the end of
	 * the blob's last page. */
	if (KX_IS_ALIGNED(arm64_dtb_addr, KX_PAGE_SIZE))
		cap = KX_ALIGN_UP((uint64_t)dsize, (uint64_t)KX_PAGE_SIZE);
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
		if (sha256_regions[i].len && within(arm64_dtb_addr, &sha256_regions[i]))
			cap = sha256_regions[i].start + sha256_regions[i].len - arm64_dtb_addr;
	if (cap > DTB_MAX)
		cap = DTB_MAX;
	if (cap < dsize)
		cap = dsize;
	st = kx_fdt_open(&f, (void *)(uintptr_t)arm64_dtb_addr, cap);
	if (st == KX_OK)
		st = kx_fdt_find_node(&f, "/chosen", &chosen);
	if (st != KX_OK) {
		kx_snprintf(no, sizeof(no), "no usable device tree /chosen: %s",
			    kx_strerror(st));
	} else {
		dt_read(&f, &d);
		/* kexec-tools pads the value to 4 bytes with NULs: up to the first. */
		while (d.bootargs && blen < d.bootargs_len && d.bootargs[blen])
			blen++;
		/* The final command line: bootargs and our token. */
		tlen = kx_snprintf(token, sizeof(token), " kx_setup=0x%llx",
				   (unsigned long long)setup);
		if (!blen)
			kx_memmove(token, token + 1, tlen--);	/* no leading space */
		clen = blen + tlen;
		/* Room: bootargs growth (or a new one and its name), the new
		 * property and its name, one reservation map entry. */
		need = 12 + 8 + sizeof(prop) + 16 +
		       (d.bootargs ? 0 : 12 + sizeof("bootargs"));
		if (KX_ALIGN_UP(clen + 1, 4u) > KX_ALIGN_UP(d.bootargs_len, 4u))
			need += KX_ALIGN_UP(clen + 1, 4u) - KX_ALIGN_UP(d.bootargs_len, 4u);
		if (clen + 1 > sizeof(cmdline))
			kx_snprintf(no, sizeof(no), "bootargs too long for kx_setup=");
		else if (need > kx_fdt_free(&f) && f.size + need - kx_fdt_free(&f) > cap)
			kx_snprintf(no, sizeof(no), "the DTB has %llu bytes of room, %llu needed",
				    (unsigned long long)(cap - f.size + kx_fdt_free(&f)),
				    (unsigned long long)need);
	}
	if (no[0]) {
		/* The command line as the next kernel will see it. */
		st = write_setup_page(&d, v, verified, d.bootargs ? d.bootargs : "");
		if (st != KX_OK)
			kx_say("kx: setup page not written: %s\n", kx_strerror(st));
		else
			kx_say("kx: setup page at 0x%llx NOT announced (%s): only for loaders "
			    "that know where it is\n", (unsigned long long)setup, no);
		return;
	}

	if (blen)
		kx_memcpy(cmdline, d.bootargs, blen);
	kx_memcpy(cmdline + blen, token, tlen + 1);
	/* Written before the tree is edited: a page that cannot be made is
	 * not announced. */
	st = write_setup_page(&d, v, verified, cmdline);
	if (st != KX_OK) {
		kx_say("kx: setup page not written: %s\n", kx_strerror(st));
		return;
	}
	if (need > kx_fdt_free(&f))
		kx_fdt_grow(&f, (uint32_t)KX_ALIGN_UP(f.size + need - kx_fdt_free(&f), 8u));
	kx_fdt_put64(val, setup);
	/* Our own bug if one fails now: the room was checked. */
	if (kx_fdt_set_prop(&f, chosen, "bootargs", cmdline, (uint32_t)clen + 1) != KX_OK ||
	    kx_fdt_find_node(&f, "/chosen", &chosen) != KX_OK ||
	    kx_fdt_set_prop(&f, chosen, prop, val, sizeof(val)) != KX_OK ||
	    kx_fdt_add_memreserve(&f, setup, sizeof(setup_area)) != KX_OK)
		kx_refuse("device tree edit failed after its room was checked");
	kx_say("kx: setup page at 0x%llx: kx_setup= in bootargs, /chosen/kx,setup-page, "
	    "/memreserve/ of %u KiB\n", (unsigned long long)setup,
	    (unsigned)(sizeof(setup_area) / 1024));
}

/*
 * "kx.mmu=off" in the next kernel's bootargs: hash with the MMU and caches
 * off, to measure what they bring or to rule them out.  Read with the MMU
 * off, from the DTB as loaded (nothing is verified yet: it only chooses
 * how, never whether, to verify).
 */
static int asked_mmu_off(void)
{
	static const char word[] = "kx.mmu=off";
	const uint32_t wlen = sizeof(word) - 1;
	uint32_t dsize = dtb_size(arm64_dtb_addr), chosen, len;
	struct kx_fdt f;
	const void *v;
	const char *a;

	if (!dsize || kx_fdt_open(&f, (void *)(uintptr_t)arm64_dtb_addr, dsize) != KX_OK ||
	    kx_fdt_find_node(&f, "/chosen", &chosen) != KX_OK ||
	    kx_fdt_get_prop(&f, chosen, "bootargs", &v, &len) != KX_OK)
		return 0;
	a = v;
	/* A whole word: at the start or after a space, then a space or NUL. */
	for (uint32_t i = 0; i + wlen <= len; i++)
		if ((i == 0 || a[i - 1] == ' ') && !kx_memcmp(a + i, word, wlen) &&
		    (i + wlen == len || a[i + wlen] == ' ' || a[i + wlen] == 0))
			return 1;
	return 0;
}

/*
 * Loader mode: the segments of the loader's page verified where they lie,
 * the page resealed; the loader edited the DTB itself.  What the kernel
 * reads (segments, the page) is cleaned to the PoC before entry.
 */
static void loader_page(int mmu)
{
	unsigned segments = 0;
	uint64_t bytes = 0, t0 = a64_ticks();

	kx_verify_loader_page(kx_setup_page, &segments, &bytes);
	kx_fixup_loader_core(kx_setup_page);
	kx_say("kx: sha256 ok: %u segments, %llu bytes, %s, MMU %s, ", segments,
	    (unsigned long long)bytes, kx_sha256_get_impl()->name, mmu ? "on" : "off");
	say_ticks(a64_ticks() - t0);
	kx_say("\nkx: setup page at 0x%llx (the loader's)\n",
	    (unsigned long long)kx_setup_page);
	clean_ranges(&loader_rs);
}

void kx_purgatory_main(uint64_t entry_ticks);
void kx_purgatory_main(uint64_t entry_ticks)
{
	static struct kx_verify v;
	unsigned el = a64_current_el();
	const char *mmu_off;
	uint32_t dsize;

	cntfrq = a64_read(cntfrq_el0) & 0xffffffffu;
	/* At EL2, E2H says which register layouts and descriptors apply. */
	kx_say("kx: purgatory (aarch64, EL%u%s, setup ABI %d.%d, counter %llu Hz)\n", el,
	    el != 2 ? "" : a64_read(hcr_el2) & HCR_EL2_E2H ? " with E2H=1" : " with E2H=0",
	    KX_ABI_MAJOR, KX_ABI_MINOR, (unsigned long long)cntfrq);

	if (kx_setup_page && !skip_checks)
		loader_ranges(&loader_rs);
	mmu_off = asked_mmu_off() ? "kx.mmu=off on the command line" : mmu_on(el);
	if (mmu_off)
		kx_say("kx: MMU stays off (%s): hashing with caches off\n", mmu_off);

	kx_memset(&v, 0, sizeof(v));
	if (skip_checks) {
		kx_say("kx: digest checks SKIPPED: the loader set skip_checks\n");
	} else if (kx_setup_page) {
		/* kexec-tools' regions too, when a kx loader also sets them. */
		for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
			if (sha256_regions[i].len) {
				verify(&v, !mmu_off);
				break;
			}
		loader_page(!mmu_off);
	} else {
		verify(&v, !mmu_off);
	}
	if (!kx_setup_page)
		setup_page(&v, !skip_checks);

	/* What the next kernel reads, out of the caches to the PoC; the
	 * image itself (setup page, stack) is cleaned by kx_a64_enter. */
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
		if (sha256_regions[i].len)
			kx_a64_dcache_clean(sha256_regions[i].start,
					    sha256_regions[i].start + sha256_regions[i].len);
	dsize = dtb_size(arm64_dtb_addr);
	if (dsize)
		kx_a64_dcache_clean(arm64_dtb_addr, arm64_dtb_addr + dsize);

	if (kx_handoff_ticks) {
		kx_say("kx: ");
		say_ticks(a64_ticks() - kx_handoff_ticks);
		kx_say(" since the loader left the firmware\n");
	}
	if (jump_back) {
		/* A round trip's image: x0 the setup page, x1 and x30 the way back. */
		kx_say("kx: entering image at 0x%llx at EL%u (round trip: x0 = setup page "
		    "0x%llx, x1 = x30 = jump-back 0x%llx), after ",
		    (unsigned long long)arm64_kernel_entry, el,
		    (unsigned long long)kx_setup_page, (unsigned long long)jump_back);
		say_ticks(a64_ticks() - entry_ticks);
		kx_say(" in purgatory\n");
		kx_a64_jump(arm64_kernel_entry, kx_setup_page, jump_back, jump_back);
	}
	kx_say("kx: entering image at 0x%llx at EL%u, dtb 0x%llx, after ",
	    (unsigned long long)arm64_kernel_entry, el,
	    (unsigned long long)arm64_dtb_addr);
	say_ticks(a64_ticks() - entry_ticks);
	kx_say(" in purgatory\n");
	kx_a64_enter(arm64_kernel_entry, arm64_dtb_addr);
}
