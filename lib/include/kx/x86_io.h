/* SPDX-License-Identifier: MIT */
/*
 * x86 port I/O and the time-stamp counter, for the code that drives a UART
 * or the ACPI PM block itself (purgatory, kxboot after ExitBootServices,
 * the round-trip test's loader and payload).
 */
#ifndef KX_X86_IO_H
#define KX_X86_IO_H

#include <stdint.h>

static inline void kx_outb(uint8_t v, uint16_t port)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void kx_outw(uint16_t v, uint16_t port)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t kx_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t kx_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* A 16550's transmitter at base: waits (bounded) for room, then writes c;
 * '\n' goes out as "\r\n". */
static inline void kx_uart16550_putc(uint16_t base, char c)
{
	if (c == '\n')
		kx_uart16550_putc(base, '\r');
	for (int i = 0; i < 100000 && !(kx_inb((uint16_t)(base + 5)) & 0x20); i++)
		;
	kx_outb((uint8_t)c, base);
}

#endif
