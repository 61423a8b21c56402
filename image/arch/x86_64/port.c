/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 port of the purgatory program (image/port.h): what
 * relocate_kernel (Linux, in kexec-tools' contract) or kxboot's trampoline
 * hands over, Linux's boot_params, the command-line tokens that announce
 * the setup page, and the register sets entry.S enters with.
 *
 * The variables below are set by kexec-tools by name (elf_rel_set_symbol),
 * which checks their sizes: names, types and sizes are kexec-tools' own.
 */
#include <kx/boot_params.h>
#include <kx/cmdline.h>
#include <kx/compiler.h>
#include <kx/format.h>
#include <kx/purgatory.h>
#include <kx/x86_io.h>
#include <kx/x86_regs.h>
#include "kjump.h"
#include "x86.h"
#include "report.h"

uint8_t reset_vga = 0;
uint8_t panic_kernel = 0;
unsigned long backup_start = 0;
unsigned long backup_src_start = 0;
unsigned long backup_src_size = 0;
char *cmdline_end = 0;	/* the NUL ending the command line; 64 bytes follow */

/* From entry.S. */
extern uint64_t entry64_regs[KX_ENTRY64_NREGS];
extern uint32_t entry32_regs[KX_ENTRY32_NREGS];
extern uint64_t kx_jump_back_entry;	/* 0(%rsp) when purgatory was entered */
extern char entry32[], entry16[];
extern uint16_t entry16_regs[24];	/* 8 x u32, then ds es ss fs gs ip cs pad */
void entry64(void) __attribute__((noreturn));
#define ENTRY16_IP (16 + 5)
#define ENTRY16_CS (16 + 6)

/* Room kexec-tools leaves after the command line (PURGATORY_CMDLINE_SIZE). */
#define CMDLINE_ROOM 64

_Static_assert(KX_BP_E820_MAX <= KX_HANDOFF_MAX_MEM, "the handoff holds the whole e820");

/* A Linux kexec jump, validated (kjump.c); read by entry.S's return. */
static struct kx_kjump kjump;
uint8_t kx_kjump_linux = 0;
/* Where its setup page goes: the top pages of one of B's RAM ranges. */
#define KJUMP_AREA_PAGES 64
static uint64_t kjump_area;

/* Entered through entry32 (kexec-tools' default for a bzImage) rather than
 * directly in 64-bit mode; and from there in real mode (--real-mode). */
static int entry_32bit, entry_16bit;
/* The token that announces purgatory's setup page, as planned. */
static char setup_token[CMDLINE_ROOM];

/* Whether text fits in the room kexec-tools left after the command line. */
static int cmdline_room_for(const char *text)
{
	return cmdline_end &&
	       kx_strnlen(cmdline_end, CMDLINE_ROOM) + kx_strnlen(text, CMDLINE_ROOM) < CMDLINE_ROOM;
}

/* Appends text at cmdline_end if it fits in the room kexec-tools left. */
static int cmdline_append(const char *text)
{
	size_t used, len = kx_strnlen(text, CMDLINE_ROOM);

	if (!cmdline_room_for(text))
		return 0;
	used = kx_strnlen(cmdline_end, CMDLINE_ROOM);
	kx_memcpy(cmdline_end + used, text, len + 1);
	return 1;
}

/* boot_params of a Linux image, or NULL for anything else. */
static const uint8_t *linux_boot_params(void)
{
	uint64_t bp = entry_32bit ? entry32_regs[KX_REG32_ESI] : entry64_regs[KX_REG_RSI];
	const uint8_t *p = (const uint8_t *)(uintptr_t)bp;

	if (!bp || kx_get_le32(p + KX_HDR_MAGIC) != KX_HDRS_MAGIC)
		return 0;
	return p;
}

static uint64_t bp_u32_pair(const uint8_t *bp, unsigned lo, unsigned hi)
{
	return kx_get_le32(bp + lo) | (uint64_t)kx_get_le32(bp + hi) << 32;
}

/* What boot_params says: command line, initrd, ELF core header, e820. */
static void read_boot_params(struct kx_handoff *h, const uint8_t *bp)
{
	unsigned n = bp[KX_BP_E820_ENTRIES];

	h->boot_params = (uintptr_t)bp;
	h->cmdline = (const char *)(uintptr_t)bp_u32_pair(bp, KX_HDR_CMD_LINE_PTR,
							  KX_BP_EXT_CMD_LINE_PTR);
	if (h->cmdline) {
		h->cmdline_len = kx_strnlen(h->cmdline, 1u << 16);
		kx_cmdline_elfcorehdr(h->cmdline, h->cmdline_len, &h->elfcore[0],
				      &h->elfcore[1]);
	}
	h->initrd = bp_u32_pair(bp, KX_HDR_RAMDISK_IMAGE, KX_BP_EXT_RAMDISK_IMAGE);
	if (n > KX_BP_E820_MAX)
		n = KX_BP_E820_MAX;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = bp + KX_BP_E820_TABLE + KX_BP_E820_ENTRY_SIZE * i;

		h->mem[i].addr = kx_get_le64(e);
		h->mem[i].size = kx_get_le64(e + 8);
		h->mem[i].type = kx_get_le32(e + 16);
		h->mem[i].attr = 0;
	}
	h->nmem = n;
}

/*
 * kexec-tools' kexec jump (Linux's relocate_kernel in preserve-context
 * mode): 0(%rsp) is only trusted as a jump-back entry when A's page list
 * is found beside it and matches the regions; otherwise it is dropped, so
 * purgatory never returns to, nor announces, an address it has not
 * validated.  Done before verification: a refusal then returns to A.
 */
static void find_kexec_jump(struct kx_handoff *h)
{
	enum kx_status st;

	st = kx_kjump_find(h->jump_back, h->mem, h->nmem, sha256_regions,
			   KX_VERIFY_MAX_REGIONS, (uintptr_t)&kjump, &kjump);
	if (st != KX_OK) {
		kx_say("kx: 0x%llx at 0(%%rsp) is not a kexec jump's (%s): no way back\n",
		       (unsigned long long)h->jump_back, kx_strerror(st));
		h->jump_back = 0;
		return;
	}
	h->swap = 1;
	kx_kjump_linux = 1;
	kx_say("kx: kexec jump: jump-back entry 0x%llx, A's page list 0x%llx (at 0x%llx), "
	       "%llu entries, %llu pages displaced in %llu extents\n",
	       (unsigned long long)kjump.jump_back, (unsigned long long)kjump.head,
	       (unsigned long long)kjump.head_at, (unsigned long long)kjump.entries,
	       (unsigned long long)kjump.displaced, (unsigned long long)kjump.extents);
}

void kx_port_begin(struct kx_handoff *h)
{
	const uint8_t *bp;

	console_init();
	if (reset_vga)
		vga_reset();
	kx_snprintf(h->where, sizeof(h->where), "x86_64");
	entry_32bit = entry64_regs[KX_REG_RIP] == (uintptr_t)entry32;
	entry_16bit = entry_32bit && entry32_regs[KX_REG32_EIP] == (uintptr_t)entry16;
	/* Where the next image really starts: real mode's cs:ip, linear. */
	if (entry_16bit)
		h->entry = ((uint64_t)entry16_regs[ENTRY16_CS] << 4) + entry16_regs[ENTRY16_IP];
	else
		h->entry = entry_32bit ? entry32_regs[KX_REG32_EIP] : entry64_regs[KX_REG_RIP];
	if (console_vga) {
		h->console = VGA_TEXT_PHYS;
		h->console_size = VGA_TEXT_SIZE;
	}
	/* Xen calls purgatory and never expects it back: no way home. */
	kx_snprintf(h->extra, sizeof(h->extra), "%s", kx_x86_caller_check());
	h->jump_back = kx_jump_back_entry;
	h->crash = panic_kernel;
	if (panic_kernel && backup_src_size) {
		h->backup_src = backup_src_start;
		h->backup_dst = backup_start;
		h->backup_size = backup_src_size;
	}
	bp = linux_boot_params();
	if (bp)
		read_boot_params(h, bp);
	if (h->jump_back && !kx_setup_page)
		find_kexec_jump(h);
}

/* The caches are coherent and paging is on: nothing to do before hashing. */
void kx_port_map(struct kx_handoff *h)
{
	(void)h;
}

void kx_port_kexec_jump(struct kx_handoff *h)
{
	char token[CMDLINE_ROOM];

	if (!h->jump_back || !cmdline_end)
		return;
	/* kexec-tools' kexec jump: Linux finds the way back here. */
	kx_snprintf(token, sizeof(token), " kexec_jump_back_entry=0x%llx",
		    (unsigned long long)h->jump_back);
	if (!cmdline_append(token))
		kx_refuse_st("no room on the command line for kexec_jump_back_entry",
			     KX_ERR_NO_SPACE);
}

/* Where the next image finds a setup page: %rdx (%edx on a 32-bit entry). */
static void pass_setup_page(uint64_t page)
{
	if (entry_32bit)
		entry32_regs[KX_REG32_EDX] = (uint32_t)page;
	else
		entry64_regs[KX_REG_RDX] = page;
}

void kx_port_loader_page(struct kx_handoff *h, uint64_t page)
{
	if (h->jump_back && !h->boot_params && !entry_32bit) {
		/*
		 * A kx loader's round trip into a non-Linux image: %rdi the
		 * setup page, %rsi the jump-back entry, which is also the top
		 * word of its stack, so that returning from its entry function
		 * jumps back.  The stack's own address is the loader's each
		 * call (it sets entry64_regs before every trip).
		 */
		entry64_regs[KX_REG_RDI] = page;
		entry64_regs[KX_REG_RSI] = h->jump_back;
		if (entry64_regs[KX_REG_RSP]) {
			entry64_regs[KX_REG_RSP] -= 8;
			*(uint64_t *)(uintptr_t)entry64_regs[KX_REG_RSP] = h->jump_back;
		}
		kx_say("kx: round trip: jump-back entry 0x%llx\n",
		       (unsigned long long)h->jump_back);
	}
	pass_setup_page(page);
}

/* A " memmap=<size>K@<start>K" token of B's command line (kexec-tools'
 * --pass-memmap-cmdline), and how to rewrite it to keep B off the area. */
struct memmap_tok {
	size_t at, len;		/* the token's span, its leading space included */
	uint64_t start, size;	/* bytes */
};
static struct memmap_tok kjump_tok;

static const char *dec(const char *s, uint64_t *v)
{
	*v = 0;
	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9' && *v < (1ULL << 50))
		*v = *v * 10 + (uint64_t)(*s++ - '0');
	return s;
}

/* The next RAM token at or after *pos; 0 when none is left. */
static int next_memmap(const char *c, size_t n, size_t *pos, struct memmap_tok *t)
{
	static const char key[] = " memmap=";

	for (size_t i = *pos; i + sizeof(key) - 1 < n; i++) {
		const char *s = c + i + sizeof(key) - 1, *e;
		uint64_t a, b;

		if (kx_memcmp(c + i, key, sizeof(key) - 1))
			continue;
		e = dec(s, &a);
		if (!e || e[0] != 'K' || e[1] != '@' || !(e = dec(e + 2, &b)) || *e != 'K')
			continue;
		t->at = i;
		t->len = (size_t)(e + 1 - (c + i));
		t->size = a << 10;
		t->start = b << 10;
		*pos = i + t->len;
		return 1;
	}
	return 0;
}

/* Where the area's range now starts, and its size. */
static uint64_t kjump_new_start, kjump_new_size;

/* The token for the range without the area. */
static size_t memmap_token(char *buf, size_t cap)
{
	return kx_snprintf(buf, cap, " memmap=%lluK@%lluK",
			   (unsigned long long)(kjump_new_size >> 10),
			   (unsigned long long)(kjump_new_start >> 10));
}

/* Bytes the command line grows by when the token is rewritten. */
static size_t memmap_growth(void)
{
	char buf[64];
	size_t n = memmap_token(buf, sizeof(buf));

	return n > kjump_tok.len ? n - kjump_tok.len : 0;
}

/*
 * Rewrites the token in place: padded with spaces when shorter, the rest
 * of the line moved up when longer (the caller checked the room).
 */
static void memmap_shrink(char *c, const struct memmap_tok *t)
{
	char buf[64];
	size_t n = memmap_token(buf, sizeof(buf));

	if (n > t->len) {
		size_t tail = kx_strnlen(c + t->at + t->len, 1u << 16) + 1;

		for (size_t i = tail; i-- > 0;)
			c[t->at + n + i] = c[t->at + t->len + i];
	} else {
		kx_memset(c + t->at, ' ', t->len);
	}
	kx_memcpy(c + t->at, buf, n);
}

/* A region that kexec-tools filled with zeros (a hole of B's window):
 * none of the images, all zero after verification. */
static int zero_hole(const struct kx_handoff *h, uint64_t a, uint64_t len)
{
	const uint64_t *w = (const uint64_t *)(uintptr_t)a;

	for (unsigned i = 0; i < KX_VERIFY_MAX_REGIONS; i++) {
		const struct kx_sha256_region *r = &sha256_regions[i];
		uint64_t named[] = { h->boot_params, h->entry, h->initrd, h->elfcore[0] };

		if (!r->len || a < r->start || a + len > r->start + r->len)
			continue;
		for (unsigned k = 0; k < KX_ARRAY_SIZE(named); k++)
			if (named[k] >= r->start && named[k] - r->start < r->len)
				return 0;
		for (uint64_t k = 0; k < len / 8; k++)
			if (w[k])
				return 0;
		return 1;
	}
	return 0;
}

/*
 * A kexec jump's setup page: B is started with memmap=exactmap and RAM
 * tokens, so neither the e820 table nor another memmap= token (no room
 * left after kexec_jump_back_entry=) can reserve it.  It goes instead at
 * the top of one of B's RAM ranges, in a hole kexec-tools zero-filled, and
 * that range's token is shrunk in place to end below it.
 */
void kx_port_setup_area(struct kx_handoff *h, uint8_t **area, unsigned *pages)
{
	struct memmap_tok t;
	size_t pos = 0, n;
	uint64_t len = KJUMP_AREA_PAGES * KX_PAGE_SIZE;

	if (!kx_kjump_linux || !h->cmdline)
		return;
	n = kx_strnlen(h->cmdline, 1u << 16);
	kjump_area = 0;
	while (next_memmap(h->cmdline, n, &pos, &t)) {
		uint64_t end = t.start + t.size;

		if (t.size < 2 * len)
			continue;
		/* The top of the range, else its bottom; the highest wins. */
		if (end - len > kjump_area && zero_hole(h, end - len, len)) {
			kjump_area = end - len;
			kjump_new_start = t.start;
		} else if (t.start > kjump_area && zero_hole(h, t.start, len)) {
			kjump_area = t.start;
			kjump_new_start = t.start + len;
		} else {
			continue;
		}
		kjump_new_size = t.size - len;
		kjump_tok = t;
	}
	if (!kjump_area) {
		kx_say("kx: kexec jump: no zero-filled room at the top of B's memmap= ranges\n");
		return;
	}
	*area = (uint8_t *)(uintptr_t)kjump_area;
	*pages = KJUMP_AREA_PAGES;
}

/* A's page list walked again, its displaced pages written as BKEX. */
static enum kx_status add_map(void *ctx, struct kx_setup_writer *w)
{
	return kx_kjump_add_map(ctx, w);
}

void kx_port_content(struct kx_handoff *h, struct kx_setup_content *c)
{
	if (!kx_kjump_linux || !h->swap)
		return;
	/* The entry, and as context A's list head (opaque to B). */
	c->jump_back = kjump.jump_back;
	c->jump_context = kjump.head;
	c->more = add_map;
	c->more_ctx = &kjump;
}

/*
 * Announced on the command line, with a memmap= that keeps the next
 * kernel off the page (and KASLR too), only where it will be kept.  A
 * kexec jump's page in B's window: kx_setup= alone, the memmap= range
 * holding it shrunk instead (kx_port_setup_area).
 */
const char *kx_port_plan(struct kx_handoff *h, uint64_t setup, uint64_t size,
			 char *cmdline, size_t cap)
{
	size_t tlen, clen;
	int kj = kjump_area && setup == kjump_area;

	if (kj)
		tlen = kx_snprintf(setup_token, sizeof(setup_token), " kx_setup=0x%llx",
				   (unsigned long long)setup);
	else
		tlen = kx_snprintf(setup_token, sizeof(setup_token),
				   " kx_setup=0x%llx memmap=%lluK$0x%llx",
				   (unsigned long long)setup, (unsigned long long)(size >> 10),
				   (unsigned long long)setup);
	if (!h->boot_params)
		return "not a Linux boot_params image";
	if (entry_32bit && setup + size > 0xffffffffULL)
		return "above 4 GiB on a 32-bit entry";
	/* Its length now: kexec_jump_back_entry= may have been appended. */
	clen = h->cmdline ? kx_strnlen(h->cmdline, cap) : 0;
	if (kj)
		tlen += memmap_growth();
	if (!h->cmdline || !cmdline_end ||
	    kx_strnlen(cmdline_end, CMDLINE_ROOM) + tlen >= CMDLINE_ROOM || clen + tlen >= cap)
		return "no room on the command line";
	kx_memcpy(cmdline, h->cmdline, clen + 1);
	/* An earlier generation's announcement (--reuse-cmdline) is
	 * replaced, not repeated. */
	kx_cmdline_drop_setup(cmdline, clen);
	if (kj)
		memmap_shrink(cmdline, &kjump_tok);
	clen = kx_strnlen(cmdline, cap);
	kx_memcpy(cmdline + clen, setup_token, kx_strnlen(setup_token, CMDLINE_ROOM) + 1);
	return 0;
}

void kx_port_announce(struct kx_handoff *h, uint64_t setup, uint64_t size)
{
	(void)size;
	/* An earlier generation's announcement (--reuse-cmdline) is
	 * replaced, not repeated; then ours, which was planned to fit. */
	kx_cmdline_drop_setup((char *)(uintptr_t)h->cmdline,
			      kx_strnlen(h->cmdline, 1u << 16));
	if (kjump_area && setup == kjump_area) {
		memmap_shrink((char *)(uintptr_t)h->cmdline, &kjump_tok);
		kx_say("kx: kexec jump: B's range 0x%llx+0x%llx is now 0x%llx+0x%llx, "
		       "without the setup pages\n",
		       (unsigned long long)kjump_tok.start, (unsigned long long)kjump_tok.size,
		       (unsigned long long)kjump_new_start, (unsigned long long)kjump_new_size);
	}
	cmdline_append(setup_token);
	pass_setup_page(setup);
	kx_say("kx: setup page at 0x%llx\n", (unsigned long long)setup);
}

void kx_port_enter(struct kx_handoff *h, uint64_t entry_ticks)
{
	(void)entry_ticks;
	if (entry_32bit && (uintptr_t)entry32 + KX_PAGE_SIZE > 0xffffffffULL)
		kx_refuse_st("32-bit entry needs purgatory below 4 GiB", KX_ERR_RANGE);
	if (entry_16bit)
		kx_say("kx: entering real-mode image at %04x:%04x\n",
		    entry16_regs[ENTRY16_CS], entry16_regs[ENTRY16_IP]);
	else
		kx_say("kx: entering %s image at 0x%llx\n",
		    entry_32bit ? "32-bit" : "64-bit", (unsigned long long)h->entry);
	entry64();
}

uint64_t kx_port_ticks(void)
{
	return kx_rdtsc();
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#define CPUID1_ECX_XSAVE	(1u << 26)
#define XCR0_X87_SSE		0x3u	/* always, SSE for AVX */
#define XCR0_AVX		0x4u	/* YMM upper halves */
#define XCR0_AVX512		0xe0u	/* opmask, ZMM0-15 upper, ZMM16-31: together */

/*
 * XSAVE on (CR4.OSXSAVE) and XCR0 with the x87, SSE, AVX and AVX-512
 * state components this CPU supports (CPUID leaf 0xd), as the SDM's rules
 * on XCR0 allow (AVX needs SSE, AVX-512's three components need AVX and
 * go together).  Nothing without XSAVE in CPUID.  The next kernel sets
 * CR4 and XCR0 its own way.
 */
const char *kx_port_simd(void)
{
	static char said[40];
	uint32_t r[4], want = XCR0_X87_SSE;
	uint64_t cr4;

	cpuid(0, 0, r);
	if (r[0] < 0xd)
		return "no XSAVE (CPUID leaf 0xd): SSE only";
	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_XSAVE))
		return "no XSAVE: SSE only";
	cpuid(0xd, 0, r);
	if (r[0] & XCR0_AVX)
		want |= XCR0_AVX;
	if ((want & XCR0_AVX) && (r[0] & XCR0_AVX512) == XCR0_AVX512)
		want |= XCR0_AVX512;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= KX_CR4_OSXSAVE;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	/* In: ecx 0 (XCR0), edx:eax the value. */
	__asm__ volatile("xsetbv" : : "a"(want), "d"(0), "c"(0) : "memory");
	kx_snprintf(said, sizeof(said), "XSAVE on, XCR0 0x%x", want);
	return said;
}

void kx_port_say_ticks(uint64_t ticks)
{
	kx_say(" %llu cycles", (unsigned long long)ticks);
}
