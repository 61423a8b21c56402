/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/bootconf.h>
#include "kxtest.h"

static struct kx_bootconf conf;
static struct kx_bootconf_error err;

static enum kx_status parse(const char *text)
{
	return kx_bootconf_parse(text, strlen(text), &conf, &err);
}

/* The refusal's status, line and a piece of its message. */
#define CHECK_REFUSED(text, st, at, piece)				\
	do {								\
		CHECK_ST(parse(text), st);				\
		CHECK_EQ(err.status, st);				\
		CHECK_EQ(err.line, at);				\
		if (!strstr(err.msg, piece))				\
			kx_test_fail(__FILE__, __LINE__,		\
				     "message '%s' lacks '%s'",		\
				     err.msg, piece);			\
		CHECK_EQ(conf.kernel[0], 0);				\
	} while (0)

KX_TEST(bootconf_full_file)
{
	CHECK_ST(parse("# kxboot\n"
		       "kernel /vmlinuz\n"
		       "\n"
		       "  initrd\t/a.img  \n"
		       "initrd \\EFI\\b.img\r\n"
		       "cmdline console=ttyS0  quiet\n"
		       "   # indented comment\n"
		       "cmdline panic=-1\n"
		       "dtb /virt.dtb"), KX_OK);
	CHECK(!strcmp(conf.kernel, "/vmlinuz"));
	CHECK_EQ(conf.ninitrd, 2);
	CHECK(!strcmp(conf.initrd[0], "/a.img"));
	CHECK(!strcmp(conf.initrd[1], "\\EFI\\b.img"));
	/* Blanks inside a value are kept, lines are joined by one space. */
	CHECK(!strcmp(conf.cmdline, "console=ttyS0  quiet panic=-1"));
	CHECK(!strcmp(conf.dtb, "/virt.dtb"));
	CHECK_EQ(err.status, KX_OK);
}

KX_TEST(bootconf_minimal_and_bom)
{
	CHECK_ST(parse("\xef\xbb\xbfkernel k"), KX_OK);
	CHECK(!strcmp(conf.kernel, "k"));
	CHECK_EQ(conf.ninitrd, 0);
	CHECK_EQ(conf.cmdline[0], 0);
	CHECK_EQ(conf.dtb[0], 0);
	/* UTF-8 in the command line is the kernel's business. */
	CHECK_ST(parse("kernel k\ncmdline x=\xc3\xa9"), KX_OK);
	CHECK(!strcmp(conf.cmdline, "x=\xc3\xa9"));
}

KX_TEST(bootconf_refusals)
{
	CHECK_REFUSED("kernel k\nkernal k\n", KX_ERR_FORMAT, 2,
		      "unknown key 'kernal'");
	CHECK_REFUSED("kernel k\nKernel k\n", KX_ERR_FORMAT, 2, "unknown key");
	CHECK_REFUSED("kernel k\nkernel=k\n", KX_ERR_FORMAT, 2,
		      "unknown key 'kernel=k'");
	CHECK_REFUSED("kernel k\ninitrd\n", KX_ERR_FORMAT, 2,
		      "'initrd' needs a value");
	CHECK_REFUSED("kernel  \t\n", KX_ERR_FORMAT, 1, "'kernel' needs a value");
	CHECK_REFUSED("kernel a\n\nkernel b\n", KX_ERR_FORMAT, 3,
		      "'kernel' given twice (first on line 1)");
	CHECK_REFUSED("dtb a\nkernel k\ndtb b\n", KX_ERR_FORMAT, 3,
		      "'dtb' given twice");
	CHECK_REFUSED("initrd i\ncmdline x\n", KX_ERR_NOT_FOUND, 0,
		      "no 'kernel' line");
	CHECK_REFUSED("", KX_ERR_NOT_FOUND, 0, "no 'kernel' line");
	CHECK_REFUSED("# only a comment\n", KX_ERR_NOT_FOUND, 0, "no 'kernel'");
	CHECK_REFUSED("kernel k\x01\n", KX_ERR_FORMAT, 1, "control character 0x01");
	CHECK_ST(kx_bootconf_parse("kernel k\0x", 10, &conf, &err), KX_ERR_FORMAT);
	CHECK(strstr(err.msg, "control character 0x00"));
	CHECK_REFUSED("kernel /v\xc3\xa9\n", KX_ERR_FORMAT, 1, "non-ASCII byte 0xc3");
	CHECK_REFUSED("kernel k\r\rinitrd x\n", KX_ERR_FORMAT, 1, "control character 0x0d");
}

KX_TEST(bootconf_unknown_key_is_echoed_bounded)
{
	char text[200];

	snprintf(text, sizeof(text), "kernel k\n%0100d value\n", 7);
	CHECK_REFUSED(text, KX_ERR_FORMAT, 2, "unknown key '000000000000000000000000...'");
	CHECK_REFUSED("kernel k\n\xff\xfe v\n", KX_ERR_FORMAT, 2, "unknown key '?" "?'");
}

KX_TEST(bootconf_lengths)
{
	static char text[KX_BOOTCONF_FILE_MAX + 2];
	char path[KX_BOOTCONF_PATH_MAX + 1];
	int n;

	/* A path of PATH_MAX - 1 bytes fits, one more does not. */
	memset(path, 'p', sizeof(path));
	path[KX_BOOTCONF_PATH_MAX - 1] = 0;
	snprintf(text, sizeof(text), "kernel %s\n", path);
	CHECK_ST(parse(text), KX_OK);
	CHECK_EQ(strlen(conf.kernel), KX_BOOTCONF_PATH_MAX - 1);
	path[KX_BOOTCONF_PATH_MAX - 1] = 'p';
	path[KX_BOOTCONF_PATH_MAX] = 0;
	snprintf(text, sizeof(text), "kernel k\ninitrd %s\n", path);
	CHECK_REFUSED(text, KX_ERR_RANGE, 2, "initrd path is longer than 255 bytes");

	/* The command line: CMDLINE_MAX - 1 bytes over two lines fit. */
	n = snprintf(text, sizeof(text), "kernel k\ncmdline ");
	memset(text + n, 'a', 3000);
	n += 3000;
	n += snprintf(text + n, sizeof(text) - n, "\ncmdline ");
	memset(text + n, 'b', KX_BOOTCONF_CMDLINE_MAX - 1 - 3001);
	n += KX_BOOTCONF_CMDLINE_MAX - 1 - 3001;
	text[n] = 0;
	CHECK_ST(parse(text), KX_OK);
	CHECK_EQ(strlen(conf.cmdline), KX_BOOTCONF_CMDLINE_MAX - 1);
	CHECK_EQ(conf.cmdline[3000], ' ');
	text[n++] = 'b';
	text[n] = 0;
	CHECK_REFUSED(text, KX_ERR_RANGE, 3, "command line is longer than 4095 bytes");

	/* Initrd lines: the maximum, then one more. */
	n = snprintf(text, sizeof(text), "kernel k\n");
	for (int i = 0; i < KX_BOOTCONF_INITRD_MAX; i++)
		n += snprintf(text + n, sizeof(text) - n, "initrd /i%d\n", i);
	CHECK_ST(parse(text), KX_OK);
	CHECK_EQ(conf.ninitrd, KX_BOOTCONF_INITRD_MAX);
	CHECK(!strcmp(conf.initrd[KX_BOOTCONF_INITRD_MAX - 1], "/i7"));
	snprintf(text + n, sizeof(text) - n, "initrd /one-more\n");
	CHECK_REFUSED(text, KX_ERR_RANGE, KX_BOOTCONF_INITRD_MAX + 2,
		      "more than 8 initrd lines");

	/* The file: FILE_MAX bytes of comment are read, one more is not. */
	memset(text, '#', KX_BOOTCONF_FILE_MAX + 1);
	memcpy(text, "kernel k\n", 9);
	CHECK_ST(kx_bootconf_parse(text, KX_BOOTCONF_FILE_MAX, &conf, &err), KX_OK);
	CHECK_ST(kx_bootconf_parse(text, KX_BOOTCONF_FILE_MAX + 1, &conf, &err),
		 KX_ERR_RANGE);
	CHECK(strstr(err.msg, "larger than 65536 bytes"));
}

KX_TEST(bootconf_null_arguments)
{
	CHECK_ST(kx_bootconf_parse(NULL, 1, &conf, &err), KX_ERR_INVAL);
	CHECK_ST(kx_bootconf_parse("kernel k", 8, NULL, &err), KX_ERR_INVAL);
	CHECK_ST(kx_bootconf_parse("kernel k", 8, &conf, NULL), KX_OK);
	CHECK_ST(kx_bootconf_parse("x", 1, &conf, NULL), KX_ERR_FORMAT);
}

/*
 * kxboot's initrd segment: sizes come from the firmware's FileInfo, so
 * they are bounded before any addition (a sum near 2^64 must not wrap
 * into a small allocation that the reads then overrun).
 */
KX_TEST(bootconf_initrd_size_bounds_firmware_sizes)
{
	uint64_t t = 1, sizes[KX_BOOTCONF_INITRD_MAX] = { 3, 1, 6, 0, 2 };

	CHECK_ST(kx_bootconf_initrd_size(sizes, 0, &t), KX_OK);
	CHECK_EQ(t, 0);
	CHECK_ST(kx_bootconf_initrd_size(sizes, 5, &t), KX_OK);
	CHECK_EQ(t, 4 + 4 + 8 + 2);	/* each file from a 4-byte boundary */
	/* One file or the sum past the bound, or wrapping past 2^64. */
	sizes[0] = UINT64_MAX;
	CHECK_ST(kx_bootconf_initrd_size(sizes, 2, &t), KX_ERR_RANGE);
	sizes[0] = UINT64_MAX - 2;	/* + 1 wraps to 2 with the rounding */
	CHECK_ST(kx_bootconf_initrd_size(sizes, 2, &t), KX_ERR_RANGE);
	sizes[0] = KX_BOOTCONF_LOAD_MAX;
	CHECK_ST(kx_bootconf_initrd_size(sizes, 1, &t), KX_OK);
	CHECK_ST(kx_bootconf_initrd_size(sizes, 2, &t), KX_ERR_RANGE);
	for (unsigned i = 0; i < KX_BOOTCONF_INITRD_MAX; i++)
		sizes[i] = UINT64_MAX / KX_BOOTCONF_INITRD_MAX + 1;
	CHECK_ST(kx_bootconf_initrd_size(sizes, KX_BOOTCONF_INITRD_MAX, &t),
		 KX_ERR_RANGE);
	CHECK_ST(kx_bootconf_initrd_size(0, 1, &t), KX_ERR_INVAL);
}
