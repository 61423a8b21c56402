/* SPDX-License-Identifier: MIT */
/*
 * physread: reads a physical address range out of an ELF core file through
 * its PT_LOAD headers, for the QEMU tests' guests.  The first kernel reads
 * /proc/kcore (/dev/mem shows RAM below 1 MiB as zeros under STRICT_DEVMEM),
 * the capture kernel reads /proc/vmcore.
 *
 *   physread CORE                list the PT_LOADs: paddr filesz offset
 *   physread CORE PADDR LEN      write LEN bytes at PADDR to stdout
 *   physread CORE --find TEXT    the paddr of an occurrence of TEXT (at most
 *                                255 bytes), searching the PT_LOADs from the
 *                                highest address down; exits 2 if none
 *
 * The range must lie inside one PT_LOAD whose p_paddr is known (kcore marks
 * vmalloc and module areas with p_paddr -1).  Exits 1 on any error, naming it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int die(const char *what, const char *why)
{
	fprintf(stderr, "physread: %s: %s\n", what, why);
	exit(1);
}

static void read_at(int fd, uint64_t off, void *buf, size_t len, const char *what)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(what, strerror(errno));
		if (n == 0)
			die(what, "short read");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
}

static uint64_t number(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die(s, "not a number");
	return v;
}

/* Searches PT_LOAD ph for text (n bytes) in chunks that overlap by n - 1. */
static int find_in(int fd, const Elf64_Phdr *ph, const char *text, size_t n,
		   uint64_t *at)
{
	static uint8_t buf[(1 << 20) + 256];
	uint64_t done = 0;

	/* Chunks of 1 MiB, each read with the n - 1 bytes after it. */
	while (done < ph->p_filesz) {
		uint64_t left = ph->p_filesz - done;
		size_t want = left < (1 << 20) + n - 1 ? (size_t)left : (1 << 20) + n - 1;

		read_at(fd, ph->p_offset + done, buf, want, "PT_LOAD contents");
		for (size_t i = 0; i + n <= want; i++) {
			if (buf[i] == (uint8_t)text[0] && !memcmp(buf + i, text, n)) {
				*at = ph->p_paddr + done + i;
				return 1;
			}
		}
		done += 1 << 20;
	}
	return 0;
}

static int find(int fd, const Elf64_Ehdr *eh, const char *text)
{
	Elf64_Phdr ph, best = { 0 };
	uint64_t below = UINT64_MAX, at;
	size_t n = strlen(text);

	if (n == 0 || n > 255)
		die(text, "search text must be 1 to 255 bytes");
	/* Highest load first: a hypervisor relocates itself to high memory. */
	for (;;) {
		int have = 0;

		for (unsigned i = 0; i < eh->e_phnum; i++) {
			read_at(fd, eh->e_phoff + (uint64_t)i * sizeof(ph), &ph,
				sizeof(ph), "program header");
			if (ph.p_type != PT_LOAD || ph.p_paddr == UINT64_MAX ||
			    ph.p_paddr >= below || (have && ph.p_paddr <= best.p_paddr))
				continue;
			best = ph;
			have = 1;
		}
		if (!have)
			return 2;
		if (find_in(fd, &best, text, n, &at)) {
			printf("0x%" PRIx64 "\n", at);
			return 0;
		}
		below = best.p_paddr;
	}
}

int main(int argc, char **argv)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t paddr = 0, len = 0;
	int fd;

	if (argc != 2 && argc != 4) {
		fputs("usage: physread CORE [PADDR LEN | --find TEXT]\n", stderr);
		return 1;
	}
	if (argc == 4 && strcmp(argv[2], "--find")) {
		paddr = number(argv[2]);
		len = number(argv[3]);
		if (paddr + len < paddr)
			die(argv[2], "range wraps around");
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		die(argv[1], strerror(errno));
	read_at(fd, 0, &eh, sizeof(eh), "ELF header");
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_type != ET_CORE || eh.e_phentsize != sizeof(ph))
		die(argv[1], "not an ELF64 core file");
	if (argc == 4 && !strcmp(argv[2], "--find"))
		return find(fd, &eh, argv[3]);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		read_at(fd, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph),
			"program header");
		if (ph.p_type != PT_LOAD || ph.p_paddr == UINT64_MAX)
			continue;
		if (argc == 2) {
			printf("0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
			       (uint64_t)ph.p_paddr, (uint64_t)ph.p_filesz,
			       (uint64_t)ph.p_offset);
			continue;
		}
		if (paddr < ph.p_paddr || paddr + len > ph.p_paddr + ph.p_filesz)
			continue;
		for (uint64_t off = ph.p_offset + (paddr - ph.p_paddr); len;) {
			static uint8_t buf[65536];
			size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

			read_at(fd, off, buf, n, "PT_LOAD contents");
			if (fwrite(buf, 1, n, stdout) != n)
				die("stdout", strerror(errno));
			off += n;
			len -= n;
		}
		return fflush(stdout) ? 1 : 0;
	}
	if (argc == 4)
		die(argv[2], "range is not inside one PT_LOAD");
	return 0;
}
