/* SPDX-License-Identifier: MIT */
/*
 * x86_64 purgatory for kexec-tools: what runs between relocate_kernel and
 * the next kernel.  Verifies the loaded segments (and halts, loudly, when
 * they do not match), saves the crash kernel's backup region, leaves a kx
 * setup page for the next kernel and returns to entry.S, which enters it.
 *
 * The variables below are set by kexec-tools by name (elf_rel_set_symbol),
 * which checks their sizes: names, types and sizes are kexec-tools' own.
 */
#include <kx/compiler.h>
#include <kx/format.h>
#include <kx/setup_page.h>
#include <kx/verify.h>
#include "x86.h"
#include "report.h"

struct kx_sha256_region sha256_regions[KX_VERIFY_MAX_REGIONS] = { { 0, 0 } };
uint8_t sha256_digest[KX_SHA256_SIZE] = { 0 };
int skip_checks = 0;
uint8_t reset_vga = 0;
uint8_t panic_kernel = 0;
unsigned long backup_start = 0;
unsigned long backup_src_start = 0;
unsigned long backup_src_size = 0;
char *cmdline_end = 0;	/* the NUL ending the command line; 64 bytes follow */

/*
 * Set by kx's own loaders, never by kexec-tools.  kx_setup_page: physical
 * address of a setup page the loader wrote and announced itself; purgatory
 * then verifies every segment it lists (instead of, or as well as,
 * sha256_regions), marks them verified and leaves the page in place.
 * kx_handoff_tsc: the TSC when the loader left the firmware, so the
 * hand-off's cost can be reported.
 */
uint64_t kx_setup_page = 0;
uint64_t kx_handoff_tsc = 0;

/* From entry.S. */
extern uint64_t entry64_regs[17];
extern uint32_t entry32_regs[9];
extern uint64_t kx_jump_back_entry;
extern char entry32[], entry16[];
extern uint16_t entry16_regs[24];	/* 8 x u32, then ds es ss fs gs ip cs pad */

enum { REG_RDX = 3, REG_RSI = 4, REG_RDI = 5, REG_RSP = 6, REG_RIP = 16 };
enum { REG32_EDX = 3, REG32_ESI = 4, REG32_EIP = 8 };

/* Room kexec-tools leaves after the command line (PURGATORY_CMDLINE_SIZE). */
#define CMDLINE_ROOM 64

/* Linux boot_params offsets (Documentation/arch/x86/zero-page.rst, boot.rst). */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR_MAGIC 0x202
#define BP_RAMDISK_IMAGE 0x218
#define BP_CMD_LINE_PTR 0x228
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define HDRS_MAGIC 0x53726448	/* "HdrS" */

/* The setup page: three pages the next kernel is told to keep. */
#define SETUP_PAGES 3
static uint8_t setup_area[SETUP_PAGES][KX_PAGE_SIZE]
	__attribute__((aligned(KX_PAGE_SIZE)));

static size_t str_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Appends text at cmdline_end if it fits in the room kexec-tools left. */
static int cmdline_append(const char *text)
{
	size_t used, len = str_len(text, CMDLINE_ROOM);

	if (!cmdline_end)
		return 0;
	used = str_len(cmdline_end, CMDLINE_ROOM);
	if (used + len >= CMDLINE_ROOM)
		return 0;
	kx_memcpy(cmdline_end + used, text, len + 1);
	return 1;
}

/* boot_params of a Linux image, or NULL for anything else. */
static const uint8_t *linux_boot_params(int entry_32bit)
{
	uint64_t bp = entry_32bit ? entry32_regs[REG32_ESI] : entry64_regs[REG_RSI];
	const uint8_t *p = (const uint8_t *)(uintptr_t)bp;

	if (!bp || kx_get_le32(p + BP_HDR_MAGIC) != HDRS_MAGIC)
		return 0;
	return p;
}

static uint64_t bp_u32_pair(const uint8_t *bp, unsigned lo, unsigned hi)
{
	return kx_get_le32(bp + lo) | (uint64_t)kx_get_le32(bp + hi) << 32;
}

/* Value of "key=<number>[KM]" in the command line, or 0. */
static uint64_t cmdline_number(const char *cmdline, const char *key)
{
	size_t klen = str_len(key, 32);

	for (const char *s = cmdline; *s; s++) {
		uint64_t v = 0;
		unsigned base = 10;

		if ((s != cmdline && s[-1] != ' ') || kx_memcmp(s, key, klen))
			continue;
		s += klen;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		}
		for (;; s++) {
			unsigned d;

			if (*s >= '0' && *s <= '9')
				d = (unsigned)(*s - '0');
			else if (base == 16 && *s >= 'a' && *s <= 'f')
				d = (unsigned)(*s - 'a' + 10);
			else if (base == 16 && *s >= 'A' && *s <= 'F')
				d = (unsigned)(*s - 'A' + 10);
			else
				break;
			v = v * base + d;
		}
		if (*s == 'K' || *s == 'k')
			v <<= 10;
		else if (*s == 'M' || *s == 'm')
			v <<= 20;
		return v;
	}
	return 0;
}

/*
 * Refuses to enter the next image.  In a round trip (a jump-back entry at
 * 0(%rsp) when we were entered) the caller is alive and will get its
 * memory back: return the status to it rather than halting.
 */
/* The shared refusal returns to a round trip's caller (kx_jump_back_entry). */
uint64_t kx_image_jump_back(void)
{
	return kx_jump_back_entry;
}

/*
 * The kx setup page: segments with their digests, the backup map and ELF
 * core header of a crash kernel, the memory map and the final command line.
 */
static enum kx_status write_setup_page(const uint8_t *bp,
				       const struct kx_verify *v, int verified)
{
	struct kx_setup_writer w;
	struct kx_segment seg[KX_VERIFY_MAX_REGIONS];
	unsigned nseg = 0;
	struct kx_setup_pool pool = { setup_area[0], KX_PAGE_SIZE, SETUP_PAGES, 1 };
	const char *cmdline = 0;
	uint64_t initrd = 0, elfcore = 0, entry = entry64_regs[REG_RIP];
	enum kx_status st;

	if (bp) {
		cmdline = (const char *)(uintptr_t)bp_u32_pair(bp, BP_CMD_LINE_PTR,
							       BP_EXT_CMD_LINE_PTR);
		initrd = bp_u32_pair(bp, BP_RAMDISK_IMAGE, BP_EXT_RAMDISK_IMAGE);
		if (cmdline)
			elfcore = cmdline_number(cmdline, "elfcorehdr=");
	}
	if (entry == (uintptr_t)entry32)
		entry = entry32_regs[REG32_EIP];
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		const struct kx_sha256_region *r = &sha256_regions[i];
		struct kx_segment *s = &seg[nseg];

		if (!r->len)
			continue;
		kx_memset(s, 0, sizeof(*s));
		s->dest = r->start;
		s->size = r->len;
		kx_memcpy(s->sha256, v->digest[i], KX_SHA256_SIZE);
		s->flags = verified ? KX_SEG_F_VERIFIED : 0;
		if (bp && (uintptr_t)bp >= r->start && (uintptr_t)bp - r->start < r->len)
			s->kind = KX_SEG_BOOT_PARAMS;
		else if (initrd && r->start == initrd)
			s->kind = KX_SEG_INITRD;
		else if (elfcore && r->start == elfcore)
			s->kind = KX_SEG_ELFCORE;
		else if (entry >= r->start && entry - r->start < r->len)
			s->kind = KX_SEG_KERNEL;
		else
			s->kind = KX_SEG_OTHER;
		nseg++;
	}

	st = kx_setup_init(&w, setup_area[0], KX_PAGE_SIZE,
			   panic_kernel ? KX_SETUP_F_CRASH : 0);
	if (st != KX_OK)
		return st;
	kx_setup_set_more(&w, kx_setup_pool_more, &pool);
	st = kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, nseg, sizeof(seg[0]));
	if (st == KX_OK && panic_kernel && backup_src_size) {
		struct kx_backup_extent x = {
			backup_src_start, backup_start,
			(backup_src_size + KX_PAGE_SIZE - 1) / KX_PAGE_SIZE,
		};
		st = kx_setup_add_table(&w, KX_REC_BACKUP, &x, 1, sizeof(x));
	}
	if (st == KX_OK && elfcore) {
		uint64_t loc[2] = { elfcore, 0 };

		for (unsigned i = 0; i < nseg; i++)
			if (seg[i].kind == KX_SEG_ELFCORE)
				loc[1] = seg[i].size;
		st = kx_setup_add(&w, KX_REC_ELFCORE, loc, sizeof(loc));
	}
	if (st == KX_OK && bp) {
		struct kx_mem_range mm[BP_E820_MAX];
		unsigned n = bp[BP_E820_ENTRIES];

		if (n > BP_E820_MAX)
			n = BP_E820_MAX;
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *e = bp + BP_E820_TABLE + 20 * i;

			mm[i].addr = kx_get_le64(e);
			mm[i].size = kx_get_le64(e + 8);
			mm[i].type = kx_get_le32(e + 16);
			mm[i].attr = 0;
		}
		st = kx_setup_add_table(&w, KX_REC_MEMMAP, mm, n, sizeof(mm[0]));
	}
	if (st == KX_OK && cmdline)
		st = kx_setup_add_cmdline(&w, cmdline);
	if (st != KX_OK)
		return st;
	return kx_setup_finish(&w);
}

static void verify(struct kx_verify *v)
{
	uint64_t t0 = kx_rdtsc(), t1;
	enum kx_status st;

	st = kx_verify_regions(sha256_regions, KX_VERIFY_MAX_REGIONS,
			       sha256_digest, v);
	t1 = kx_rdtsc();
	if (st == KX_OK) {
		kx_say("kx: sha256 ok: %u regions, %llu bytes, %s, %llu cycles\n",
		    v->regions, (unsigned long long)v->bytes, v->impl,
		    (unsigned long long)(t1 - t0));
		return;
	}
	kx_say("kx: SHA-256 MISMATCH over %u regions, %llu bytes (%s)\n",
	    v->regions, (unsigned long long)v->bytes, v->impl);
	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		if (!sha256_regions[i].len)
			continue;
		kx_say("kx:   region %u: 0x%llx +0x%llx\n", i,
		    (unsigned long long)sha256_regions[i].start,
		    (unsigned long long)sha256_regions[i].len);
	}
	kx_say_digest("expected", sha256_digest);
	kx_say_digest("actual  ", v->combined);
	kx_refuse_st(st == KX_ERR_DIGEST ? "loaded segments do not match their digest"
				: kx_strerror(st), st);
}

/*
 * The loader's setup page: refused whole if it does not validate; each
 * segment it lists hashed where it now lies and compared with the digest
 * the loader computed before it left the firmware.
 */
static void verify_loader_page(void)
{
	unsigned segments = 0;
	uint64_t bytes = 0, t0 = kx_rdtsc();

	kx_verify_loader_page(kx_setup_page, &segments, &bytes);
	kx_say("kx: sha256 ok: %u segments, %llu bytes, %s, %llu cycles\n", segments,
	    (unsigned long long)bytes, kx_sha256_get_impl()->name,
	    (unsigned long long)(kx_rdtsc() - t0));
}

void kx_purgatory_main(void);
void kx_purgatory_main(void)
{
	static struct kx_verify v;
	int entry_32bit = entry64_regs[REG_RIP] == (uintptr_t)entry32;
	const uint8_t *bp = linux_boot_params(entry_32bit);
	uint64_t setup = (uintptr_t)setup_area;
	char token[CMDLINE_ROOM];

	console_init();
	if (reset_vga)
		vga_reset();
	kx_say("kx: purgatory (x86_64, setup ABI %d.%d)\n", KX_ABI_MAJOR, KX_ABI_MINOR);

	kx_memset(&v, 0, sizeof(v));
	if (skip_checks) {
		kx_say("kx: digest checks SKIPPED: the loader set skip_checks\n");
	} else if (kx_setup_page) {
		/* kexec-tools' regions too, when a kx loader also sets them. */
		for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++)
			if (sha256_regions[i].len) {
				verify(&v);
				break;
			}
		verify_loader_page();
		kx_fixup_loader_core(kx_setup_page);
	} else {
		verify(&v);
	}

	if (entry_32bit && (uintptr_t)entry32 + KX_PAGE_SIZE > 0xffffffffULL)
		kx_refuse_st("32-bit entry needs purgatory below 4 GiB", KX_ERR_RANGE);

	if (panic_kernel && backup_src_size) {
		kx_memcpy((void *)(uintptr_t)backup_start,
			  (const void *)(uintptr_t)backup_src_start, backup_src_size);
		kx_say("kx: crash kernel: saved 0x%lx bytes at 0x%lx to 0x%lx\n",
		    backup_src_size, backup_src_start, backup_start);
	}

	if (kx_jump_back_entry && cmdline_end) {
		/* kexec-tools' kexec jump: Linux finds the way back here. */
		kx_snprintf(token, sizeof(token), " kexec_jump_back_entry=0x%llx",
			    (unsigned long long)kx_jump_back_entry);
		if (!cmdline_append(token))
			kx_refuse_st("no room on the command line for kexec_jump_back_entry",
			       KX_ERR_NO_SPACE);
	}

	if (kx_setup_page && kx_jump_back_entry && !bp && !entry_32bit) {
		/*
		 * A kx loader's round trip into a non-Linux image: %rdi the
		 * setup page, %rsi the jump-back entry, which is also the top
		 * word of its stack, so that returning from its entry function
		 * jumps back.  The stack's own address is the loader's each
		 * call (it sets entry64_regs before every trip).
		 */
		entry64_regs[REG_RDI] = kx_setup_page;
		entry64_regs[REG_RSI] = kx_jump_back_entry;
		if (entry64_regs[REG_RSP]) {
			entry64_regs[REG_RSP] -= 8;
			*(uint64_t *)(uintptr_t)entry64_regs[REG_RSP] = kx_jump_back_entry;
		}
		kx_say("kx: round trip: jump-back entry 0x%llx\n",
		       (unsigned long long)kx_jump_back_entry);
	}

	if (kx_setup_page) {
		/* The loader announced its page and reserved it itself. */
		if (entry_32bit)
			entry32_regs[REG32_EDX] = (uint32_t)kx_setup_page;
		else
			entry64_regs[REG_RDX] = kx_setup_page;
		kx_say("kx: setup page at 0x%llx (the loader's)\n",
		    (unsigned long long)kx_setup_page);
		goto enter;
	}

	/* Announce the setup page only where the next kernel will keep it. */
	kx_snprintf(token, sizeof(token), " kx_setup=0x%llx memmap=%uK$0x%llx",
		    (unsigned long long)setup, SETUP_PAGES * 4,
		    (unsigned long long)setup);
	if (!bp) {
		kx_say("kx: not a Linux boot_params image: no setup page\n");
	} else if (entry_32bit && setup + sizeof(setup_area) > 0xffffffffULL) {
		kx_say("kx: setup page above 4 GiB on a 32-bit entry: not announced\n");
	} else if (!cmdline_append(token)) {
		kx_say("kx: no room on the command line: setup page not announced\n");
	} else {
		/* Written after the token, so its command line record is final;
		 * taken back off the command line if the page cannot be made. */
		enum kx_status st = write_setup_page(bp, &v, !skip_checks);

		if (st != KX_OK) {
			cmdline_end[str_len(cmdline_end, CMDLINE_ROOM) -
				    str_len(token, CMDLINE_ROOM)] = 0;
			kx_say("kx: setup page not written: %s\n", kx_strerror(st));
		} else {
			if (entry_32bit)
				entry32_regs[REG32_EDX] = (uint32_t)setup;
			else
				entry64_regs[REG_RDX] = setup;
			kx_say("kx: setup page at 0x%llx\n", (unsigned long long)setup);
		}
	}

enter:
	if (kx_handoff_tsc)
		kx_say("kx: %llu cycles since the loader left the firmware\n",
		    (unsigned long long)(kx_rdtsc() - kx_handoff_tsc));
	if (entry_32bit && entry32_regs[REG32_EIP] == (uintptr_t)entry16)
		kx_say("kx: entering real-mode image at %04x:%04x\n",
		    entry16_regs[16 + 6], entry16_regs[16 + 5]);
	else
		kx_say("kx: entering %s image at 0x%llx\n",
		    entry_32bit ? "32-bit" : "64-bit",
		    (unsigned long long)(entry_32bit ? entry32_regs[REG32_EIP]
						     : entry64_regs[REG_RIP]));
}
