/*
 * crc32c.c - CRC-32C: SSE4.2 / ARMv8 CRC instructions, or slicing-by-8 tables.
 *
 * What it does: the three implementations of crc32c.h and the choice between
 * them, made once by a constructor before main(): on x86-64 it asks the CPU
 * (cpuid, through __builtin_cpu_supports) whether it has SSE4.2; on AArch64
 * the CRC32 instructions are used when the compiler targets a CPU that has
 * them (__ARM_FEATURE_CRC32: Apple silicon, or -march=armv8.1-a and later);
 * everywhere else, and on older x86 CPUs, the portable tables.
 *
 * What it does not do: allocate, lock, make system calls or change anything
 * after main() starts: the tables and the function pointer are written once,
 * by the constructor, and only read afterwards, so every call is thread-safe
 * and audio-path safe. The SSE4.2 code is compiled with a per-function target
 * attribute, so the rest of the library keeps running on any x86-64.
 *
 * Speed: one crc32 instruction per 8 bytes, a dependency chain of 3 cycles
 * each (about 250 ns for a 2 KiB block at 3 GHz); the tables do 8 bytes with
 * 8 lookups. Interleaving three streams would triple the instruction path,
 * but a block's check is far below 0.1% of a period either way (ring_bench
 * prints the figure), so the simple loop is kept.
 */
#include <stdint.h>
#include <string.h>

#include "crc32c.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_SSE42 1
#include <nmmintrin.h>
#endif

#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#define CRC32C_ARMV8 1
#include <arm_acle.h>
#endif

/* Castagnoli polynomial, bit-reversed (LSB-first) form. */
#define CRC32C_POLY 0x82F63B78u

typedef uint32_t (*crc32c_fn)(uint32_t crc, const void *buf, size_t len);

/* crc32c_tab[k][b]: the CRC contribution of byte b followed by k zero bytes. */
static uint32_t crc32c_tab[8][256];
static crc32c_fn crc32c_best = crc32c_sw;
static const char *crc32c_best_name = "software";
static bool crc32c_has_hw;

static inline uint64_t crc32c_le64(const unsigned char *p)
{
	/* Byte by byte, so it is right on any endianness; compilers fuse it. */
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = ~crc;

	while (len > 0 && ((uintptr_t)p & 7u) != 0) {
		c = crc32c_tab[0][(c ^ *p++) & 0xffu] ^ (c >> 8);
		len--;
	}
	while (len >= 8) {
		uint64_t v = crc32c_le64(p) ^ c;
		c = crc32c_tab[7][v & 0xffu] ^ crc32c_tab[6][(v >> 8) & 0xffu] ^
		    crc32c_tab[5][(v >> 16) & 0xffu] ^ crc32c_tab[4][(v >> 24) & 0xffu] ^
		    crc32c_tab[3][(v >> 32) & 0xffu] ^ crc32c_tab[2][(v >> 40) & 0xffu] ^
		    crc32c_tab[1][(v >> 48) & 0xffu] ^ crc32c_tab[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = crc32c_tab[0][(c ^ *p++) & 0xffu] ^ (c >> 8);
	return ~c;
}

#ifdef CRC32C_SSE42
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t c = ~crc;

	while (len > 0 && ((uintptr_t)p & 7u) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, sizeof v); /* aligned by now: one load */
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

#ifdef CRC32C_ARMV8
static uint32_t crc32c_armv8(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = ~crc;

	while (len > 0 && ((uintptr_t)p & 7u) != 0) {
		c = __crc32cb(c, *p++);
		len--;
	}
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, sizeof v);
		c = __crc32cd(c, v);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = __crc32cb(c, *p++);
	return ~c;
}
#endif

/*
 * Before main(), so that no thread can see a half-built table or a pointer
 * changing under it. __builtin_cpu_init() is needed because this constructor
 * may run before libgcc's own one that fills the CPU model.
 */
__attribute__((constructor))
static void crc32c_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) != 0 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_tab[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++)
		for (int k = 1; k < 8; k++)
			crc32c_tab[k][n] = (crc32c_tab[k - 1][n] >> 8) ^
			                   crc32c_tab[0][crc32c_tab[k - 1][n] & 0xffu];
#if defined(CRC32C_SSE42)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse4.2")) {
		crc32c_best = crc32c_sse42;
		crc32c_best_name = "sse4.2";
		crc32c_has_hw = true;
	}
#elif defined(CRC32C_ARMV8)
	crc32c_best = crc32c_armv8;
	crc32c_best_name = "armv8-crc";
	crc32c_has_hw = true;
#endif
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_best(crc, buf, len);
}

uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_has_hw ? crc32c_best(crc, buf, len) : crc32c_sw(crc, buf, len);
}

bool crc32c_hw_available(void)
{
	return crc32c_has_hw;
}

const char *crc32c_impl(void)
{
	return crc32c_best_name;
}

uint32_t crc32c_block(uint64_t seq, const void *buf, size_t len)
{
	unsigned char s[8];

	for (int i = 0; i < 8; i++)
		s[i] = (unsigned char)(seq >> (8 * i));
	uint32_t c = crc32c_best(crc32c_best(0, s, sizeof s), buf, len);

	return c != CRC32C_NONE ? c : 1u;
}
