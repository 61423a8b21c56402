/* SPDX-License-Identifier: MIT */
/*
 * x86_64 purgatory entry and exits, in kexec-tools' purgatory contract.
 *
 * purgatory_start  entered by Linux's relocate_kernel; runs the C code
 * entry64          enters the next image in 64-bit mode with entry64_regs
 * entry32          leaves long mode and enters it in 32-bit protected mode
 *                  with entry32_regs (entry64_regs.rip points here by
 *                  default, which is how kexec-tools selects this path)
 * entry16          goes on from there to real mode with entry16_regs
 *                  (entry32_regs.eip points here for kexec --real-mode)
 *
 * No R_X86_64_32 relocations: kexec-tools may load this image above 4 GiB.
 * 64-bit code is RIP-relative; the 32-bit code addresses its data through
 * a code segment whose base is the 32-bit code itself.
 */

#define KX_CS		0x10	/* __BOOT_CS of the Linux boot protocol */
#define KX_DS		0x18	/* __BOOT_DS */
#define KX_CS_SELF	0x20	/* 32-bit code segment based at .Lpm32 */


/* Flat 4 GiB descriptors: 64-bit code (L=1), 32-bit code (D=1), data. */
#define DESC_CODE64	0x00af9a000000ffff
#define DESC_CODE32	0x00cf9a000000ffff
#define DESC_DATA	0x00cf92000000ffff

#include <kx/purgatory.h>
#include <kx/x86_regs.h>

	.section .text.entry, "ax", @progbits
	.code64

/*
 * purgatory_start
 * In:   64-bit mode, paging on with an identity map covering this image and
 *       everything it reads, interrupts off; 0(%rsp) holds the kexec-jump
 *       return address, or 0.
 * Uses: every general register; the caller's state is not kept.
 * Sets: our GDT and segments, our stack, SSE enabled (CR0.EM=0, CR0.MP=1,
 *       CR4.OSFXSR, CR4.OSXMMEXCPT): Linux leaves OSFXSR clear, and the C
 *       code may use SSE (SHA-NI).
 */
	.globl purgatory_start
	.type purgatory_start, @function
purgatory_start:
	cli
	/* The entry time, for the time spent in purgatory: %r12. */
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r12
	/* Keep the jump-back address before leaving the caller's stack. */
	movq	0(%rsp), %rax
	movq	%rax, kx_jump_back_entry(%rip)

	/* Our own stack and GDT: the caller's may be in memory that the
	 * copy overwrote. */
	leaq	kx_stack_top(%rip), %rsp
	call	.Lload_gdt64

	/* SIMD on, x87 in its initial state. */
	kx_x86_simd_on %rax
	fninit
	cld

	/* kx_purgatory_main(entry_ticks) enters the next image (entry64)
	 * or halts: it never returns; trap if it does. */
	movq	%r12, %rdi
	call	kx_purgatory_main
	ud2
	.size purgatory_start, . - purgatory_start

/*
 * .Lload_gdt64: loads gdt64, the data segments and CS = KX_CS.
 * In:  64-bit mode, a usable stack.  Uses: %rax.
 */
.Lload_gdt64:
	leaq	gdt64(%rip), %rax
	movq	%rax, gdt64_desc + 2(%rip)
	lgdt	gdt64_desc(%rip)
	movl	$KX_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	/* Reload CS with a far return to our caller. */
	popq	%rax
	pushq	$KX_CS
	pushq	%rax
	lretq

/*
 * entry64: enters the next image in 64-bit mode.
 * In:   64-bit mode, identity map, interrupts off.
 * Uses: every general register, loaded from entry64_regs; jumps to its rip.
 */
	.globl entry64
	.type entry64, @function
entry64:
	cli
	leaq	kx_stack_top(%rip), %rsp
	call	.Lload_gdt64
	movq	entry64_regs + 8 * KX_REG_RAX(%rip), %rax
	movq	entry64_regs + 8 * KX_REG_RBX(%rip), %rbx
	movq	entry64_regs + 8 * KX_REG_RCX(%rip), %rcx
	movq	entry64_regs + 8 * KX_REG_RDX(%rip), %rdx
	movq	entry64_regs + 8 * KX_REG_RSI(%rip), %rsi
	movq	entry64_regs + 8 * KX_REG_RDI(%rip), %rdi
	movq	entry64_regs + 8 * KX_REG_RSP(%rip), %rsp
	movq	entry64_regs + 8 * KX_REG_RBP(%rip), %rbp
	movq	entry64_regs + 8 * KX_REG_R8(%rip), %r8
	movq	entry64_regs + 8 * KX_REG_R9(%rip), %r9
	movq	entry64_regs + 8 * KX_REG_R10(%rip), %r10
	movq	entry64_regs + 8 * KX_REG_R11(%rip), %r11
	movq	entry64_regs + 8 * KX_REG_R12(%rip), %r12
	movq	entry64_regs + 8 * KX_REG_R13(%rip), %r13
	movq	entry64_regs + 8 * KX_REG_R14(%rip), %r14
	movq	entry64_regs + 8 * KX_REG_R15(%rip), %r15
	jmpq	*entry64_regs + 8 * KX_REG_RIP(%rip)
	.size entry64, . - entry64

/*
 * void kx_port_return(uint64_t value, uint64_t from): a round trip's
 * way home without entering the image (fail closed, the caller kept):
 * jumps to the jump-back entry found at purgatory_start.
 * In:   %rdi value, %rsi KX_JUMP_FROM_*, kx_jump_back_entry non-zero;
 *       64-bit mode, identity map, a usable stack (purgatory's).
 * Uses: %rax %rdx %rcx; leaves %rax %rdx as the jump-back contract wants.
 * A Linux kexec jump (kx_kjump_linux) takes the peer's re-entry point
 * from 0(%rsp) at its jump-back entry (<= 6.13 reads it, >= 6.14 pops
 * it): purgatory_start goes there, so A's next jump re-enters purgatory,
 * which verifies again (and refuses again) instead of running garbage.
 */
	.globl kx_port_return
	.type kx_port_return, @function
kx_port_return:
	cli
	movq	%rdi, %rax
	movq	%rsi, %rdx
	cmpb	$0, kx_kjump_linux(%rip)
	je	1f
	leaq	purgatory_start(%rip), %rcx
	pushq	%rcx
1:	jmpq	*kx_jump_back_entry(%rip)
	.size kx_port_return, . - kx_port_return

/*
 * entry32: leaves long mode and enters the next image in 32-bit protected
 * mode, paging off, with flat CS = 0x10 and DS/ES/SS = 0x18 as the Linux
 * 32-bit boot protocol requires.
 * In:   64-bit mode, identity map, this code below 4 GiB (the C code checks
 *       before it returns), interrupts off.
 * Uses: %rax, %rcx, %rdx, then every 32-bit register from entry32_regs.
 */
	.globl entry32
	.type entry32, @function
entry32:
	cli
	/* Base the KX_CS_SELF descriptor at .Lpm32: base bits 23..0 go to
	 * descriptor bits 39..16, base bits 31..24 to bits 63..56. */
	leaq	.Lpm32(%rip), %rax
	movq	%rax, %rcx
	andq	$0xffffff, %rcx
	shlq	$16, %rcx
	movq	%rax, %rdx
	shrq	$24, %rdx
	andq	$0xff, %rdx
	shlq	$56, %rdx
	movabsq	$DESC_CODE32, %rax
	orq	%rcx, %rax
	orq	%rdx, %rax
	movq	%rax, gdt32 + KX_CS_SELF(%rip)
	leaq	gdt32(%rip), %rax
	movq	%rax, gdt32_desc + 2(%rip)
	lgdt	gdt32_desc(%rip)
	/* Into compatibility mode, at offset 0 of KX_CS_SELF. */
	ljmpl	*.Lpm32_far(%rip)

	.code32
.Lpm32:
	/* Paging off (we run identity mapped), then long mode off, then
	 * every CR4 feature off (PAE included) as a 32-bit entry expects. */
	movl	%cr0, %eax
	andl	$~KX_CR0_PG, %eax
	movl	%eax, %cr0
	movl	$KX_MSR_EFER, %ecx
	rdmsr
	andl	$~KX_EFER_LME, %eax
	wrmsr
	xorl	%eax, %eax
	movl	%eax, %cr4
	movl	$KX_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	/* Registers from entry32_regs, read through CS (based at .Lpm32). */
	movl	%cs:(entry32_regs + 4 * KX_REG32_EAX - .Lpm32), %eax
	movl	%cs:(entry32_regs + 4 * KX_REG32_EBX - .Lpm32), %ebx
	movl	%cs:(entry32_regs + 4 * KX_REG32_ECX - .Lpm32), %ecx
	movl	%cs:(entry32_regs + 4 * KX_REG32_EDX - .Lpm32), %edx
	movl	%cs:(entry32_regs + 4 * KX_REG32_ESI - .Lpm32), %esi
	movl	%cs:(entry32_regs + 4 * KX_REG32_EDI - .Lpm32), %edi
	movl	%cs:(entry32_regs + 4 * KX_REG32_ESP - .Lpm32), %esp
	movl	%cs:(entry32_regs + 4 * KX_REG32_EBP - .Lpm32), %ebp
	/* eip and the selector after it form the far pointer {eip, KX_CS}. */
	ljmpl	*%cs:(entry32_regs + 4 * KX_REG32_EIP - .Lpm32)

	/* kexec-tools' struct entry32_regs: eax ebx ecx edx esi edi esp ebp eip */
	.balign 4
	.globl entry32_regs
	.type entry32_regs, @object
entry32_regs:
	.long	0, 0, 0, 0, 0, 0, 0, 0, 0
	.size entry32_regs, . - entry32_regs
	.if (. - entry32_regs) != 4 * KX_ENTRY32_NREGS
	.error "entry32_regs does not match include/kx/purgatory.h"
	.endif
	.word	KX_CS
	.size entry32, . - entry32

/*
 * entry16: enters the next image in real mode (kexec --real-mode), after
 * entry32 has put us in 32-bit protected mode with entry32_regs.eip
 * pointing here.
 * In:   32-bit protected mode, paging off, flat segments, a valid %esp;
 *       this code below 640 KiB (kexec-tools loads purgatory there for a
 *       real-mode entry) and 16-byte aligned, so one real-mode segment
 *       (address >> 4) covers it.
 * Uses: %eax, %ebx, %ecx, %edx, then every register from entry16_regs.
 * Sets: the real-mode interrupt table at 0 (IDTR base 0, limit 0x3ff).
 */
	.balign 16
	.globl entry16
	.type entry16, @function
entry16:
	.code32
	/* %ebx = where we run (the segments below are based here). */
	call	1f
1:	popl	%ebx
	subl	$(1b - entry16), %ebx
	/* Real-mode far pointer: segment = address >> 4. */
	movl	%ebx, %eax
	shrl	$4, %eax
	movw	%ax, (.Lreal_far + 2 - entry16)(%ebx)
	/* 16-bit code and data descriptors based at entry16: base 15..0 in
	 * bits 31..16 of the low word, base 23..16 and 31..24 in the high. */
	movl	%ebx, %eax
	shll	$16, %eax
	movl	%ebx, %ecx
	shrl	$16, %ecx
	andl	$0xff, %ecx
	movl	%ebx, %edx
	andl	$0xff000000, %edx
	orl	%edx, %ecx
	orl	%eax, (.Lgdt16 + 0x08 - entry16)(%ebx)
	orl	%ecx, (.Lgdt16 + 0x0c - entry16)(%ebx)
	orl	%eax, (.Lgdt16 + 0x10 - entry16)(%ebx)
	orl	%ecx, (.Lgdt16 + 0x14 - entry16)(%ebx)
	leal	(.Lgdt16 - entry16)(%ebx), %eax
	movl	%eax, (.Lgdt16_desc + 2 - entry16)(%ebx)
	lgdt	(.Lgdt16_desc - entry16)(%ebx)
	lidt	(.Lrealmode_idt - entry16)(%ebx)
	/* 64 KiB data segments, then 16-bit code: offsets from entry16. */
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	ljmp	$0x08, $(.Lpm16 - entry16)
.Lpm16:
	.code16
	/* Protection off; the far jump loads a real-mode CS. */
	movl	%cr0, %eax
	andl	$~1, %eax
	movl	%eax, %cr0
	ljmpw	*%cs:(.Lreal_far - entry16)
.Lreal:
	movw	%cs, %ax
	movw	%ax, %ds
	movl	(entry16_regs +  0 - entry16), %eax
	movl	(entry16_regs +  4 - entry16), %ebx
	movl	(entry16_regs +  8 - entry16), %ecx
	movl	(entry16_regs + 12 - entry16), %edx
	movl	(entry16_regs + 16 - entry16), %esi
	movl	(entry16_regs + 20 - entry16), %edi
	movl	(entry16_regs + 24 - entry16), %esp
	movl	(entry16_regs + 28 - entry16), %ebp
	movw	(entry16_regs + 34 - entry16), %es
	movw	(entry16_regs + 36 - entry16), %ss
	movw	(entry16_regs + 38 - entry16), %fs
	movw	(entry16_regs + 40 - entry16), %gs
	movw	(entry16_regs + 32 - entry16), %ds
	/* {ip, cs} is the far pointer. */
	ljmpw	*%cs:(entry16_regs + 42 - entry16)

	.balign 4
.Lreal_far:
	.word	.Lreal - entry16, 0
.Lrealmode_idt:
	.word	0x3ff
	.long	0
	.balign 8
.Lgdt16:
	.quad	0
	.quad	0x00009a000000ffff	/* 0x08: 16-bit code, 64 KiB, base patched */
	.quad	0x000092000000ffff	/* 0x10: 16-bit data, 64 KiB, base patched */
.Lgdt16_end:
.Lgdt16_desc:
	.word	.Lgdt16_end - .Lgdt16 - 1
	.long	0

	/* kexec-tools' struct entry16_regs: eax ebx ecx edx esi edi esp ebp
	 * (32-bit), ds es ss fs gs ip cs pad (16-bit). */
	.balign 4
	.globl entry16_regs
	.type entry16_regs, @object
entry16_regs:
	.long	0, 0, 0, 0, 0, 0, 0, 0
	.word	0, 0, 0, 0, 0, 0, 0, 0
	.size entry16_regs, . - entry16_regs
	.size entry16, . - entry16

	.code64
	.section .rodata
	.balign 8
.Lpm32_far:
	.long	0
	.word	KX_CS_SELF

	.data
	.balign 16
/* GDTs: 0x00 null, 0x08 null, 0x10 code, 0x18 data (the boot protocol's
 * selectors); gdt32 has the self-based 32-bit code segment at 0x20. */
gdt64:
	.quad	0, 0, DESC_CODE64, DESC_DATA
.Lgdt64_end:
gdt32:
	.quad	0, 0, DESC_CODE32, DESC_DATA, 0
.Lgdt32_end:
	.balign 8
	.word	0, 0, 0
gdt64_desc:
	.word	.Lgdt64_end - gdt64 - 1
	.quad	0		/* base, filled at run time */
	.balign 8
	.word	0, 0, 0
gdt32_desc:
	.word	.Lgdt32_end - gdt32 - 1
	.quad	0

/* kexec-tools' struct entry64_regs: rax rbx rcx rdx rsi rdi rsp rbp r8-r15
 * rip.  The default rip selects the 32-bit path. */
	.balign 8
	.globl entry64_regs
	.type entry64_regs, @object
entry64_regs:
	.quad	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	.quad	entry32
	.size entry64_regs, . - entry64_regs
	.if (. - entry64_regs) != 8 * KX_ENTRY64_NREGS
	.error "entry64_regs does not match include/kx/purgatory.h"
	.endif

/* kexec-tools writes its real-mode registers here too, for a debug hook
 * into the kernel's real-mode code (kexec -d --real-mode) that kx does
 * not provide: kexec-tools then refuses, naming entry16_debug. */
	.globl entry16_debug_regs
	.type entry16_debug_regs, @object
entry16_debug_regs:
	.long	0, 0, 0, 0, 0, 0, 0, 0
	.word	0, 0, 0, 0, 0, 0, 0, 0
	.size entry16_debug_regs, . - entry16_debug_regs

	.globl kx_jump_back_entry
	.type kx_jump_back_entry, @object
kx_jump_back_entry:
	.quad	0
	.size kx_jump_back_entry, 8

/* Purgatory's own stack. */
	.balign 16
	.globl kx_stack_top
kx_stack:
	.skip	8192
kx_stack_top:

/*
 * A stack for the next image (kexec-tools' "stack"/"stack_end"), with the
 * 32- and 64-bit argument slots its ELF loader fills, at the top.
 */
	.balign 4096
	.globl stack, stack_end
	.type stack, @object
stack:
	.skip	4096 - 32
#define ARG32(n)	.globl stack_arg32_##n; .type stack_arg32_##n, @object; \
			.size stack_arg32_##n, 4; stack_arg32_##n
#define ARG64(n)	.globl stack_arg64_##n; .type stack_arg64_##n, @object; \
			.size stack_arg64_##n, 8; stack_arg64_##n
ARG64(4):
ARG32(8):	.long 0
ARG32(7):	.long 0
ARG64(3):
ARG32(6):	.long 0
ARG32(5):	.long 0
ARG64(2):
ARG32(4):	.long 0
ARG32(3):	.long 0
ARG64(1):
ARG32(2):	.long 0
ARG32(1):	.long 0
stack_end:
	.size stack, . - stack
	.section .note.GNU-stack, "", @progbits
