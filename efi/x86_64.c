/* SPDX-License-Identifier: MIT */
/*
 * kxboot's x86_64 loader: a Linux bzImage, entered in 64-bit mode through
 * kx's trampoline and purgatory, as kexec would.
 *
 * Memory, all of it allocated from the firmware before ExitBootServices
 * (EfiLoaderData, which the kernel's e820 calls RAM):
 *   destinations  the kernel (init_size at an aligned address, preferably
 *                 pref_address), the initrd (below initrd_addr_max), the
 *                 boot_params page with the command line after it;
 *   staging       where the files are read, page aligned so that the page
 *                 list uses them in place: after ExitBootServices the
 *                 trampoline copies staging to destination, so the copy
 *                 engine really runs;
 *   purgatory     kx's purgatory.ro, relocated where it runs;
 *   setup page    SETUP_PAGES pages below 4 GiB, written by kxboot,
 *                 reserved in the kernel's e820 and named on its command
 *                 line (kx_setup=0x...);
 *   control page  the trampoline's code and stack;
 *   page tables   an identity map of every RAM range of the memory map;
 *   page list     its indirection pages.
 *
 * Digests: each segment's SHA-256 is taken while it is staged and goes
 * into the setup page, which purgatory is told of (kx_setup_page): it
 * verifies every segment the page lists where the trampoline put it, marks
 * them verified and enters the kernel, or halts.  The boot_params segment
 * holds the e820 table made from the final memory map (the one
 * ExitBootServices accepted), so it is written, and hashed, last.
 */
#include <kexec_abi.h>
#include <kx/bzimage.h>
#include <kx/compiler.h>
#include <kx/efi_mmap.h>
#include <kx/elf_rel.h>
#include <kx/format.h>
#include <kx/idmap.h>
#include <kx/page_list.h>
#include <kx/setup_page.h>
#include <kx/sha256.h>
#include <kx/purgatory.h>
#include <kx/trampoline.h>
#include <kx/x86_io.h>
#include "handoff.h"
#include "secure.h"

const char kxb_arch_name[] = "x86_64";

#define LIMIT_4G	0xffffffffull
#define KERNEL_MIN	0x100000ull	/* never below 1 MiB */
#define SETUP_PAGES	KX_PURGATORY_SETUP_PAGES
#define COM1		0x3f8
#define LINUX_ENTRY64	0x200		/* startup_64, from the load address */
enum { SB_DISABLED = 2, SB_ENABLED = 3 };	/* Linux's enum efi_secureboot_mode */


enum { SEG_KERNEL, SEG_INITRD, SEG_BOOT_PARAMS, NSEG };

static struct kxb_seg segs[NSEG] = {
	[SEG_KERNEL] = { .name = "kernel", .kind = KX_SEG_KERNEL, .lanes = KXB_LANES },
	[SEG_INITRD] = { .name = "initrd", .kind = KX_SEG_INITRD, .lanes = KXB_LANES },
	[SEG_BOOT_PARAMS] = { .name = "boot_params", .kind = KX_SEG_BOOT_PARAMS },
};

typedef void (*kxb_tramp_fn)(const struct kx_tramp_x86_64 *)
	__attribute__((noreturn));

/* Everything the hand-off needs, filled before ExitBootServices. */
static struct {
	struct kx_bzimage bz;
	const uint8_t *image;		/* the bzImage file, as staged */
	uint64_t image_size;
	uint64_t limit;			/* highest byte kernel and initrd may use */
	uint64_t initrd_bytes;		/* the initrds' bytes, without padding */
	unsigned ninitrd;
	char cmdline[KX_BOOTCONF_CMDLINE_MAX + 64];	/* + lockdown=, kx_setup= */
	uint32_t cmdline_len;
	uint64_t acpi_rsdp;
	uint8_t *setup;			/* SETUP_PAGES pages */
	struct kxb_purgatory purg;
	uint8_t *control;
	struct kx_page_pool idmap;
	uint64_t cr3;
	size_t nranges;
	struct kxb_plist pl;
	struct kx_tramp_x86_64 *tramp;	/* in the control page */
	kxb_tramp_fn tramp_fn;		/* kx_trampoline_x86_64, copied */
	/* Room for the final memory map and its e820 form. */
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_cap;
	struct kx_e820 *e820;
	size_t e820_cap;
	unsigned e820_n;
} x;

static struct kx_idmap_range ranges[KXB_MAX_RANGES];

/* ------------------------------------------------------------ kernel */

static int alloc_at(uint64_t addr, uint64_t pages)
{
	EFI_PHYSICAL_ADDRESS a = addr;

	return kxb_alloc_pages(AllocateAddress, pages, &a) == EFI_SUCCESS;
}

static void refuse_kernel(const char *path, enum kx_status st, uint64_t size)
{
	const struct kx_bzimage *bz = &x.bz;

	switch (st) {
	case KX_ERR_UNSUPPORTED:
		if (bz->version < 0x020c)
			kxb_fail(EFI_UNSUPPORTED,
				 "kernel %s: boot protocol %u.%02u is too old: kxboot needs 2.12 or later (64-bit entry, xloadflags)",
				 path, bz->version >> 8, bz->version & 0xff);
		kxb_fail(EFI_UNSUPPORTED,
			 "kernel %s: no 64-bit entry point (xloadflags 0x%x lacks XLF_KERNEL_64): kxboot enters kernels in 64-bit mode",
			 path, bz->xloadflags);
	case KX_ERR_FORMAT:
		if (!bz->version)
			kxb_fail(EFI_LOAD_ERROR,
				 "kernel %s: not a bzImage (no boot sector flag and \"HdrS\" header)",
				 path);
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: bzImage header refused (relocatable %u, kernel_alignment 0x%x, init_size 0x%x)",
			 path, bz->relocatable, bz->kernel_alignment, bz->init_size);
	case KX_ERR_TRUNCATED:
		kxb_fail(EFI_LOAD_ERROR,
			 "kernel %s: not a bzImage (%llu bytes: shorter than its header says)",
			 path, (unsigned long long)size);
	default:
		kxb_fail(kxb_efi_status(st), "kernel %s: %s", path, kx_strerror(st));
	}
}

static void load_kernel(const char *path)
{
	struct kxb_seg *k = &segs[SEG_KERNEL];
	struct kxb_file f;
	uint8_t sects = 0;
	uint64_t setup_bytes, pad;
	uint8_t *buf;
	enum kx_status st;

	kxb_open(&f, path, "kernel");
	/*
	 * Read the file so that its protected-mode part, after the setup
	 * sectors, starts on a page: the page list then uses it in place.
	 */
	if (f.size > 0x1f1)
		kxb_read(&f, 0x1f1, &sects, 1);
	setup_bytes = ((uint64_t)(sects ? sects : 4) + 1) * 512;
	pad = (KXB_PAGE - setup_bytes % KXB_PAGE) % KXB_PAGE;
	buf = kxb_pages_or_fail(AllocateAnyPages, KXB_PAGES(pad + f.size), 0,
				"kernel staging");
	kxb_read(&f, 0, buf + pad, f.size);
	kxb_close(&f);
	x.image = buf + pad;
	x.image_size = f.size;
	st = kx_bzimage_parse(x.image, x.image_size, &x.bz);
	if (st != KX_OK)
		refuse_kernel(path, st, f.size);
	/* Before any destination is taken: the very bytes staged. */
	kxb_verify_image(path, x.image, x.image_size, "kernel");
	kxb_measure(KXB_PCR_KERNEL, KX_SEG_KERNEL, "kernel", path, x.image, x.image_size);
	/* kx_bzimage_parse vouches that kernel_offset is setup_bytes. */
	k->buf = (uint8_t *)x.image + x.bz.kernel_offset;
	k->size = KX_ALIGN_UP(x.bz.kernel_size, KXB_PAGE);
	x.limit = (x.bz.xloadflags & KX_XLF_CAN_BE_LOADED_ABOVE_4G) ?
		KX_IDMAP_X86_LIMIT_4LEVEL - 1 : LIMIT_4G;
	kxb_say("kxboot: kernel %s: bzImage, boot protocol %u.%02u, %llu bytes, init_size 0x%x, alignment 0x%x\n",
		path, x.bz.version >> 8, x.bz.version & 0xff,
		(unsigned long long)f.size, x.bz.init_size, x.bz.kernel_alignment);
}

/* The kernel's destination: init_size bytes, aligned, below the limit. */
static void place_kernel(void)
{
	uint64_t need = KX_ALIGN_UP((uint64_t)x.bz.init_size, KXB_PAGE);
	uint64_t align = KX_MAX((uint64_t)x.bz.kernel_alignment, KXB_PAGE);
	uint64_t pref = x.bz.pref_address, pages = need / KXB_PAGE;

	if (KX_IS_ALIGNED(pref, align) && pref >= KERNEL_MIN &&
	    pref + need - 1 <= x.limit && alloc_at(pref, pages)) {
		segs[SEG_KERNEL].dest = pref;
		goto found;
	}
	/* First fit in free memory, lowest first. */
	segs[SEG_KERNEL].dest = kxb_alloc_low(pages, align, 0, KERNEL_MIN, x.limit);
	if (segs[SEG_KERNEL].dest)
		goto found;
	kxb_fail(EFI_OUT_OF_RESOURCES,
		 "kernel: no free memory for its init_size of %llu KiB aligned to %llu KiB below 0x%llx",
		 (unsigned long long)need >> 10, (unsigned long long)align >> 10,
		 (unsigned long long)x.limit);
found:
	kxb_say("kxboot: kernel destination 0x%llx (%s), %llu KiB for init_size\n",
		(unsigned long long)segs[SEG_KERNEL].dest,
		segs[SEG_KERNEL].dest == pref ? "pref_address" : "first fit",
		(unsigned long long)need >> 10);
}

/* ------------------------------------------------------------ initrd */

static void load_initrds(const struct kx_bootconf *conf)
{
	uint64_t max = KX_MIN((uint64_t)x.bz.initrd_addr_max, x.limit);

	x.ninitrd = conf->ninitrd;
	x.initrd_bytes = kxb_load_initrds(conf, &segs[SEG_INITRD], max,
		(x.bz.xloadflags & KX_XLF_CAN_BE_LOADED_ABOVE_4G) ? x.limit : max);
	for (unsigned i = 0; i < conf->ninitrd; i++)
		kxb_measure(KXB_PCR_INITRD, KX_SEG_INITRD, "initrd", conf->initrd[i],
			    segs[SEG_INITRD].buf + kxb_initrd_parts[i].off,
			    kxb_initrd_parts[i].size);
}

/* ------------------------------------------------------------ cmdline */

/* boot_params and the command line: one segment, the line on page 2. */
static void stage_boot_params(const struct kx_bootconf *conf)
{
	struct kxb_seg *s = &segs[SEG_BOOT_PARAMS];
	uint64_t setup = (uintptr_t)x.setup;
	size_t n;

	n = kx_snprintf(x.cmdline, sizeof(x.cmdline), "%s%s%skx_setup=0x%llx",
			conf->cmdline, conf->cmdline[0] ? " " : "",
			kxb_cmdline_lockdown(conf->cmdline), (unsigned long long)setup);
	if (n >= sizeof(x.cmdline) || n > x.bz.cmdline_size)
		kxb_fail(EFI_BAD_BUFFER_SIZE,
			 "command line: %llu bytes with kx_setup=, the kernel takes at most %u",
			 (unsigned long long)n, x.bz.cmdline_size);
	x.cmdline_len = (uint32_t)n;
	s->size = KXB_PAGE + KX_ALIGN_UP((uint64_t)n + 1, KXB_PAGE);
	s->buf = kxb_pages_or_fail(AllocateAnyPages, s->size / KXB_PAGE, 0,
				   "boot_params staging");
	s->dest = (uintptr_t)kxb_pages_or_fail(AllocateMaxAddress,
					       s->size / KXB_PAGE, LIMIT_4G,
					       "boot_params");
	kx_memcpy(s->buf + KXB_PAGE, x.cmdline, n + 1);
	/* The line the kernel will see, kx_setup= and all. */
	kxb_measure(KXB_PCR_CMDLINE, KX_SEG_CMDLINE, "cmdline", "", x.cmdline, n);
}

/* ------------------------------------------------------------ tables */

/*
 * The identity map the trampoline switches to: every RAM range of the
 * memory map (the control page, the list, the sources, destinations and
 * purgatory are all in RAM the firmware handed out), 4-level paging, 2 MiB
 * pages at most: QEMU's default CPU model has no 1 GiB pages.
 */
static void build_idmap(void)
{
	const struct kx_idmap_x86_64_config cfg = { 4, KX_IDMAP_X86_NO_1G };
	size_t tables, n;
	enum kx_status st;

	n = kxb_ram_ranges(ranges, KX_IDMAP_X86_LIMIT_4LEVEL, (uintptr_t)x.control);
	x.nranges = n;
	st = kx_idmap_x86_64_count_tables(ranges, n, &cfg, &tables);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "identity map: %s", kx_strerror(st));
	x.idmap.base = kxb_pages_or_fail(AllocateAnyPages, tables, 0,
					 "page tables");
	x.idmap.phys = (uintptr_t)x.idmap.base;
	x.idmap.pages = tables;
	x.idmap.used = 0;
	st = kx_idmap_x86_64_build(ranges, n, &cfg, kx_page_pool_alloc,
				   &x.idmap, &x.cr3);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "identity map: %s", kx_strerror(st));
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
 * relocation-free), its arguments after it, its stack at the top.
 */
static void prepare_trampoline(void)
{
	x.tramp = kxb_control_page(x.control, kx_trampoline_x86_64_start,
				   kx_trampoline_x86_64_end, sizeof(*x.tramp), 1024);
	kx_memset(x.tramp, 0, sizeof(*x.tramp));
	x.tramp_fn = (kxb_tramp_fn)(uintptr_t)kx_trampoline_x86_64_at(
		(uintptr_t)x.control, (const char *)(uintptr_t)kx_trampoline_x86_64);
	x.tramp->cr3 = x.cr3;
	x.tramp->head = x.pl.b.head;
	x.tramp->entry = x.purg.rel.entry;
	x.tramp->stack_top = (uintptr_t)x.control + KXB_PAGE;
	/* One pass: purgatory's hook hashes while the trampoline copies. */
	x.tramp->mode = KX_PL_DIGEST;
	kxb_copy_hash(&x.purg, "kxboot", KX_PL_DIGEST, &x.tramp->hash, &x.tramp->hash_stack);
}

/* ------------------------------------------------------------ report */

static void report(void)
{
	kxb_report_segments(segs, NSEG, SEG_BOOT_PARAMS);
	kxb_say("kxboot: purgatory at 0x%llx, %llu bytes, entry 0x%llx; command line at 0x%llx:\n"
		"kxboot:   %s\n",
		(unsigned long long)x.purg.phys, (unsigned long long)x.purg.size,
		(unsigned long long)x.purg.rel.entry,
		(unsigned long long)segs[SEG_BOOT_PARAMS].dest + KXB_PAGE,
		x.cmdline);
	kxb_say("kxboot: setup page at 0x%llx (%u pages, reserved in the e820)\n",
		(unsigned long long)(uintptr_t)x.setup, SETUP_PAGES);
	kxb_report_page_list(&x.pl);
	kxb_say("kxboot: page tables: %llu pages at 0x%llx, root 0x%llx, 4-level, 2 MiB pages at most, %llu ranges (RAM and the control page)\n",
		(unsigned long long)x.idmap.used, (unsigned long long)x.idmap.phys,
		(unsigned long long)x.cr3, (unsigned long long)x.nranges);
	kxb_say("kxboot: control page at 0x%llx: trampoline %llu bytes, entry 0x%llx\n",
		(unsigned long long)(uintptr_t)x.control,
		(unsigned long long)(kx_trampoline_x86_64_end - kx_trampoline_x86_64_start),
		(unsigned long long)(uintptr_t)x.tramp_fn);
}

/* ------------------------------------------------------------ digests */

static void hash_segment(struct kxb_seg *s)
{
	kxb_hash_segment(s);
}

/* ------------------------------------------------------------ exit */




/* After ExitBootServices the UART is ours: polled, bounded waits. */
void kxb_arch_late_putc(void *ctx, char c)
{
	(void)ctx;
	kx_uart16550_putc(COM1, c);
}

void kxb_arch_interrupts_off(void)
{
	__asm__ volatile("cli");
}

void kxb_arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Room for the final memory map and its e820 form. */
static void reserve_map_room(void)
{
	UINTN count;

	x.map = kxb_map_room(&x.map_cap, &count);
	x.e820_cap = count + 64 + 2;
	x.e820 = kxb_pages_or_fail(AllocateAnyPages,
				   KXB_PAGES(x.e820_cap * sizeof(*x.e820)), 0,
				   "e820 table");
}

/* The e820 table of a memory map, the setup page reserved. */
static enum kx_status make_e820(UINTN count, UINTN dsize)
{
	enum kx_status st;

	st = kx_e820_from_efi(x.map, count, dsize, x.e820, x.e820_cap, &x.e820_n);
	if (st == KX_OK)
		st = kx_e820_set(x.e820, &x.e820_n, x.e820_cap,
				 (uintptr_t)x.setup, SETUP_PAGES * KXB_PAGE,
				 KX_MEM_RESERVED);
	if (st == KX_OK && x.e820_n > KX_E820_MAX)
		st = KX_ERR_NO_SPACE;
	return st;
}

static enum kx_status write_boot_params(void)
{
	struct kxb_seg *bp = &segs[SEG_BOOT_PARAMS];
	struct kx_bzimage_boot boot = {
		.cmdline_phys = bp->dest + KXB_PAGE,
		.cmdline_len = x.cmdline_len,
		.initrd_phys = segs[SEG_INITRD].dest,
		.initrd_size = x.initrd_bytes,
		.acpi_rsdp = x.acpi_rsdp,
		.e820 = x.e820,
		.e820_count = x.e820_n,
	};
	enum kx_status st;

	st = kx_bzimage_boot_params(x.image, x.image_size, &x.bz, &boot, bp->buf);
	/* The one way this boot protocol tells a kernel the Secure Boot state
	 * (a kernel entered without EFI may not act on it: docs/kxboot.md). */
	if (st == KX_OK)
		bp->buf[KX_BP_SECURE_BOOT] = kxb_secure_boot ? SB_ENABLED : SB_DISABLED;
	return st;
}

/* The loader's setup page: segments, the e820 memory map, the command line. */
static enum kx_status write_setup_page(void)
{
	static struct kx_mem_range mm[KX_E820_MAX];

	for (unsigned i = 0; i < x.e820_n; i++) {
		mm[i].addr = x.e820[i].addr;
		mm[i].size = x.e820[i].size;
		mm[i].type = x.e820[i].type;
		mm[i].attr = 0;
	}
	const struct kx_measurement *meas;
	unsigned nmeas;

	meas = kxb_measurements(&nmeas);
	return kxb_write_setup_page(x.setup, SETUP_PAGES, segs, NSEG, mm,
				    x.e820_n, x.cmdline, meas, nmeas);
}

/*
 * Leaves the firmware: the final memory map, ExitBootServices with its
 * key (again, with a new map, while the firmware says the key is stale),
 * then everything that depends on that map.  Nothing here may call the
 * firmware or fail back to it: problems after this point halt, loudly.
 */
static __attribute__((noreturn)) void exit_and_hand_off(void)
{
	UINTN count, dsize = 0;
	enum kx_status ks;
	uint64_t tsc;

	count = kxb_exit_boot_services(x.map, x.map_cap, &dsize);
	tsc = kx_rdtsc();
	kxb_event_log_hand_over();
	ks = kx_elf_rel_set(&x.purg.rel, KX_SYM_HANDOFF_TICKS, &tsc, sizeof(tsc));
	if (ks != KX_OK)
		kxb_late_halt("purgatory " KX_SYM_HANDOFF_TICKS, ks);
	ks = make_e820(count, dsize);
	if (ks != KX_OK)
		kxb_late_halt("e820 from the final memory map", ks);
	ks = write_boot_params();
	if (ks != KX_OK)
		kxb_late_halt("boot_params", ks);
	hash_segment(&segs[SEG_BOOT_PARAMS]);
	ks = write_setup_page();
	if (ks != KX_OK)
		kxb_late_halt("setup page", ks);
	kxb_late_say("kxboot: e820: %u entries from the final memory map; segment boot_params sha256 ",
		 x.e820_n);
	for (int i = 0; i < KX_SHA256_SIZE; i++)
		kxb_late_say("%02x", segs[SEG_BOOT_PARAMS].digest[i]);
	kxb_late_say("\nkxboot: setup page written; entering the trampoline at 0x%llx\n",
		 (unsigned long long)(uintptr_t)x.tramp_fn);
	x.tramp_fn(x.tramp);
}

/* ------------------------------------------------------------ boot */

void kxb_arch_boot(const struct kx_bootconf *conf)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	uint64_t regs[KX_ENTRY64_NREGS], setup, zero = 0;
	uint8_t one = 1;
	uint16_t port = COM1;
	enum kx_status st;

	if (conf->dtb[0])
		kxb_fail(EFI_INVALID_PARAMETER,
			 "'dtb %s': device trees are for aarch64; x86_64 kernels read ACPI",
			 conf->dtb);
	x.acpi_rsdp = (uintptr_t)kxb_config_table(&acpi20);
	if (!x.acpi_rsdp)
		kxb_fail(EFI_UNSUPPORTED,
			 "no ACPI 2.0 table in the firmware's configuration table");

	load_kernel(conf->kernel);
	place_kernel();
	load_initrds(conf);
	x.setup = kxb_pages_or_fail(AllocateMaxAddress, SETUP_PAGES, LIMIT_4G,
				    "setup page");
	stage_boot_params(conf);
	kxb_purgatory_load(&x.purg, LIMIT_4G);
	x.control = kxb_code_pages_or_fail(1, LIMIT_4G, "control page");
	reserve_map_room();

	/* The e820 and boot_params as they would be now: whatever could
	 * refuse them later is refused here, while we can still return. */
	{
		UINTN count, dsize, key;
		EFI_MEMORY_DESCRIPTOR *map = kxb_memory_map(&count, &dsize, &key);

		if (count * dsize > x.map_cap) {
			FreePool(map);
			kxb_fail(EFI_BUFFER_TOO_SMALL, "memory map grew past its room");
		}
		kx_memcpy(x.map, map, count * dsize);
		FreePool(map);
		st = make_e820(count, dsize);
		if (st != KX_OK)
			kxb_fail(kxb_efi_status(st), "e820 table: %s (%u entries)",
				 kx_strerror(st), x.e820_n);
		st = write_boot_params();
		if (st != KX_OK)
			kxb_fail(kxb_efi_status(st), "boot_params: %s", kx_strerror(st));
	}

	/*
	 * Purgatory's parameters: registers and console as kexec-tools sets
	 * them; the segments to verify come from the setup page
	 * (kx_setup_page), not from kexec-tools' sha256_regions, which stay
	 * empty.  KX_SYM_HANDOFF_TICKS is set when boot services are left.
	 */
	kx_memset(regs, 0, sizeof(regs));
	regs[KX_REG_RSI] = segs[SEG_BOOT_PARAMS].dest;
	regs[KX_REG_RIP] = segs[SEG_KERNEL].dest + LINUX_ENTRY64;
	regs[KX_REG_RSP] = kxb_purgatory_addr(&x.purg, "stack_end");
	setup = (uintptr_t)x.setup;
	kxb_purgatory_set(&x.purg, "entry64_regs", regs, sizeof(regs));
	kxb_purgatory_set(&x.purg, "console_serial", &one, 1);
	kxb_purgatory_set(&x.purg, "serial_base", &port, sizeof(port));
	kxb_purgatory_set(&x.purg, KX_SYM_SETUP_PAGE, &setup, sizeof(setup));
	kxb_purgatory_set(&x.purg, KX_SYM_HANDOFF_TICKS, &zero, sizeof(zero));

	hash_segment(&segs[SEG_KERNEL]);
	if (segs[SEG_INITRD].size)
		hash_segment(&segs[SEG_INITRD]);

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
	kxb_event_log_prepare();
	exit_and_hand_off();
}
