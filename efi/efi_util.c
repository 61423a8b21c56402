/* SPDX-License-Identifier: MIT */
/*
 * kxboot's services over the firmware: console, tracked allocations (so a
 * refusal returns every page), files of the boot volume, the memory map.
 */
#include <kx/compiler.h>
#include <kx/format.h>
#include "kxboot.h"

EFI_HANDLE kxb_image;
EFI_FILE_HANDLE kxb_root;

/* ------------------------------------------------------------ console */

struct con {
	CHAR16 buf[128];
	unsigned n;
};

static void con_flush(struct con *c)
{
	c->buf[c->n] = 0;
	if (c->n)
		uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, c->buf);
	c->n = 0;
}

static void con_putc(void *ctx, char ch)
{
	struct con *c = ctx;

	/* Room for "\r\n" and the NUL. */
	if (c->n + 3 > KX_ARRAY_SIZE(c->buf))
		con_flush(c);
	if (ch == '\n')
		c->buf[c->n++] = '\r';
	c->buf[c->n++] = (CHAR16)(unsigned char)ch;
	if (ch == '\n')
		con_flush(c);
}

void kxb_vsay(const char *fmt, va_list ap)
{
	struct con c = { .n = 0 };

	kx_vformat(con_putc, &c, fmt, ap);
	con_flush(&c);
}

void kxb_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kxb_vsay(fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ memory */

/* Everything kxboot holds, so that a refusal can hand it back. */
#define MAX_ALLOCS 64
#define MAX_FILES 16
static struct { EFI_PHYSICAL_ADDRESS addr; UINTN pages; } allocs[MAX_ALLOCS];
static struct kxb_file *files[MAX_FILES];

static EFI_STATUS alloc_typed(EFI_ALLOCATE_TYPE type, EFI_MEMORY_TYPE mem,
			      UINTN pages, EFI_PHYSICAL_ADDRESS *addr)
{
	unsigned slot;
	EFI_STATUS st;

	for (slot = 0; slot < MAX_ALLOCS && allocs[slot].pages; slot++)
		;
	if (slot == MAX_ALLOCS)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(BS->AllocatePages, 4, type, mem, pages, addr);
	if (st == EFI_SUCCESS) {
		allocs[slot].addr = *addr;
		allocs[slot].pages = pages;
	}
	return st;
}

/* EfiLoaderData: the next kernel's memory map calls it RAM, and firmware
 * that enforces no-execute maps it non-executable, as data should be. */
EFI_STATUS kxb_alloc_pages(EFI_ALLOCATE_TYPE type, UINTN pages,
			   EFI_PHYSICAL_ADDRESS *addr)
{
	return alloc_typed(type, EfiLoaderData, pages, addr);
}

static void *typed_or_fail(EFI_ALLOCATE_TYPE type, EFI_MEMORY_TYPE mem,
			   UINTN pages, EFI_PHYSICAL_ADDRESS max, const char *what)
{
	EFI_PHYSICAL_ADDRESS a = max;
	EFI_STATUS st = alloc_typed(type, mem, pages, &a);

	if (st != EFI_SUCCESS)
		kxb_fail(st, "%s: no room for %llu KiB%s", what,
			 (unsigned long long)pages * 4,
			 type == AllocateMaxAddress ? " below the limit" : "");
	kx_memset((void *)(uintptr_t)a, 0, pages * KXB_PAGE);
	return (void *)(uintptr_t)a;
}

void *kxb_pages_or_fail(EFI_ALLOCATE_TYPE type, UINTN pages,
			EFI_PHYSICAL_ADDRESS max, const char *what)
{
	return typed_or_fail(type, EfiLoaderData, pages, max, what);
}

/* EfiLoaderCode: what the firmware leaves executable where it maps
 * EfiLoaderData no-execute (edk2's NX memory protection policy: AAVMF on
 * virt since 2023, OVMF's strict-NX images); also RAM to the next kernel. */
void *kxb_code_pages_or_fail(UINTN pages, EFI_PHYSICAL_ADDRESS max,
			     const char *what)
{
	return typed_or_fail(AllocateMaxAddress, EfiLoaderCode, pages, max, what);
}

void kxb_free_pages(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
	for (unsigned i = 0; i < MAX_ALLOCS; i++) {
		if (allocs[i].pages && allocs[i].addr == addr) {
			allocs[i].pages = 0;
			break;
		}
	}
	uefi_call_wrapper(BS->FreePages, 2, addr, pages);
}

EFI_MEMORY_DESCRIPTOR *kxb_memory_map(UINTN *count, UINTN *desc_size,
				      UINTN *key)
{
	UINT32 version;
	UINTN size = 0;
	EFI_MEMORY_DESCRIPTOR *map = NULL;
	EFI_STATUS st;

	/* The pool allocation may itself add descriptors: retry a few times. */
	for (int tries = 0; tries < 4; tries++) {
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, key,
				       desc_size, &version);
		if (st == EFI_SUCCESS) {
			*count = size / *desc_size;
			return map;
		}
		if (map)
			FreePool(map);
		map = NULL;
		if (st != EFI_BUFFER_TOO_SMALL)
			break;
		size += 8 * sizeof(EFI_MEMORY_DESCRIPTOR) + 1024;
		map = AllocatePool(size);
		if (!map) {
			st = EFI_OUT_OF_RESOURCES;
			break;
		}
	}
	kxb_fail(st, "cannot read the firmware's memory map");
}

/* ------------------------------------------------------------ failure */

EFI_STATUS kxb_efi_status(enum kx_status st)
{
	switch (st) {
	case KX_OK:
		return EFI_SUCCESS;
	case KX_ERR_NO_MEMORY:
	case KX_ERR_NO_SPACE:
		return EFI_OUT_OF_RESOURCES;
	case KX_ERR_UNSUPPORTED:
		return EFI_UNSUPPORTED;
	case KX_ERR_NOT_FOUND:
		return EFI_NOT_FOUND;
	case KX_ERR_FORMAT:
	case KX_ERR_TRUNCATED:
	case KX_ERR_FDT_FORMAT:	/* KX_ERR_FORMAT before 1.1 */
	case KX_ERR_ELF_RELOC:
		return EFI_LOAD_ERROR;
	case KX_ERR_RANGE:
		return EFI_BAD_BUFFER_SIZE;
	default:
		return EFI_INVALID_PARAMETER;
	}
}

static const char *status_text(EFI_STATUS st)
{
	switch (st) {
	case EFI_LOAD_ERROR: return "Load Error";
	case EFI_INVALID_PARAMETER: return "Invalid Parameter";
	case EFI_UNSUPPORTED: return "Unsupported";
	case EFI_BAD_BUFFER_SIZE: return "Bad Buffer Size";
	case EFI_BUFFER_TOO_SMALL: return "Buffer Too Small";
	case EFI_DEVICE_ERROR: return "Device Error";
	case EFI_OUT_OF_RESOURCES: return "Out of Resources";
	case EFI_VOLUME_CORRUPTED: return "Volume Corrupt";
	case EFI_NOT_FOUND: return "Not Found";
	case EFI_ACCESS_DENIED: return "Access Denied";
	case EFI_NO_MEDIA: return "No Media";
	case EFI_SECURITY_VIOLATION: return "Security Violation";
	default: return "error";
	}
}

void kxb_fail(EFI_STATUS status, const char *fmt, ...)
{
	va_list ap;

	kxb_say("kxboot: error: ");
	va_start(ap, fmt);
	kxb_vsay(fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < MAX_FILES; i++)
		if (files[i])
			kxb_close(files[i]);
	for (unsigned i = 0; i < MAX_ALLOCS; i++)
		if (allocs[i].pages)
			kxb_free_pages(allocs[i].addr, allocs[i].pages);
	if (!EFI_ERROR(status))
		status = EFI_ABORTED;
	kxb_say("\nkxboot: nothing was started; returning to the firmware (%s)\n",
		status_text(status));
	uefi_call_wrapper(BS->Exit, 4, kxb_image, status, 0, NULL);
	/* Exit does not return for a started image; never run on. */
	for (;;)
		uefi_call_wrapper(BS->Stall, 1, 1000000);
}

/* ------------------------------------------------------------ files */

void kxb_open(struct kxb_file *f, const char *path, const char *what)
{
	CHAR16 name[KX_BOOTCONF_PATH_MAX + 1];
	unsigned n = 0;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	unsigned slot;

	f->h = NULL;
	f->size = 0;
	f->path = path;
	/* Paths are from the volume's root; either slash separates. */
	if (path[0] != '/' && path[0] != '\\')
		name[n++] = '\\';
	for (const char *s = path; *s && n < KX_BOOTCONF_PATH_MAX; s++)
		name[n++] = *s == '/' ? '\\' : (CHAR16)(unsigned char)*s;
	name[n] = 0;
	for (slot = 0; slot < MAX_FILES && files[slot]; slot++)
		;
	if (slot == MAX_FILES)
		kxb_fail(EFI_OUT_OF_RESOURCES, "%s %s: too many open files", what, path);
	st = uefi_call_wrapper(kxb_root->Open, 5, kxb_root, &f->h, name,
			       EFI_FILE_MODE_READ, 0);
	if (st != EFI_SUCCESS)
		kxb_fail(st, "%s %s: cannot open it (%s)", what, path, status_text(st));
	files[slot] = f;
	info = LibFileInfo(f->h);
	if (!info)
		kxb_fail(EFI_DEVICE_ERROR, "%s %s: cannot read its size", what, path);
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		kxb_fail(EFI_NOT_FOUND, "%s %s: is a directory", what, path);
	}
	/* The firmware's word is bounded before any size arithmetic. */
	if (info->FileSize > KX_BOOTCONF_LOAD_MAX) {
		unsigned long long size = info->FileSize;

		FreePool(info);
		kxb_fail(EFI_BAD_BUFFER_SIZE, "%s %s: %llu bytes, more than kxboot loads (%llu)",
			 what, path, size, (unsigned long long)KX_BOOTCONF_LOAD_MAX);
	}
	f->size = info->FileSize;
	FreePool(info);
}

void kxb_read(struct kxb_file *f, uint64_t offset, void *buf, uint64_t len)
{
	/* Modest reads: some firmware drivers mishandle very large ones. */
	const uint64_t chunk = 16ull << 20;
	uint8_t *p = buf;
	EFI_STATUS st;

	st = uefi_call_wrapper(f->h->SetPosition, 2, f->h, offset);
	while (st == EFI_SUCCESS && len) {
		UINTN n = KX_MIN(len, chunk);

		st = uefi_call_wrapper(f->h->Read, 3, f->h, &n, p);
		if (st == EFI_SUCCESS && n == 0)
			st = EFI_END_OF_FILE;
		p += n;
		len -= n;
	}
	if (st != EFI_SUCCESS)
		kxb_fail(st == EFI_END_OF_FILE ? EFI_LOAD_ERROR : st,
			 "%s: read failed at offset %llu (%s)", f->path,
			 (unsigned long long)(offset + (uint64_t)(p - (uint8_t *)buf)),
			 st == EFI_END_OF_FILE ? "end of file" : status_text(st));
}

void kxb_close(struct kxb_file *f)
{
	for (unsigned i = 0; i < MAX_FILES; i++)
		if (files[i] == f)
			files[i] = NULL;
	if (f->h)
		uefi_call_wrapper(f->h->Close, 1, f->h);
	f->h = NULL;
}

/* ------------------------------------------------------------ firmware */

void *kxb_config_table(EFI_GUID *guid)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, guid))
			return t->VendorTable;
	}
	return NULL;
}
