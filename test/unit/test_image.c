/* SPDX-License-Identifier: MIT */
/*
 * The purgatory program's common part (image/main.c, loader_page.c,
 * report.c) on the host, through a port of this file's own: the hand-off
 * each test describes, the console captured, and entering, halting or
 * returning to a round trip's caller each ending the run.  What it proves
 * is the policy both architectures share: verification is complete before
 * anything is trusted.  The real ports run in the QEMU suites.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/elfcore.h>
#include <kx/lanes.h>
#include <kx/page_list.h>
#include <kx/pool.h>
#include <kx/setup_page.h>
#include <kx/sha256.h>
#include "kxtest.h"
#include "../../image/port.h"
#include "../../image/report.h"

void kx_purgatory_main(uint64_t entry_ticks) __attribute__((noreturn));

enum outcome { RUNNING, ENTERED, HALTED, RETURNED };

static struct {
	struct kx_handoff given;	/* what the "loader" handed over */
	jmp_buf done;
	char console[8192];
	size_t used;
} t;

void kx_port_putc(char c)
{
	if (t.used + 1 < sizeof(t.console))
		t.console[t.used++] = c;
	t.console[t.used] = 0;
}

void kx_port_halt(void)
{
	longjmp(t.done, HALTED);
}

uint64_t kx_port_ticks(void)
{
	return 0;
}

/* The host's SIMD state is the OS's: nothing to enable. */
const char *kx_port_simd(void)
{
	return 0;
}

void kx_port_say_ticks(uint64_t ticks)
{
	kx_say(" %llu ticks", (unsigned long long)ticks);
}

void kx_port_return(uint64_t value, uint64_t from)
{
	(void)value;
	(void)from;
	longjmp(t.done, RETURNED);
}

void kx_port_begin(struct kx_handoff *h)
{
	const char *mmu = h->mmu;

	*h = t.given;
	h->mmu = mmu;
	kx_memcpy(h->where, "host", 5);
}

/* What the aarch64 port maps before hashing (image/loader_page.c), with
 * stand-ins for its image, DTB and UART: kept for the tests to check. */
static struct kx_map_ranges port_rs;
static const char *port_map_no;
static int port_maps;	/* only where a test asks: the other tests' pages
			 * are refused later, by verification, for their own reasons */

void kx_port_map(struct kx_handoff *h)
{
	static uint8_t image[3 * 4096], dtb[64];

	port_rs.n = 0;
	port_map_no = "not mapped";
	if (!port_maps || !kx_setup_page || skip_checks)
		return;
	kx_map_loader_page(&port_rs, h, kx_setup_page);
	port_map_no = kx_map_purgatory(&port_rs, (uintptr_t)image,
				       (uintptr_t)image + sizeof(image), (uintptr_t)dtb,
				       sizeof(dtb), 0x9000000);
}

void kx_port_kexec_jump(struct kx_handoff *h)
{
	(void)h;
}

void kx_port_loader_page(struct kx_handoff *h, uint64_t page)
{
	(void)h;
	(void)page;
}

const char *kx_port_plan(struct kx_handoff *h, uint64_t setup, uint64_t size,
			 char *cmdline, size_t cap)
{
	(void)h;
	(void)setup;
	(void)size;
	(void)cmdline;
	(void)cap;
	return "the host announces nothing";
}

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

void kx_port_announce(struct kx_handoff *h, uint64_t setup, uint64_t size)
{
	(void)h;
	(void)setup;
	(void)size;
}

void kx_port_enter(struct kx_handoff *h, uint64_t entry_ticks)
{
	(void)h;
	(void)entry_ticks;
	longjmp(t.done, ENTERED);
}

/* Runs the program on the hand-off in t.given; how it ended. */
static enum outcome run(void)
{
	int how;

	t.used = 0;
	t.console[0] = 0;
	how = setjmp(t.done);
	if (how == RUNNING)
		kx_purgatory_main(0);
	return (enum outcome)how;
}

static void reset(void)
{
	memset(&t.given, 0, sizeof(t.given));
	memset(sha256_regions, 0, sizeof(struct kx_sha256_region) * KX_VERIFY_MAX_REGIONS);
	memset(sha256_digest, 0, KX_SHA256_SIZE);
	skip_checks = 0;
	kx_setup_page = 0;
	kx_handoff_ticks = 0;
	port_maps = 0;
}

#define CHECK_SAID(text)						\
	do {								\
		if (!strstr(t.console, text))				\
			kx_test_fail(__FILE__, __LINE__, "console lacks \"%s\":\n%s", \
				     text, t.console);			\
	} while (0)

/* kexec-tools' way: one region, its digest in sha256_digest. */
static void one_region(const uint8_t *buf, size_t len)
{
	sha256_regions[0].start = (uintptr_t)buf;
	sha256_regions[0].len = len;
	kx_sha256(buf, len, sha256_digest);
}

KX_TEST(image_enters_only_inside_what_it_verified)
{
	static uint8_t kernel[8192], elsewhere[64];

	reset();
	kx_rand_fill(kernel, sizeof(kernel));
	one_region(kernel, sizeof(kernel));
	t.given.entry = (uintptr_t)kernel + 0x200;
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("kx: sha256 ok: 1 regions, 8192 bytes");

	/* An entry the regions do not cover: refused, never entered. */
	t.given.entry = (uintptr_t)elsewhere;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("lies in no verified segment");
	CHECK_SAID("kx: halted: the next kernel is NOT entered");
	/* One past the end is outside too. */
	t.given.entry = (uintptr_t)kernel + sizeof(kernel);
	CHECK_EQ(run(), HALTED);

	/* With checks skipped (said loudly), nothing is claimed verified. */
	skip_checks = 1;
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("digest checks SKIPPED");
}

/* A kx loader's page listing seg[0..n) (flags, records after them). */
static void loader_page(uint8_t *page, const struct kx_segment *seg, unsigned n,
			uint32_t flags, const uint64_t *elfh, uint64_t jump_back)
{
	struct kx_setup_writer w;

	CHECK_ST(kx_setup_init(&w, page, 4096, flags), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, n, sizeof(seg[0])), KX_OK);
	if (elfh)
		CHECK_ST(kx_setup_add(&w, KX_REC_ELFCORE, elfh, 16), KX_OK);
	if (jump_back) {
		uint64_t jb[2] = { jump_back, 0 };

		CHECK_ST(kx_setup_add(&w, KX_REC_JUMP_BACK, jb, sizeof(jb)), KX_OK);
	}
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	kx_setup_page = (uintptr_t)page;
}

KX_TEST(image_refuses_a_loader_page_with_nothing_verified)
{
	static uint8_t page[4096] __attribute__((aligned(8))), kernel[4096];
	struct kx_segment seg = { .dest = (uintptr_t)kernel, .size = 0,
				  .kind = KX_SEG_KERNEL };

	reset();
	kx_sha256(kernel, 0, seg.sha256);
	loader_page(page, &seg, 1, 0, 0, 0);
	t.given.entry = (uintptr_t)kernel;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("lists no segment");

	/* The same page with the kernel's bytes in it is entered. */
	seg.size = sizeof(kernel);
	kx_sha256(kernel, sizeof(kernel), seg.sha256);
	loader_page(page, &seg, 1, 0, 0, 0);
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("kx: sha256 ok: 1 segments, 4096 bytes");
	/* ... but not at an entry outside it. */
	t.given.entry = (uintptr_t)kernel - 1;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("lies in no verified segment");
}

KX_TEST(image_never_writes_over_what_it_verified)
{
	static uint8_t page[4096] __attribute__((aligned(4096))), kernel[8192];
	static uint8_t core[4096] __attribute__((aligned(4096)));
	struct kx_segment seg = { .dest = (uintptr_t)kernel, .size = sizeof(kernel),
				  .kind = KX_SEG_KERNEL };
	uint64_t elfh[2];

	reset();
	kx_rand_fill(kernel, sizeof(kernel));
	kx_sha256(kernel, sizeof(kernel), seg.sha256);
	t.given.entry = (uintptr_t)kernel;

	/* A round trip's ELF core header that wraps around the address
	 * space: refused back to the caller before the fix-up writes. */
	elfh[0] = UINT64_MAX - 63;
	elfh[1] = 128;
	loader_page(page, &seg, 1, KX_SETUP_F_SWAP, elfh, (uintptr_t)core);
	t.given.jump_back = (uintptr_t)core;
	CHECK_EQ(run(), RETURNED);
	CHECK_SAID("the ELF core header wraps or lies in verified memory");
	/* One inside the verified kernel: refused the same way. */
	elfh[0] = (uintptr_t)kernel + 4096;
	elfh[1] = 64;
	loader_page(page, &seg, 1, KX_SETUP_F_SWAP, elfh, (uintptr_t)core);
	CHECK_EQ(run(), RETURNED);
	CHECK_SAID("the ELF core header wraps or lies in verified memory");
	t.given.jump_back = 0;

	/* A crash kernel's backup copied over the verified kernel: halted. */
	reset();
	one_region(kernel, sizeof(kernel));
	t.given.entry = (uintptr_t)kernel;
	t.given.backup_src = (uintptr_t)core;
	t.given.backup_dst = (uintptr_t)kernel + 100;
	t.given.backup_size = 200;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("crash backup region would be written over verified memory");
	/* Elsewhere it is saved. */
	memset(core, 0x5a, 200);
	t.given.backup_src = (uintptr_t)core;
	t.given.backup_dst = (uintptr_t)core + 2048;
	CHECK_EQ(run(), ENTERED);
	CHECK_EQ(core[2048 + 199], 0x5a);
	/* Into kexec-tools' backup segment, verified while empty: saved. */
	{
		static uint8_t backup[4096];

		memset(backup, 0, sizeof(backup));
		sha256_regions[1].start = (uintptr_t)backup;
		sha256_regions[1].len = sizeof(backup);
		kx_sha256_regions(sha256_regions, 2, sha256_digest);
		t.given.backup_dst = (uintptr_t)backup;
		CHECK_EQ(run(), ENTERED);
		CHECK_EQ(backup[199], 0x5a);
		/* ... but not when that region holds the entry too. */
		t.given.entry = (uintptr_t)backup + 300;
		kx_memset(backup, 0, sizeof(backup));
		CHECK_EQ(run(), HALTED);
		CHECK_SAID("crash backup region would be written over verified memory");
		t.given.entry = (uintptr_t)kernel;
		memset(&sha256_regions[1], 0, sizeof(sha256_regions[1]));
		one_region(kernel, sizeof(kernel));
	}

	/* A console whose registers lie in verified memory: not one more
	 * byte is written there, and the image is not entered. */
	t.given.backup_size = 0;
	t.given.console = (uintptr_t)kernel + 64;
	t.given.console_size = 0x1c;
	CHECK_EQ(run(), HALTED);
	CHECK(!strstr(t.console, "halted"));
	CHECK(strstr(t.console, "kx: sha256 ok"));
}

/* Pages of a chain, every other page of an area: none touches another. */
static enum kx_status scattered_page(void *ctx, void **page, uint64_t *phys)
{
	struct kx_page_pool *p = ctx;

	if (p->used >= p->pages)
		return KX_ERR_NO_SPACE;
	*page = (uint8_t *)p->base + p->used * 4096;
	*phys = p->phys + p->used * 4096;
	p->used += 2;
	return KX_OK;
}

/* Whether [a, a + n) lies inside one range of the port's map. */
static int port_mapped(uint64_t a, uint64_t n)
{
	for (size_t i = 0; i < port_rs.n; i++)
		if (a >= port_rs.r[i].start && a + n <= port_rs.r[i].start + port_rs.r[i].size)
			return 1;
	return 0;
}

/*
 * A valid loader page as long as the ABI allows (a chain of 64 pages, none
 * next to another) listing as many segments as purgatory verifies (64,
 * apart): everything is mapped, verified and entered.  One segment more
 * is refused, saying why.
 */
KX_TEST(image_maps_a_long_loader_chain)
{
	enum { NSEG = KX_VERIFIED_MAX, PAGES = KX_SETUP_MAX_CHAIN, MORE = 24 };
	static uint8_t area[2 * PAGES][4096] __attribute__((aligned(4096)));
	static uint8_t segbuf[2 * (NSEG + MORE)][4096] __attribute__((aligned(4096)));
	static struct kx_segment seg[NSEG + MORE];
	static struct kx_mem_range mm[PAGES * 168];
	struct kx_page_pool pool = { area, (uintptr_t)area, 2 * PAGES, 0 };
	struct kx_setup_content c = { .segs = seg, .nsegs = NSEG, .memmap = mm };
	uint64_t head;
	unsigned n;

	reset();
	port_maps = 1;
	for (unsigned i = 0; i < NSEG + MORE; i++) {
		kx_rand_fill(segbuf[2 * i], 4096);
		seg[i] = (struct kx_segment){ .dest = (uintptr_t)segbuf[2 * i], .size = 4096,
					      .kind = i ? KX_SEG_OTHER : KX_SEG_KERNEL };
		kx_sha256(segbuf[2 * i], 4096, seg[i].sha256);
	}
	/* A memory map long enough to fill the chain to its last page. */
	for (n = 0; n < KX_ARRAY_SIZE(mm); n++)
		mm[n] = (struct kx_mem_range){ (uint64_t)n << 20, 1 << 20, KX_MEM_RAM, 0 };
	for (c.nmemmap = n; c.nmemmap > 0; c.nmemmap -= 16) {
		pool.used = 0;
		if (kx_setup_write(&c, scattered_page, &pool, &head) == KX_OK)
			break;
	}
	CHECK_EQ(pool.used / 2, PAGES);
	kx_setup_page = head;
	t.given.entry = seg[0].dest;
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("kx: sha256 ok: 64 segments, 262144 bytes");
	CHECK(port_map_no == NULL);
	for (unsigned i = 0; i < PAGES; i++)
		CHECK(port_mapped((uintptr_t)area[2 * i], 4096));
	for (unsigned i = 0; i < NSEG; i++)
		CHECK(port_mapped(seg[i].dest, seg[i].size));
	CHECK(port_rs.n <= KX_MAP_RANGES_MAX);

	/* Segments next to each other are one range: 65 of them map, and
	 * verification refuses the 65th it cannot keep. */
	for (unsigned i = 0; i <= NSEG; i++) {
		seg[i].dest = (uintptr_t)segbuf[i];
		kx_sha256(segbuf[i], 4096, seg[i].sha256);
	}
	c.nsegs = NSEG + 1;
	c.nmemmap = 0;
	pool.used = 0;
	CHECK_ST(kx_setup_write(&c, scattered_page, &pool, &head), KX_OK);
	kx_setup_page = head;
	t.given.entry = seg[0].dest;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("more verified ranges than purgatory can keep");

	/* 88 apart, on a full chain: more than the map holds, refused
	 * before anything is hashed. */
	for (unsigned i = 0; i < NSEG + MORE; i++) {
		seg[i].dest = (uintptr_t)segbuf[2 * i];
		kx_sha256(segbuf[2 * i], 4096, seg[i].sha256);
	}
	c.nsegs = NSEG + MORE;
	for (c.nmemmap = n; c.nmemmap > 0; c.nmemmap -= 16) {
		pool.used = 0;
		if (kx_setup_write(&c, scattered_page, &pool, &head) == KX_OK)
			break;
	}
	kx_setup_page = head;
	t.given.entry = seg[0].dest;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("names more than 148 ranges to map");
	CHECK_SAID("lists too many segments to map");
}

/* ------------------------------------------------ the one-pass hand-off */

#define OP_N 4			/* lanes */
#define OP_KPAGES 9		/* kernel pages */
#define OP_IPAGES 5		/* initrd pages */

/* Staging and destinations of a kernel and an initrd, a page list moving
 * them, and a loader page listing both in LANE (N = OP_N). */
static struct {
	uint8_t stage[OP_KPAGES + OP_IPAGES][4096] __attribute__((aligned(4096)));
	uint8_t kernel[OP_KPAGES][4096] __attribute__((aligned(4096)));
	uint8_t initrd[OP_IPAGES][4096] __attribute__((aligned(4096)));
	uint8_t ind[4][4096] __attribute__((aligned(4096)));
	uint8_t page[4096] __attribute__((aligned(4096)));
	struct kx_segment_lanes seg[2];
	uint64_t head;
} op;

static void op_loader_page(void)
{
	struct kx_setup_writer w;

	CHECK_ST(kx_setup_init(&w, op.page, 4096, 0), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_LANES, op.seg, 2, sizeof(op.seg[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	kx_setup_page = (uintptr_t)op.page;
}

static void op_setup_flags(uint32_t flags)
{
	struct kx_page_pool pool = { op.ind, (uintptr_t)op.ind, 4, 0 };
	struct kx_pl_segment s[2] = {
		{ op.stage[0], sizeof(op.kernel), (uintptr_t)op.kernel, sizeof(op.kernel) },
		{ op.stage[OP_KPAGES], sizeof(op.initrd), (uintptr_t)op.initrd, sizeof(op.initrd) },
	};
	struct kx_pl_builder b = { .alloc = kx_page_pool_alloc, .alloc_ctx = &pool,
				   .flags = flags };

	reset();
	kx_rand_fill(op.stage, sizeof(op.stage));
	memset(op.kernel, 0, sizeof(op.kernel));
	memset(op.initrd, 0, sizeof(op.initrd));
	memset(&kx_copy_hashed, 0, sizeof(kx_copy_hashed));
	CHECK_ST(kx_pl_build(&b, s, 2), KX_OK);
	op.head = b.head;
	memset(op.seg, 0, sizeof(op.seg));
	for (unsigned i = 0; i < 2; i++) {
		op.seg[i].dest = s[i].dest;
		op.seg[i].size = s[i].memsz;
		op.seg[i].kind = i ? KX_SEG_INITRD : KX_SEG_KERNEL;
		op.seg[i].lanes = OP_N;
		CHECK_ST(kx_lanes(s[i].buf, s[i].memsz, OP_N, op.seg[i].digest), KX_OK);
	}
	op_loader_page();
	t.given.entry = (uintptr_t)op.kernel + 0x200;
}

static void op_setup(void)
{
	op_setup_flags(0);
}

/* What the copy hashed for segment i, against its digest now. */
static void check_hashed(unsigned i, uint32_t flags)
{
	const struct kx_copy_hashed_seg *h = &kx_copy_hashed.seg[i];
	uint8_t d[32];

	CHECK_EQ(h->dest, op.seg[i].dest);
	CHECK_EQ(h->size, op.seg[i].size);
	CHECK_EQ(h->lanes, OP_N);
	CHECK_EQ(h->flags, flags);
	CHECK(kx_lanes_impl_at(h->engine, 0) == kx_lanes_get_impl());
	CHECK_ST(kx_lanes((const void *)(uintptr_t)h->dest, h->size, OP_N, d), KX_OK);
	CHECK_MEM(h->digest, d, 32);
}

KX_TEST(image_one_pass_compares_what_the_copy_hashed)
{
	op_setup();
	/* Stale results of an earlier hand-off are dropped by the hook. */
	kx_copy_hashed.count = 1;
	kx_copy_hashed.seg[0].size = 1;
	CHECK_EQ(kx_copy_hash(op.head, kx_relocate_pages, KX_PL_DIGEST), OP_KPAGES + OP_IPAGES);
	CHECK_MEM(op.kernel, op.stage[0], sizeof(op.kernel));
	CHECK_MEM(op.initrd, op.stage[OP_KPAGES], sizeof(op.initrd));
	CHECK_EQ(kx_copy_hashed.count, 2);
	CHECK_EQ(kx_copy_hashed.pages, OP_KPAGES + OP_IPAGES);
	check_hashed(0, 0);
	check_hashed(1, 0);
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("kx: one pass: the trampoline copied 14 pages and hashed 2 segments while copying,");
	CHECK_SAID("kx-lanes/4 ok (");
	CHECK_SAID(", hashed while copying, compared)");
	CHECK_SAID("; 2 compared with the copy's digests, 0 bytes hashed by purgatory");
	CHECK(!strstr(t.console, "hashed by purgatory)"));
	/* Taken once: the next entry into purgatory finds nothing. */
	CHECK_EQ(kx_copy_hashed.count, 0);
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("; 0 compared with the copy's digests, 57344 bytes hashed by purgatory");

	/* A byte altered before the copy: the copy's digest is compared and
	 * refused. */
	op_setup();
	op.stage[OP_KPAGES + 2][100] ^= 1;
	kx_copy_hash(op.head, kx_relocate_pages, KX_PL_DIGEST);
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("kx: KX LANES DIGEST MISMATCH in segment 1 (initrd)");
	CHECK_SAID("hashed while copying, compared)");
	CHECK_SAID("kx: halted: the next kernel is NOT entered");
}

/* A page written out of order, then a page of the kernel written twice:
 * the hook hashes those segments again after the copy, never wrongly. */
KX_TEST(image_one_pass_rereads_a_segment_written_out_of_order)
{
	uint64_t *e;

	op_setup();
	/* A list of its own: kernel pages 1 then 0, initrd page 0 twice (the
	 * second from the kernel's staging), nothing else. */
	e = (uint64_t *)op.ind[0];
	memset(e, 0, 4096);
	e[0] = (uintptr_t)op.kernel[1] | IND_DESTINATION;
	e[1] = (uintptr_t)op.stage[1] | IND_SOURCE;
	e[2] = (uintptr_t)op.kernel[0] | IND_DESTINATION;
	e[3] = (uintptr_t)op.stage[0] | IND_SOURCE;
	e[4] = (uintptr_t)op.initrd[0] | IND_DESTINATION;
	e[5] = (uintptr_t)op.stage[OP_KPAGES] | IND_SOURCE;
	e[6] = (uintptr_t)op.initrd[0] | IND_DESTINATION;
	e[7] = (uintptr_t)op.stage[2] | IND_SOURCE;
	e[8] = IND_DONE;
	/* The segments as the list leaves them: two pages of each. */
	op.seg[0].size = op.seg[1].size = 2 * 4096;
	memcpy(op.initrd[1], op.stage[OP_KPAGES + 1], 4096);
	CHECK_ST(kx_lanes(op.stage[0], 2 * 4096, OP_N, op.seg[0].digest), KX_OK);
	{
		uint8_t want[2][4096];

		memcpy(want[0], op.stage[2], 4096);
		memcpy(want[1], op.stage[OP_KPAGES + 1], 4096);
		CHECK_ST(kx_lanes(want, sizeof(want), OP_N, op.seg[1].digest), KX_OK);
	}
	op_loader_page();
	CHECK_EQ(kx_copy_hash((uintptr_t)op.ind[0] | IND_INDIRECTION, kx_relocate_pages, KX_PL_DIGEST), 4);
	CHECK_EQ(kx_copy_hashed.count, 2);
	check_hashed(0, KX_COPY_F_REREAD);
	check_hashed(1, KX_COPY_F_REREAD);
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("hashed by the trampoline after the copy, compared)");
	CHECK_SAID("; 2 compared with the copy's digests");
}

/*
 * The copy's results are used only for the segment they describe exactly:
 * one that names another size (here the expected digest, one page short,
 * over an altered segment) is not used, and purgatory hashes the segment
 * itself and refuses it; an impossible count is not used at all.
 */
KX_TEST(image_one_pass_results_never_skip_verification)
{
	struct kx_copy_hashed_seg *f = &kx_copy_hashed.seg[0];

	op_setup();
	CHECK_EQ(kx_relocate_pages(op.head, KX_PL_COPY, 0, 0), OP_KPAGES + OP_IPAGES);
	op.initrd[3][7] ^= 0x80;
	kx_copy_hashed.count = 1;
	f->dest = op.seg[1].dest;
	f->size = op.seg[1].size - 4096;
	f->lanes = OP_N;
	memcpy(f->digest, op.seg[1].digest, 32);
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("kx-lanes/4 describes no segment of the setup page: not used");
	CHECK_SAID("kx: KX LANES DIGEST MISMATCH in segment 1 (initrd)");
	CHECK_SAID("hashed by purgatory)");

	/* Another N, another dest: not used either. */
	kx_copy_hashed.count = 1;
	f->size = op.seg[1].size;
	f->lanes = OP_N + 1;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("KX LANES DIGEST MISMATCH in segment 1 (initrd)");
	kx_copy_hashed.count = 1;
	f->lanes = OP_N;
	f->dest += 4096;
	CHECK_EQ(run(), HALTED);
	CHECK_SAID("KX LANES DIGEST MISMATCH in segment 1 (initrd)");

	/* More results than the table holds: none used. */
	op.initrd[3][7] ^= 0x80;
	kx_copy_hashed.count = KX_COPY_HASHED_MAX + 1;
	f->dest = op.seg[1].dest;
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("none used");
	CHECK_SAID("; 0 compared with the copy's digests");
}

/* A round trip's one pass: the pages swapped and hashed as the exchange
 * leaves them; the list run again in plain SWAP gives every byte back. */
KX_TEST(image_one_pass_hashes_while_swapping)
{
	static uint8_t before[OP_KPAGES + OP_IPAGES][4096];

	op_setup_flags(KX_PL_BUILD_SWAPPABLE);
	memset(op.kernel, 0x5a, sizeof(op.kernel));
	memcpy(before, op.stage, sizeof(before));
	CHECK_EQ(kx_copy_hash(op.head, kx_relocate_pages, KX_PL_SWAP_DIGEST),
		 OP_KPAGES + OP_IPAGES);
	CHECK_MEM(op.kernel, before[0], sizeof(op.kernel));
	CHECK_MEM(op.initrd, before[OP_KPAGES], sizeof(op.initrd));
	CHECK_EQ(op.stage[0][0], 0x5a);
	CHECK_EQ(kx_copy_hashed.count, 2);
	check_hashed(0, 0);
	check_hashed(1, 0);
	CHECK_EQ(run(), ENTERED);
	CHECK_SAID("; 2 compared with the copy's digests, 0 bytes hashed by purgatory");
	CHECK_EQ(kx_relocate_pages(op.head, KX_PL_SWAP, 0, 0), OP_KPAGES + OP_IPAGES);
	CHECK_MEM(op.stage, before, sizeof(before));
}
