/* SPDX-License-Identifier: MIT */
/*
 * kjump-pattern: the pattern kernel A keeps in its memory across kexec
 * jumps, and B's check of it in the ELF core kxpeer wrote of A.
 *
 *   kjump-pattern fill NONCE PAGES FILE [WINDOW_END]
 *       PAGES pages into FILE (A's ramfs); page i starts with
 *       "KXPAT\0\0\0", NONCE and i (u32 each) and goes on with a xorshift
 *       stream seeded by (NONCE, i), so every page is different and names
 *       itself.  The first half is written while A's allocator still hands
 *       out pages below WINDOW_END (B's window: those will be displaced),
 *       then a ballast file takes the window's free pages until the
 *       allocator hands out pages above it, and the second half lands
 *       there (read in place by B).  Says where the pages are
 *       (/proc/self/pagemap) and fails unless both sides hold some: B's
 *       check must count the same split.  The ballast (zeros) stays in
 *       FILE.ballast for the caller to delete once B is loaded: freed
 *       earlier, the window's pages would be the first the kernel hands
 *       kexec_load, each a destination it must set aside after a walk of
 *       the whole image (minutes under TCG instead of seconds).  Without
 *       WINDOW_END the pages are just written, wherever they land.
 *   kjump-pattern check CORE NONCE PAGES [DISPLACED]
 *       finds every page of the pattern in the core's PT_LOADs by its
 *       header (wherever A's allocator put it) and compares it byte for
 *       byte; DISPLACED (kxpeer core --map-out) lists the physical pages
 *       that were read through the backup map, so the counts say how many
 *       pattern pages were displaced by B and how many read in place.
 *       Exits 0 only when each page was found exactly once and intact.
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static void make_page(uint8_t *p, uint32_t nonce, uint32_t i)
{
	uint64_t x = ((uint64_t)nonce << 32 | i) * 0x9e3779b97f4a7c15ULL | 1;

	memcpy(p, "KXPAT\0\0\0", 8);
	memcpy(p + 8, &nonce, 4);
	memcpy(p + 12, &i, 4);
	for (int o = 16; o < PAGE; o += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + o, &x, 8);
	}
}

static int write_pages(int fd, uint32_t nonce, uint32_t from, uint32_t to)
{
	uint8_t p[PAGE];

	for (uint32_t i = from; i < to; i++) {
		make_page(p, nonce, i);
		if (pwrite(fd, p, PAGE, (off_t)i * PAGE) != PAGE)
			return -1;
	}
	return 0;
}

/*
 * Physical addresses of the page-cache pages [first, first+n) of fd, from
 * /proc/self/pagemap (PFNs need root).  A ramfs page never moves (the test
 * kernels have no compaction), so what it says holds until the jump.
 */
static int where_pages(int fd, uint64_t first, uint64_t n, uint64_t *pa)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	volatile uint8_t *m = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(first * PAGE));
	int rc = 0;

	if (pm < 0 || m == MAP_FAILED) {
		perror("kjump-pattern: pagemap");
		return -1;
	}
	for (uint64_t k = 0; k < n && !rc; k++) {
		uint64_t e;

		(void)m[k * PAGE];	/* fault the page in */
		if (pread(pm, &e, 8, (off_t)(((uintptr_t)m / PAGE + k) * 8)) != 8 ||
		    !(e >> 63) || !(e & ((1ULL << 55) - 1)))
			rc = -1;
		else
			pa[k] = (e & ((1ULL << 55) - 1)) * PAGE;
	}
	munmap((void *)m, n * PAGE);
	close(pm);
	return rc;
}

static int fill(uint32_t nonce, uint32_t pages, const char *path, uint64_t window_end)
{
	enum { CHUNK = 256, MAX_CHUNKS = 1024 };	/* 1 MiB steps, 1 GiB at most */
	char ballast[4096];
	uint8_t p[PAGE];
	uint64_t *pa = calloc(pages > CHUNK ? pages : CHUNK, sizeof(*pa));
	uint32_t in = 0, above = 0, c;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), bd;

	if (!window_end) {
		free(pa);
		return fd < 0 || write_pages(fd, nonce, 0, pages) || close(fd);
	}
	snprintf(ballast, sizeof(ballast), "%s.ballast", path);
	bd = open(ballast, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || bd < 0 || !pa || write_pages(fd, nonce, 0, pages / 2)) {
		perror("kjump-pattern: fill");
		return 1;
	}
	memset(p, 0, sizeof(p));
	for (c = 0; c < MAX_CHUNKS; ) {
		int high = 1;

		for (unsigned k = 0; k < CHUNK; k++)
			if (pwrite(bd, p, PAGE, ((off_t)c * CHUNK + k) * PAGE) != PAGE) {
				perror("kjump-pattern: ballast");
				return 1;
			}
		if (where_pages(bd, (uint64_t)c * CHUNK, CHUNK, pa))
			return 1;
		for (unsigned k = 0; k < CHUNK; k++)
			high &= pa[k] >= window_end;
		c++;
		if (high)
			break;
	}
	if (write_pages(fd, nonce, pages / 2, pages) || where_pages(fd, 0, pages, pa)) {
		perror("kjump-pattern: fill");
		return 1;
	}
	close(bd);
	close(fd);
	for (uint32_t i = 0; i < pages; i++)
		pa[i] < window_end ? in++ : above++;
	printf("kjump-pattern: %u pages (%u MiB ballast): %u in B's window (below 0x%" PRIx64
	       "), %u above it\n", pages, c, in, window_end, above);
	free(pa);
	return !in || !above;
}

static uint64_t *displaced;
static size_t ndisplaced;

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void load_displaced(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long a, b;
	size_t cap = 0;

	if (!f) {
		perror(path);
		exit(1);
	}
	while (fscanf(f, "%llx %llx", &a, &b) == 2) {
		if (ndisplaced == cap) {
			cap = cap ? cap * 2 : 1024;
			displaced = realloc(displaced, cap * sizeof(*displaced));
			if (!displaced)
				exit(1);
		}
		displaced[ndisplaced++] = a;
	}
	fclose(f);
	qsort(displaced, ndisplaced, sizeof(*displaced), cmp64);
}

static int is_displaced(uint64_t addr)
{
	return ndisplaced && bsearch(&addr, displaced, ndisplaced, sizeof(*displaced), cmp64);
}

/* CORE "-": the core comes down a pipe (kxpeer core -), read in order. */
static int stream;
static uint64_t pos;

static ssize_t rd(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t skip[PAGE], *b = buf;
	size_t done = 0;

	if (!stream)
		return pread(fd, buf, len, (off_t)off);
	if (off < pos)
		return -1;
	while (pos < off) {
		size_t n = off - pos < sizeof(skip) ? (size_t)(off - pos) : sizeof(skip);
		ssize_t r = read(fd, skip, n);

		if (r <= 0)
			return -1;
		pos += (uint64_t)r;
	}
	while (done < len) {
		ssize_t r = read(fd, b + done, len - done);

		if (r <= 0)
			break;
		done += (size_t)r;
	}
	pos += done;
	return (ssize_t)done;
}

static int check(const char *core, uint32_t nonce, uint32_t pages)
{
	int fd = (stream = !strcmp(core, "-")) ? 0 : open(core, O_RDONLY);
	static Elf64_Phdr phs[4096];
	Elf64_Ehdr eh;
	uint64_t *where = calloc(pages, sizeof(*where));
	uint8_t p[PAGE], want[PAGE];
	uint32_t found = 0, dup = 0, bad = 0, disp = 0;

	if (fd < 0 || !where || rd(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum > 4096 || rd(fd, phs, eh.e_phnum * sizeof(phs[0]), eh.e_phoff) !=
	    (ssize_t)(eh.e_phnum * sizeof(phs[0]))) {
		printf("kjump-pattern: FAIL: %s is not an ELF64 core\n", core);
		return 1;
	}
	for (unsigned k = 0; k < eh.e_phnum; k++) {
		Elf64_Phdr ph = phs[k];

		if (ph.p_type != PT_LOAD)
			continue;
		for (uint64_t o = 0; o + PAGE <= ph.p_filesz; o += PAGE) {
			uint32_t n, i;

			if (rd(fd, p, PAGE, ph.p_offset + o) != PAGE) {
				printf("kjump-pattern: FAIL: short read at 0x%" PRIx64 "\n", ph.p_paddr + o);
				return 1;
			}
			memcpy(&n, p + 8, 4);
			memcpy(&i, p + 12, 4);
			if (memcmp(p, "KXPAT\0\0\0", 8) || n != nonce)
				continue;
			if (i >= pages || where[i]) {
				/* Say where, so a stale copy can be told from a
				 * page the map named twice. */
				make_page(want, nonce, i < pages ? i : 0);
				printf("kjump-pattern: page %u again at 0x%" PRIx64 " (%s, %s; first at 0x%" PRIx64 ")\n",
				       i, ph.p_paddr + o, is_displaced(ph.p_paddr + o) ? "read through the map" : "in place",
				       i < pages && !memcmp(p, want, PAGE) ? "identical" : "different",
				       i < pages ? where[i] : 0);
				dup++;
				continue;
			}
			where[i] = ph.p_paddr + o;
			found++;
			make_page(want, nonce, i);
			if (memcmp(p, want, PAGE)) {
				bad++;
				printf("kjump-pattern: page %u at 0x%" PRIx64 " DIFFERS\n", i, where[i]);
			}
			if (is_displaced(where[i]))
				disp++;
		}
	}
	printf("kjump-pattern: %u/%u pages found, %u displaced (read through the map), %u in place, %u bad, %u duplicate\n",
	       found, pages, disp, found - disp, bad, dup);
	return !(found == pages && !bad && !dup);
}

int main(int argc, char **argv)
{
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "fill"))
		return fill((uint32_t)strtoul(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0),
			    argv[4], argc == 6 ? strtoull(argv[5], NULL, 0) : 0);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "check")) {
		if (argc == 6)
			load_displaced(argv[5]);
		return check(argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
			     (uint32_t)strtoul(argv[4], NULL, 0));
	}
	fputs("usage: kjump-pattern fill NONCE PAGES FILE [WINDOW_END] | check CORE NONCE PAGES [DISPLACED]\n", stderr);
	return 2;
}
