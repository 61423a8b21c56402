/* SPDX-License-Identifier: MIT */
/*
 * Where kxinspect reads "physical memory" from: a plain file whose first
 * byte is at a given physical address, /dev/mem, or an ELF core file
 * (/proc/vmcore, a makedumpfile -E dump) through its PT_LOAD headers.
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
	char err[256];		/* why open failed */
};

int source_open(struct source *s, enum source_kind kind, const char *path,
		uint64_t base);
void source_close(struct source *s);
/* Reads len bytes at phys; KX_ERR_RANGE when not all of them exist. */
enum kx_status source_read(struct source *s, uint64_t phys, void *buf,
			   size_t len);
/* kx_setup_map_fn: copies into a buffer that lives until source_close. */
enum kx_status source_map(void *ctx, uint64_t phys, uint32_t len,
			  const void **out);

#endif
