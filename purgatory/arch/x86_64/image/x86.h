/* SPDX-License-Identifier: MIT */
/* Port I/O, TSC and halting for the x86_64 purgatory. */
#ifndef KX_PURGATORY_X86_H
#define KX_PURGATORY_X86_H

#include <stdint.h>

static inline void outb(uint8_t v, uint16_t port)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Interrupts off and halted for good: nothing is entered after this. */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void console_init(void);
void kx_console_putc(void *ctx, char c);
void vga_reset(void);

#endif
