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

/*
 * Announced on the command line, with a memmap= that keeps the next
 * kernel off the page (and KASLR too), only where it will be kept.
 */
const char *kx_port_plan(struct kx_handoff *h, uint64_t setup, uint64_t size,
			 char *cmdline, size_t cap)
{
	size_t tlen;

	tlen = kx_snprintf(setup_token, sizeof(setup_token), " kx_setup=0x%llx memmap=%lluK$0x%llx",
			   (unsigned long long)setup, (unsigned long long)(size >> 10),
			   (unsigned long long)setup);
	if (!h->boot_params)
		return "not a Linux boot_params image";
	if (entry_32bit && setup + size > 0xffffffffULL)
		return "above 4 GiB on a 32-bit entry";
	if (!h->cmdline || !cmdline_room_for(setup_token) || h->cmdline_len + tlen >= cap)
		return "no room on the command line";
	kx_memcpy(cmdline, h->cmdline, h->cmdline_len);
	kx_cmdline_drop_setup(cmdline, h->cmdline_len);
	kx_memcpy(cmdline + h->cmdline_len, setup_token, tlen + 1);
	return 0;
}

void kx_port_announce(struct kx_handoff *h, uint64_t setup, uint64_t size)
{
	(void)size;
	/* An earlier generation's announcement (--reuse-cmdline) is
	 * replaced, not repeated; then ours, which was planned to fit. */
	kx_cmdline_drop_setup((char *)(uintptr_t)h->cmdline, h->cmdline_len);
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

void kx_port_say_ticks(uint64_t ticks)
{
	kx_say(" %llu cycles", (unsigned long long)ticks);
}
