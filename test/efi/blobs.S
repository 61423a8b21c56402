/* SPDX-License-Identifier: MIT */
/*
 * What kxjump.efi embeds besides kx's purgatory (efi/purgatory_blob.S): the
 * round-trip payload as a flat binary (KX_PAYLOAD_BIN) with its layout
 * (KX_PAYLOAD_INC: the payload's symbols as .set lines, from its link).
 */
#include KX_PAYLOAD_INC

	.section .rodata, "a", %progbits
	.balign 16
	.globl kxj_payload
kxj_payload:
	.incbin KX_PAYLOAD_BIN
.Lpayload_end:
	.balign 8
	.globl kxj_payload_file_size, kxj_payload_ro_size
	.globl kxj_payload_size, kxj_payload_base, kxj_payload_entry
kxj_payload_file_size:	.quad .Lpayload_end - kxj_payload
kxj_payload_ro_size:	.quad kxpayload_ro_end - kxpayload_start
kxj_payload_size:	.quad kxpayload_end - kxpayload_start
kxj_payload_base:	.quad kxpayload_start
kxj_payload_entry:	.quad kxpayload_main

	.section .note.GNU-stack, "", %progbits
