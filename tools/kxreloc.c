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

/*
 * The section names' table, checked against the file (kx's loader has
 * already bounded the section headers, but needs no names, so nothing
 * has looked at e_shstrndx): NULL with *why set when it is unusable.
 */
static const char *section_names(const uint8_t *file, size_t fsize,
				 uint64_t *size, const char **why)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
	const Elf64_Shdr *s;

	if (eh->e_shstrndx == SHN_UNDEF || eh->e_shstrndx >= eh->e_shnum) {
		*why = "e_shstrndx names no section";
		return 0;
	}
	s = &sh[eh->e_shstrndx];
	if (s->sh_type != SHT_STRTAB || s->sh_size == 0) {
		*why = "e_shstrndx names a section that is no string table";
		return 0;
	}
	if (s->sh_offset > fsize || s->sh_size > fsize - s->sh_offset) {
		*why = "section names' table outside the file";
		return 0;
	}
	if (file[s->sh_offset + s->sh_size - 1] != 0) {
		*why = "section names' table does not end with a NUL";
		return 0;
	}
	*size = s->sh_size;
	return (const char *)file + s->sh_offset;
}

int main(int argc, char **argv)
{
	struct kx_elf_rel e;
	uint64_t size, align, phys;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names, *why = "";
	uint64_t names_size = 0;
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
	names = section_names(file, fsize, &names_size, &why);
	for (unsigned i = 0; names && i < eh->e_shnum; i++)
		if ((sh[i].sh_flags & SHF_ALLOC) && sh[i].sh_name >= names_size)
			why = "a section name outside the names' table", names = 0;
	if (!names) {
		fprintf(stderr, "kxreloc: %s: %s\n", argv[1], why);
		return 2;
	}
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
