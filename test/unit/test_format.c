/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <kx/format.h>
#include "kxtest.h"

#define SAME(...)							\
	do {								\
		char a_[128], b_[128];					\
		size_t n_ = kx_snprintf(a_, sizeof(a_), __VA_ARGS__);	\
		int m_ = snprintf(b_, sizeof(b_), __VA_ARGS__);		\
		if (strcmp(a_, b_) != 0 || n_ != (size_t)m_)		\
			kx_test_fail(__FILE__, __LINE__, "kx '%s' (%zu) libc '%s' (%d)", \
				     a_, n_, b_, m_);			\
	} while (0)

KX_TEST(format_matches_libc_for_what_it_supports)
{
	SAME("plain");
	SAME("%s|%5s|%-5s|%c|%%", "ab", "cd", "ef", 'x');
	SAME("%d %i %u %x %X", -42, 17, 4000000000u, 0xbeefu, 0xbeefu);
	SAME("%08x %-8x| %8d %-8d| %08d", 0x1234u, 0x1234u, -77, -77, -77);
	SAME("%lx %llx %016llx %lu", 0xdeadbeefcafeUL, 0xffffffffffffffffULL,
	     0x12ULL, 123456789012UL);
	SAME("%hhx %hx %hhd %hd", 0x1ff, 0x1ffff, 200, 40000);
	SAME("%zu %zx", (size_t)12345, (size_t)0xabc);
	SAME("%lld %lld", (long long)-9223372036854775807LL - 1, 0LL);
	SAME("%p", (void *)0x1000);
	SAME("%s", (const char *)"");
}

KX_TEST(snprintf_truncates_and_reports_the_full_length)
{
	char buf[8];

	CHECK_EQ(kx_snprintf(buf, sizeof(buf), "0123456789"), 10);
	CHECK(strcmp(buf, "0123456") == 0);
	CHECK_EQ(kx_snprintf(buf, 1, "abc"), 3);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(kx_snprintf(0, 0, "%d", 12345), 5);
}
