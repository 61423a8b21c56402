/* Every aarch64 relocation type kx's ET_REL loader implements, once. */
	.text
	.globl	a64_all
a64_all:
	movz	x0, #:abs_g3:target
	movk	x0, #:abs_g2_nc:target
	movk	x0, #:abs_g1_nc:target
	movk	x0, #:abs_g0_nc:target
	movz	x1, #:abs_g0:small_abs
	movz	x1, #:abs_g1:small_abs
	movz	x1, #:abs_g2:small_abs
	ldr	x2, lit			/* LD_PREL_LO19 */
	adr	x3, target		/* ADR_PREL_LO21 */
	adrp	x4, target		/* ADR_PREL_PG_HI21 */
	add	x4, x4, :lo12:target	/* ADD_ABS_LO12_NC */
	ldrb	w5, [x4, :lo12:target]	/* LDST8 */
	ldrh	w5, [x4, :lo12:target]	/* LDST16 */
	ldr	w5, [x4, :lo12:target]	/* LDST32 */
	ldr	x5, [x4, :lo12:target]	/* LDST64 */
	ldr	q5, [x4, :lo12:target]	/* LDST128 */
	bl	a64_callee		/* CALL26 */
	b	a64_callee		/* JUMP26 */

	/* Other sections, so the assembler leaves relocations for them. */
	.section .text.callee, "ax"
	.globl	a64_callee
a64_callee:
	ret
	.section .rodata.lit, "a"
	.balign 8
lit:	.quad	target			/* ABS64 */
	.word	target - .		/* PREL32 */

	.data
	.balign 16
target:	.quad	1, 2
	.globl	small_abs
	.set	small_abs, 0x1234
