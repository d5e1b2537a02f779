/*
 * crc32c.h - CRC-32C (Castagnoli), hardware-accelerated where the CPU has it,
 * and the block check rtaudio stores in every ring slot.
 *
 * What it does: computes the CRC-32C of a buffer (the iSCSI/ext4 checksum,
 * reflected polynomial 0x82F63B78, initial value and final XOR all ones; so
 * crc32c(0, "123456789", 9) == 0xE3069283) with the SSE4.2 crc32
 * instruction on x86-64 when the running CPU has it (checked once at start-up
 * with cpuid), with the ARMv8 CRC32 instructions when the build targets a CPU
 * that has them (__ARM_FEATURE_CRC32), and otherwise with a table-driven
 * software version (slicing by 8). All give the same result; the choice is
 * made once, before main(), by a constructor.
 *
 * What it does not do: allocate, lock, make system calls or keep state
 * between calls (the tables are built once, before main()). Every function is
 * thread-safe and audio-path safe.
 *
 * The block check. A replica stores crc32c_block(seq, payload, len) in the
 * slot's `check` field (ring_write_commit); a reader recomputes it on its
 * private copy and compares. Two choices, and why:
 *   - The sequence number is checksummed with the payload, so a block that is
 *     intact but is not block `seq` (a stray copy of another slot, a stale
 *     block under a forged stamp) fails too.
 *   - 0 in a slot means "no checksum" (ring_write_overwrite() writes 0), so a
 *     computed check is never 0: the one CRC value 0 is stored as 1. A reader
 *     that insists on a checksum simply compares, and a 0 never matches.
 *     Mapping one value away weakens detection only for blocks whose true CRC
 *     is 0 (1 in 2^32). Forcing a bit instead (crc | 1) would have cost a bit
 *     of every check and left some single-bit errors undetected.
 */
#ifndef RTAUDIO_CRC32C_H
#define RTAUDIO_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a slot's `check` holds when its writer computed none. */
#define CRC32C_NONE 0u

/*
 * CRC-32C of buf[0..len), continuing from `crc` (pass 0 to start; pass the
 * previous result to extend it over a following buffer). Uses the fastest
 * implementation this CPU has. buf may be NULL when len is 0. Pure.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The same, always with the portable table-driven code. Pure. */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);

/*
 * The same, with the CPU's CRC instructions when crc32c_hw_available() (and
 * with the software code otherwise, so it is always correct to call). Pure.
 */
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);

/* True if this CPU (and build) has CRC-32C instructions crc32c() uses. */
bool crc32c_hw_available(void);

/* Name of the implementation crc32c() uses: "sse4.2", "armv8-crc" or "software". */
const char *crc32c_impl(void);

/*
 * The check of block `seq` with payload buf[0..len): the CRC-32C of seq (8
 * bytes, little-endian) followed by the payload, with 0 mapped to 1 (see
 * above). Never returns CRC32C_NONE. Pure; audio-path safe.
 */
uint32_t crc32c_block(uint64_t seq, const void *buf, size_t len);

#endif
