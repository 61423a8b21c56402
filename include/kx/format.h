/* SPDX-License-Identifier: MIT */
/*
 * A small freestanding printf for consoles: %s %c %d %i %u %x %X %p %%,
 * flags '0' and '-', a field width, and the length modifiers hh h l ll z.
 * Output goes one character at a time to a callback.
 */
#ifndef KX_FORMAT_H
#define KX_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*kx_putc_fn)(void *ctx, char c);

/* Returns the number of characters produced. */
size_t kx_vformat(kx_putc_fn putc, void *ctx, const char *fmt, va_list ap);
size_t kx_format(kx_putc_fn putc, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Into buf (always NUL-terminated when size > 0); returns the length the
 * whole output would have had, like snprintf. */
size_t kx_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t kx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
