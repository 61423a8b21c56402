/* SPDX-License-Identifier: MIT */
/*
 * The privileged prologues of the relocation trampoline, as a loader uses
 * them after leaving the firmware.  The blob [start, end) holds the page-list
 * engine and the prologue; it has no relocations, so the loader copies it
 * to a control page that no page copy writes and calls the copy:
 *
 *   memcpy(control, kx_trampoline_x86_64_start, size);
 *   fn = control + (kx_trampoline_x86_64 - kx_trampoline_x86_64_start);
 *   ... ExitBootServices ...
 *   fn(args);        // never returns
 */
#ifndef KX_TRAMPOLINE_H
#define KX_TRAMPOLINE_H

#define KX_TRAMP_A64_CLEAN 4	/* struct kx_tramp_aarch64's clean[] */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Read by kx_trampoline_x86_64; offsets are fixed by the assembly. */
struct kx_tramp_x86_64 {
	uint64_t cr3;		/* 0x00 identity map root (PML4 or PML5) */
	uint64_t head;		/* 0x08 page-list head, IND_DONE for none */
	uint64_t entry;		/* 0x10 purgatory_start, physical */
	uint64_t stack_top;	/* 0x18 16-byte aligned, identity-mapped */
	uint64_t mode;		/* 0x20 KX_PL_COPY (KX_PL_SWAP for kexec jump) */
};
_Static_assert(sizeof(struct kx_tramp_x86_64) == 40, "kx_tramp_x86_64 layout");

extern const char kx_trampoline_x86_64_start[];
extern const char kx_trampoline_x86_64_end[];
void kx_trampoline_x86_64(const struct kx_tramp_x86_64 *args)
	__attribute__((noreturn));

/*
 * Read by kx_trampoline_aarch64; offsets are fixed by the assembly.  The
 * copy runs with the MMU and caches on over the loader's identity map;
 * purgatory is entered with them off, after every page the list wrote
 * and each clean[] range (purgatory itself, the setup page: what the
 * loader wrote outside the list) are cleaned to the point of coherency.
 */
struct kx_tramp_aarch64 {
	uint64_t ttbr0;		/* 0x00 identity map root */
	uint64_t tcr;		/* 0x08 in this EL's TCR layout (E2H counted) */
	uint64_t mair;		/* 0x10 */
	uint64_t head;		/* 0x18 page-list head, IND_DONE for none */
	uint64_t entry;		/* 0x20 purgatory_start, physical */
	uint64_t mode;		/* 0x28 KX_PL_COPY (KX_PL_SWAP for kexec jump) */
	struct {
		uint64_t start, end;	/* unused when start >= end */
	} clean[KX_TRAMP_A64_CLEAN];	/* 0x30 */
};
_Static_assert(sizeof(struct kx_tramp_aarch64) == 0x70, "kx_tramp_aarch64 layout");

extern const char kx_trampoline_aarch64_start[];
extern const char kx_trampoline_aarch64_end[];
void kx_trampoline_aarch64(const struct kx_tramp_aarch64 *args)
	__attribute__((noreturn));

#endif /* __ASSEMBLER__ */
#endif
