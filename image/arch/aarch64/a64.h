/* SPDX-License-Identifier: MIT */
/* The aarch64 purgatory's entry stub routines (entry.S) and console; the
 * port itself is image/port.h, system registers kx/a64_sys.h. */
#ifndef KX_PURGATORY_A64_H
#define KX_PURGATORY_A64_H

#include <stdint.h>

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

#endif
