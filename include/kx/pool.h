/* SPDX-License-Identifier: MIT */
/*
 * Page pools: where kx's builders take the pages they write (identity-map
 * tables, page-list indirection pages, setup pages).  One callback type
 * and one ready-made pool serve all three, so a loader that reserves one
 * area, or a freestanding program with a static array, hands out pages to
 * each builder the same way.
 *
 * A page is KX_POOL_PAGE_SIZE (4 KiB) bytes, 4 KiB aligned, and has two
 * addresses: where the builder writes it (a pointer in the caller's
 * address space) and where the consumer reads it (the physical address
 * the MMU, the trampoline or the next kernel sees).  The two differ when a
 * loader builds for another address space (a host tool, Xen's machine
 * addresses); they are equal in identity-mapped code such as purgatory.
 */
#ifndef KX_POOL_H
#define KX_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <kx/status.h>

#define KX_POOL_PAGE_SIZE 4096u

/*
 * Hands out one page: *page where the builder writes it, *phys where it
 * will be read, both 4 KiB aligned; the page need not be zeroed.  Any
 * status other than KX_OK (KX_ERR_NO_MEMORY when exhausted) stops the
 * builder, which returns it as is.
 */
typedef enum kx_status (*kx_page_alloc_fn)(void *ctx, void **page,
					   uint64_t *phys);

/*
 * The ready-made pool: `pages` consecutive pages at base, the first at
 * physical address phys, handed out in order from `used`.  Pass
 * kx_page_pool_alloc and the pool as a builder's allocator and context.
 * A static initializer is enough (no constructor):
 *	static uint8_t area[3][KX_POOL_PAGE_SIZE] __attribute__((aligned(4096)));
 *	struct kx_page_pool pool = { area, (uintptr_t)area, 3, 0 };
 */
struct kx_page_pool {
	void *base;		/* 4 KiB aligned */
	uint64_t phys;		/* physical address of base, 4 KiB aligned */
	size_t pages;		/* pages in the area */
	size_t used;		/* pages handed out so far */
};

/* kx_page_alloc_fn over a struct kx_page_pool; KX_ERR_NO_MEMORY when all
 * pages are out (or pool is NULL). */
enum kx_status kx_page_pool_alloc(void *pool, void **page, uint64_t *phys);

#endif
