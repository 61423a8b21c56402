/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for kxinspect's ELF-core source (tools/source.c,
 * SOURCE_CORE: /proc/vmcore, /proc/kcore, makedumpfile -E dumps).  The
 * input is the core file.  Oracle: an independent reading of the ELF64
 * header and PT_LOADs here, in 128-bit arithmetic, must agree with
 * source_open on accepting the file and on every load it keeps; and
 * source_read, probed at the edges of every load and at addresses the
 * input names, must return exactly the file's bytes where one load holds
 * the whole range and the file has them, and KX_ERR_RANGE elsewhere.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../tools/source.h"

typedef unsigned __int128 u128;

#define PT_LOAD_ 1
#define MAX_PROBES 128

struct load {
	uint64_t paddr, offset, filesz;
};

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * The loads a reader of the ELF specification keeps, or -1 for a file it
 * refuses: ELF64, little-endian, ET_CORE, 56-byte program headers, 1 to
 * 0xfffe of them, all inside the file; PT_LOADs with file contents and a
 * physical address (not kcore's -1); neither the physical nor the file
 * range reaching 2^64; at least one.
 */
static long model(const uint8_t *d, size_t size, struct load *out)
{
	uint64_t phoff, phnum;
	long n = 0;

	if (size < 64 || memcmp(d, "\177ELF", 4) || d[4] != 2 || d[5] != 1 ||
	    le(d + 16, 2) != 4 || le(d + 54, 2) != 56)
		return -1;
	phoff = le(d + 32, 8);
	phnum = le(d + 56, 2);
	if (phnum == 0 || phnum == 0xffff)
		return -1;
	for (uint64_t i = 0; i < phnum; i++) {
		u128 at = (u128)phoff + (u128)i * 56;
		const uint8_t *p;
		uint64_t paddr, filesz;

		if (at + 56 > size)
			return -1;
		p = d + (size_t)at;
		paddr = le(p + 24, 8);
		filesz = le(p + 32, 8);
		if (le(p, 4) != PT_LOAD_ || !filesz || paddr == UINT64_MAX)
			continue;
		if ((u128)paddr + filesz > ((u128)1 << 64))
			return -1;
		/* Ending at 2^64 exactly is refused too (the source's u64 sum
		 * is 0 there), and so is a file range past 2^64. */
		if ((u128)paddr + filesz == ((u128)1 << 64) ||
		    (u128)le(p + 8, 8) + filesz >= ((u128)1 << 64))
			return -1;
		out[n++] = (struct load){ paddr, le(p + 8, 8), filesz };
	}
	return n ? n : -1;
}

/* What source_read must give for [phys, phys + len): 1 and the bytes, or 0. */
static int expect(const uint8_t *d, size_t size, const struct load *l, long n,
		  uint64_t phys, size_t len, const uint8_t **bytes)
{
	u128 end = (u128)phys + len;

	if (!len || end >= ((u128)1 << 64))
		return 0;
	for (long i = 0; i < n; i++) {
		if (phys < l[i].paddr || end - l[i].paddr > l[i].filesz)
			continue;
		/* The first load that holds it, as the source searches. */
		u128 off = (u128)l[i].offset + (phys - l[i].paddr);

		if (off + len > size)
			return 0;
		*bytes = d + (size_t)off;
		return 1;
	}
	return 0;
}

struct probe {
	uint64_t phys;
	size_t len;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct load want[0x10000];
	static struct probe probe[MAX_PROBES];
	static uint8_t got[4096];
	struct source s;
	char path[64];
	unsigned np = 0;
	long n;
	int fd, opened;

	fd = memfd_create("core", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = model(data, size, want);
	opened = source_open(&s, SOURCE_CORE, path, 0) == 0;
	if (opened != (n >= 0))
		__builtin_trap();
	if (!opened) {
		source_close(&s);
		close(fd);
		return 0;
	}
	if ((long)s.nloads != n)
		__builtin_trap();
	for (long i = 0; i < n; i++)
		if (s.loads[i].paddr != want[i].paddr || s.loads[i].offset != want[i].offset ||
		    s.loads[i].filesz != want[i].filesz)
			__builtin_trap();
	/* Each load's first and last bytes, across its ends, and the whole
	 * of a small one; then addresses from the input's last bytes. */
	for (long i = 0; i < n && np + 6 <= MAX_PROBES; i++) {
		uint64_t a = want[i].paddr, z = a + (want[i].filesz - 1);

		probe[np++] = (struct probe){ a, 1 };
		probe[np++] = (struct probe){ z, 1 };
		probe[np++] = (struct probe){ a - 1, 2 };
		probe[np++] = (struct probe){ z, 2 };
		probe[np++] = (struct probe){ a, want[i].filesz < sizeof(got) ? want[i].filesz : sizeof(got) };
		probe[np++] = (struct probe){ z - 7, 16 };
	}
	for (size_t off = size >= 64 ? size - 64 : 0; off + 10 <= size && np < MAX_PROBES; off += 10)
		probe[np++] = (struct probe){ le(data + off, 8), 1 + le(data + off + 8, 2) % sizeof(got) };
	for (unsigned i = 0; i < np; i++) {
		const uint8_t *bytes = 0;
		int ok = expect(data, size, want, n, probe[i].phys, probe[i].len, &bytes);
		enum kx_status st = source_read(&s, probe[i].phys, got, probe[i].len);

		if (ok != (st == KX_OK) || (!ok && st != KX_ERR_RANGE))
			__builtin_trap();
		if (ok && memcmp(got, bytes, probe[i].len))
			__builtin_trap();
	}
	source_close(&s);
	close(fd);
	return 0;
}
