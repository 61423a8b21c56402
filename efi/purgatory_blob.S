/* SPDX-License-Identifier: MIT */
/*
 * kx's x86_64 purgatory (build/x86_64/purgatory.ro, the object kexec-tools
 * embeds) inside kxboot.efi, as bytes: the application loads and relocates
 * it with kx_elf_rel_load at an address it allocates.  KX_PURGATORY_RO is
 * the object's path, given by the build.
 */
	.section .rodata, "a", @progbits
	.balign 16
	.globl kxb_purgatory
	.type kxb_purgatory, @object
kxb_purgatory:
	.incbin KX_PURGATORY_RO
.Lend:
	.size kxb_purgatory, .Lend - kxb_purgatory
	.balign 8
	.globl kxb_purgatory_size
	.type kxb_purgatory_size, @object
kxb_purgatory_size:
	.quad .Lend - kxb_purgatory
	.size kxb_purgatory_size, 8

	.section .note.GNU-stack, "", @progbits
