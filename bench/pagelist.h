/* SPDX-License-Identifier: MIT */
/*
 * Benchmark side of the page list: a scattered page-list generator in
 * Linux's IND_* format (include/kexec_abi.h) and the two copy anchors
 * every kx copy engine is measured against.  Host code (libc), not part
 * of the library.
 */
#ifndef KX_BENCH_PAGELIST_H
#define KX_BENCH_PAGELIST_H

#include <stddef.h>
#include <stdint.h>

struct bench_page_pair {
	const uint8_t *src;
	uint8_t *dst;
};

/*
 * A list moving npages pages: sources are the pages of src in a random
 * order (as a kernel's page allocator hands them out to kexec_load), the
 * destinations are nsegs contiguous segments (kernel, initrd, ...) that
 * tile dst in a random order.  src and dst do not overlap, so every order
 * is copy-safe.  Addresses in the list are this process's virtual
 * addresses, standing in for physical ones.
 */
struct bench_pagelist {
	uint64_t head;			/* IND_INDIRECTION | first entry page */
	struct bench_page_pair *pairs;	/* the copies, in list order */
	size_t npages;
	uint64_t *ind;			/* indirection pages, contiguous */
	size_t nind;
	size_t entries;			/* entries written, IND_DONE included */
};

/* 0, or -1 with errno (allocation).  seed picks the order. */
int bench_pagelist_build(struct bench_pagelist *pl, const uint8_t *src,
			 uint8_t *dst, size_t npages, unsigned nsegs,
			 uint64_t seed);
void bench_pagelist_free(struct bench_pagelist *pl);

/* Walks the list the way Linux's x86_64 relocate_kernel does and copies
 * each source page with one `rep movsq` of 512 quadwords. */
void bench_copy_linux_rep_movsq(uint64_t head);
/* glibc memcpy of each pair, 4 KiB at a time, in list order. */
void bench_copy_memcpy_pairs(const struct bench_page_pair *pairs, size_t n);
/* 0 if every destination page holds its source page's bytes. */
int bench_pagelist_check(const struct bench_pagelist *pl);

#endif
