/* SPDX-License-Identifier: MIT */
/*
 * Purgatory console: the data register of a PL011 UART at arm64_sink, as
 * kexec-tools' --serial=<tty> finds it (/sys/class/tty/<tty>/iomem_base);
 * 0 means no console.  With the MMU on the page is mapped Device-nGnRnE.
 */
#include <kx/compiler.h>
#include <kx/a64_sys.h>
#include "a64.h"
#include "report.h"

/* Set by kexec-tools (elf_rel_set_symbol); a pointer, 8 bytes, in its
 * own purgatory: the name and size are its own. */
uint64_t arm64_sink = 0;

void kx_port_putc(char c)
{
	if (!arm64_sink)
		return;
	/* kx_pl011_putc polls the flags a bounded number of times: a sink
	 * that is not a PL011 cannot hang us.  One whose flags register
	 * cannot be read (unaligned) just gets the byte. */
	if (KX_IS_ALIGNED(arm64_sink, 4)) {
		kx_pl011_putc(arm64_sink, c);
		return;
	}
	if (c == '\n')
		*(volatile uint8_t *)(uintptr_t)arm64_sink = '\r';
	*(volatile uint8_t *)(uintptr_t)arm64_sink = (uint8_t)c;
}

void kx_port_halt(void)
{
	kx_a64_halt();
}
