/* SPDX-License-Identifier: MIT */
/*
 * kxp2m: kx's page-list builder against a real Xen P2M, in a PV dom0
 * (test/qemu/xen.sh).  Its buffers are contiguous to it; their
 * pseudo-physical frames come from /proc/self/pagemap and their machine
 * frames from Xen's M2P table (mapped read-only from DOMID_XEN, frames
 * named by XENMEM_machphys_mfn_list), which the builder's translation hook
 * uses.  Two segments are placed so that the source-page rule bites in
 * machine space: one's destination starts on the machine frame of the
 * other's first buffer page.  Every entry of the list is then checked
 * against Xen: each source frame, mapped through privcmd (Xen's own
 * mapping of that machine frame), holds exactly the bytes its destination
 * must receive, and no source is the destination of an earlier copy.
 * The list is built, never run.  Prints "KXMARK p2m ..." lines; exits 1
 * naming what failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
/* xc_map_foreign_pages/_range: the compat API, what libxenctrl exports. */
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <xenctrl.h>
#include <kx/page_list.h>

#define PG 4096
#define NPAGES 256		/* the buffer: segments' pages, then the pool */
#define POOL_FROM 128
#define SEG_PAGES 32
#define M2P_CHUNK (2u << 20)	/* the M2P is made of 2 MiB chunks */

static xc_interface *xch;
static uint8_t *buf;
static uint64_t pfn[NPAGES], mfn[NPAGES];
static unsigned pool_next = POOL_FROM;

static void die(const char *what, const char *why)
{
	printf("\nKXMARK p2m FAIL %s: %s\n", what, why);
	exit(1);
}

/* Pseudo-physical frames of our pages (needs CAP_SYS_ADMIN to see them). */
static void read_pagemap(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		die("/proc/self/pagemap", strerror(errno));
	for (unsigned i = 0; i < NPAGES; i++) {
		uint64_t e;
		off_t off = (off_t)((uintptr_t)(buf + (size_t)i * PG) / PG * 8);

		if (pread(fd, &e, 8, off) != 8)
			die("pagemap read", strerror(errno));
		if (!(e >> 63 & 1) || !(e & ((1ULL << 55) - 1)))
			die("pagemap", "page not present or frame hidden");
		pfn[i] = e & ((1ULL << 55) - 1);
	}
	close(fd);
}

/* Machine frames: the M2P entries (mfn -> pfn) naming our pfns. */
static void read_m2p(void)
{
	unsigned long max_mfn;
	unsigned long chunks;
	xen_pfn_t *ext, *frames, *m2p;
	unsigned found = 0;

	if (xc_maximum_ram_page(xch, &max_mfn))
		die("xc_maximum_ram_page", strerror(errno));
	chunks = ((max_mfn + 1) * sizeof(xen_pfn_t) + M2P_CHUNK - 1) / M2P_CHUNK;
	ext = calloc(chunks, sizeof(*ext));
	frames = calloc(chunks * (M2P_CHUNK / PG), sizeof(*frames));
	if (!ext || !frames)
		die("calloc", "out of memory");
	if (xc_machphys_mfn_list(xch, chunks, ext))
		die("xc_machphys_mfn_list", strerror(errno));
	for (unsigned long c = 0; c < chunks; c++)
		for (unsigned j = 0; j < M2P_CHUNK / PG; j++)
			frames[c * (M2P_CHUNK / PG) + j] = ext[c] + j;
	m2p = xc_map_foreign_pages(xch, DOMID_XEN, PROT_READ, frames,
				   chunks * (M2P_CHUNK / PG));
	if (!m2p)
		die("mapping the M2P", strerror(errno));
	for (unsigned i = 0; i < NPAGES; i++)
		mfn[i] = UINT64_MAX;
	for (unsigned long m = 0; m <= max_mfn; m++) {
		for (unsigned i = 0; i < NPAGES; i++) {
			if (m2p[m] != pfn[i])
				continue;
			if (mfn[i] != UINT64_MAX)
				die("M2P", "two machine frames claim one of our frames");
			mfn[i] = m;
			found++;
		}
	}
	if (found != NPAGES)
		die("M2P", "a page of ours has no machine frame");
	printf("\nKXMARK p2m m2p %lu chunks, max_mfn 0x%lx\n", chunks, max_mfn);
}

/*
 * Xen's mapping of one machine frame of ours: DOMID_SELF, since Xen
 * refuses a domain naming its own id as the foreign one (ESRCH).
 */
static int frame_holds(uint64_t m, const void *want)
{
	void *p = xc_map_foreign_range(xch, DOMID_SELF, PG, PROT_READ, (unsigned long)m);
	int same;

	if (!p)
		die("xc_map_foreign_range", strerror(errno));
	same = !memcmp(p, want, PG);
	munmap(p, PG);
	return same;
}

static long page_of_machine(uint64_t ma)
{
	for (unsigned i = 0; i < NPAGES; i++)
		if (mfn[i] == ma / PG)
			return i;
	return -1;
}

static enum kx_status xlate(void *ctx, const void *virt, uint64_t *phys)
{
	uintptr_t v = (uintptr_t)virt, b = (uintptr_t)buf;

	(void)ctx;
	if (v < b || v - b >= (uintptr_t)NPAGES * PG)
		return KX_ERR_RANGE;
	*phys = mfn[(v - b) / PG] * PG + (v - b) % PG;
	return KX_OK;
}

static enum kx_status alloc(void *ctx, void **page, uint64_t *phys)
{
	(void)ctx;
	if (pool_next >= NPAGES)
		return KX_ERR_NO_MEMORY;
	*page = buf + (size_t)pool_next * PG;
	*phys = mfn[pool_next] * PG;
	pool_next++;
	return KX_OK;
}

/* The walker reads our indirection pages through our own mapping. */
static enum kx_status map(void *ctx, uint64_t phys, uint32_t len, const void **out)
{
	long i = page_of_machine(phys);

	(void)ctx;
	if (i < 0 || phys % PG + len > PG)
		return KX_ERR_RANGE;
	*out = buf + (size_t)i * PG + phys % PG;
	return KX_OK;
}

struct seen {
	const struct kx_pl_segment *segs;
	uint64_t dests[2 * SEG_PAGES];
	unsigned n, in_place, moved;
};

/* Each source, as Xen maps it, holds what its destination must get; no
 * source frame was the destination of an earlier copy. */
static enum kx_status visit(void *ctx, const struct kx_pl_entry *e)
{
	struct seen *s = ctx;
	const struct kx_pl_segment *seg;
	uint64_t off;

	if (e->kind != IND_SOURCE)
		return KX_OK;
	if (s->n >= 2 * SEG_PAGES)
		die("list", "more copies than pages");
	seg = &s->segs[s->n < SEG_PAGES ? 0 : 1];
	off = e->dest - seg->dest;
	if (off >= seg->memsz)
		die("list", "a destination outside its segment");
	for (unsigned k = 0; k < s->n; k++)
		if (s->dests[k] == e->addr)
			die("rule", "a source frame was an earlier copy's destination");
	if (!frame_holds(e->addr / PG, (const uint8_t *)seg->buf + off))
		die("Xen's mapping", "a source frame does not hold its page's bytes");
	if (e->addr == mfn[((const uint8_t *)seg->buf + off - buf) / PG] * PG)
		s->in_place++;
	else
		s->moved++;
	s->dests[s->n++] = e->dest;
	return KX_OK;
}

int main(void)
{
	struct kx_pl_segment segs[2];
	struct kx_pl_builder b = { .alloc = alloc, .xlate = xlate };
	struct seen seen = { .segs = segs };
	struct kx_pl_walk w = { .map = map, .visit = visit, .visit_ctx = &seen };
	unsigned split = 0, differ = 0, a = 0, bb = 0;
	enum kx_status st;

	buf = mmap(0, (size_t)NPAGES * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap", strerror(errno));
	srand(1);
	for (size_t i = 0; i < (size_t)NPAGES * PG; i++)
		buf[i] = (uint8_t)(rand() >> 8);
	xch = xc_interface_open(0, 0, 0);
	if (!xch)
		die("xc_interface_open", strerror(errno));
	read_pagemap();
	read_m2p();
	for (unsigned i = 0; i < NPAGES; i++) {
		differ += pfn[i] != mfn[i];
		split += i && mfn[i] != mfn[i - 1] + 1;
	}
	printf("\nKXMARK p2m %u pages: %u with pfn != mfn, %u machine discontinuities\n",
	       NPAGES, differ, split);
	if (!differ || !split)
		die("P2M", "identity or contiguous: nothing to prove");
	/*
	 * Segment 0 (buffer pages a..) goes to the machine frames starting at
	 * segment 1's first buffer frame; segment 1 (pages bb..) to frames
	 * starting at segment 0's second: the first copy of segment 1 reads a
	 * frame segment 0 has written (must move), segment 0's second copy
	 * reads a frame written only later (may stay).
	 */
	for (a = 0; a < 32; a++)
		for (bb = 48; bb < 96; bb++) {
			uint64_t d0 = mfn[bb], d1 = mfn[a + 1];

			if (d0 + SEG_PAGES <= d1 || d1 + SEG_PAGES <= d0)
				goto placed;
		}
	die("placement", "no two disjoint destinations");
placed:
	segs[0] = (struct kx_pl_segment){ buf + (size_t)a * PG, SEG_PAGES * PG,
					  mfn[bb] * PG, SEG_PAGES * PG };
	segs[1] = (struct kx_pl_segment){ buf + (size_t)bb * PG, SEG_PAGES * PG,
					  mfn[a + 1] * PG, SEG_PAGES * PG };
	st = kx_pl_build(&b, segs, 2);
	if (st != KX_OK)
		die("kx_pl_build", kx_strerror(st));
	st = kx_pl_walk(&w, b.head, 0, 0);
	if (st != KX_OK)
		die("kx_pl_walk", kx_strerror(st));
	if (seen.n != 2 * SEG_PAGES)
		die("list", "not one copy per page");
	if (!seen.moved || !seen.in_place)
		die("list", "expected both in-place and moved sources");
	printf("\nKXMARK p2m ok: %u copies checked through Xen's mappings, %u in place, %u moved, %llu list pages\n",
	       seen.n, seen.in_place, seen.moved, (unsigned long long)b.ind_pages);
	xc_interface_close(xch);
	return 0;
}
