/* SPDX-License-Identifier: MIT */
/* Halting and the console of the x86_64 purgatory (port I/O: kx/x86_io.h);
 * the rest of the port is image/port.h. */
#ifndef KX_PURGATORY_X86_H
#define KX_PURGATORY_X86_H

#include <stdint.h>
#include <kx/x86_io.h>

/* Interrupts off and halted for good: nothing is entered after this. */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* VGA text memory, which the console writes when console_vga is set. */
#define VGA_TEXT_PHYS 0xb8000
#define VGA_TEXT_SIZE (80 * 25 * 2)
extern uint8_t console_vga;

void console_init(void);
void vga_reset(void);
/*
 * Drops a return address at entry that is no jump-back entry (a caller
 * that never returns, such as Xen's kexec_reloc); says who called, for
 * the first console line ("" when nothing is known).  caller.c.
 */
const char *kx_x86_caller_check(void);

#endif
