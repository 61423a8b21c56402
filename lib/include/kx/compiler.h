/* SPDX-License-Identifier: MIT */
/* Small helpers shared by kx's freestanding C. */
#ifndef KX_COMPILER_H
#define KX_COMPILER_H

#include <stddef.h>
#include <stdint.h>

/* The ABI is little-endian and so is every target kx builds for. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kx supports little-endian targets only"
#endif

#define KX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KX_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~(__typeof__(x))((a) - 1))
#define KX_IS_ALIGNED(x, a) (((x) & ((a) - 1)) == 0)
#define KX_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KX_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * The compiler may inline these; otherwise they become calls to
 * memcpy/memset/memcmp/memmove, which the freestanding archive provides
 * (lib/mem.c) and a hosted build takes from libc.
 */
#define kx_memcpy __builtin_memcpy
#define kx_memset __builtin_memset
#define kx_memcmp __builtin_memcmp
#define kx_memmove __builtin_memmove

/* Unaligned little-endian access, safe with strict alignment (MMU off). */
static inline uint16_t kx_get_le16(const void *p)
{
	uint16_t v;
	kx_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t kx_get_le32(const void *p)
{
	uint32_t v;
	kx_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t kx_get_le64(const void *p)
{
	uint64_t v;
	kx_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void kx_put_le16(void *p, uint16_t v)
{
	kx_memcpy(p, &v, sizeof(v));
}

static inline void kx_put_le32(void *p, uint32_t v)
{
	kx_memcpy(p, &v, sizeof(v));
}

static inline void kx_put_le64(void *p, uint64_t v)
{
	kx_memcpy(p, &v, sizeof(v));
}

/* Length of the string at s, never reading past s[max - 1]: max if no NUL. */
static inline size_t kx_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

#endif
