/* SPDX-License-Identifier: MIT */
/*
 * kxreloc: loads an ELF relocatable (e.g. purgatory.ro) at a physical
 * address with kx's loader and writes the image, as a bootloader that
 * embeds kx's purgatory would.  Prints each allocated section's address,
 * the entry point, and optionally symbols; SYMBOL=SIZE sets SIZE zero
 * bytes into a symbol as a loader sets purgatory's variables ("set NAME
 * STATUS": the size must be the symbol's own).
 *   kxreloc FILE.ro ADDRESS OUT.bin [SYMBOL | SYMBOL=SIZE ...]
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/elf_rel.h>

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = 0;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc(n ? (size_t)n : 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "kxreloc: %s: %s\n", path, strerror(errno ? errno : EIO));
		exit(1);
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	struct kx_elf_rel e;
	uint64_t size, align, phys;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	size_t fsize;
	uint8_t *file, *image;
	enum kx_status st;
	FILE *out;

	if (argc < 4) {
		fprintf(stderr, "usage: kxreloc FILE.ro ADDRESS OUT.bin [SYMBOL | SYMBOL=SIZE ...]\n");
		return 1;
	}
	file = slurp(argv[1], &fsize);
	phys = strtoull(argv[2], 0, 0);
	st = kx_elf_rel_open(&e, file, fsize);
	if (st == KX_OK)
		st = kx_elf_rel_image_size(&e, &size, &align);
	if (st != KX_OK) {
		fprintf(stderr, "kxreloc: %s: %s\n", argv[1], kx_status_name(st));
		return 2;
	}
	image = calloc(1, size ? size : 1);
	st = kx_elf_rel_load(&e, image, size, phys);
	if (st != KX_OK) {
		fprintf(stderr, "kxreloc: %s at 0x%llx: %s (%s)\n", argv[1],
			(unsigned long long)phys, kx_status_name(st), kx_strerror(st));
		return 2;
	}
	/* Section names for the report (the loader itself needs none). */
	eh = (const Elf64_Ehdr *)file;
	sh = (const Elf64_Shdr *)(file + eh->e_shoff);
	names = (const char *)file + sh[eh->e_shstrndx].sh_offset;
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_flags & SHF_ALLOC)
			printf("section %s 0x%llx 0x%llx\n", names + sh[i].sh_name,
			       (unsigned long long)e.sec_addr[i],
			       (unsigned long long)sh[i].sh_size);
	printf("entry 0x%llx\nsize 0x%llx\nalign 0x%llx\n", (unsigned long long)e.entry,
	       (unsigned long long)size, (unsigned long long)align);
	for (int i = 4; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint64_t a, s;

		if (eq) {
			uint64_t n = strtoull(eq + 1, 0, 0);
			void *zero = calloc(1, n ? n : 1);

			*eq = 0;
			st = zero ? kx_elf_rel_set(&e, argv[i], zero, n) : KX_ERR_NO_MEMORY;
			printf("set %s %s\n", argv[i], kx_status_name(st));
			free(zero);
			continue;
		}
		st = kx_elf_rel_symbol(&e, argv[i], &a, &s);
		if (st == KX_OK)
			printf("symbol %s 0x%llx %llu\n", argv[i], (unsigned long long)a,
			       (unsigned long long)s);
		else
			printf("symbol %s %s\n", argv[i], kx_status_name(st));
	}
	out = fopen(argv[3], "wb");
	if (!out || fwrite(image, 1, size, out) != size || fclose(out)) {
		fprintf(stderr, "kxreloc: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	return 0;
}
