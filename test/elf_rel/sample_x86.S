/* x86_64 relocation types of kx's ET_REL loader not in compiled code. */
	.text
	.globl	x86_all
x86_all:
	movq	$target, %rax		/* R_X86_64_32S */
	movl	$target, %eax		/* R_X86_64_32 */
	leaq	target(%rip), %rax	/* R_X86_64_PC32 */
	call	x86_callee		/* R_X86_64_PLT32 */
	.section .text.callee, "ax"
	.globl	x86_callee
x86_callee:
	ret
	.data
target:	.quad	target			/* R_X86_64_64 */
