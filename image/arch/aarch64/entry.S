/* SPDX-License-Identifier: MIT */
/*
 * aarch64 purgatory entry, MMU switch and exit, in kexec-tools' purgatory
 * contract (kexec/arch/arm64/kexec-arm64.c: purgatory_start is the entry,
 * arm64_kernel_entry and arm64_dtb_addr say where to go).
 *
 * purgatory_start     entered by Linux's arm64_relocate_new_kernel, at EL1
 *                     or at EL2 (Linux enters at EL2 when it ran there)
 * kx_a64_mmu_on       turns the MMU and caches on over kx's identity map
 * kx_a64_dcache_clean cleans and invalidates a range to the PoC
 * kx_a64_enter        cleans purgatory itself, turns the MMU and caches off
 *                     and enters the next image as the arm64 boot protocol
 *                     (Documentation/arch/arm64/booting.rst) asks
 * kx_a64_jump         the same with the registers of a round trip's image
 *
 * Addresses are PC-relative (ADR) or from literal pools (ABS64): the
 * relocations kexec-tools' arm64 relocator applies.
 */

#include <kx/a64_asm.h>

#define CPACR_FPEN		(3 << 20)	/* also CPTR_EL2 with E2H = 1 */
#define CPTR_EL2_TFP		(1 << 10)	/* CPTR_EL2 with E2H = 0 */
#define HCR_EL2_E2H_BIT		34

	.section .text.entry, "ax", %progbits

/*
 * purgatory_start
 * In:   EL1 or EL2, MMU and data cache off, instruction cache on or off,
 *       running at the address kexec-tools relocated us to; x0-x3 are
 *       ignored (kexec_load passes no argument).
 * Uses: every general register; the caller's state is not kept.
 * Sets: DAIF all masked, sp = our own stack, FP/SIMD accesses untrapped at
 *       the current EL (CPACR_EL1.FPEN, or CPTR_EL2 at EL2): the C code may
 *       use the SHA-256 instructions, which need the SIMD registers.
 */
	.globl purgatory_start
	.type purgatory_start, %function
purgatory_start:
	/* No exception may reach the old kernel's vectors. */
	msr	daifset, #0xf
	/* The entry time, for the time spent in purgatory. */
	isb
	mrs	x19, cntvct_el0

	/* Our own stack: the caller's may be in memory the copy reused. */
	adr	x0, kx_stack_top
	mov	sp, x0

	/* FP/SIMD on at this EL; which register depends on EL and E2H. */
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.eq	.Lfp_el2
	mrs	x0, cpacr_el1
	orr	x0, x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	b	.Lfp_done
.Lfp_el2:
	mrs	x0, hcr_el2
	tbnz	x0, #HCR_EL2_E2H_BIT, .Lfp_el2_vhe
	/* E2H = 0: CPTR_EL2 has trap bits; TFP traps FP/SIMD. */
	mrs	x0, cptr_el2
	bic	x0, x0, #CPTR_EL2_TFP
	msr	cptr_el2, x0
	b	.Lfp_done
.Lfp_el2_vhe:
	/* E2H = 1: CPTR_EL2 has CPACR_EL1's layout, FPEN = 0b11. */
	mrs	x0, cptr_el2
	orr	x0, x0, #CPACR_FPEN
	msr	cptr_el2, x0
.Lfp_done:
	isb

	/* kx_purgatory_main(entry_ticks) enters the next image or halts. */
	mov	x0, x19
	bl	kx_purgatory_main
.Lreturned:
	/* It never returns: trap here rather than run on into data. */
	wfi
	b	.Lreturned
	.size purgatory_start, . - purgatory_start

/*
 * .Lclean_image: cleans and invalidates [kx_image_start, kx_image_end) to
 * the PoC, by virtual address (the identity map, or physical with the
 * MMU off).
 * In:   nothing.  Uses: x9-x13.  No stack, no memory writes.
 */
.Lclean_image:
	adr	x9, kx_image_start
	ldr	x10, =kx_image_end
	kx_a64_dcache_line x11, x12
	kx_a64_dcache_by_line civac, x9, x10, x11, x13
	dsb	sy
	ret

/*
 * void kx_a64_mmu_on(uint64_t mair, uint64_t tcr, uint64_t ttbr0)
 * In:   EL1 or EL2, MMU and data cache off; x0 = MAIR, x1 = TCR (already
 *       in the layout of this EL's TCR, E2H considered), x2 = TTBR0; the
 *       tables map this code, its stack and data at their physical
 *       addresses.
 * Uses: x0-x13.  No stack.
 * Sets: MAIR/TCR/TTBR0 of this EL, TLBs invalidated, SCTLR.M, C and I
 *       set, A and WXN cleared (writable pages of the map are executable).
 *
 * Tables, variables and stack were written with the data cache off, to
 * memory; the cache may still hold clean lines of the same addresses
 * from before (the relocation copy), which would shadow them once the
 * cache is on: the whole image is cleaned and invalidated first.
 */
	.globl kx_a64_mmu_on
	.type kx_a64_mmu_on, %function
kx_a64_mmu_on:
	mov	x8, x30
	bl	.Lclean_image
	mov	x30, x8
	mrs	x9, CurrentEL
	cmp	x9, #CURRENTEL_EL2
	b.eq	.Lmmu_on_el2
	kx_a64_load_map el1, x0, x1, x2, vmalle1
	kx_a64_icache_inval
	kx_a64_mmu_on el1, x9
	ret
.Lmmu_on_el2:
	/* ALLE2 covers the EL2 and, with E2H = 1, the EL2&0 regime. */
	kx_a64_load_map el2, x0, x1, x2, alle2
	kx_a64_icache_inval
	kx_a64_mmu_on el2, x9
	ret
	.size kx_a64_mmu_on, . - kx_a64_mmu_on

/*
 * void kx_a64_dcache_clean(uint64_t start, uint64_t end)
 * In:   [start, end) mapped (or the MMU off), end > start.
 * Uses: x0-x4.  No stack.
 * Sets: every data cache line of the range cleaned and invalidated to the
 *       point of coherency, completed (DSB SY) before it returns.
 */
	.globl kx_a64_dcache_clean
	.type kx_a64_dcache_clean, %function
kx_a64_dcache_clean:
	kx_a64_dcache_line x2, x3
	kx_a64_dcache_by_line civac, x0, x1, x2, x4
	dsb	sy
	ret
	.size kx_a64_dcache_clean, . - kx_a64_dcache_clean

/*
 * void kx_a64_enter(uint64_t entry, uint64_t dtb)  -- does not return
 * The arm64 boot protocol's entry: kx_a64_jump(entry, dtb, 0, 0).
 */
	.globl kx_a64_enter
	.type kx_a64_enter, %function
kx_a64_enter:
	mov	x2, xzr
	mov	x3, xzr
	b	kx_a64_jump
	.size kx_a64_enter, . - kx_a64_enter

/*
 * void kx_a64_jump(uint64_t entry, uint64_t a0, uint64_t a1, uint64_t lr)
 *      -- does not return
 * In:   x0 = where to go, x1, x2 = its x0 and x1, x3 = its x30 (a round
 *       trip's image may simply return there); the MMU on over the
 *       identity map or off; everything the next image reads outside this
 *       image already cleaned to the PoC by the caller.
 * Uses: every register.  No stack (what the caller left dirty on it is
 *       written back by the clean below).
 * Sets: at the same EL: MMU, data and instruction caches off, this image
 *       cleaned to the PoC (the setup page lives in it), I-cache
 *       invalidated; x0 = a0, x1 = a1, x2 = x3 = 0 (booting.rst asks
 *       x1-x3 = 0 of a kernel's entry), x30 = lr.
 */
	.globl kx_a64_jump
	.type kx_a64_jump, %function
kx_a64_jump:
	mov	x20, x0
	mov	x21, x1
	mov	x22, x2
	mov	x23, x3
	/* Write back our data (setup page, stack) while it is still cached. */
	bl	.Lclean_image
	mrs	x9, CurrentEL
	cmp	x9, #CURRENTEL_EL2
	b.eq	.Lenter_el2
	kx_a64_mmu_off el1, x9
	b	.Lenter_off
.Lenter_el2:
	kx_a64_mmu_off el2, x9
.Lenter_off:
	/* Lines filled between the clean and the switch (speculation, our
	 * own fetches) must not outlive us: clean once more, caches off. */
	bl	.Lclean_image
	/* No stale instructions where the next image runs. */
	ic	iallu
	dsb	sy
	isb
	mov	x0, x21
	mov	x1, x22
	mov	x2, xzr
	mov	x3, xzr
	mov	x30, x23
	br	x20
	.size kx_a64_jump, . - kx_a64_jump

/*
 * void kx_a64_halt(void)  -- does not return
 * In:   any state.  Uses: nothing.  Sets: DAIF masked, then waits forever.
 */
	.globl kx_a64_halt
	.type kx_a64_halt, %function
kx_a64_halt:
	msr	daifset, #0xf
.Lhalt:
	wfi
	wfe
	b	.Lhalt
	.size kx_a64_halt, . - kx_a64_halt

	.ltorg

	.data
/* Purgatory's own stack. */
	.balign 16
kx_stack:
	.skip	16384
	.globl kx_stack_top
kx_stack_top:
	.section .note.GNU-stack, "", %progbits
