/* SPDX-License-Identifier: MIT */
/*
 * x86_64 relocation trampoline: the page-list engine.
 *
 * kx_relocate_pages is the page-walking core, callable from C
 * (include/kx/page_list.h) and from the privileged prologue alike: it uses
 * no privileged instruction and no absolute address, so it runs wherever
 * it is copied and under a host test where "physical" addresses are user
 * pointers.  It needs SSE2 (CR4.OSFXSR set by whoever enables it).
 *
 * Copying: pages are scattered, so the hardware prefetcher stops at every
 * page boundary.  While one page is copied, each 64-byte step prefetches
 * the matching line of the next source page, and stores are non-temporal
 * (no read-for-ownership of destinations that nobody reads again).  Swap
 * exchanges the two pages through eight XMM registers, 64 bytes each way,
 * with non-temporal stores both ways.  Digest copies a 1 KiB chunk at a
 * time with ordinary stores and hashes it at once, from L1.
 */
#include <kexec_abi.h>
#include <kx/asm.h>
#include <kx/page_list.h>
#include <kx/trampoline.h>
#include <kx/x86_regs.h>

#if IND_DESTINATION != 1 || IND_INDIRECTION != 2 || IND_DONE != 4 || \
	IND_SOURCE != 8 || KX_PAGE_SIZE != 4096
#error "relocate_x86_64.S assumes Linux's entry flags and 4 KiB pages"
#endif
#if KX_PL_COPY != 0 || KX_PL_SWAP != 1 || KX_PL_DIGEST != 2 || KX_PL_SWAP_DIGEST != 3
#error ".Lmove turns DIGEST into COPY and SWAP_DIGEST into SWAP by subtracting"
#endif

	.text
	.code64

/* The trampoline blob: kx_relocate_pages and the privileged prologue,
 * copied together to a control page (see kx_trampoline_x86_64). */
	.globl kx_trampoline_x86_64_start
kx_trampoline_x86_64_start:

/*
 * kx_next_source entry, ptr, dest, src, done
 *
 * Decodes entries from \entry on until a source, in Linux's order of
 * precedence (destination, indirection, done, source; an entry with no
 * flag is skipped).  In: \entry, \ptr = address of the entry after it,
 * \dest.  Out: \src = the source page; \entry = the following entry,
 * already read (the caller prefetches its page), \ptr past it; \dest
 * updated by destination entries.  Jumps to \done at IND_DONE.
 */
.macro kx_next_source entry, ptr, dest, src, done
.Ldecode\@:
	/* Dispatch on the flags. */
	test	$IND_DESTINATION, \entry
	jnz	.Ldestination\@
	test	$IND_INDIRECTION, \entry
	jnz	.Lindirection\@
	test	$IND_DONE, \entry
	jnz	\done
	test	$IND_SOURCE, \entry
	jnz	.Lsource\@
	jmp	.Lfetch\@
.Ldestination\@:
	/* dest = entry & PAGE_MASK */
	mov	\entry, \dest
	and	$-KX_PAGE_SIZE, \dest
	jmp	.Lfetch\@
.Lindirection\@:
	/* ptr = entry & PAGE_MASK */
	mov	\entry, \ptr
	and	$-KX_PAGE_SIZE, \ptr
.Lfetch\@:
	/* entry = *ptr++ */
	mov	(\ptr), \entry
	add	$8, \ptr
	jmp	.Ldecode\@
.Lsource\@:
	/* src = entry & PAGE_MASK; entry = *ptr++, read ahead */
	mov	\entry, \src
	and	$-KX_PAGE_SIZE, \src
	mov	(\ptr), \entry
	add	$8, \ptr
.endm

/*
 * kx_swap_line STORE: exchanges the 64 bytes at (%rsi, %rcx) and
 * (%rdi, %rcx) through %xmm0-7, writing with STORE (movntdq: past the
 * cache; movdqa: into it, for a hash that reads the pages next).
 */
.macro kx_swap_line st
	movdqa	(%rsi, %rcx), %xmm0
	movdqa	16(%rsi, %rcx), %xmm1
	movdqa	32(%rsi, %rcx), %xmm2
	movdqa	48(%rsi, %rcx), %xmm3
	movdqa	(%rdi, %rcx), %xmm4
	movdqa	16(%rdi, %rcx), %xmm5
	movdqa	32(%rdi, %rcx), %xmm6
	movdqa	48(%rdi, %rcx), %xmm7
	\st	%xmm0, (%rdi, %rcx)
	\st	%xmm1, 16(%rdi, %rcx)
	\st	%xmm2, 32(%rdi, %rcx)
	\st	%xmm3, 48(%rdi, %rcx)
	\st	%xmm4, (%rsi, %rcx)
	\st	%xmm5, 16(%rsi, %rcx)
	\st	%xmm6, 32(%rsi, %rcx)
	\st	%xmm7, 48(%rsi, %rcx)
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
	mov	\entry, \next_src
	lea	KX_PAGE_SIZE(\dest), \next_dest
	test	$IND_DESTINATION, \entry
	jz	.Lmask\@
	/* A destination first: it is next_dest, the entry after it next_src. */
	mov	\entry, \next_dest
	and	$-KX_PAGE_SIZE, \next_dest
	mov	(\ptr), \next_src
.Lmask\@:
	and	$-KX_PAGE_SIZE, \next_src
.endm

/*
 * uint64_t kx_relocate_pages(uint64_t head, uint64_t mode,
 *                            uint32_t state[8], kx_sha256_blocks_fn blocks);
 *
 * In:       %rdi head entry, %rsi mode (KX_PL_COPY, _SWAP, _DIGEST,
 *           _SWAP_DIGEST),
 *           %rdx SHA-256 state, %rcx block function (DIGEST only).
 * Out:      %rax pages copied or swapped.
 * Clobbers: COPY, SWAP: %rcx %rdx %rsi %rdi %r8-%r10 %xmm0-%xmm7, flags;
 *           no stack beyond the return address.  DIGEST, SWAP_DIGEST: as a C call
 *           (saves what it uses on the stack; calls blocks).
 * Assumes:  identity-mapped list and pages, a list valid per Linux's
 *           format, SSE2 usable, DF clear (SysV).
 *
 * Registers while walking (COPY, SWAP):
 *   %r9 entry  %r10 ptr  %rdi dest  %rsi src  %rdx next source page
 *   %r8 next destination page  %rcx offset from the end of the pages
 *   (-4096..0)  %rax count
 *
 * The copy, swap and digest loops walk the list alike but are written out
 * one per mode on purpose: each has its own prefetch distance and store
 * kind, tuned in make bench (README, Performance), and no per-line test
 * of the mode.
 */
KX_FUNC_START(kx_relocate_pages)
.Lrelocate_pages:	/* local name: calls from the prologue need no relocation */
	/* Start at the head with no destination yet. */
	mov	%rdi, %r9
	xor	%eax, %eax
	xor	%edi, %edi
	xor	%r10d, %r10d
	cmp	$KX_PL_SWAP, %rsi
	je	.Lswap_next
	cmp	$KX_PL_DIGEST, %rsi
	je	.Ldigest
	cmp	$KX_PL_SWAP_DIGEST, %rsi
	je	.Lswap_digest

.Lcopy_next:
	kx_next_source %r9, %r10, %rdi, %rsi, .Lfence_done
	/* Point at the ends of the pages: this one and the next source. */
	kx_next_pages %r9, %r10, %rdx, %r8, %rdi
	add	$KX_PAGE_SIZE, %rdi
	add	$KX_PAGE_SIZE, %rsi
	add	$KX_PAGE_SIZE, %rdx
	mov	$-KX_PAGE_SIZE, %rcx
.Lcopy_line:
	/* for (i = -4096; i; i += 64) { prefetch(next + i); dst[i] = src[i]; } */
	prefetcht0 (%rdx, %rcx)
	movdqa	(%rsi, %rcx), %xmm0
	movdqa	16(%rsi, %rcx), %xmm1
	movdqa	32(%rsi, %rcx), %xmm2
	movdqa	48(%rsi, %rcx), %xmm3
	movntdq	%xmm0, (%rdi, %rcx)
	movntdq	%xmm1, 16(%rdi, %rcx)
	movntdq	%xmm2, 32(%rdi, %rcx)
	movntdq	%xmm3, 48(%rdi, %rcx)
	add	$64, %rcx
	jnz	.Lcopy_line
	/* %rdi is now dest + PAGE_SIZE, the next destination. */
	inc	%rax
	jmp	.Lcopy_next

.Lswap_next:
	kx_next_source %r9, %r10, %rdi, %rsi, .Lfence_done
	/* As for copy; the next destination is prefetched too. */
	kx_next_pages %r9, %r10, %rdx, %r8, %rdi
	add	$KX_PAGE_SIZE, %rdi
	add	$KX_PAGE_SIZE, %rsi
	add	$KX_PAGE_SIZE, %rdx
	add	$KX_PAGE_SIZE, %r8
	mov	$-KX_PAGE_SIZE, %rcx
.Lswap_line:
	/* for (i = -4096; i; i += 64) { t = src[i]; src[i] = dst[i]; dst[i] = t; } */
	prefetcht0 (%rdx, %rcx)
	prefetcht0 (%r8, %rcx)
	kx_swap_line movntdq
	add	$64, %rcx
	jnz	.Lswap_line
	inc	%rax
	jmp	.Lswap_next

.Lfence_done:
	/* Non-temporal stores are weakly ordered: drain them before leaving. */
	sfence
	ret

/*
 * DIGEST: each page is copied and hashed a chunk at a time, so that a
 * chunk is hashed straight from L1 after it was written, and the
 * prefetches of the next source and destination pages (64 lines each) go
 * out in four bursts spread over this page's hashing (SHA-NI takes about
 * 2 us a page, ample for memory) rather than all at once ahead of it.
 * Measured on AMD Zen 5 against the hash alone (bench/bench.c, "kx
 * copy+digest"): a page at a time with source prefetch 1.06-1.17x,
 * 1 KiB chunks 1.03-1.07x, with destination prefetch too 1.01-1.05x;
 * 512-byte chunks as 1 KiB, 256 bytes (more calls) and 2 KiB worse.
 *
 * Callee-saved registers carry the walk across the calls:
 *   %rbx entry  %r12 ptr  %r13 dest  %r14 state  %r15 blocks
 *   %rbp offset of the chunk in the page (0..4096)
 * and the stack frame the page's other values:
 *   SRC(%rsp) source page  NEXT(%rsp) next source page
 *   NDST(%rsp) next destination page  COUNT(%rsp) count
 */
#define DIGEST_CHUNK	1024
#define SRC		0
#define NEXT		8
#define COUNT		16
#define NDST		24
.Ldigest:
	/* Save what the walk keeps; 6 pushes + 40 bytes of frame + return
	 * address: 96, a multiple of 16 as calls want. */
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	sub	$40, %rsp
	mov	%r9, %rbx
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	mov	%rdx, %r14
	mov	%rcx, %r15
	movq	$0, COUNT(%rsp)
.Ldigest_next:
	kx_next_source %rbx, %r12, %r13, %rsi, .Ldigest_done
	kx_next_pages %rbx, %r12, %rdx, %r8, %r13
	mov	%rsi, SRC(%rsp)
	mov	%rdx, NEXT(%rsp)
	mov	%r8, NDST(%rsp)
	xor	%ebp, %ebp
.Ldigest_chunk:
	/* Point at the chunk's ends in dest, source, next source and next
	 * destination pages. */
	lea	DIGEST_CHUNK(%r13, %rbp), %rdi
	mov	SRC(%rsp), %rsi
	lea	DIGEST_CHUNK(%rsi, %rbp), %rsi
	mov	NEXT(%rsp), %rdx
	lea	DIGEST_CHUNK(%rdx, %rbp), %rdx
	mov	NDST(%rsp), %r8
	lea	DIGEST_CHUNK(%r8, %rbp), %r8
	mov	$-DIGEST_CHUNK, %rcx
.Ldigest_line:
	/* for (i = -CHUNK; i; i += 64) {
	 *	prefetch(next_src + i); prefetch(next_dst + i); dst[i] = src[i];
	 * }
	 * Ordinary stores: the chunk is hashed from L1 next. */
	prefetcht0 (%rdx, %rcx)
	prefetcht0 (%r8, %rcx)
	movdqa	(%rsi, %rcx), %xmm0
	movdqa	16(%rsi, %rcx), %xmm1
	movdqa	32(%rsi, %rcx), %xmm2
	movdqa	48(%rsi, %rcx), %xmm3
	movdqa	%xmm0, (%rdi, %rcx)
	movdqa	%xmm1, 16(%rdi, %rcx)
	movdqa	%xmm2, 32(%rdi, %rcx)
	movdqa	%xmm3, 48(%rdi, %rcx)
	add	$64, %rcx
	jnz	.Ldigest_line
	/* blocks(state, dest + offset, CHUNK / 64); offset += CHUNK */
	mov	%r14, %rdi
	lea	(%r13, %rbp), %rsi
	mov	$DIGEST_CHUNK / 64, %edx
	call	*%r15
	add	$DIGEST_CHUNK, %rbp
	cmp	$KX_PAGE_SIZE, %rbp
	jne	.Ldigest_chunk
	/* The page is done: dest += PAGE_SIZE, count++ */
	add	$KX_PAGE_SIZE, %r13
	incq	COUNT(%rsp)
	jmp	.Ldigest_next
.Ldigest_done:
	/* Return the count; restore the caller's registers. */
	mov	COUNT(%rsp), %rax
	add	$40, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
#undef DIGEST_CHUNK
#undef SRC
#undef NEXT
#undef COUNT
#undef NDST

/*
 * SWAP_DIGEST: each page exchanged as in SWAP, with ordinary stores so
 * that the destination is in cache, then blocks(state, dest, 64): a whole
 * page at a time (a round trip's payload is small; no prefetch tuning).
 * Callee-saved registers carry the walk across the calls:
 *   %rbx entry  %r12 ptr  %r13 dest  %r14 state  %r15 blocks  %rbp count
 */
.Lswap_digest:
	/* 6 pushes + 8 bytes + return address: 64, as calls want. */
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	sub	$8, %rsp
	mov	%r9, %rbx
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	mov	%rdx, %r14
	mov	%rcx, %r15
	xor	%ebp, %ebp
.Lsd_next:
	kx_next_source %rbx, %r12, %r13, %rsi, .Lsd_done
	lea	KX_PAGE_SIZE(%r13), %rdi
	add	$KX_PAGE_SIZE, %rsi
	mov	$-KX_PAGE_SIZE, %rcx
.Lsd_line:
	/* for (i = -4096; i; i += 64) { t = src[i]; src[i] = dst[i]; dst[i] = t; } */
	kx_swap_line movdqa
	add	$64, %rcx
	jnz	.Lsd_line
	/* blocks(state, dest, PAGE_SIZE / 64); dest += PAGE_SIZE; count++ */
	mov	%r14, %rdi
	mov	%r13, %rsi
	mov	$KX_PAGE_SIZE / 64, %edx
	call	*%r15
	add	$KX_PAGE_SIZE, %r13
	inc	%rbp
	jmp	.Lsd_next
.Lsd_done:
	mov	%rbp, %rax
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
KX_FUNC_END(kx_relocate_pages)


/*
 * void kx_trampoline_x86_64(const struct kx_tramp_x86_64 *args)
 *
 * The privileged hand-off, run by a loader after it has left the firmware
 * (ExitBootServices): switch to the loader's identity map, move the pages,
 * enter purgatory.  Does not return.
 *
 * In:       %rdi = args (include/kx/trampoline.h): cr3, head, entry,
 *           stack_top, mode, hash, hash_stack; 64-bit mode, called from C.
 * Assumes:  this code runs from a copy of [kx_trampoline_x86_64_start,
 *           kx_trampoline_x86_64_end) in a page no copy writes (the
 *           control page), identity-mapped in both the current and the
 *           new page tables, as are args, the stack and every page of the
 *           list; nothing of the firmware is needed any more.
 * Uses:     everything; the old GDT and IDT are not touched again (no
 *           segment loads, interrupts stay off): purgatory loads its own.
 * Leaves:   interrupts off, SSE enabled, CR3 = args->cr3, %rsp = a stack
 *           whose top word is 0 (no kexec-jump return address), and jumps
 *           to args->entry.
 */
KX_CODE_START(kx_trampoline_x86_64)
	cli
	/* Keep args in a register the engine leaves alone (%rbx); no
	 * jump-back entry (%r12 = 0). */
	mov	%rdi, %rbx
	xor	%r12d, %r12d
	jmp	.Lhandoff
KX_CODE_END(kx_trampoline_x86_64)

/*
 * .Lhandoff: the way out, shared by both prologues.
 * In:   %rbx = args, %r12 = the word purgatory finds at 0(%rsp) (the
 *       jump-back entry, or 0), interrupts off.
 * Uses: everything but %rbx and %r12; jumps to args->entry on the stack
 *       args->stack_top - 8, whose word is %r12.
 */
.Lhandoff:
	mov	KX_TX86_STACK(%rbx), %rsp
	call	.Lmove
	/* Purgatory expects 0(%rsp) = kexec-jump return address. */
	mov	KX_TX86_ENTRY(%rbx), %rax
	mov	KX_TX86_STACK(%rbx), %rsp
	push	%r12
	jmp	*%rax

/*
 * .Lmove: SIMD on, the loader's identity map, then the page list in
 * args->mode; in KX_PL_DIGEST or KX_PL_SWAP_DIGEST, args->hash(head,
 * engine, mode) runs the engine (this copy of kx_relocate_pages) with its
 * own hash, on args->hash_stack.
 * In:   %rbx = args, a stack in the control page, interrupts off.
 * Uses: %rax %rcx %rdx %rsi %rdi %r8-%r10 %xmm0-%xmm7, CR0, CR3, CR4;
 *       with a hash, what it uses beyond the SysV callee-saved registers
 *       (%rbp keeps our stack across it).
 */
.Lmove:
	/* SIMD for the engine. */
	kx_x86_simd_on %rax
	/* The loader's identity map: the caller's tables may be moved. */
	mov	KX_TX86_CR3(%rbx), %rax
	mov	%rax, %cr3
	/* kx_relocate_pages(head, mode, NULL, NULL): PC-relative, in the copy;
	 * its ret returns to our caller. */
	mov	KX_TX86_HEAD(%rbx), %rdi
	mov	KX_TX86_MODE(%rbx), %rsi
	xor	%edx, %edx
	xor	%ecx, %ecx
	cld
	/* COPY and SWAP: the engine alone. */
	cmp	$KX_PL_DIGEST, %rsi
	jb	.Lrelocate_pages
	/* DIGEST or SWAP_DIGEST without a hash would call address 0: COPY
	 * or SWAP plainly. */
	mov	KX_TX86_HASH(%rbx), %rax
	test	%rax, %rax
	jz	.Lmove_plain
	/* hash(head, engine, mode) on its stack; back on ours for the ret. */
	mov	%rsi, %rdx
	mov	%rsp, %rbp
	mov	KX_TX86_HASH_STACK(%rbx), %rsp
	lea	.Lrelocate_pages(%rip), %rsi
	call	*%rax
	mov	%rbp, %rsp
	ret
.Lmove_plain:
	sub	$KX_PL_DIGEST, %rsi
	jmp	.Lrelocate_pages

/*
 * .Lswap_back: a round trip's way back: SIMD on, the identity map, the
 * list swapped back plainly (whatever hashed on the way out).
 * In, Uses: as .Lmove without a hash.
 */
.Lswap_back:
	kx_x86_simd_on %rax
	mov	KX_TX86_CR3(%rbx), %rax
	mov	%rax, %cr3
	mov	KX_TX86_HEAD(%rbx), %rdi
	mov	$KX_PL_SWAP, %esi
	xor	%edx, %edx
	xor	%ecx, %ecx
	cld
	jmp	.Lrelocate_pages

/*
 * struct kx_jump_result kx_trampoline_x86_64_call(struct kx_tramp_x86_64 *args)
 *
 * A round trip: saves the caller's state in args, moves the pages
 * (args->mode, KX_PL_SWAP so that the way back can undo it) and enters
 * purgatory with kx_trampoline_x86_64_back at 0(%rsp).  Returns, as a C
 * function, when the called image or purgatory jumps back: %rax the
 * result, %rdx KX_JUMP_FROM_IMAGE or KX_JUMP_FROM_PURGATORY.
 *
 * In:       %rdi = args; 64-bit mode, CPL 0, called from C (SysV).
 * Assumes:  as kx_trampoline_x86_64, and the caller's state (stack, page
 *           tables, GDT, IDT) may lie in pages the list swaps: nothing of
 *           it is touched between the swap and the swap back.
 * Saves:    %rbx %rbp %r12-%r15 and RFLAGS on the caller's stack; %rsp,
 *           CR0, CR3, CR4, EFER, FS/GS/kernel-GS bases, GDTR, IDTR and
 *           the six segment selectors in args.
 * Does not: keep CR2, debug registers, XCR0 or the x87/SSE state, nor
 *           take interrupts or NMIs while away (no IDT is valid then).
 */
KX_CODE_START(kx_trampoline_x86_64_call)
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq
	cli
	mov	%rdi, %rbx
	/* The way back finds args here, in the copy (PC-relative). */
	mov	%rdi, .Lcall_args(%rip)
	incl	KX_TX86_CALLS(%rbx)
	mov	%rsp, KX_TX86_RSP(%rbx)
	mov	%cr0, %rax
	mov	%rax, KX_TX86_CR0(%rbx)
	mov	%cr3, %rax
	mov	%rax, KX_TX86_OLD_CR3(%rbx)
	mov	%cr4, %rax
	mov	%rax, KX_TX86_CR4(%rbx)
	mov	$KX_MSR_EFER, %ecx
	rdmsr
	mov	%eax, KX_TX86_EFER(%rbx)
	mov	%edx, KX_TX86_EFER + 4(%rbx)
	mov	$KX_MSR_FS_BASE, %ecx
	rdmsr
	mov	%eax, KX_TX86_FS_BASE(%rbx)
	mov	%edx, KX_TX86_FS_BASE + 4(%rbx)
	mov	$KX_MSR_GS_BASE, %ecx
	rdmsr
	mov	%eax, KX_TX86_GS_BASE(%rbx)
	mov	%edx, KX_TX86_GS_BASE + 4(%rbx)
	mov	$KX_MSR_KGS_BASE, %ecx
	rdmsr
	mov	%eax, KX_TX86_KGS_BASE(%rbx)
	mov	%edx, KX_TX86_KGS_BASE + 4(%rbx)
	sgdt	KX_TX86_GDTR(%rbx)
	sidt	KX_TX86_IDTR(%rbx)
	mov	%cs, KX_TX86_SEL + 0(%rbx)
	mov	%ss, KX_TX86_SEL + 2(%rbx)
	mov	%ds, KX_TX86_SEL + 4(%rbx)
	mov	%es, KX_TX86_SEL + 6(%rbx)
	mov	%fs, KX_TX86_SEL + 8(%rbx)
	mov	%gs, KX_TX86_SEL + 10(%rbx)
	lea	.Ljump_back(%rip), %r12
	jmp	.Lhandoff
KX_CODE_END(kx_trampoline_x86_64_call)

/*
 * kx_trampoline_x86_64_back: the jump-back entry (its copy's address goes
 * in the setup page's KX_REC_JUMP_BACK and at purgatory's 0(%rsp)).
 *
 * In:       %rax result, %rdx KX_JUMP_FROM_*; 64-bit mode, CPL 0,
 *           interrupts off, paging on with this page identity-mapped
 *           (any page tables, GDT, IDT and stack: none is used).
 * Uses:     everything; swaps the pages back (the same list, once more),
 *           then restores what kx_trampoline_x86_64_call saved, CS by a
 *           far return, and returns to its caller with RFLAGS (and so the
 *           interrupt flag) as they were.
 */
	.globl kx_trampoline_x86_64_back
kx_trampoline_x86_64_back:
.Ljump_back:
	cli
	mov	%rax, %r14
	mov	%rdx, %r15
	mov	.Lcall_args(%rip), %rbx
	mov	KX_TX86_STACK(%rbx), %rsp
	call	.Lswap_back
	/* The caller's memory is back: its descriptor tables, then its
	 * control registers (CR4 and EFER before CR3, whose tables may use
	 * what they enable), then its segments. */
	lgdt	KX_TX86_GDTR(%rbx)
	lidt	KX_TX86_IDTR(%rbx)
	mov	$KX_MSR_EFER, %ecx
	mov	KX_TX86_EFER(%rbx), %eax
	mov	KX_TX86_EFER + 4(%rbx), %edx
	wrmsr
	mov	KX_TX86_CR4(%rbx), %rax
	mov	%rax, %cr4
	mov	KX_TX86_OLD_CR3(%rbx), %rax
	mov	%rax, %cr3
	mov	KX_TX86_CR0(%rbx), %rax
	mov	%rax, %cr0
	mov	KX_TX86_SEL + 2(%rbx), %ss
	mov	KX_TX86_SEL + 4(%rbx), %ds
	mov	KX_TX86_SEL + 6(%rbx), %es
	mov	KX_TX86_SEL + 8(%rbx), %fs
	mov	KX_TX86_SEL + 10(%rbx), %gs
	/* Loading FS and GS reset their bases: the saved ones go last. */
	mov	$KX_MSR_FS_BASE, %ecx
	mov	KX_TX86_FS_BASE(%rbx), %eax
	mov	KX_TX86_FS_BASE + 4(%rbx), %edx
	wrmsr
	mov	$KX_MSR_GS_BASE, %ecx
	mov	KX_TX86_GS_BASE(%rbx), %eax
	mov	KX_TX86_GS_BASE + 4(%rbx), %edx
	wrmsr
	mov	$KX_MSR_KGS_BASE, %ecx
	mov	KX_TX86_KGS_BASE(%rbx), %eax
	mov	KX_TX86_KGS_BASE + 4(%rbx), %edx
	wrmsr
	/* The caller's stack, and its CS by a far return. */
	mov	KX_TX86_RSP(%rbx), %rsp
	movzwq	KX_TX86_SEL + 0(%rbx), %rax
	push	%rax
	lea	.Lback_in_cs(%rip), %rax
	push	%rax
	lretq
.Lback_in_cs:
	mov	%r14, %rax
	mov	%r15, %rdx
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	/* args of the round trip under way, for the way back. */
	.balign 8
.Lcall_args:
	.quad	0

	/* The blob and a stack must share one control page: the build
	 * refuses a blob over 2 KiB (scripts/check-no-relocs.sh). */
	.globl kx_trampoline_x86_64_end
kx_trampoline_x86_64_end:

KX_ASM_NOTE_GNU_STACK
