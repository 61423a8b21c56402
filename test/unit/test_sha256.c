/* SPDX-License-Identifier: MIT */
/*
 * SHA-256: every implementation built in that this CPU runs, against the
 * NIST examples, a table from Python's hashlib (sha256_vectors.h), each
 * other, and OpenSSL where the build has it.
 */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/sha256.h>
#include "kxtest.h"
#include "sha256_vectors.h"
#ifdef KX_HAVE_OPENSSL
#include <openssl/sha.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#define MAX_IMPLS 8

/* The implementations this CPU runs, portable first. */
static unsigned usable_impls(const struct kx_sha256_impl *out[MAX_IMPLS])
{
	const struct kx_sha256_impl *impl;
	unsigned n = 0;
	int usable;

	for (unsigned i = 0; (impl = kx_sha256_impl_at(i, &usable)); i++) {
		CHECK(i < MAX_IMPLS);
		if (usable)
			out[n++] = impl;
	}
	CHECK(n >= 1);
	return n;
}

static void hash_with(const struct kx_sha256_impl *impl, const void *data,
		      size_t len, uint8_t out[32])
{
	struct kx_sha256 c;

	kx_sha256_init_impl(&c, impl);
	kx_sha256_update(&c, data, len);
	kx_sha256_final(&c, out);
}

/* A digest mismatch names the implementation and the length. */
static void check_digest(const struct kx_sha256_impl *impl, size_t len,
			 const uint8_t got[32], const uint8_t want[32],
			 int line)
{
	if (memcmp(got, want, 32) != 0)
		kx_test_fail(__FILE__, line, "%s: wrong digest for %zu bytes",
			     impl->name, len);
}
#define CHECK_DIGEST(impl, len, got, want) \
	check_digest(impl, len, got, want, __LINE__)

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	CHECK(p);
	return p;
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional"). */
static const struct {
	const char *msg;
	uint8_t digest[32];
} nist[] = {
	{ "", {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
		0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55 } },
	{ "abc", {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad } },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", {
		0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8,
		0xe5, 0xc0, 0x26, 0x93, 0x0c, 0x3e, 0x60, 0x39,
		0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff, 0x21, 0x67,
		0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1 } },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", {
		0xcf, 0x5b, 0x16, 0xa7, 0x78, 0xaf, 0x83, 0x80,
		0x03, 0x6c, 0xe5, 0x9e, 0x7b, 0x04, 0x92, 0x37,
		0x0b, 0x24, 0x9b, 0x11, 0xe8, 0xf0, 0x7a, 0x51,
		0xaf, 0xac, 0x45, 0x03, 0x7a, 0xfe, 0xe9, 0xd1 } },
};

static const uint8_t million_a[32] = {
	0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92,
	0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
	0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e,
	0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
};

KX_TEST(sha256_nist_vectors)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	unsigned n = usable_impls(impls);
	uint8_t got[32], *a = xmalloc(1000000);

	memset(a, 'a', 1000000);
	for (unsigned k = 0; k < n; k++) {
		for (unsigned i = 0; i < KX_ARRAY_SIZE(nist); i++) {
			size_t len = strlen(nist[i].msg);

			hash_with(impls[k], nist[i].msg, len, got);
			CHECK_DIGEST(impls[k], len, got, nist[i].digest);
		}
		hash_with(impls[k], a, 1000000, got);
		CHECK_DIGEST(impls[k], 1000000, got, million_a);
	}
	/* And through the default entry points. */
	kx_sha256("abc", 3, got);
	CHECK_MEM(got, nist[1].digest, 32);
	kx_sha256(NULL, 0, got);
	CHECK_MEM(got, nist[0].digest, 32);
	free(a);
}

/* Prefixes of the pattern at block-boundary lengths up to 3 MiB, against
 * digests from hashlib; the data is at every alignment modulo 8. */
KX_TEST(sha256_generated_vectors)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	unsigned n = usable_impls(impls);
	size_t max = 0;
	uint8_t got[32], *buf;

	for (unsigned i = 0; i < KX_ARRAY_SIZE(sha256_vectors); i++)
		max = KX_MAX(max, sha256_vectors[i].len);
	buf = xmalloc(max + 8);
	for (unsigned i = 0; i < KX_ARRAY_SIZE(sha256_vectors); i++) {
		size_t len = sha256_vectors[i].len;
		uint8_t *p = buf + i % 8;

		for (size_t j = 0; j < len; j++)
			p[j] = sha256_pattern_byte(j);
		for (unsigned k = 0; k < n; k++) {
			hash_with(impls[k], p, len, got);
			CHECK_DIGEST(impls[k], len, got, sha256_vectors[i].digest);
		}
#ifdef KX_HAVE_OPENSSL
		/* The table itself is right (or the generator drifted). */
		SHA256(p, len, got);
		CHECK_DIGEST(impls[0], len, got, sha256_vectors[i].digest);
#endif
	}
	free(buf);
}

/* Every length from 0 to 1024 at every alignment, each implementation
 * against the portable one, and the portable one against OpenSSL. */
KX_TEST(sha256_every_length)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	unsigned n = usable_impls(impls);
	uint8_t buf[1024 + 8], want[32], got[32];

	kx_rand_fill(buf, sizeof(buf));
	for (size_t len = 0; len <= 1024; len++) {
		const uint8_t *p = buf + len % 8;

		hash_with(impls[0], p, len, want);
#ifdef KX_HAVE_OPENSSL
		SHA256(p, len, got);
		CHECK_DIGEST(impls[0], len, want, got);
#endif
		for (unsigned k = 1; k < n; k++) {
			hash_with(impls[k], p, len, got);
			CHECK_DIGEST(impls[k], len, got, want);
		}
	}
}

/* The same message fed to update() in random pieces, empty ones too. */
KX_TEST(sha256_random_splits)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	unsigned n = usable_impls(impls);
	size_t max = 70000;
	uint8_t *buf = xmalloc(max), want[32], got[32];

	for (unsigned iter = 0; iter < 200; iter++) {
		size_t len = iter % 10 ? kx_rand_below(2000) : kx_rand_below(max);

		kx_rand_fill(buf, len);
		hash_with(impls[0], buf, len, want);
#ifdef KX_HAVE_OPENSSL
		SHA256(buf, len, got);
		CHECK_DIGEST(impls[0], len, want, got);
#endif
		for (unsigned k = 0; k < n; k++) {
			struct kx_sha256 c;
			size_t off = 0;

			kx_sha256_init_impl(&c, impls[k]);
			while (off < len) {
				/* Mostly short pieces, around the block size,
				 * sometimes many blocks at once. */
				size_t piece = kx_rand_below(8) ? kx_rand_below(130) :
					kx_rand_below(len - off + 1);

				piece = KX_MIN(piece, len - off);
				kx_sha256_update(&c, buf + off, piece);
				off += piece;
			}
			kx_sha256_final(&c, got);
			CHECK_DIGEST(impls[k], len, got, want);
		}
	}
	free(buf);
}

#ifdef KX_HAVE_OPENSSL
/* Larger random messages against OpenSSL, through the default choice and
 * each implementation. */
KX_TEST(sha256_openssl_random)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	unsigned n = usable_impls(impls);
	size_t max = 4 << 20;
	uint8_t *buf = xmalloc(max + 8), want[32], got[32];

	kx_rand_fill(buf, max + 8);
	for (unsigned iter = 0; iter < 24; iter++) {
		size_t len = kx_rand_below(max + 1);
		const uint8_t *p = buf + kx_rand_below(8);

		SHA256(p, len, want);
		kx_sha256(p, len, got);
		CHECK_DIGEST(kx_sha256_get_impl(), len, got, want);
		for (unsigned k = 0; k < n; k++) {
			hash_with(impls[k], p, len, got);
			CHECK_DIGEST(impls[k], len, got, want);
		}
	}
	free(buf);
}
#endif

/* kexec-tools' layout: the regions hashed in order as one message, empty
 * ones skipped wherever they are. */
KX_TEST(sha256_regions)
{
	struct kx_sha256_region r[KX_SHA256_REGIONS];
	uint8_t *bufs[KX_SHA256_REGIONS], *all, want[32], got[32];
	size_t total = 0;

	memset(r, 0, sizeof(r));
	kx_sha256_regions(r, KX_SHA256_REGIONS, got);
	CHECK_MEM(got, nist[0].digest, 32);
	kx_sha256_regions(r, 0, got);
	CHECK_MEM(got, nist[0].digest, 32);

	for (unsigned iter = 0; iter < 20; iter++) {
		all = xmalloc(KX_SHA256_REGIONS * 5000);
		total = 0;
		for (unsigned i = 0; i < KX_SHA256_REGIONS; i++) {
			/* About a third empty, with garbage addresses that
			 * must not be read. */
			size_t len = kx_rand_below(3) ? kx_rand_below(5000) : 0;

			bufs[i] = xmalloc(len);
			kx_rand_fill(bufs[i], len);
			memcpy(all + total, bufs[i], len);
			total += len;
			r[i].start = len ? (uint64_t)(uintptr_t)bufs[i] : kx_rand();
			r[i].len = len;
		}
		hash_with(kx_sha256_impl_at(0, 0), all, total, want);
		kx_sha256_regions(r, KX_SHA256_REGIONS, got);
		CHECK_MEM(got, want, 32);
		for (unsigned i = 0; i < KX_SHA256_REGIONS; i++)
			free(bufs[i]);
		free(all);
	}

	/* One region is the same as kx_sha256(). */
	r[0].start = (uint64_t)(uintptr_t)"abc";
	r[0].len = 3;
	kx_sha256_regions(r, 1, got);
	CHECK_MEM(got, nist[1].digest, 32);
}

/* ------------------------------------------------------------ two states */

/*
 * blocks2 on random chaining values, any block count, data at any
 * alignment in an exactly-sized buffer (AddressSanitizer catches a read
 * past the last block): the same as blocks() on each state alone, and
 * the same as the portable blocks().
 */
KX_TEST(sha256_blocks2_random_states)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	const struct kx_sha256_impl *portable = kx_sha256_impl_at(0, 0);
	unsigned n = usable_impls(impls);

	for (unsigned k = 0; k < n; k++) {
		CHECK(impls[k]->blocks2);
		for (unsigned iter = 0; iter < 120; iter++) {
			size_t nblocks = iter % 8 ? kx_rand_below(20) : kx_rand_below(400);
			size_t off = kx_rand_below(16);
			uint8_t *buf = xmalloc(off + nblocks * 64);
			const uint8_t *p = buf + off;
			uint32_t a[8], b[8], ra[8], rb[8], pa[8], pb[8];

			kx_rand_fill(buf, off + nblocks * 64);
			kx_rand_fill(a, sizeof(a));
			/* Now and then the same chaining value in both. */
			if (iter % 5 == 0)
				memcpy(b, a, sizeof(b));
			else
				kx_rand_fill(b, sizeof(b));
			memcpy(ra, a, sizeof(a));
			memcpy(rb, b, sizeof(b));
			memcpy(pa, a, sizeof(a));
			memcpy(pb, b, sizeof(b));
			impls[k]->blocks2(a, b, p, nblocks);
			impls[k]->blocks(ra, p, nblocks);
			impls[k]->blocks(rb, p, nblocks);
			portable->blocks(pa, p, nblocks);
			portable->blocks(pb, p, nblocks);
			if (memcmp(a, ra, 32) || memcmp(b, rb, 32) ||
			    memcmp(a, pa, 32) || memcmp(b, pb, 32))
				kx_test_fail(__FILE__, __LINE__,
					     "%s: blocks2 differs on %zu blocks at offset %zu",
					     impls[k]->name, nblocks, off);
			free(buf);
		}
	}
}

/* A prefix of random length: a whole number of blocks (0 included) half
 * of the time, so that update2 meets both aligned and unaligned contexts. */
static size_t random_prefix_len(void)
{
	return kx_rand_below(2) ? 64 * kx_rand_below(5) : kx_rand_below(300);
}

/* A piece of a split: whole blocks, blocks and a tail, or a few bytes. */
static size_t random_piece(size_t left)
{
	size_t piece;

	switch (kx_rand_below(4)) {
	case 0: piece = 64 * kx_rand_below(80); break;
	case 1: piece = 64 * kx_rand_below(8) + kx_rand_below(64); break;
	case 2: piece = kx_rand_below(130); break;
	default: piece = kx_rand_below(left + 1); break;
	}
	return KX_MIN(piece, left);
}

/*
 * Two messages with different prefixes and a common tail fed through
 * update2 in random pieces, against two independent contexts fed with
 * update(); for every pair of implementations, so that contexts of
 * different implementations take the fallback.
 */
KX_TEST(sha256_update2_random_splits)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	const struct kx_sha256_impl *portable = kx_sha256_impl_at(0, 0);
	unsigned n = usable_impls(impls);
	size_t max = 200000;
	uint8_t *buf = xmalloc(max), pre_a[300], pre_b[300];

	for (unsigned ka = 0; ka < n; ka++) {
		for (unsigned kb = 0; kb < n; kb++) {
			for (unsigned iter = 0; iter < 40; iter++) {
				size_t la = random_prefix_len(), lb = random_prefix_len();
				size_t len = iter % 8 ? kx_rand_below(20000) : kx_rand_below(max);
				struct kx_sha256 a, b, ra, rb;
				uint8_t da[32], db[32], wa[32], wb[32];
				size_t off = 0;

				kx_rand_fill(pre_a, la);
				kx_rand_fill(pre_b, lb);
				kx_rand_fill(buf, len);
				kx_sha256_init_impl(&a, impls[ka]);
				kx_sha256_init_impl(&b, impls[kb]);
				kx_sha256_init_impl(&ra, portable);
				kx_sha256_init_impl(&rb, portable);
				kx_sha256_update(&a, pre_a, la);
				kx_sha256_update(&ra, pre_a, la);
				kx_sha256_update(&b, pre_b, lb);
				kx_sha256_update(&rb, pre_b, lb);
				kx_sha256_update(&ra, buf, len);
				kx_sha256_update(&rb, buf, len);
				while (off < len) {
					size_t piece = random_piece(len - off);

					kx_sha256_update2(&a, &b, buf + off, piece);
					off += piece;
				}
				kx_sha256_update2(&a, &b, NULL, 0);
				kx_sha256_final(&a, da);
				kx_sha256_final(&b, db);
				kx_sha256_final(&ra, wa);
				kx_sha256_final(&rb, wb);
				if (memcmp(da, wa, 32) || memcmp(db, wb, 32))
					kx_test_fail(__FILE__, __LINE__,
						     "%s/%s: update2 differs, prefixes %zu/%zu, %zu bytes",
						     impls[ka]->name, impls[kb]->name, la, lb, len);
			}
		}
	}
	free(buf);
}

KX_TEST(sha256_dispatch)
{
	const struct kx_sha256_impl *impl, *best = kx_sha256_best();
	struct kx_sha256_impl fake = { .name = "fake" };
	int usable = 0;
	unsigned count;
	uint8_t got[32];

	impl = kx_sha256_impl_at(0, &usable);
	CHECK(impl && usable);
	CHECK(strcmp(impl->name, "portable") == 0);
	for (count = 0; kx_sha256_impl_at(count, 0); count++)
		CHECK(kx_sha256_impl_find(kx_sha256_impl_at(count, 0)->name) ==
		      kx_sha256_impl_at(count, 0));
	CHECK(count <= MAX_IMPLS);
	CHECK(kx_sha256_impl_at(count, &usable) == NULL && !usable);
	CHECK(kx_sha256_impl_find("nope") == NULL);
	CHECK(kx_sha256_impl_find(NULL) == NULL);
	CHECK(kx_sha256_impl_find("portabl") == NULL);

	/* The best is the first usable accelerated one, else portable. */
	for (unsigned i = 1; (impl = kx_sha256_impl_at(i, &usable)); i++) {
		if (usable)
			break;
	}
	CHECK(best == (impl ? impl : kx_sha256_impl_at(0, 0)));
	CHECK(kx_sha256_best() == best);
	CHECK(kx_sha256_get_impl() == best);

	/* Forcing each usable one, and refusing what cannot run. */
	for (unsigned i = 0; (impl = kx_sha256_impl_at(i, &usable)); i++) {
		if (!usable) {
			CHECK_ST(kx_sha256_set_impl(impl), KX_ERR_UNSUPPORTED);
			continue;
		}
		CHECK_ST(kx_sha256_set_impl(impl), KX_OK);
		CHECK(kx_sha256_get_impl() == impl);
		kx_sha256("abc", 3, got);
		CHECK_MEM(got, nist[1].digest, 32);
	}
	CHECK_ST(kx_sha256_set_impl(&fake), KX_ERR_INVAL);
	CHECK_ST(kx_sha256_set_impl(NULL), KX_OK);
	CHECK(kx_sha256_get_impl() == best);
}

/* What the CPU says it has, asked independently of kx's own detection. */
static const char *cpu_sha256_feature(void)
{
#if defined(__x86_64__)
	static char line[8192];
	const char *found = NULL;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) == 0 &&
		    (strstr(line, " sha_ni ") || strstr(line, " sha_ni\n")))
			found = "sha-ni";
	}
	fclose(f);
	return found;
#elif defined(__aarch64__)
	/* The kernel's (or qemu-user's) HWCAP, not ID_AA64ISAR0_EL1. */
	return (getauxval(AT_HWCAP) & HWCAP_SHA2) ? "armv8-ce" : NULL;
#else
	return NULL;
#endif
}

/*
 * Every test above runs each usable implementation, so this one fails if
 * the CPU has SHA-256 instructions that kx did not detect and therefore
 * did not test (qemu-aarch64's default CPU has them).
 */
KX_TEST(sha256_cpu_coverage)
{
	const struct kx_sha256_impl *impls[MAX_IMPLS];
	unsigned n = usable_impls(impls);
	const char *feature = cpu_sha256_feature();
	char names[128] = "";

	for (unsigned k = 0; k < n; k++) {
		strncat(names, " ", sizeof(names) - strlen(names) - 1);
		strncat(names, impls[k]->name, sizeof(names) - strlen(names) - 1);
	}
	kx_test_note("implementations exercised:%s; the CPU reports %s", names,
		     feature ? feature : "no SHA-256 instructions");
	if (feature) {
		const struct kx_sha256_impl *impl = kx_sha256_impl_find(feature);
		int usable = 0;

		CHECK(impl);
		for (unsigned i = 0; kx_sha256_impl_at(i, &usable) != impl; i++)
			;
		if (!usable)
			kx_test_fail(__FILE__, __LINE__,
				     "the CPU has %s but kx does not use it", feature);
		CHECK(kx_sha256_best() == impl);
	}
}
