/* SPDX-License-Identifier: MIT */
/*
 * aarch64 system registers, the PL011 and cache maintenance for the code
 * that runs beside kx's trampoline (kxboot, the round-trip test's loader
 * and payload).
 */
#ifndef KX_A64_SYS_H
#define KX_A64_SYS_H

#include <stdint.h>

#define kx_a64_read(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })

static inline unsigned kx_a64_el(void)
{
	return (unsigned)(kx_a64_read(CurrentEL) >> 2) & 3;
}

/* The virtual counter, ordered after what came before. */
static inline uint64_t kx_a64_ticks(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
	return t;
}

/* Cleans and invalidates [start, end) to the point of coherency. */
static inline void kx_a64_clean_to_poc(uint64_t start, uint64_t end)
{
	uint64_t line = 4ull << ((kx_a64_read(ctr_el0) >> 16) & 0xf);

	for (uint64_t p = start & ~(line - 1); p < end; p += line)
		__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
}

/* A PL011's transmitter at base: waits (bounded: a UART that never
 * drains must not hang us) for room in its FIFO, then writes c with a
 * byte store, as kexec-tools' purgatory does (a sink that is another
 * byte-wide UART still works); '\n' goes out as "\r\n". */
static inline void kx_pl011_putc(uint64_t base, char c)
{
	volatile uint8_t *dr = (volatile uint8_t *)(uintptr_t)base;
	volatile uint32_t *fr = (volatile uint32_t *)(uintptr_t)(base + 0x18);

	if (c == '\n')
		kx_pl011_putc(base, '\r');
	for (int i = 0; i < 100000 && (*fr & (1u << 5)); i++)
		;
	*dr = (uint8_t)c;
}

#endif
