/* SPDX-License-Identifier: MIT */
/* kxboot's hand-off pieces shared by both architectures (handoff.h). */
#include <kx/compiler.h>
#include <kx/efi_mmap.h>
#include <kx/format.h>
#include <kx/setup_page.h>
#include <kx/lanes.h>
#include <kx/sha256.h>
#include "handoff.h"
#if defined(__aarch64__)
#include <kx/a64_sys.h>
#endif

#define MAP_SLACK	64	/* descriptors the map may grow by */
#define MAX_RUNS_SHOWN	16	/* page-list runs the report prints */

/* ------------------------------------------------------------ memory */

uint64_t kxb_alloc_low(uint64_t pages, uint64_t align, uint64_t offset,
		       uint64_t min, uint64_t max)
{
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN count, dsize, key;
	uint64_t need = pages * KXB_PAGE, found = 0;

	map = kxb_memory_map(&count, &dsize, &key);
	for (UINTN i = 0; i < count && !found; i++) {
		EFI_MEMORY_DESCRIPTOR *d = kxb_desc(map, dsize, i);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * KXB_PAGE;
		uint64_t base = KX_MAX(d->PhysicalStart, min);
		uint64_t a = base / align * align + offset;
		EFI_PHYSICAL_ADDRESS at;

		if (a < base)
			a += align;
		at = a;
		if (d->Type != EfiConventionalMemory || a + need > end ||
		    a + need - 1 > max)
			continue;
		if (kxb_alloc_pages(AllocateAddress, pages, &at) == EFI_SUCCESS)
			found = a;
	}
	FreePool(map);
	return found;
}

/* ------------------------------------------------------------ files */

struct kxb_part kxb_initrd_parts[KX_BOOTCONF_INITRD_MAX];

uint64_t kxb_load_initrds(const struct kx_bootconf *conf, struct kxb_seg *s,
			  uint64_t max, uint64_t max2)
{
	static struct kxb_file f[KX_BOOTCONF_INITRD_MAX];
	unsigned n = conf->ninitrd;
	uint64_t total = 0, off = 0, sizes[KX_BOOTCONF_INITRD_MAX];
	EFI_PHYSICAL_ADDRESS dest;
	EFI_STATUS st;

	for (unsigned i = 0; i < n; i++) {
		kxb_open(&f[i], conf->initrd[i], "initrd");
		sizes[i] = f[i].size;
	}
	if (kx_bootconf_initrd_size(sizes, n, &total) != KX_OK)
		kxb_fail(EFI_BAD_BUFFER_SIZE, "initrd: %u files, more than %llu bytes together",
			 n, (unsigned long long)KX_BOOTCONF_LOAD_MAX);
	if (!total) {
		for (unsigned i = 0; i < n; i++)
			kxb_close(&f[i]);
		return 0;
	}
	s->size = KX_ALIGN_UP(total, KXB_PAGE);
	dest = max;
	st = kxb_alloc_pages(AllocateMaxAddress, s->size / KXB_PAGE, &dest);
	if (st != EFI_SUCCESS && max2 > max) {
		max = max2;
		dest = max;
		st = kxb_alloc_pages(AllocateMaxAddress, s->size / KXB_PAGE, &dest);
	}
	if (st != EFI_SUCCESS)
		kxb_fail(EFI_OUT_OF_RESOURCES,
			 "initrd: %llu bytes (%u file%s) do not fit in free memory below 0x%llx",
			 (unsigned long long)total, n, n > 1 ? "s" : "",
			 (unsigned long long)max);
	s->dest = dest;
	dest = 0;
	if (kxb_alloc_pages(AllocateAnyPages, s->size / KXB_PAGE, &dest) != EFI_SUCCESS)
		kxb_fail(EFI_OUT_OF_RESOURCES,
			 "initrd: %llu bytes do not fit in free memory twice (staged, then copied)",
			 (unsigned long long)total);
	s->buf = (uint8_t *)(uintptr_t)dest;
	for (unsigned i = 0; i < n; i++) {
		kx_memset(s->buf + off, 0, KX_ALIGN_UP(off, 4) - off);
		off = KX_ALIGN_UP(off, 4);
		kxb_read(&f[i], 0, s->buf + off, f[i].size);
		kxb_initrd_parts[i].off = off;
		kxb_initrd_parts[i].size = f[i].size;
		off += f[i].size;
		kxb_close(&f[i]);
	}
	kx_memset(s->buf + off, 0, s->size - off);
	kxb_say("kxboot: initrd: %u file%s, %llu bytes\n", n, n > 1 ? "s" : "",
		(unsigned long long)total);
	return total;
}

/* ------------------------------------------------------------ purgatory */

void kxb_purgatory_set(struct kxb_purgatory *p, const char *name,
		       const void *v, uint64_t size)
{
	enum kx_status st = kx_elf_rel_set(&p->rel, name, v, size);

	if (st != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "embedded purgatory: symbol %s: %s",
			 name, kx_strerror(st));
}

uint64_t kxb_purgatory_addr(struct kxb_purgatory *p, const char *name)
{
	uint64_t addr, size;
	enum kx_status st = kx_elf_rel_symbol(&p->rel, name, &addr, &size);

	if (st != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "embedded purgatory: symbol %s: %s",
			 name, kx_strerror(st));
	return addr;
}

void kxb_purgatory_load(struct kxb_purgatory *p, uint64_t max)
{
	uint64_t size, align, pages;
	uint8_t *buf;
	enum kx_status st;

	st = kx_elf_rel_open(&p->rel, kxb_purgatory_ro, kxb_purgatory_ro_size);
	if (st == KX_OK)
		st = kx_elf_rel_image_size(&p->rel, &size, &align);
	if (st != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "embedded purgatory: %s", kx_strerror(st));
	align = KX_MAX(align, KXB_PAGE);
	pages = KXB_PAGES(size) + (align - KXB_PAGE) / KXB_PAGE;
	buf = kxb_code_pages_or_fail(pages, max, "purgatory");
	p->phys = KX_ALIGN_UP((uint64_t)(uintptr_t)buf, align);
	p->size = size;
	st = kx_elf_rel_load(&p->rel, (void *)(uintptr_t)p->phys, size, p->phys);
	if (st != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "embedded purgatory: cannot load it: %s",
			 kx_strerror(st));
}

void kxb_copy_hash(struct kxb_purgatory *p, const char *who, uint64_t mode,
		   uint64_t *hash, uint64_t *stack)
{
	*hash = kxb_purgatory_addr(p, KX_SYM_COPY_HASH);
	*stack = kxb_purgatory_addr(p, "kx_stack_top");
	kxb_say("%s: one pass: the trampoline %s, purgatory's %s at 0x%llx hashing each LANE segment as it is written (stack 0x%llx)\n",
		who, mode == KX_PL_SWAP_DIGEST ? "swaps in SWAP_DIGEST mode" : "copies in DIGEST mode",
		KX_SYM_COPY_HASH, (unsigned long long)*hash, (unsigned long long)*stack);
}

/* ------------------------------------------------------------ tables */

static int is_ram(UINT32 type)
{
	switch (type) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
	case EfiConventionalMemory:
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS:
	case KX_EFI_PERSISTENT:	/* not named by GNU-EFI 3.0.15 */
		return 1;
	default:
		return 0;
	}
}

size_t kxb_ram_ranges(struct kx_idmap_range *r, uint64_t limit, uint64_t control)
{
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN count, dsize, key;
	size_t n = 0;

	map = kxb_memory_map(&count, &dsize, &key);
	for (UINTN i = 0; i < count; i++) {
		EFI_MEMORY_DESCRIPTOR *d = kxb_desc(map, dsize, i);
		uint64_t start = d->PhysicalStart;
		uint64_t size = d->NumberOfPages * KXB_PAGE;

		if (!is_ram(d->Type) || !size || start + size > limit)
			continue;
		if (n && r[n - 1].start + r[n - 1].size == start) {
			r[n - 1].size += size;
			continue;
		}
		if (n == KXB_MAX_RANGES - 1) {
			FreePool(map);
			kxb_fail(EFI_UNSUPPORTED, "identity map: more than %u RAM ranges",
				 KXB_MAX_RANGES - 1);
		}
		r[n].start = start;
		r[n].size = size;
		r[n].attr = KX_IDMAP_NORMAL;
		n++;
	}
	FreePool(map);
	/* RAM already, but the trampoline's page must be mapped whatever the
	 * firmware called it: said explicitly (overlaps of one kind are fine). */
	r[n].start = control;
	r[n].size = KXB_PAGE;
	r[n].attr = KX_IDMAP_NORMAL;
	return n + 1;
}

/* Every sized segment is listed and verified: more than the library
 * takes is refused, never dropped. */
static unsigned count_sized(const struct kxb_seg *segs, unsigned nseg,
			    const char *what)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nseg; i++)
		n += segs[i].size != 0;
	if (n > KX_PL_MAX_SEGMENTS)
		kxb_fail(kxb_efi_status(KX_ERR_NO_SPACE),
			 "%s: %u segments, kx takes at most %u: %s", what, n,
			 KX_PL_MAX_SEGMENTS, kx_strerror(KX_ERR_NO_SPACE));
	return n;
}

void kxb_page_list(struct kxb_plist *pl, const struct kxb_seg *segs,
		   unsigned nseg, const struct kx_pl_range *keep, unsigned nkeep)
{
	static struct kx_pl_segment pls[KX_PL_MAX_SEGMENTS];
	static unsigned index[KX_PL_MAX_SEGMENTS];
	unsigned n = 0;
	uint64_t pages = 0;
	enum kx_status st;

	count_sized(segs, nseg, "page list");
	for (unsigned i = 0; i < nseg; i++) {
		if (!segs[i].size)
			continue;
		pls[n].buf = segs[i].buf;
		pls[n].bufsz = segs[i].size;
		pls[n].dest = segs[i].dest;
		pls[n].memsz = segs[i].size;
		pages += segs[i].size / KXB_PAGE;
		index[n++] = i;
	}
	/* Staging is page aligned and whole: only indirection pages are
	 * taken, one per 511 entries, a destination entry per segment. */
	pl->pool.pages = (pages + n) / (KX_IND_ENTRIES_PER_PAGE - 1) + 2;
	pl->pool.base = kxb_pages_or_fail(AllocateAnyPages, pl->pool.pages, 0,
					  "page list");
	pl->pool.phys = (uintptr_t)pl->pool.base;
	pl->pool.used = 0;
	kx_memset(&pl->b, 0, sizeof(pl->b));
	pl->b.alloc = kx_page_pool_alloc;
	pl->b.alloc_ctx = &pl->pool;
	pl->b.reserved = keep;
	pl->b.nreserved = nkeep;
	pl->b.max_pool_pages = pl->pool.pages;
	st = kx_pl_build(&pl->b, pls, n);
	if (st != KX_OK)
		kxb_fail(kxb_efi_status(st), "page list: %s (segment %s)",
			 kx_strerror(st),
			 pl->b.bad_segment < n ? segs[index[pl->b.bad_segment]].name : "?");
}

void *kxb_control_page(uint8_t *control, const char *start, const char *end,
		       size_t args_size, size_t stack)
{
	uint64_t size = (uint64_t)(end - start), args = KX_ALIGN_UP(size, 64);

	if (args + args_size + stack > KXB_PAGE)
		kxb_fail(EFI_LOAD_ERROR,
			 "trampoline: %llu bytes leave no room for its arguments and stack in its page",
			 (unsigned long long)size);
	kx_memcpy(control, start, size);
#if defined(__aarch64__)
	kx_a64_clean_to_poc((uintptr_t)control, (uintptr_t)control + KXB_PAGE);
	__asm__ volatile("ic iallu; dsb sy; isb" : : : "memory");
#endif
	return control + args;
}

void kxb_page_list_keeping(struct kxb_plist *pl, const struct kxb_seg *segs,
			   unsigned nseg, const struct kxb_purgatory *purg,
			   uint64_t setup, unsigned setup_pages, uint64_t control,
			   const struct kx_page_pool *idmap)
{
	static struct kx_pl_range keep[4];

	keep[0] = (struct kx_pl_range){ purg->phys, purg->phys + purg->size };
	keep[1] = (struct kx_pl_range){ setup, setup + setup_pages * KXB_PAGE };
	keep[2] = (struct kx_pl_range){ control, control + KXB_PAGE };
	keep[3] = (struct kx_pl_range){ idmap->phys, idmap->phys + idmap->pages * KXB_PAGE };
	kxb_page_list(pl, segs, nseg, keep, KX_ARRAY_SIZE(keep));
}

/* ------------------------------------------------------------ report */

static void say_digest(const uint8_t d[KX_SHA256_SIZE])
{
	for (int i = 0; i < KX_SHA256_SIZE; i++)
		kxb_say("%02x", d[i]);
}

void kxb_hash_segment(struct kxb_seg *s)
{
	enum kx_status st;

	if (!s->lanes) {
		kx_sha256(s->buf, s->size, s->digest);
		return;
	}
	st = kx_lanes(s->buf, s->size, s->lanes, s->digest);
	if (st != KX_OK)
		kxb_fail(EFI_INVALID_PARAMETER, "%s: KX lanes digest: %s", s->name,
			 kx_strerror(st));
}

void kxb_report_segments(const struct kxb_seg *segs, unsigned nseg,
			 unsigned late_index)
{
	for (unsigned i = 0; i < nseg; i++) {
		const struct kxb_seg *s = &segs[i];

		if (!s->size)
			continue;
		kxb_say("kxboot: segment %-11s dest 0x%09llx size 0x%08llx ",
			s->name, (unsigned long long)s->dest,
			(unsigned long long)s->size);
		if (s->lanes)
			kxb_say("kx-lanes/%u (%s) ", s->lanes, kx_lanes_get_impl()->name);
		else
			kxb_say("sha256 ");
		if (i == late_index)
			kxb_say("(after ExitBootServices: holds the final memory map)");
		else
			say_digest(s->digest);
		kxb_say("\n");
	}
}

/* One run of the list; the first MAX_RUNS_SHOWN are printed. */
static enum kx_status say_run(void *ctx, const struct kx_pl_run *run)
{
	unsigned *runs = ctx;

	if ((*runs)++ < MAX_RUNS_SHOWN)
		kxb_say("kxboot:   0x%09llx <- 0x%09llx  %6llu pages\n",
			(unsigned long long)run->dest, (unsigned long long)run->src,
			(unsigned long long)run->pages);
	return KX_OK;
}

void kxb_report_page_list(const struct kxb_plist *pl)
{
	struct kx_pl_stats stats;
	unsigned runs = 0;
	enum kx_status st;

	kxb_say("kxboot: page list, as runs: destination <- source, pages\n");
	st = kx_pl_runs(NULL, pl->b.head, say_run, &runs, &stats, NULL);
	if (st != KX_OK)
		kxb_fail(EFI_LOAD_ERROR, "page list does not walk: %s", kx_strerror(st));
	if (runs > MAX_RUNS_SHOWN)
		kxb_say("kxboot:   ... %u more runs\n", runs - MAX_RUNS_SHOWN);
	kxb_say("kxboot: page list: head 0x%llx, %llu entries, %llu indirection pages, %llu page copies in %u runs\n",
		(unsigned long long)pl->b.head, (unsigned long long)stats.entries,
		(unsigned long long)stats.pages, (unsigned long long)stats.sources,
		runs);
}

/* ------------------------------------------------------------ setup page */

enum kx_status kxb_write_setup_page(uint8_t *setup, unsigned pages,
				    const struct kxb_seg *segs, unsigned nseg,
				    const struct kx_mem_range *mm, unsigned nmm,
				    const char *cmdline,
				    const struct kx_measurement *meas, unsigned nmeas)
{
	static struct kx_segment ks[KX_PL_MAX_SEGMENTS];
	static struct kx_segment_lanes kl[KX_PL_MAX_SEGMENTS];
	struct kx_page_pool pool = { setup, (uintptr_t)setup, pages, 0 };
	struct kx_setup_content c = {
		.segs = ks, .lanes = kl, .memmap = mm, .nmemmap = nmm, .cmdline = cmdline,
		.measured = meas, .nmeasured = nmeas,
	};
	uint64_t head;

	count_sized(segs, nseg, "setup page");
	kx_memset(ks, 0, sizeof(ks));
	kx_memset(kl, 0, sizeof(kl));
	/* Each segment in SEGM or, with a lanes digest, in LANE. */
	for (unsigned i = 0; i < nseg; i++) {
		const struct kxb_seg *s = &segs[i];

		if (!s->size)
			continue;
		if (s->lanes) {
			kl[c.nlanes] = (struct kx_segment_lanes){ .dest = s->dest, .size = s->size,
				.kind = s->kind, .lanes = s->lanes };
			kx_memcpy(kl[c.nlanes++].digest, s->digest, KX_SHA256_SIZE);
		} else {
			ks[c.nsegs] = (struct kx_segment){ .dest = s->dest, .size = s->size,
				.kind = s->kind };
			kx_memcpy(ks[c.nsegs++].sha256, s->digest, KX_SHA256_SIZE);
		}
	}
	return kx_setup_write(&c, kx_page_pool_alloc, &pool, &head);
}

/* ------------------------------------------------------------ leaving */

EFI_MEMORY_DESCRIPTOR *kxb_map_room(UINTN *cap, UINTN *count)
{
	EFI_MEMORY_DESCRIPTOR *map, *room;
	UINTN dsize, key;
	uint64_t bytes;

	map = kxb_memory_map(count, &dsize, &key);
	FreePool(map);
	bytes = (*count + MAP_SLACK) * dsize;
	room = kxb_pages_or_fail(AllocateAnyPages, KXB_PAGES(bytes), 0, "memory map");
	*cap = KXB_PAGES(bytes) * KXB_PAGE;
	return room;
}

void kxb_late_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kx_vformat(kxb_arch_late_putc, NULL, fmt, ap);
	va_end(ap);
}

void kxb_late_halt(const char *why, enum kx_status st)
{
	kxb_late_say("kxboot: after ExitBootServices: %s: %s\nkxboot: halted\n",
		     why, kx_strerror(st));
	kxb_arch_halt();
}

UINTN kxb_exit_boot_services(EFI_MEMORY_DESCRIPTOR *map, UINTN cap, UINTN *dsize)
{
	UINTN size, key;
	UINT32 version;
	EFI_STATUS st;
	unsigned tries;

	kxb_say("kxboot: exiting boot services\n");
	for (tries = 1;; tries++) {
		size = cap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key,
				       dsize, &version);
		if (st != EFI_SUCCESS) {
			if (tries == 1)
				kxb_fail(st, "cannot read the final memory map");
			kxb_late_halt("GetMemoryMap failed", KX_ERR_NO_SPACE);
		}
		st = uefi_call_wrapper(BS->ExitBootServices, 2, kxb_image, key);
		if (st == EFI_SUCCESS)
			break;
		if (tries == 8)
			kxb_late_halt("ExitBootServices refused 8 memory maps", KX_ERR_INVAL);
	}
	/* No firmware timer or handler is ours to take any more. */
	kxb_arch_interrupts_off();
	kxb_late_say("kxboot: boot services exited (memory map key 0x%llx, %u attempt%s, %llu descriptors)\n",
		     (unsigned long long)key, tries, tries > 1 ? "s" : "",
		     (unsigned long long)(size / *dsize));
	return size / *dsize;
}
