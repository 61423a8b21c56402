/* SPDX-License-Identifier: MIT */
/*
 * The round-trip test payload: a freestanding image (x86_64 or aarch64) that
 * kxjump.efi calls in swap mode, through kx's trampoline and purgatory.
 * It checks that it runs where it was linked (its destination, inside the
 * caller's pattern region), decodes the setup page, reads its parameters
 * from the command-line record, reads the caller's region through the
 * backup-page map and through the fixed-up ELF core header (every word
 * must be the caller's pattern, displaced pages included), hashes the
 * caller's buffer named by the parameters as the caller sees it, writes a
 * result block where the parameters say, and returns through the
 * jump-back entry (its entry function's return: the top stack word).
 *
 * Entered as the jump-back contract says (docs/abi.md 2.4).  x86_64: %rdi
 * the setup page, %rsi the jump-back entry, 0(%rsp) the jump-back entry,
 * 64-bit mode, identity map, interrupts off, SSE on (purgatory).  aarch64:
 * x0 the setup page, x1 and x30 the jump-back entry, the MMU and caches
 * off, DAIF masked, FP/SIMD on (purgatory); its result goes back in x0
 * and x1 as struct kx_jump_result is returned.
 */
#include <stdarg.h>
#include <kx/compiler.h>
#include <kx/elfcore.h>
#include <kx/format.h>
#include <kx/setup_page.h>
#include <kx/sha256.h>
#include <kx/trampoline.h>
#include "payload.h"

#define MAX_EXT 64

extern char kxpayload_start[];

#if defined(__x86_64__)
#include <kx/x86_io.h>

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	kx_uart16550_putc(0x3f8, c);	/* COM1 */
}

/* Where our first byte runs now (PC-relative). */
static inline uint64_t running_at(void)
{
	uint64_t a;

	__asm__("lea kxpayload_start(%%rip), %0" : "=r"(a));
	return a;
}
#define BACK_REG "%%rsi"
#elif defined(__aarch64__)
#include <kx/a64_sys.h>

/* QEMU virt's PL011 (the MMU is off: device memory, aligned accesses). */
static void console_putc(void *ctx, char c)
{
	(void)ctx;
	kx_pl011_putc(0x09000000, c);
}

static inline uint64_t running_at(void)
{
	uint64_t a;

	__asm__("adr %0, kxpayload_start" : "=r"(a));
	return a;
}
#define BACK_REG "x1"
#endif

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kx_vformat(console_putc, 0, fmt, ap);
	va_end(ap);
}

static enum kx_status ident(void *ctx, uint64_t phys, uint32_t len, const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

/* "key=<hex>" in the command line, or 0. */
static uint64_t param(const char *s, const char *key)
{
	size_t k = 0;

	while (key[k])
		k++;
	for (; *s; s++) {
		uint64_t v = 0;

		if (kx_memcmp(s, key, k) || s[k] != '=')
			continue;
		s += k + 1;
		if (s[0] == '0' && s[1] == 'x')
			s += 2;
		for (;; s++) {
			if (*s >= '0' && *s <= '9')
				v = v << 4 | (uint64_t)(*s - '0');
			else if (*s >= 'a' && *s <= 'f')
				v = v << 4 | (uint64_t)(*s - 'a' + 10);
			else
				return v;
		}
	}
	return 0;
}

struct view {
	struct kx_backup_extent ext[MAX_EXT];
	unsigned n;
};

/* The caller's byte at addr as it is now kept: through the map. */
static const uint8_t *through_map(const struct view *v, uint64_t addr)
{
	for (unsigned i = 0; i < v->n; i++)
		if (addr >= v->ext[i].orig && addr - v->ext[i].orig < v->ext[i].pages * 4096)
			return (const uint8_t *)(uintptr_t)(v->ext[i].current +
							     (addr - v->ext[i].orig));
	return (const uint8_t *)(uintptr_t)addr;
}

static int displaced(const struct view *v, uint64_t page)
{
	return through_map(v, page) != (const uint8_t *)(uintptr_t)page;
}

/* Words of [addr, addr + len) read at at, against the pattern: every word
 * of a displaced page, every 64th byte's word elsewhere (time under TCG). */
static void check_words(const struct view *v, uint64_t addr, const uint8_t *at,
			uint64_t len, uint64_t seed, uint64_t *words, uint64_t *bad)
{
	for (uint64_t off = 0; off < len; off += 4096) {
		uint64_t step = displaced(v, (addr + off) & ~4095ull) ? 8 : 64;
		uint64_t end = KX_MIN(len, off + 4096);

		for (uint64_t o = off; o < end; o += step) {
			(*words)++;
			if (*(const uint64_t *)(at + o) != kxj_pattern(addr + o, seed))
				(*bad)++;
		}
	}
}

struct kx_jump_result kxpayload_main(uint64_t setup, uint64_t back);
__attribute__((section(".text.entry")))
struct kx_jump_result kxpayload_main(uint64_t setup, uint64_t back)
{
	static struct view v;
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_fault f;
	struct kx_setup_table_view tv;
	struct kxj_result *res;
	struct kx_sha256 sha;
	const char *params = 0;
	uint64_t ran_at, jb = 0, core = 0, core_size = 0;
	uint64_t region, size, seed, buf, len, round;
	enum kx_status st;

	ran_at = running_at();
	v.n = 0;
	st = kx_setup_open(&r, setup, ident, 0, &f);
	if (st != KX_OK) {
		say("kxpayload: setup page 0x%llx: %s\n", (unsigned long long)setup,
		    kx_status_name(st));
		return (struct kx_jump_result){ 0xbad0000 | st, KX_JUMP_FROM_IMAGE };
	}
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type == KX_REC_BACKUP && kx_setup_table(&rec, &tv) == KX_OK) {
			for (unsigned i = 0; i < tv.count && v.n < MAX_EXT; i++)
				kx_memcpy(&v.ext[v.n++], tv.entries + i * tv.entry_size,
					  sizeof(v.ext[0]));
		} else if (rec.type == KX_REC_JUMP_BACK) {
			jb = kx_get_le64(rec.payload);
		} else if (rec.type == KX_REC_ELFCORE) {
			core = kx_get_le64(rec.payload);
			core_size = kx_get_le64(rec.payload + 8);
		} else if (rec.type == KX_REC_CMDLINE) {
			params = (const char *)rec.payload;
		}
	}
	if (!params)
		return (struct kx_jump_result){ 0xbad0001, KX_JUMP_FROM_IMAGE };
	round = param(params, "round");
	region = param(params, "region");
	size = param(params, "size");
	seed = param(params, "seed");
	buf = param(params, "buf");
	len = param(params, "len");
	res = (struct kxj_result *)(uintptr_t)param(params, "result");
	kx_memset(res, 0, sizeof(*res));
	res->magic = KXJ_RESULT_MAGIC;
	res->round = round;
	res->ran_at = ran_at;
	res->jump_back = jb;
	say("kxpayload: round %llu: running at 0x%llx (linked at 0x%llx), setup page 0x%llx, flags 0x%x, jump-back 0x%llx (" BACK_REG " 0x%llx)\n",
	    (unsigned long long)round, (unsigned long long)ran_at,
	    (unsigned long long)(uintptr_t)kxpayload_start, (unsigned long long)setup,
	    kx_setup_flags(&r), (unsigned long long)jb, (unsigned long long)back);

	/* The caller's region through the backup map. */
	res->map_extents = v.n;
	for (unsigned i = 0; i < v.n; i++)
		res->map_displaced += v.ext[i].pages;
	for (uint64_t off = 0; off < size; off += 4096)
		check_words(&v, region + off, through_map(&v, region + off), 4096, seed,
			    &res->map_words, &res->map_bad);

	/* And through the fixed-up ELF core header. */
	if (core && kx_elfcore_check((const uint8_t *)(uintptr_t)core, core_size) == KX_OK) {
		const uint8_t *h = (const uint8_t *)(uintptr_t)core;
		uint64_t phoff = kx_get_le64(h + 32);
		unsigned phnum = kx_get_le16(h + 56);

		for (unsigned i = 0; i < phnum; i++) {
			const uint8_t *ph = h + phoff + i * 56;
			uint64_t pa = kx_get_le64(ph + 24), sz = kx_get_le64(ph + 32);
			uint64_t at = kx_get_le64(ph + 8);

			if (kx_get_le32(ph) != 1)
				continue;
			res->core_loads++;
			res->core_bytes += sz;
			check_words(&v, pa, (const uint8_t *)(uintptr_t)at, sz, seed,
				    &res->core_words, &res->core_bad);
		}
	}

	/* The caller's buffer as the caller sees it, page piece by piece. */
	kx_sha256_init(&sha);
	for (uint64_t a = buf; a < buf + len;) {
		uint64_t n = KX_MIN(buf + len - a, 4096 - (a & 4095));

		kx_sha256_update(&sha, through_map(&v, a), n);
		a += n;
	}
	kx_sha256_final(&sha, res->digest);
	say("kxpayload: round %llu: map %llu extents, %llu displaced pages, %llu words, %llu bad; core header %llu loads, 0x%llx bytes, %llu words, %llu bad; sha256 of 0x%llx+0x%llx done\n",
	    (unsigned long long)round, (unsigned long long)res->map_extents,
	    (unsigned long long)res->map_displaced, (unsigned long long)res->map_words,
	    (unsigned long long)res->map_bad, (unsigned long long)res->core_loads,
	    (unsigned long long)res->core_bytes, (unsigned long long)res->core_words,
	    (unsigned long long)res->core_bad, (unsigned long long)buf,
	    (unsigned long long)len);
	return (struct kx_jump_result){ kx_get_le64(res->digest), KX_JUMP_FROM_IMAGE };
}
