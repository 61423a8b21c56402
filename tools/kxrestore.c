/* SPDX-License-Identifier: MIT */
/*
 * kxrestore: the restore side of kx's hibernation (docs/hibernate.md).
 *
 *   kxrestore check IMAGE       reads a hibernation image (a file, or
 *                               mem:ADDR,SIZE: a persistent memory store
 *                               through /dev/mem), checks its tables and
 *                               every extent's SHA-256, and says what it
 *                               holds; exits 2 naming the first fault
 *   kxrestore machine IMAGE     also checks it against the machine and the
 *                               kernel this runs on: the firmware memory
 *                               map (/sys/firmware/memmap) must be the
 *                               image's, and the kernel identity the one
 *                               of this kernel's vmcoreinfo
 *
 * Nothing is written anywhere: a refusal leaves the machine as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <kx/hibimage.h>
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

/* The image, mapped read-only: a file or a store in physical memory. */
struct image {
	const uint8_t *b;
	uint64_t size;		/* bytes available (a store's whole size) */
	uint64_t phys;		/* a store's physical address, else 0 */
	struct kx_hib_view v;
};

static void image_open(struct image *im, const char *path)
{
	int fd;
	off_t where = 0;

	memset(im, 0, sizeof(*im));
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
		if (fd >= 0 && !fstat(fd, &st))
			im->size = (uint64_t)st.st_size;
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
	if (im->phys && h.total_size <= im->size)
		size = h.total_size;
	st = kx_hib_parse(im->b, size, size, &im->v);
	if (st != KX_OK)
		die(EXIT_REFUSED, "%s: refused: %s at offset 0x%" PRIx64 " (image %" PRIu64
		    " bytes, header says %" PRIu64 ")", path, kx_strerror(st), im->v.fault_off,
		    im->size, h.total_size);
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

static void usage(void)
{
	fputs("usage: kxrestore [--mem PATH] check|machine IMAGE|mem:ADDR,SIZE\n", stderr);
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
