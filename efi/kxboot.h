/* SPDX-License-Identifier: MIT */
/*
 * kxboot, kx's EFI chainloader: what the architecture-independent part
 * (kxboot.c, efi_util.c) offers the architecture's loader (x86_64.c).
 *
 * Rule of the whole application: every refusal happens before
 * ExitBootServices, prints one "kxboot: error: ..." line, releases what
 * was allocated and returns to the firmware with an EFI error status.
 */
#ifndef KXBOOT_H
#define KXBOOT_H

#include <efi.h>
#include <efilib.h>
#include <stdarg.h>
#include <stdint.h>
#include <kx/bootconf.h>
#include <kx/status.h>

#define KXB_PAGE 4096ull
#define KXB_PAGES(bytes) (((bytes) + KXB_PAGE - 1) / KXB_PAGE)

/* ------------------------------------------------------------ console */

/* Prints to the firmware console (ConOut), "\n" becoming "\r\n". */
void kxb_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kxb_vsay(const char *fmt, va_list ap);

/*
 * Refuses: prints "kxboot: error: <message>", releases every allocation
 * made through kxb_alloc_*, and returns to the firmware with status
 * (BS->Exit).  Only before ExitBootServices.
 */
__attribute__((noreturn, format(printf, 2, 3)))
void kxb_fail(EFI_STATUS status, const char *fmt, ...);

/* The EFI status a kx_status refusal maps to. */
EFI_STATUS kxb_efi_status(enum kx_status st);

/* ------------------------------------------------------------ memory */

/*
 * Pages from the firmware, tracked so that a refusal can give them back.
 * type: AllocateAnyPages, AllocateMaxAddress (*addr = highest address
 * allowed) or AllocateAddress (*addr = the address).  Returns the
 * firmware's status; nothing is printed.
 */
EFI_STATUS kxb_alloc_pages(EFI_ALLOCATE_TYPE type, UINTN pages,
			   EFI_PHYSICAL_ADDRESS *addr);
/* The same, zeroed, or a refusal naming what for. */
void *kxb_pages_or_fail(EFI_ALLOCATE_TYPE type, UINTN pages,
			EFI_PHYSICAL_ADDRESS max, const char *what);
/*
 * Pages for code run from them (the trampoline's control page, purgatory),
 * below max, zeroed, or a refusal: EfiLoaderCode, which firmware that maps
 * EfiLoaderData no-execute leaves executable.  Everything else kxboot
 * allocates (staging, page tables, setup page, segments) stays data.
 */
void *kxb_code_pages_or_fail(UINTN pages, EFI_PHYSICAL_ADDRESS max,
			     const char *what);
void kxb_free_pages(EFI_PHYSICAL_ADDRESS addr, UINTN pages);

/* The current memory map in a buffer of the pool's: *count descriptors of
 * *desc_size bytes.  Refuses on failure.  Free with FreePool. */
EFI_MEMORY_DESCRIPTOR *kxb_memory_map(UINTN *count, UINTN *desc_size,
				      UINTN *key);

static inline EFI_MEMORY_DESCRIPTOR *kxb_desc(EFI_MEMORY_DESCRIPTOR *map,
					      UINTN desc_size, UINTN i)
{
	return (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)map + i * desc_size);
}

/* ------------------------------------------------------------ files */

struct kxb_file {
	EFI_FILE_HANDLE h;
	uint64_t size;
	const char *path;	/* as the configuration names it */
};

/* Opens a file of the volume kxboot was loaded from; paths use / or \.
 * Refuses, naming the file, when it is missing or unreadable. */
void kxb_open(struct kxb_file *f, const char *path, const char *what);
/* Reads len bytes at offset, or refuses naming the file. */
void kxb_read(struct kxb_file *f, uint64_t offset, void *buf, uint64_t len);
void kxb_close(struct kxb_file *f);

/* ------------------------------------------------------------ firmware */

extern EFI_HANDLE kxb_image;

/* A configuration table's address, or NULL. */
void *kxb_config_table(EFI_GUID *guid);

/* ------------------------------------------------------------ arch */

/* The architecture's loader: loads everything the configuration names
 * and hands off; returns only through kxb_fail. */
__attribute__((noreturn)) void kxb_arch_boot(const struct kx_bootconf *conf);

extern const char kxb_arch_name[];

#endif
