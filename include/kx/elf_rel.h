/* SPDX-License-Identifier: MIT */
/*
 * Loader of ELF relocatable objects (ET_REL), such as kx's purgatory.ro:
 * lays the allocated sections out at a chosen physical address, applies
 * the x86_64 or aarch64 relocations, and reads or sets symbols by name,
 * as kexec-tools does with its purgatory.  Every read of the file is
 * bounded by its size; nothing is allocated.
 */
#ifndef KX_ELF_REL_H
#define KX_ELF_REL_H

#include <stddef.h>
#include <stdint.h>
#include <kx/status.h>

#define KX_ELF_REL_MAX_SECTIONS 64

struct kx_elf_rel {
	const uint8_t *file;
	size_t size;
	uint16_t machine;	/* EM_X86_64 (62) or EM_AARCH64 (183) */
	uint16_t shnum;
	uint64_t shoff;
	/* Filled by kx_elf_rel_load: */
	uint8_t *image;
	uint64_t image_phys;
	uint64_t image_size;
	uint64_t entry;		/* physical address of e_entry */
	uint64_t sec_addr[KX_ELF_REL_MAX_SECTIONS];	/* 0: not allocated */
};

/* Checks the file: ELF64 little-endian ET_REL for x86_64 or aarch64, with
 * every section, symbol table and relocation table inside the file. */
enum kx_status kx_elf_rel_open(struct kx_elf_rel *e, const void *file,
			       size_t size);
/* Bytes and alignment the loaded image needs. */
enum kx_status kx_elf_rel_image_size(const struct kx_elf_rel *e,
				     uint64_t *size, uint64_t *align);
/*
 * Copies the allocated sections into image (capacity bytes, which the
 * code will run at physical address phys, aligned as image_size says),
 * zeroes the rest, and applies every relocation against an allocated
 * section.  KX_ERR_UNSUPPORTED names a relocation type it does not know,
 * KX_ERR_RANGE a value that does not fit its field (e.g. a 32-bit
 * absolute relocation above 4 GiB), KX_ERR_NOT_FOUND an undefined symbol,
 * KX_ERR_ELF_RELOC a relocation whose field lies past its section's end.
 */
enum kx_status kx_elf_rel_load(struct kx_elf_rel *e, void *image,
			       uint64_t capacity, uint64_t phys);
/* A defined global or local symbol: its physical address and size. */
enum kx_status kx_elf_rel_symbol(const struct kx_elf_rel *e, const char *name,
				 uint64_t *addr, uint64_t *size);
/* Writes or reads a loaded symbol's bytes; the size must be the symbol's
 * own (as kexec-tools insists: KX_ERR_ELF_SYMBOL), and the symbol not in
 * a NOBITS section. */
enum kx_status kx_elf_rel_set(struct kx_elf_rel *e, const char *name,
			      const void *value, uint64_t size);
enum kx_status kx_elf_rel_get(const struct kx_elf_rel *e, const char *name,
			      void *value, uint64_t size);

#endif
