/* SPDX-License-Identifier: MIT */
/*
 * The purgatory image's port: what each architecture provides
 * (image/arch/<arch>/port.c and its entry stub) to the one program both
 * share (image/main.c).  Common code reaches arch code only through the
 * names declared here (scripts/check-layers.sh holds it to that).
 *
 * The order main.c calls them in:
 *   kx_port_begin     what the loader handed over, as a kx_handoff
 *   kx_port_map       what hashing needs (aarch64: MMU and caches on)
 *   (verification, crash backup: common)
 *   kx_port_kexec_jump  kexec-tools' kexec jump token (x86_64)
 *   kx_port_loader_page or kx_port_plan + kx_port_announce
 *   kx_port_enter     never returns
 */
#ifndef KX_IMAGE_PORT_H
#define KX_IMAGE_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/setup_page.h>
#include <kx/verify.h>

/* How many setup-page entries of each table purgatory keeps. */
#define KX_HANDOFF_MAX_MEM 128

/*
 * What one hand-off is, as the architecture learned it from its loader
 * (kexec-tools' variables, boot_params, a device tree, a kx loader's page).
 * Addresses are physical; 0 means "none".
 */
struct kx_handoff {
	/* First console line: "kx: purgatory (<where>, setup ABI x.y<extra>)". */
	char where[48];
	char extra[48];
	/* ", MMU on" / ", MMU off" after the implementation, or "" */
	const char *mmu;
	uint64_t entry;		/* the next image's entry */
	/* Hints that name each verified region's kind in the setup page. */
	uint64_t boot_params;	/* x86 Linux boot_params */
	uint64_t dtb;		/* device tree */
	uint64_t initrd;
	uint64_t elfcore[2];	/* ELF core header {addr, size}; size 0: its region's */
	int crash;		/* a crash kernel (KX_SETUP_F_CRASH) */
	/* A crash kernel's backup region, copied by purgatory when size != 0. */
	uint64_t backup_src, backup_dst, backup_size;
	const char *cmdline;	/* the next kernel's command line, NUL-ended, or NULL */
	size_t cmdline_len;	/* its length before the NUL */
	struct kx_mem_range mem[KX_HANDOFF_MAX_MEM];	/* its memory map */
	unsigned nmem;
	/* A round trip's or kexec jump's way back (docs/abi.md 2.4), 0 for none. */
	uint64_t jump_back;
	/* Memory the console writes ({0, 0}: none, port I/O); console_off
	 * silences it for good. */
	uint64_t console, console_size;
	int console_off;
	/* The caller's pages were swapped, not overwritten (KX_SETUP_F_SWAP):
	 * a Linux kexec jump whose backup map the port found. */
	int swap;
};

/* The hand-off being made; the port fills it in kx_port_begin. */
extern struct kx_handoff kx_handoff;

/* What main.c holds for the ports: kexec-tools' regions, its digest and
 * skip flag, and kx loaders' symbols (include/kx/purgatory.h). */
extern struct kx_sha256_region sha256_regions[KX_VERIFY_MAX_REGIONS];
extern uint8_t sha256_digest[KX_SHA256_SIZE];
extern int skip_checks;
extern uint64_t kx_setup_page;
extern uint64_t kx_handoff_ticks;

/* ---- console and time */
/* One character to the UART the loader named (none: dropped). */
void kx_port_putc(char c);
/* Interrupts masked, stopped for good. */
void kx_port_halt(void) __attribute__((noreturn));
/* A free-running counter: the TSC, CNTVCT. */
uint64_t kx_port_ticks(void);
/* " <n> cycles", " <n> ticks (<ms> ms)": a count of kx_port_ticks. */
void kx_port_say_ticks(uint64_t ticks);
/* Jumps back to a round trip's caller (kx_handoff.jump_back) with value
 * and from in its result registers (docs/abi.md 2.4). */
void kx_port_return(uint64_t value, uint64_t from) __attribute__((noreturn));

/* SIMD state for the hash engines beyond what the entry stub enabled
 * (x86_64: XSAVE and XCR0 for AVX2/AVX-512, as CPUID says the CPU has
 * them).  Called before the copy hashes (copy_hash.c) and by main.c
 * when no caller is to be returned to.  What it set, for the console
 * ("XCR0 0x7"), or NULL. */
const char *kx_port_simd(void);

/* ---- the hand-off, in the order main.c calls them */
/* Console up; fills kx_handoff from what the loader handed over. */
void kx_port_begin(struct kx_handoff *h);
/* Whatever hashing needs first; sets h->mmu. */
void kx_port_map(struct kx_handoff *h);
/* After verification: tells the next kernel of a kexec jump (x86_64). */
void kx_port_kexec_jump(struct kx_handoff *h);
/* A kx loader's own page (kx_setup_page), verified: what the next image
 * needs to find it (registers; caches cleaned). */
void kx_port_loader_page(struct kx_handoff *h, uint64_t page);
/*
 * Whether purgatory's setup page at setup (size bytes) can be announced
 * to the next kernel: NULL if so, with cmdline (cap bytes) set to the
 * command line the kernel will see; else why not (the page is still
 * written, for loaders that know where it is).
 */
const char *kx_port_plan(struct kx_handoff *h, uint64_t setup, uint64_t size,
			 char *cmdline, size_t cap);
/*
 * Where purgatory's setup page goes: *area (pages of KX_PAGE_SIZE) set when
 * the port has a better place than purgatory's own static pages (x86_64
 * kexec jump: room in B's window that B is told to keep), else untouched.
 */
void kx_port_setup_area(struct kx_handoff *h, uint8_t **area, unsigned *pages);
/* What only the port knows of the setup page's content (x86_64 kexec
 * jump: the way back, and the backup map it streams). */
struct kx_setup_content;
void kx_port_content(struct kx_handoff *h, struct kx_setup_content *c);
/* Announces it as planned, the page written; says where on the console. */
void kx_port_announce(struct kx_handoff *h, uint64_t setup, uint64_t size);
/* Enters the next image; entry_ticks: kx_port_ticks() at purgatory's entry. */
void kx_port_enter(struct kx_handoff *h, uint64_t entry_ticks)
	__attribute__((noreturn));

#endif
