/* SPDX-License-Identifier: MIT */
/*
 * aarch64 relocation trampoline: the page-list engine.
 *
 * kx_relocate_pages is the page-walking core, callable from C
 * (include/kx/page_list.h) and from the privileged prologue alike: it uses
 * no privileged instruction and no absolute address, so it runs wherever
 * it is copied and under a host test where "physical" addresses are user
 * pointers.  It needs FP/SIMD enabled (CPACR_EL1.FPEN or CPTR_EL2, set by
 * whoever enables it).
 *
 * Every access is 16-byte aligned (pages are 4 KiB aligned), so it is
 * correct with strict alignment and with the MMU off, though the design
 * runs it with the MMU and caches on.  Copy loads with LDP and stores with
 * STNP (the destination is not read again soon) while prefetching the next
 * source page; swap exchanges 64 bytes each way through q0-q7; digest
 * stores with STP, so the page is in L1 when it is hashed.
 */
#include <kexec_abi.h>
#include <kx/a64_asm.h>
#include <kx/asm.h>
#include <kx/page_list.h>
#include <kx/trampoline.h>

#if IND_DESTINATION != 1 || IND_INDIRECTION != 2 || IND_DONE != 4 || \
	IND_SOURCE != 8 || KX_PAGE_SIZE != 4096
#error "relocate_aarch64.S assumes Linux's entry flags and 4 KiB pages"
#endif

#if KX_PL_COPY != 0 || KX_PL_SWAP != 1 || KX_PL_DIGEST != 2 || KX_PL_SWAP_DIGEST != 3
#error "the prologue turns DIGEST into COPY and SWAP_DIGEST into SWAP by subtracting; bit 0 means swap"
#endif

#define PAGE_MASK 0xfffffffffffff000

	.text

/* The trampoline blob: kx_relocate_pages and the privileged prologue,
 * copied together to a control page (see kx_trampoline_aarch64). */
	.globl kx_trampoline_aarch64_start
kx_trampoline_aarch64_start:

/*
 * kx_next_source entry, ptr, dest, src, done
 *
 * Decodes entries from \entry on until a source, in Linux's order of
 * precedence (destination, indirection, done, source; an entry with no
 * flag is skipped).  In: \entry, \ptr = address of the entry after it,
 * \dest.  Out: \src = the source page; \entry = the following entry,
 * already read (the caller prefetches its page), \ptr past it; \dest
 * updated by destination entries.  Branches to \done at IND_DONE.
 */
.macro kx_next_source entry, ptr, dest, src, done
.Ldecode\@:
	/* Dispatch on the flag bits 0-3. */
	tbnz	\entry, #0, .Ldestination\@
	tbnz	\entry, #1, .Lindirection\@
	tbnz	\entry, #2, \done
	tbnz	\entry, #3, .Lsource\@
	b	.Lfetch\@
.Ldestination\@:
	/* dest = entry & PAGE_MASK */
	and	\dest, \entry, #PAGE_MASK
	b	.Lfetch\@
.Lindirection\@:
	/* ptr = entry & PAGE_MASK */
	and	\ptr, \entry, #PAGE_MASK
.Lfetch\@:
	/* entry = *ptr++ */
	ldr	\entry, [\ptr], #8
	b	.Ldecode\@
.Lsource\@:
	/* src = entry & PAGE_MASK; entry = *ptr++, read ahead */
	and	\src, \entry, #PAGE_MASK
	ldr	\entry, [\ptr], #8
.endm

/*
 * kx_digest_enter: the DIGEST walks' frame (record plus x19-x24) and their
 * registers: x19 entry (from x9), x20 ptr, x21 dest, x24 count (0),
 * x22 state (x2), x23 blocks function (x3).
 */
.macro kx_digest_enter
	stp	x29, x30, [sp, #-64]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	mov	x19, x9
	mov	x20, xzr
	mov	x21, xzr
	mov	x22, x2
	mov	x23, x3
	mov	x24, xzr
.endm

/*
 * kx_next_pages entry, ptr, next_src, next_dest, dest
 *
 * Where the next copy will most likely read and write, for prefetching:
 * after kx_next_source, \entry is the entry following the source.  When it
 * is a destination (lists that set one per page), the source is the entry
 * after it, still in the same page (a destination never ends a page).
 * Out: \next_src = that page, \next_dest = the next destination page;
 * both are hints only, wrong for unusual lists and harmless then.
 */
.macro kx_next_pages entry, ptr, next_src, next_dest, dest
	/* next_src = entry; next_dest = dest + PAGE_SIZE */
	mov	\next_src, \entry
	add	\next_dest, \dest, #KX_PAGE_SIZE
	tbz	\entry, #0, .Lmask\@
	/* A destination first: it is next_dest, the entry after it next_src. */
	and	\next_dest, \entry, #PAGE_MASK
	ldr	\next_src, [\ptr]
.Lmask\@:
	and	\next_src, \next_src, #PAGE_MASK
.endm

/*
 * uint64_t kx_relocate_pages(uint64_t head, uint64_t mode,
 *                            uint32_t state[8], kx_sha256_blocks_fn blocks);
 *
 * In:       x0 head entry, x1 mode (KX_PL_COPY, _SWAP, _DIGEST,
 *           _SWAP_DIGEST),
 *           x2 SHA-256 state, x3 block function (DIGEST only).
 * Out:      x0 pages copied or swapped.
 * Clobbers: COPY, SWAP: x0-x1 x9-x16 q0-q7, flags; no stack.
 *           DIGEST, SWAP_DIGEST: as a C call (saves what it uses on the stack; calls
 *           blocks).
 * Assumes:  identity-mapped list and pages, a list valid per Linux's
 *           format, FP/SIMD usable.
 *
 * Registers while walking (COPY, SWAP):
 *   x9 entry  x10 ptr  x11 dest  x12 src  x13 next source page
 *   x16 next destination page  x14 bytes left in the page  x15 count
 *
 * The copy, swap and digest loops walk the list alike but are written out
 * one per mode on purpose: each has its own prefetch distance and store
 * kind, tuned in make bench (README, Performance), and no per-line test
 * of the mode.
 */
KX_FUNC_START(kx_relocate_pages)
.Lrelocate_pages:	/* local name: calls from the prologue need no relocation */
	/* Start at the head with no destination yet. */
	mov	x9, x0
	mov	x10, xzr
	mov	x11, xzr
	mov	x15, xzr
	cmp	x1, #KX_PL_SWAP
	b.eq	.Lswap_next
	cmp	x1, #KX_PL_DIGEST
	b.eq	.Ldigest
	cmp	x1, #KX_PL_SWAP_DIGEST
	b.eq	.Lswap_digest

.Lcopy_next:
	kx_next_source x9, x10, x11, x12, .Lbarrier_done
	/* Prefetch the next source page while copying this one. */
	kx_next_pages x9, x10, x13, x16, x11
	mov	x14, #KX_PAGE_SIZE
.Lcopy_line:
	/* while (left) { prefetch(next); *dst++ = *src++ (128 bytes); } */
	prfm	pldl1strm, [x13]
	prfm	pldl1strm, [x13, #64]
	ldp	q0, q1, [x12]
	ldp	q2, q3, [x12, #32]
	ldp	q4, q5, [x12, #64]
	ldp	q6, q7, [x12, #96]
	stnp	q0, q1, [x11]
	stnp	q2, q3, [x11, #32]
	stnp	q4, q5, [x11, #64]
	stnp	q6, q7, [x11, #96]
	add	x12, x12, #128
	add	x11, x11, #128
	add	x13, x13, #128
	subs	x14, x14, #128
	b.ne	.Lcopy_line
	/* x11 is now dest + PAGE_SIZE, the next destination. */
	add	x15, x15, #1
	b	.Lcopy_next

.Lswap_next:
	kx_next_source x9, x10, x11, x12, .Lbarrier_done
	/* As for copy; the next destination is prefetched too. */
	kx_next_pages x9, x10, x13, x16, x11
	mov	x14, #KX_PAGE_SIZE
.Lswap_line:
	/* while (left) { t = *src; *src++ = *dst; *dst++ = t; } (64 bytes) */
	prfm	pldl1strm, [x13]
	prfm	pldl1keep, [x16]
	ldp	q0, q1, [x12]
	ldp	q2, q3, [x12, #32]
	ldp	q4, q5, [x11]
	ldp	q6, q7, [x11, #32]
	stnp	q0, q1, [x11]
	stnp	q2, q3, [x11, #32]
	stnp	q4, q5, [x12]
	stnp	q6, q7, [x12, #32]
	add	x12, x12, #64
	add	x11, x11, #64
	add	x13, x13, #64
	add	x16, x16, #64
	subs	x14, x14, #64
	b.ne	.Lswap_line
	add	x15, x15, #1
	b	.Lswap_next

.Lbarrier_done:
	/* Order the non-temporal stores before whatever follows. */
	dmb	ish
	mov	x0, x15
	ret

/*
 * DIGEST: callee-saved registers carry the walk across the calls.
 *   x19 entry  x20 ptr  x21 dest  x22 state  x23 blocks  x24 count
 */
.Ldigest:
	/* Frame record plus the six registers the walk keeps. */
	kx_digest_enter
.Ldigest_next:
	kx_next_source x19, x20, x21, x12, .Ldigest_done
	/* Copy with ordinary stores, so the page is in L1 for the hash. */
	kx_next_pages x19, x20, x13, x16, x21
	mov	x11, x21
	mov	x14, #KX_PAGE_SIZE
.Ldigest_line:
	/* while (left) { prefetch(next); *dst++ = *src++ (128 bytes); } */
	prfm	pldl1strm, [x13]
	prfm	pldl1strm, [x13, #64]
	ldp	q0, q1, [x12]
	ldp	q2, q3, [x12, #32]
	ldp	q4, q5, [x12, #64]
	ldp	q6, q7, [x12, #96]
	stp	q0, q1, [x11]
	stp	q2, q3, [x11, #32]
	stp	q4, q5, [x11, #64]
	stp	q6, q7, [x11, #96]
	add	x12, x12, #128
	add	x11, x11, #128
	add	x13, x13, #128
	subs	x14, x14, #128
	b.ne	.Ldigest_line
	/* blocks(state, dest, 64); dest += PAGE_SIZE */
	mov	x0, x22
	mov	x1, x21
	mov	x2, #KX_PAGE_SIZE / 64
	blr	x23
	add	x21, x21, #KX_PAGE_SIZE
	add	x24, x24, #1
	b	.Ldigest_next
.Ldigest_done:
	/* Return the count; restore the caller's registers. */
	mov	x0, x24
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x29, x30, [sp], #64
	ret

/*
 * SWAP_DIGEST: each page exchanged as in SWAP, with STP so that the
 * destination is in cache, then blocks(state, dest, 64).  The same frame
 * and registers as DIGEST (x19 entry x20 ptr x21 dest x22 state x23
 * blocks x24 count); it returns through .Ldigest_done.
 */
.Lswap_digest:
	kx_digest_enter
.Lsd_next:
	kx_next_source x19, x20, x21, x12, .Ldigest_done
	mov	x11, x21
	mov	x14, #KX_PAGE_SIZE
.Lsd_line:
	/* while (left) { t = *src; *src++ = *dst; *dst++ = t; } (64 bytes) */
	ldp	q0, q1, [x12]
	ldp	q2, q3, [x12, #32]
	ldp	q4, q5, [x11]
	ldp	q6, q7, [x11, #32]
	stp	q0, q1, [x11]
	stp	q2, q3, [x11, #32]
	stp	q4, q5, [x12]
	stp	q6, q7, [x12, #32]
	add	x12, x12, #64
	add	x11, x11, #64
	subs	x14, x14, #64
	b.ne	.Lsd_line
	/* blocks(state, dest, 64); dest += PAGE_SIZE */
	mov	x0, x22
	mov	x1, x21
	mov	x2, #KX_PAGE_SIZE / 64
	blr	x23
	add	x21, x21, #KX_PAGE_SIZE
	add	x24, x24, #1
	b	.Lsd_next
KX_FUNC_END(kx_relocate_pages)



/*
 * Registers of the prologues (kx_trampoline_aarch64, _call, _back):
 *   x19 args  x20 ttbr0  x21 tcr  x22 mair  x23 head  x24 entry  x25 mode
 *   x26 CurrentEL  x27 line size  x9-x16 scratch
 */

/*
 * void kx_trampoline_aarch64(const struct kx_tramp_aarch64 *args)
 *
 * The privileged hand-off, run by a loader after it has left the firmware
 * (ExitBootServices): switch to the loader's identity map, move the pages
 * with the MMU and caches on, clean what the next stage reads to the
 * point of coherency, turn the MMU and caches off and enter purgatory as
 * Linux's arm64_relocate_new_kernel does.  Does not return.
 *
 * In:       x0 = args (include/kx/trampoline.h): ttbr0, tcr (in the
 *           layout of this EL's TCR), mair, head, entry, mode, clean[],
 *           hash, hash_stack.
 *           EL1, or EL2 with E2H 0 or 1; MMU and caches on over the
 *           firmware's identity map; FP/SIMD usable (UEFI's rule).
 * Assumes:  this code runs from a copy of [kx_trampoline_aarch64_start,
 *           kx_trampoline_aarch64_end) in a page no copy writes (the
 *           control page), cleaned to the PoC and the I-cache invalidated
 *           by the loader (it is fetched with the MMU off for a moment);
 *           the new map maps it, args, the list and every page of the
 *           list as Normal write-back memory, as the firmware's map does.
 * Uses:     x0-x1, x9-x16, x19-x27, q0-q7; no stack, no memory writes but
 *           the copy's; with a hash (KX_PL_DIGEST), whatever it uses of
 *           x0-x18, x30 and its stack.
 * Leaves:   DAIF masked; MMU, data and instruction caches off at the same
 *           EL; every page the list wrote and each clean[] range cleaned
 *           to the PoC, the I-cache invalidated; x0-x3 = 0 (purgatory
 *           takes no argument); jumps to args->entry.
 */
KX_CODE_START(kx_trampoline_aarch64)
	/* No exception may reach the firmware's vectors any more. */
	msr	daifset, #0xf
.Ltramp_go:
	mov	x19, x0
	bl	.Lload_args
	bl	.Lmap_on
	/* In KX_PL_DIGEST or KX_PL_SWAP_DIGEST, args->hash(head, engine,
	 * mode) runs the engine (this copy of kx_relocate_pages) with its own
	 * hash, on args->hash_stack: a C call, which keeps x19-x28 (AAPCS64). */
	mov	x0, x23
	mov	x1, x25
	mov	x2, xzr
	mov	x3, xzr
	cmp	x25, #KX_PL_DIGEST
	b.lo	.Lcopy_plain
	/* Without a hash (it would branch to 0): COPY or SWAP plainly. */
	ldr	x9, [x19, #KX_TA64_HASH]
	sub	x1, x25, #KX_PL_DIGEST
	cbz	x9, .Lcopy_plain
	ldr	x10, [x19, #KX_TA64_HASH_STACK]
	mov	sp, x10
	adr	x1, .Lrelocate_pages
	mov	x2, x25
	blr	x9
	b	.Lcopied
.Lcopy_plain:
	/* kx_relocate_pages(head, mode, NULL, NULL), caches on. */
	bl	.Lrelocate_pages
.Lcopied:
	/* Purgatory starts with the MMU off. */
	bl	.Lclean_list
	bl	.Lmmu_off
	mov	x0, xzr
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	br	x24
KX_CODE_END(kx_trampoline_aarch64)

/*
 * .Lload_args: x20-x25 from args (x19), x26 = CurrentEL, x27 = the data
 * cache line (4 << CTR_EL0.DminLine).  Uses x9.
 */
.Lload_args:
	ldp	x20, x21, [x19, #KX_TA64_TTBR0]
	ldp	x22, x23, [x19, #KX_TA64_MAIR]
	ldp	x24, x25, [x19, #KX_TA64_ENTRY]
	mrs	x26, CurrentEL
	kx_a64_dcache_line x27, x9
	ret

/*
 * .Lmap_on: the loader's identity map (x20 ttbr0, x21 tcr, x22 mair) at
 * this EL (x26), MMU and caches on.  The MMU is off only for the few
 * instructions that load the map, which touch no data: the data cache's
 * lines stay valid and are found again under the new map's same
 * attributes.  Uses x9.
 */
.Lmap_on:
	cmp	x26, #CURRENTEL_EL2
	b.eq	.Lmap_on_el2
	kx_a64_translation_off el1, x9
	kx_a64_load_map el1, x22, x21, x20, vmalle1
	kx_a64_mmu_on el1, x9
	ret
.Lmap_on_el2:
	kx_a64_translation_off el2, x9
	kx_a64_load_map el2, x22, x21, x20, alle2
	kx_a64_mmu_on el2, x9
	ret

/*
 * .Lclean_list: every page of the list (x23; swap, x25, wrote the sources
 * too) and each args->clean[] range cleaned and invalidated to the PoC,
 * with the MMU on or off.  Uses x9-x16.
 */
.Lclean_list:
	mov	x9, x23
	mov	x10, xzr
	mov	x11, xzr
.Lclean_next:
	kx_next_source x9, x10, x11, x12, .Lclean_ranges
	add	x13, x11, #KX_PAGE_SIZE
	kx_a64_dcache_by_line civac, x11, x13, x27, x16
	/* SWAP and SWAP_DIGEST (bit 0) wrote the sources too. */
	tbz	x25, #0, .Lclean_next
	add	x13, x12, #KX_PAGE_SIZE
	kx_a64_dcache_by_line civac, x12, x13, x27, x16
	b	.Lclean_next
.Lclean_ranges:
	add	x14, x19, #KX_TA64_CLEAN
	mov	x15, #KX_TRAMP_A64_CLEAN
.Lclean_range:
	ldp	x11, x13, [x14], #16
	cmp	x11, x13
	b.hs	.Lclean_skip
	kx_a64_dcache_by_line civac, x11, x13, x27, x16
.Lclean_skip:
	subs	x15, x15, #1
	b.ne	.Lclean_range
	dsb	sy
	ret

/* .Lmmu_off: MMU and caches off at this EL (x26), I-cache invalidated,
 * as arm64_relocate_new_kernel leaves them.  Uses x9. */
.Lmmu_off:
	cmp	x26, #CURRENTEL_EL2
	b.eq	.Lmmu_off_el2
	kx_a64_mmu_off el1, x9
	b	.Lmmu_off_done
.Lmmu_off_el2:
	kx_a64_mmu_off el2, x9
.Lmmu_off_done:
	kx_a64_icache_inval
	ret

/*
 * struct kx_jump_result kx_trampoline_aarch64_call(struct kx_tramp_aarch64 *args)
 *
 * A round trip: saves the caller's state in args, moves the pages
 * (args->mode, KX_PL_SWAP so that the way back can undo it) and enters
 * purgatory as kx_trampoline_aarch64 does; the setup page names the copy
 * of kx_trampoline_aarch64_back as the jump-back entry.  Returns, as a C
 * function, when the called image or purgatory jumps back: x0 the result,
 * x1 KX_JUMP_FROM_IMAGE or KX_JUMP_FROM_PURGATORY.
 *
 * In:       x0 = args; as kx_trampoline_aarch64, called from C (AAPCS64).
 * Assumes:  only the copy in the control page is called: it keeps args in
 *           itself (.Lcall_args), so the page must be writable; the
 *           caller's stack and tables may lie in pages the list swaps:
 *           nothing of them is touched between the swap and the swap back.
 * Saves:    x19-x30, sp, DAIF, and this EL's SCTLR, TCR, MAIR, TTBR0 and
 *           VBAR in args (cleaned to the PoC: the way back reads it with
 *           the MMU off).
 * Does not: keep the FP/SIMD registers, nor take exceptions while away.
 */
KX_CODE_START(kx_trampoline_aarch64_call)
	stp	x19, x20, [x0, #KX_TA64_SAVE_REGS]
	stp	x21, x22, [x0, #KX_TA64_SAVE_REGS + 0x10]
	stp	x23, x24, [x0, #KX_TA64_SAVE_REGS + 0x20]
	stp	x25, x26, [x0, #KX_TA64_SAVE_REGS + 0x30]
	stp	x27, x28, [x0, #KX_TA64_SAVE_REGS + 0x40]
	stp	x29, x30, [x0, #KX_TA64_SAVE_REGS + 0x50]
	mov	x9, sp
	str	x9, [x0, #KX_TA64_SAVE_SP]
	mrs	x9, daif
	str	x9, [x0, #KX_TA64_SAVE_DAIF]
	msr	daifset, #0xf
	mrs	x14, CurrentEL
	cmp	x14, #CURRENTEL_EL2
	b.eq	.Lcall_save_el2
	mrs	x9, sctlr_el1
	mrs	x10, tcr_el1
	mrs	x11, mair_el1
	mrs	x12, ttbr0_el1
	mrs	x13, vbar_el1
	b	.Lcall_saved
.Lcall_save_el2:
	mrs	x9, sctlr_el2
	mrs	x10, tcr_el2
	mrs	x11, mair_el2
	mrs	x12, ttbr0_el2
	mrs	x13, vbar_el2
.Lcall_saved:
	stp	x9, x10, [x0, #KX_TA64_SAVE_SCTLR]
	stp	x11, x12, [x0, #KX_TA64_SAVE_MAIR]
	str	x13, [x0, #KX_TA64_SAVE_VBAR]
	ldr	x9, [x0, #KX_TA64_CALLS]
	add	x9, x9, #1
	str	x9, [x0, #KX_TA64_CALLS]
	/* args in the blob, and both to the PoC, for the MMU-off way back. */
	adr	x9, .Lcall_args
	str	x0, [x9]
	dc	civac, x9
	mov	x9, x0
	add	x10, x0, #KX_TA64_SIZE
	kx_a64_dcache_line x12, x11
	kx_a64_dcache_by_line civac, x9, x10, x12, x13
	dsb	sy
	b	.Ltramp_go
KX_CODE_END(kx_trampoline_aarch64_call)

/*
 * kx_trampoline_aarch64_back: the jump-back entry (docs/abi.md 2.4).
 *
 * In:       x0 = the result, x1 = KX_JUMP_FROM_*; the EL of the call, the
 *           MMU on (identity-mapping this page, RAM Normal write-back) or
 *           off; anything else clobbered.
 * Does:     MMU off; the list's pages and the clean[] ranges cleaned and
 *           invalidated (the image's dirty lines written back, stale lines
 *           dropped); the identity map on; the list run again (the swap
 *           back); the caller's translation regime, vectors, stack,
 *           callee-saved registers and DAIF restored; returns from
 *           kx_trampoline_aarch64_call with x0, x1.
 */
KX_CODE_START(kx_trampoline_aarch64_back)
	msr	daifset, #0xf
	mov	x28, x0
	mov	x29, x1
	adr	x9, .Lcall_args
	ldr	x19, [x9]
	bl	.Lload_args
	bl	.Lmmu_off
	bl	.Lclean_list
	bl	.Lmap_on
	/* The swap back: the same list exchanges the same pairs again,
	 * plainly (whatever hashed on the way out). */
	mov	x0, x23
	mov	x1, #KX_PL_SWAP
	mov	x2, xzr
	mov	x3, xzr
	bl	.Lrelocate_pages
	/* The caller's regime, the MMU off while it is loaded. */
	ldp	x9, x10, [x19, #KX_TA64_SAVE_SCTLR]
	ldp	x11, x12, [x19, #KX_TA64_SAVE_MAIR]
	ldr	x13, [x19, #KX_TA64_SAVE_VBAR]
	cmp	x26, #CURRENTEL_EL2
	b.eq	.Lback_el2
	kx_a64_translation_off el1, x14
	msr	vbar_el1, x13
	kx_a64_load_map el1, x11, x10, x12, vmalle1
	kx_a64_icache_inval
	msr	sctlr_el1, x9
	b	.Lback_regime
.Lback_el2:
	kx_a64_translation_off el2, x14
	msr	vbar_el2, x13
	kx_a64_load_map el2, x11, x10, x12, alle2
	kx_a64_icache_inval
	msr	sctlr_el2, x9
.Lback_regime:
	isb
	/* The caller's stack, registers and DAIF; x0, x1 the result. */
	mov	x0, x28
	mov	x1, x29
	mov	x15, x19
	ldr	x9, [x15, #KX_TA64_SAVE_SP]
	mov	sp, x9
	ldr	x14, [x15, #KX_TA64_SAVE_DAIF]
	ldp	x19, x20, [x15, #KX_TA64_SAVE_REGS]
	ldp	x21, x22, [x15, #KX_TA64_SAVE_REGS + 0x10]
	ldp	x23, x24, [x15, #KX_TA64_SAVE_REGS + 0x20]
	ldp	x25, x26, [x15, #KX_TA64_SAVE_REGS + 0x30]
	ldp	x27, x28, [x15, #KX_TA64_SAVE_REGS + 0x40]
	ldp	x29, x30, [x15, #KX_TA64_SAVE_REGS + 0x50]
	msr	daif, x14
	ret
KX_CODE_END(kx_trampoline_aarch64_back)

	.balign 8
.Lcall_args:	/* args of the current round trip, written by _call */
	.quad	0

	/* The blob and the loader's arguments share one control page: the
	 * build refuses a blob over 2 KiB (scripts/check-no-relocs.sh). */
	.globl kx_trampoline_aarch64_end
kx_trampoline_aarch64_end:

KX_ASM_NOTE_GNU_STACK
