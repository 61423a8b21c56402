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

#if IND_DESTINATION != 1 || IND_INDIRECTION != 2 || IND_DONE != 4 || \
	IND_SOURCE != 8 || KX_PAGE_SIZE != 4096
#error "relocate_x86_64.S assumes Linux's entry flags and 4 KiB pages"
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
 * In:       %rdi head entry, %rsi mode (KX_PL_COPY, _SWAP, _DIGEST),
 *           %rdx SHA-256 state, %rcx block function (DIGEST only).
 * Out:      %rax pages copied or swapped.
 * Clobbers: COPY, SWAP: %rcx %rdx %rsi %rdi %r8-%r10 %xmm0-%xmm7, flags;
 *           no stack beyond the return address.  DIGEST: as a C call
 *           (saves what it uses on the stack; calls blocks).
 * Assumes:  identity-mapped list and pages, a list valid per Linux's
 *           format, SSE2 usable, DF clear (SysV).
 *
 * Registers while walking (COPY, SWAP):
 *   %r9 entry  %r10 ptr  %rdi dest  %rsi src  %rdx next source page
 *   %r8 next destination page  %rcx offset from the end of the pages
 *   (-4096..0)  %rax count
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
	movdqa	(%rsi, %rcx), %xmm0
	movdqa	16(%rsi, %rcx), %xmm1
	movdqa	32(%rsi, %rcx), %xmm2
	movdqa	48(%rsi, %rcx), %xmm3
	movdqa	(%rdi, %rcx), %xmm4
	movdqa	16(%rdi, %rcx), %xmm5
	movdqa	32(%rdi, %rcx), %xmm6
	movdqa	48(%rdi, %rcx), %xmm7
	movntdq	%xmm0, (%rdi, %rcx)
	movntdq	%xmm1, 16(%rdi, %rcx)
	movntdq	%xmm2, 32(%rdi, %rcx)
	movntdq	%xmm3, 48(%rdi, %rcx)
	movntdq	%xmm4, (%rsi, %rcx)
	movntdq	%xmm5, 16(%rsi, %rcx)
	movntdq	%xmm6, 32(%rsi, %rcx)
	movntdq	%xmm7, 48(%rsi, %rcx)
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
KX_FUNC_END(kx_relocate_pages)

/*
 * void kx_trampoline_x86_64(const struct kx_tramp_x86_64 *args)
 *
 * The privileged hand-off, run by a loader after it has left the firmware
 * (ExitBootServices): switch to the loader's identity map, move the pages,
 * enter purgatory.  Does not return.
 *
 * In:       %rdi = args (include/kx/trampoline.h): cr3, head, entry,
 *           stack_top, mode; 64-bit mode, called from C.
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
	/* Keep args in a register the engine leaves alone (%rbx). */
	mov	%rdi, %rbx
	mov	24(%rbx), %rsp
	/* SIMD for the engine: CR0.EM=0, CR0.MP=1, CR4.OSFXSR|OSXMMEXCPT. */
	mov	%cr0, %rax
	and	$~(1 << 2), %rax
	or	$(1 << 1), %rax
	mov	%rax, %cr0
	mov	%cr4, %rax
	or	$((1 << 9) | (1 << 10)), %rax
	mov	%rax, %cr4
	/* The loader's identity map: the firmware's tables may be overwritten. */
	mov	0(%rbx), %rax
	mov	%rax, %cr3
	/* kx_relocate_pages(head, mode, NULL, NULL): PC-relative, in the copy. */
	mov	8(%rbx), %rdi
	mov	32(%rbx), %rsi
	xor	%edx, %edx
	xor	%ecx, %ecx
	cld
	call	.Lrelocate_pages
	/* Purgatory expects 0(%rsp) = kexec-jump return address, here none. */
	mov	16(%rbx), %rax
	mov	24(%rbx), %rsp
	pushq	$0
	jmp	*%rax
KX_CODE_END(kx_trampoline_x86_64)

	/* The blob and a stack must share one control page: the build
	 * refuses a blob over 2 KiB (scripts/check-no-relocs.sh). */
	.globl kx_trampoline_x86_64_end
kx_trampoline_x86_64_end:

KX_ASM_NOTE_GNU_STACK
