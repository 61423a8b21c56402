/* SPDX-License-Identifier: MIT */
/*
 * Who entered purgatory_start.  entry.S keeps 0(%rsp) as the kexec-jump
 * return address (Linux's relocate_kernel leaves 0 there unless the caller
 * preserves its context).  A relocator that *calls* purgatory without ever
 * expecting it back leaves a return address too, which must not be taken
 * for a way home: Xen's kexec_reloc (xen/arch/x86/x86_64/kexec_reloc.S,
 * Xen 4.3 and later) enters the image with "call *%rbp" followed by ud2,
 * from its control page, which its page table maps identity like every
 * page of the image.  So a return address whose instruction is ud2 is no
 * jump-back entry, and one that follows "call *%rbp" names Xen.
 */
#include "x86.h"

#define UD2_0		0x0f
#define UD2_1		0x0b
#define CALL_RM		0xff	/* call r/m64 */
#define MODRM_RBP	0xd5	/* mod 11, reg 2 (call), rm 5 (%rbp) */

extern uint64_t kx_jump_back_entry;

/*
 * Reads only the two bytes at the return address, and the two before it
 * when they lie in the same page (the page before may be unmapped).  The
 * note fits kx_handoff.extra (47 characters).
 */
const char *kx_x86_caller_check(void)
{
	const volatile uint8_t *ret = (const volatile uint8_t *)(uintptr_t)kx_jump_back_entry;
	uint64_t off = kx_jump_back_entry & 0xfff;

	if (!ret || ret[0] != UD2_0 || ret[1] != UD2_1)
		return "";
	kx_jump_back_entry = 0;
	if (off >= 2 && ret[-2] == CALL_RM && ret[-1] == MODRM_RBP)
		return ", after a hypervisor (Xen's kexec_reloc)";
	return ", entered by a call that does not return";
}
