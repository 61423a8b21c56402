/* SPDX-License-Identifier: MIT */
/*
 * The privileged prologues of the relocation trampoline, as a loader uses
 * them after leaving the firmware.  The blob [start, end) holds the page-list
 * engine and the prologues; it has no relocations, so the loader copies it
 * to a control page that no page copy writes and calls the copy:
 *
 *   memcpy(control, kx_trampoline_x86_64_start, size);
 *   fn = control + (kx_trampoline_x86_64 - kx_trampoline_x86_64_start);
 *   ... ExitBootServices ...
 *   fn(args);        // never returns
 *
 * A round trip (docs/calling.md) calls the copy of kx_trampoline_x86_64_call
 * instead, with args->mode = KX_PL_SWAP: it saves the caller's state in
 * args, swaps the pages, enters purgatory with the copy of
 * kx_trampoline_x86_64_back as the jump-back entry, and returns when the
 * called image (or purgatory, refusing it) jumps there: the pages are
 * swapped back and the caller's state restored first.  Only the copy may be
 * called: it records args in itself, so the control page must be writable.
 */
#ifndef KX_TRAMPOLINE_H
#define KX_TRAMPOLINE_H

#define KX_TRAMP_A64_CLEAN 4	/* struct kx_tramp_aarch64's clean[] */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Read by the prologues; offsets are fixed by the assembly. */
struct kx_tramp_x86_64 {
	uint64_t cr3;		/* 0x00 identity map root (PML4 or PML5) */
	uint64_t head;		/* 0x08 page-list head, IND_DONE for none */
	uint64_t entry;		/* 0x10 purgatory_start, physical */
	uint64_t stack_top;	/* 0x18 16-byte aligned, identity-mapped */
	uint64_t mode;		/* 0x20 KX_PL_COPY (KX_PL_SWAP for a round trip) */
	/* Round trip only: the caller's state, written by
	 * kx_trampoline_x86_64_call on the way out, reloaded on the way back. */
	uint64_t save_rsp;	/* 0x28 after pushing rbx rbp r12-r15 rflags */
	uint64_t save_cr0;	/* 0x30 */
	uint64_t save_cr3;	/* 0x38 */
	uint64_t save_cr4;	/* 0x40 */
	uint64_t save_efer;	/* 0x48 MSR 0xc0000080 */
	uint64_t save_fs_base;	/* 0x50 MSR 0xc0000100 */
	uint64_t save_gs_base;	/* 0x58 MSR 0xc0000101 */
	uint64_t save_kgs_base;	/* 0x60 MSR 0xc0000102 */
	uint8_t save_gdtr[16];	/* 0x68 sgdt: 2-byte limit, 8-byte base */
	uint8_t save_idtr[16];	/* 0x78 sidt */
	uint16_t save_sel[6];	/* 0x88 cs ss ds es fs gs */
	uint32_t calls;		/* 0x94 round trips made with these args */
};
_Static_assert(sizeof(struct kx_tramp_x86_64) == 0x98, "kx_tramp_x86_64 layout");
_Static_assert(__builtin_offsetof(struct kx_tramp_x86_64, save_sel) == 0x88,
	       "kx_tramp_x86_64 layout");

/* What the jump back carried: %rax and %rdx (KX_JUMP_FROM_*). */
struct kx_jump_result {
	uint64_t value;
	uint64_t from;
};

extern const char kx_trampoline_x86_64_start[];
extern const char kx_trampoline_x86_64_end[];
extern const char kx_trampoline_x86_64_back[];
void kx_trampoline_x86_64(const struct kx_tramp_x86_64 *args)
	__attribute__((noreturn));
struct kx_jump_result kx_trampoline_x86_64_call(struct kx_tramp_x86_64 *args);

/* Where a blob [start, ...) copied to control has its symbol sym. */
static inline uint64_t kx_trampoline_at(uint64_t control, const char *start,
					const void *sym)
{
	return control + (uint64_t)((const char *)sym - start);
}

static inline uint64_t kx_trampoline_x86_64_at(uint64_t control, const char *sym)
{
	return kx_trampoline_at(control, kx_trampoline_x86_64_start, sym);
}
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
	uint64_t mode;		/* 0x28 KX_PL_COPY (KX_PL_SWAP for a round trip) */
	struct {
		uint64_t start, end;	/* unused when start >= end */
	} clean[KX_TRAMP_A64_CLEAN];	/* 0x30 */
	/* Round trip only: the caller's state, written by
	 * kx_trampoline_aarch64_call, reloaded by kx_trampoline_aarch64_back. */
	uint64_t save_regs[12];	/* 0x70 x19-x30 */
	uint64_t save_sp;	/* 0xd0 */
	uint64_t save_sctlr;	/* 0xd8 this EL's */
	uint64_t save_tcr;	/* 0xe0 */
	uint64_t save_mair;	/* 0xe8 */
	uint64_t save_ttbr0;	/* 0xf0 */
	uint64_t save_vbar;	/* 0xf8 */
	uint64_t save_daif;	/* 0x100 */
	uint64_t calls;		/* 0x108 round trips made with these args */
};
_Static_assert(sizeof(struct kx_tramp_aarch64) == 0x110, "kx_tramp_aarch64 layout");

extern const char kx_trampoline_aarch64_start[];
extern const char kx_trampoline_aarch64_end[];
extern const char kx_trampoline_aarch64_back[];
void kx_trampoline_aarch64(const struct kx_tramp_aarch64 *args)
	__attribute__((noreturn));
/*
 * A round trip as on x86_64 (see above): the copy of
 * kx_trampoline_aarch64_call, args->mode = KX_PL_SWAP, the copy of
 * kx_trampoline_aarch64_back as the jump-back entry.  Whatever the image
 * reads outside the list (its parameters, an ELF core header, the
 * caller's memory it hashes) must be in args->clean[] or already clean to
 * the PoC: the image runs with the MMU off.
 */
struct kx_jump_result kx_trampoline_aarch64_call(struct kx_tramp_aarch64 *args);

#endif /* __ASSEMBLER__ */
#endif
