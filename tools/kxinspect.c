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

static int json;

static void usage(FILE *f)
{
	fputs("usage: kxinspect [--json] setup SOURCE [ADDRESS]\n"
	      "       kxinspect [--json] pagelist SOURCE HEAD\n"
	      "SOURCE is one of:\n"
	      "  --file PATH [--base PHYS]  a file whose first byte is at PHYS (default 0)\n"
	      "  --mem [PATH]               physical memory (default /dev/mem, or\n"
	      "                             /proc/kcore where /dev/mem refuses RAM)\n"
	      "  --core PATH                an ELF core file, e.g. /proc/vmcore\n"
	      "ADDRESS is the setup page's physical address; without it, --file\n"
	      "reads at PHYS and the others take kx_setup= from the command line\n"
	      "(--cmdline PATH, default /proc/cmdline).\n"
	      "HEAD is a page list's head entry (IND_INDIRECTION | address).\n", f);
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

static const char *segment_kind(uint32_t kind)
{
	static const char *names[] = {
		[KX_SEG_OTHER] = "other", [KX_SEG_KERNEL] = "kernel",
		[KX_SEG_INITRD] = "initrd", [KX_SEG_CMDLINE] = "cmdline",
		[KX_SEG_DTB] = "dtb", [KX_SEG_PURGATORY] = "purgatory",
		[KX_SEG_BOOT_PARAMS] = "boot_params", [KX_SEG_ELFCORE] = "elfcore",
	};

	return kind < KX_ARRAY_SIZE(names) && names[kind] ? names[kind] : "unknown";
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

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ----------------------------------------------------------- records */

static void print_table(const struct kx_setup_rec *rec)
{
	struct kx_setup_table_view v;

	kx_setup_table(rec, &v);
	for (uint32_t i = 0; i < v.count; i++) {
		const uint8_t *e = v.entries + (size_t)i * v.entry_size;

		if (json && i)
			putchar(',');
		if (rec->type == KX_REC_SEGMENTS) {
			struct kx_segment s;
			char digest[65];

			memcpy(&s, e, sizeof(s));
			hex(s.sha256, sizeof(s.sha256), digest);
			if (json)
				printf("{\"dest\":%llu,\"size\":%llu,\"kind\":\"%s\","
				       "\"flags\":%u,\"sha256\":\"%s\"}",
				       (unsigned long long)s.dest, (unsigned long long)s.size,
				       segment_kind(s.kind), s.flags, digest);
			else
				printf("    %-11s dest 0x%016llx size 0x%-10llx %s%s\n",
				       segment_kind(s.kind), (unsigned long long)s.dest,
				       (unsigned long long)s.size, digest,
				       s.flags & KX_SEG_F_VERIFIED ? " verified" : "");
		} else if (rec->type == KX_REC_LANES) {
			struct kx_segment_lanes s;
			char digest[65];

			memcpy(&s, e, sizeof(s));
			hex(s.digest, sizeof(s.digest), digest);
			if (json)
				printf("{\"dest\":%llu,\"size\":%llu,\"kind\":\"%s\","
				       "\"flags\":%u,\"lanes\":%u,\"kx_lanes\":\"%s\"}",
				       (unsigned long long)s.dest, (unsigned long long)s.size,
				       segment_kind(s.kind), s.flags, s.lanes, digest);
			else
				printf("    %-11s dest 0x%016llx size 0x%-10llx %u lanes %s%s\n",
				       segment_kind(s.kind), (unsigned long long)s.dest,
				       (unsigned long long)s.size, s.lanes, digest,
				       s.flags & KX_SEG_F_VERIFIED ? " verified" : "");
		} else if (rec->type == KX_REC_BACKUP) {
			struct kx_backup_extent x;

			memcpy(&x, e, sizeof(x));
			if (json)
				printf("{\"orig\":%llu,\"current\":%llu,\"pages\":%llu}",
				       (unsigned long long)x.orig, (unsigned long long)x.current,
				       (unsigned long long)x.pages);
			else
				printf("    0x%016llx -> 0x%016llx  %llu pages\n",
				       (unsigned long long)x.orig, (unsigned long long)x.current,
				       (unsigned long long)x.pages);
		} else {
			struct kx_mem_range m;

			memcpy(&m, e, sizeof(m));
			if (json)
				printf("{\"addr\":%llu,\"size\":%llu,\"type\":\"%s\"}",
				       (unsigned long long)m.addr, (unsigned long long)m.size,
				       mem_type(m.type));
			else
				printf("    0x%016llx-0x%016llx %s\n",
				       (unsigned long long)m.addr,
				       (unsigned long long)(m.addr + m.size - 1),
				       mem_type(m.type));
		}
	}
}

static void print_bitmap(const struct kx_setup_rec *rec)
{
	uint64_t orig = kx_get_le64(rec->payload);
	uint64_t store = kx_get_le64(rec->payload + 8);
	uint64_t pages = kx_get_le64(rec->payload + 16), set = 0;

	for (uint64_t i = 0; i < (pages + 63) / 64; i++)
		set += (uint64_t)__builtin_popcountll(kx_get_le64(rec->payload + 24 + 8 * i));
	if (json)
		printf("\"orig_base\":%llu,\"store_base\":%llu,\"pages\":%llu,\"displaced\":%llu",
		       (unsigned long long)orig, (unsigned long long)store,
		       (unsigned long long)pages, (unsigned long long)set);
	else
		printf("    pages 0x%llx-0x%llx: %llu of %llu displaced, kept from 0x%llx\n",
		       (unsigned long long)orig,
		       (unsigned long long)(orig + pages * KX_PAGE_SIZE - 1),
		       (unsigned long long)set, (unsigned long long)pages,
		       (unsigned long long)store);
}

static void print_record(const struct kx_setup_rec *rec, int first)
{
	char tbuf[12];
	const char *tn = type_name(rec->type, tbuf);

	if (json) {
		printf("%s{\"type\":\"%s\",\"page\":%u,\"offset\":%u,\"size\":%u,",
		       first ? "" : ",", tn, rec->page, rec->offset, rec->size);
	} else {
		printf("  %-8s page %u +0x%03x, %u bytes", tn, rec->page, rec->offset,
		       rec->size);
	}
	switch (rec->type) {
	case KX_REC_SEGMENTS:
	case KX_REC_BACKUP:
	case KX_REC_MEMMAP:
	case KX_REC_LANES:
		if (json) {
			printf("\"entries\":[");
			print_table(rec);
			printf("]");
		} else {
			printf(": %s\n", rec->type == KX_REC_SEGMENTS ? "segments" :
			       rec->type == KX_REC_LANES ? "segments, KX lanes digest" :
			       rec->type == KX_REC_BACKUP ? "backup extents" : "memory map");
			print_table(rec);
		}
		break;
	case KX_REC_BACKUP_BITMAP:
		if (!json)
			printf(": backup bitmap\n");
		print_bitmap(rec);
		break;
	case KX_REC_JUMP_BACK:
		if (json)
			printf("\"entry\":%llu,\"context\":%llu",
			       (unsigned long long)kx_get_le64(rec->payload),
			       (unsigned long long)kx_get_le64(rec->payload + 8));
		else
			printf(": jump back to 0x%llx, context 0x%llx\n",
			       (unsigned long long)kx_get_le64(rec->payload),
			       (unsigned long long)kx_get_le64(rec->payload + 8));
		break;
	case KX_REC_ELFCORE:
		if (json)
			printf("\"addr\":%llu,\"size\":%llu",
			       (unsigned long long)kx_get_le64(rec->payload),
			       (unsigned long long)kx_get_le64(rec->payload + 8));
		else
			printf(": ELF core header at 0x%llx, %llu bytes\n",
			       (unsigned long long)kx_get_le64(rec->payload),
			       (unsigned long long)kx_get_le64(rec->payload + 8));
		break;
	case KX_REC_CMDLINE:
		if (json) {
			printf("\"cmdline\":");
			json_string((const char *)rec->payload);
		} else {
			printf(": command line\n    %s\n", (const char *)rec->payload);
		}
		break;
	default:
		if (json)
			printf("\"unknown\":true");
		else
			printf(": unknown type, skipped\n");
	}
	if (json)
		putchar('}');
}

/* ----------------------------------------------------------- setup */

static int report_fault(uint64_t addr, const struct kx_setup_fault *f)
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
	return EXIT_INVALID;
}

static int inspect_setup(struct source *src, uint64_t addr)
{
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_setup_header h;
	uint64_t phys = addr;
	unsigned pages = 0, records = 0;
	enum kx_status st;
	int first = 1;

	st = kx_setup_open(&r, addr, source_map, src, &f);
	if (st != KX_OK)
		return report_fault(addr, &f);
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
	/* The chain was validated by kx_setup_open; list its pages. */
	for (;;) {
		if (source_read(src, phys, &h, sizeof(h)) != KX_OK)
			die(EXIT_USAGE, "page at 0x%llx changed while reading",
			    (unsigned long long)phys);
		if (json)
			printf("%s{\"address\":%llu,\"page_size\":%u,\"total_size\":%u,"
			       "\"checksum\":%u}", pages ? "," : "", (unsigned long long)phys,
			       h.page_size, h.total_size, h.checksum);
		else
			printf("page %u at 0x%llx: %u of %u bytes used, crc32 0x%08x ok\n",
			       pages, (unsigned long long)phys, h.total_size,
			       h.page_size, h.checksum);
		if (!h.next_page)
			break;
		phys = h.next_page;
		if (++pages >= KX_SETUP_MAX_CHAIN)
			die(EXIT_USAGE, "chain changed while reading");
	}
	pages++;
	if (json)
		printf("],\"records\":[");
	while ((st = kx_setup_next(&r, &rec, &f)) == KX_OK) {
		print_record(&rec, first);
		first = 0;
		records++;
	}
	if (st != KX_ERR_NOT_FOUND)
		return report_fault(addr, &f);
	if (json)
		printf("]}\n");
	else
		printf("%u records in %u page%s\n", records, pages, pages == 1 ? "" : "s");
	return 0;
}

/* ----------------------------------------------------------- pagelist */

/* Consecutive copies with consecutive sources and destinations. */
struct run {
	uint64_t dest, src, pages;
};

struct pl_report {
	struct run run;
	unsigned runs;
	int first;
};

static void flush_run(struct pl_report *r)
{
	if (!r->run.pages)
		return;
	if (json)
		printf("%s{\"dest\":%llu,\"src\":%llu,\"pages\":%llu}",
		       r->runs ? "," : "", (unsigned long long)r->run.dest,
		       (unsigned long long)r->run.src, (unsigned long long)r->run.pages);
	else
		printf("  0x%016llx-0x%016llx <- 0x%016llx  %llu page%s\n",
		       (unsigned long long)r->run.dest,
		       (unsigned long long)(r->run.dest + r->run.pages * KX_PAGE_SIZE - 1),
		       (unsigned long long)r->run.src, (unsigned long long)r->run.pages,
		       r->run.pages == 1 ? "" : "s");
	r->runs++;
	r->run.pages = 0;
}

static enum kx_status visit_entry(void *ctx, const struct kx_pl_entry *e)
{
	struct pl_report *r = ctx;
	uint64_t n = r->run.pages * KX_PAGE_SIZE;

	if (e->kind != IND_SOURCE)
		return KX_OK;
	if (r->run.pages && e->dest == r->run.dest + n && e->addr == r->run.src + n) {
		r->run.pages++;
		return KX_OK;
	}
	flush_run(r);
	r->run = (struct run){ e->dest, e->addr, 1 };
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

static int inspect_pagelist(struct source *src, uint64_t head)
{
	struct kx_pl_walk w = { .map = source_map, .map_ctx = src };
	struct kx_pl_stats st;
	struct kx_pl_fault f;
	struct pl_report r = { .first = 1 };
	enum kx_status rc;

	/* Validate the whole list before printing any of it. */
	rc = kx_pl_walk(&w, head, &st, &f);
	if (rc != KX_OK) {
		if (json)
			printf("{\"head\":%llu,\"valid\":false,\"error\":{\"status\":\"%s\","
			       "\"message\":\"%s\",\"entry\":%llu,\"page\":%lld,\"slot\":%u,\"offset\":%u,"
			       "\"raw\":%llu}}\n", (unsigned long long)head,
			       kx_status_name(rc), kx_strerror(rc),
			       (unsigned long long)f.at.index,
			       f.at.page == KX_PL_NO_PAGE ? -1LL : (long long)f.at.page,
			       f.at.slot, f.at.slot * 8, (unsigned long long)f.at.raw);
		fprintf(stderr, "kxinspect: page list at head 0x%llx is invalid: %s (%s) "
			"at entry %llu (page 0x%llx, offset 0x%x, raw 0x%llx)\n",
			(unsigned long long)head, kx_status_name(rc), kx_strerror(rc),
			(unsigned long long)f.at.index,
			f.at.page == KX_PL_NO_PAGE ? 0ULL : (unsigned long long)f.at.page,
			f.at.slot * 8, (unsigned long long)f.at.raw);
		return EXIT_INVALID;
	}
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
	w.visit = visit_entry;
	w.visit_ctx = &r;
	rc = kx_pl_walk(&w, head, 0, &f);
	if (rc != KX_OK)
		die(EXIT_USAGE, "page list changed while reading");
	flush_run(&r);
	if (json)
		printf("]}\n");
	else
		printf("%u run%s of consecutive pages\n", r.runs, r.runs == 1 ? "" : "s");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "file", required_argument, 0, 'f' },
		{ "base", required_argument, 0, 'b' },
		{ "mem", optional_argument, 0, 'm' },
		{ "core", required_argument, 0, 'c' },
		{ "cmdline", required_argument, 0, 'l' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	enum source_kind kind = SOURCE_FILE;
	const char *path = 0, *cmdline = "/proc/cmdline";
	uint64_t base = 0, addr;
	struct source src;
	int c, have_source = 0, rc, default_mem = 0;

	while ((c = getopt_long(argc, argv, "jf:b:m::c:l:h", opts, 0)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'f':
		case 'c':
			kind = c == 'f' ? SOURCE_FILE : SOURCE_CORE;
			path = optarg;
			have_source++;
			break;
		case 'm':
			kind = SOURCE_MEM;
			path = optarg ? optarg : "/dev/mem";
			default_mem = !optarg;
			have_source++;
			break;
		case 'b':
			if (parse_u64(optarg, &base))
				die(EXIT_USAGE, "bad --base '%s'", optarg);
			break;
		case 'l':
			cmdline = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[optind], "pagelist") == 0 && have_source == 1 &&
	    argc - optind == 2) {
		if (parse_u64(argv[optind + 1], &addr))
			die(EXIT_USAGE, "bad head entry '%s'", argv[optind + 1]);
		if (source_open(&src, kind, path, base))
			die(EXIT_USAGE, "%s", src.err);
		rc = inspect_pagelist(&src, addr);
		source_close(&src);
		return rc;
	}
	if (optind >= argc || strcmp(argv[optind], "setup") != 0 || have_source != 1 ||
	    argc - optind > 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 2) {
		if (parse_u64(argv[optind + 1], &addr))
			die(EXIT_USAGE, "bad address '%s'", argv[optind + 1]);
	} else {
		addr = kind == SOURCE_FILE ? base : address_from_cmdline(cmdline);
	}
	if (source_open(&src, kind, path, base))
		die(EXIT_USAGE, "%s", src.err);
	/*
	 * arm64 kernels refuse System RAM through /dev/mem (STRICT_DEVMEM),
	 * and a setup page reserved by /memreserve/ is System RAM: plain
	 * --mem then reads it through /proc/kcore, the kernel's own map.
	 */
	if (kind == SOURCE_MEM && default_mem) {
		uint8_t probe[64];

		if (source_read(&src, addr, probe, sizeof(probe)) != KX_OK) {
			source_close(&src);
			if (source_open(&src, SOURCE_CORE, "/proc/kcore", 0))
				die(EXIT_USAGE, "/dev/mem refuses 0x%llx, and %s",
				    (unsigned long long)addr, src.err);
			fprintf(stderr, "kxinspect: /dev/mem refuses 0x%llx: reading /proc/kcore\n",
				(unsigned long long)addr);
		}
	}
	rc = inspect_setup(&src, addr);
	source_close(&src);
	return rc;
}
