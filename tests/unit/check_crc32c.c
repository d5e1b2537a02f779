/*
 * check_crc32c.c - crc32c_suite: the CRC-32C implementations and the block
 * check stored in ring slots.
 *
 * What it proves: every implementation gives the published check value
 * (crc32c("123456789") = 0xE3069283) and the RFC 3720 (iSCSI) test vectors;
 * the hardware and software versions agree on random buffers of every
 * length 0..4200 at every alignment; a CRC can be extended over a following
 * buffer at any split point; the dispatcher names what it uses; the block
 * check depends on the sequence number, catches every single-bit flip of a
 * 2 KiB block, and is never 0 ("no checksum"), even for a block forged to
 * have CRC 0; and a ring reader that verifies the check rejects a block
 * whose payload was changed after it was committed.
 *
 * What it does not do: time anything (tests/bench/ring_bench prints the
 * cost per block).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "ring.h"
#include "suites.h"

/* Small deterministic PRNG (xorshift64*) so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void rng_fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(rng() >> 56);
}

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);
static const crc_fn impls[] = { crc32c, crc32c_sw, crc32c_hw };
#define NIMPLS (sizeof impls / sizeof impls[0])

START_TEST(test_check_value)
{
	for (size_t k = 0; k < NIMPLS; k++) {
		ck_assert_uint_eq(impls[k](0, "123456789", 9), 0xE3069283u);
		ck_assert_uint_eq(impls[k](0, NULL, 0), 0u);
		ck_assert_uint_eq(impls[k](0, "a", 1), 0xC1D04330u);
	}
}
END_TEST

/* RFC 3720, appendix B.4: 32-byte test patterns. */
START_TEST(test_rfc3720_vectors)
{
	unsigned char b[32];

	for (size_t k = 0; k < NIMPLS; k++) {
		memset(b, 0, sizeof b);
		ck_assert_uint_eq(impls[k](0, b, sizeof b), 0x8A9136AAu);
		memset(b, 0xff, sizeof b);
		ck_assert_uint_eq(impls[k](0, b, sizeof b), 0x62A8AB43u);
		for (int i = 0; i < 32; i++)
			b[i] = (unsigned char)i;
		ck_assert_uint_eq(impls[k](0, b, sizeof b), 0x46DD794Eu);
		for (int i = 0; i < 32; i++)
			b[i] = (unsigned char)(31 - i);
		ck_assert_uint_eq(impls[k](0, b, sizeof b), 0x113FDB5Cu);
	}
}
END_TEST

/*
 * A bitwise CRC-32C (reflected polynomial 0x82F63B78), the definition itself:
 * slow, and sharing no table or instruction with lib/crc32c.c. On a CPU
 * without SSE4.2 crc32c_hw() is the software code, so hw == sw proves
 * nothing there; every implementation must equal this one instead.
 */
static uint32_t crc32c_ref(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

START_TEST(test_reference)
{
	static unsigned char buf[2100 + 8];

	ck_assert_uint_eq(crc32c_ref(0, "123456789", 9), 0xE3069283u);
	rng_fill(buf, sizeof buf);
	for (size_t len = 0; len <= 2100; len += (len < 80 ? 1 : 53)) {
		for (size_t off = 0; off < 8; off += 3) {
			uint32_t seed = (uint32_t)rng(), want = crc32c_ref(seed, buf + off, len);
			for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++)
				ck_assert_uint_eq(impls[k](seed, buf + off, len), want);
		}
	}
}
END_TEST

START_TEST(test_hw_sw_agree)
{
	static unsigned char buf[4200 + 8];

	rng_fill(buf, sizeof buf);
	for (size_t len = 0; len <= 4200; len += (len < 80 ? 1 : 37)) {
		for (size_t off = 0; off < 8; off++) {
			uint32_t seed = (uint32_t)rng();
			uint32_t s = crc32c_sw(seed, buf + off, len);
			ck_assert_uint_eq(crc32c_hw(seed, buf + off, len), s);
			ck_assert_uint_eq(crc32c(seed, buf + off, len), s);
		}
	}
	/* And on fresh random data, many times. */
	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)(rng() % 4097), off = (size_t)(rng() % 8);
		rng_fill(buf + off, len);
		ck_assert_uint_eq(crc32c_hw(0, buf + off, len), crc32c_sw(0, buf + off, len));
	}
}
END_TEST

START_TEST(test_extend)
{
	unsigned char buf[300];

	rng_fill(buf, sizeof buf);
	for (size_t k = 0; k < NIMPLS; k++) {
		uint32_t whole = impls[k](0, buf, sizeof buf);
		for (size_t cut = 0; cut <= sizeof buf; cut++)
			ck_assert_uint_eq(impls[k](impls[k](0, buf, cut), buf + cut, sizeof buf - cut),
			                  whole);
	}
}
END_TEST

START_TEST(test_impl_name)
{
	const char *name = crc32c_impl();

	if (crc32c_hw_available())
		ck_assert(strcmp(name, "sse4.2") == 0 || strcmp(name, "armv8-crc") == 0);
	else
		ck_assert_str_eq(name, "software");
#if defined(__x86_64__)
	__builtin_cpu_init();
	ck_assert_int_eq(crc32c_hw_available(), __builtin_cpu_supports("sse4.2") != 0);
#endif
}
END_TEST

START_TEST(test_block_seq_and_bits)
{
	static unsigned char blk[2048];

	rng_fill(blk, sizeof blk);
	uint32_t c = crc32c_block(42, blk, sizeof blk);

	ck_assert_uint_ne(c, CRC32C_NONE);
	ck_assert_uint_eq(crc32c_block(42, blk, sizeof blk), c);
	ck_assert_uint_ne(crc32c_block(43, blk, sizeof blk), c);
	ck_assert_uint_ne(crc32c_block(42 + (UINT64_C(1) << 40), blk, sizeof blk), c);
	ck_assert_uint_ne(crc32c_block(42, blk, sizeof blk - 4), c);
	for (size_t bit = 0; bit < sizeof blk * 8; bit++) {
		blk[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		ck_assert_uint_ne(crc32c_block(42, blk, sizeof blk), c);
		blk[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
}
END_TEST

/* Undo one LSB-first CRC step: the polynomial's top bit says whether it was applied. */
static uint32_t crc_unstep(uint32_t c)
{
	return (c & 0x80000000u) != 0 ? ((c ^ 0x82F63B78u) << 1) | 1u : c << 1;
}

/*
 * Forge a block whose CRC-32C (with its sequence number) is exactly 0: the
 * last 4 payload bytes are chosen by running the CRC register backwards from
 * the value that gives 0 after the final inversion.
 */
START_TEST(test_block_never_none)
{
	unsigned char seqb[8], blk[64];
	const uint64_t seq = 7;

	for (int i = 0; i < 8; i++)
		seqb[i] = (unsigned char)(seq >> (8 * i));
	rng_fill(blk, sizeof blk);
	uint32_t reg = ~crc32c(crc32c(0, seqb, 8), blk, sizeof blk - 4); /* register before x */
	uint32_t want = 0xffffffffu;                                    /* ~0: CRC 0 */
	for (int k = 0; k < 32; k++)
		want = crc_unstep(want);
	uint32_t x = reg ^ want;
	for (int i = 0; i < 4; i++)
		blk[sizeof blk - 4 + (size_t)i] = (unsigned char)(x >> (8 * i));

	ck_assert_uint_eq(crc32c(crc32c(0, seqb, 8), blk, sizeof blk), 0u); /* the forgery works */
	ck_assert_uint_eq(crc32c_sw(crc32c_sw(0, seqb, 8), blk, sizeof blk), 0u);
	ck_assert_uint_eq(crc32c_block(seq, blk, sizeof blk), 1u);
}
END_TEST

/* What the sink does: read a block, recompute its check on the private copy. */
static int read_verified(const struct ring *r, uint64_t seq, unsigned char *out, uint32_t cap)
{
	uint32_t len = 0, check = 0;
	int rc = ring_read_seq(r, seq, out, cap, &len, &check);

	if (rc == 0 && crc32c_block(seq, out, len) != check)
		return -EBADMSG;
	return rc;
}

START_TEST(test_ring_verified)
{
	enum { CAP = 8, PAY = 2048 };
	size_t bytes = ring_bytes(CAP, PAY);
	void *mem = aligned_alloc(RING_ALIGN, bytes);
	struct ring r;
	unsigned char out[PAY];

	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ring_init(&r, mem, bytes, CAP, PAY), 0);
	for (uint64_t s = 0; s < 4; s++) {
		unsigned char *p = ring_write_begin(&r, s);
		ck_assert_ptr_nonnull(p);
		rng_fill(p, PAY);
		ring_write_commit(&r, s, PAY, crc32c_block(s, p, PAY));
	}
	ck_assert_int_eq(read_verified(&r, 0, out, PAY), 0);
	ck_assert_int_eq(read_verified(&r, 3, out, PAY), 0);

	/* A stray write into block 1's payload, after its commit. */
	unsigned char *slot1 = (unsigned char *)mem + sizeof(struct ring_hdr) + r.slot_size;
	slot1[sizeof(struct ring_slot) + 1000] ^= 0x10;
	ck_assert_int_eq(read_verified(&r, 1, out, PAY), -EBADMSG);
	/* A stray write into the check itself. */
	((struct ring_slot *)(void *)slot1)[0].check = 0;
	ck_assert_int_eq(read_verified(&r, 1, out, PAY), -EBADMSG);

	/* ring_write_overwrite() stores no checksum: a verifying reader refuses it. */
	memset(out, 0x5a, sizeof out);
	ring_write_overwrite(&r, out, PAY);
	ck_assert_int_eq(read_verified(&r, 4, out, PAY), -EBADMSG);
	free(mem);
}
END_TEST

Suite *crc32c_suite(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("crc");
	TCase *tb = tcase_create("block");

	tcase_add_test(tc, test_check_value);
	tcase_add_test(tc, test_rfc3720_vectors);
	tcase_add_test(tc, test_reference);
	tcase_add_test(tc, test_hw_sw_agree);
	tcase_add_test(tc, test_extend);
	tcase_add_test(tc, test_impl_name);
	tcase_add_test(tb, test_block_seq_and_bits);
	tcase_add_test(tb, test_block_never_none);
	tcase_add_test(tb, test_ring_verified);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tb);
	return s;
}
