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
/* Offsets of the argument structs below, for the assembly that reads
 * them (trampoline/relocate_<arch>.S); each pinned to its field below. */
#define KX_TX86_CR3 0x00
#define KX_TX86_HEAD 0x08
#define KX_TX86_ENTRY 0x10
#define KX_TX86_STACK 0x18
#define KX_TX86_MODE 0x20
#define KX_TX86_RSP 0x28
#define KX_TX86_CR0 0x30
#define KX_TX86_OLD_CR3 0x38
#define KX_TX86_CR4 0x40
#define KX_TX86_EFER 0x48
#define KX_TX86_FS_BASE 0x50
#define KX_TX86_GS_BASE 0x58
#define KX_TX86_KGS_BASE 0x60
#define KX_TX86_GDTR 0x68
#define KX_TX86_IDTR 0x78
#define KX_TX86_SEL 0x88
#define KX_TX86_CALLS 0x94
#define KX_TX86_HASH 0x98
#define KX_TX86_HASH_STACK 0xa0
#define KX_TX86_SIZE 0xa8
#define KX_TA64_TTBR0 0x00
#define KX_TA64_TCR 0x08
#define KX_TA64_MAIR 0x10
#define KX_TA64_HEAD 0x18
#define KX_TA64_ENTRY 0x20
#define KX_TA64_MODE 0x28
#define KX_TA64_CLEAN 0x30
#define KX_TA64_SAVE_REGS 0x70
#define KX_TA64_SAVE_SP 0xd0
#define KX_TA64_SAVE_SCTLR 0xd8
#define KX_TA64_SAVE_TCR 0xe0
#define KX_TA64_SAVE_MAIR 0xe8
#define KX_TA64_SAVE_TTBR0 0xf0
#define KX_TA64_SAVE_VBAR 0xf8
#define KX_TA64_SAVE_DAIF 0x100
#define KX_TA64_CALLS 0x108
#define KX_TA64_HASH 0x110
#define KX_TA64_HASH_STACK 0x118
#define KX_TA64_SIZE 0x120

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Pins the offset the assembly uses to the field. */
#define KX_TRAMP_FIELD(arch, field, off)					\
	_Static_assert(__builtin_offsetof(struct kx_tramp_##arch, field) == (off), \
		       "kx_tramp_" #arch "." #field " is not at " #off)

/* Read by the prologues; offsets are fixed by the assembly. */
struct kx_tramp_x86_64 {
	uint64_t cr3;		/* 0x00 identity map root (PML4 or PML5) */
	uint64_t head;		/* 0x08 page-list head, IND_DONE for none */
	uint64_t entry;		/* 0x10 purgatory_start, physical */
	uint64_t stack_top;	/* 0x18 16-byte aligned, identity-mapped */
	uint64_t mode;		/* 0x20 KX_PL_COPY (KX_PL_SWAP for a round trip,
				 * KX_PL_DIGEST with hash) */
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
	/* Mode KX_PL_DIGEST (KX_PL_SWAP_DIGEST for a round trip): the
	 * trampoline calls hash(head, engine, mode) on the stack hash_stack
	 * (16-byte aligned) instead of moving the pages itself, with engine
	 * its own copy of kx_relocate_pages, and hash moves them (the
	 * one-pass hand-off: include/kx/purgatory.h, KX_SYM_COPY_HASH).
	 * Both physical, identity-mapped; hash 0 copies (swaps) plainly.
	 * The way back of a round trip swaps plainly. */
	uint64_t hash;		/* 0x98 */
	uint64_t hash_stack;	/* 0xa0 */
};
KX_TRAMP_FIELD(x86_64, cr3, KX_TX86_CR3);
KX_TRAMP_FIELD(x86_64, head, KX_TX86_HEAD);
KX_TRAMP_FIELD(x86_64, entry, KX_TX86_ENTRY);
KX_TRAMP_FIELD(x86_64, stack_top, KX_TX86_STACK);
KX_TRAMP_FIELD(x86_64, mode, KX_TX86_MODE);
KX_TRAMP_FIELD(x86_64, save_rsp, KX_TX86_RSP);
KX_TRAMP_FIELD(x86_64, save_cr0, KX_TX86_CR0);
KX_TRAMP_FIELD(x86_64, save_cr3, KX_TX86_OLD_CR3);
KX_TRAMP_FIELD(x86_64, save_cr4, KX_TX86_CR4);
KX_TRAMP_FIELD(x86_64, save_efer, KX_TX86_EFER);
KX_TRAMP_FIELD(x86_64, save_fs_base, KX_TX86_FS_BASE);
KX_TRAMP_FIELD(x86_64, save_gs_base, KX_TX86_GS_BASE);
KX_TRAMP_FIELD(x86_64, save_kgs_base, KX_TX86_KGS_BASE);
KX_TRAMP_FIELD(x86_64, save_gdtr, KX_TX86_GDTR);
KX_TRAMP_FIELD(x86_64, save_idtr, KX_TX86_IDTR);
KX_TRAMP_FIELD(x86_64, save_sel, KX_TX86_SEL);
KX_TRAMP_FIELD(x86_64, calls, KX_TX86_CALLS);
KX_TRAMP_FIELD(x86_64, hash, KX_TX86_HASH);
KX_TRAMP_FIELD(x86_64, hash_stack, KX_TX86_HASH_STACK);
_Static_assert(sizeof(struct kx_tramp_x86_64) == KX_TX86_SIZE, "kx_tramp_x86_64 layout");

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
	uint64_t mode;		/* 0x28 KX_PL_COPY (KX_PL_SWAP for a round trip,
				 * KX_PL_DIGEST with hash) */
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
	/* As on x86_64: mode KX_PL_DIGEST or KX_PL_SWAP_DIGEST calls
	 * hash(head, engine, mode) on hash_stack, with the MMU and caches on
	 * over the identity map. */
	uint64_t hash;		/* 0x110 */
	uint64_t hash_stack;	/* 0x118 */
};
KX_TRAMP_FIELD(aarch64, ttbr0, KX_TA64_TTBR0);
KX_TRAMP_FIELD(aarch64, tcr, KX_TA64_TCR);
KX_TRAMP_FIELD(aarch64, mair, KX_TA64_MAIR);
KX_TRAMP_FIELD(aarch64, head, KX_TA64_HEAD);
KX_TRAMP_FIELD(aarch64, entry, KX_TA64_ENTRY);
KX_TRAMP_FIELD(aarch64, mode, KX_TA64_MODE);
KX_TRAMP_FIELD(aarch64, clean, KX_TA64_CLEAN);
KX_TRAMP_FIELD(aarch64, save_regs, KX_TA64_SAVE_REGS);
KX_TRAMP_FIELD(aarch64, save_sp, KX_TA64_SAVE_SP);
KX_TRAMP_FIELD(aarch64, save_sctlr, KX_TA64_SAVE_SCTLR);
KX_TRAMP_FIELD(aarch64, save_tcr, KX_TA64_SAVE_TCR);
KX_TRAMP_FIELD(aarch64, save_mair, KX_TA64_SAVE_MAIR);
KX_TRAMP_FIELD(aarch64, save_ttbr0, KX_TA64_SAVE_TTBR0);
KX_TRAMP_FIELD(aarch64, save_vbar, KX_TA64_SAVE_VBAR);
KX_TRAMP_FIELD(aarch64, save_daif, KX_TA64_SAVE_DAIF);
KX_TRAMP_FIELD(aarch64, calls, KX_TA64_CALLS);
KX_TRAMP_FIELD(aarch64, hash, KX_TA64_HASH);
KX_TRAMP_FIELD(aarch64, hash_stack, KX_TA64_HASH_STACK);
_Static_assert(sizeof(struct kx_tramp_aarch64) == KX_TA64_SIZE, "kx_tramp_aarch64 layout");

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
