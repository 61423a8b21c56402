/* SPDX-License-Identifier: MIT */
/*
 * kxrestore: the restore side of kx's hibernation (docs/hibernate.md).
 *
 *   kxrestore check IMAGE       reads a hibernation image (a disk, i.e. a
 *                               block device holding it from its first
 *                               byte, a file, or mem:ADDR,SIZE: a
 *                               persistent memory store through
 *                               /dev/mem), checks its tables and
 *                               every extent's SHA-256, and says what it
 *                               holds; exits 2 naming the first fault
 *   kxrestore machine IMAGE     also checks it against the machine and the
 *                               kernel this runs on: the firmware memory
 *                               map (/sys/firmware/memmap) must be the
 *                               image's, and the kernel identity the one
 *                               of this kernel's vmcoreinfo
 *   kxrestore load mem:ADDR,SIZE PURGATORY.ro [AT]
 *                               all of the above, then loads the hand-off to
 *                               kx with kexec_load (see "load" below):
 *                               `kexec -e` then resumes A
 *   kxrestore resume DISK|mem:ADDR,SIZE PURGATORY.ro [AT]
 *                               the same, then resumes A itself (the kexec
 *                               reboot).  A disk's image is read into this
 *                               process's memory, which stages it: the
 *                               pages must stay put until the kexec, so the
 *                               process that read them makes it
 *
 * Every check comes before anything is loaded: a refusal leaves the
 * machine as it was, and this kernel running.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <kx/elf_rel.h>
#include <kx/hibimage.h>
#include <kx/idmap.h>
#include <kx/page_list.h>
#include <kx/pool.h>
#include <kx/purgatory.h>
#include <kx/setup_page.h>
#include <kx/trampoline.h>
#include <kx/sha256.h>
#include <kx/status.h>

#define EXIT_USAGE 1
#define EXIT_REFUSED 2

static const char *mem_path = "/dev/mem";
static const char *memmap_dir = "/sys/firmware/memmap";
static const char *vmcoreinfo_path = "/sys/kernel/vmcoreinfo";

static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kxrestore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/*
 * The image: a file mapped read-only, a store in physical memory mapped
 * through /dev/mem, or a disk's image read into this process's memory
 * (locked), whose pages' physical addresses /proc/self/pagemap gives.
 */
struct image {
	const uint8_t *b;
	uint64_t size;		/* bytes available (a store's whole size; a
				 * disk's image, at most the disk's size) */
	uint64_t phys;		/* a store's physical address, else 0 */
	int store;		/* a store or disk: the image may be shorter */
	uint64_t disk_size;	/* a disk's bytes, else 0 */
	uint64_t *pfn;		/* a disk's image: each page's frame */
	double read_s;		/* seconds reading a disk */
	struct kx_hib_view v;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void read_all(int fd, uint8_t *b, uint64_t n, uint64_t off, const char *path)
{
	while (n) {
		ssize_t r = pread(fd, b, n > (1u << 24) ? (1u << 24) : n, (off_t)off);

		if (r <= 0)
			die(EXIT_USAGE, "%s: reading at 0x%" PRIx64 ": %s", path, off,
			    r ? strerror(errno) : "end of disk");
		b += r, off += (uint64_t)r, n -= (uint64_t)r;
	}
}

/* Where this process's pages [b, b + pages) lie: present, locked. */
static uint64_t *own_frames(const uint8_t *b, uint64_t pages)
{
	uint64_t *pfn = malloc(pages * 8 + 8);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (!pfn || fd < 0)
		die(EXIT_USAGE, "/proc/self/pagemap: %s", strerror(errno));
	if (pread(fd, pfn, pages * 8, (off_t)((uintptr_t)b / KX_PAGE_SIZE * 8)) != (ssize_t)(pages * 8))
		die(EXIT_USAGE, "/proc/self/pagemap: %s", strerror(errno));
	close(fd);
	for (uint64_t i = 0; i < pages; i++) {
		/* bit 63: present; bits 0-54: the frame (0 without CAP_SYS_ADMIN) */
		if (!(pfn[i] >> 63) || !(pfn[i] & ((1ull << 55) - 1)))
			die(EXIT_USAGE, "/proc/self/pagemap: page %" PRIu64 " of the image has no frame"
			    " (not present, or no CAP_SYS_ADMIN)", i);
		pfn[i] &= (1ull << 55) - 1;
	}
	return pfn;
}

/*
 * A disk holds the image from its first byte; its header says how long
 * the image is, and at most the disk's size is read (a shorter disk is
 * refused as truncated by the parser).  The memory it is read into is
 * the staging area of kx's page list.
 */
static void disk_open(struct image *im, int fd, const char *path)
{
	struct kx_hib_header h;
	uint64_t n, pages;
	uint8_t *b;
	double t0 = now_s();

	if (ioctl(fd, BLKGETSIZE64, &im->disk_size))
		die(EXIT_USAGE, "%s: cannot tell the disk's size: %s", path, strerror(errno));
	if (im->disk_size < KX_HIB_HEADER_SIZE)
		die(EXIT_REFUSED, "%s: refused: a disk of %" PRIu64 " bytes, shorter than a header (%s)",
		    path, im->disk_size, kx_strerror(KX_ERR_TRUNCATED));
	read_all(fd, (uint8_t *)&h, sizeof(h), 0, path);
	n = h.total_size < im->disk_size ? h.total_size : im->disk_size;
	if (n < KX_HIB_HEADER_SIZE)
		n = KX_HIB_HEADER_SIZE;
	pages = (n + KX_PAGE_SIZE - 1) / KX_PAGE_SIZE;
	b = mmap(NULL, pages * KX_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (b == MAP_FAILED)
		die(EXIT_USAGE, "%s: %" PRIu64 " bytes of memory for the image: %s", path,
		    pages * KX_PAGE_SIZE, strerror(errno));
	read_all(fd, b, n, 0, path);
	im->b = b;
	im->size = n;
	im->store = 1;
	im->pfn = own_frames(b, pages);
	im->read_s = now_s() - t0;
}

static void image_open(struct image *im, const char *path)
{
	int fd;
	off_t where = 0;

	memset(im, 0, sizeof(*im));
	im->store = 1;
	if (!strncmp(path, "mem:", 4)) {
		char *end;

		im->phys = strtoull(path + 4, &end, 0);
		if (*end != ',' || !(im->size = strtoull(end + 1, &end, 0)) || *end ||
		    im->phys % KX_PAGE_SIZE)
			die(EXIT_USAGE, "%s: want mem:ADDR,SIZE", path);
		fd = open(mem_path, O_RDONLY | O_SYNC);
		where = (off_t)im->phys;
	} else {
		struct stat st;

		fd = open(path, O_RDONLY);
		if (fd >= 0 && !fstat(fd, &st)) {
			if (S_ISBLK(st.st_mode)) {
				disk_open(im, fd, path);
				close(fd);
				return;
			}
			im->size = (uint64_t)st.st_size;
			im->store = 0;
		}
	}
	if (fd < 0)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	if (im->size < KX_HIB_HEADER_SIZE)
		die(EXIT_REFUSED, "%s: refused: %" PRIu64 " bytes, shorter than a header (%s)",
		    path, im->size, kx_strerror(KX_ERR_TRUNCATED));
	im->b = mmap(NULL, im->size, PROT_READ, MAP_SHARED, fd, where);
	if (im->b == MAP_FAILED)
		die(EXIT_USAGE, "%s: mmap: %s", path, strerror(errno));
	close(fd);
}

/*
 * A store is bigger than the image in it: the image's own total_size
 * says where it ends, and must fit.  A file must be exactly the image.
 */
static void image_parse(struct image *im, const char *path)
{
	struct kx_hib_header h;
	uint64_t size = im->size;
	enum kx_status st;

	memcpy(&h, im->b, sizeof(h));
	if (im->store && h.total_size <= im->size)
		size = h.total_size;
	st = kx_hib_parse(im->b, size, size, &im->v);
	if (st != KX_OK)
		die(EXIT_REFUSED, "%s: refused: %s at offset 0x%" PRIx64 " (image %" PRIu64
		    " bytes, header says %" PRIu64 ")", path, kx_strerror(st), im->v.fault_off,
		    im->disk_size ? im->disk_size : im->size, h.total_size);
}

/* Every extent's SHA-256 over the image's bytes. */
static void image_verify(const struct image *im, const char *path)
{
	static const uint8_t zero_page[KX_PAGE_SIZE];

	for (uint32_t i = 0; i < im->v.h.nextents; i++) {
		struct kx_hib_extent x;
		uint8_t d[32];

		kx_hib_extent_at(&im->v, i, &x);
		if (x.flags & KX_HIB_X_ZERO) {
			struct kx_sha256 c;

			kx_sha256_init(&c);
			for (uint64_t k = 0; k < x.pages; k++)
				kx_sha256_update(&c, zero_page, KX_PAGE_SIZE);
			kx_sha256_final(&c, d);
			if (memcmp(d, x.sha256, 32))
				die(EXIT_REFUSED, "%s: refused: extent %u (zero) has a wrong digest", path, i);
			continue;
		}
		if (kx_hib_check_extent(&x, im->b + x.data_off) != KX_OK)
			die(EXIT_REFUSED, "%s: refused: extent %u (0x%" PRIx64 ", %" PRIu64
			    " pages, data at 0x%" PRIx64 "): SHA-256 mismatch", path, i, x.phys,
			    x.pages, x.data_off);
	}
}

static void describe(const struct image *im, const char *path)
{
	const struct kx_hib_header *h = &im->v.h;

	printf("kxrestore: %s: image v%u.%u, %" PRIu64 " bytes, %u extents (%" PRIu64
	       " pages of data, %" PRIu64 " zero), every SHA-256 good\n", path, h->major,
	       h->minor, h->total_size, h->nextents, h->data_pages, im->v.zero_pages);
	printf("kxrestore: A: %" PRIu64 " MiB RAM in %u ranges, jump-back 0x%" PRIx64
	       ", page list 0x%" PRIx64 ", control page 0x%" PRIx64 "\n", h->ram_bytes >> 20,
	       h->nmmap, h->jump_back, h->list_head, h->control_page);
}

/* ------------------------------------------------------------ machine */

static int read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return ok;
}

/*
 * The firmware's memory map as this boot got it (before any memmap=),
 * from /sys/firmware/memmap/N/{start,end,type}: the RAM ranges must be
 * the image's, one for one.  Below 1 MiB, which the image never restores,
 * the firmware's and kexec-tools' tables differ (kexec-tools starts B's
 * first range at 0x400): not compared.
 */
#define LOW 0x100000ull
static void check_memmap(const struct image *im)
{
	unsigned n_img = 0, n_fw = 0;

	for (unsigned i = 0;; i++) {
		char name[64], s[64], e[64], t[64];
		uint64_t start, end;
		int found = 0;

		snprintf(name, sizeof(name), "%u/start", i);
		if (!read_line(memmap_dir, name, s, sizeof(s)))
			break;
		snprintf(name, sizeof(name), "%u/end", i);
		if (!read_line(memmap_dir, name, e, sizeof(e)))
			die(EXIT_USAGE, "%s/%u: no end", memmap_dir, i);
		snprintf(name, sizeof(name), "%u/type", i);
		if (!read_line(memmap_dir, name, t, sizeof(t)))
			die(EXIT_USAGE, "%s/%u: no type", memmap_dir, i);
		if (strcmp(t, "System RAM"))
			continue;
		start = strtoull(s, NULL, 0);
		end = strtoull(e, NULL, 0) + 1;
		if (end <= LOW)
			continue;
		n_fw++;
		for (uint32_t k = 0; k < im->v.h.nmmap; k++) {
			struct kx_mem_range m;

			memcpy(&m, (const uint8_t *)im->v.mmap + k * sizeof(m), sizeof(m));
			if (m.type == KX_MEM_RAM && m.addr == start && m.size == end - start)
				found = 1;
		}
		if (!found)
			die(EXIT_REFUSED, "refused: this machine's RAM 0x%" PRIx64 "-0x%" PRIx64
			    " is not in the image's memory map (another -m or machine?)", start, end - 1);
	}
	for (uint32_t k = 0; k < im->v.h.nmmap; k++) {
		struct kx_mem_range m;

		memcpy(&m, (const uint8_t *)im->v.mmap + k * sizeof(m), sizeof(m));
		n_img += m.type == KX_MEM_RAM && m.addr + m.size > LOW;
	}
	if (!n_fw || n_fw != n_img)
		die(EXIT_REFUSED, "refused: this machine has %u RAM ranges, the image %u"
		    " (another -m or machine?)", n_fw, n_img);
}

/* This kernel's vmcoreinfo note text, read through /dev/mem. */
static char *own_vmcoreinfo(void)
{
	FILE *f = fopen(vmcoreinfo_path, "r");
	uint64_t addr, size;
	uint8_t *note;
	uint32_t namesz, descsz;
	char *t;
	int fd;

	if (!f || fscanf(f, "%" SCNx64 " %" SCNx64, &addr, &size) != 2)
		die(EXIT_USAGE, "%s: cannot read this kernel's vmcoreinfo", vmcoreinfo_path);
	fclose(f);
	note = malloc(size);
	fd = open(mem_path, O_RDONLY);
	if (!note || size < 12 || size > (1 << 20) || fd < 0 ||
	    pread(fd, note, size, (off_t)addr) != (ssize_t)size)
		die(EXIT_USAGE, "reading this kernel's vmcoreinfo at 0x%" PRIx64 ": %s", addr,
		    strerror(errno));
	close(fd);
	memcpy(&namesz, note, 4);
	memcpy(&descsz, note + 4, 4);
	if (12 + ((namesz + 3ull) & ~3ull) + descsz > size)
		die(EXIT_USAGE, "this kernel's vmcoreinfo note is malformed");
	t = calloc(1, descsz + 1ull);
	memcpy(t, note + 12 + ((namesz + 3) & ~3u), descsz);
	free(note);
	return t;
}

/* Every line of the image's kernel identity must be a line of ours. */
static void check_kernel(const struct image *im)
{
	char *own = own_vmcoreinfo();
	const char *id = im->v.kernel_id, *end = id + im->v.h.kernel_id_size;
	unsigned lines = 0;

	while (id < end) {
		const char *nl = memchr(id, '\n', (size_t)(end - id));
		size_t n = nl ? (size_t)(nl - id) : (size_t)(end - id);
		char line[512];
		const char *hit;

		if (n >= sizeof(line) - 2)
			die(EXIT_REFUSED, "refused: the image's kernel identity has a line too long");
		snprintf(line, sizeof(line), "%.*s\n", (int)n, id);
		hit = strstr(own, line);
		if (!hit || (hit != own && hit[-1] != '\n'))
			die(EXIT_REFUSED, "refused: the image's kernel is not this one: \"%.*s\" is not in"
			    " this kernel's vmcoreinfo", (int)n, id);
		lines++;
		id += n + 1;
	}
	if (!lines)
		die(EXIT_REFUSED, "refused: the image names no kernel");
	printf("kxrestore: kernel identity: %u lines, all this kernel's\n", lines);
	free(own);
}

/* ------------------------------------------------------------ load */

/*
 * The hand-off to kx.  Linux's kexec_load takes 16 segments and copies
 * them to their destinations itself: five small ones carry kx's pieces,
 * all in this kernel's RAM (A's window, which the image never restores):
 *
 *   control   kx's trampoline (page-list engine and prologue), its
 *             arguments, a 19-byte entry stub, its stack
 *   setup     the loader's setup page: one SEGM per extent (where it lands,
 *             its SHA-256), which purgatory verifies after the copy
 *   purgatory kx's purgatory.ro, relocated here; it enters A's jump-back
 *             entry (entry64_regs) once every extent is verified
 *   tables    the identity map the trampoline switches to: A's RAM and the
 *             store
 *   list      kx's page list: every extent from the staging area (a
 *             store's pages, or the pages a disk's image was read into)
 *             to its address; its pool also holds the staged pages the
 *             builder's rule does not let it use in place
 *
 * Linux's relocate_kernel copies them and jumps to the stub (64-bit,
 * paging on its own identity map, registers zero), which points %rdi at
 * the arguments and %rsp at the stack and jumps to the trampoline.
 */
#define PAGE KX_PAGE_SIZE
#define SETUP_PAGES 4
#define NSEG 5

struct hseg {
	const char *name;
	uint8_t *buf;
	uint64_t size, dest;
};

struct load {
	struct image *im;
	uint64_t at, end;		/* [at, end): the segments' destinations */
	uint64_t pool_extra;		/* staged pages the builder will copy */
	struct hseg seg[NSEG];
	struct kx_elf_rel rel;
	struct kx_page_pool idmap, list;
	uint64_t cr3;
	struct kx_pl_builder b;
};

static uint8_t *pages_or_die(uint64_t pages)
{
	uint8_t *p = aligned_alloc(PAGE, pages * PAGE);

	if (!p)
		die(EXIT_USAGE, "out of memory");
	memset(p, 0, pages * PAGE);
	return p;
}

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n)) || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno ? errno : EIO));
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void set_sym(struct load *l, const char *name, const void *v, uint64_t size)
{
	enum kx_status st = kx_elf_rel_set(&l->rel, name, v, size);

	if (st != KX_OK)
		die(EXIT_USAGE, "purgatory symbol %s: %s", name, kx_strerror(st));
}

/* The staging area's pages, as the engine sees them: physical. */
static enum kx_status store_xlate(void *ctx, const void *virt, uint64_t *phys)
{
	const struct image *im = ctx;
	const uint8_t *v = virt;
	uint64_t off;

	if (v < im->b || (uint64_t)(v - im->b) >= im->size)
		return KX_ERR_RANGE;
	off = (uint64_t)(v - im->b);
	*phys = im->pfn ? im->pfn[off / PAGE] * PAGE + off % PAGE : im->phys + off;
	return KX_OK;
}

/* Index of the copy (extents in order, page by page) that writes page
 * phys, or UINT64_MAX: the builder's numbering. */
static uint64_t copy_index(const struct image *im, uint64_t phys)
{
	uint64_t base = 0;

	for (uint32_t i = 0; i < im->v.h.nextents; i++) {
		struct kx_hib_extent x;

		kx_hib_extent_at(&im->v, i, &x);
		if (phys >= x.phys && phys - x.phys < x.pages * PAGE)
			return base + (phys - x.phys) / PAGE;
		base += x.pages;
	}
	return UINT64_MAX;
}

/*
 * How the staged pages lie against the destinations: a page that is the
 * destination of a later copy is read before it is overwritten and is
 * used in place; one an earlier copy overwrites (or outside the identity
 * map's RAM) goes into the pool, which must have room for it.  Says so:
 * this is the overlap the builder's rule exists for.
 */
static void staging_overlap(struct load *l)
{
	const struct image *im = l->im;
	uint64_t staged = 0, on_dest = 0, later = 0, own = 0, copy = 0;

	for (uint32_t i = 0; i < im->v.h.nextents; i++) {
		struct kx_hib_extent x;

		kx_hib_extent_at(&im->v, i, &x);
		for (uint64_t k = 0; k < x.pages; k++, copy++) {
			uint64_t phys, d;

			if (x.flags & KX_HIB_X_ZERO)
				continue;
			if (store_xlate((void *)(uintptr_t)im, im->b + x.data_off + k * PAGE, &phys) != KX_OK)
				die(EXIT_USAGE, "extent %u: data outside the image", i);
			staged++;
			d = copy_index(im, phys);
			if (d == UINT64_MAX)
				continue;
			on_dest++;
			later += d > copy;
			own += d == copy;
		}
	}
	l->pool_extra = on_dest - later - own;
	printf("kxrestore: staging: %" PRIu64 " pages of image data %s, %" PRIu64
	       " of them on an extent's destination (%" PRIu64 " read before a later copy overwrites"
	       " them, %" PRIu64 " their own, %" PRIu64 " overwritten earlier: copied aside)\n", staged,
	       im->pfn ? "in this kernel's memory" : "in the store", on_dest, later, own, l->pool_extra);
}

/* Is a staged page in [a, a + len)?  Returns the first one's end, or 0. */
static uint64_t staged_in(const struct image *im, uint64_t a, uint64_t len)
{
	uint64_t pages = (im->size + PAGE - 1) / PAGE, hit = 0;

	for (uint64_t i = 0; im->pfn && i < pages; i++) {
		uint64_t p = im->pfn[i] * PAGE;

		if (p >= a && p - a < len && (!hit || p + PAGE > hit))
			hit = p + PAGE;
	}
	return hit;
}

static uint64_t place(struct load *l, struct hseg *s, const char *name, uint64_t pages)
{
	s->name = name;
	s->buf = pages_or_die(pages);
	s->size = pages * PAGE;
	s->dest = l->end;
	l->end += s->size;
	return s->dest;
}

static void load_purgatory(struct load *l, const char *path)
{
	size_t fsize;
	void *file = slurp(path, &fsize);
	uint64_t size, align;
	enum kx_status st = kx_elf_rel_open(&l->rel, file, fsize);

	if (st == KX_OK)
		st = kx_elf_rel_image_size(&l->rel, &size, &align);
	if (st != KX_OK || align > PAGE)
		die(EXIT_USAGE, "%s: %s", path, st != KX_OK ? kx_strerror(st) : "alignment above a page");
	place(l, &l->seg[2], "purgatory", (size + PAGE - 1) / PAGE);
	st = kx_elf_rel_load(&l->rel, l->seg[2].buf, l->seg[2].size, l->seg[2].dest);
	if (st != KX_OK)
		die(EXIT_USAGE, "%s: cannot load it at 0x%" PRIx64 ": %s", path, l->seg[2].dest,
		    kx_strerror(st));
}

/* The identity map: A's RAM (the window and every destination) and the
 * store (every source). */
static void build_idmap(struct load *l)
{
	static struct kx_idmap_range r[KX_HIB_MAX_MMAP + 1];
	const struct kx_idmap_x86_64_config cfg = { 4, KX_IDMAP_X86_NO_1G };
	size_t n = 0, tables;
	enum kx_status st;

	for (uint32_t i = 0; i < l->im->v.h.nmmap; i++) {
		struct kx_mem_range m;

		memcpy(&m, (const uint8_t *)l->im->v.mmap + i * sizeof(m), sizeof(m));
		if (m.type == KX_MEM_RAM && m.size)
			r[n++] = (struct kx_idmap_range){ m.addr & ~(uint64_t)(PAGE - 1),
				((m.addr + m.size + PAGE - 1) & ~(uint64_t)(PAGE - 1)) -
				(m.addr & ~(uint64_t)(PAGE - 1)), KX_IDMAP_NORMAL };
	}
	/* A disk's staging pages are this machine's RAM: mapped above. */
	if (!l->im->pfn)
		r[n++] = (struct kx_idmap_range){ l->im->phys, l->im->size, KX_IDMAP_NORMAL };
	st = kx_idmap_x86_64_count_tables(r, n, &cfg, &tables);
	if (st != KX_OK)
		die(EXIT_USAGE, "identity map: %s", kx_strerror(st));
	place(l, &l->seg[3], "tables", tables);
	l->idmap = (struct kx_page_pool){ l->seg[3].buf, l->seg[3].dest, tables, 0 };
	st = kx_idmap_x86_64_build(r, n, &cfg, kx_page_pool_alloc, &l->idmap, &l->cr3);
	if (st != KX_OK)
		die(EXIT_USAGE, "identity map: %s", kx_strerror(st));
}

/* kx's page list: each extent from the store to its address.  Nothing it
 * writes may touch the segments [at, end) (reserved). */
static void build_list(struct load *l)
{
	static struct kx_pl_segment ps[KX_PL_MAX_SEGMENTS];
	struct kx_pl_range keep = { l->at, 0 };
	uint64_t pages = l->im->v.h.data_pages / 511 + 4 + l->pool_extra;
	unsigned n = 0;
	enum kx_status st;

	for (uint32_t i = 0; i < l->im->v.h.nextents; i++) {
		struct kx_hib_extent x;

		kx_hib_extent_at(&l->im->v, i, &x);
		if (n == KX_PL_MAX_SEGMENTS)
			die(EXIT_REFUSED, "refused: more than %u extents for kx's page list", KX_PL_MAX_SEGMENTS);
		ps[n++] = (struct kx_pl_segment){ x.flags & KX_HIB_X_ZERO ? NULL : l->im->b + x.data_off,
			x.flags & KX_HIB_X_ZERO ? 0 : x.pages * PAGE, x.phys, x.pages * PAGE };
		if (x.flags & KX_HIB_X_ZERO)
			pages += x.pages;	/* a zero-filled pool page each */
	}
	place(l, &l->seg[4], "list", pages);
	keep.end = l->end;
	l->list = (struct kx_page_pool){ l->seg[4].buf, l->seg[4].dest, pages, 0 };
	l->b = (struct kx_pl_builder){ .alloc = kx_page_pool_alloc, .alloc_ctx = &l->list,
		.xlate = store_xlate, .xlate_ctx = l->im, .reserved = &keep, .nreserved = 1 };
	st = kx_pl_build(&l->b, ps, n);
	if (st != KX_OK)
		die(EXIT_REFUSED, "refused: kx's page list: %s (extent %u)", kx_strerror(st), l->b.bad_segment);
}

/* The loader's setup page: the extents to verify where they land, A's
 * memory map. */
static void write_setup(struct load *l)
{
	static struct kx_segment ks[KX_PL_MAX_SEGMENTS];
	struct kx_page_pool pool = { l->seg[1].buf, l->seg[1].dest, SETUP_PAGES, 0 };
	static struct kx_mem_range mm[KX_HIB_MAX_MMAP];
	struct kx_setup_content c = { .segs = ks, .memmap = mm, .nmemmap = l->im->v.h.nmmap };
	uint64_t head;
	enum kx_status st;

	memcpy(mm, l->im->v.mmap, l->im->v.h.nmmap * sizeof(mm[0]));
	for (uint32_t i = 0; i < l->im->v.h.nextents; i++) {
		struct kx_hib_extent x;

		kx_hib_extent_at(&l->im->v, i, &x);
		ks[c.nsegs] = (struct kx_segment){ .dest = x.phys, .size = x.pages * PAGE,
			.kind = KX_SEG_OTHER };
		memcpy(ks[c.nsegs++].sha256, x.sha256, 32);
	}
	st = kx_setup_write(&c, kx_page_pool_alloc, &pool, &head);
	if (st != KX_OK || head != l->seg[1].dest)
		die(EXIT_USAGE, "the loader's setup page: %s", kx_strerror(st));
}

/*
 * The control page: the trampoline blob at 0, its arguments, the stub,
 * A's entry word, the trampoline's stack at the top (1 KiB).
 */
static uint64_t write_control(struct load *l, uint64_t *a_rsp)
{
	uint8_t *c = l->seg[0].buf;
	uint64_t blob = (uint64_t)(kx_trampoline_x86_64_end - kx_trampoline_x86_64_start);
	uint64_t args = (blob + 63) & ~63ull, stub = (args + sizeof(struct kx_tramp_x86_64) + 15) & ~15ull;
	uint64_t word = stub + 32, base = l->seg[0].dest;
	uint64_t tramp = kx_trampoline_x86_64_at(base, (const char *)(uintptr_t)kx_trampoline_x86_64);
	struct kx_tramp_x86_64 *t = (struct kx_tramp_x86_64 *)(void *)(c + args);
	int32_t d;

	if (word + 8 > PAGE - 1024)
		die(EXIT_USAGE, "the trampoline (%" PRIu64 " bytes) leaves no room in its page", blob);
	memcpy(c, kx_trampoline_x86_64_start, blob);
	t->cr3 = l->cr3;
	t->head = l->b.head;
	t->entry = l->rel.entry;
	t->stack_top = base + PAGE;
	t->mode = KX_PL_COPY;
	/* lea args(%rip),%rdi; lea stack_top(%rip),%rsp; jmp tramp */
	c[stub] = 0x48, c[stub + 1] = 0x8d, c[stub + 2] = 0x3d;
	d = (int32_t)((int64_t)args - (int64_t)(stub + 7));
	memcpy(c + stub + 3, &d, 4);
	c[stub + 7] = 0x48, c[stub + 8] = 0x8d, c[stub + 9] = 0x25;
	d = (int32_t)((int64_t)PAGE - (int64_t)(stub + 14));
	memcpy(c + stub + 10, &d, 4);
	c[stub + 14] = 0xe9;
	d = (int32_t)((int64_t)(tramp - base) - (int64_t)(stub + 19));
	memcpy(c + stub + 15, &d, 4);
	/* A's jump-back code reads its peer's re-entry point at 0(%rsp): there
	 * is no peer any more, so 0 (A must not jump again). */
	memset(c + word, 0, 8);
	*a_rsp = base + word;
	return base + stub;
}

/* Linux's kexec_load ABI (include/uapi/linux/kexec.h). */
struct linux_kexec_segment {
	const void *buf;
	size_t bufsz;
	const void *mem;
	size_t memsz;
};

static void check_room(const struct load *l)
{
	int in_ram = 0;

	for (uint32_t i = 0; i < l->im->v.h.nextents; i++) {
		struct kx_hib_extent x;

		kx_hib_extent_at(&l->im->v, i, &x);
		if (x.phys < l->end && l->at < x.phys + x.pages * PAGE)
			die(EXIT_REFUSED, "refused: the loader's pages [0x%" PRIx64 ", 0x%" PRIx64
			    ") would be restored over (extent at 0x%" PRIx64 "): choose --at", l->at, l->end, x.phys);
	}
	for (uint32_t i = 0; i < l->im->v.h.nmmap; i++) {
		struct kx_mem_range m;

		memcpy(&m, (const uint8_t *)l->im->v.mmap + i * sizeof(m), sizeof(m));
		in_ram |= m.type == KX_MEM_RAM && l->at >= m.addr && l->end <= m.addr + m.size;
	}
	if (!in_ram)
		die(EXIT_REFUSED, "refused: the loader's pages [0x%" PRIx64 ", 0x%" PRIx64 ") are not RAM",
		    l->at, l->end);
}

/* The five segments from at on; returns the setup page's address. */
static uint64_t layout(struct load *l, const char *purgatory, uint64_t at)
{
	uint64_t setup;

	for (unsigned i = 0; i < NSEG; i++)
		free(l->seg[i].buf);
	memset(l->seg, 0, sizeof(l->seg));
	l->at = l->end = at;
	place(l, &l->seg[0], "control", 1);
	setup = place(l, &l->seg[1], "setup", SETUP_PAGES);
	load_purgatory(l, purgatory);
	build_idmap(l);
	build_list(l);
	return setup;
}

static int cmd_load(struct image *im, const char *purgatory, uint64_t at)
{
	static struct load l;
	struct linux_kexec_segment ks[NSEG];
	uint64_t regs[KX_ENTRY64_NREGS] = { 0 }, entry, a_rsp, zero = 0, setup, hit;
	uint16_t port = 0x3f8;
	uint8_t one = 1;
	long rc;

	l.im = im;
	staging_overlap(&l);
	setup = layout(&l, purgatory, at);
	/* Linux's relocate_kernel writes the segments before kx's list runs:
	 * no staged page may lie under them.  Past the last one in the way
	 * (the length does not depend on where). */
	while ((hit = staged_in(im, l.at, l.end - l.at)))
		setup = layout(&l, purgatory, hit);
	check_room(&l);
	write_setup(&l);
	entry = write_control(&l, &a_rsp);
	regs[KX_REG_RIP] = im->v.h.jump_back;
	regs[KX_REG_RSP] = a_rsp;
	set_sym(&l, "entry64_regs", regs, sizeof(regs));
	set_sym(&l, "console_serial", &one, 1);
	set_sym(&l, "serial_base", &port, sizeof(port));
	set_sym(&l, KX_SYM_SETUP_PAGE, &setup, sizeof(setup));
	set_sym(&l, KX_SYM_HANDOFF_TICKS, &zero, sizeof(zero));
	for (unsigned i = 0; i < NSEG; i++) {
		ks[i] = (struct linux_kexec_segment){ l.seg[i].buf, l.seg[i].size,
			(const void *)(uintptr_t)l.seg[i].dest, l.seg[i].size };
		printf("kxrestore: segment %-9s 0x%08" PRIx64 " %7" PRIu64 " bytes\n", l.seg[i].name,
		       l.seg[i].dest, l.seg[i].size);
	}
	printf("kxrestore: kx page list: head 0x%" PRIx64 ", %" PRIu64 " copies, %" PRIu64
	       " list pages, %" PRIu64 " relocated; identity map root 0x%" PRIx64 " (%zu tables)\n",
	       l.b.head, l.b.copies, l.b.ind_pages, l.b.relocated, l.cr3, l.idmap.used);
	printf("kxrestore: purgatory entry 0x%" PRIx64 ", stub 0x%" PRIx64 ", A's jump-back 0x%" PRIx64
	       " with %%rsp 0x%" PRIx64 "\n", l.rel.entry, entry, im->v.h.jump_back, a_rsp);
	rc = syscall(SYS_kexec_load, (unsigned long)entry, (unsigned long)NSEG, ks, 0UL);
	if (rc)
		die(EXIT_USAGE, "kexec_load: %s", strerror(errno));
	printf("kxrestore: loaded: kexec -e resumes A\n");
	return 0;
}

/* The kexec reboot `kexec -e` makes, from the process whose memory
 * stages the image. */
static int resume(struct image *im)
{
	/* Staged pages that moved since the list was built would be read
	 * from the wrong place (purgatory would then halt on a digest):
	 * unload instead. */
	if (im->pfn) {
		uint64_t pages = (im->size + PAGE - 1) / PAGE;
		uint64_t *now = own_frames(im->b, pages);

		if (memcmp(now, im->pfn, pages * 8)) {
			syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL);
			die(EXIT_USAGE, "staged pages moved since the list was built: unloaded");
		}
		free(now);
	}
	printf("kxrestore: resuming A\n");
	fflush(stdout);
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);
	return die(EXIT_USAGE, "the kexec reboot: %s", strerror(errno));
}

static void usage(void)
{
	fputs("usage: kxrestore [--mem PATH] check|machine DISK|IMAGE|mem:ADDR,SIZE\n"
	      "       kxrestore [...] load mem:ADDR,SIZE PURGATORY.ro [AT]\n"
	      "       kxrestore [...] resume DISK|mem:ADDR,SIZE PURGATORY.ro [AT]\n", stderr);
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	struct image im;
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--mem"))
			mem_path = argv[i + 1];
		else if (!strcmp(argv[i], "--memmap"))
			memmap_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--vmcoreinfo"))
			vmcoreinfo_path = argv[i + 1];
		else
			usage();
	}
	if ((!strcmp(argv[i], "load") || !strcmp(argv[i], "resume")) && (i + 3 == argc || i + 4 == argc)) {
		uint64_t at = i + 4 == argc ? strtoull(argv[i + 3], NULL, 0) : 0x6000000;
		double t0 = now_s();

		if (at % PAGE)
			usage();
		image_open(&im, argv[i + 1]);
		/* A disk's image lives in this process: only resume keeps it. */
		if (im.pfn && strcmp(argv[i], "resume"))
			die(EXIT_USAGE, "%s: a disk's image is staged in kxrestore's own memory: use resume",
			    argv[i + 1]);
		if (!im.pfn && !im.phys)
			die(EXIT_USAGE, "%s: a plain file cannot be loaded: a disk or mem:ADDR,SIZE", argv[i + 1]);
		image_parse(&im, argv[i + 1]);
		/* Every refusal before anything is loaded. */
		check_memmap(&im);
		check_kernel(&im);
		image_verify(&im, argv[i + 1]);
		describe(&im, argv[i + 1]);
		cmd_load(&im, argv[i + 2], at);
		if (im.pfn)
			printf("kxrestore: %" PRIu64 " bytes read from the disk in %.2f s\n", im.size, im.read_s);
		printf("kxrestore: read, checked and loaded in %.2f s\n", now_s() - t0);
		return strcmp(argv[i], "resume") ? 0 : resume(&im);
	}
	if (i + 2 != argc)
		usage();
	if (strcmp(argv[i], "check") && strcmp(argv[i], "machine"))
		usage();
	image_open(&im, argv[i + 1]);
	image_parse(&im, argv[i + 1]);
	if (!strcmp(argv[i], "machine")) {
		check_memmap(&im);
		check_kernel(&im);
	}
	image_verify(&im, argv[i + 1]);
	describe(&im, argv[i + 1]);
	return 0;
}
