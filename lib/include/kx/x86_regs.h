/* SPDX-License-Identifier: MIT */
/*
 * x86_64 control-register bits and MSRs that kx's assembly touches (the
 * trampoline, purgatory's entry stub), written once (Intel SDM vol. 3,
 * 2.5 and 2.2.1), and the one sequence both use to turn SIMD on.
 */
#ifndef KX_X86_REGS_H
#define KX_X86_REGS_H

#define KX_CR0_MP		(1 << 1)
#define KX_CR0_EM		(1 << 2)
#define KX_CR0_PG		(1 << 31)
#define KX_CR4_OSFXSR		(1 << 9)
#define KX_CR4_OSXMMEXCPT	(1 << 10)
#define KX_CR4_OSXSAVE		(1 << 18)
#define KX_MSR_EFER		0xc0000080
#define KX_MSR_FS_BASE		0xc0000100
#define KX_MSR_GS_BASE		0xc0000101
#define KX_MSR_KGS_BASE		0xc0000102
#define KX_EFER_LME		(1 << 8)

#ifdef __ASSEMBLER__
/*
 * kx_x86_simd_on reg: SSE usable (CR0.EM=0, CR0.MP=1, CR4.OSFXSR and
 * OSXMMEXCPT), which Linux's relocate_kernel does not leave on.  Uses \reg.
 */
.macro kx_x86_simd_on reg
	mov	%cr0, \reg
	and	$~KX_CR0_EM, \reg
	or	$KX_CR0_MP, \reg
	mov	\reg, %cr0
	mov	%cr4, \reg
	or	$(KX_CR4_OSFXSR | KX_CR4_OSXMMEXCPT), \reg
	mov	\reg, %cr4
.endm
#endif

#endif
