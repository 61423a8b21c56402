/* SPDX-License-Identifier: MIT */
/* The page pool every builder takes pages from (include/kx/pool.h). */
#include <kx/pool.h>

enum kx_status kx_page_pool_alloc(void *ctx, void **page, uint64_t *phys)
{
	struct kx_page_pool *pool = ctx;

	if (!pool || pool->used >= pool->pages)
		return KX_ERR_NO_MEMORY;
	*page = (uint8_t *)pool->base + pool->used * KX_POOL_PAGE_SIZE;
	*phys = pool->phys + (uint64_t)pool->used * KX_POOL_PAGE_SIZE;
	pool->used++;
	return KX_OK;
}
