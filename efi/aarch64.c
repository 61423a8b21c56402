/* SPDX-License-Identifier: MIT */
/*
 * kxboot's aarch64 loader: a Linux Image, entered with a device tree
 * through kx's trampoline and purgatory, as kexec would.
 *
 * Memory, all of it allocated from the firmware before ExitBootServices:
 *   destinations  the kernel (image_size bytes at a 2 MiB aligned base
 *                 plus text_offset, the lowest that is free, as booting.rst
 *                 asks of kernels that do not say "anywhere"), the
 *                 initrd, the device tree;
 *   staging       where the files are read and the tree edited; the
 *                 trampoline copies staging to destination after
 *                 ExitBootServices, so the copy engine really runs;
 *   purgatory     kx's aarch64 purgatory.ro, relocated where it runs;
 *   setup page    SETUP_PAGES pages written by kxboot, named on the
 *                 kernel's command line (kx_setup=0x...) and in
 *                 /chosen/kx,setup-page, and kept by a /memreserve/;
 *   control page  the trampoline's code and arguments;
 *   page tables   an identity map of every RAM range of the memory map;
 *   page list     its indirection pages.
 *
 * The kernel, entered without EFI, learns its memory from the tree's
 * /memory nodes, which name all of DRAM, firmware runtime regions
 * included.  What the final memory map (the one ExitBootServices
 * accepted) does not call RAM is kept from it by a /reserved-memory node
 * with no-map (kx_fdt_reserve_nomap), and the setup page's MMAP records
 * that map with its EFI types.  Like x86's e820, both are written after
 * ExitBootServices, from that map: a map read before it may still change
 * (the firmware may allocate runtime memory until the last moment), and
 * only the final one is the firmware's promise.  So the device tree is
 * hashed and the setup page written last; the same edits are made on a
 * copy before ExitBootServices, from the map of that moment, so that
 * whatever could refuse them is refused while kxboot can still return.
 * Purgatory verifies every segment the page lists where the trampoline
 * put it (kx_setup_page), or halts.
 */
#include <kexec_abi.h>
#include <kx/a64_sys.h>
#include <kx/arm64_image.h>
#include <kx/compiler.h>
#include <kx/efi_mmap.h>
#include <kx/fdt.h>
#include <kx/format.h>
#include <kx/idmap.h>
#include <kx/setup_page.h>
#include <kx/sha256.h>
#include <kx/trampoline.h>
#include <kx/purgatory.h>
#include "handoff.h"
#include "secure.h"

const char kxb_arch_name[] = "aarch64";

#define LIMIT_48	((1ull << 48) - 1)	/* the identity map's reach */
#define SETUP_PAGES	KX_PURGATORY_SETUP_PAGES
#define DTB_MAX		(2u << 20)		/* booting.rst */
#define DTB_ROOM	4096			/* for our edits, on top of bootargs */
#define MEM_MAX		64			/* /memory ranges taken */
#define RESV_MAX	128			/* no-map ranges in /reserved-memory */
/* The /reserved-memory edit: its nodes and names, 16 bytes per range. */
#define RESV_ROOM	(256 + 16 * RESV_MAX)
#define RESV_NAME	"kx-efi-reserved"
#define SETUP_MAP_MAX	(3 * 4096 / 24)		/* MMAP entries the setup page takes */
#define HCR_EL2_E2H	(1ull << 34)
#define MMFR0_PARANGE(r) ((unsigned)(r) & 0xf)

enum { SEG_KERNEL, SEG_INITRD, SEG_DTB, NSEG };

static struct kxb_seg segs[NSEG] = {
	[SEG_KERNEL] = { .name = "kernel", .kind = KX_SEG_KERNEL, .lanes = KXB_LANES },
	[SEG_INITRD] = { .name = "initrd", .kind = KX_SEG_INITRD, .lanes = KXB_LANES },
	[SEG_DTB] = { .name = "dtb", .kind = KX_SEG_DTB },
};

typedef void (*kxb_tramp_fn)(const struct kx_tramp_aarch64 *)
	__attribute__((noreturn));

/* Everything the hand-off needs, filled before ExitBootServices. */
static struct {
	struct kx_arm64_image im;
	uint64_t initrd_bytes;
	char cmdline[KX_BOOTCONF_CMDLINE_MAX + 64];	/* + lockdown=, kx_setup= */
	const char *dtb_from;		/* the file, or "the firmware" */
	uint64_t dtb_cap;		/* its staging bytes */
	uint64_t uart;			/* PL011 of /chosen/stdout-path, 0: none */
	struct kx_mem_range ram[MEM_MAX];	/* the tree's /memory */
	unsigned nram;
	/* From a memory map: its EFI-typed form (the setup page's MMAP) and
	 * what in /memory is not RAM. */
	struct kx_mem_range *mm;
	size_t mm_cap;
	unsigned nmm;
	struct kx_mem_range resv[RESV_MAX];
	unsigned nresv;
	uint8_t *dtb_copy;		/* the dry run's tree */
	uint8_t *setup;
	struct kxb_purgatory purg;
	uint8_t *control;
	unsigned el;
	int el2_only;			/* EL2 with E2H = 0 */
	struct kx_page_pool idmap;
	struct kx_idmap_aarch64_regs regs;
	size_t nranges;
	struct kxb_plist pl;
	struct kx_tramp_aarch64 *tramp;
	kxb_tramp_fn tramp_fn;
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_cap;
} x;

static struct kx_idmap_range ranges[KXB_MAX_RANGES];

/* ------------------------------------------------------------ kernel */

static void refuse_kernel(const char *path, enum kx_status st, uint64_t size)
{
	const struct kx_arm64_image *im = &x.im;

	if (st == KX_ERR_UNSUPPORTED && !im->image_size)
		kxb_fail(EFI_UNSUPPORTED,
			 "kernel %s: arm64 Image with image_size 0 (before Linux 3.17): its placement is unknown",
			 path);
	if (st == KX_ERR_UNSUPPORTED)
		kxb_fail(EFI_UNSUPPORTED,
			 "kernel %s: a big-endian arm64 Image (flags 0x%llx): kxboot enters little-endian kernels",
			 path, (unsigned long long)im->flags);
	switch (im->kind) {
	case KX_ARM64_GZIP:
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: a gzip file (Image.gz?): kxboot takes the uncompressed Image",
			 path);
	case KX_ARM64_EFI_ZBOOT:
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: an EFI zboot image: kxboot takes the uncompressed Image",
			 path);
	case KX_ARM64_IMAGE:
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: arm64 Image header refused (text_offset 0x%llx, image_size 0x%llx, %llu bytes)",
			 path, (unsigned long long)im->text_offset,
			 (unsigned long long)im->image_size, (unsigned long long)size);
	default:
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: not an arm64 Image (no \"ARM\\x64\" magic at 0x38, %llu bytes)",
			 path, (unsigned long long)size);
	}
}

static void load_kernel(const char *path)
{
	struct kxb_seg *k = &segs[SEG_KERNEL];
	uint8_t h[KX_ARM64_IMAGE_HEADER_SIZE];
	struct kxb_file f;
	uint64_t pages;
	enum kx_status st;

	kxb_open(&f, path, "kernel");
	kxb_read(&f, 0, h, KX_MIN(f.size, (uint64_t)sizeof(h)));
	st = kx_arm64_image_parse(h, KX_MIN(f.size, (uint64_t)sizeof(h)), &x.im);
	if (st == KX_OK && x.im.image_size < f.size)
		st = KX_ERR_FORMAT;
	if (st != KX_OK)
		refuse_kernel(path, st, f.size);
	kxb_say("kxboot: kernel %s: arm64 Image, %llu bytes, text_offset 0x%llx, image_size 0x%llx, %uK pages%s\n",
		path, (unsigned long long)f.size,
		(unsigned long long)x.im.text_offset,
		(unsigned long long)x.im.image_size, x.im.page_kib ? x.im.page_kib : 4,
		x.im.anywhere ? ", anywhere in RAM" : ", near the start of RAM");

	/* Staged, verified (under Secure Boot) and measured before any
	 * destination page is taken. */
	k->size = KX_ALIGN_UP(f.size, KXB_PAGE);
	k->buf = kxb_pages_or_fail(AllocateAnyPages, k->size / KXB_PAGE, 0,
				   "kernel staging");
	kxb_read(&f, 0, k->buf, f.size);
	kxb_close(&f);
	kxb_verify_image(path, k->buf, f.size, "kernel");
	kxb_measure(KXB_PCR_KERNEL, KX_SEG_KERNEL, "kernel", path, k->buf, f.size);
	pages = KXB_PAGES(x.im.image_size);
	k->dest = kxb_alloc_low(pages, KX_ARM64_IMAGE_ALIGN, x.im.text_offset, 0,
				LIMIT_48);
	if (!k->dest)
		kxb_fail(EFI_OUT_OF_RESOURCES,
			 "kernel: no free memory for its image_size of %llu KiB at a 2 MiB aligned base + 0x%llx",
			 (unsigned long long)x.im.image_size >> 10,
			 (unsigned long long)x.im.text_offset);
	kxb_say("kxboot: kernel destination 0x%llx (lowest free 2 MiB base + text_offset), %llu KiB for image_size\n",
		(unsigned long long)k->dest, (unsigned long long)pages * 4);
}

/* ------------------------------------------------------------ device tree */

/* Reads the tree into staging with room for our edits; validates it. */
static void read_dtb(const char *path, struct kx_fdt *f)
{
	static EFI_GUID dtb_guid = EFI_DTB_TABLE_GUID;
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	struct kxb_seg *s = &segs[SEG_DTB];
	const uint8_t *fw = NULL;
	struct kxb_file file;
	uint64_t size, cap;
	enum kx_status st;

	if (path[0]) {
		kxb_open(&file, path, "dtb");
		size = file.size;
		x.dtb_from = path;
	} else {
		fw = kxb_config_table(&dtb_guid);
		if (!fw)
			kxb_fail(EFI_NOT_FOUND,
				 "no device tree: the configuration names no dtb and the firmware publishes none%s",
				 kxb_config_table(&acpi20) ?
				 " (it publishes ACPI: on QEMU's virt, -M virt,acpi=off makes it publish the tree)" : "");
		size = kx_fdt32(fw) == KX_FDT_MAGIC ? kx_fdt32(fw + 4) : 8;
		x.dtb_from = "the firmware";
	}
	if (size > DTB_MAX)
		kxb_fail(EFI_LOAD_ERROR, "dtb %s: %llu bytes, more than booting.rst's 2 MiB",
			 x.dtb_from, (unsigned long long)size);
	cap = KX_ALIGN_UP(size + sizeof(x.cmdline) + DTB_ROOM + RESV_ROOM, KXB_PAGE);
	s->buf = kxb_pages_or_fail(AllocateAnyPages, cap / KXB_PAGE, 0, "dtb staging");
	if (fw) {
		kx_memcpy(s->buf, fw, size);
	} else {
		kxb_read(&file, 0, s->buf, size);
		kxb_close(&file);
	}
	/* A whole tree within its bytes; then the staging pages after it,
	 * ours and zeroed, are room to grow. */
	st = kx_fdt_open(f, s->buf, size);
	if (st == KX_OK)
		st = kx_fdt_open(f, s->buf, cap);
	if (st != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "dtb %s: not a device tree kxboot can use: %s",
			 x.dtb_from, kx_strerror(st));
	x.dtb_cap = cap;
	/* As read, before kxboot's edits (which the command line and the
	 * setup page's addresses determine). */
	kxb_measure(KXB_PCR_DTB, KX_SEG_DTB, "dtb", path[0] ? path : "(the firmware's)",
		    s->buf, size);
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int has_string(const char *list, uint32_t len, const char *want)
{
	size_t n = str_len(want);

	for (uint32_t i = 0; i < len;) {
		uint32_t l = 0;

		while (i + l < len && list[i + l])
			l++;
		if (l == n && !kx_memcmp(list + i, want, n))
			return 1;
		i += l + 1;
	}
	return 0;
}

/* The PL011 /chosen/stdout-path names, for the late console and purgatory. */
static void find_uart(const struct kx_fdt *f, uint32_t chosen, uint32_t ac)
{
	char path[128];
	uint32_t len, node, i;
	const void *v;

	x.uart = 0;
	if (kx_fdt_get_prop(f, chosen, "stdout-path", &v, &len) != KX_OK || !len)
		return;
	for (i = 0; i < len && i + 1 < sizeof(path) && ((const char *)v)[i] &&
	     ((const char *)v)[i] != ':'; i++)
		path[i] = ((const char *)v)[i];
	path[i] = 0;
	if (path[0] != '/') {
		/* An alias: /aliases/<name> holds the path. */
		uint32_t aliases;

		if (kx_fdt_find_node(f, "/aliases", &aliases) != KX_OK ||
		    kx_fdt_get_prop(f, aliases, path, &v, &len) != KX_OK ||
		    !len || len >= sizeof(path) || ((const char *)v)[len - 1])
			return;
		kx_memcpy(path, v, len);
	}
	if (kx_fdt_find_node(f, path, &node) != KX_OK ||
	    kx_fdt_get_prop(f, node, "compatible", &v, &len) != KX_OK ||
	    !has_string(v, len, "arm,pl011") ||
	    kx_fdt_get_prop(f, node, "reg", &v, &len) != KX_OK || len < 4 * ac)
		return;
	x.uart = kx_fdt_cells(v, ac);
}

/*
 * The tree the kernel gets: the firmware's or the configuration's, with
 * /chosen bootargs (the command line and kx_setup=), linux,initrd-start
 * and -end, kx,setup-page, and a /memreserve/ keeping the setup page;
 * room left for the /reserved-memory edit made from the final map.
 */
static void edit_dtb(void)
{
	struct kxb_seg *s = &segs[SEG_DTB];
	uint64_t setup = (uintptr_t)x.setup;
	uint32_t chosen, ac, sc;
	uint8_t v[8];
	struct kx_fdt f;
	enum kx_status st;

	read_dtb(x.dtb_from, &f);
	if (kx_fdt_root_cells(&f, &ac, &sc) != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "dtb %s: #address-cells %u, #size-cells %u: kxboot reads 1 or 2",
			 x.dtb_from, ac, sc);
	if (kx_fdt_find_node(&f, "/chosen", &chosen) != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "dtb %s: no /chosen node", x.dtb_from);
	/* The kernel's RAM: all of it, or the reservations would miss some. */
	if (kx_fdt_memory(&f, x.ram, MEM_MAX, &x.nram) != KX_OK)
		kxb_fail(EFI_UNSUPPORTED, "dtb %s: more than %u /memory ranges",
			 x.dtb_from, MEM_MAX);
	if (!x.nram)
		kxb_fail(EFI_LOAD_ERROR, "dtb %s: no /memory node with a reg", x.dtb_from);
	find_uart(&f, chosen, ac);

	/* Room for every edit: the staging pages are the blob's own. */
	st = kx_fdt_grow(&f, (uint32_t)KX_MIN(f.size + sizeof(x.cmdline) + DTB_ROOM +
					      RESV_ROOM, x.dtb_cap));
	kx_fdt_put64(v, setup);
	if (st == KX_OK)
		st = kx_fdt_set_prop(&f, chosen, "bootargs", x.cmdline,
				     (uint32_t)str_len(x.cmdline) + 1);
	if (st == KX_OK)
		st = kx_fdt_find_node(&f, "/chosen", &chosen);
	if (st == KX_OK)
		st = kx_fdt_set_prop(&f, chosen, "kx,setup-page", v, sizeof(v));
	if (st == KX_OK && segs[SEG_INITRD].size) {
		kx_fdt_put64(v, segs[SEG_INITRD].dest);
		st = kx_fdt_set_prop(&f, chosen, "linux,initrd-start", v, sizeof(v));
		kx_fdt_put64(v, segs[SEG_INITRD].dest + x.initrd_bytes);
		if (st == KX_OK)
			st = kx_fdt_set_prop(&f, chosen, "linux,initrd-end", v, sizeof(v));
	} else if (st == KX_OK) {
		/* No initrd: a start equal to the end names none. */
		kx_fdt_put64(v, 0);
		if (kx_fdt_get_prop(&f, chosen, "linux,initrd-start", &(const void *){ 0 },
				    &(uint32_t){ 0 }) == KX_OK) {
			st = kx_fdt_set_prop(&f, chosen, "linux,initrd-start", v, sizeof(v));
			if (st == KX_OK)
				st = kx_fdt_set_prop(&f, chosen, "linux,initrd-end", v, sizeof(v));
		}
	}
	if (st == KX_OK)
		st = kx_fdt_add_memreserve(&f, setup, SETUP_PAGES * KXB_PAGE);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "dtb %s: cannot edit it: %s", x.dtb_from,
			 kx_strerror(st));
	/* totalsize keeps the room the final edit takes. */
	s->size = KX_ALIGN_UP((uint64_t)f.size, KXB_PAGE);
	s->dest = (uintptr_t)kxb_pages_or_fail(AllocateMaxAddress, s->size / KXB_PAGE,
					       LIMIT_48, "dtb");
	x.dtb_copy = kxb_pages_or_fail(AllocateAnyPages, s->size / KXB_PAGE, 0,
				       "dtb copy");
	kxb_say("kxboot: dtb from %s: %u bytes after edits, %u memory range%s, console %s0x%llx\n",
		x.dtb_from, f.size,
		x.nram, x.nram > 1 ? "s" : "", x.uart ? "PL011 at " : "none ",
		(unsigned long long)x.uart);
}

/* ------------------------------------------------------------ memory map */

/*
 * From a memory map (count descriptors of dsize bytes at x.map): its
 * EFI-typed form for the setup page (the setup page's own pages reserved)
 * and the parts of /memory that are not RAM in it.  Runs before and after
 * ExitBootServices alike: no firmware call, nothing printed.
 */
static enum kx_status memory_from_map(UINTN count, UINTN dsize)
{
	enum kx_status st;

	st = kx_efi_mem_ranges(x.map, count, dsize, x.mm, x.mm_cap, &x.nmm);
	if (st == KX_OK)
		st = kx_efi_reserved_in(x.mm, x.nmm, x.ram, x.nram, x.resv,
					RESV_MAX, &x.nresv);
	if (st == KX_OK)
		st = kx_mem_ranges_set(x.mm, &x.nmm, x.mm_cap, (uintptr_t)x.setup,
				       SETUP_PAGES * KXB_PAGE, KX_MEM_RESERVED);
	if (st == KX_OK && x.nmm > SETUP_MAP_MAX)
		st = KX_ERR_NO_SPACE;
	return st;
}

/*
 * The tree at buf (the dtb segment's bytes) keeps the kernel off every
 * range of x.resv: a /reserved-memory child with no-map, which Linux
 * entered without EFI honours by leaving the ranges out of its linear map
 * ("reserved" in /proc/iomem).  A /memreserve/ would not do: Linux keeps
 * those ranges mapped cacheable and calls them System RAM (with a
 * "reserved" child), while runtime regions and MMIO must not be touched
 * by speculative cacheable accesses, as its own EFI code marks them nomap.
 */
static enum kx_status reserve_in_dtb(uint8_t *buf)
{
	struct kx_fdt f;
	enum kx_status st = kx_fdt_open(&f, buf, segs[SEG_DTB].size);

	if (st == KX_OK)
		st = kx_fdt_reserve_nomap(&f, RESV_NAME, x.resv, x.nresv);
	return st;
}

static enum kx_status write_setup_page(void)
{
	const struct kx_measurement *meas;
	unsigned nmeas;

	meas = kxb_measurements(&nmeas);
	return kxb_write_setup_page(x.setup, SETUP_PAGES, segs, NSEG, x.mm, x.nmm,
				    x.cmdline, meas, nmeas);
}

/*
 * Before ExitBootServices: room for the final map's forms, and the whole
 * late work done once from the map of now, on a copy of the tree, so that
 * nothing the final map needs can be refused after the firmware is gone.
 */
static void dry_run(void)
{
	struct kxb_seg *s = &segs[SEG_DTB];
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN count, dsize, key;
	enum kx_status st;

	x.map = kxb_map_room(&x.map_cap, &count);
	/* Descriptors are 40 bytes at least; the setup page's split adds 2. */
	x.mm_cap = x.map_cap / 40 + 2;
	x.mm = kxb_pages_or_fail(AllocateAnyPages, KXB_PAGES(x.mm_cap * sizeof(*x.mm)),
				 0, "memory map table");
	map = kxb_memory_map(&count, &dsize, &key);
	if (count * dsize > x.map_cap) {
		FreePool(map);
		kxb_fail(EFI_BUFFER_TOO_SMALL, "memory map grew past its room");
	}
	kx_memcpy(x.map, map, count * dsize);
	FreePool(map);
	st = memory_from_map(count, dsize);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st),
			 "memory map: %s (%llu descriptors, %u ranges not RAM in /memory, at most %u)",
			 kx_strerror(st), (unsigned long long)count, x.nresv, RESV_MAX);
	kx_memcpy(x.dtb_copy, s->buf, s->size);
	st = reserve_in_dtb(x.dtb_copy);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "dtb %s: cannot reserve what is not RAM: %s",
			 x.dtb_from, kx_strerror(st));
	st = write_setup_page();
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "setup page: %s", kx_strerror(st));
	kxb_say("kxboot: memory map now: %u entries, %u range%s of /memory not RAM (kept by /reserved-memory/" RESV_NAME ", no-map, from the final map)\n",
		x.nmm, x.nresv, x.nresv == 1 ? "" : "s");
}

/* ------------------------------------------------------------ tables */

/*
 * The identity map the trampoline switches to: every RAM range of the
 * memory map, in the translation regime the loader runs in (EL1&0, or
 * EL2 with or without E2H), 48-bit, Normal write-back memory as the
 * firmware maps RAM, so the switch keeps the data cache's contents valid.
 */
static void build_idmap(void)
{
	struct kx_idmap_aarch64_config cfg = { 48, x.el2_only ? KX_IDMAP_A64_EL2 : 0 };
	uint64_t mmfr0 = kx_a64_read(id_aa64mmfr0_el1);
	size_t tables;
	enum kx_status st;

	x.nranges = kxb_ram_ranges(ranges, LIMIT_48 + 1, (uintptr_t)x.control);
	st = kx_idmap_aarch64_count_tables(ranges, x.nranges, &cfg, &tables);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "identity map: %s", kx_strerror(st));
	x.idmap.base = kxb_pages_or_fail(AllocateAnyPages, tables, 0, "page tables");
	x.idmap.phys = (uintptr_t)x.idmap.base;
	x.idmap.pages = tables;
	x.idmap.used = 0;
	st = kx_idmap_aarch64_build(ranges, x.nranges, &cfg, kx_page_pool_alloc,
				    &x.idmap, &x.regs);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "identity map: %s", kx_strerror(st));
	if (x.regs.ips > MMFR0_PARANGE(mmfr0))
		kxb_fail(EFI_UNSUPPORTED,
			 "identity map: RAM needs physical address size %u, the CPU has %u",
			 x.regs.ips, MMFR0_PARANGE(mmfr0));
}

/* The list that moves every segment from staging to its destination;
 * purgatory, setup page, control page and tables are never written. */
static void build_page_list(void)
{
	kxb_page_list_keeping(&x.pl, segs, NSEG, &x.purg, (uintptr_t)x.setup,
			      SETUP_PAGES, (uintptr_t)x.control, &x.idmap);
}


/*
 * The control page: the trampoline blob (engine and privileged prologue,
 * relocation-free), its arguments after it (kxb_control_page makes the
 * code fetchable with the MMU off).
 */
static void prepare_trampoline(void)
{
	x.tramp = kxb_control_page(x.control, kx_trampoline_aarch64_start,
				   kx_trampoline_aarch64_end, sizeof(*x.tramp), 0);
	x.tramp_fn = (kxb_tramp_fn)(uintptr_t)kx_trampoline_at((uintptr_t)x.control,
		kx_trampoline_aarch64_start, (const void *)(uintptr_t)kx_trampoline_aarch64);
	kx_memset(x.tramp, 0, sizeof(*x.tramp));
	x.tramp->ttbr0 = x.regs.ttbr0;
	x.tramp->tcr = x.el2_only ? x.regs.tcr_el2 : x.regs.tcr_el1;
	x.tramp->mair = x.regs.mair;
	x.tramp->head = x.pl.b.head;
	x.tramp->entry = x.purg.rel.entry;
	/* One pass: purgatory's hook hashes while the trampoline copies. */
	x.tramp->mode = KX_PL_DIGEST;
	kxb_copy_hash(&x.purg, "kxboot", KX_PL_DIGEST, &x.tramp->hash, &x.tramp->hash_stack);
	/* What the loader wrote outside the list, read with the MMU off. */
	x.tramp->clean[0].start = x.purg.phys;
	x.tramp->clean[0].end = x.purg.phys + x.purg.size;
	x.tramp->clean[1].start = (uintptr_t)x.setup;
	x.tramp->clean[1].end = (uintptr_t)x.setup + SETUP_PAGES * KXB_PAGE;
}

static void report(void)
{
	kxb_report_segments(segs, NSEG, SEG_DTB);
	kxb_say("kxboot: purgatory at 0x%llx, %llu bytes, entry 0x%llx; command line:\n"
		"kxboot:   %s\n",
		(unsigned long long)x.purg.phys, (unsigned long long)x.purg.size,
		(unsigned long long)x.purg.rel.entry, x.cmdline);
	kxb_say("kxboot: setup page at 0x%llx (%u pages, /memreserve/ in the dtb)\n",
		(unsigned long long)(uintptr_t)x.setup, SETUP_PAGES);
	kxb_report_page_list(&x.pl);
	kxb_say("kxboot: page tables: %llu pages at 0x%llx, root 0x%llx, 48-bit, %s regime, %llu ranges (RAM and the control page)\n",
		(unsigned long long)x.idmap.used, (unsigned long long)x.idmap.phys,
		(unsigned long long)x.regs.ttbr0,
		x.el == 1 ? "EL1&0" : x.el2_only ? "EL2" : "EL2&0 (E2H=1)",
		(unsigned long long)x.nranges);
	kxb_say("kxboot: control page at 0x%llx: trampoline %llu bytes, entry 0x%llx\n",
		(unsigned long long)(uintptr_t)x.control,
		(unsigned long long)(kx_trampoline_aarch64_end - kx_trampoline_aarch64_start),
		(unsigned long long)(uintptr_t)x.tramp_fn);
}

/* ------------------------------------------------------------ exit */

/* After ExitBootServices the UART is ours: polled, bounded waits. */
void kxb_arch_late_putc(void *ctx, char c)
{
	(void)ctx;
	if (x.uart)
		kx_pl011_putc(x.uart, c);
}

void kxb_arch_interrupts_off(void)
{
	__asm__ volatile("msr daifset, #0xf" : : : "memory");
}

void kxb_arch_halt(void)
{
	for (;;)
		__asm__ volatile("msr daifset, #0xf; wfi");
}

/*
 * Leaves the firmware, then what depends on the final memory map: the
 * tree's reservations, its digest, the setup page.  Nothing here may call
 * the firmware or fail back to it: problems halt, loudly.
 */
static __attribute__((noreturn)) void exit_and_hand_off(void)
{
	UINTN count, dsize = 0;
	uint64_t t;
	enum kx_status ks;

	count = kxb_exit_boot_services(x.map, x.map_cap, &dsize);
	/* Purgatory's image is cleaned to the PoC by the trampoline. */
	t = kx_a64_ticks();
	ks = kx_elf_rel_set(&x.purg.rel, KX_SYM_HANDOFF_TICKS, &t, sizeof(t));
	if (ks != KX_OK)
		kxb_late_halt("purgatory " KX_SYM_HANDOFF_TICKS, ks);
	ks = memory_from_map(count, dsize);
	if (ks != KX_OK)
		kxb_late_halt("the final memory map", ks);
	ks = reserve_in_dtb(segs[SEG_DTB].buf);
	if (ks != KX_OK)
		kxb_late_halt("dtb /reserved-memory from the final memory map", ks);
	kxb_hash_segment(&segs[SEG_DTB]);
	ks = write_setup_page();
	if (ks != KX_OK)
		kxb_late_halt("setup page", ks);
	for (unsigned i = 0; i < x.nresv; i++)
		kxb_late_say("kxboot: not RAM: 0x%llx-0x%llx (no-map in the dtb)\n",
			     (unsigned long long)x.resv[i].addr,
			     (unsigned long long)(x.resv[i].addr + x.resv[i].size - 1));
	kxb_late_say("kxboot: final memory map: %u entries in the setup page, %u range%s of /memory not RAM; segment dtb sha256 ",
		     x.nmm, x.nresv, x.nresv == 1 ? "" : "s");
	for (int i = 0; i < KX_SHA256_SIZE; i++)
		kxb_late_say("%02x", segs[SEG_DTB].digest[i]);
	kxb_late_say("\nkxboot: entering the trampoline at 0x%llx\n",
		     (unsigned long long)(uintptr_t)x.tramp_fn);
	x.tramp_fn(x.tramp);
}

/* ------------------------------------------------------------ boot */

void kxb_arch_boot(const struct kx_bootconf *conf)
{
	uint64_t setup, zero = 0;
	size_t n;

	/* A device tree cannot be verified: under Secure Boot only the
	 * firmware's own is used (as systemd-boot refuses one). */
	if (conf->dtb[0] && kxb_secure_boot)
		kxb_fail(EFI_SECURITY_VIOLATION,
			 "'dtb %s': a device tree file cannot be verified under Secure Boot: use the firmware's",
			 conf->dtb);
	x.el = kx_a64_el();
	x.el2_only = x.el == 2 && !(kx_a64_read(hcr_el2) & HCR_EL2_E2H);
	x.dtb_from = conf->dtb;

	load_kernel(conf->kernel);
	x.initrd_bytes = kxb_load_initrds(conf, &segs[SEG_INITRD], LIMIT_48, LIMIT_48);
	for (unsigned i = 0; i < conf->ninitrd; i++)
		kxb_measure(KXB_PCR_INITRD, KX_SEG_INITRD, "initrd", conf->initrd[i],
			    segs[SEG_INITRD].buf + kxb_initrd_parts[i].off,
			    kxb_initrd_parts[i].size);
	x.setup = kxb_pages_or_fail(AllocateMaxAddress, SETUP_PAGES, LIMIT_48,
				    "setup page");
	setup = (uintptr_t)x.setup;
	n = kx_snprintf(x.cmdline, sizeof(x.cmdline), "%s%s%skx_setup=0x%llx",
			conf->cmdline, conf->cmdline[0] ? " " : "",
			kxb_cmdline_lockdown(conf->cmdline), (unsigned long long)setup);
	if (n >= sizeof(x.cmdline))
		kxb_fail(EFI_BAD_BUFFER_SIZE, "command line: %llu bytes with kx_setup=, more than %u",
			 (unsigned long long)n, (unsigned)sizeof(x.cmdline) - 1);
	/* The line the kernel will see (its bootargs), kx_setup= and all. */
	kxb_measure(KXB_PCR_CMDLINE, KX_SEG_CMDLINE, "cmdline", "", x.cmdline, n);
	edit_dtb();
	kxb_purgatory_load(&x.purg, LIMIT_48);
	x.control = kxb_code_pages_or_fail(1, LIMIT_48, "control page");

	/* Kernel and initrd are final: hash them; the tree and the setup
	 * page are hashed and written again from the final map. */
	for (unsigned i = 0; i < NSEG; i++)
		if (segs[i].size)
			kxb_hash_segment(&segs[i]);
	dry_run();

	/* Purgatory's parameters: kexec-tools' names for entry, tree and
	 * console; the segments to verify come from the setup page. */
	kxb_purgatory_set(&x.purg, "arm64_kernel_entry", &segs[SEG_KERNEL].dest, 8);
	kxb_purgatory_set(&x.purg, "arm64_dtb_addr", &segs[SEG_DTB].dest, 8);
	kxb_purgatory_set(&x.purg, "arm64_sink", &x.uart, 8);
	kxb_purgatory_set(&x.purg, KX_SYM_SETUP_PAGE, &setup, 8);
	kxb_purgatory_set(&x.purg, KX_SYM_HANDOFF_TICKS, &zero, 8);

	build_idmap();
	build_page_list();
	prepare_trampoline();
	report();

#ifdef KXBOOT_TEST_CORRUPT
	{
		struct kxb_seg *s = segs[SEG_INITRD].size ? &segs[SEG_INITRD] : &segs[SEG_KERNEL];

		s->buf[s->size / 2] ^= 0x01;
		kxb_say("kxboot-test: flipped byte 0x%llx of segment %s after its digest was taken\n",
			(unsigned long long)s->size / 2, s->name);
#ifdef KXBOOT_TEST_FORGED
		x.tramp->mode = KX_PL_COPY;
		x.tramp->hash = 0;
		kxb_test_forge_result(&x.purg, s);
#endif
	}
#endif
	exit_and_hand_off();
}
