/* SPDX-License-Identifier: MIT */
/*
 * kxpeer: the tool kernel B runs after a kexec jump from kernel A
 * (docs/kexec-jump.md).  It reads the kx setup page kx's purgatory left
 * (kx_setup= on B's command line) and
 *
 *   kxpeer info              says what the page holds: flags, the jump-back
 *                            entry, the backup map (extents, displaced
 *                            pages), A's memory map
 *   kxpeer core OUT|-        writes A's memory as an ELF core file: every
 *                            RAM range of A's memory map, each displaced
 *                            page read from where the map says it lies now,
 *                            A's vmcoreinfo note when A announced it
 *                            (kx_vmcoreinfo=ADDR,SIZE on B's command line);
 *                            all-zero pages are left as holes (a sparse
 *                            file), so the core fits in B's RAM
 *   kxpeer map               lists every displaced page: "orig current"
 *   kxpeer back              loads the way back to A: a preserve-context
 *                            kexec image whose entry is A's jump-back entry
 *                            (JMPB), so that `kexec -e` in B resumes A
 *
 * Physical memory is /dev/mem (read, or mapped where read refuses: above
 * B's own RAM, where A lives).  Exits 2 when the setup page is missing or
 * malformed, 1 on usage or I/O errors.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <kx/setup_page.h>
#include "source.h"

#define EXIT_USAGE 1
#define EXIT_INVALID 2

/* Linux's kexec_load ABI (include/uapi/linux/kexec.h). */
#define LINUX_KEXEC_PRESERVE_CONTEXT 0x2
struct linux_kexec_segment {
	const void *buf;
	size_t bufsz;
	const void *mem;
	size_t memsz;
};

/* x86_64 direct map of a 4-level kernel without KASLR (PAGE_OFFSET). */
#define DEFAULT_PAGE_OFFSET 0xffff888000000000ULL

static const char *mem_path = "/dev/mem";
static const char *cmdline_path = "/proc/cmdline";

static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kxpeer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* What the setup page says, gathered once. */
struct peer {
	struct source src;
	uint64_t setup;
	uint32_t flags;
	uint64_t jump_back;
	struct kx_backup_extent *map;	/* sorted by orig */
	unsigned nmap;
	uint64_t displaced;		/* pages */
	struct kx_mem_range *mm;
	unsigned nmm;
	char cmdline[4096];
};

static void read_cmdline(struct peer *p)
{
	FILE *f = fopen(cmdline_path, "r");
	size_t n;

	if (!f)
		die(EXIT_USAGE, "%s: %s", cmdline_path, strerror(errno));
	n = fread(p->cmdline, 1, sizeof(p->cmdline) - 1, f);
	fclose(f);
	p->cmdline[n] = 0;
}

/* Value of " KEY=<number>" on the command line; 0 when absent. */
static int cmdline_u64(const char *cmdline, const char *key, uint64_t *v,
		       uint64_t *v2)
{
	size_t klen = strlen(key);

	for (const char *s = cmdline; (s = strstr(s, key)); s += klen) {
		char *end;

		if (s != cmdline && s[-1] != ' ')
			continue;
		errno = 0;
		*v = strtoull(s + klen, &end, 0);
		if (errno || end == s + klen)
			return 0;
		if (v2) {
			if (*end != ',')
				return 0;
			*v2 = strtoull(end + 1, &end, 0);
		}
		return 1;
	}
	return 0;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct kx_backup_extent *x = a, *y = b;

	return x->orig < y->orig ? -1 : x->orig > y->orig;
}

static void *grow(void *p, unsigned n, size_t size)
{
	p = realloc(p, (size_t)(n + 1) * size);
	if (!p)
		die(EXIT_USAGE, "out of memory");
	return p;
}

static void add_table(struct peer *p, const struct kx_setup_rec *rec)
{
	struct kx_setup_table_view t;

	if (kx_setup_table(rec, &t) != KX_OK)
		die(EXIT_INVALID, "malformed table record at 0x%" PRIx64, rec->phys);
	for (uint32_t i = 0; i < t.count; i++) {
		const uint8_t *e = t.entries + (size_t)i * t.entry_size;

		if (rec->type == KX_REC_BACKUP) {
			p->map = grow(p->map, p->nmap, sizeof(*p->map));
			memcpy(&p->map[p->nmap++], e, sizeof(*p->map));
			p->displaced += p->map[p->nmap - 1].pages;
		} else {
			p->mm = grow(p->mm, p->nmm, sizeof(*p->mm));
			memcpy(&p->mm[p->nmm++], e, sizeof(*p->mm));
		}
	}
}

/* Bitmap form: bit i set = page orig_base + i moved to the next store page. */
static void add_bitmap(struct peer *p, const struct kx_setup_rec *rec)
{
	struct kx_backup_bitmap h;
	uint64_t n = 0;

	if (rec->payload_size + 8 < sizeof(h))
		die(EXIT_INVALID, "short BKBM record at 0x%" PRIx64, rec->phys);
	memcpy(&h, rec->payload - 8, sizeof(h));
	if ((h.pages + 63) / 64 * 8 > rec->payload_size + 8 - sizeof(h))
		die(EXIT_INVALID, "BKBM record at 0x%" PRIx64 " shorter than its bitmap", rec->phys);
	for (uint64_t i = 0; i < h.pages; i++) {
		uint64_t w;

		memcpy(&w, rec->payload - 8 + sizeof(h) + i / 64 * 8, 8);
		if (!(w >> (i % 64) & 1))
			continue;
		p->map = grow(p->map, p->nmap, sizeof(*p->map));
		p->map[p->nmap++] = (struct kx_backup_extent){
			h.orig_base + i * KX_PAGE_SIZE, h.store_base + n * KX_PAGE_SIZE, 1 };
		n++;
	}
	p->displaced += n;
}

static void peer_open(struct peer *p, int need_page)
{
	struct kx_setup_reader r;
	struct kx_setup_fault fault;
	struct kx_setup_rec rec;
	enum kx_status st;

	memset(p, 0, sizeof(*p));
	read_cmdline(p);
	if (source_open(&p->src, SOURCE_MEM, mem_path, 0))
		die(EXIT_USAGE, "%s", p->src.err);
	if (kx_setup_find_token(p->cmdline, strlen(p->cmdline), &p->setup) != KX_OK) {
		if (need_page)
			die(EXIT_INVALID, "no kx_setup= on the command line");
		return;
	}
	st = kx_setup_open(&r, p->setup, source_map, &p->src, &fault);
	if (st != KX_OK)
		die(EXIT_INVALID, "setup page at 0x%" PRIx64 ": %s", p->setup, kx_strerror(st));
	p->flags = kx_setup_flags(&r);
	while ((st = kx_setup_next(&r, &rec, &fault)) == KX_OK) {
		switch (rec.type) {
		case KX_REC_JUMP_BACK:
			if (rec.payload_size < 16)
				die(EXIT_INVALID, "short JMPB record");
			memcpy(&p->jump_back, rec.payload, 8);
			break;
		case KX_REC_BACKUP:
		case KX_REC_MEMMAP:
			add_table(p, &rec);
			break;
		case KX_REC_BACKUP_BITMAP:
			add_bitmap(p, &rec);
			break;
		}
	}
	if (st != KX_ERR_NOT_FOUND)
		die(EXIT_INVALID, "setup page chain: %s", kx_strerror(st));
	qsort(p->map, p->nmap, sizeof(*p->map), cmp_extent);
	for (unsigned i = 1; i < p->nmap; i++)
		if (p->map[i].orig < p->map[i - 1].orig + p->map[i - 1].pages * KX_PAGE_SIZE)
			die(EXIT_INVALID, "backup map extents overlap at 0x%" PRIx64, p->map[i].orig);
}

/* Where A's page at orig lies now: through the map, else in place. */
static uint64_t locate(const struct peer *p, uint64_t orig, int *displaced)
{
	unsigned lo = 0, hi = p->nmap;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct kx_backup_extent *x = &p->map[mid];

		if (orig < x->orig)
			hi = mid;
		else if (orig - x->orig >= x->pages * KX_PAGE_SIZE)
			lo = mid + 1;
		else {
			*displaced = 1;
			return x->current + (orig - x->orig);
		}
	}
	*displaced = 0;
	return orig;
}

/*
 * Whether A's page at a is one of the pages the swap exchanged with a
 * displaced one (an extent's current range): A's content there was B's
 * loaded image, and it now lies in B's window, where B has been running
 * since.  Linear: maps are tens of extents.
 */
static int swap_source(const struct peer *p, uint64_t a)
{
	for (unsigned i = 0; i < p->nmap; i++)
		if (a >= p->map[i].current && a - p->map[i].current < p->map[i].pages * KX_PAGE_SIZE)
			return 1;
	return 0;
}

/* End of the run from a (below end) whose pages all are, or all are not,
 * swap sources; *src says which. */
static uint64_t run_end(const struct peer *p, uint64_t a, uint64_t end, int *src)
{
	uint64_t b = a + KX_PAGE_SIZE;

	*src = swap_source(p, a);
	while (b < end && swap_source(p, b) == *src)
		b += KX_PAGE_SIZE;
	return b;
}

static int cmd_info(void)
{
	struct peer p;
	uint64_t ram = 0;

	peer_open(&p, 1);
	for (unsigned i = 0; i < p.nmm; i++)
		if (p.mm[i].type == KX_MEM_RAM)
			ram += p.mm[i].size;
	printf("kxpeer: setup page 0x%" PRIx64 ", flags 0x%x%s, jump-back 0x%" PRIx64
	       ", map %u extents, %" PRIu64 " displaced pages, memory map %u ranges, %" PRIu64 " MiB RAM\n",
	       p.setup, p.flags, p.flags & KX_SETUP_F_SWAP ? " (swap)" : "", p.jump_back,
	       p.nmap, p.displaced, p.nmm, ram >> 20);
	return 0;
}

/* Every displaced page, "orig current" a line, from the map alone. */
static int cmd_map(void)
{
	struct peer p;

	peer_open(&p, 1);
	for (unsigned i = 0; i < p.nmap; i++)
		for (uint64_t k = 0; k < p.map[i].pages; k++)
			printf("0x%" PRIx64 " 0x%" PRIx64 "\n", p.map[i].orig + k * KX_PAGE_SIZE,
			       p.map[i].current + k * KX_PAGE_SIZE);
	return fflush(stdout) ? EXIT_USAGE : 0;
}

/* ---------------------------------------------------------------- core */

/* Pages read from /dev/mem at once. */
#define CHUNK_PAGES 512

struct out {
	int fd, stream;
	uint64_t off;
	uint64_t zero_pages, pages, displaced_pages, image_pages;
};

static void put(struct out *o, const uint8_t *b, size_t len)
{
	while (len) {
		ssize_t n = write(o->fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EXIT_USAGE, "writing the core: %s", strerror(errno));
		b += n;
		len -= (size_t)n;
	}
}

/*
 * Bytes at off.  A file gets holes where nothing is written (sparse); a
 * stream (OUT "-", a pipe) is written in order, gaps as zeros, so the
 * caller writes in ascending offsets.
 */
static void write_at(struct out *o, uint64_t off, const void *buf, size_t len)
{
	static const uint8_t zeros[KX_PAGE_SIZE];

	if (o->stream) {
		if (off < o->off)
			die(EXIT_USAGE, "core stream written out of order");
		while (o->off < off) {
			size_t n = off - o->off < sizeof(zeros) ? (size_t)(off - o->off) : sizeof(zeros);

			put(o, zeros, n);
			o->off += n;
		}
		put(o, buf, len);
		o->off += len;
		return;
	}
	for (const uint8_t *b = buf; len;) {
		ssize_t n = pwrite(o->fd, b, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EXIT_USAGE, "writing the core: %s", strerror(errno));
		b += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
}

static int all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		if (w)
			return 0;
	}
	return 1;
}

/* The vmcoreinfo note A announced, read from A's memory through the map. */
static uint8_t *vmcoreinfo(struct peer *p, uint64_t *size)
{
	uint64_t addr, sz;
	uint8_t *buf;

	if (!cmdline_u64(p->cmdline, "kx_vmcoreinfo=", &addr, &sz))
		return NULL;
	if (!sz || sz > (1 << 20) || addr % 4)
		die(EXIT_INVALID, "kx_vmcoreinfo=0x%" PRIx64 ",0x%" PRIx64 ": implausible", addr, sz);
	buf = malloc(sz);
	if (!buf)
		die(EXIT_USAGE, "out of memory");
	for (uint64_t done = 0; done < sz;) {
		uint64_t a = addr + done, in_page = KX_PAGE_SIZE - a % KX_PAGE_SIZE;
		uint64_t n = sz - done < in_page ? sz - done : in_page;
		int d;

		if (source_read(&p->src, locate(p, a, &d), buf + done, n) != KX_OK)
			die(EXIT_USAGE, "reading A's vmcoreinfo at 0x%" PRIx64, a);
		done += n;
	}
	*size = sz;
	return buf;
}

static int cmd_core(const char *path, uint64_t page_offset, const char *map_out)
{
	struct peer p;
	struct out o = { 0 };
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	unsigned nload = 0, nph;
	uint64_t note_size = 0, data;
	uint8_t *note, *chunk = malloc(CHUNK_PAGES * KX_PAGE_SIZE);

	peer_open(&p, 1);
	if (!(p.flags & KX_SETUP_F_SWAP))
		die(EXIT_INVALID, "the setup page is not flagged SWAP: not a kexec jump");
	if (!p.nmm)
		die(EXIT_INVALID, "the setup page has no memory map (MMAP) of A");
	/* A load per run of A's RAM that is not a swap source: those pages'
	 * content is gone (see swap_source()), so the core leaves them out as
	 * holes of the memory map rather than claim zeros for them. */
	for (unsigned i = 0; i < p.nmm; i++) {
		uint64_t start = p.mm[i].addr & ~(uint64_t)(KX_PAGE_SIZE - 1);
		uint64_t end = (p.mm[i].addr + p.mm[i].size + KX_PAGE_SIZE - 1) & ~(uint64_t)(KX_PAGE_SIZE - 1);
		int src;

		if (p.mm[i].type != KX_MEM_RAM || !p.mm[i].size)
			continue;
		for (uint64_t a = start; a < end; a = run_end(&p, a, end, &src))
			nload += !swap_source(&p, a);
	}
	note = vmcoreinfo(&p, &note_size);
	nph = nload + (note != NULL);
	ph = calloc(nph, sizeof(*ph));
	o.stream = !strcmp(path, "-");
	o.fd = o.stream ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!ph || !chunk || o.fd < 0)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(*ph);
	eh.e_phnum = (uint16_t)nph;
	data = sizeof(eh) + (uint64_t)nph * sizeof(*ph);
	if (note) {
		/* The note as A's kernel wrote it (Elf64_Nhdr "VMCOREINFO"). */
		ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = data,
			.p_filesz = note_size, .p_memsz = note_size };
		data += note_size;
	}
	data = (data + KX_PAGE_SIZE - 1) & ~(uint64_t)(KX_PAGE_SIZE - 1);
	/* The program headers first, so a stream is written in order. */
	for (unsigned i = 0, k = note != NULL; i < p.nmm; i++) {
		const struct kx_mem_range *m = &p.mm[i];
		uint64_t start = m->addr & ~(uint64_t)(KX_PAGE_SIZE - 1);
		uint64_t end = (m->addr + m->size + KX_PAGE_SIZE - 1) & ~(uint64_t)(KX_PAGE_SIZE - 1);

		if (m->type != KX_MEM_RAM || !m->size)
			continue;
		for (uint64_t a = start, b; a < end; a = b) {
			int src;

			b = run_end(&p, a, end, &src);
			if (src)
				continue;
			ph[k++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
				.p_offset = data, .p_vaddr = page_offset + a, .p_paddr = a,
				.p_filesz = b - a, .p_memsz = b - a, .p_align = KX_PAGE_SIZE };
			data += b - a;
		}
	}
	write_at(&o, 0, &eh, sizeof(eh));
	write_at(&o, sizeof(eh), ph, (size_t)nph * sizeof(*ph));
	if (note)
		write_at(&o, ph[0].p_offset, note, note_size);
	data = ph[note != NULL].p_offset;

	FILE *mo = map_out ? fopen(map_out, "w") : NULL;

	for (unsigned i = 0; i < p.nmm; i++) {
		const struct kx_mem_range *m = &p.mm[i];
		uint64_t start = m->addr & ~(uint64_t)(KX_PAGE_SIZE - 1);
		uint64_t end = (m->addr + m->size + KX_PAGE_SIZE - 1) & ~(uint64_t)(KX_PAGE_SIZE - 1);

		if (m->type != KX_MEM_RAM || !m->size)
			continue;
		for (uint64_t a = start; a < end;) {
			int d, d2;
			uint64_t at = locate(&p, a, &d), n = 1;

			/* A run of pages that lie together (read at once). */
			while (n < CHUNK_PAGES && a + n * KX_PAGE_SIZE < end &&
			       locate(&p, a + n * KX_PAGE_SIZE, &d2) == at + n * KX_PAGE_SIZE && d2 == d)
				n++;
			if (source_read(&p.src, at, chunk, n * KX_PAGE_SIZE) != KX_OK)
				die(EXIT_USAGE, "reading A's pages 0x%" PRIx64 "+0x%" PRIx64 " at 0x%" PRIx64,
				    a, n * KX_PAGE_SIZE, at);
			for (uint64_t j = 0; j < n; j++, a += KX_PAGE_SIZE, data += KX_PAGE_SIZE) {
				const uint8_t *pg = chunk + j * KX_PAGE_SIZE;

				o.pages++;
				o.displaced_pages += d;
				if (!d && swap_source(&p, a)) {
					/* Not in the core: see swap_source(). */
					o.image_pages++;
					data -= KX_PAGE_SIZE;
					continue;
				}
				if (d && mo)
					fprintf(mo, "0x%" PRIx64 " 0x%" PRIx64 "\n", a, at + j * KX_PAGE_SIZE);
				if (all_zero(pg, KX_PAGE_SIZE)) {
					o.zero_pages++;
					continue;
				}
				write_at(&o, data, pg, KX_PAGE_SIZE);
			}
		}
	}
	if (o.stream)
		write_at(&o, data, "", 0);
	else if (ftruncate(o.fd, (off_t)data) || close(o.fd))
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	if (mo && fclose(mo))
		die(EXIT_USAGE, "%s: %s", map_out, strerror(errno));
	fprintf(o.stream ? stderr : stdout, "kxpeer: core %s: %u loads, %" PRIu64 " pages (%" PRIu64 " displaced, read through the map; %"
	       PRIu64 " held B's image, left out; %" PRIu64 " all-zero), vmcoreinfo %s\n", path,
	       nload, o.pages, o.displaced_pages, o.image_pages, o.zero_pages,
	       note ? "included" : "not announced");
	return 0;
}

/* ---------------------------------------------------------------- back */

/*
 * The way back.  A's jump-back entry lies in A's control page, which B's
 * kexec page tables do not map (it is not B's RAM): the one segment of
 * this image is that very page, with the bytes it holds now, so the kernel
 * maps it and its swap exchanges two identical pages.  A's relocate_kernel
 * code there takes B's return address from the stack (both entry
 * conventions) and swaps A's pages back.
 */
static int cmd_back(void)
{
	struct peer p;
	uint64_t entry, page;
	struct linux_kexec_segment seg;
	void *buf = aligned_alloc(KX_PAGE_SIZE, KX_PAGE_SIZE);
	long rc;

	peer_open(&p, 0);
	/* Once per boot of B: after A resumed B, B's swap has put back the
	 * copy of A's control page taken at the load, and A's current one is
	 * in the loaded image's source page: a new load would copy a stale
	 * page.  The loaded image serves every later return. */
	FILE *f = fopen("/sys/kernel/kexec_loaded", "r");
	int loaded = f && fgetc(f) == '1';

	if (f)
		fclose(f);
	if (loaded)
		die(EXIT_USAGE, "an image is already loaded: keep it for every return to A (kexec -e)");
	entry = p.jump_back;
	if (!p.setup) {
		/* No kx setup page: Linux's own token (kexec-tools' purgatory). */
		if (!cmdline_u64(p.cmdline, "kexec_jump_back_entry=", &entry, NULL))
			die(EXIT_INVALID, "no kx_setup= and no kexec_jump_back_entry= on the command line");
	} else if (!(p.flags & KX_SETUP_F_SWAP) || !entry) {
		die(EXIT_INVALID, "the setup page has no jump-back entry (SWAP 0x%x, JMPB 0x%" PRIx64 ")",
		    p.flags, entry);
	}
	page = entry & ~(uint64_t)(KX_PAGE_SIZE - 1);
	if (!buf || source_read(&p.src, page, buf, KX_PAGE_SIZE) != KX_OK)
		die(EXIT_USAGE, "reading A's control page 0x%" PRIx64, page);
	seg = (struct linux_kexec_segment){ buf, KX_PAGE_SIZE, (const void *)(uintptr_t)page,
		KX_PAGE_SIZE };
	rc = syscall(SYS_kexec_load, (unsigned long)entry, 1UL, &seg,
		     (unsigned long)LINUX_KEXEC_PRESERVE_CONTEXT);
	if (rc)
		die(EXIT_USAGE, "kexec_load of the way back (entry 0x%" PRIx64 "): %s", entry,
		    strerror(errno));
	printf("kxpeer: way back loaded: entry 0x%" PRIx64 " (%s), control page 0x%" PRIx64 "\n",
	       entry, p.setup ? "JMPB" : "kexec_jump_back_entry=", page);
	return 0;
}

static void usage(void)
{
	fputs("usage: kxpeer [--mem PATH] [--cmdline PATH] info|map|back\n"
	      "       kxpeer [...] core OUT [--page-offset VADDR] [--map-out FILE]\n"
	      "(OUT - : to stdout, in order, zero pages included)\n", stderr);
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--mem"))
			mem_path = argv[i + 1];
		else if (!strcmp(argv[i], "--cmdline"))
			cmdline_path = argv[i + 1];
		else
			usage();
	}
	if (i >= argc)
		usage();
	if (!strcmp(argv[i], "info") && i + 1 == argc)
		return cmd_info();
	if (!strcmp(argv[i], "back") && i + 1 == argc)
		return cmd_back();
	if (!strcmp(argv[i], "map") && i + 1 == argc)
		return cmd_map();
	if (!strcmp(argv[i], "core") && i + 1 < argc) {
		uint64_t po = DEFAULT_PAGE_OFFSET;
		const char *out = argv[i + 1], *map_out = NULL;

		for (i += 2; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "--page-offset"))
				po = strtoull(argv[i + 1], NULL, 0);
			else if (!strcmp(argv[i], "--map-out"))
				map_out = argv[i + 1];
			else
				usage();
		}
		if (i != argc)
			usage();
		return cmd_core(out, po, map_out);
	}
	usage();
	return EXIT_USAGE;
}
