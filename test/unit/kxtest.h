/* SPDX-License-Identifier: MIT */
/*
 * Host unit-test harness.  A test is a function registered with KX_TEST;
 * a failed CHECK prints where and why and abandons that test only.  Output
 * lines start with "ok " or "FAIL ", which test/run.sh counts.
 */
#ifndef KXTEST_H
#define KXTEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <kx/status.h>

struct kx_test {
	const char *name;
	void (*fn)(void);
};

/* GCC's AddressSanitizer leaves variables in named sections unpadded, so
 * the section stays a plain array. */
#define KX_TEST(n)							\
	static void n(void);						\
	static const struct kx_test kx_test_##n				\
	__attribute__((used, section("kxtests"), aligned(8))) = { #n, n }; \
	static void n(void)

void kx_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void kx_test_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(c)							\
	do {								\
		if (!(c))						\
			kx_test_fail(__FILE__, __LINE__, "%s", #c);	\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long a_ = (unsigned long long)(a);	\
		unsigned long long b_ = (unsigned long long)(b);	\
		if (a_ != b_)						\
			kx_test_fail(__FILE__, __LINE__,		\
				     "%s == %s: 0x%llx != 0x%llx",	\
				     #a, #b, a_, b_);			\
	} while (0)

#define CHECK_ST(expr, want)						\
	do {								\
		enum kx_status got_ = (expr);				\
		enum kx_status want_ = (want);				\
		if (got_ != want_)					\
			kx_test_fail(__FILE__, __LINE__,		\
				     "%s: got %s, want %s", #expr,	\
				     kx_status_name(got_),		\
				     kx_status_name(want_));		\
	} while (0)

#define CHECK_MEM(a, b, n)						\
	do {								\
		if (memcmp((a), (b), (n)) != 0)				\
			kx_test_fail(__FILE__, __LINE__,		\
				     "%s and %s differ", #a, #b);	\
	} while (0)

/* Deterministic random numbers (xorshift64*); seed from KX_TEST_SEED. */
uint64_t kx_rand(void);
uint64_t kx_rand_below(uint64_t n);
void kx_rand_fill(void *buf, size_t len);
uint64_t kx_test_seed(void);

#endif
