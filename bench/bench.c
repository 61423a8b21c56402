/* SPDX-License-Identifier: MIT */
/*
 * kxbench: kx's SHA-256, purgatory verification and page-list copy
 * engines against their anchors, over the same 64 MiB in one run.
 *
 * Every case runs RUNS times, timed in this thread's CPU time; the rounds
 * are interleaved (round r runs every case once) so that a burst of load
 * from other processes lands on all cases alike rather than on one.
 * Each figure is reported as best and median, and each case as a ratio
 * against its anchor: anchor time / case time, so above 1 is faster.
 * Speedup targets are judged on the ratio of best times: on a shared
 * machine interference only ever adds time, so the best run is the
 * closest to what the code costs.  Cost targets (one case's time over
 * another's, such as a swap round trip against a one-way copy) are judged
 * on the ratio of median times: a ratio of two best times moves with the
 * one lucky run of either side (2.62 best against 2.48 median was seen
 * for the round trip), where the medians of interleaved runs do not.  Both
 * ratios are printed.
 *
 * Before timing, every case runs once and its result is checked (the
 * digests against OpenSSL's, the copies page by page): a fast wrong
 * answer is a failure, not a figure.
 *
 * Usage: kxbench [-r RUNS] [-g GROUP]
 *   -g runs one group of cases (sha256, verify, copy, digest, lanes) and the
 *      cases they are measured against: for quick loops while tuning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <kx/lanes.h>
#include <kx/page_list.h>
#include <kx/sha256.h>
#include <kx/verify.h>
#include "anchors.h"
#include "pagelist.h"

#define MIB		(1024u * 1024u)
#define SIZE		(64u * MIB)	/* bytes every case reads */
#define PAGE		4096u
#define RUNS_DEFAULT	7
#define RUNS_MAX	64
#define NREGIONS	4		/* kx_verify_regions: 64 MiB in 4 */
#define NSEGS		4		/* copy: destination segments */

/* ------------------------------------------------------------ state */

static uint8_t *data;		/* the 64 MiB every case reads */
static uint8_t *dst;		/* copy destination, 64 MiB */
static uint8_t *ref;		/* a copy of data, to check swaps against */
static uint8_t *cooler;		/* read before each timed run, see cool() */
static uint8_t expect[32];	/* OpenSSL's SHA-256 of data */
static uint8_t expect_list[32];	/* ... of the source pages in list order */
static uint8_t got[32];		/* last digest a case produced */
static struct kx_sha256_region regions[KX_VERIFY_MAX_REGIONS];
static struct kx_verify verified;
static enum kx_status verify_status;
static struct bench_pagelist pagelist;
/* The destination segments in list order: what purgatory hashes. */
static struct kx_sha256_region dst_regions[KX_SHA256_REGIONS];
static unsigned ndst_regions;
static const struct kx_sha256_impl *portable, *accel;
/* KX lanes: N as kx's loaders write it; the digests of data (as one
 * segment) and of each destination segment, by the Python-checked
 * portable engine, to check the fast ones against. */
#define LANES		16
static uint8_t expect_lanes[32];
static uint8_t expect_dst_lanes[KX_SHA256_REGIONS][32];
static uint8_t got_dst_lanes[KX_SHA256_REGIONS][32];
static struct kx_lanes_seg lane_segs[KX_SHA256_REGIONS];

static void die(const char *what)
{
	fprintf(stderr, "kxbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------ cases */

static void kx_hash(const struct kx_sha256_impl *impl)
{
	struct kx_sha256 c;

	kx_sha256_init_impl(&c, impl);
	kx_sha256_update(&c, data, SIZE);
	kx_sha256_final(&c, got);
}

/* Two digests of the same bytes through update2; got is the second.
 * The first context is given a different start (one block of zeros
 * hashed before) so that the two chains really differ. */
static void kx_hash2(const struct kx_sha256_impl *impl)
{
	static const uint8_t zero[64];
	struct kx_sha256 a, b;
	uint8_t first[32];

	kx_sha256_init_impl(&a, impl);
	kx_sha256_init_impl(&b, impl);
	kx_sha256_update(&a, zero, sizeof(zero));
	kx_sha256_update2(&a, &b, data, SIZE);
	kx_sha256_final(&a, first);
	kx_sha256_final(&b, got);
}

static void run_kt(void) { bench_kt_sha256(data, SIZE, got); }
static void run_openssl(void)
{
	unsigned len = 32;

	if (!EVP_Digest(data, SIZE, got, &len, EVP_sha256(), NULL))
		memset(got, 0, sizeof(got));
}
static void run_portable(void) { kx_hash(portable); }
static void run_accel(void) { kx_hash(accel); }
static void run_portable2(void) { kx_hash2(portable); }
static void run_accel2(void) { kx_hash2(accel); }

static void run_kt_regions(void)
{
	bench_kt_regions(regions, KX_SHA256_REGIONS, got);
}

static void verify_with(const struct kx_sha256_impl *impl)
{
	kx_sha256_set_impl(impl);
	verify_status = kx_verify_regions(regions, KX_VERIFY_MAX_REGIONS,
					  expect, &verified);
	kx_sha256_set_impl(NULL);
	memcpy(got, verified.combined, sizeof(got));
}
static void run_verify_best(void) { verify_with(kx_sha256_best()); }
static void run_verify_portable(void) { verify_with(portable); }

static void run_linux_copy(void) { bench_copy_linux_rep_movsq(pagelist.head); }
static void run_memcpy_copy(void)
{
	bench_copy_memcpy_pairs(pagelist.pairs, pagelist.npages);
}

/* The copy engines.  The list is valid by construction, so the assembly
 * walker runs it as the trampoline would, unchecked; the C reference
 * validates it in a first pass, as it always does. */
static void run_kx_copy(void)
{
	kx_relocate_pages(pagelist.head, KX_PL_COPY, NULL, NULL);
}
static void run_kx_pl_run(void)
{
	if (kx_pl_run(NULL, pagelist.head, KX_PL_COPY, NULL, NULL, NULL) != KX_OK)
		memset(dst, 0, PAGE);	/* fails check_copy */
}
/* Sources and destinations are disjoint: the list is swappable, and a
 * second swap restores both sides. */
static void run_kx_swap(void)
{
	kx_relocate_pages(pagelist.head, KX_PL_SWAP, NULL, NULL);
}
static void run_kx_swap_round_trip(void)
{
	kx_relocate_pages(pagelist.head, KX_PL_SWAP, NULL, NULL);
	kx_relocate_pages(pagelist.head, KX_PL_SWAP, NULL, NULL);
}

/* The accelerated hash of the destination segments in list order: the
 * digest copy-with-digest produces, computed from memory afterwards. */
static void hash_dst(void)
{
	struct kx_sha256 c;

	kx_sha256_init_impl(&c, accel);
	for (unsigned i = 0; i < ndst_regions; i++)
		kx_sha256_update(&c, (const void *)(uintptr_t)dst_regions[i].start,
				 dst_regions[i].len);
	kx_sha256_final(&c, got);
}
static void run_hash_dst(void) { hash_dst(); }
static void run_kx_copy_then_hash(void)
{
	run_kx_copy();
	hash_dst();
}
static void run_kx_copy_digest(void)
{
	struct kx_sha256 c;

	kx_sha256_init_impl(&c, accel);
	kx_relocate_digest(pagelist.head, &c);
	kx_sha256_final(&c, got);
}
/* What kexec does today: Linux copies, then kexec-tools' purgatory hashes
 * the segments. */
static void run_linux_copy_kt_hash(void)
{
	run_linux_copy();
	bench_kt_regions(dst_regions, ndst_regions, got);
}

/* ---- KX lanes */

static int check_copy(void);

static void run_lanes(void)
{
	static struct kx_lanes c;

	kx_lanes_init(&c, LANES);
	kx_lanes_update(&c, data, SIZE);
	kx_lanes_final(&c, got);
}

/* The lanes digest of each destination segment, from memory. */
static void lanes_dst(void)
{
	for (unsigned i = 0; i < ndst_regions; i++)
		kx_lanes((const void *)(uintptr_t)dst_regions[i].start,
			 dst_regions[i].len, LANES, got_dst_lanes[i]);
}
static void run_lanes_dst(void) { lanes_dst(); }

/*
 * Copy-with-lanes.  kx_pl_run_lanes hands each copy to the lanes, whose
 * AVX-512 engine copies a segment's pages 16 at a time from the
 * registers it hashes (one pass over memory); kx_relocate_lanes, the
 * assembly walker, copies each page itself and the lanes hash it from
 * cache soon after (two passes, the second from cache).
 */
static void copy_lanes_with(int asm_walker)
{
	struct kx_lanes_copy lc;

	for (unsigned i = 0; i < ndst_regions; i++) {
		lane_segs[i].dest = dst_regions[i].start;
		lane_segs[i].size = dst_regions[i].len;
		kx_lanes_init(&lane_segs[i].ctx, LANES);
	}
	kx_lanes_copy_init(&lc, lane_segs, ndst_regions);
	if (asm_walker)
		kx_relocate_lanes(pagelist.head, &lc);
	else if (kx_pl_run_lanes(NULL, pagelist.head, &lc, NULL) != KX_OK)
		abort();
	kx_lanes_copy_finish(&lc);
	for (unsigned i = 0; i < ndst_regions; i++)
		memcpy(got_dst_lanes[i], lane_segs[i].digest, 32);
}
static void copy_lanes(void) { copy_lanes_with(0); }
static void run_copy_lanes(void) { copy_lanes(); }
static void run_copy_lanes_asm(void) { copy_lanes_with(1); }
/* The hand-off as kxboot does it with lanes: walk, copy and hash, then
 * compare with the digests the loader wrote. */
static void run_handoff_lanes(void)
{
	int diff = 0;

	copy_lanes();
	for (unsigned i = 0; i < ndst_regions; i++)
		diff |= memcmp(lane_segs[i].digest, expect_dst_lanes[i], 32);
	if (diff)
		memset(got_dst_lanes, 0, sizeof(got_dst_lanes));
}

static int check_lanes(void) { return memcmp(got, expect_lanes, 32) == 0; }
static int check_dst_lanes(void)
{
	for (unsigned i = 0; i < ndst_regions; i++)
		if (memcmp(got_dst_lanes[i], expect_dst_lanes[i], 32) != 0)
			return 0;
	return 1;
}
static int check_copy_lanes(void)
{
	return check_dst_lanes() && check_copy();
}

/*
 * The memory-bandwidth floor: kx's copy engine over a list that copies
 * the 64 MiB in order into one segment, so that the hardware prefetcher
 * streams it (no page-boundary latency): the bytes per second memory
 * gives a copy.  A round trip moves four times a copy's bytes (each of
 * its two swaps reads and writes both pages), so it cannot take less
 * than four of these.
 */
static uint64_t seq_head;

static void build_seq_list(void)
{
	size_t per = KX_IND_ENTRIES_PER_PAGE - 1, pages = SIZE / PAGE;
	size_t nind = (pages + 1 + per - 1) / per;
	uint64_t *ind = aligned_alloc(PAGE, nind * PAGE);
	size_t slot = 0, page = 0;

	if (!ind)
		die("sequential list");
	seq_head = (uintptr_t)ind | IND_INDIRECTION;
	ind[slot++] = (uintptr_t)dst | IND_DESTINATION;
	for (size_t i = 0; i < pages; i++) {
		if (slot == per) {
			/* The last slot chains to the next page. */
			ind[page * KX_IND_ENTRIES_PER_PAGE + slot] =
				(uintptr_t)(ind + (page + 1) * KX_IND_ENTRIES_PER_PAGE) |
				IND_INDIRECTION;
			page++;
			slot = 0;
		}
		ind[page * KX_IND_ENTRIES_PER_PAGE + slot++] =
			(uintptr_t)(data + i * PAGE) | IND_SOURCE;
	}
	ind[page * KX_IND_ENTRIES_PER_PAGE + slot] = IND_DONE;
}
static void run_stream_copy(void)
{
	kx_relocate_pages(seq_head, KX_PL_COPY, NULL, NULL);
}
static int check_stream(void) { return memcmp(dst, data, SIZE) == 0; }

static const char *need_accel(void)
{
	return accel ? NULL : "this CPU has no SHA-256 instructions kx uses";
}

static int check_digest(void) { return memcmp(got, expect, 32) == 0; }

/* The combined digest is the message's, and each region's own digest
 * is that region's alone. */
static int check_verify(void)
{
	uint8_t one[32];

	if (verify_status != KX_OK || !check_digest())
		return 0;
	for (unsigned i = 0; i < NREGIONS; i++) {
		EVP_Digest((const void *)(uintptr_t)regions[i].start,
			   regions[i].len, one, NULL, EVP_sha256(), NULL);
		if (memcmp(one, verified.digest[i], 32) != 0)
			return 0;
	}
	return 1;
}

static void clear_dst(void) { memset(dst, 0, SIZE); }
static void fill_dst(void) { run_memcpy_copy(); }
static int check_copy(void) { return bench_pagelist_check(&pagelist) == 0; }
static int check_digest_list(void) { return memcmp(got, expect_list, 32) == 0; }
static int check_copy_digest(void)
{
	return check_digest_list() && check_copy();
}

/*
 * Swap cases start from destinations that differ from every source: each
 * word names its page and place, so a page swapped to the wrong place
 * shows.  (In the timed runs the destinations hold the copies the copy
 * cases left, so a swap exchanges equal bytes and data keeps its bytes
 * for the cases after it; the cost does not depend on the bytes.)
 */
static uint64_t mark(size_t off) { return 0x6b78737761700000ULL ^ off; }
static void mark_dst(void)
{
	for (size_t off = 0; off < SIZE; off += 8) {
		uint64_t m = mark(off);

		memcpy(dst + off, &m, 8);
	}
}
static int dst_marked(const uint8_t *p, size_t off)
{
	for (size_t i = 0; i < PAGE; i += 8) {
		uint64_t m;

		memcpy(&m, p + i, 8);
		if (m != mark(off + i))
			return 0;
	}
	return 1;
}
/* Every pair exchanged: the destination holds its source's bytes, the
 * source its destination's marks. */
static int swapped(void)
{
	for (size_t i = 0; i < pagelist.npages; i++) {
		const struct bench_page_pair *p = &pagelist.pairs[i];

		if (memcmp(p->dst, ref + (p->src - data), PAGE) != 0 ||
		    !dst_marked(p->src, (size_t)(p->dst - dst)))
			return 0;
	}
	return 1;
}
/* Both sides as they were before the first swap. */
static int restored(void)
{
	if (memcmp(data, ref, SIZE) != 0)
		return 0;
	for (size_t off = 0; off < SIZE; off += PAGE)
		if (!dst_marked(dst + off, off))
			return 0;
	return 1;
}
/* One swap exchanges every pair; the same swap again undoes it. */
static int check_swap(void)
{
	if (!swapped())
		return 0;
	run_kx_swap();
	return restored();
}

/*
 * The cases.  anchor names the case a ratio is taken against (NULL: this
 * is an anchor).  before runs untimed ahead of the checked first run;
 * ready says why a case cannot run on this machine (NULL: it can).
 */
struct bench_case {
	const char *group;
	const char *name;
	const char *anchor;
	const char *also;	/* a second anchor, reported on its own row */
	void (*run)(void);
	int (*check)(void);
	void (*before)(void);
	const char *(*ready)(void);
	double t[RUNS_MAX];	/* seconds, per round */
	double best, median;	/* seconds */
	const char *skipped;	/* why not run */
	int wanted;		/* selected by -g, or measured against */
};

#define CASE(g, n, a, fn, chk, ...)					\
	{ .group = (g), .name = (n), .anchor = (a), .run = (fn),	\
	  .check = (chk), __VA_ARGS__ }

static struct bench_case cases[] = {
	/* SHA-256 of the 64 MiB as one message. */
	CASE("sha256", "kexec-tools sha256.c", NULL, run_kt, check_digest),
	CASE("sha256", "openssl", NULL, run_openssl, check_digest),
	CASE("sha256", "kx portable", "kexec-tools sha256.c", run_portable, check_digest),
	CASE("sha256", "kx accel", "openssl", run_accel, check_digest,
	     .ready = need_accel),
	/* Two digests of the same bytes in one pass (update2), against one:
	 * 0.5 would mean the second digest costs as much as the first. */
	CASE("sha256", "kx portable 2 digests", "kx portable", run_portable2, check_digest),
	CASE("sha256", "kx accel 2 digests", "kx accel", run_accel2, check_digest,
	     .ready = need_accel),

	/* Purgatory's check: 64 MiB in 4 page-multiple regions.  kexec-tools
	 * hashes its 16 slots into one digest; kx computes that digest and
	 * each region's own in the same pass. */
	CASE("verify", "kexec-tools purgatory", NULL, run_kt_regions, check_digest),
	CASE("verify", "kx_verify_regions", "kexec-tools purgatory",
	     run_verify_best, check_verify),
	CASE("verify", "kx_verify_regions portable", "kexec-tools purgatory",
	     run_verify_portable, check_verify),

	/*
	 * Page-list copy: the 64 MiB as 16384 scattered source pages into 4
	 * destination segments (bench/pagelist.c), the same list for every
	 * case.  The anchors: glibc memcpy of the same page pairs (the copy
	 * limit), and Linux's per-page `rep movsq` walk of the list.  kx's
	 * engines: the assembly walker (trampoline/relocate_x86_64.S) in
	 * each mode, and the C reference (kx_pl_run) for information.  Swap
	 * and its round trip (kexec jump: there and back) are measured
	 * against kx's own copy.
	 */
	CASE("copy", "glibc memcpy", NULL, run_memcpy_copy, check_copy,
	     .before = clear_dst),
	CASE("copy", "linux rep movsq", NULL, run_linux_copy, check_copy,
	     .before = clear_dst),
	CASE("copy", "kx copy", "linux rep movsq", run_kx_copy, check_copy,
	     .before = clear_dst, .also = "glibc memcpy"),
	CASE("copy", "kx_pl_run copy (C)", "linux rep movsq", run_kx_pl_run,
	     check_copy, .before = clear_dst),
	CASE("copy", "kx swap", "kx copy", run_kx_swap, check_swap,
	     .before = mark_dst),
	CASE("copy", "kx swap round trip", "kx copy", run_kx_swap_round_trip,
	     restored, .before = mark_dst),

	/*
	 * Copy and verify: the digest of the destination segments in list
	 * order (what purgatory checks) with the copy.  The anchor is the
	 * accelerated hash alone over the copied destination: copy-with-
	 * digest hashes each page while it is in L1, so the copy should cost
	 * little beyond it.  Copy-then-hash is the two-pass way with kx's
	 * parts, Linux's copy then kexec-tools' hash what kexec does today.
	 */
#define HASH_ALONE "kx accel, dst in list order"
	CASE("digest", HASH_ALONE, "kx accel", run_hash_dst, check_digest_list,
	     .before = fill_dst, .ready = need_accel),
	CASE("digest", "linux copy, kexec-tools hash", NULL,
	     run_linux_copy_kt_hash, check_copy_digest, .before = clear_dst),
	CASE("digest", "kx copy, then hash", HASH_ALONE, run_kx_copy_then_hash,
	     check_copy_digest, .before = clear_dst, .ready = need_accel),
	CASE("digest", "kx copy+digest", HASH_ALONE, run_kx_copy_digest,
	     check_copy_digest, .before = clear_dst, .ready = need_accel,
	     .also = "linux copy, kexec-tools hash"),

	/*
	 * KX lanes (N = 16): the digest whose lanes run side by side,
	 * against one accelerated chain (the floor of any single digest
	 * here) and OpenSSL; copy-with-lanes over the page list (both
	 * walkers) against the lanes digest of the copied destination alone;
	 * and the hand-off of
	 * kxboot's path (walk, copy, hash, compare) against copying then
	 * hashing with one chain.
	 */
#define LANES_ALONE "kx lanes, dst segments"
	CASE("lanes", "kx lanes", "kx accel", run_lanes, check_lanes,
	     .also = "openssl"),
	CASE("lanes", LANES_ALONE, "kx lanes", run_lanes_dst, check_dst_lanes,
	     .before = fill_dst),
	CASE("lanes", "kx copy+lanes", LANES_ALONE, run_copy_lanes,
	     check_copy_lanes, .before = clear_dst),
	CASE("lanes", "kx copy+lanes, asm walker", LANES_ALONE,
	     run_copy_lanes_asm, check_copy_lanes, .before = clear_dst),
	CASE("lanes", "kx hand-off, lanes", "kx copy, then hash",
	     run_handoff_lanes, check_copy_lanes, .before = clear_dst),
	CASE("copy", "kx copy, in order", NULL, run_stream_copy,
	     check_stream, .before = clear_dst),
};

static struct bench_case *find_case(const char *name)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

/* ------------------------------------------------------------ timing */

/*
 * This thread's CPU time: on a machine shared with other jobs, time spent
 * preempted is not the code's cost and would swamp it.  What sharing does
 * to caches and memory bandwidth still counts, hence the anchors.
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Every timed run starts with caches that hold none of the bytes it
 * works on, as when kexec relocates pages loaded long before: reading
 * COOL bytes elsewhere (three times the 32 MiB L3 this was tuned on)
 * evicts what the run before left behind and fills the caches with clean
 * lines, so no run pays for another's write-backs.  Without it a case's
 * figure depends on its predecessor (a copy through the cache leaves up
 * to an L3 of dirty destination lines behind), and the copy group's
 * ratios varied by a tenth from run to run.
 */
#define COOL (96u * MIB)

static void cool(void)
{
	volatile uint64_t sink;
	uint64_t sum = 0;

	for (size_t off = 0; off < COOL; off += 64)
		sum += *(const volatile uint64_t *)(cooler + off);
	sink = sum;
	(void)sink;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void summarize(struct bench_case *c, unsigned runs)
{
	double s[RUNS_MAX];

	memcpy(s, c->t, runs * sizeof(s[0]));
	qsort(s, runs, sizeof(s[0]), cmp_double);
	c->best = s[0];
	c->median = runs % 2 ? s[runs / 2] : (s[runs / 2 - 1] + s[runs / 2]) / 2;
}

static double mbps(double seconds) { return SIZE / seconds / 1e6; }

static int ran(const struct bench_case *c)
{
	return c && c->wanted && !c->skipped;
}

/* Anchor time over case time (above 1: the case is faster); 0 if either
 * did not run. */
static double speedup(const struct bench_case *c, const struct bench_case *a,
		      int median)
{
	if (!ran(a) || !ran(c))
		return 0;
	return median ? a->median / c->median : a->best / c->best;
}

/* ------------------------------------------------------------ machine */

static void read_loadavg(char *out, size_t n)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l1, l5, l15;

	if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
		snprintf(out, n, "%.2f %.2f %.2f", l1, l5, l15);
	else
		snprintf(out, n, "unknown");
	if (f)
		fclose(f);
}

/* "model name (family F model M)" from /proc/cpuinfo: a virtual
 * machine's model name is often only the brand. */
static void read_cpu(char *out, size_t n)
{
	char line[512], name[256] = "unknown", family[16] = "?", model[16] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		if (line[0] == '\n')
			break;		/* the first CPU is enough */
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = 0;
		if (strncmp(line, "model name", 10) == 0)
			snprintf(name, sizeof(name), "%s", v);
		else if (strncmp(line, "cpu family", 10) == 0)
			snprintf(family, sizeof(family), "%s", v);
		else if (strncmp(line, "model\t", 6) == 0)
			snprintf(model, sizeof(model), "%s", v);
	}
	if (f)
		fclose(f);
	snprintf(out, n, "%s (family %s model %s)", name, family, model);
}

/* ------------------------------------------------------------ setup */

static void fill(uint8_t *p, size_t n)
{
	uint64_t s = 0x6b78626e63680001ULL;	/* fixed: same bytes every run */

	for (size_t i = 0; i < n; i += 8) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		memcpy(p + i, &s, 8);
	}
}

/*
 * What copy-with-digest must produce: SHA-256 of the source pages in list
 * order; and the destination segments in list order, which the list
 * writes page after page (bench/pagelist.c), for the two-pass cases.
 */
static void list_digest_and_regions(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned len = 32;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		die("OpenSSL");
	ndst_regions = 0;
	for (size_t i = 0; i < pagelist.npages; i++) {
		const struct bench_page_pair *p = &pagelist.pairs[i];
		struct kx_sha256_region *r;

		if (!EVP_DigestUpdate(md, p->src, PAGE))
			die("OpenSSL");
		r = ndst_regions ? &dst_regions[ndst_regions - 1] : NULL;
		if (r && r->start + r->len == (uintptr_t)p->dst) {
			r->len += PAGE;
			continue;
		}
		if (ndst_regions == KX_SHA256_REGIONS) {
			fprintf(stderr, "kxbench: more than %d destination runs\n",
				KX_SHA256_REGIONS);
			exit(1);
		}
		r = &dst_regions[ndst_regions++];
		r->start = (uintptr_t)p->dst;
		r->len = PAGE;
	}
	if (!EVP_DigestFinal_ex(md, expect_list, &len))
		die("OpenSSL");
	EVP_MD_CTX_free(md);
}

static void setup(void)
{
	/* Fractions of the 64 MiB, in pages: sizes unlike each other, as a
	 * kernel, an initrd, a command line and purgatory are. */
	static const unsigned share[NREGIONS] = { 9, 4, 2, 1 };
	size_t pages = SIZE / PAGE, off = 0;
	const struct kx_sha256_impl *best = kx_sha256_best();

	data = aligned_alloc(PAGE, SIZE);
	dst = aligned_alloc(PAGE, SIZE);
	if (!data || !dst)
		die("64 MiB buffers");
	fill(data, SIZE);
	memset(dst, 0, SIZE);
	if (!EVP_Digest(data, SIZE, expect, NULL, EVP_sha256(), NULL)) {
		fprintf(stderr, "kxbench: OpenSSL SHA-256 failed\n");
		exit(1);
	}

	for (unsigned i = 0; i < NREGIONS; i++) {
		size_t n = i == NREGIONS - 1 ? pages - off : pages * share[i] / 16;

		regions[i].start = (uintptr_t)(data + off * PAGE);
		regions[i].len = n * PAGE;
		off += n;
	}

	if (bench_pagelist_build(&pagelist, data, dst, pages, NSEGS, 1))
		die("page list");
	ref = malloc(SIZE);
	cooler = malloc(COOL);
	if (!ref || !cooler)
		die("reference and cooling buffers");
	memset(cooler, 1, COOL);
	memcpy(ref, data, SIZE);
	list_digest_and_regions();
	build_seq_list();
	{
		static struct kx_lanes c;
		const struct kx_lanes_impl *lp = kx_lanes_impl_at(0, NULL);

		kx_lanes_init_impl(&c, LANES, lp);
		kx_lanes_update(&c, data, SIZE);
		kx_lanes_final(&c, expect_lanes);
		/* The destinations after a copy: the sources in list order. */
		run_memcpy_copy();
		for (unsigned i = 0; i < ndst_regions; i++) {
			kx_lanes_init_impl(&c, LANES, lp);
			kx_lanes_update(&c, (const void *)(uintptr_t)dst_regions[i].start,
					dst_regions[i].len);
			kx_lanes_final(&c, expect_dst_lanes[i]);
		}
		memset(dst, 0, SIZE);
	}

	portable = kx_sha256_impl_at(0, NULL);
	accel = best != portable ? best : NULL;
}

/* ------------------------------------------------------------ report */

/*
 * A goal compares one case with another, either as a speedup (versus
 * time / case time, at least limit, judged on best times) or as a cost
 * (case time / versus time, at most limit, judged on median times).
 */
enum goal { AT_LEAST_SPEEDUP, AT_MOST_TIME };

struct target {
	const char *name;
	const char *case_name;
	const char *versus;	/* NULL: the case's anchor */
	enum goal goal;
	double limit;
};

static const struct target targets[] = {
	{ "sha256-accel-vs-openssl", "kx accel", NULL, AT_LEAST_SPEEDUP, 0.95 },
	{ "sha256-portable-vs-kexec-tools", "kx portable", NULL,
	  AT_LEAST_SPEEDUP, 1.0 },
	/* Against the floor of this CPU, one accelerated chain, rather than
	 * a C implementation: kexec-tools' two digests in one pass, and the
	 * lanes digest, whose lanes are independent. */
	{ "verify-2-digests-vs-one-chain", "kx_verify_regions", "kx accel",
	  AT_LEAST_SPEEDUP, 0.78 },
	{ "lanes-vs-one-chain", "kx lanes", "kx accel", AT_LEAST_SPEEDUP, 2.5 },
	{ "copy-lanes-vs-lanes", "kx copy+lanes", LANES_ALONE, AT_MOST_TIME, 1.15 },
	{ "copy-vs-linux-rep-movsq", "kx copy", "linux rep movsq",
	  AT_LEAST_SPEEDUP, 1.2 },
	{ "swap-vs-copy", "kx swap", "kx copy", AT_MOST_TIME, 1.3 },
	{ "copy-digest-vs-hash", "kx copy+digest", HASH_ALONE, AT_MOST_TIME, 1.1 },
	/* A round trip moves four times a copy's bytes (two swaps, each
	 * reading and writing both pages): 4.0 if memory bandwidth bound it
	 * (see the floor line); a copy of scattered pages is latency-bound. */
	{ "swap-round-trip-vs-copy", "kx swap round trip", "kx copy",
	  AT_MOST_TIME, 2.75 },
};

/* The target's ratio in its own direction; 0 if a side did not run. */
static double target_ratio(const struct target *t, int median)
{
	const struct bench_case *c = find_case(t->case_name);
	const struct bench_case *v = find_case(t->versus ? t->versus : c->anchor);
	double x = speedup(c, v, median);

	return t->goal == AT_MOST_TIME && x ? 1 / x : x;
}

/* The ratio a target is judged on: best for speedups, median for costs. */
static int judged_on_median(const struct target *t)
{
	return t->goal == AT_MOST_TIME;
}

static int target_met(const struct target *t, double x)
{
	return x && (t->goal == AT_MOST_TIME ? x <= t->limit : x >= t->limit);
}

static const char *display_name(const struct bench_case *c, char *buf, size_t n)
{
	/* "kx accel" is named after the implementation it ran. */
	if (accel && strncmp(c->name, "kx accel", 8) == 0) {
		snprintf(buf, n, "kx %s%s", accel->name, c->name + 8);
		return buf;
	}
	if (strcmp(c->name, "kx lanes") == 0) {
		snprintf(buf, n, "kx lanes/%d %s", LANES, kx_lanes_best()->name);
		return buf;
	}
	if (strcmp(c->name, "kx_verify_regions") == 0) {
		snprintf(buf, n, "kx_verify_regions %s", kx_sha256_best()->name);
		return buf;
	}
	return c->name;
}

/* Marks the cases of group (all when NULL) and, transitively, the cases
 * they are measured against. */
static int select_cases(const char *group)
{
	unsigned ncases = sizeof(cases) / sizeof(cases[0]), any = 0;
	int more = 1;

	for (unsigned i = 0; i < ncases; i++) {
		cases[i].wanted = !group || strcmp(cases[i].group, group) == 0;
		any |= cases[i].wanted;
	}
	while (more) {
		more = 0;
		for (unsigned i = 0; i < ncases; i++) {
			const char *need[2] = { cases[i].anchor, cases[i].also };

			for (unsigned k = 0; cases[i].wanted && k < 2; k++) {
				struct bench_case *a = need[k] ? find_case(need[k]) : NULL;

				if (a && !a->wanted)
					a->wanted = more = 1;
			}
		}
	}
	return any;
}

static void print_ratio_row(const char *group, const char *shown,
			    const struct bench_case *c, const struct bench_case *a,
			    int first)
{
	char aname[64];

	if (first)
		printf("%-7s %-32s %9.0f %9.0f   ", group, shown,
		       mbps(c->best), mbps(c->median));
	else
		printf("%-7s %-32s %9s %9s   ", "", "", "", "");
	if (ran(a))
		printf("%-30s %6.2f %6.2f\n", display_name(a, aname, sizeof(aname)),
		       speedup(c, a, 0), speedup(c, a, 1));
	else
		printf("%-30s\n", "(anchor)");
}

int main(int argc, char **argv)
{
	unsigned runs = RUNS_DEFAULT, ncases = sizeof(cases) / sizeof(cases[0]);
	char load_before[64], load_after[64], cpu[256], name[64];
	const char *group = NULL;
	time_t t0 = time(NULL);
	int opt, bad = 0;

	while ((opt = getopt(argc, argv, "r:g:")) != -1) {
		if (opt == 'r' && atoi(optarg) >= 1 && atoi(optarg) <= RUNS_MAX) {
			runs = (unsigned)atoi(optarg);
		} else if (opt == 'g') {
			group = optarg;
		} else {
			fprintf(stderr, "usage: kxbench [-r RUNS (1-%d)] [-g GROUP]\n",
				RUNS_MAX);
			return 2;
		}
	}
	if (!select_cases(group)) {
		fprintf(stderr, "kxbench: no group %s\n", group);
		return 2;
	}
	read_loadavg(load_before, sizeof(load_before));
	read_cpu(cpu, sizeof(cpu));
	setup();

	/* Once each, untimed: warms caches and page tables, and checks. */
	for (unsigned i = 0; i < ncases; i++) {
		struct bench_case *c = &cases[i];

		if (!c->wanted)
			continue;
		c->skipped = c->ready ? c->ready() : NULL;
		if (c->skipped)
			continue;
		if (c->before)
			c->before();
		memset(got, 0, sizeof(got));
		c->run();
		if (c->check && !c->check()) {
			fprintf(stderr, "kxbench: %s: %s gave a wrong result\n",
				c->group, c->name);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	/* The timed runs of the digest cases read the copies in dst. */
	fill_dst();

	for (unsigned r = 0; r < runs; r++) {
		for (unsigned i = 0; i < ncases; i++) {
			struct bench_case *c = &cases[i];
			double t;

			if (!ran(c))
				continue;
			cool();
			t = now();
			c->run();
			c->t[r] = now() - t;
		}
	}
	for (unsigned i = 0; i < ncases; i++)
		if (ran(&cases[i]))
			summarize(&cases[i], runs);
	read_loadavg(load_after, sizeof(load_after));

	{
		char date[32];

		strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&t0));
		printf("kxbench %s: 64 MiB per case, %u interleaved runs, "
		       "MB/s = 10^6 bytes per CPU-second\n", date, runs);
	}
	printf("cpu:  %s, %ld online; kx SHA-256: %s, KX lanes: %s\n", cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), kx_sha256_best()->name,
	       kx_lanes_best()->name);
	printf("load: %s before, %s after (/proc/loadavg)\n", load_before, load_after);
	printf("with: gcc %s, %s, %s util_lib/sha256.c\n\n", __VERSION__,
	       OpenSSL_version(OPENSSL_VERSION), bench_kt_version);
	printf("ratio = anchor time / case time: above 1, the case is faster\n");
	printf("%-7s %-32s %9s %9s   %-30s %6s %6s\n", "group", "case",
	       "best", "median", "ratio vs", "best", "median");
	for (unsigned i = 0; i < ncases; i++) {
		const struct bench_case *c = &cases[i];
		const char *shown = display_name(c, name, sizeof(name));

		if (!c->wanted)
			continue;
		if (c->skipped) {
			printf("%-7s %-32s skipped: %s\n", c->group, shown, c->skipped);
			continue;
		}
		print_ratio_row(c->group, shown, c,
				c->anchor ? find_case(c->anchor) : NULL, 1);
		if (c->also)
			print_ratio_row(c->group, shown, c, find_case(c->also), 0);
	}

	/* Each goal in its own direction, best and median, then the
	 * target lines (judged on best times). */
	printf("\ngoals: speedups are judged on best times, costs (<=) on median times\n");
	printf("%-32s %8s %6s %6s\n", "goal", "limit", "best", "median");
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const struct target *t = &targets[i];
		const struct bench_case *c = find_case(t->case_name);
		const struct bench_case *v = find_case(t->versus ? t->versus : c->anchor);
		char cname[64], vname[64];
		const char *cn = display_name(c, cname, sizeof(cname));
		const char *vn = display_name(v, vname, sizeof(vname));
		int cost = t->goal == AT_MOST_TIME;

		if (!target_ratio(t, 0))
			continue;
		printf("%-32s %2s %5.2f %6.2f %6.2f   time of %s / %s\n", t->name,
		       cost ? "<=" : ">=", t->limit, target_ratio(t, 0),
		       target_ratio(t, 1), cost ? cn : vn, cost ? vn : cn);
	}
	{
		const struct bench_case *st = find_case("kx copy, in order");
		const struct bench_case *cp = find_case("kx copy");
		const struct bench_case *rt = find_case("kx swap round trip");

		const struct bench_case *sw = find_case("kx swap");

		/* Reads plus writes per second (median): a copy moves each
		 * byte twice, a swap four times, a round trip eight. */
		if (ran(st) && ran(cp) && ran(rt) && ran(sw))
			printf("memory traffic (reads + writes, GB/s, median): kx copy %.1f, "
			       "in order %.1f, swap %.1f, round trip %.1f; at the copy's "
			       "rate a round trip (4x its bytes) would take 4.00x a copy\n",
			       2 * SIZE / cp->median / 1e9, 2 * SIZE / st->median / 1e9,
			       4 * SIZE / sw->median / 1e9, 8 * SIZE / rt->median / 1e9);
	}
	printf("\n");
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const struct target *t = &targets[i];
		int med = judged_on_median(t);
		double x = target_ratio(t, med);

		if (!target_ratio(t, 0) && group)
			continue;	/* not selected */
		printf("target %s %.2f (%s) %s\n", t->name, x, med ? "median" : "best",
		       target_met(t, x) ? "ok" : "missed");
	}
	bench_pagelist_free(&pagelist);
	free(data);
	free(dst);
	free(ref);
	free(cooler);
	return 0;
}
