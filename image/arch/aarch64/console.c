/* SPDX-License-Identifier: MIT */
/*
 * Purgatory console: the data register of a PL011 UART at arm64_sink, as
 * kexec-tools' --serial=<tty> finds it (/sys/class/tty/<tty>/iomem_base);
 * 0 means no console.  With the MMU on the page is mapped Device-nGnRnE.
 */
#include <kx/compiler.h>
#include "a64.h"
#include "report.h"

/* Set by kexec-tools (elf_rel_set_symbol); a pointer, 8 bytes, in its
 * own purgatory: the name and size are its own. */
uint64_t arm64_sink = 0;

#define PL011_DR 0x00	/* data */
#define PL011_FR 0x18	/* flags */
#define PL011_FR_TXFF (1u << 5)	/* transmit FIFO full */
/* Polls of FR before writing anyway: a UART that never drains (or a sink
 * that is not a PL011) must not hang us. */
#define UART_SPINS 100000

static void uart_putc(char c)
{
	volatile uint32_t *fr = (volatile uint32_t *)(uintptr_t)(arm64_sink + PL011_FR);

	for (int i = 0; KX_IS_ALIGNED(arm64_sink, 4) && i < UART_SPINS; i++)
		if (!(*fr & PL011_FR_TXFF))
			break;
	/* A byte store, as kexec-tools' own purgatory does. */
	*(volatile uint8_t *)(uintptr_t)(arm64_sink + PL011_DR) = (uint8_t)c;
}

void kx_console_putc(void *ctx, char c)
{
	(void)ctx;
	if (!arm64_sink)
		return;
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

void kx_image_halt(void)
{
	kx_a64_halt();
}
