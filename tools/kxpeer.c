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
 *   kxpeer hibernate OUT     writes A's hibernation image (docs/hibernate.md,
 *                            docs/abi.md section 6) to a disk (a block
 *                            device, from its first byte), a file, or
 *                            mem:ADDR,SIZE (a persistent memory store): A's
 *                            pages as they lie at the jump, without B's
 *                            window, the first MiB and A's free pages (from
 *                            A's vmcoreinfo), a SHA-256 per extent
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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <kx/hibimage.h>
#include <kx/page_list.h>
#include <kx/setup_page.h>
#include <kx/sha256.h>
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
	uint64_t list_head;		/* JMPB context: A's page list */
	struct kx_pl_range *win;	/* B's segments (SEGM): the window */
	unsigned nwin;
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

/* B's segments: the window the swap exchanged (pages of B now). */
static void add_segments(struct peer *p, const struct kx_setup_rec *rec)
{
	struct kx_setup_table_view t;

	if (kx_setup_table(rec, &t) != KX_OK)
		die(EXIT_INVALID, "malformed SEGM record at 0x%" PRIx64, rec->phys);
	for (uint32_t i = 0; i < t.count; i++) {
		struct kx_segment sg;

		memcpy(&sg, t.entries + (size_t)i * t.entry_size, sizeof(sg));
		if (!sg.size)
			continue;
		p->win = grow(p->win, p->nwin, sizeof(*p->win));
		p->win[p->nwin++] = (struct kx_pl_range){ sg.dest & ~(uint64_t)(KX_PAGE_SIZE - 1),
			(sg.dest + sg.size + KX_PAGE_SIZE - 1) & ~(uint64_t)(KX_PAGE_SIZE - 1) };
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
			memcpy(&p->list_head, rec.payload + 8, 8);
			break;
		case KX_REC_SEGMENTS:
			add_segments(p, &rec);
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
 * Whether A's page at a holds B's image, not A's: one of the pages the
 * swap exchanged with a displaced one (an extent's current range: A's
 * content there was B's loaded image, and it now lies in B's window,
 * where B has been running since), or a page of B's segments that nothing
 * displaced (A's kernel took its free page there as the segment's own
 * page, so the swap left it in place: B's, and B's RAM since).  Linear:
 * maps are tens of extents.
 */
static int swap_source(const struct peer *p, uint64_t a)
{
	int d;

	for (unsigned i = 0; i < p->nmap; i++)
		if (a >= p->map[i].current && a - p->map[i].current < p->map[i].pages * KX_PAGE_SIZE)
			return 1;
	for (unsigned i = 0; i < p->nwin; i++)
		if (a >= p->win[i].start && a < p->win[i].end) {
			locate(p, a, &d);
			return !d;
		}
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

/* ----------------------------------------------------------- hibernate */

/*
 * A's free pages, from A's vmcoreinfo: the struct page of each page frame
 * (mem_section -> the section's mem_map, through A's own page tables),
 * buddy heads by their page type, each free block 2^order pages.  Every
 * read goes through the map (A's view).  Anything it cannot read or does
 * not recognise counts as in use: a page is left out only when A's
 * allocator says it is free.
 */
struct vmci {
	int ok;
	uint64_t mem_section, init_top_pgt, phys_base;
	uint64_t section_size_bits, sizeof_page, sizeof_mem_section;
	uint64_t off_mapcount, off_private, off_section_mem_map, roots, off_refcount;
	int64_t buddy;
	char why[128];
};

static int vmci_num(const char *text, const char *key, int hex, uint64_t *v)
{
	const char *s = strstr(text, key);
	char *end;

	if (!s || (s != text && s[-1] != '\n'))
		return 0;
	errno = 0;
	*v = hex ? strtoull(s + strlen(key), &end, 16) : (uint64_t)strtoll(s + strlen(key), &end, 10);
	return !errno && end != s + strlen(key) && (*end == '\n' || !*end);
}

/* The note's text (Elf64_Nhdr "VMCOREINFO", then "KEY=VALUE\n" lines). */
static char *vmci_text(const uint8_t *note, uint64_t size)
{
	uint32_t namesz, descsz;
	uint64_t off;
	char *t;

	if (size < 12)
		return NULL;
	memcpy(&namesz, note, 4);
	memcpy(&descsz, note + 4, 4);
	off = 12 + ((namesz + 3ull) & ~3ull);
	if (off > size || descsz > size - off)
		return NULL;
	t = malloc(descsz + 1ull);
	if (!t)
		die(EXIT_USAGE, "out of memory");
	memcpy(t, note + off, descsz);
	t[descsz] = 0;
	return t;
}

static void vmci_parse(struct vmci *c, const char *t)
{
	uint64_t l5 = 0, buddy;

	memset(c, 0, sizeof(*c));
	if (!t) {
		snprintf(c->why, sizeof(c->why), "no vmcoreinfo (kx_vmcoreinfo= absent)");
		return;
	}
	if (!vmci_num(t, "SYMBOL(mem_section)=", 1, &c->mem_section) ||
	    !vmci_num(t, "SYMBOL(init_top_pgt)=", 1, &c->init_top_pgt) ||
	    !vmci_num(t, "NUMBER(phys_base)=", 0, &c->phys_base) ||
	    !vmci_num(t, "NUMBER(SECTION_SIZE_BITS)=", 0, &c->section_size_bits) ||
	    !vmci_num(t, "SIZE(page)=", 0, &c->sizeof_page) ||
	    !vmci_num(t, "SIZE(mem_section)=", 0, &c->sizeof_mem_section) ||
	    !vmci_num(t, "LENGTH(mem_section)=", 0, &c->roots) ||
	    !vmci_num(t, "OFFSET(page._mapcount)=", 0, &c->off_mapcount) ||
	    !vmci_num(t, "OFFSET(page.private)=", 0, &c->off_private) ||
	    !vmci_num(t, "OFFSET(page._refcount)=", 0, &c->off_refcount) ||
	    !vmci_num(t, "OFFSET(mem_section.section_mem_map)=", 0, &c->off_section_mem_map) ||
	    !vmci_num(t, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=", 0, &buddy)) {
		snprintf(c->why, sizeof(c->why), "vmcoreinfo lacks a field the free-page walk needs");
		return;
	}
	vmci_num(t, "NUMBER(pgtable_l5_enabled)=", 0, &l5);
	if (l5 || c->sizeof_page < 48 || c->sizeof_page > 256 || KX_PAGE_SIZE % c->sizeof_page ||
	    c->off_mapcount + 4 > c->sizeof_page || c->off_private + 8 > c->sizeof_page ||
	    c->off_refcount + 4 > c->sizeof_page ||
	    !c->sizeof_mem_section || c->sizeof_mem_section > KX_PAGE_SIZE ||
	    c->section_size_bits < 15 || c->section_size_bits > 40) {
		snprintf(c->why, sizeof(c->why), "vmcoreinfo values out of the range this walk knows");
		return;
	}
	c->buddy = (int64_t)buddy;
	c->ok = 1;
}

/* A's memory, as A sees it (through the map). */
static int a_read(struct peer *p, uint64_t a, void *buf, size_t n)
{
	int d;

	return source_read(&p->src, locate(p, a, &d), buf, n) == KX_OK;
}

static int a_u64(struct peer *p, uint64_t a, uint64_t *v)
{
	return a_read(p, a, v, 8);
}

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define PTE_ADDR 0x000ffffffffff000ULL

/* A's virtual address to physical, by A's 4-level page tables. */
static int a_virt(struct peer *p, const struct vmci *c, uint64_t v, uint64_t *pa)
{
	uint64_t t = c->init_top_pgt - START_KERNEL_MAP + c->phys_base, e;

	for (int level = 3, shift = 39; level >= 0; level--, shift -= 9) {
		if (!a_u64(p, (t & PTE_ADDR) + ((v >> shift) & 511) * 8, &e) || !(e & 1))
			return 0;
		if (level == 0 || (level < 3 && (e & 0x80))) {
			uint64_t mask = (1ULL << shift) - 1;

			*pa = ((e & PTE_ADDR) & ~mask) + (v & mask);
			return 1;
		}
		t = e;
	}
	return 0;
}

/* A's struct page of pfn, copied into pg (c->sizeof_page bytes). */
static int a_struct_page(struct peer *p, const struct vmci *c, uint64_t pfn, uint8_t *pg)
{
	static uint64_t last_virt = 1, last_phys;
	uint64_t nr = pfn >> (c->section_size_bits - 12), per_root = KX_PAGE_SIZE / c->sizeof_mem_section;
	uint64_t roots, root, smm, mem_map, v, pa;

	/* SYMBOL(mem_section) is the array of roots itself (SPARSEMEM_EXTREME
	 * prints the pointer's value). */
	roots = c->mem_section;
	if (nr / per_root >= c->roots)
		return 0;
	if (!a_virt(p, c, roots + nr / per_root * 8, &pa) || !a_u64(p, pa, &root) || !root ||
	    !a_virt(p, c, root + nr % per_root * c->sizeof_mem_section + c->off_section_mem_map, &pa) ||
	    !a_u64(p, pa, &smm) || !(smm & 2))	/* SECTION_HAS_MEM_MAP */
		return 0;
	mem_map = smm & ~0x3fULL;
	v = mem_map + pfn * c->sizeof_page;
	if ((v & ~0xfffULL) != last_virt) {
		if (!a_virt(p, c, v & ~0xfffULL, &last_phys))
			return 0;
		last_virt = v & ~0xfffULL;
	}
	return a_read(p, last_phys + (v & 0xfff), pg, c->sizeof_page);
}

/* Whether A's page type word marks a free buddy block's head. */
static int is_buddy(const struct vmci *c, uint32_t type)
{
	uint32_t v = (uint32_t)c->buddy;

	if (!(v & 0x00ffffff))		/* >= 6.12: the type in the top byte */
		return (type & 0xff000000) == v;
	/* Before: a cleared bit under PAGE_TYPE_BASE (0xf0000000). */
	return (type & (0xf0000000 | ~v)) == 0xf0000000;
}

/* Every page of the block [pfn, pfn + 2^order) has a zero reference
 * count, as a free block's pages do: a second opinion before a page is
 * left out. */
static uint64_t refused_blocks;
static int unused(struct peer *p, const struct vmci *c, uint64_t pfn, uint64_t order,
		  uint64_t last)
{
	uint8_t pg[256];

	for (uint64_t k = 0; k < (1ULL << order) && pfn + k <= last; k++) {
		uint32_t ref;

		if (!a_struct_page(p, c, pfn + k, pg))
			return 0;
		memcpy(&ref, pg + c->off_refcount, 4);
		if (ref) {
			refused_blocks++;
			return 0;
		}
	}
	return 1;
}

/* free_map[pfn] = 1 for every page of A's buddy allocator in [first, last]. */
static uint64_t find_free(struct peer *p, const struct vmci *c, uint64_t first,
			  uint64_t last, uint8_t *free_map)
{
	uint8_t pg[256];
	uint64_t n = 0;

	for (uint64_t pfn = first; pfn <= last; pfn++) {
		uint32_t type;
		uint64_t order;

		if (!a_struct_page(p, c, pfn, pg))
			continue;
		memcpy(&type, pg + c->off_mapcount, 4);
		memcpy(&order, pg + c->off_private, 8);
		if (!is_buddy(c, type) || order > 12 || !unused(p, c, pfn, order, last))
			continue;
		for (uint64_t k = 0; k < (1ULL << order) && pfn + k <= last; k++)
			free_map[pfn + k] = 1;
		n += 1ULL << order;
		pfn += (1ULL << order) - 1;
	}
	return n;
}

/*
 * B's pages: its segments, and every page the swap displaced (purgatory's
 * own segment is one, outside SEGM).  A's content of those lies in the
 * swap's source pages, which the image holds; A's own swap back on resume
 * puts it here.
 */
static int in_window(const struct peer *p, uint64_t a)
{
	int d;

	for (unsigned i = 0; i < p->nwin; i++)
		if (a >= p->win[i].start && a < p->win[i].end)
			return 1;
	locate(p, a, &d);
	return d;
}

/* The A page whose content lies at physical page a now (the swap put A's
 * displaced page orig there), or a itself. */
static uint64_t logical_of(const struct peer *p, uint64_t a)
{
	for (unsigned i = 0; i < p->nmap; i++)
		if (a >= p->map[i].current && a - p->map[i].current < p->map[i].pages * KX_PAGE_SIZE)
			return p->map[i].orig + (a - p->map[i].current);
	return a;
}

/* The kernel's identity: the vmcoreinfo lines that name its build. */
static char *kernel_id(const char *t)
{
	char *id = calloc(1, KX_HIB_MAX_KERNEL_ID), *line, *save, *copy;
	size_t n = 0;

	if (!id || !t || !(copy = strdup(t)))
		die(EXIT_USAGE, "out of memory or no vmcoreinfo for the kernel's identity");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *eq = strchr(line, '=');

		/* Symbols of the kernel image only: others (mem_section) are
		 * allocated at boot, where the RAM a boot gets decides. */
		if (strncmp(line, "OSRELEASE=", 10) && strncmp(line, "BUILD-ID=", 9) &&
		    (strncmp(line, "SYMBOL(", 7) || !eq || strncmp(eq + 1, "ffffffff8", 9)))
			continue;
		if (n + strlen(line) + 2 > KX_HIB_MAX_KERNEL_ID)
			break;
		n += (size_t)sprintf(id + n, "%s\n", line);
	}
	free(copy);
	return id;
}

struct hib_out {
	uint8_t *map;		/* the store, mapped (NULL: a file or disk) */
	uint64_t cap;		/* a store's or disk's bytes (0: a file) */
	int fd;
	int disk;
};

static void hib_write(struct hib_out *o, uint64_t off, const void *b, uint64_t n)
{
	if (o->cap && (off > o->cap || n > o->cap - off))
		die(EXIT_USAGE, "the image (past 0x%" PRIx64 ") does not fit the %s (0x%" PRIx64 " bytes)",
		    off + n, o->disk ? "disk" : "store", o->cap);
	if (o->map) {
		memcpy(o->map + off, b, n);
		return;
	}
	if (pwrite(o->fd, b, n, (off_t)off) != (ssize_t)n)
		die(EXIT_USAGE, "writing the image: %s", strerror(errno));
}

/* OUT: a disk (block device), a file, or mem:ADDR,SIZE (a persistent
 * memory store by /dev/mem). */
static void hib_open(struct hib_out *o, const char *out)
{
	struct stat st;

	uint64_t addr, size;

	memset(o, 0, sizeof(*o));
	if (!strncmp(out, "mem:", 4)) {
		char *end;
		int fd = open(mem_path, O_RDWR | O_SYNC);

		addr = strtoull(out + 4, &end, 0);
		if (*end != ',' || (size = strtoull(end + 1, &end, 0)) == 0 || *end || addr % KX_PAGE_SIZE)
			die(EXIT_USAGE, "%s: want mem:ADDR,SIZE", out);
		o->map = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)addr);
		if (o->map == MAP_FAILED)
			die(EXIT_USAGE, "%s: %s", out, strerror(errno));
		o->cap = size;
		return;
	}
	/* No O_TRUNC: a disk keeps its size; a file is cut at the end. */
	o->fd = open(out, O_WRONLY | O_CREAT, 0600);
	if (o->fd < 0 || fstat(o->fd, &st))
		die(EXIT_USAGE, "%s: %s", out, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(o->fd, BLKGETSIZE64, &o->cap) || !o->cap)
			die(EXIT_USAGE, "%s: cannot tell the disk's size: %s", out, strerror(errno));
		o->disk = 1;
	}
}

/* Every byte on the medium before B powers off. */
static void hib_close(struct hib_out *o, const char *out, uint64_t total)
{
	/* A store mapped through /dev/mem (O_SYNC: uncached) holds every byte
	 * once the stores are done; msync does not apply to it. */
	if (o->map) {
		__sync_synchronize();
		return;
	}
	if ((!o->disk && ftruncate(o->fd, (off_t)total)) || fsync(o->fd) || close(o->fd))
		die(EXIT_USAGE, "%s: %s", out, strerror(errno));
}

struct hib_plan {
	struct kx_hib_extent *x;
	uint32_t n;
	uint64_t data_pages, zero_pages, free_pages, window_pages, low_pages;
	uint64_t merged_pages;		/* free pages saved in merged gaps */
};

static void plan_add(struct hib_plan *pl, uint64_t a, int zero)
{
	struct kx_hib_extent *e = pl->n ? &pl->x[pl->n - 1] : NULL;

	if (!zero)
		pl->data_pages++;
	if (e && e->phys + e->pages * KX_PAGE_SIZE == a && !!(e->flags & KX_HIB_X_ZERO) == zero) {
		e->pages++;
		return;
	}
	if (pl->n == KX_HIB_MAX_EXTENTS)
		die(EXIT_USAGE, "more than %u extents", KX_HIB_MAX_EXTENTS);
	pl->x = grow(pl->x, pl->n, sizeof(*pl->x));
	pl->x[pl->n++] = (struct kx_hib_extent){ .phys = a, .pages = 1,
		.flags = zero ? KX_HIB_X_ZERO : 0 };
}

/*
 * Pass 1: which physical pages the image holds.  A's pages as they lie at
 * the jump (displaced ones where the swap put them, so that A's own swap
 * back puts them right), except: the window (B's segments: B's pages now,
 * and A's own swap overwrites them on the way back), the first MiB (the
 * firmware's and the real-mode trampoline's, which the next boot sets up
 * again), and pages whose content is a page A's allocator had free.
 */
static void hib_plan(struct peer *p, const uint8_t *free_map, struct hib_plan *pl)
{
	uint8_t pg[KX_PAGE_SIZE];

	for (unsigned i = 0; i < p->nmm; i++) {
		const struct kx_mem_range *m = &p->mm[i];
		uint64_t start = (m->addr + KX_PAGE_SIZE - 1) & ~(uint64_t)(KX_PAGE_SIZE - 1);
		uint64_t end = (m->addr + m->size) & ~(uint64_t)(KX_PAGE_SIZE - 1);

		if (m->type != KX_MEM_RAM)
			continue;
		for (uint64_t a = start; a < end; a += KX_PAGE_SIZE) {
			if (a < 0x100000) {
				pl->low_pages++;
				continue;
			}
			if (in_window(p, a)) {
				pl->window_pages++;
				continue;
			}
			if (free_map[logical_of(p, a) / KX_PAGE_SIZE]) {
				pl->free_pages++;
				continue;
			}
			if (source_read(&p->src, a, pg, KX_PAGE_SIZE) != KX_OK)
				die(EXIT_USAGE, "reading A's page 0x%" PRIx64, a);
			pl->zero_pages += all_zero(pg, KX_PAGE_SIZE);
			plan_add(pl, a, 0);
		}
	}
}

/* The gap after extent i may be saved too: RAM of one range, no window. */
static int gap_mergeable(const struct peer *p, const struct kx_hib_extent *x,
			 const struct kx_hib_extent *y)
{
	uint64_t a = x->phys, b = y->phys + y->pages * KX_PAGE_SIZE;
	int one = 0;

	for (uint64_t g = x->phys + x->pages * KX_PAGE_SIZE; g < y->phys; g += KX_PAGE_SIZE)
		if (in_window(p, g))
			return 0;
	for (unsigned i = 0; i < p->nmm; i++)
		one |= p->mm[i].type == KX_MEM_RAM && a >= p->mm[i].addr &&
		       b - p->mm[i].addr <= p->mm[i].size;
	return one;
}

/*
 * At most HIB_EXTENTS extents: purgatory verifies each where it landed and
 * keeps a bounded list of what it verified.  The smallest gaps go first;
 * the free pages in them are saved like the rest.
 */
#define HIB_EXTENTS 48
static void hib_coalesce(const struct peer *p, struct hib_plan *pl)
{
	while (pl->n > HIB_EXTENTS) {
		uint64_t best = UINT64_MAX;
		uint32_t at = 0;

		for (uint32_t i = 0; i + 1 < pl->n; i++) {
			uint64_t gap = pl->x[i + 1].phys - (pl->x[i].phys + pl->x[i].pages * KX_PAGE_SIZE);

			if (gap < best && gap_mergeable(p, &pl->x[i], &pl->x[i + 1])) {
				best = gap;
				at = i;
			}
		}
		if (best == UINT64_MAX)
			die(EXIT_USAGE, "%u extents, and no gap between them can be saved", pl->n);
		pl->merged_pages += best / KX_PAGE_SIZE;
		pl->data_pages += best / KX_PAGE_SIZE;
		pl->free_pages -= best / KX_PAGE_SIZE;
		pl->x[at].pages = (pl->x[at + 1].phys - pl->x[at].phys) / KX_PAGE_SIZE + pl->x[at + 1].pages;
		memmove(&pl->x[at + 1], &pl->x[at + 2], (pl->n - at - 2) * sizeof(pl->x[0]));
		pl->n--;
	}
}

static int cmd_hibernate(const char *out)
{
	struct peer p;
	struct hib_plan pl = { 0 };
	struct hib_out o;
	struct vmci c;
	struct kx_hib_header h = { 0 };
	uint64_t note_size = 0, max_pfn = 0, nfree = 0, ram = 0, meta_len, off;
	uint8_t *note, *free_map, *meta, *chunk = malloc(CHUNK_PAGES * KX_PAGE_SIZE);
	char *text, *id;
	struct timespec t0, t1;
	uint32_t extents_before;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	peer_open(&p, 1);
	if (!(p.flags & KX_SETUP_F_SWAP) || !p.jump_back || !p.list_head)
		die(EXIT_INVALID, "the setup page has no jump-back entry: not a kexec jump");
	if (!p.nmm || !p.nwin)
		die(EXIT_INVALID, "the setup page lacks A's memory map (MMAP) or B's segments (SEGM)");
	note = vmcoreinfo(&p, &note_size);
	text = note ? vmci_text(note, note_size) : NULL;
	vmci_parse(&c, text);
	if (!c.ok)
		die(EXIT_INVALID, "A's free pages cannot be found: %s", c.why);
	for (unsigned i = 0; i < p.nmm; i++) {
		if (p.mm[i].type != KX_MEM_RAM)
			continue;
		ram += p.mm[i].size;
		if ((p.mm[i].addr + p.mm[i].size) / KX_PAGE_SIZE > max_pfn)
			max_pfn = (p.mm[i].addr + p.mm[i].size) / KX_PAGE_SIZE;
	}
	free_map = calloc(max_pfn + 1, 1);
	if (!free_map || !chunk)
		die(EXIT_USAGE, "out of memory");
	for (unsigned i = 0; i < p.nmm; i++)
		if (p.mm[i].type == KX_MEM_RAM && p.mm[i].size >= KX_PAGE_SIZE)
			nfree += find_free(&p, &c, (p.mm[i].addr + KX_PAGE_SIZE - 1) / KX_PAGE_SIZE,
					   (p.mm[i].addr + p.mm[i].size) / KX_PAGE_SIZE - 1, free_map);
	hib_plan(&p, free_map, &pl);
	extents_before = pl.n;
	hib_coalesce(&p, &pl);

	id = kernel_id(text);
	memcpy(h.magic, KX_HIB_MAGIC, 8);
	h.major = KX_HIB_MAJOR;
	h.minor = KX_HIB_MINOR;
	h.header_size = KX_HIB_HEADER_SIZE;
	h.flags = KX_HIB_F_PHYSICAL;
	h.page_size = KX_PAGE_SIZE;
	h.jump_back = p.jump_back;
	h.list_head = p.list_head;
	h.control_page = p.jump_back & ~(uint64_t)(KX_PAGE_SIZE - 1);
	h.ram_bytes = ram;
	h.nmmap = p.nmm;
	h.nextents = pl.n;
	h.kernel_id_size = (uint32_t)strlen(id);
	h.data_off = kx_hib_layout_data_off(&h);
	h.data_pages = pl.data_pages;
	h.total_size = h.data_off + pl.data_pages * KX_PAGE_SIZE;
	off = h.data_off;
	for (uint32_t i = 0; i < pl.n; i++) {
		if (pl.x[i].flags & KX_HIB_X_ZERO)
			continue;
		pl.x[i].data_off = off;
		off += pl.x[i].pages * KX_PAGE_SIZE;
	}
	hib_open(&o, out);
	if (o.cap && h.total_size > o.cap)
		die(EXIT_USAGE, "%s: the image (%" PRIu64 " bytes) does not fit (%" PRIu64 " bytes)", out,
		    h.total_size, o.cap);
	/* Pass 2: the data, each extent hashed as it is written. */
	for (uint32_t i = 0; i < pl.n; i++) {
		struct kx_hib_extent *x = &pl.x[i];
		struct kx_sha256 s;

		kx_sha256_init(&s);
		for (uint64_t done = 0; done < x->pages;) {
			uint64_t n = x->pages - done < CHUNK_PAGES ? x->pages - done : CHUNK_PAGES;

			if (x->flags & KX_HIB_X_ZERO)
				memset(chunk, 0, n * KX_PAGE_SIZE);
			else if (source_read(&p.src, x->phys + done * KX_PAGE_SIZE, chunk, n * KX_PAGE_SIZE) != KX_OK)
				die(EXIT_USAGE, "reading A's pages at 0x%" PRIx64, x->phys + done * KX_PAGE_SIZE);
			kx_sha256_update(&s, chunk, n * KX_PAGE_SIZE);
			if (!(x->flags & KX_HIB_X_ZERO))
				hib_write(&o, x->data_off + done * KX_PAGE_SIZE, chunk, n * KX_PAGE_SIZE);
			done += n;
		}
		kx_sha256_final(&s, x->sha256);
	}
	meta_len = h.data_off;
	meta = calloc(1, meta_len);
	if (!meta)
		die(EXIT_USAGE, "out of memory");
	memcpy(meta, &h, sizeof(h));
	memcpy(meta + kx_hib_mmap_off(&h), p.mm, (size_t)p.nmm * sizeof(*p.mm));
	memcpy(meta + kx_hib_extents_off(&h), pl.x, (size_t)pl.n * sizeof(*pl.x));
	memcpy(meta + kx_hib_kernel_id_off(&h), id, h.kernel_id_size);
	kx_hib_meta_digest(meta, meta_len, meta + offsetof(struct kx_hib_header, meta_sha256));
	hib_write(&o, 0, meta, meta_len);
	hib_close(&o, out, h.total_size);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("kxpeer: hibernate %s: %u extents (%u before merging gaps), %" PRIu64
	       " pages of data (%" PRIu64 " all-zero, %" PRIu64 " free ones in merged gaps), %" PRIu64
	       " free left out (A's allocator: %" PRIu64 " free; %" PRIu64 " buddy blocks kept, a page in use),"
	       " %" PRIu64 " in B's window, %" PRIu64 " below 1 MiB\n", out, pl.n, extents_before,
	       pl.data_pages, pl.zero_pages, pl.merged_pages, pl.free_pages, nfree, refused_blocks,
	       pl.window_pages, pl.low_pages);
	printf("kxpeer: image %" PRIu64 " bytes, %.1f%% of A's %" PRIu64 " MiB RAM, jump-back 0x%" PRIx64
	       ", list 0x%" PRIx64 ", saved in %.2f s\n", h.total_size, 100.0 * (double)h.total_size / (double)ram,
	       ram >> 20, h.jump_back, h.list_head,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
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
	      "       kxpeer [...] hibernate DISK|FILE|mem:ADDR,SIZE\n"
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
	if (!strcmp(argv[i], "hibernate") && i + 2 == argc)
		return cmd_hibernate(argv[i + 1]);
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
