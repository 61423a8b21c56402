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
#include <kx/asm.h>
#include <kx/page_list.h>

#if IND_DESTINATION != 1 || IND_INDIRECTION != 2 || IND_DONE != 4 || \
	IND_SOURCE != 8 || KX_PAGE_SIZE != 4096
#error "relocate_aarch64.S assumes Linux's entry flags and 4 KiB pages"
#endif

#define PAGE_MASK 0xfffffffffffff000

	.text

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
 * In:       x0 head entry, x1 mode (KX_PL_COPY, _SWAP, _DIGEST),
 *           x2 SHA-256 state, x3 block function (DIGEST only).
 * Out:      x0 pages copied or swapped.
 * Clobbers: COPY, SWAP: x0-x1 x9-x16 q0-q7, flags; no stack.
 *           DIGEST: as a C call (saves what it uses on the stack; calls
 *           blocks).
 * Assumes:  identity-mapped list and pages, a list valid per Linux's
 *           format, FP/SIMD usable.
 *
 * Registers while walking (COPY, SWAP):
 *   x9 entry  x10 ptr  x11 dest  x12 src  x13 next source page
 *   x16 next destination page  x14 bytes left in the page  x15 count
 */
KX_FUNC_START(kx_relocate_pages)
	/* Start at the head with no destination yet. */
	mov	x9, x0
	mov	x10, xzr
	mov	x11, xzr
	mov	x15, xzr
	cmp	x1, #KX_PL_SWAP
	b.eq	.Lswap_next
	cmp	x1, #KX_PL_DIGEST
	b.eq	.Ldigest

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
KX_FUNC_END(kx_relocate_pages)

KX_ASM_NOTE_GNU_STACK
