/* SPDX-License-Identifier: MIT */
/*
 * kx's purgatory for the application's architecture (build/<arch>/
 * purgatory.ro, the object kexec-tools embeds) inside kxboot.efi, as
 * bytes: the application loads and relocates it with kx_elf_rel_load at an
 * address it allocates.  KX_PURGATORY_RO is the object's path, given by
 * the build.
 */
	.section .rodata, "a", %progbits
	.balign 16
	.globl kxb_purgatory_ro
	.type kxb_purgatory_ro, %object
kxb_purgatory_ro:
	.incbin KX_PURGATORY_RO
.Lend:
	.size kxb_purgatory_ro, .Lend - kxb_purgatory_ro
	.balign 8
	.globl kxb_purgatory_ro_size
	.type kxb_purgatory_ro_size, %object
kxb_purgatory_ro_size:
	.quad .Lend - kxb_purgatory_ro
	.size kxb_purgatory_ro_size, 8

	.section .note.GNU-stack, "", %progbits
