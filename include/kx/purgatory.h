/* SPDX-License-Identifier: MIT */
/*
 * kx's purgatory image (purgatory.ro), as a loader sees it: the symbols a
 * loader sets by name (kexec-tools' elf_rel_set_symbol, kx's
 * kx_elf_rel_set), with their layouts.  One description for the image
 * (image/), its entry stubs, kxboot, kxjump and scripts/check-purgatory.sh.
 * Includable from assembly: constants only outside __ASSEMBLER__.
 */
#ifndef KX_PURGATORY_H
#define KX_PURGATORY_H

/* Pages of the setup page purgatory writes for the next kernel (in its own
 * data); kxboot gives the page it writes the same room. */
#define KX_PURGATORY_SETUP_PAGES 3

/* kexec-tools' struct entry64_regs: 17 u64, the next image's registers
 * when entered in 64-bit mode (x86_64).  Index of each. */
#define KX_REG_RAX 0
#define KX_REG_RBX 1
#define KX_REG_RCX 2
#define KX_REG_RDX 3
#define KX_REG_RSI 4
#define KX_REG_RDI 5
#define KX_REG_RSP 6
#define KX_REG_RBP 7
#define KX_REG_R8 8
#define KX_REG_R9 9
#define KX_REG_R10 10
#define KX_REG_R11 11
#define KX_REG_R12 12
#define KX_REG_R13 13
#define KX_REG_R14 14
#define KX_REG_R15 15
#define KX_REG_RIP 16
#define KX_ENTRY64_NREGS 17

/* kexec-tools' struct entry32_regs: 9 u32, for a 32-bit entry. */
#define KX_REG32_EAX 0
#define KX_REG32_EBX 1
#define KX_REG32_ECX 2
#define KX_REG32_EDX 3
#define KX_REG32_ESI 4
#define KX_REG32_EDI 5
#define KX_REG32_ESP 6
#define KX_REG32_EBP 7
#define KX_REG32_EIP 8
#define KX_ENTRY32_NREGS 9

/*
 * Set by kx's own loaders, never by kexec-tools (both u64, 0 = unset):
 * KX_SYM_SETUP_PAGE     physical address of a setup page the loader
 *                       wrote and announced itself; purgatory verifies
 *                       every segment it lists and leaves it in place
 * KX_SYM_HANDOFF_TICKS  the counter (TSC, CNTVCT) when the loader left the
 *                       firmware, so the hand-off's cost is reported
 */
#define KX_SYM_SETUP_PAGE "kx_setup_page"
#define KX_SYM_HANDOFF_TICKS "kx_handoff_ticks"

/*
 * The one-pass hand-off (docs/kxboot.md, "One pass"): a kx loader's trampoline calls
 * purgatory's KX_SYM_COPY_HASH (struct kx_tramp_<arch>.hash, mode
 * KX_PL_DIGEST, or KX_PL_SWAP_DIGEST for a round trip) before
 * purgatory_start, on purgatory's own stack, with the MMU and caches as
 * the copy runs:
 *
 *   uint64_t kx_copy_hash(uint64_t head, kx_relocate_fn engine, uint64_t mode);
 *
 * It runs engine (the trampoline's kx_relocate_pages) in that mode with
 * the KX lanes digest of each LANE segment of kx_setup_page as the hash,
 * and keeps the results in KX_SYM_COPY_HASHED, in purgatory's own memory
 * (never written by the list), which purgatory compares with the setup
 * page.  At most KX_COPY_HASHED_MAX segments; the others are hashed by
 * purgatory.
 */
#define KX_SYM_COPY_HASH "kx_copy_hash"
#define KX_SYM_COPY_HASHED "kx_copy_hashed"
#define KX_COPY_HASHED_MAX 8
#define KX_COPY_F_REREAD 0x1	/* hashed again after the copy (out of order) */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* One segment the copy hashed: exactly these bytes, with lanes lanes. */
struct kx_copy_hashed_seg {
	uint64_t dest;
	uint64_t size;
	uint32_t lanes;
	uint32_t engine;	/* kx_lanes_impl_at index of the engine */
	uint32_t flags;		/* KX_COPY_F_* */
	uint32_t pad;
	uint8_t digest[32];	/* KX lanes digest */
};

struct kx_copy_hashed {
	uint64_t pages;		/* pages the copy wrote */
	uint64_t ticks;		/* kx_port_ticks() the copy and its hashing took */
	uint32_t count;		/* valid entries of seg[] */
	uint32_t mode;		/* KX_PL_DIGEST, or KX_PL_SWAP_DIGEST: swapped */
	struct kx_copy_hashed_seg seg[KX_COPY_HASHED_MAX];
};
_Static_assert(sizeof(struct kx_copy_hashed_seg) == 64, "kx_copy_hashed_seg layout");

_Static_assert(KX_REG_RIP == KX_ENTRY64_NREGS - 1, "rip is entry64_regs' last");
_Static_assert(KX_REG32_EIP == KX_ENTRY32_NREGS - 1, "eip is entry32_regs' last");
#endif

#endif
