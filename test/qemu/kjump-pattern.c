/* SPDX-License-Identifier: MIT */
/*
 * kjump-pattern: the pattern kernel A keeps in its memory across kexec
 * jumps, and B's check of it in the ELF core kxpeer wrote of A.
 *
 *   kjump-pattern fill NONCE PAGES > FILE
 *       PAGES pages; page i starts with "KXPAT\0\0\0", NONCE and i (u32
 *       each) and goes on with a xorshift stream seeded by (NONCE, i), so
 *       every page is different and names itself.
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

static int fill(uint32_t nonce, uint32_t pages)
{
	uint8_t p[PAGE];

	for (uint32_t i = 0; i < pages; i++) {
		make_page(p, nonce, i);
		if (fwrite(p, PAGE, 1, stdout) != 1)
			return 1;
	}
	return fflush(stdout) != 0;
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
			if (ndisplaced && bsearch(&where[i], displaced, ndisplaced,
						  sizeof(*displaced), cmp64))
				disp++;
		}
	}
	printf("kjump-pattern: %u/%u pages found, %u displaced (read through the map), %u in place, %u bad, %u duplicate\n",
	       found, pages, disp, found - disp, bad, dup);
	return !(found == pages && !bad && !dup);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill((uint32_t)strtoul(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "check")) {
		if (argc == 6)
			load_displaced(argv[5]);
		return check(argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
			     (uint32_t)strtoul(argv[4], NULL, 0));
	}
	fputs("usage: kjump-pattern fill NONCE PAGES | check CORE NONCE PAGES [DISPLACED]\n", stderr);
	return 2;
}
