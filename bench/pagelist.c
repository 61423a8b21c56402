/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <kexec_abi.h>
#include "pagelist.h"

#define PAGE KX_PAGE_SIZE

/* splitmix64: a seedable stream for the shuffles, independent of libc. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(size_t *v, size_t n, uint64_t *s)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = next_rand(s) % i, t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* Appends one entry, chaining to a fresh indirection page when only the
 * last slot of the current one is left (that slot must chain or end). */
struct writer {
	struct bench_pagelist *pl;
	uint64_t *page;
	unsigned slot;
};

static void put_entry(struct writer *w, uint64_t entry)
{
	if (w->slot == KX_IND_ENTRIES_PER_PAGE - 1 && !(entry & IND_DONE)) {
		uint64_t *next = w->pl->ind + KX_IND_ENTRIES_PER_PAGE * w->pl->nind++;

		w->page[w->slot] = (uint64_t)(uintptr_t)next | IND_INDIRECTION;
		w->pl->entries++;
		w->page = next;
		w->slot = 0;
	}
	w->page[w->slot++] = entry;
	w->pl->entries++;
}

int bench_pagelist_build(struct bench_pagelist *pl, const uint8_t *src,
			 uint8_t *dst, size_t npages, unsigned nsegs,
			 uint64_t seed)
{
	size_t *order = NULL, *cut = NULL, *segs = NULL, max_ind;
	uint64_t s = seed;
	struct writer w;
	size_t k = 0;

	memset(pl, 0, sizeof(*pl));
	if (!npages || !nsegs || nsegs > npages) {
		errno = EINVAL;
		return -1;
	}
	/* Entries: a source per page, a destination per segment, the end,
	 * and a chain entry per page of entries. */
	max_ind = (npages + nsegs + 1) / (KX_IND_ENTRIES_PER_PAGE - 1) + 1;
	order = malloc(npages * sizeof(*order));
	cut = malloc((nsegs + 1) * sizeof(*cut));
	segs = malloc(nsegs * sizeof(*segs));
	pl->pairs = malloc(npages * sizeof(*pl->pairs));
	pl->ind = aligned_alloc(PAGE, max_ind * PAGE);
	if (!order || !cut || !segs || !pl->pairs || !pl->ind)
		goto fail;
	memset(pl->ind, 0, max_ind * PAGE);

	/* Source order: a random permutation of the source pages. */
	for (size_t i = 0; i < npages; i++)
		order[i] = i;
	shuffle(order, npages, &s);
	/* Segment boundaries: nsegs - 1 distinct random cuts, sorted. */
	cut[0] = 0;
	cut[nsegs] = npages;
	for (unsigned i = 1; i < nsegs; i++) {
		size_t c;
		int dup;

		do {
			c = 1 + next_rand(&s) % (npages - 1);
			dup = 0;
			for (unsigned j = 1; j < i; j++)
				dup |= cut[j] == c;
		} while (dup);
		cut[i] = c;
		for (unsigned j = i; j > 1 && cut[j - 1] > cut[j]; j--) {
			size_t t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	}
	for (unsigned i = 0; i < nsegs; i++)
		segs[i] = i;
	shuffle(segs, nsegs, &s);

	pl->nind = 1;
	pl->npages = npages;
	pl->head = (uint64_t)(uintptr_t)pl->ind | IND_INDIRECTION;
	w.pl = pl;
	w.page = pl->ind;
	w.slot = 0;
	for (unsigned i = 0; i < nsegs; i++) {
		size_t first = cut[segs[i]], end = cut[segs[i] + 1];

		put_entry(&w, (uint64_t)(uintptr_t)(dst + first * PAGE) | IND_DESTINATION);
		for (size_t p = first; p < end; p++, k++) {
			const uint8_t *from = src + order[k] * PAGE;

			put_entry(&w, (uint64_t)(uintptr_t)from | IND_SOURCE);
			pl->pairs[k].src = from;
			pl->pairs[k].dst = dst + p * PAGE;
		}
	}
	put_entry(&w, IND_DONE);
	free(order);
	free(cut);
	free(segs);
	return 0;
fail:
	free(order);
	free(cut);
	free(segs);
	bench_pagelist_free(pl);
	errno = ENOMEM;
	return -1;
}

void bench_pagelist_free(struct bench_pagelist *pl)
{
	free(pl->pairs);
	free(pl->ind);
	memset(pl, 0, sizeof(*pl));
}

/*
 * The anchor for the trampoline's copy loop: Linux's x86_64
 * relocate_kernel, in C around the same instruction.  It reads the next
 * entry, tests the flags in Linux's order (destination, indirection, done,
 * source) and copies a source page with `rep movsq` of 512 quadwords.
 * (To keep a way back, kexec jump, Linux copies through a swap page: three
 * such copies per page.  This is the one-copy walk, the harder anchor.)
 */
void bench_copy_linux_rep_movsq(uint64_t head)
{
	const uint64_t *ptr = NULL;
	uint64_t entry = head;
	uint8_t *dest = NULL;

	for (;;) {
		uint64_t addr = entry & ~(uint64_t)(PAGE - 1);

		if (entry & IND_DESTINATION) {
			dest = (uint8_t *)(uintptr_t)addr;
		} else if (entry & IND_INDIRECTION) {
			ptr = (const uint64_t *)(uintptr_t)addr;
		} else if (entry & IND_DONE) {
			return;
		} else if (entry & IND_SOURCE) {
			void *d = dest;
			const void *sp = (const void *)(uintptr_t)addr;
			size_t n = PAGE / 8;

			/* In: rdi destination, rsi source, rcx quadwords;
			 * DF clear (SysV ABI).  Out: rdi, rsi past the page,
			 * rcx zero. */
			__asm__ volatile("rep movsq"
					 : "+D"(d), "+S"(sp), "+c"(n)
					 :
					 : "memory");
			dest += PAGE;
		}
		entry = *ptr++;
	}
}

void bench_copy_memcpy_pairs(const struct bench_page_pair *pairs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(pairs[i].dst, pairs[i].src, PAGE);
}

int bench_pagelist_check(const struct bench_pagelist *pl)
{
	for (size_t i = 0; i < pl->npages; i++)
		if (memcmp(pl->pairs[i].dst, pl->pairs[i].src, PAGE) != 0)
			return -1;
	return 0;
}
