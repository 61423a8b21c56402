/* SPDX-License-Identifier: MIT */
/* System registers, the entry stub's routines and the console of the
 * aarch64 purgatory. */
#ifndef KX_PURGATORY_A64_H
#define KX_PURGATORY_A64_H

#include <stdint.h>

/* Reads a system register by name; volatile: each read is a new value. */
#define a64_read(reg)							\
	({								\
		uint64_t v_;						\
		__asm__ volatile("mrs %0, " #reg : "=r"(v_));		\
		v_;							\
	})

/* Counter ticks, ordered after what came before in program order. */
static inline uint64_t a64_ticks(void)
{
	__asm__ volatile("isb" ::: "memory");
	return a64_read(cntvct_el0);
}

/* 1 or 2 (kx is never entered at EL0 or EL3 by kexec). */
static inline unsigned a64_current_el(void)
{
	return (unsigned)(a64_read(CurrentEL) >> 2) & 3;
}

/* entry.S */
void kx_a64_mmu_on(uint64_t mair, uint64_t tcr, uint64_t ttbr0);
void kx_a64_dcache_clean(uint64_t start, uint64_t end);
__attribute__((noreturn)) void kx_a64_enter(uint64_t entry, uint64_t dtb);
/* Enters with x0 = a0, x1 = a1, x30 = lr: a round trip's image. */
__attribute__((noreturn)) void kx_a64_jump(uint64_t entry, uint64_t a0,
					   uint64_t a1, uint64_t lr);
__attribute__((noreturn)) void kx_a64_halt(void);
extern char kx_image_start[], kx_image_end[];

/* console.c */
extern uint64_t arm64_sink;	/* the UART, 0 = no console */
void kx_console_putc(void *ctx, char c);

#endif
