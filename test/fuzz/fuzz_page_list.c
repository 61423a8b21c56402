/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the page-list walker.  Input: an 8-byte head entry,
 * then up to FUZZ_PAGES pages of "physical memory" (the last one zero
 * padded); page k sits at physical address (k + 1) * 4096, so a head of
 * 0x1002 chains to the first page.  The walk must end with a status, within
 * its bounds, reading only through the map.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <kx/page_list.h>

#define FUZZ_PAGES 8

struct mem {
	uint8_t page[FUZZ_PAGES][KX_PAGE_SIZE];
	unsigned pages;
};

static enum kx_status map(void *ctx, uint64_t phys, uint32_t len,
			  const void **out)
{
	struct mem *m = ctx;
	uint64_t k = (phys >> KX_PAGE_SHIFT) - 1;

	if (len != KX_PAGE_SIZE || (phys & (KX_PAGE_SIZE - 1)) ||
	    phys == 0 || k >= m->pages)
		return KX_ERR_RANGE;
	*out = m->page[k];
	return KX_OK;
}

struct seen {
	uint64_t entries, sources, last_index;
};

static enum kx_status visit(void *ctx, const struct kx_pl_entry *e)
{
	struct seen *s = ctx;

	/* Entries come in order, each with exactly one kind. */
	if (s->entries && e->index <= s->last_index)
		__builtin_trap();
	if (e->kind != IND_DESTINATION && e->kind != IND_INDIRECTION &&
	    e->kind != IND_DONE && e->kind != IND_SOURCE)
		__builtin_trap();
	s->last_index = e->index;
	s->entries++;
	s->sources += e->kind == IND_SOURCE;
	return KX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mem m;
	struct seen seen = { 0 };
	struct kx_pl_walk w = { .map = map, .map_ctx = &m, .visit = visit,
				.visit_ctx = &seen };
	struct kx_pl_stats st;
	struct kx_pl_fault f;
	uint64_t head;
	enum kx_status rc;

	if (size < 8)
		return 0;
	memcpy(&head, data, 8);
	data += 8;
	size -= 8;
	if (size > sizeof(m.page))
		size = sizeof(m.page);
	m.pages = (unsigned)((size + KX_PAGE_SIZE - 1) / KX_PAGE_SIZE);
	memset(m.page, 0, sizeof(m.page));
	memcpy(m.page, data, size);

	/* Bounds from the input, so the fuzzer reaches them. */
	w.max_entries = 1 + (head >> 52);
	w.max_pages = 1 + ((head >> 48) & 0xf);
	rc = kx_pl_walk(&w, head & 0x0000ffffffffffffULL, &st, &f);
	if (rc == KX_OK) {
		if (st.entries != seen.entries || st.sources != seen.sources ||
		    st.entries > w.max_entries || st.pages > w.max_pages)
			__builtin_trap();
	} else if (f.status != rc) {
		__builtin_trap();
	}
	/* Validation alone agrees with the visiting walk. */
	w.visit = 0;
	if (kx_pl_walk(&w, head & 0x0000ffffffffffffULL, 0, 0) != rc)
		__builtin_trap();
	return 0;
}
