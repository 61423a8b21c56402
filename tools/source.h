/* SPDX-License-Identifier: MIT */
/*
 * Where kxinspect reads "physical memory" from: a plain file whose first
 * byte is at a given physical address, /dev/mem, or an ELF core file
 * (/proc/vmcore, a makedumpfile -E dump) through its PT_LOAD headers.
 *
 * Live memory (SOURCE_MEM) is read only where /proc/iomem lists RAM or a
 * reserved range: an address a token or a next_page names may be a
 * device's register.  Where /dev/mem refuses such an address (arm64's
 * STRICT_DEVMEM refuses System RAM), it is read through /proc/kcore.
 */
#ifndef KX_TOOLS_SOURCE_H
#define KX_TOOLS_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <kx/status.h>

enum source_kind { SOURCE_FILE, SOURCE_MEM, SOURCE_CORE };

struct core_load {
	uint64_t paddr, offset, filesz;
};

/* A physical range [start, end], end inclusive as /proc/iomem says. */
struct mem_range {
	uint64_t start, end;
};

struct source {
	enum source_kind kind;
	const char *path;
	int fd;
	uint64_t base;		/* SOURCE_FILE: physical address of byte 0 */
	uint64_t size;		/* SOURCE_FILE: file size */
	struct core_load *loads;	/* SOURCE_CORE */
	unsigned nloads;
	void **bufs;		/* everything mapped, freed at close */
	unsigned nbufs;
	uint8_t *page;		/* source_map_page's one buffer */
	/* SOURCE_MEM: the ranges /proc/iomem allows, and the kcore fallback. */
	struct mem_range *allowed;
	unsigned nallowed;
	const char *iomem_path;	/* what said so, for messages */
	const char *kcore_path;	/* NULL: no fallback */
	struct source *kcore;	/* opened at the first refusal */
	char err[256];		/* why open failed */
	char refused[512];	/* why the last read was refused, or "" */
};

int source_open(struct source *s, enum source_kind kind, const char *path,
		uint64_t base);
/*
 * SOURCE_MEM only: reads are allowed where iomem_path (/proc/iomem or a
 * file in its format) lists "System RAM" or a reserved range, at any
 * nesting level; kcore_path (NULL: none) is read where the device refuses.
 * Returns -1 with s->err when iomem_path cannot be read or lists nothing.
 */
int source_limit(struct source *s, const char *iomem_path,
		 const char *kcore_path);
void source_close(struct source *s);
/* Reads len bytes at phys; KX_ERR_RANGE when not all of them exist. */
enum kx_status source_read(struct source *s, uint64_t phys, void *buf,
			   size_t len);
/* kx_setup_map_fn: copies into a buffer that lives until source_close. */
enum kx_status source_map(void *ctx, uint64_t phys, uint32_t len,
			  const void **out);
/* kx_pl_map_fn: one buffer, reused by every call (the page-list walker
 * holds one page at a time), so a long list costs one page of memory. */
enum kx_status source_map_page(void *ctx, uint64_t phys, uint32_t len,
			       const void **out);

#endif
