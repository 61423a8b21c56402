/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source.h"

/* e_phnum is 16 bits; PN_XNUM (0xffff) would defer it to a section header. */

static int fail(struct source *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", s->path, what);
	return -1;
}

static int read_exact(int fd, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * /dev/mem refuses read() beyond the running kernel's own RAM (x86's
 * valid_phys_addr_range), but maps any physical page without
 * STRICT_DEVMEM: how a kernel reads memory it was not given, such as the
 * memory of the kernel that kexec-jumped to it.
 */
static int map_exact(int fd, uint64_t phys, void *buf, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t base = phys & ~(uint64_t)(pg - 1);
	size_t span = (size_t)(phys + len - base);
	void *m;

	m = mmap(NULL, span, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (m == MAP_FAILED)
		return -1;
	memcpy(buf, (uint8_t *)m + (phys - base), len);
	munmap(m, span);
	return 0;
}

static int open_core(struct source *s)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (read_exact(s->fd, 0, &eh, sizeof(eh)))
		return fail(s, "shorter than an ELF header");
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(s, "not a little-endian ELF64 file");
	if (eh.e_type != ET_CORE)
		return fail(s, "not an ELF core file");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum == PN_XNUM)
		return fail(s, "bad program header table");
	s->loads = calloc(eh.e_phnum, sizeof(*s->loads));
	if (!s->loads)
		return fail(s, "out of memory");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (read_exact(s->fd, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph)))
			return fail(s, "program header table truncated");
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		/* /proc/kcore marks what has no physical address (vmalloc,
		 * modules) with p_paddr -1: not physical memory, skipped. */
		if (ph.p_paddr == UINT64_MAX)
			continue;
		if (ph.p_paddr + ph.p_filesz < ph.p_paddr ||
		    ph.p_offset + ph.p_filesz < ph.p_offset)
			return fail(s, "PT_LOAD wraps around");
		s->loads[s->nloads++] = (struct core_load){ ph.p_paddr, ph.p_offset, ph.p_filesz };
	}
	if (!s->nloads)
		return fail(s, "no PT_LOAD with file contents");
	return 0;
}

int source_open(struct source *s, enum source_kind kind, const char *path,
		uint64_t base)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->path = path;
	s->base = base;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return fail(s, strerror(errno));
	switch (kind) {
	case SOURCE_FILE:
		if (fstat(s->fd, &st))
			return fail(s, strerror(errno));
		s->size = (uint64_t)st.st_size;
		return 0;
	case SOURCE_MEM:
		return 0;
	case SOURCE_CORE:
		return open_core(s);
	}
	return fail(s, "unknown source");
}

void source_close(struct source *s)
{
	for (unsigned i = 0; i < s->nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->loads);
	free(s->page);
	free(s->allowed);
	if (s->kcore) {
		source_close(s->kcore);
		free(s->kcore);
	}
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* "start-end : name" with any indentation; 0 for another line. */
static int iomem_line(const char *line, uint64_t *start, uint64_t *end,
		      const char **name)
{
	char *p;

	while (*line == ' ')
		line++;
	errno = 0;
	*start = strtoull(line, &p, 16);
	if (errno || p == line || *p != '-')
		return 0;
	line = p + 1;
	*end = strtoull(line, &p, 16);
	if (errno || p == line || strncmp(p, " : ", 3) || *end < *start)
		return 0;
	*name = p + 3;
	return 1;
}

int source_limit(struct source *s, const char *iomem_path,
		 const char *kcore_path)
{
	FILE *f = fopen(iomem_path, "r");
	char line[256];
	uint64_t start, end;
	const char *name;

	if (!f) {
		snprintf(s->err, sizeof(s->err), "%s: %s (needed to check what --mem reads)",
			 iomem_path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct mem_range *r;

		line[strcspn(line, "\n")] = 0;
		if (!iomem_line(line, &start, &end, &name) ||
		    (strcmp(name, "System RAM") && strcasecmp(name, "reserved")))
			continue;
		r = realloc(s->allowed, (s->nallowed + 1) * sizeof(*r));
		if (!r) {
			fclose(f);
			snprintf(s->err, sizeof(s->err), "%s: out of memory", iomem_path);
			return -1;
		}
		s->allowed = r;
		s->allowed[s->nallowed++] = (struct mem_range){ start, end };
	}
	fclose(f);
	/* Without privilege the kernel shows every address as 0. */
	if (!s->nallowed || (s->nallowed && !s->allowed[s->nallowed - 1].end)) {
		snprintf(s->err, sizeof(s->err),
			 "%s lists no RAM or reserved range (are you root?)", iomem_path);
		return -1;
	}
	s->iomem_path = iomem_path;
	s->kcore_path = kcore_path;
	return 0;
}

/* Is [phys, phys + len) inside one allowed range?  (Ranges of /proc/iomem
 * that touch are separate lines; a setup page or list page lies in one.) */
static int allowed(const struct source *s, uint64_t phys, size_t len)
{
	for (unsigned i = 0; i < s->nallowed; i++)
		if (phys >= s->allowed[i].start && phys <= s->allowed[i].end &&
		    len - 1 <= s->allowed[i].end - phys)
			return 1;
	return 0;
}

static enum kx_status read_mem(struct source *s, uint64_t phys, void *buf,
			       size_t len)
{
	if (s->allowed && !allowed(s, phys, len)) {
		snprintf(s->refused, sizeof(s->refused),
			 "0x%llx+0x%zx is neither RAM nor reserved in %s: not read",
			 (unsigned long long)phys, len, s->iomem_path);
		return KX_ERR_RANGE;
	}
	if (!read_exact(s->fd, phys, buf, len))
		return KX_OK;
	/* /dev/mem's read() stops at the kernel's own RAM (high_memory);
	 * a mapping of the same device reaches beyond it. */
	if (!map_exact(s->fd, phys, buf, len))
		return KX_OK;
	if (!s->kcore_path)
		return KX_ERR_RANGE;
	/* arm64's STRICT_DEVMEM refuses System RAM: the kernel's own map. */
	if (!s->kcore) {
		s->kcore = calloc(1, sizeof(*s->kcore));
		if (!s->kcore)
			return KX_ERR_NO_MEMORY;
		if (source_open(s->kcore, SOURCE_CORE, s->kcore_path, 0)) {
			snprintf(s->refused, sizeof(s->refused), "%s refuses 0x%llx, and %s",
				 s->path, (unsigned long long)phys, s->kcore->err);
			s->kcore_path = 0;
			return KX_ERR_RANGE;
		}
		fprintf(stderr, "kxinspect: %s refuses 0x%llx: reading %s\n", s->path,
			(unsigned long long)phys, s->kcore_path);
	}
	return source_read(s->kcore, phys, buf, len);
}

enum kx_status source_read(struct source *s, uint64_t phys, void *buf,
			   size_t len)
{
	uint64_t end = phys + len;

	if (end < phys || !len)
		return KX_ERR_RANGE;
	switch (s->kind) {
	case SOURCE_FILE:
		if (phys < s->base || end - s->base > s->size)
			return KX_ERR_RANGE;
		return read_exact(s->fd, phys - s->base, buf, len) ? KX_ERR_RANGE : KX_OK;
	case SOURCE_MEM:
		return read_mem(s, phys, buf, len);
	case SOURCE_CORE:
		/* Within one PT_LOAD; setup pages never straddle two. */
		for (unsigned i = 0; i < s->nloads; i++) {
			const struct core_load *l = &s->loads[i];

			if (phys >= l->paddr && end - l->paddr <= l->filesz)
				return read_exact(s->fd, l->offset + (phys - l->paddr),
						  buf, len) ? KX_ERR_RANGE : KX_OK;
		}
		return KX_ERR_RANGE;
	}
	return KX_ERR_INVAL;
}

enum kx_status source_map(void *ctx, uint64_t phys, uint32_t len,
			  const void **out)
{
	struct source *s = ctx;
	void **bufs;
	void *buf;
	enum kx_status st;

	/* 8-byte aligned copies: the reader's structures want it. */
	buf = aligned_alloc(8, (len + 7) & ~7u);
	bufs = realloc(s->bufs, (s->nbufs + 1) * sizeof(*bufs));
	if (!buf || !bufs) {
		free(buf);
		if (bufs)
			s->bufs = bufs;
		return KX_ERR_NO_MEMORY;
	}
	s->bufs = bufs;
	st = source_read(s, phys, buf, len);
	if (st != KX_OK) {
		free(buf);
		return st;
	}
	s->bufs[s->nbufs++] = buf;
	*out = buf;
	return KX_OK;
}

enum kx_status source_map_page(void *ctx, uint64_t phys, uint32_t len,
			       const void **out)
{
	struct source *s = ctx;
	enum kx_status st;

	if (len > 4096)
		return KX_ERR_INVAL;
	if (!s->page && !(s->page = aligned_alloc(8, 4096)))
		return KX_ERR_NO_MEMORY;
	st = source_read(s, phys, s->page, len);
	if (st == KX_OK)
		*out = s->page;
	return st;
}
