/* SPDX-License-Identifier: MIT */
/*
 * The purgatory image's port: what each architecture provides
 * (image/arch/<arch>/) to the code both share (the C files of image/).  Common code
 * reaches arch code only through the names declared here
 * (scripts/check-layers.sh holds it to that).
 */
#ifndef KX_IMAGE_PORT_H
#define KX_IMAGE_PORT_H

#include <stdint.h>

/* The console: one character to the UART the loader named (none: dropped). */
void kx_console_putc(void *ctx, char c);
/* Interrupts masked, stopped for good. */
void kx_image_halt(void) __attribute__((noreturn));
/* A round trip's jump-back entry, 0 when there is none. */
uint64_t kx_image_jump_back(void);
/* Jumps back to a round trip's caller with value and from in its result
 * registers (docs/abi.md 2.4). */
void kx_return_to_caller(uint64_t value, uint64_t from) __attribute__((noreturn));

#endif
