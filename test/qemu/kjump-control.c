/* SPDX-License-Identifier: MIT */
/*
 * kjump-control: the kernel's own kexec jump, without kexec-tools and
 * without any purgatory: the control of the kexec-jump suite, so that a
 * failure there is kx's and never the kernel's.  (Linux >= 6.14 carries a
 * selftest of the same idea, tools/testing/selftests/kexec/test_kexec_jump;
 * 6.12 does not, so the suite brings its own.)
 *
 *   kjump-control N     loads a one-page image with KEXEC_PRESERVE_CONTEXT
 *                       and jumps into it N times
 *
 * The image writes "kjump-image: ran" on COM1 (0x3f8) from physical mode,
 * then returns in a way both entry conventions accept: it takes the
 * jump-back entry from 0(%rsp), leaves its own entry there as the address
 * to re-enter it at, and jumps back (<= 6.13 reads the peer's re-entry
 * point at 0(%rsp) of the jump-back entry, >= 6.14 pops it the same way).
 * Each jump must return 0 from reboot(LINUX_REBOOT_CMD_KEXEC).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/reboot.h>

#define KEXEC_PRESERVE_CONTEXT 0x2
/* A page of A's RAM the image is swapped into while it runs. */
#define IMAGE_DEST 0x800000UL

struct kseg {
	const void *buf;
	size_t bufsz;
	const void *mem;
	size_t memsz;
};

/*
 * The image, position independent.  Uses %rax %rcx %rdx %rsi; entered in
 * 64-bit mode, identity mapped, interrupts off, 0(%rsp) = jump-back entry.
 */
extern const unsigned char kjump_image[], kjump_image_end[];
__asm__(".pushsection .rodata\n"
	"kjump_image:\n"
	"	leaq	9f(%rip), %rsi\n"
	"1:	movb	(%rsi), %cl\n"
	"	testb	%cl, %cl\n"
	"	jz	3f\n"
	"	movw	$0x3fd, %dx\n"
	"2:	inb	%dx, %al\n"		/* wait for THR empty */
	"	testb	$0x20, %al\n"
	"	jz	2b\n"
	"	movw	$0x3f8, %dx\n"
	"	movb	%cl, %al\n"
	"	outb	%al, %dx\n"
	"	incq	%rsi\n"
	"	jmp	1b\n"
	"3:	popq	%rax\n"			/* the jump-back entry */
	"	leaq	kjump_image(%rip), %rcx\n"
	"	pushq	%rcx\n"			/* re-enter here next time */
	"	jmpq	*%rax\n"
	"9:	.asciz \"kjump-image: ran\\r\\n\"\n"
	"kjump_image_end:\n"
	".popsection\n");

int main(int argc, char **argv)
{
	static unsigned char page[4096] __attribute__((aligned(4096)));
	struct kseg seg = { page, sizeof(page), (const void *)IMAGE_DEST, sizeof(page) };
	int n = argc > 1 ? atoi(argv[1]) : 1;

	memcpy(page, kjump_image, (size_t)(kjump_image_end - kjump_image));
	if (syscall(SYS_kexec_load, IMAGE_DEST, 1UL, &seg, (unsigned long)KEXEC_PRESERVE_CONTEXT)) {
		printf("kjump-control: FAIL: kexec_load: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i <= n; i++) {
		if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			    LINUX_REBOOT_CMD_KEXEC, NULL)) {
			printf("kjump-control: FAIL: jump %d: %s\n", i, strerror(errno));
			return 1;
		}
		printf("kjump-control: jump %d returned\n", i);
		fflush(stdout);
	}
	printf("kjump-control: PASS: %d jumps returned\n", n);
	return 0;
}
