/* SPDX-License-Identifier: MIT */
/*
 * kxinspect: decodes kx setup pages (and, later, page lists) from a file,
 * from /dev/mem or from an ELF core file such as /proc/vmcore, as a report
 * or as JSON.  Exits 2 naming the failing check and its offset when the
 * input is malformed, 1 on usage or I/O errors.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/compiler.h>
#include <kx/page_list.h>
#include <kx/setup_page.h>
#include "source.h"

#define EXIT_USAGE 1
#define EXIT_INVALID 2
/* Indirection pages a page-list walk reads at most unless --max-pages
 * says otherwise: 8 M entries, 32 GiB of pages to copy. */
#define DEFAULT_MAX_PAGES 16384

static int json;

static void usage(FILE *f)
{
	fprintf(f, "usage: kxinspect [--json] setup SOURCE [ADDRESS]\n"
	      "       kxinspect [--json] [--max-pages N] pagelist SOURCE HEAD\n"
	      "SOURCE is one of:\n"
	      "  --file PATH [--base PHYS]  a file whose first byte is at PHYS (default 0)\n"
	      "  --mem [PATH]               physical memory (default /dev/mem), read only\n"
	      "                             where --iomem PATH (default /proc/iomem) lists\n"
	      "                             RAM or a reserved range, through --kcore PATH\n"
	      "                             (default /proc/kcore) where PATH refuses it\n"
	      "  --core PATH                an ELF core file, e.g. /proc/vmcore\n"
	      "ADDRESS is the setup page's physical address; without it, --file\n"
	      "reads at PHYS and the others take kx_setup= from the command line\n"
	      "(--cmdline PATH, default /proc/cmdline).\n"
	      "HEAD is a page list's head entry (IND_INDIRECTION | address); the walk\n"
	      "reads at most N indirection pages (default %u).\n", DEFAULT_MAX_PAGES);
}

static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kxinspect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end;
}

/* Four-character record type, printable or as hex. */
static const char *type_name(uint32_t type, char buf[12])
{
	for (int i = 0; i < 4; i++) {
		int c = (int)(type >> (8 * i)) & 0xff;

		if (!isprint(c) || c == '"' || c == '\\') {
			snprintf(buf, 12, "0x%08x", type);
			return buf;
		}
		buf[i] = (char)c;
	}
	buf[4] = 0;
	return buf;
}

static const char *mem_type(uint32_t type)
{
	switch (type) {
	case KX_MEM_RAM: return "ram";
	case KX_MEM_RESERVED: return "reserved";
	case KX_MEM_ACPI: return "acpi";
	case KX_MEM_NVS: return "nvs";
	case KX_MEM_UNUSABLE: return "unusable";
	case KX_MEM_PERSISTENT: return "persistent";
	default: return "unknown";
	}
}

/* An EFI_MEMORY_TYPE (KX_MEM_A_EFI_TYPE of a memory-map entry's attr). */
static const char *efi_type_name(uint32_t t)
{
	static const char *const names[] = {
		"reserved", "loader_code", "loader_data", "boot_code", "boot_data",
		"runtime_code", "runtime_data", "conventional", "unusable",
		"acpi_reclaim", "acpi_nvs", "mmio", "mmio_port", "pal_code",
		"persistent", "unaccepted",
	};

	if (t < KX_ARRAY_SIZE(names))
		return names[t];
	return t == KX_MEM_EFI_OTHER ? "oem_or_os" : "unknown";
}

/*
 * A string from memory (a command line): quoted with JSON's escapes, or
 * in text with every control or non-ASCII byte as \xNN, so that nothing
 * read from memory drives the terminal.
 */
static void put_string(const char *s)
{
	if (json)
		putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (json && (c == '"' || c == '\\'))
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf(json ? "\\u%04x" : "\\x%02x", c);
		else if (!json && c == '\\')
			fputs("\\\\", stdout);
		else
			putchar(c);
	}
	if (json)
		putchar('"');
}

/* ------------------------------------------------- record descriptions */

/*
 * What each record, table entry, page and run holds, described once: the
 * text report and the JSON are both printed from these (put_fields).  In
 * JSON a field is "name":value; in text "name value", numbers in hex
 * (V_HEX) or decimal (V_DEC).  JSON numbers are always decimal.
 */
enum val {
	V_HEX64, V_DEC64, V_HEX32, V_DEC32,
	V_SEG_KIND,	/* u32 KX_SEG_*: kx_segment_kind() */
	V_SEG_FLAGS,	/* u32 KX_SEG_F_*: a number; in text "verified" or not */
	V_MEM_TYPE,	/* u32 KX_MEM_* */
	V_DIGEST,	/* 32 bytes, hex */
	V_STRING,	/* NUL-terminated (the validator checked) */
	V_DISPLACED,	/* BKBM: bits set in the bitmap after its 24-byte head */
	V_TRUE,		/* JSON true; nothing in text */
	V_PCR,		/* u32 PCR index; KX_MEAS_PCR_NONE: null / "none" */
	V_MEAS_FLAGS,	/* u32 KX_MEAS_F_*: a number; in text also named */
	V_MEM_EFI,	/* u32 KX_MEM_A_* (1.1): the EFI type and attributes;
			 * left out, name and all, when zero (1.0's pages) */
};

struct field {
	const char *name;
	enum val val;
	uint16_t off;
};

#define F(name, val, type, member) { name, val, offsetof(type, member) }

static const struct field segment_fields[] = {
	F("dest", V_HEX64, struct kx_segment, dest),
	F("size", V_HEX64, struct kx_segment, size),
	F("kind", V_SEG_KIND, struct kx_segment, kind),
	F("flags", V_SEG_FLAGS, struct kx_segment, flags),
	F("sha256", V_DIGEST, struct kx_segment, sha256),
};
static const struct field lanes_fields[] = {
	F("dest", V_HEX64, struct kx_segment_lanes, dest),
	F("size", V_HEX64, struct kx_segment_lanes, size),
	F("kind", V_SEG_KIND, struct kx_segment_lanes, kind),
	F("flags", V_SEG_FLAGS, struct kx_segment_lanes, flags),
	F("lanes", V_DEC32, struct kx_segment_lanes, lanes),
	F("kx_lanes", V_DIGEST, struct kx_segment_lanes, digest),
};
static const struct field backup_fields[] = {
	F("orig", V_HEX64, struct kx_backup_extent, orig),
	F("current", V_HEX64, struct kx_backup_extent, current),
	F("pages", V_DEC64, struct kx_backup_extent, pages),
};
static const struct field memmap_fields[] = {
	F("addr", V_HEX64, struct kx_mem_range, addr),
	F("size", V_HEX64, struct kx_mem_range, size),
	F("type", V_MEM_TYPE, struct kx_mem_range, type),
	F("efi", V_MEM_EFI, struct kx_mem_range, attr),
};
/* Payloads of the single-value records, after the 8-byte record header. */
static const struct field bitmap_fields[] = {
	{ "orig_base", V_HEX64, 0 }, { "store_base", V_HEX64, 8 },
	{ "pages", V_DEC64, 16 }, { "displaced", V_DISPLACED, 0 },
};
static const struct field jump_fields[] = {
	{ "entry", V_HEX64, 0 }, { "context", V_HEX64, 8 },
};
static const struct field elfcore_fields[] = {
	{ "addr", V_HEX64, 0 }, { "size", V_DEC64, 8 },
};
static const struct field cmdline_fields[] = { { "cmdline", V_STRING, 0 } };
static const struct field measured_fields[] = {
	F("kind", V_SEG_KIND, struct kx_measurement, kind),
	F("pcr", V_PCR, struct kx_measurement, pcr),
	F("event_type", V_DEC32, struct kx_measurement, event_type),
	F("flags", V_MEAS_FLAGS, struct kx_measurement, flags),
	F("size", V_DEC64, struct kx_measurement, size),
	F("sha256", V_DIGEST, struct kx_measurement, sha256),
};
static const struct field unknown_fields[] = { { "unknown", V_TRUE, 0 } };

#define FIELDS(a) a, KX_ARRAY_SIZE(a)

struct record_desc {
	uint32_t type;		/* 0: any other (unknown) */
	const char *what;	/* in the text report */
	int table;		/* entries described by fields */
	const struct field *fields;
	unsigned nfields;
};

static const struct record_desc record_descs[] = {
	{ KX_REC_SEGMENTS, "segments", 1, FIELDS(segment_fields) },
	{ KX_REC_LANES, "segments, KX lanes digest", 1, FIELDS(lanes_fields) },
	{ KX_REC_BACKUP, "backup extents", 1, FIELDS(backup_fields) },
	{ KX_REC_MEMMAP, "memory map", 1, FIELDS(memmap_fields) },
	{ KX_REC_BACKUP_BITMAP, "backup bitmap", 0, FIELDS(bitmap_fields) },
	{ KX_REC_JUMP_BACK, "jump back", 0, FIELDS(jump_fields) },
	{ KX_REC_ELFCORE, "ELF core header", 0, FIELDS(elfcore_fields) },
	{ KX_REC_CMDLINE, "command line", 0, FIELDS(cmdline_fields) },
	{ KX_REC_MEASURED, "measured by the loader", 1, FIELDS(measured_fields) },
	{ 0, "unknown type, skipped", 0, FIELDS(unknown_fields) },
};

/* One page of a chain, and one run of a page list, as described values. */
struct page_view {
	uint64_t address;
	uint32_t page_size, total_size, checksum;
};
static const struct field page_fields[] = {
	F("address", V_HEX64, struct page_view, address),
	F("page_size", V_DEC32, struct page_view, page_size),
	F("total_size", V_DEC32, struct page_view, total_size),
	F("checksum", V_HEX32, struct page_view, checksum),
};
static const struct field run_fields[] = {
	F("dest", V_HEX64, struct kx_pl_run, dest),
	F("src", V_HEX64, struct kx_pl_run, src),
	F("pages", V_DEC64, struct kx_pl_run, pages),
};

static uint64_t displaced(const uint8_t *payload, uint32_t size)
{
	uint64_t set = 0;

	/* The words the record holds: bounded by the record, not by pages. */
	for (uint32_t off = 24; off + 8 <= size; off += 8)
		set += (uint64_t)__builtin_popcountll(kx_get_le64(payload + off));
	return set;
}

/* One field of base (size bytes: the payload or a table entry). */
static void put_field(const struct field *f, const uint8_t *base, uint32_t size)
{
	const uint8_t *p = base + f->off;
	char digest[2 * KX_SHA256_SIZE + 1];
	uint64_t v = 0;

	if (json)
		printf("\"%s\":", f->name);
	else if (f->val != V_TRUE)
		printf("%s ", f->name);
	switch (f->val) {
	case V_HEX64: case V_DEC64: v = kx_get_le64(p); break;
	case V_HEX32: case V_DEC32: case V_SEG_KIND: case V_SEG_FLAGS:
	case V_MEM_TYPE: case V_PCR: case V_MEAS_FLAGS: case V_MEM_EFI:
		v = kx_get_le32(p);
		break;
	case V_DISPLACED: v = displaced(base, size); break;
	default: break;
	}
	switch (f->val) {
	case V_HEX64: case V_HEX32:
		printf(json ? "%llu" : "0x%llx", (unsigned long long)v);
		break;
	case V_DEC64: case V_DEC32: case V_DISPLACED:
		printf("%llu", (unsigned long long)v);
		break;
	case V_SEG_KIND: case V_MEM_TYPE:
		printf(json ? "\"%s\"" : "%s", f->val == V_SEG_KIND ?
		       kx_segment_kind((uint32_t)v) : mem_type((uint32_t)v));
		break;
	case V_SEG_FLAGS:
		if (json)
			printf("%llu", (unsigned long long)v);
		else
			printf("0x%llx%s", (unsigned long long)v,
			       v & KX_SEG_F_VERIFIED ? " (verified)" : "");
		break;
	case V_DIGEST:
		for (int i = 0; i < KX_SHA256_SIZE; i++)
			sprintf(digest + 2 * i, "%02x", p[i]);
		printf(json ? "\"%s\"" : "%s", digest);
		break;
	case V_STRING:
		put_string((const char *)p);
		break;
	case V_TRUE:
		if (json)
			fputs("true", stdout);
		break;
	case V_PCR:
		if (v == KX_MEAS_PCR_NONE)
			fputs(json ? "null" : "none", stdout);
		else
			printf("%llu", (unsigned long long)v);
		break;
	case V_MEM_EFI:
		/* Bits 1.1 does not define (a later minor's) shown as a number. */
		if (!(v & KX_MEM_A_EFI))
			printf(json ? "{\"attr\":%llu}" : "attr 0x%llx", (unsigned long long)v);
		else if (json)
			printf("{\"type\":%llu,\"name\":\"%s\",\"wb\":%s,\"runtime\":%s,\"attr\":%llu}",
			       (unsigned long long)(v & KX_MEM_A_EFI_TYPE),
			       efi_type_name((uint32_t)v & KX_MEM_A_EFI_TYPE),
			       v & KX_MEM_A_EFI_WB ? "true" : "false",
			       v & KX_MEM_A_EFI_RUNTIME ? "true" : "false",
			       (unsigned long long)v);
		else
			printf("%s%s%s (attr 0x%llx)",
			       efi_type_name((uint32_t)v & KX_MEM_A_EFI_TYPE),
			       v & KX_MEM_A_EFI_WB ? " wb" : "",
			       v & KX_MEM_A_EFI_RUNTIME ? " runtime" : "",
			       (unsigned long long)v);
		break;
	case V_MEAS_FLAGS:
		printf(json ? "%llu" : "0x%llx", (unsigned long long)v);
		if (!json)
			printf("%s%s", v & KX_MEAS_F_EXTENDED ? " (extended)" : "",
			       !(v & KX_MEAS_F_VERIFIED) ? "" :
			       v & KX_MEAS_F_SHIM ? " (verified by shim)" : " (verified by firmware)");
		break;
	}
}

/* The fields of one object: "a":1,"b":2 in JSON, "a 0x1 b 2" in text. */
static void put_fields(const struct field *f, unsigned n, const uint8_t *base,
		       uint32_t size)
{
	for (unsigned i = 0, put = 0; i < n; i++) {
		if (f[i].val == V_MEM_EFI && !kx_get_le32(base + f[i].off))
			continue;
		if (put++)
			putchar(json ? ',' : ' ');
		put_field(&f[i], base, size);
	}
}

/* An object of a list: {fields} in JSON, an indented line in text. */
static void put_object(const struct field *f, unsigned n, const void *base,
		       uint32_t size, int first)
{
	if (json)
		printf("%s{", first ? "" : ",");
	else
		fputs("    ", stdout);
	put_fields(f, n, base, size);
	putchar(json ? '}' : '\n');
}

static const struct record_desc *describe(uint32_t type)
{
	unsigned i;

	for (i = 0; record_descs[i].type && record_descs[i].type != type; i++)
		;
	return &record_descs[i];
}

static void print_record(const struct kx_setup_rec *rec, int first)
{
	const struct record_desc *d = describe(rec->type);
	struct kx_setup_table_view v;
	char tbuf[12];
	const char *tn = type_name(rec->type, tbuf);

	if (json)
		printf("%s{\"type\":\"%s\",\"page\":%u,\"offset\":%u,\"size\":%u,",
		       first ? "" : ",", tn, rec->page, rec->offset, rec->size);
	else
		printf("  %-8s page %u +0x%03x, %u bytes: %s\n", tn, rec->page,
		       rec->offset, rec->size, d->what);
	if (!json && !d->type)
		return;		/* the title said it all */
	if (!d->table) {
		if (!json)
			fputs("    ", stdout);
		put_fields(d->fields, d->nfields, rec->payload, rec->payload_size);
		putchar(json ? '}' : '\n');
		return;
	}
	if (json)
		fputs("\"entries\":[", stdout);
	kx_setup_table(rec, &v);
	for (uint32_t i = 0; i < v.count; i++)
		put_object(d->fields, d->nfields, v.entries + (size_t)i * v.entry_size,
			   v.entry_size, i == 0);
	if (json)
		fputs("]}", stdout);
}

/* ----------------------------------------------------------- setup */

/* What the source said beside a map failure (the reader's cause). */
static void say_cause(const struct source *src, enum kx_status cause)
{
	if (cause == KX_OK)
		return;
	fprintf(stderr, "kxinspect: reading it: %s (%s)%s%s\n", kx_status_name(cause),
		kx_strerror(cause), src->refused[0] ? ": " : "", src->refused);
}

static int report_fault(const struct source *src, uint64_t addr,
			const struct kx_setup_fault *f)
{
	if (json) {
		printf("{\"address\":%llu,\"valid\":false,\"error\":{\"status\":\"%s\","
		       "\"message\":\"%s\",\"page\":%u,\"page_address\":%llu,\"offset\":%u}}\n",
		       (unsigned long long)addr, kx_status_name(f->status),
		       kx_strerror(f->status), f->page, (unsigned long long)f->phys,
		       f->offset);
	}
	fprintf(stderr, "kxinspect: setup page at 0x%llx is invalid: %s (%s) "
		"in page %u at 0x%llx, offset 0x%x\n",
		(unsigned long long)addr, kx_status_name(f->status),
		kx_strerror(f->status), f->page, (unsigned long long)f->phys,
		f->offset);
	say_cause(src, f->cause);
	return EXIT_INVALID;
}

/* The pages of a chain kx_setup_open validated; returns how many. */
static unsigned list_pages(struct source *src, uint64_t phys)
{
	struct kx_setup_header h;
	struct page_view pv;
	unsigned pages = 0;

	for (;;) {
		if (source_read(src, phys, &h, sizeof(h)) != KX_OK)
			die(EXIT_USAGE, "page at 0x%llx changed while reading",
			    (unsigned long long)phys);
		pv = (struct page_view){ phys, h.page_size, h.total_size, h.checksum };
		if (json)
			printf("%s{", pages ? "," : "");
		else
			printf("page %u: ", pages);
		put_fields(page_fields, KX_ARRAY_SIZE(page_fields), (const uint8_t *)&pv,
			   sizeof(pv));
		putchar(json ? '}' : '\n');
		if (!h.next_page)
			return pages + 1;
		phys = h.next_page;
		if (++pages >= KX_SETUP_MAX_CHAIN)
			die(EXIT_USAGE, "chain changed while reading");
	}
}

static int inspect_setup(struct source *src, uint64_t addr)
{
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	unsigned pages, records = 0;
	enum kx_status st;

	st = kx_setup_open(&r, addr, source_map, src, &f);
	if (st != KX_OK)
		return report_fault(src, addr, &f);
	if (json)
		printf("{\"address\":%llu,\"valid\":true,\"abi\":{\"major\":%u,\"minor\":%u},"
		       "\"flags\":%u,\"pages\":[", (unsigned long long)addr,
		       KX_ABI_MAJOR, kx_setup_minor(&r), kx_setup_flags(&r));
	else
		printf("kx setup page at 0x%llx: ABI %u.%u, flags 0x%x%s%s\n",
		       (unsigned long long)addr, KX_ABI_MAJOR, kx_setup_minor(&r),
		       kx_setup_flags(&r),
		       kx_setup_flags(&r) & KX_SETUP_F_CRASH ? " crash" : "",
		       kx_setup_flags(&r) & KX_SETUP_F_SWAP ? " swap" : "");
	pages = list_pages(src, addr);
	if (json)
		printf("],\"records\":[");
	while ((st = kx_setup_next(&r, &rec, &f)) == KX_OK)
		print_record(&rec, records++ == 0);
	if (st != KX_ERR_NOT_FOUND)
		return report_fault(src, addr, &f);
	if (json)
		printf("]}\n");
	else
		printf("%u records in %u page%s\n", records, pages, pages == 1 ? "" : "s");
	return 0;
}

/* ----------------------------------------------------------- pagelist */

static enum kx_status put_run(void *ctx, const struct kx_pl_run *run)
{
	unsigned *runs = ctx;

	put_object(run_fields, KX_ARRAY_SIZE(run_fields), (const uint8_t *)run,
		   sizeof(*run), (*runs)++ == 0);
	return KX_OK;
}

static const char *entry_kind(uint32_t kind)
{
	switch (kind) {
	case IND_DESTINATION: return "destination";
	case IND_INDIRECTION: return "indirection";
	case IND_DONE: return "done";
	case IND_SOURCE: return "source";
	default: return "invalid";
	}
}

static int pagelist_fault(const struct source *src, uint64_t head,
			  const struct kx_pl_fault *f)
{
	enum kx_status rc = f->status;

	if (json) {
		printf("{\"head\":%llu,\"valid\":false,\"error\":{\"status\":\"%s\","
		       "\"message\":\"%s\",\"entry\":%llu,\"page\":%lld,\"slot\":%u,\"offset\":%u,"
		       "\"raw\":%llu", (unsigned long long)head,
		       kx_status_name(rc), kx_strerror(rc),
		       (unsigned long long)f->at.index,
		       f->at.page == KX_PL_NO_PAGE ? -1LL : (long long)f->at.page,
		       f->at.slot, f->at.slot * 8, (unsigned long long)f->at.raw);
		if (f->cause != KX_OK)
			printf(",\"cause\":\"%s\"", kx_status_name(f->cause));
		printf("}}\n");
	}
	fprintf(stderr, "kxinspect: page list at head 0x%llx is invalid: %s (%s) "
		"at entry %llu (page 0x%llx, offset 0x%x, raw 0x%llx)\n",
		(unsigned long long)head, kx_status_name(rc), kx_strerror(rc),
		(unsigned long long)f->at.index,
		f->at.page == KX_PL_NO_PAGE ? 0ULL : (unsigned long long)f->at.page,
		f->at.slot * 8, (unsigned long long)f->at.raw);
	say_cause(src, f->cause);
	return EXIT_INVALID;
}

static int inspect_pagelist(struct source *src, uint64_t head, uint64_t max_pages)
{
	/* One page buffer for the whole walk, the walk bounded. */
	struct kx_pl_walk w = { .map = source_map_page, .map_ctx = src,
				.max_pages = max_pages };
	struct kx_pl_stats st;
	struct kx_pl_fault f;
	unsigned runs = 0;

	/* Validate the whole list before printing any of it. */
	if (kx_pl_walk(&w, head, &st, &f) != KX_OK)
		return pagelist_fault(src, head, &f);
	if (json)
		printf("{\"head\":%llu,\"valid\":true,\"entries\":%llu,\"indirection_pages\":%llu,"
		       "\"sources\":%llu,\"destinations\":%llu,\"runs\":[",
		       (unsigned long long)head, (unsigned long long)st.entries,
		       (unsigned long long)st.pages, (unsigned long long)st.sources,
		       (unsigned long long)st.destinations);
	else
		printf("page list at head 0x%llx (%s): %llu entries in %llu indirection "
		       "page%s, %llu pages to copy\n", (unsigned long long)head,
		       entry_kind((uint32_t)(head & KX_IND_FLAGS)),
		       (unsigned long long)st.entries, (unsigned long long)st.pages,
		       st.pages == 1 ? "" : "s", (unsigned long long)st.sources);
	if (kx_pl_runs(&w, head, put_run, &runs, 0, &f) != KX_OK)
		die(EXIT_USAGE, "page list changed while reading");
	if (json)
		printf("]}\n");
	else
		printf("%u run%s of consecutive pages\n", runs, runs == 1 ? "" : "s");
	return 0;
}

static uint64_t address_from_cmdline(const char *path)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;
	uint64_t addr;
	enum kx_status st;

	if (!f)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	st = kx_setup_find_token(buf, n, &addr);
	if (st != KX_OK)
		die(EXIT_USAGE, "%s: no usable %s0x<address>: %s", path,
		    KX_SETUP_CMDLINE_TOKEN, kx_strerror(st));
	return addr;
}

/* What the command line asked for. */
struct args {
	enum source_kind kind;
	const char *path, *cmdline, *iomem, *kcore;
	uint64_t base, max_pages;
	int sources, default_mem;
};

static void parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "file", required_argument, 0, 'f' },
		{ "base", required_argument, 0, 'b' },
		{ "mem", optional_argument, 0, 'm' },
		{ "core", required_argument, 0, 'c' },
		{ "cmdline", required_argument, 0, 'l' },
		{ "iomem", required_argument, 0, 'i' },
		{ "kcore", required_argument, 0, 'k' },
		{ "max-pages", required_argument, 0, 'p' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "jf:b:m::c:l:h", opts, 0)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'f':
		case 'c':
			a->kind = c == 'f' ? SOURCE_FILE : SOURCE_CORE;
			a->path = optarg;
			a->sources++;
			break;
		case 'm':
			a->kind = SOURCE_MEM;
			a->path = optarg ? optarg : "/dev/mem";
			a->sources++;
			break;
		case 'b':
			if (parse_u64(optarg, &a->base))
				die(EXIT_USAGE, "bad --base '%s'", optarg);
			break;
		case 'p':
			if (parse_u64(optarg, &a->max_pages) || !a->max_pages)
				die(EXIT_USAGE, "bad --max-pages '%s'", optarg);
			break;
		case 'l':
			a->cmdline = optarg;
			break;
		case 'i':
			a->iomem = optarg;
			break;
		case 'k':
			a->kcore = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
}

static void open_source(struct source *src, const struct args *a)
{
	if (source_open(src, a->kind, a->path, a->base))
		die(EXIT_USAGE, "%s", src->err);
	if (a->kind == SOURCE_MEM && source_limit(src, a->iomem, a->kcore))
		die(EXIT_USAGE, "%s", src->err);
}

int main(int argc, char **argv)
{
	struct args a = {
		.kind = SOURCE_FILE, .cmdline = "/proc/cmdline",
		.iomem = "/proc/iomem", .kcore = "/proc/kcore",
		.max_pages = DEFAULT_MAX_PAGES,
	};
	struct source src;
	uint64_t addr;
	int rc;

	parse_args(argc, argv, &a);
	if (optind < argc && strcmp(argv[optind], "pagelist") == 0 && a.sources == 1 &&
	    argc - optind == 2) {
		if (parse_u64(argv[optind + 1], &addr))
			die(EXIT_USAGE, "bad head entry '%s'", argv[optind + 1]);
		open_source(&src, &a);
		rc = inspect_pagelist(&src, addr, a.max_pages);
		source_close(&src);
		return rc;
	}
	if (optind >= argc || strcmp(argv[optind], "setup") != 0 || a.sources != 1 ||
	    argc - optind > 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 2) {
		if (parse_u64(argv[optind + 1], &addr))
			die(EXIT_USAGE, "bad address '%s'", argv[optind + 1]);
	} else {
		addr = a.kind == SOURCE_FILE ? a.base : address_from_cmdline(a.cmdline);
	}
	open_source(&src, &a);
	rc = inspect_setup(&src, addr);
	source_close(&src);
	return rc;
}
