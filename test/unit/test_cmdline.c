/* SPDX-License-Identifier: MIT */
#include <kx/cmdline.h>
#include "kxtest.h"

static int core(const char *c, uint64_t *a, uint64_t *n)
{
	*a = *n = 0xdead;
	return kx_cmdline_elfcorehdr(c, strlen(c), a, n);
}

KX_TEST(cmdline_elfcorehdr_takes_size_at_offset)
{
	uint64_t a, n;

	CHECK(core("console=ttyS0 elfcorehdr=0x7f000000", &a, &n));
	CHECK_EQ(a, 0x7f000000);
	CHECK_EQ(n, 0);
	/* Linux's [size@]offset, with suffixes on both. */
	CHECK(core("elfcorehdr=4K@0x7f000000 irqpoll", &a, &n));
	CHECK_EQ(a, 0x7f000000);
	CHECK_EQ(n, 4096);
	CHECK(core("elfcorehdr=1M@2G", &a, &n));
	CHECK_EQ(a, 2ull << 30);
	CHECK_EQ(n, 1ull << 20);
	/* The last whole word wins; tabs separate words; a key inside a
	 * word is not the key. */
	CHECK(core("elfcorehdr=0x1000\telfcorehdr=0x2000 xelfcorehdr=0x3000", &a, &n));
	CHECK_EQ(a, 0x2000);
	/* Malformed or too big for 64 bits: none, never a wrapped value. */
	CHECK(!core("elfcorehdr=", &a, &n));
	CHECK(!core("elfcorehdr=0x1000junk", &a, &n));
	CHECK(!core("elfcorehdr=4K@", &a, &n));
	CHECK(!core("elfcorehdr=0x10000000000000000", &a, &n));
	CHECK(!core("elfcorehdr=99999999999999999999", &a, &n));
	CHECK(!core("elfcorehdr=0xffffffffffffG", &a, &n));
	CHECK(!core("console=ttyS0", &a, &n));
}

KX_TEST(cmdline_stays_within_its_length)
{
	const char c[] = "a=1 elfcorehdr=0x1000 b=2";
	uint64_t a, n;
	size_t vlen;

	/* Cut inside the number: the shorter value is read, never beyond. */
	CHECK(kx_cmdline_elfcorehdr(c, 19, &a, &n));
	CHECK_EQ(a, 0x10);
	CHECK(kx_cmdline_value(c, 3, "a=", &vlen) && vlen == 1);
	CHECK(!kx_cmdline_value(c, 2, "b=", &vlen));
}

KX_TEST(cmdline_drops_an_earlier_setup_announcement_only)
{
	char c[] = "root=/dev/sda memmap=64M$0x10000000 kx_setup=0x3ffdb000 "
		   "memmap=12K$0x3ffdb000 quiet kx_setup=0x1000\tmemmap=4K$0x2000";
	size_t len = strlen(c);

	/* Both kx_setup= words go; the memmap= reserving the same page goes
	 * with the first; the user's, and one naming another page, stay;
	 * nothing moves. */
	CHECK_EQ(kx_cmdline_drop_setup(c, sizeof(c)), 3);
	CHECK(!strstr(c, "kx_setup"));
	CHECK(!strstr(c, "memmap=12K"));
	CHECK(strstr(c, "root=/dev/sda memmap=64M$0x10000000 "));
	CHECK(strstr(c, " quiet "));
	CHECK(strstr(c, "\tmemmap=4K$0x2000"));
	CHECK_EQ(strlen(c), len);
	/* Nothing of kx's: nothing changes. */
	CHECK_EQ(kx_cmdline_drop_setup(c, sizeof(c)), 0);
}
