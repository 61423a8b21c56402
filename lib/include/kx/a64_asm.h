/* SPDX-License-Identifier: MIT */
/*
 * aarch64 translation-regime sequences shared by the trampoline
 * (trampoline/relocate_aarch64.S) and purgatory (its entry.S): each is a
 * macro taking the EL's register suffix (el1, el2), so one text serves
 * EL1 and EL2 (with E2H 0 or 1: the _el2 names reach EL2's registers).
 */
#ifndef KX_A64_ASM_H
#define KX_A64_ASM_H

#define CURRENTEL_EL2		(2 << 2)	/* CurrentEL at EL2 */
#define SCTLR_M			(1 << 0)
#define SCTLR_A			(1 << 1)
#define SCTLR_C			(1 << 2)
#define SCTLR_I			(1 << 12)
#define SCTLR_WXN		(1 << 19)
#define CTR_DMINLINE_SHIFT	16

#ifdef __ASSEMBLER__

/* kx_a64_dcache_line reg, tmp: \reg = the smallest data cache line in
 * bytes, 4 << CTR_EL0.DminLine.  Uses \tmp. */
.macro kx_a64_dcache_line reg, tmp
	mrs	\tmp, ctr_el0
	ubfx	\tmp, \tmp, #CTR_DMINLINE_SHIFT, #4
	mov	\reg, #4
	lsl	\reg, \reg, \tmp
.endm

/*
 * kx_a64_dcache_by_line op, start, end, line, tmp: "dc \op" on every line
 * of [\start, \end), by virtual address (\line from kx_a64_dcache_line).
 * No barrier: the caller ends a batch with "dsb sy".  Out: \start = the
 * end rounded up to a line.  Uses \tmp.
 */
.macro kx_a64_dcache_by_line op, start, end, line, tmp
	sub	\tmp, \line, #1
	bic	\start, \start, \tmp
.Ldcache_line\@:
	/* for (p = start & ~(line - 1); p < end; p += line) dc op, p */
	dc	\op, \start
	add	\start, \start, \line
	cmp	\start, \end
	b.lo	.Ldcache_line\@
.endm

/* kx_a64_icache_inval: the whole instruction cache invalidated and the
 * pipeline refetched, after code was written or the map changed. */
.macro kx_a64_icache_inval
	ic	iallu
	dsb	nsh
	isb
.endm

/* kx_a64_translation_off el, tmp: SCTLR.M cleared (the caches' enables
 * kept).  Uses \tmp. */
.macro kx_a64_translation_off el, tmp
	mrs	\tmp, sctlr_\el
	bic	\tmp, \tmp, #SCTLR_M
	msr	sctlr_\el, \tmp
	isb
.endm

/* kx_a64_mmu_off el, tmp: MMU, data and instruction caches off.  Uses \tmp.
 * (Non-contiguous masks do not encode: one bit per instruction.) */
.macro kx_a64_mmu_off el, tmp
	mrs	\tmp, sctlr_\el
	bic	\tmp, \tmp, #SCTLR_M
	bic	\tmp, \tmp, #SCTLR_C
	bic	\tmp, \tmp, #SCTLR_I
	msr	sctlr_\el, \tmp
	isb
.endm

/*
 * kx_a64_load_map el, mair, tcr, ttbr0, tlbi: with the MMU off, a map's
 * MAIR, TCR (in this EL's layout) and TTBR0, then every TLB entry of the
 * regime invalidated (\tlbi: vmalle1 at EL1, alle2 at EL2) so that
 * nothing of an earlier map can match.
 */
.macro kx_a64_load_map el, mair, tcr, ttbr0, tlbi
	msr	mair_\el, \mair
	msr	tcr_\el, \tcr
	msr	ttbr0_\el, \ttbr0
	isb
	tlbi	\tlbi
	dsb	nsh
	isb
.endm

/* kx_a64_mmu_on el, tmp: MMU and both caches on, alignment checks and WXN
 * off (writable pages of kx's maps are executable).  Uses \tmp. */
.macro kx_a64_mmu_on el, tmp
	mrs	\tmp, sctlr_\el
	orr	\tmp, \tmp, #SCTLR_M
	orr	\tmp, \tmp, #SCTLR_C
	orr	\tmp, \tmp, #SCTLR_I
	bic	\tmp, \tmp, #SCTLR_A
	bic	\tmp, \tmp, #SCTLR_WXN
	msr	sctlr_\el, \tmp
	isb
.endm

#endif /* __ASSEMBLER__ */
#endif
