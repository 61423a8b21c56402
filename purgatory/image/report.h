/* SPDX-License-Identifier: MIT */
/*
 * Console messages shared by the purgatory images of both architectures.
 * Each architecture provides kx_console_putc() (its UART) and
 * kx_image_halt() (interrupts masked, stopped for good).
 */
#ifndef KX_PURGATORY_REPORT_H
#define KX_PURGATORY_REPORT_H

#include <stdint.h>
#include <kexec_abi.h>

void kx_console_putc(void *ctx, char c);
void kx_image_halt(void) __attribute__((noreturn));

void kx_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "kx:   <label> <64 hex digits>" */
void kx_say_digest(const char *label, const uint8_t d[KX_SHA256_SIZE]);
/* Says why, says that the next kernel is not entered, and halts. */
void kx_refuse(const char *why) __attribute__((noreturn));

#endif
