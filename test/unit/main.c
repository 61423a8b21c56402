/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include "kxtest.h"

extern const struct kx_test __start_kxtests[], __stop_kxtests[];

static jmp_buf on_fail;
static const char *current;
static uint64_t rng_state;
static uint64_t seed;

void kx_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (KX_TEST_SEED=%llu)\n", (unsigned long long)seed);
	fflush(stdout);
	longjmp(on_fail, 1);
}

void kx_test_note(const char *fmt, ...)
{
	va_list ap;

	printf("# %s: ", current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

uint64_t kx_rand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

uint64_t kx_rand_below(uint64_t n)
{
	return n ? kx_rand() % n : 0;
}

void kx_rand_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t v = kx_rand();
		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = kx_rand();
		memcpy(p, &v, len);
	}
}

uint64_t kx_test_seed(void)
{
	return seed;
}

/* Runs one test; 1 if it passed.  setjmp lives here so that no caller
 * variable is live across the longjmp. */
static int run_one(const struct kx_test *t)
{
	current = t->name;
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	if (setjmp(on_fail) != 0)
		return 0;
	t->fn();
	printf("ok   %s\n", t->name);
	return 1;
}

int main(int argc, char **argv)
{
	const char *env = getenv("KX_TEST_SEED");
	unsigned passed = 0, failed = 0;

	seed = env ? strtoull(env, 0, 0) : 0x6b78u;	/* "kx" */
	setvbuf(stdout, 0, _IOLBF, 0);
	for (const struct kx_test *t = __start_kxtests; t < __stop_kxtests; t++) {
		/* Optional filter: run the tests whose name contains argv[1]. */
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		if (run_one(t))
			passed++;
		else
			failed++;
	}
	printf("# kxtest: %u ok, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
