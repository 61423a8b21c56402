/* A relocation workout for the ET_REL loader's differential test: data of
 * every width, pointers in data, calls and address computations. */
#include <stdint.h>

uint8_t b8 = 1;
uint16_t b16 = 2;
uint32_t b32 = 3;
uint64_t b64 = 4;
__int128 b128 __attribute__((aligned(16))) = 5;
static const char text[] = "relocate me";
const char *ptrs[] = { text, text + 3, (const char *)&b64 };
int helper(int x);
int (*fnptr)(int) = helper;

__attribute__((noinline)) int helper(int x)
{
	return x * 3 + (int)b8 + b16;
}

uint64_t sample_entry(void);
uint64_t sample_entry(void)
{
	uint64_t v = (uint64_t)b128 + b64 + b32;

	v += (uint64_t)helper((int)v) + (uint64_t)fnptr(2);
	return v + (uint64_t)(uintptr_t)ptrs[1] + (uint64_t)text[2];
}

/* In the x86_64 small code model without PIC, an address as a value is a
 * 32-bit absolute relocation: loadable below 4 GiB only. */
uintptr_t address_of_b8(void);
uintptr_t address_of_b8(void)
{
	return (uintptr_t)&b8;
}
