/* SPDX-License-Identifier: MIT */
/*
 * The aarch64 port of the purgatory program (image/port.h): what Linux's
 * arm64_relocate_new_kernel (in kexec-tools' contract) or kxboot's
 * trampoline hands over.  Turns the MMU and caches on over an identity
 * map before hashing (hashing with caches off is what makes arm64 kexec
 * slow), announces the setup page in the device tree, cleans everything
 * the next kernel reads to the point of coherency, turns the MMU off and
 * enters (entry.S).
 *
 * The variables below are set by kexec-tools by name (elf_rel_set_symbol),
 * which checks their sizes: names, types and sizes are kexec-tools' own.
 */
#include <kx/a64_sys.h>
#include <kx/cmdline.h>
#include <kx/compiler.h>
#include <kx/fdt.h>
#include <kx/format.h>
#include <kx/idmap.h>
#include <kx/pool.h>
#include <kx/purgatory.h>
#include <kx/setup_page.h>
#include "a64.h"
#include "report.h"

uint64_t arm64_kernel_entry = 0;	/* kexec-tools: the Image's load address */
uint64_t arm64_dtb_addr = 0;

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

static uint64_t cntfrq;
static unsigned el;

/* Size of the DTB at dtb from its header, 0 if it is not one. */
static uint32_t dtb_size(uint64_t dtb)
{
	const uint8_t *h = (const uint8_t *)(uintptr_t)dtb;
	uint32_t size;

	if (!dtb || !KX_IS_ALIGNED(dtb, 8) || kx_fdt32(h) != FDT_MAGIC)
		return 0;
	size = kx_fdt32(h + 4);
	return size <= DTB_MAX ? size : 0;
}

static struct kx_map_ranges loader_rs;

/*
 * Turns the MMU and caches on over an identity map of what purgatory
 * touches: the regions to verify, this image (code, data, stack, tables,
 * setup page), the DTB, and the UART page as device memory.  Returns NULL
 * when the MMU is on, or why it stays off (purgatory then hashes with the
 * MMU off: slower, never skipped).
 */
static const char *mmu_on(void)
{
	static char why[112];
	static struct kx_map_ranges rs;
	/* EL2 without E2H is a one-EL regime: other AP and XN bits. */
	int el2_only = el == 2 && !(kx_a64_read(hcr_el2) & HCR_EL2_E2H);
	struct kx_idmap_aarch64_config cfg = { 48, el2_only ? KX_IDMAP_A64_EL2 : 0 };
	struct kx_page_pool p = { pool, (uintptr_t)pool, POOL_PAGES, 0 };
	struct kx_idmap_aarch64_regs regs;
	uint64_t mmfr0 = kx_a64_read(id_aa64mmfr0_el1), tcr;
	size_t tables;
	const char *no;
	enum kx_status st;

	if (MMFR0_TGRAN4(mmfr0) == 0xf)
		return "the CPU has no 4 KiB translation granule";
	rs = loader_rs;
	no = kx_map_purgatory(&rs, (uintptr_t)kx_image_start, (uintptr_t)kx_image_end,
			      arm64_dtb_addr, dtb_size(arm64_dtb_addr), arm64_sink);
	if (no)
		return no;

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
	st = kx_idmap_aarch64_build(rs.r, rs.n, &cfg, kx_page_pool_alloc, &p, &regs);
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

void kx_port_begin(struct kx_handoff *h)
{
	el = kx_a64_el();
	cntfrq = kx_a64_read(cntfrq_el0) & 0xffffffffu;
	/* At EL2, E2H says which register layouts and descriptors apply. */
	kx_snprintf(h->where, sizeof(h->where), "aarch64, EL%u%s", el,
		    el != 2 ? "" : kx_a64_read(hcr_el2) & HCR_EL2_E2H ? " with E2H=1"
								    : " with E2H=0");
	kx_snprintf(h->extra, sizeof(h->extra), ", counter %llu Hz",
		    (unsigned long long)cntfrq);
	h->entry = arm64_kernel_entry;
	h->dtb = arm64_dtb_addr;
	/* The PL011's data and flag registers. */
	if (arm64_sink) {
		h->console = arm64_sink;
		h->console_size = 0x1c;
	}
}

void kx_port_map(struct kx_handoff *h)
{
	const char *off;

	if (kx_setup_page && !skip_checks)
		kx_map_loader_page(&loader_rs, h, kx_setup_page);
	off = asked_mmu_off() ? "kx.mmu=off on the command line" : mmu_on();
	if (off)
		kx_say("kx: MMU stays off (%s): hashing with caches off\n", off);
	h->mmu = off ? ", MMU off" : ", MMU on";
}

/* kexec jump is an x86 feature of Linux. */
void kx_port_kexec_jump(struct kx_handoff *h)
{
	(void)h;
}

/* What the kernel reads of the loader's (segments, the page) goes to the
 * PoC now; the loader edited the DTB itself. */
void kx_port_loader_page(struct kx_handoff *h, uint64_t page)
{
	(void)h;
	(void)page;
	for (size_t i = 0; i < loader_rs.n; i++)
		if (loader_rs.r[i].attr == KX_IDMAP_NORMAL)
			kx_a64_dcache_clean(loader_rs.r[i].start,
					    loader_rs.r[i].start + loader_rs.r[i].size);
}

/* What the device tree says about the hand-off, for the setup page. */
static void dt_read(const struct kx_fdt *f, struct kx_handoff *h)
{
	uint32_t ac, sc, node, len;
	const void *v;

	if (kx_fdt_root_cells(f, &ac, &sc) != KX_OK)
		return;
	if (kx_fdt_find_node(f, "/chosen", &node) == KX_OK) {
		if (kx_fdt_get_prop(f, node, "bootargs", &v, &len) == KX_OK &&
		    len && ((const char *)v)[len - 1] == 0) {
			/* kexec-tools pads the value to 4 bytes with NULs:
			 * up to the first. */
			h->cmdline = v;
			while (h->cmdline_len < len && h->cmdline[h->cmdline_len])
				h->cmdline_len++;
		}
		if (kx_fdt_get_prop(f, node, "linux,initrd-start", &v, &len) == KX_OK &&
		    (len == 4 || len == 8))
			h->initrd = kx_fdt_cells(v, len / 4);
		if (kx_fdt_get_prop(f, node, "linux,elfcorehdr", &v, &len) == KX_OK &&
		    len == 4 * (ac + sc)) {
			h->elfcore[0] = kx_fdt_cells(v, ac);
			h->elfcore[1] = kx_fdt_cells((const uint8_t *)v + 4 * ac, sc);
			h->crash = h->elfcore[0] != 0;
		}
	}
	/* RAM: the reg of every /memory node (the first KX_HANDOFF_MAX_MEM). */
	kx_fdt_memory(f, h->mem, KX_HANDOFF_MAX_MEM, &h->nmem);
}

/* The tree and what the plan found, for kx_port_announce. */
static struct {
	struct kx_fdt f;
	uint32_t chosen;
	uint64_t need;
	const char *cmdline;
	size_t len;
} dt;

/*
 * Announced in the device tree: kx_setup= in bootargs, /chosen/kx,setup-page
 * and a /memreserve/.  The DTB kexec-tools loaded is packed (fdt_pack: no
 * free space inside totalsize), but its segment is whole pages,
 * zero-filled past the blob by kexec_load and verified with it: that tail
 * is the DTB's own, and kx_fdt_grow() lets the blob use it (its verified
 * region says how far the segment goes; kexec_load's page granularity
 * when there is none).  The room needed is checked here, before the first
 * edit, so the tree is edited completely or not at all.
 */
const char *kx_port_plan(struct kx_handoff *h, uint64_t setup, uint64_t size,
			 char *cmdline, size_t cap)
{
	static char no[96];
	static const char prop[] = "kx,setup-page";
	uint32_t dsize = dtb_size(arm64_dtb_addr);
	uint64_t room = 0;
	char token[40];
	size_t tlen;
	enum kx_status st;

	(void)size;
	/* kexec_load segments are whole pages: without regions (--no-checks
	 * leaves them unset) the DTB's segment ends at least at the end of
	 * the blob's last page. */
	if (KX_IS_ALIGNED(arm64_dtb_addr, KX_PAGE_SIZE))
		room = KX_ALIGN_UP((uint64_t)dsize, (uint64_t)KX_PAGE_SIZE);
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		const struct kx_sha256_region *r = &sha256_regions[i];

		if (r->len && arm64_dtb_addr >= r->start && arm64_dtb_addr - r->start < r->len)
			room = r->start + r->len - arm64_dtb_addr;
	}
	if (room > DTB_MAX)
		room = DTB_MAX;
	if (room < dsize)
		room = dsize;
	st = kx_fdt_open(&dt.f, (void *)(uintptr_t)arm64_dtb_addr, room);
	if (st == KX_OK)
		st = kx_fdt_find_node(&dt.f, "/chosen", &dt.chosen);
	if (st != KX_OK) {
		kx_snprintf(no, sizeof(no), "no usable device tree /chosen: %s",
			    kx_strerror(st));
		return no;
	}
	dt_read(&dt.f, h);
	/* The final command line: bootargs and our token. */
	tlen = kx_snprintf(token, sizeof(token), "%skx_setup=0x%llx",
			   h->cmdline_len ? " " : "", (unsigned long long)setup);
	dt.len = h->cmdline_len + tlen;
	/* Room: bootargs growth (or a new one and its name), the new property
	 * and its name, one reservation map entry. */
	dt.need = 12 + 8 + sizeof(prop) + 16 + (h->cmdline ? 0 : 12 + sizeof("bootargs"));
	if (KX_ALIGN_UP(dt.len + 1, 4u) > KX_ALIGN_UP(h->cmdline_len + 1, 4u))
		dt.need += KX_ALIGN_UP(dt.len + 1, 4u) - KX_ALIGN_UP(h->cmdline_len + 1, 4u);
	if (dt.len + 1 > cap || dt.len + 1 > 2048)
		return "bootargs too long for kx_setup=";
	if (dt.need > kx_fdt_free(&dt.f) && dt.f.size + dt.need - kx_fdt_free(&dt.f) > room) {
		kx_snprintf(no, sizeof(no), "the DTB has %llu bytes of room, %llu needed",
			    (unsigned long long)(room - dt.f.size + kx_fdt_free(&dt.f)),
			    (unsigned long long)dt.need);
		return no;
	}
	/* An earlier generation's announcement (--reuse-cmdline) is
	 * replaced, not repeated. */
	kx_memcpy(cmdline, h->cmdline, h->cmdline_len);
	kx_cmdline_drop_setup(cmdline, h->cmdline_len);
	kx_memcpy(cmdline + h->cmdline_len, token, tlen + 1);
	dt.cmdline = cmdline;
	return 0;
}

void kx_port_announce(struct kx_handoff *h, uint64_t setup, uint64_t size)
{
	uint8_t val[8];

	(void)h;
	if (dt.need > kx_fdt_free(&dt.f))
		kx_fdt_grow(&dt.f, (uint32_t)KX_ALIGN_UP(dt.f.size + dt.need -
							 kx_fdt_free(&dt.f), 8u));
	kx_fdt_put64(val, setup);
	/* Our own bug if one fails now: the room was checked. */
	if (kx_fdt_set_prop(&dt.f, dt.chosen, "bootargs", dt.cmdline,
			    (uint32_t)dt.len + 1) != KX_OK ||
	    kx_fdt_find_node(&dt.f, "/chosen", &dt.chosen) != KX_OK ||
	    kx_fdt_set_prop(&dt.f, dt.chosen, "kx,setup-page", val, sizeof(val)) != KX_OK ||
	    kx_fdt_add_memreserve(&dt.f, setup, size) != KX_OK)
		kx_refuse("device tree edit failed after its room was checked");
	kx_say("kx: setup page at 0x%llx: kx_setup= in bootargs, /chosen/kx,setup-page, "
	    "/memreserve/ of %u KiB\n", (unsigned long long)setup, (unsigned)(size / 1024));
}

void kx_port_enter(struct kx_handoff *h, uint64_t entry_ticks)
{
	uint32_t dsize = dtb_size(arm64_dtb_addr);

	/* What the next kernel reads, out of the caches to the PoC; the
	 * image itself (setup page, stack) is cleaned by kx_a64_jump. */
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
		if (sha256_regions[i].len)
			kx_a64_dcache_clean(sha256_regions[i].start,
					    sha256_regions[i].start + sha256_regions[i].len);
	if (dsize)
		kx_a64_dcache_clean(arm64_dtb_addr, arm64_dtb_addr + dsize);

	if (h->jump_back) {
		/* A round trip's image: x0 the setup page, x1 and x30 the way back. */
		kx_say("kx: entering image at 0x%llx at EL%u (round trip: x0 = setup page "
		    "0x%llx, x1 = x30 = jump-back 0x%llx), after",
		    (unsigned long long)h->entry, el,
		    (unsigned long long)kx_setup_page, (unsigned long long)h->jump_back);
		kx_port_say_ticks(kx_port_ticks() - entry_ticks);
		kx_say(" in purgatory\n");
		kx_a64_jump(h->entry, kx_setup_page, h->jump_back, h->jump_back);
	}
	kx_say("kx: entering image at 0x%llx at EL%u, dtb 0x%llx, after",
	    (unsigned long long)h->entry, el, (unsigned long long)arm64_dtb_addr);
	kx_port_say_ticks(kx_port_ticks() - entry_ticks);
	kx_say(" in purgatory\n");
	kx_a64_enter(h->entry, arm64_dtb_addr);
}

uint64_t kx_port_ticks(void)
{
	return kx_a64_ticks();
}

#define CPACR_FPEN		(3ull << 20)	/* also CPTR_EL2 with E2H = 1 */
#define CPTR_EL2_TFP		(1ull << 10)	/* CPTR_EL2 with E2H = 0 */
#define HCR_EL2_E2H		(1ull << 34)

/*
 * FP/SIMD untrapped at this EL, as purgatory_start does: the copy's hash
 * runs before it (the trampoline's copy uses the SIMD registers already,
 * under the firmware's rule that leaves them on; this does not rely on it).
 */
const char *kx_port_simd(void)
{
	uint64_t v;

	if (kx_a64_el() == 2) {
		v = kx_a64_read(cptr_el2);
		if (kx_a64_read(hcr_el2) & HCR_EL2_E2H)
			v |= CPACR_FPEN;
		else
			v &= ~CPTR_EL2_TFP;
		__asm__ volatile("msr cptr_el2, %0; isb" : : "r"(v) : "memory");
		return 0;
	}
	v = kx_a64_read(cpacr_el1) | CPACR_FPEN;
	__asm__ volatile("msr cpacr_el1, %0; isb" : : "r"(v) : "memory");
	return 0;
}

/* " <ticks> ticks (<ms> ms)": CNTFRQ gives the ticks a meaning. */
void kx_port_say_ticks(uint64_t ticks)
{
	kx_say(" %llu ticks", (unsigned long long)ticks);
	if (cntfrq) {
		uint64_t us = ticks / cntfrq * 1000000 + ticks % cntfrq * 1000000 / cntfrq;

		kx_say(" (%llu.%03llu ms)", (unsigned long long)(us / 1000),
		    (unsigned long long)(us % 1000));
	}
}

void kx_port_return(uint64_t value, uint64_t from)
{
	kx_a64_jump(kx_handoff.jump_back, value, from, 0);
}

/* No kexec jump on arm64 (Linux's KEXEC_JUMP is x86 only): purgatory's own
 * setup pages, no records of the port's own. */
void kx_port_setup_area(struct kx_handoff *h, uint8_t **area, unsigned *pages)
{
	(void)h;
	(void)area;
	(void)pages;
}

void kx_port_content(struct kx_handoff *h, struct kx_setup_content *c)
{
	(void)h;
	(void)c;
}
