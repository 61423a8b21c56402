/* SPDX-License-Identifier: MIT */
/*
 * The boot configuration of kx's EFI chainloader (kxboot.conf), parsed in
 * plain C so that the host tests and a fuzzer run the same code as the
 * firmware application.
 *
 * Format, one setting per line, as systemd-boot and GRUB users write them:
 *
 *   # a comment: '#' as the first non-blank character of a line
 *   kernel  /vmlinuz                    required, once
 *   initrd  /initrd.img                 optional, up to KX_BOOTCONF_INITRD_MAX
 *                                       lines, loaded one after the other
 *   cmdline console=ttyS0 quiet         optional, repeatable: the lines are
 *                                       joined with one space
 *   dtb     /board.dtb                  optional, once (aarch64)
 *
 * A key and its value are separated by blanks (spaces or tabs); the value
 * is the rest of the line without surrounding blanks.  Lines end with LF
 * or CRLF; a UTF-8 byte-order mark at the start is skipped.  Paths are
 * printable ASCII; the command line may also hold UTF-8 bytes.
 *
 * Refused, with the line number and a message naming the problem: an
 * unknown key, a key without a value, kernel or dtb given twice, too many
 * initrd lines, a value too long for its buffer, a control character, a
 * file larger than KX_BOOTCONF_FILE_MAX, and a file without a kernel line.
 */
#ifndef KX_BOOTCONF_H
#define KX_BOOTCONF_H

#include <stddef.h>
#include <stdint.h>
#include <kx/status.h>

#define KX_BOOTCONF_FILE_MAX	65536	/* bytes of a configuration file */
#define KX_BOOTCONF_PATH_MAX	256	/* bytes of a path, its NUL included */
#define KX_BOOTCONF_CMDLINE_MAX	4096	/* bytes of the command line, NUL included */
#define KX_BOOTCONF_INITRD_MAX	8	/* initrd lines */
#define KX_BOOTCONF_MSG_MAX	160	/* bytes of an error message */
/*
 * Largest file kxboot loads (kernel, initrd, dtb): every size the
 * firmware's FileInfo reports is held to it before any arithmetic, so
 * sums of KX_BOOTCONF_INITRD_MAX of them rounded up to pages never wrap.
 */
#define KX_BOOTCONF_LOAD_MAX	(1ULL << 40)

struct kx_bootconf {
	char kernel[KX_BOOTCONF_PATH_MAX];
	char initrd[KX_BOOTCONF_INITRD_MAX][KX_BOOTCONF_PATH_MAX];
	unsigned ninitrd;
	char cmdline[KX_BOOTCONF_CMDLINE_MAX];	/* "" when there is none */
	char dtb[KX_BOOTCONF_PATH_MAX];		/* "" when there is none */
};

/* Why a configuration was refused. */
struct kx_bootconf_error {
	enum kx_status status;
	unsigned line;			/* 1-based; 0: the file as a whole */
	char msg[KX_BOOTCONF_MSG_MAX];	/* one sentence, no line number */
};

/*
 * Parses len bytes of text (not NUL-terminated; a NUL byte is refused).
 * KX_OK fills c; otherwise c is cleared and err says why:
 * KX_ERR_FORMAT (syntax, unknown key, duplicate), KX_ERR_RANGE (a value or
 * the file too long, too many initrds), KX_ERR_NOT_FOUND (no kernel line),
 * KX_ERR_INVAL (a NULL argument).  err may be NULL.
 */
enum kx_status kx_bootconf_parse(const char *text, size_t len,
				 struct kx_bootconf *c,
				 struct kx_bootconf_error *err);

/*
 * Size of n initrds laid end to end, each from a 4-byte boundary, as one
 * segment.  KX_ERR_RANGE when a size or the total passes
 * KX_BOOTCONF_LOAD_MAX (nothing is added before that is known).
 */
enum kx_status kx_bootconf_initrd_size(const uint64_t *sizes, unsigned n,
				       uint64_t *total);

#endif
