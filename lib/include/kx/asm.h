/* SPDX-License-Identifier: MIT */
/*
 * Symbol start/end macros for kx's assembly, both architectures.
 *
 *   KX_FUNC_START name / KX_FUNC_END name   C calling convention
 *   KX_CODE_START name / KX_CODE_END name   own register contract
 *                                            (trampolines, entry stubs)
 *
 * An END that does not close the START before it fails the build, so a
 * symbol always gets its type and size.
 */
#ifndef KX_ASM_H
#define KX_ASM_H

#ifdef __ASSEMBLER__

#if defined(__x86_64__)
#define KX_ASM_ALIGN 16
#define KX_ASM_FILL 0x90	/* nop */
#elif defined(__aarch64__)
#define KX_ASM_ALIGN 4
#define KX_ASM_FILL 0
#else
#error "kx assembly supports x86_64 and aarch64"
#endif

/* The symbol currently open; checked by the END macros. */
.macro kx_sym_start name, type
	.ifdef .Lkx_open_sym
	.if .Lkx_open_sym
	.error "kx asm: \name starts inside another symbol"
	.endif
	.endif
	.set .Lkx_open_sym, 1
	.set .Lkx_open_\name, 1
	.globl \name
	.type \name, \type
	.balign KX_ASM_ALIGN, KX_ASM_FILL
\name:
.endm

.macro kx_sym_end name
	.ifndef .Lkx_open_\name
	.error "kx asm: end of \name without its start"
	.else
	.if .Lkx_open_\name == 0
	.error "kx asm: end of \name without its start"
	.endif
	.endif
	.set .Lkx_open_\name, 0
	.set .Lkx_open_sym, 0
	.size \name, . - \name
.endm

#define KX_FUNC_START(name) kx_sym_start name, %function
#define KX_FUNC_END(name) kx_sym_end name
#define KX_CODE_START(name) kx_sym_start name, %function
#define KX_CODE_END(name) kx_sym_end name

/* Objects in these files need no executable stack. */
#define KX_ASM_NOTE_GNU_STACK .section .note.GNU-stack, "", %progbits

#endif /* __ASSEMBLER__ */
#endif
