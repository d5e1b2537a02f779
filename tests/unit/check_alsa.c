/*
 * check_alsa.c - the alsa sink's sample conversions (daemon/sink_alsa_dev.c).
 *
 * Tests: each integer format written by al_to_dev and read back by
 * al_from_dev gives the sample on the format's grid (within half a step),
 * exactly for values on the grid; full scale and clipping both ways; the
 * packed 24-bit layout (S24_3LE) and sign extension of S24_LE; float passes
 * through untouched.
 * Does not: open a device (alsa_sink.sh and alsa_capture.sh do).
 */
#include <math.h>
#include <string.h>

#include "sink.h"
#include "sink_alsa.h"
#include "suites.h"

static const struct al_fmt fmts[] = {
	{ SND_PCM_FORMAT_S32_LE, 4, SINK_FMT_S32, ALSA_FMT_S32 },
	{ SND_PCM_FORMAT_S24_LE, 4, SINK_FMT_S24, ALSA_FMT_S24 },
	{ SND_PCM_FORMAT_S24_3LE, 3, SINK_FMT_S24_3, ALSA_FMT_S24 },
	{ SND_PCM_FORMAT_S16_LE, 2, SINK_FMT_S16, ALSA_FMT_S16 },
};

static double full(const struct al_fmt *f)
{
	return f->id == SINK_FMT_S16 ? 32767.0 : f->id == SINK_FMT_S32 ? 2147483647.0 : 8388607.0;
}

START_TEST(round_trip)
{
	const struct al_fmt *f = &fmts[_i];
	float in[7] = { 0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 0.123456f, -0.987654f };
	float out[7];
	unsigned char raw[7 * 4];
	const void *p = al_to_dev(f, raw, in, 7);

	ck_assert_ptr_eq(p, raw);
	al_from_dev(f, raw, out, 7);
	for (int i = 0; i < 7; i++)
		ck_assert_msg(fabs((double)out[i] - in[i]) <= 0.5 / full(f) + 1e-7,
		              "format %u: %.9g came back as %.9g", f->id, in[i], out[i]);
	ck_assert(out[3] == 1.0f && out[4] == -1.0f);
	/* On the grid: exact. */
	float g = (float)(1000.0 / full(f)), back;
	(void)al_to_dev(f, raw, &g, 1);
	al_from_dev(f, raw, &back, 1);
	ck_assert_float_eq(back, g);
}
END_TEST

START_TEST(clip_and_nan)
{
	const struct al_fmt *f = &fmts[_i];
	float in[3] = { 3.0f, -7.5f, NAN }, out[3];
	unsigned char raw[12];

	(void)al_to_dev(f, raw, in, 3);
	al_from_dev(f, raw, out, 3);
	ck_assert(out[0] == 1.0f && out[1] == -1.0f && out[2] == 0.0f);
}
END_TEST

START_TEST(layouts)
{
	/* S24_3LE: three bytes, little-endian, negative values sign-extended. */
	unsigned char b3[3] = { 0x01, 0x00, 0x80 };   /* -8388607 */
	float v;
	al_from_dev(&fmts[2], b3, &v, 1);
	ck_assert_float_eq(v, -1.0f);
	/* S24_LE: the low 24 bits of 4; the high byte is ignored. */
	unsigned char b4[4] = { 0xff, 0xff, 0x7f, 0xaa };  /* +8388607 */
	al_from_dev(&fmts[1], b4, &v, 1);
	ck_assert_float_eq(v, 1.0f);
	/* Float: as is, both ways. */
	const struct al_fmt fl = { SND_PCM_FORMAT_FLOAT_LE, 4, SINK_FMT_FLOAT, ALSA_FMT_FLOAT };
	float x[2] = { 0.1f, -2.5f }, y[2];
	ck_assert_ptr_eq(al_to_dev(&fl, NULL, x, 2), x);
	al_from_dev(&fl, (const unsigned char *)x, y, 2);
	ck_assert(memcmp(x, y, sizeof x) == 0);
}
END_TEST

Suite *alsa_suite(void)
{
	Suite *s = suite_create("alsa");
	TCase *tc = tcase_create("convert");

	tcase_add_loop_test(tc, round_trip, 0, (int)(sizeof fmts / sizeof fmts[0]));
	tcase_add_loop_test(tc, clip_and_nan, 0, (int)(sizeof fmts / sizeof fmts[0]));
	tcase_add_test(tc, layouts);
	suite_add_tcase(s, tc);
	return s;
}
