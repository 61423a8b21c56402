/* SPDX-License-Identifier: MIT */
/*
 * kxjump.efi: the round-trip test (x86_64 under OVMF, aarch64 under
 * AAVMF), a kx loader calling physical-mode code after ExitBootServices
 * and getting its memory back.
 *
 * Before ExitBootServices it takes a 64 MiB region at a fixed address and
 * fills it with a pattern (a function of each word's address), stages the
 * payload (test/payload/, linked inside that region) elsewhere, loads kx's
 * purgatory, and builds the identity map and a swappable page list that
 * moves the payload onto the region.  After ExitBootServices, on the
 * serial port (COM1, or QEMU virt's PL011), it
 * calls the payload 10 times with different parameters (the caller's
 * buffer to hash), and after each trip checks that the region and its own
 * loaded image are bit for bit what they were (SHA-256 over each, and the
 * pattern word by word), that the payload ran at its destination, hashed
 * the buffer right, and saw the caller's pattern through the backup map
 * and through the fixed-up ELF core header.  Then it corrupts the staged
 * payload: purgatory must return KX_ERR_DIGEST instead of running it,
 * with the region intact; one more good trip follows; it prints
 * "kxjump: PASS" or "kxjump: FAIL", and powers the machine off (x86_64:
 * S5 through the FADT's PM1a control block, SLP_EN with QEMU's S5 type 0;
 * aarch64: PSCI SYSTEM_OFF).
 *
 * Everything it changes between the digests of its own image lives
 * outside that image (a state page it allocates), so the image digest
 * must not move.
 */
#include <kexec_abi.h>
#include <kx/compiler.h>
#include <kx/elf_rel.h>
#include <kx/elfcore.h>
#include <kx/format.h>
#include <kx/idmap.h>
#include <kx/jump.h>
#include <kx/page_list.h>
#include <kx/purgatory.h>
#include <kx/setup_page.h>
#include <kx/sha256.h>
#include <kx/lanes.h>
#include <kx/trampoline.h>
#if defined(__x86_64__)
#include <kx/x86_io.h>
#else
#include <kx/a64_sys.h>
#endif
#include "../../efi/handoff.h"
#include "../payload/payload.h"

#define LIMIT_4G	0xffffffffull
#define SETUP_PAGES	2
#define ROUNDS		10
#define MAX_EXT		16
#define CORE_CAP	4096

extern const uint8_t kxj_payload[];
extern const uint64_t kxj_payload_file_size,
	kxj_payload_ro_size, kxj_payload_size, kxj_payload_base, kxj_payload_entry;


#if defined(__x86_64__)
typedef struct kx_tramp_x86_64 tramp_t;
#else
typedef struct kx_tramp_aarch64 tramp_t;
#endif

/* Everything that changes after ExitBootServices, outside our image. */
struct state {
	struct kxb_purgatory purg;
	uint8_t *region;
	uint8_t *staging;		/* the payload, image + stack */
	uint64_t image_pages;		/* payload image + stack, pages */
	uint8_t *setup, *result_page, *core, *control;
	size_t core_len;
	struct kx_page_pool idmap;
	uint64_t root;			/* the identity map's, for the check */
	struct kx_page_pool pl_pool;	/* the list's indirection pages */
	struct kx_pl_builder pl;
	struct kx_backup_extent ext[MAX_EXT];
	unsigned next;
	tramp_t *tramp;
	struct kx_jump_result (*call)(tramp_t *);
	uint64_t jump_back;
	uint64_t seed;
	const uint8_t *self;		/* our loaded image */
	uint64_t self_size;
	uint8_t self_digest[32], region_digest[32], ro_digest[32];
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_cap;
	unsigned failures;
	char params[256];
	struct kx_idmap_range ranges[KXB_MAX_RANGES];
};
static struct state *s;

/* ------------------------------------------------------------ the machine */

static void *idmap_pool(size_t tables)
{
	s->idmap.base = kxb_pages_or_fail(AllocateAnyPages, tables, 0, "page tables");
	s->idmap.phys = (uintptr_t)s->idmap.base;
	s->idmap.pages = tables;
	s->idmap.used = 0;
	return &s->idmap;
}

#if defined(__x86_64__)
/*
 * x86_64 under OVMF: COM1, the TSC, S5 through the FADT, the control
 * registers and descriptor tables the round trip restores.
 */
#define KXJ_ARCH	"x86_64"
#define KXJ_EM		62	/* EM_X86_64 */
#define COM1		0x3f8

#define counter kx_rdtsc

void kxb_arch_late_putc(void *ctx, char c)
{
	(void)ctx;
	kx_uart16550_putc(COM1, c);
}

void kxb_arch_interrupts_off(void)
{
	__asm__ volatile("cli");
}

/* PM1a control block from the FADT, found before ExitBootServices. */
static uint16_t pm1a_cnt;

static void power_init(void)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	const uint8_t *rsdp = kxb_config_table(&acpi20), *xsdt;
	uint32_t len;

	if (!rsdp || kx_memcmp(rsdp, "RSD PTR ", 8))
		kxb_fail(EFI_UNSUPPORTED, "no ACPI 2.0 RSDP");
	xsdt = (const uint8_t *)(uintptr_t)kx_get_le64(rsdp + 24);
	len = kx_get_le32(xsdt + 4);
	for (uint32_t off = 36; off + 8 <= len; off += 8) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)kx_get_le64(xsdt + off);

		if (!kx_memcmp(t, "FACP", 4)) {
			pm1a_cnt = (uint16_t)kx_get_le32(t + 64);	/* PM1a_CNT_BLK */
			return;
		}
	}
	kxb_fail(EFI_UNSUPPORTED, "no FADT in the XSDT");
}

static __attribute__((noreturn)) void power_off(void)
{
	/* S5: SLP_EN with SLP_TYP 0, QEMU's \_S5 on i440fx and q35. */
	kx_outw(0x2000, pm1a_cnt);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* What the round trip promises to restore, read directly. */
struct cpu {
	uint64_t cr0, cr3, cr4, efer, fs_base, gs_base, rflags;
	uint8_t gdtr[10], idtr[10];
	uint16_t sel[6];
};

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void read_cpu(struct cpu *c)
{
	kx_memset(c, 0, sizeof(*c));
	__asm__ volatile("mov %%cr0, %0" : "=r"(c->cr0));
	__asm__ volatile("mov %%cr3, %0" : "=r"(c->cr3));
	__asm__ volatile("mov %%cr4, %0" : "=r"(c->cr4));
	__asm__ volatile("pushfq; pop %0" : "=r"(c->rflags));
	__asm__ volatile("sgdt %0" : "=m"(c->gdtr));
	__asm__ volatile("sidt %0" : "=m"(c->idtr));
	__asm__ volatile("mov %%cs, %0" : "=r"(c->sel[0]));
	__asm__ volatile("mov %%ss, %0" : "=r"(c->sel[1]));
	__asm__ volatile("mov %%ds, %0" : "=r"(c->sel[2]));
	__asm__ volatile("mov %%es, %0" : "=r"(c->sel[3]));
	__asm__ volatile("mov %%fs, %0" : "=r"(c->sel[4]));
	__asm__ volatile("mov %%gs, %0" : "=r"(c->sel[5]));
	c->efer = rdmsr(0xc0000080);
	c->fs_base = rdmsr(0xc0000100);
	c->gs_base = rdmsr(0xc0000101);
}

static uint64_t cpu_root(const struct cpu *c)
{
	return c->cr3;
}

static void say_cpu(unsigned round, const struct cpu *c, int same)
{
	kxb_late_say("kxjump: round %u: cpu state %s: cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx rflags 0x%llx cs 0x%x ss 0x%x gdt 0x%llx idt 0x%llx\n",
		 round, same ? "same" : "CHANGED", (unsigned long long)c->cr0,
		 (unsigned long long)c->cr3, (unsigned long long)c->cr4,
		 (unsigned long long)c->efer, (unsigned long long)c->rflags,
		 c->sel[0], c->sel[1], (unsigned long long)kx_get_le64(c->gdtr + 2),
		 (unsigned long long)kx_get_le64(c->idtr + 2));
}

/* Every RAM range and the control page, 4-level, 2 MiB pages at most. */
static void build_idmap(void)
{
	const struct kx_idmap_x86_64_config cfg = { 4, KX_IDMAP_X86_NO_1G };
	size_t tables, n = kxb_ram_ranges(s->ranges, KX_IDMAP_X86_LIMIT_4LEVEL, (uintptr_t)s->control);
	enum kx_status st;

	st = kx_idmap_x86_64_count_tables(s->ranges, n, &cfg, &tables);
	if (st == KX_OK)
		st = kx_idmap_x86_64_build(s->ranges, n, &cfg, kx_page_pool_alloc,
					   idmap_pool(tables), &s->root);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "identity map: %s", kx_strerror(st));
}

/* Purgatory's variables, set again before every trip (it changes some). */
static enum kx_status set_purgatory(void)
{
	uint64_t regs[KX_ENTRY64_NREGS], setup = (uintptr_t)s->setup;
	uint16_t port = COM1;
	uint8_t one = 1;
	enum kx_status st;

	kx_memset(regs, 0, sizeof(regs));
	regs[KX_REG_RSP] = kxj_payload_base + s->image_pages * KXB_PAGE;
	regs[KX_REG_RIP] = kxj_payload_entry;
	st = kx_elf_rel_set(&s->purg.rel, "entry64_regs", regs, sizeof(regs));
	if (st == KX_OK)
		st = kx_elf_rel_set(&s->purg.rel, "console_serial", &one, 1);
	if (st == KX_OK)
		st = kx_elf_rel_set(&s->purg.rel, "serial_base", &port, sizeof(port));
	if (st == KX_OK)
		st = kx_elf_rel_set(&s->purg.rel, KX_SYM_SETUP_PAGE, &setup, sizeof(setup));
	return st;
}

/* The control page: the blob, its arguments, its stack at the top. */
static void prepare_control(void)
{
	s->tramp = kxb_control_page(s->control, kx_trampoline_x86_64_start,
				    kx_trampoline_x86_64_end, sizeof(*s->tramp), 1024);
	kx_memset(s->tramp, 0, sizeof(*s->tramp));
	s->call = (void *)(uintptr_t)kx_trampoline_x86_64_at((uintptr_t)s->control,
		(const char *)(uintptr_t)kx_trampoline_x86_64_call);
	s->jump_back = kx_trampoline_x86_64_at((uintptr_t)s->control, kx_trampoline_x86_64_back);
	s->tramp->cr3 = s->root;
	s->tramp->head = s->pl.head;
	s->tramp->entry = s->purg.rel.entry;
	s->tramp->stack_top = (uintptr_t)s->control + KXB_PAGE;
	/* Swapped and hashed in one pass by purgatory's hook. */
	s->tramp->mode = KX_PL_SWAP_DIGEST;
	kxb_copy_hash(&s->purg, "kxjump", KX_PL_SWAP_DIGEST, &s->tramp->hash,
		      &s->tramp->hash_stack);
}

/* Caches are coherent with everything on x86. */
static void before_trips(void)
{
}

#elif defined(__aarch64__)
/*
 * aarch64 under AAVMF on QEMU's virt: its PL011, the virtual counter,
 * PSCI SYSTEM_OFF, and the translation regime the round trip restores.
 * The payload runs with the MMU off: whatever it reads outside the list
 * is cleaned to the point of coherency (the trampoline's clean[]
 * ranges, and the region once, before the first trip).
 */
#define KXJ_ARCH	"aarch64"
#define KXJ_EM		183	/* EM_AARCH64 */
#define PL011		0x09000000ull
#define HCR_EL2_E2H	(1ull << 34)
#define PSCI_SYSTEM_OFF	0x84000008u

#define read_sysreg kx_a64_read
#define current_el kx_a64_el
#define counter kx_a64_ticks

void kxb_arch_late_putc(void *ctx, char c)
{
	(void)ctx;
	kx_pl011_putc(PL011, c);
}

void kxb_arch_interrupts_off(void)
{
	__asm__ volatile("msr daifset, #0xf" : : : "memory");
}

static void power_init(void)
{
}

/* PSCI through the conduit QEMU gives this EL: SMC from EL2, HVC from EL1. */
static __attribute__((noreturn)) void power_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	if (current_el() == 2)
		__asm__ volatile("smc #0" : "+r"(x0) : : "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
	for (;;)
		__asm__ volatile("wfi");
}

struct cpu {
	uint64_t sctlr, tcr, mair, ttbr0, vbar, daif, sp;
};

#define READ_EL_REGS(c, el) do {					\
	(c)->sctlr = read_sysreg(sctlr_##el);				\
	(c)->tcr = read_sysreg(tcr_##el);				\
	(c)->mair = read_sysreg(mair_##el);				\
	(c)->ttbr0 = read_sysreg(ttbr0_##el);				\
	(c)->vbar = read_sysreg(vbar_##el);				\
} while (0)

static void read_cpu(struct cpu *c)
{
	kx_memset(c, 0, sizeof(*c));
	if (current_el() == 2)
		READ_EL_REGS(c, el2);
	else
		READ_EL_REGS(c, el1);
	c->daif = read_sysreg(daif);
	__asm__ volatile("mov %0, sp" : "=r"(c->sp));
}

static uint64_t cpu_root(const struct cpu *c)
{
	return c->ttbr0;
}

static void say_cpu(unsigned round, const struct cpu *c, int same)
{
	kxb_late_say("kxjump: round %u: cpu state %s: EL%u sctlr 0x%llx tcr 0x%llx mair 0x%llx ttbr0 0x%llx vbar 0x%llx daif 0x%llx\n",
		 round, same ? "same" : "CHANGED", current_el(),
		 (unsigned long long)c->sctlr, (unsigned long long)c->tcr,
		 (unsigned long long)c->mair, (unsigned long long)c->ttbr0,
		 (unsigned long long)c->vbar, (unsigned long long)c->daif);
}

static int el2_only(void)
{
	return current_el() == 2 && !(read_sysreg(hcr_el2) & HCR_EL2_E2H);
}

static struct kx_idmap_aarch64_regs a64_regs;

/* Every RAM range and the control page, 48-bit, this EL's regime. */
static void build_idmap(void)
{
	struct kx_idmap_aarch64_config cfg = { 48, el2_only() ? KX_IDMAP_A64_EL2 : 0 };
	size_t tables, n = kxb_ram_ranges(s->ranges, 1ull << 48, (uintptr_t)s->control);
	enum kx_status st;

	st = kx_idmap_aarch64_count_tables(s->ranges, n, &cfg, &tables);
	if (st == KX_OK)
		st = kx_idmap_aarch64_build(s->ranges, n, &cfg, kx_page_pool_alloc,
					    idmap_pool(tables), &a64_regs);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "identity map: %s", kx_strerror(st));
	s->root = a64_regs.ttbr0;
}

/* Purgatory's variables, set again before every trip (it changes some). */
static enum kx_status set_purgatory(void)
{
	uint64_t setup = (uintptr_t)s->setup, entry = kxj_payload_entry, zero = 0;
	uint64_t uart = PL011;
	enum kx_status st;

	st = kx_elf_rel_set(&s->purg.rel, "arm64_kernel_entry", &entry, 8);
	if (st == KX_OK)
		st = kx_elf_rel_set(&s->purg.rel, "arm64_dtb_addr", &zero, 8);
	if (st == KX_OK)
		st = kx_elf_rel_set(&s->purg.rel, "arm64_sink", &uart, 8);
	if (st == KX_OK)
		st = kx_elf_rel_set(&s->purg.rel, KX_SYM_SETUP_PAGE, &setup, 8);
	return st;
}

/*
 * The control page: the blob and its arguments (no stack: the aarch64
 * prologues use none); kxb_control_page makes the code fetchable with
 * the MMU off, as the way back fetches it.
 */
static void prepare_control(void)
{
	uint64_t control = (uintptr_t)s->control;

	s->tramp = kxb_control_page(s->control, kx_trampoline_aarch64_start,
				    kx_trampoline_aarch64_end, sizeof(*s->tramp), 0);
	s->call = (void *)(uintptr_t)kx_trampoline_at(control, kx_trampoline_aarch64_start,
		(const void *)(uintptr_t)kx_trampoline_aarch64_call);
	s->jump_back = kx_trampoline_at(control, kx_trampoline_aarch64_start,
					kx_trampoline_aarch64_back);
	kx_memset(s->tramp, 0, sizeof(*s->tramp));
	s->tramp->ttbr0 = a64_regs.ttbr0;
	s->tramp->tcr = el2_only() ? a64_regs.tcr_el2 : a64_regs.tcr_el1;
	s->tramp->mair = a64_regs.mair;
	s->tramp->head = s->pl.head;
	s->tramp->entry = s->purg.rel.entry;
	/* Swapped and hashed in one pass by purgatory's hook. */
	s->tramp->mode = KX_PL_SWAP_DIGEST;
	kxb_copy_hash(&s->purg, "kxjump", KX_PL_SWAP_DIGEST, &s->tramp->hash,
		      &s->tramp->hash_stack);
	/* What the payload and purgatory read, or the payload writes, outside
	 * the list: cleaned on the way there and again on the way back. */
	s->tramp->clean[0].start = s->purg.phys;
	s->tramp->clean[0].end = s->purg.phys + s->purg.size;
	s->tramp->clean[1].start = (uintptr_t)s->setup;
	s->tramp->clean[1].end = (uintptr_t)s->setup + SETUP_PAGES * KXB_PAGE;
	s->tramp->clean[2].start = (uintptr_t)s->result_page;
	s->tramp->clean[2].end = (uintptr_t)s->result_page + KXB_PAGE;
	s->tramp->clean[3].start = (uintptr_t)s->core;
	s->tramp->clean[3].end = (uintptr_t)s->core + KXB_PAGE;
}

/* The payload reads the whole region with the MMU off. */
static void before_trips(void)
{
	kx_a64_clean_to_poc(KXJ_REGION_BASE, KXJ_REGION_BASE + KXJ_REGION_SIZE);
}
#else
#error "kxjump: x86_64 or aarch64"
#endif

/* kxb_late_halt's end (ExitBootServices refused): a verdict, then off. */
void kxb_arch_halt(void)
{
	kxb_late_say("kxjump: FAIL\n");
	power_off();
}

static void hex(const uint8_t *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		kxb_late_say("%02x", d[i]);
}

/* ------------------------------------------------------------ loading */

/* The payload swapped onto the region: its image and stack, one segment. */
static void build_page_list(void)
{
	struct kx_pl_segment seg = { s->staging, s->image_pages * KXB_PAGE,
				     kxj_payload_base, s->image_pages * KXB_PAGE };
	struct kx_pl_range keep[6];
	enum kx_status st;

	s->pl_pool.pages = s->image_pages / (KX_IND_ENTRIES_PER_PAGE - 1) + 2;
	s->pl_pool.base = kxb_pages_or_fail(AllocateAnyPages, s->pl_pool.pages, 0,
					    "page list");
	s->pl_pool.phys = (uintptr_t)s->pl_pool.base;
	s->pl_pool.used = 0;
	keep[0] = (struct kx_pl_range){ s->purg.phys, s->purg.phys + s->purg.size };
	keep[1] = (struct kx_pl_range){ (uintptr_t)s->setup,
					(uintptr_t)s->setup + SETUP_PAGES * KXB_PAGE };
	keep[2] = (struct kx_pl_range){ (uintptr_t)s->control, (uintptr_t)s->control + KXB_PAGE };
	keep[3] = (struct kx_pl_range){ s->idmap.phys, s->idmap.phys + s->idmap.pages * KXB_PAGE };
	keep[4] = (struct kx_pl_range){ (uintptr_t)s->result_page,
					(uintptr_t)s->result_page + KXB_PAGE };
	keep[5] = (struct kx_pl_range){ (uintptr_t)s->core, (uintptr_t)s->core + KXB_PAGE };
	kx_memset(&s->pl, 0, sizeof(s->pl));
	s->pl.alloc = kx_page_pool_alloc;
	s->pl.alloc_ctx = &s->pl_pool;
	s->pl.reserved = keep;
	s->pl.nreserved = KX_ARRAY_SIZE(keep);
	s->pl.flags = KX_PL_BUILD_SWAPPABLE;
	s->pl.max_pool_pages = s->pl_pool.pages;
	st = kx_pl_build(&s->pl, &seg, 1);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "page list: %s", kx_strerror(st));
	st = kx_jump_backup_map(NULL, s->pl.head, s->ext, MAX_EXT, &s->next);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "backup map: %s", kx_strerror(st));
}

/* An ELF core header of the region (a note, two PT_LOADs), as it is:
 * written before every trip, since purgatory fixes it up in place. */
static void build_core_header(void)
{
	uint8_t *h = s->core;

	kx_memset(h, 0, CORE_CAP);
	kx_memcpy(h, "\x7f" "ELF\x02\x01\x01", 7);
	kx_put_le16(h + 16, 4);		/* ET_CORE */
	kx_put_le16(h + 18, KXJ_EM);
	kx_put_le32(h + 20, 1);
	kx_put_le64(h + 32, 64);	/* e_phoff */
	kx_put_le16(h + 52, 64);
	kx_put_le16(h + 54, 56);
	kx_put_le16(h + 56, 3);
	kx_put_le32(h + 64, 4);		/* PT_NOTE, empty */
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *p = h + 64 + (i + 1) * 56;
		uint64_t a = KXJ_REGION_BASE + i * (KXJ_REGION_SIZE / 2);

		kx_put_le32(p, 1);	/* PT_LOAD */
		kx_put_le32(p + 4, 7);
		kx_put_le64(p + 8, a);	/* p_offset: where the bytes are */
		kx_put_le64(p + 16, 0xffff888000000000ull + a);
		kx_put_le64(p + 24, a);
		kx_put_le64(p + 32, KXJ_REGION_SIZE / 2);
		kx_put_le64(p + 40, KXJ_REGION_SIZE / 2);
	}
	/* As the loader knows it: purgatory fixes it up with the backup map. */
	s->core_len = 64 + 3 * 56;
}

/* The payload as it was built: read-only part, data, zeroed bss and stack. */
static void stage_payload(void)
{
	kx_memcpy(s->staging, kxj_payload, kxj_payload_file_size);
	kx_memset(s->staging + kxj_payload_file_size, 0,
		  s->image_pages * KXB_PAGE - kxj_payload_file_size);
}

/* ------------------------------------------------------------ the trips */

static int region_is_pattern(uint64_t *first_bad)
{
	const uint64_t *w = (const uint64_t *)s->region;

	for (uint64_t i = 0; i < KXJ_REGION_SIZE / 8; i++) {
		if (w[i] != kxj_pattern(KXJ_REGION_BASE + i * 8, s->seed)) {
			*first_bad = KXJ_REGION_BASE + i * 8;
			return 0;
		}
	}
	return 1;
}

static void check(int ok, unsigned round, const char *what)
{
	if (ok)
		return;
	s->failures++;
	kxb_late_say("kxjump: round %u: FAILED: %s\n", round, what);
}

/* One trip with the caller's buffer [buf, buf + len); want: the status. */
static void trip(unsigned round, uint64_t buf, uint64_t len, enum kx_status want,
		 int digest)
{
	struct kxj_result *res = (struct kxj_result *)(void *)s->result_page;
	struct kx_segment_lanes seg;
	struct kx_setup_content c;
	struct kx_page_pool pool = { s->setup, (uintptr_t)s->setup, 1, 0 };
	uint64_t head;
	struct kx_jump_result r;
	uint8_t expect[32], region_now[32], self_now[32];
	uint64_t t0, t1, t2, t3, bad = 0;
	enum kx_status st;
	int pattern_ok, region_ok, self_ok, cpu_ok;
	struct cpu cpu_before, cpu_after;

	kx_sha256((const void *)(uintptr_t)buf, len, expect);
	kx_memset(res, 0, sizeof(*res));
	kx_snprintf(s->params, sizeof(s->params),
		    "kxjump round=0x%x region=0x%llx size=0x%llx seed=0x%llx buf=0x%llx len=0x%llx result=0x%llx",
		    round, KXJ_REGION_BASE, KXJ_REGION_SIZE, (unsigned long long)s->seed,
		    (unsigned long long)buf, (unsigned long long)len,
		    (unsigned long long)(uintptr_t)res);
	build_core_header();
	kx_memset(&seg, 0, sizeof(seg));
	seg.dest = kxj_payload_base;
	seg.size = kxj_payload_ro_size;
	kx_memcpy(seg.digest, s->ro_digest, 32);
	seg.kind = KX_SEG_KERNEL;
	seg.lanes = KXB_LANES;
	/* A LANE segment: hashed by the swap itself (one pass), compared by
	 * purgatory. */
	c = (struct kx_setup_content){
		.flags = KX_SETUP_F_SWAP, .lanes = &seg, .nlanes = 1,
		.backup = s->ext, .nbackup = s->next, .jump_back = s->jump_back,
		.elfcore = (uintptr_t)s->core, .elfcore_size = s->core_len,
		.cmdline = s->params,
	};
	st = kx_setup_write(&c, kx_page_pool_alloc, &pool, &head);
	if (st == KX_OK)
		st = set_purgatory();
	if (st != KX_OK) {
		check(0, round, kx_strerror(st));
		return;
	}
	kxb_late_say("kxjump: round %u: calling the payload: buffer 0x%llx+0x%llx, sha256 ",
		 round, (unsigned long long)buf, (unsigned long long)len);
	hex(expect, 32);
	kxb_late_say("\n");

	read_cpu(&cpu_before);
	t0 = counter();
	r = s->call(s->tramp);
	t1 = counter();
	read_cpu(&cpu_after);
	cpu_ok = !kx_memcmp(&cpu_before, &cpu_after, sizeof(cpu_before));
	say_cpu(round, &cpu_after, cpu_ok);
	check(cpu_ok, round, "the caller's CPU state was not restored");
	check(s->root != cpu_root(&cpu_before), round,
	      "the trip used the caller's page tables, not the identity map");

	/*
	 * Back: our memory first, then what the payload said.  The region is
	 * compared word for word with its pattern, and its SHA-256 with the
	 * one taken before the first trip (digest: 0.7 s under TCG).
	 */
	pattern_ok = region_is_pattern(&bad);
	t2 = counter();
	region_ok = 1;
	if (digest) {
		kx_sha256(s->region, KXJ_REGION_SIZE, region_now);
		region_ok = !kx_memcmp(region_now, s->region_digest, 32);
	}
	t3 = counter();
	kx_sha256(s->self, s->self_size, self_now);
	self_ok = !kx_memcmp(self_now, s->self_digest, 32);
	kxb_late_say("kxjump: round %u: back after %llu ticks: value 0x%llx from 0x%llx (%s); region %s word for word (%llu ticks)%s, image %s (sha256 %s)\n",
		 round, (unsigned long long)(t1 - t0), (unsigned long long)r.value,
		 (unsigned long long)r.from,
		 r.from == KX_JUMP_FROM_IMAGE ? "from the image" :
		 r.from == KX_JUMP_FROM_PURGATORY ? "from purgatory" : "from nowhere known",
		 pattern_ok ? "intact" : "CHANGED", (unsigned long long)(t2 - t1),
		 digest ? (region_ok ? ", region sha256 same" : ", region sha256 DIFFERS") : "",
		 self_ok ? "intact" : "CHANGED", self_ok ? "same" : "DIFFERS");
	if (digest)
		kxb_late_say("kxjump: round %u: region sha256 took %llu ticks\n", round,
			 (unsigned long long)(t3 - t2));
	if (!pattern_ok)
		kxb_late_say("kxjump: round %u: first changed word at 0x%llx\n", round,
			 (unsigned long long)bad);
	check(pattern_ok, round, "the region's pattern changed");
	check(region_ok, round, "the region's digest changed");
	check(self_ok, round, "our image's digest changed");
	/* The payload's staging is back in place (a corrupted one is checked
	 * by the caller, which knows the byte it flipped). */
	if (want == KX_OK)
		check(!kx_memcmp(s->staging, kxj_payload, kxj_payload_ro_size), round,
		      "the staged payload did not come back");

	if (want != KX_OK) {
		st = kx_jump_status(r.value, r.from);
		kxb_late_say("kxjump: round %u: purgatory refused the payload: %s (%s)\n", round,
			 kx_status_name(st), kx_strerror(st));
		check(r.from == KX_JUMP_FROM_PURGATORY && st == want, round,
		      "not the refusal expected");
		check(res->magic == 0, round, "the payload ran");
		return;
	}
	check(r.from == KX_JUMP_FROM_IMAGE, round, "not a return from the image");
	check(res->magic == KXJ_RESULT_MAGIC && res->round == round, round,
	      "no result block");
	check(res->ran_at == kxj_payload_base, round, "the payload ran elsewhere");
	check(res->jump_back == s->jump_back, round, "the JMPB record's entry");
	check(!kx_memcmp(res->digest, expect, 32), round, "the payload's digest");
	check(r.value == kx_get_le64(res->digest), round,
	      "the returned value is not the digest's first word");
	check(res->map_extents == s->next && res->map_displaced == s->image_pages &&
	      res->map_words && !res->map_bad, round, "the view through the backup map");
	check(res->core_loads >= 3 && res->core_bytes == KXJ_REGION_SIZE &&
	      res->core_words && !res->core_bad, round, "the view through the ELF core header");
	kxb_late_say("kxjump: round %u: result %s: sha256 ", round,
		 !kx_memcmp(res->digest, expect, 32) ? "right" : "WRONG");
	hex(res->digest, 32);
	kxb_late_say(", ran at 0x%llx; map %llu extents %llu pages %llu words %llu bad; core %llu loads %llu words %llu bad\n",
		 (unsigned long long)res->ran_at, (unsigned long long)res->map_extents,
		 (unsigned long long)res->map_displaced, (unsigned long long)res->map_words,
		 (unsigned long long)res->map_bad, (unsigned long long)res->core_loads,
		 (unsigned long long)res->core_words, (unsigned long long)res->core_bad);
}

static __attribute__((noreturn)) void exit_and_run(void)
{
	UINTN dsize = 0;
	uint64_t pages = s->image_pages, dest = kxj_payload_base, flip;

	kxb_exit_boot_services(s->map, s->map_cap, &dsize);
	kxb_late_say("kxjump: boot services exited; region 0x%llx+0x%llx, payload 0x%llx+0x%llx (%llu read-only bytes verified) swapped with 0x%llx, %u backup extents, core header %u bytes\n",
		 KXJ_REGION_BASE, KXJ_REGION_SIZE, (unsigned long long)dest,
		 (unsigned long long)pages * KXB_PAGE, (unsigned long long)kxj_payload_ro_size,
		 (unsigned long long)(uintptr_t)s->staging, s->next, (unsigned)s->core_len);

	kx_sha256(s->region, KXJ_REGION_SIZE, s->region_digest);
	kx_sha256(s->self, s->self_size, s->self_digest);
	kxb_late_say("kxjump: region sha256 ");
	hex(s->region_digest, 32);
	kxb_late_say(", own image 0x%llx+0x%llx sha256 ", (unsigned long long)(uintptr_t)s->self,
		 (unsigned long long)s->self_size);
	hex(s->self_digest, 32);
	kxb_late_say("\n");
	before_trips();

	for (unsigned i = 1; i <= ROUNDS; i++) {
		/* Buffers across the region; some cover the payload's pages. */
		uint64_t buf = KXJ_REGION_BASE + (i * 0x5f3000ull) % (KXJ_REGION_SIZE - 0x400000) + i * 24;
		uint64_t len = 0x1000 * i + 37 * i;

		if (i % 3 == 0) {
			buf = dest - 0x800 * i;		/* across the payload's first page */
			len = pages * KXB_PAGE / 2 + 0x800 * i + i;
		}
		stage_payload();
		trip(i, buf, len, KX_OK, 1);
	}

	/* A corrupted payload: refused by purgatory, the caller kept. */
	stage_payload();
	flip = kxj_payload_ro_size / 2;
	s->staging[flip] ^= 0x20;
	kxb_late_say("kxjump: corrupting the staged payload: byte 0x%llx flipped after its digest was taken\n",
		 (unsigned long long)flip);
	trip(ROUNDS + 1, KXJ_REGION_BASE, 0x3000, KX_ERR_DIGEST, 1);
	s->staging[flip] ^= 0x20;
	check(!kx_memcmp(s->staging, kxj_payload, kxj_payload_ro_size), ROUNDS + 1,
	      "the corrupted staged payload did not come back as it was");

	stage_payload();
	trip(ROUNDS + 2, dest - 0x10, 0x2020, KX_OK, 1);

	if (s->failures)
		kxb_late_say("kxjump: FAIL: %u checks failed\n", s->failures);
	else
		kxb_late_say("kxjump: PASS: %u round trips, a refusal returned, memory intact each time\n",
			 ROUNDS + 1);
	kxb_late_say("kxjump: powering off\n");
	power_off();
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_PHYSICAL_ADDRESS a;
	EFI_STATUS st;
	UINTN count;

	InitializeLib(image, systab);
	kxb_image = image;
	kxb_say("\nkxjump: kx round-trip test (%s, setup ABI %d.%d)\n", KXJ_ARCH,
		KX_ABI_MAJOR, KX_ABI_MINOR);
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&li);
	if (st != EFI_SUCCESS || !li)
		kxb_fail(st, "no loaded-image protocol on our own image");
	s = kxb_pages_or_fail(AllocateAnyPages, KXB_PAGES(sizeof(*s)), 0, "state");
	s->self = li->ImageBase;
	s->self_size = li->ImageSize;
	s->seed = 0x6b786a756d70ull ^ counter();
	power_init();

	/* The caller's region, at the address the payload is linked for. */
	a = KXJ_REGION_BASE;
	st = kxb_alloc_pages(AllocateAddress, KXJ_REGION_SIZE / KXB_PAGE, &a);
	if (st != EFI_SUCCESS)
		kxb_fail(st, "region 0x%llx+0x%llx is not free", KXJ_REGION_BASE,
			 KXJ_REGION_SIZE);
	s->region = (uint8_t *)(uintptr_t)a;
	for (uint64_t i = 0; i < KXJ_REGION_SIZE / 8; i++)
		((uint64_t *)s->region)[i] = kxj_pattern(KXJ_REGION_BASE + i * 8, s->seed);

	/* The payload, staged elsewhere, and its stack after it. */
	if (kxj_payload_base < KXJ_REGION_BASE || kxj_payload_size > kxj_payload_file_size + (1 << 20) ||
	    kxj_payload_base + kxj_payload_size + KXJ_STACK_SIZE > KXJ_REGION_BASE + KXJ_REGION_SIZE)
		kxb_fail(EFI_LOAD_ERROR, "payload layout 0x%llx+0x%llx", (unsigned long long)kxj_payload_base,
			 (unsigned long long)kxj_payload_size);
	s->image_pages = KXB_PAGES(kxj_payload_size + KXJ_STACK_SIZE);
	s->staging = kxb_pages_or_fail(AllocateAnyPages, s->image_pages, 0, "payload staging");
	stage_payload();
	if (kx_lanes(s->staging, kxj_payload_ro_size, KXB_LANES, s->ro_digest) != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "payload: KX lanes digest");

	kxb_purgatory_load(&s->purg, LIMIT_4G);
	s->setup = kxb_pages_or_fail(AllocateMaxAddress, SETUP_PAGES, LIMIT_4G, "setup page");
	s->result_page = kxb_pages_or_fail(AllocateMaxAddress, 1, LIMIT_4G, "result page");
	s->core = kxb_pages_or_fail(AllocateMaxAddress, 1, LIMIT_4G, "core header");
	s->control = kxb_code_pages_or_fail(1, LIMIT_4G, "control page");
	build_idmap();
	build_page_list();

	prepare_control();

	kxb_say("kxjump: region 0x%llx+0x%llx filled; payload %llu bytes (%llu read-only) for 0x%llx staged at 0x%llx; purgatory at 0x%llx; control page 0x%llx, jump-back entry 0x%llx; %u backup extent(s)\n",
		KXJ_REGION_BASE, KXJ_REGION_SIZE, (unsigned long long)kxj_payload_size,
		(unsigned long long)kxj_payload_ro_size, (unsigned long long)kxj_payload_base,
		(unsigned long long)(uintptr_t)s->staging, (unsigned long long)s->purg.phys,
		(unsigned long long)(uintptr_t)s->control, (unsigned long long)s->jump_back,
		s->next);

	s->map = kxb_map_room(&s->map_cap, &count);
	exit_and_run();
}
