/*
 * check_play.c - daemon/play.c over rings in private memory: what the sink
 * plays, and what it counts, when copies agree, when one lies (vote), when
 * one holds NaN or a loud sample (content guard), on a tie, and after a
 * slot is forgotten (respawn). The strike counts are checked at K-1 and K.
 */
#include <math.h>

#include "play_fixture.h"
#include "suites.h"

#define FR 64
#define CH 2

static uint64_t ld(_Atomic uint64_t *c)
{
	return atomic_load(c);
}

/* Every replica renders block seq; `liar` (or -1) spoils it with `how`. */
static void all_put(struct fixture *f, uint64_t seq, int liar, int how)
{
	for (uint32_t i = 0; i < f->gr.n; i++)
		fx_put(f, i, seq, (int)i == liar ? how : FX_GOOD);
}

static bool played_good(const struct play *p, uint64_t seq)
{
	for (uint32_t k = 0; k < FR * CH; k++)
		if (p->buf[k] != fx_sample(seq, k))
			return false;
	return true;
}

START_TEST(identical_copies_play_the_primary_and_stay_in_sync)
{
	struct fixture f;
	struct play p;

	ck_assert_int_eq(fx_init(&f, 3, FR, CH, 4), 0);
	ck_assert_int_eq(play_init(&p, &f.gr, FR, CH), 0);
	play_set_policy(&p, PLAY_VOTE_MAJORITY, 3, 3, 12.0);
	for (uint64_t s = 0; s < 10; s++) {
		all_put(&f, s, -1, 0);
		ck_assert_int_eq(play_next(&p), 0);
		ck_assert(played_good(&p, s));
	}
	ck_assert_uint_eq(ld(&p.st.from_primary), 10);
	ck_assert_uint_eq(ld(&p.st.voted), 10);
	ck_assert_uint_eq(ld(&p.st.outvoted), 0);
	ck_assert_int_eq(play_sync_of(&p, 1), SYNC_IDENTICAL);
	ck_assert_uint_eq(ld(&p.rep[1].identical), 10);
	ck_assert_uint_eq(ld(&p.rep[2].since), 0);
	ck_assert_int_eq(play_sync_of(&p, 0), SYNC_UNKNOWN);  /* the primary: nothing to compare */
	/* A slot that is forgotten (respawned) starts over from unknown. */
	play_forget(&p, 2);
	fx_put(&f, 0, 10, 0);
	fx_put(&f, 1, 10, 0);  /* 2 has not rendered 10 yet */
	ck_assert_int_eq(play_next(&p), 0);
	ck_assert_int_eq(play_sync_of(&p, 2), SYNC_UNKNOWN);
	ck_assert_uint_eq(ld(&p.rep[2].identical), 0);
	all_put(&f, 11, -1, 0);
	ck_assert_int_eq(play_next(&p), 0);
	ck_assert_int_eq(play_sync_of(&p, 2), SYNC_IDENTICAL);
	ck_assert_uint_eq(ld(&p.rep[2].since), 11);
	play_free(&p);
	fx_free(&f);
}
END_TEST

START_TEST(lying_primary_is_outvoted_and_fenced_after_k)
{
	struct fixture f;
	struct play p;

	ck_assert_int_eq(fx_init(&f, 3, FR, CH, 4), 0);
	ck_assert_int_eq(play_init(&p, &f.gr, FR, CH), 0);
	play_set_policy(&p, PLAY_VOTE_MAJORITY, 4, 3, 12.0);
	for (uint64_t s = 0; s < 4; s++) {
		all_put(&f, s, 0, FX_CORRUPT);
		ck_assert_int_eq(play_next(&p), 1);  /* the majority's, lowest index */
		ck_assert(played_good(&p, s));
		ck_assert_uint_eq(ld(&p.rep[0].fence_outvoted), s < 3 ? 0 : 1);
	}
	ck_assert_uint_eq(ld(&p.rep[0].outvoted), 4);
	ck_assert_uint_eq(atomic_load(&p.st.majority), 0x6u);
	ck_assert_int_eq(play_sync_of(&p, 1), SYNC_DIVERGED);
	ck_assert_uint_eq(ld(&p.rep[1].diverged), 4);
	ck_assert_uint_eq(ld(&p.st.bad_content), 0);  /* valid, only wrong */
	/* One honest block ends the run: strikes start again. */
	all_put(&f, 4, -1, 0);
	play_next(&p);
	for (uint64_t s = 5; s < 8; s++) {
		all_put(&f, s, 0, FX_CORRUPT);
		play_next(&p);
	}
	ck_assert_uint_eq(ld(&p.rep[0].fence_outvoted), 1);
	ck_assert_uint_eq(ld(&p.st.lost_samples), 0);
	play_free(&p);
	fx_free(&f);
}
END_TEST

START_TEST(lying_standby_changes_nothing_audible)
{
	struct fixture f;
	struct play p;

	ck_assert_int_eq(fx_init(&f, 3, FR, CH, 4), 0);
	ck_assert_int_eq(play_init(&p, &f.gr, FR, CH), 0);
	play_set_policy(&p, PLAY_VOTE_MAJORITY, 3, 3, 12.0);
	for (uint64_t s = 0; s < 3; s++) {
		all_put(&f, s, 2, FX_CORRUPT);
		ck_assert_int_eq(play_next(&p), 0);
		ck_assert(played_good(&p, s));
	}
	ck_assert_uint_eq(ld(&p.rep[2].fence_outvoted), 1);
	ck_assert_uint_eq(ld(&p.rep[1].fence_outvoted), 0);
	ck_assert_uint_eq(ld(&p.st.from_primary), 3);
	play_free(&p);
	fx_free(&f);
}
END_TEST

START_TEST(nan_and_loud_are_never_played)
{
	struct fixture f;
	struct play p;

	ck_assert_int_eq(fx_init(&f, 2, FR, CH, 4), 0);
	ck_assert_int_eq(play_init(&p, &f.gr, FR, CH), 0);
	play_set_policy(&p, PLAY_VOTE_OFF, 3, 3, 12.0);
	for (uint64_t s = 0; s < 3; s++) {
		all_put(&f, s, 0, s == 1 ? FX_LOUD : FX_NAN);
		ck_assert_int_eq(play_next(&p), 1);
		ck_assert(played_good(&p, s));
		ck_assert_uint_eq(ld(&p.rep[0].fence_content), s < 2 ? 0 : 1);
	}
	ck_assert_uint_eq(ld(&p.rep[0].bad_content), 3);
	ck_assert_uint_eq(ld(&p.st.rescued), 3);
	ck_assert_uint_eq(ld(&p.st.lost_samples), 0);
	/* A standby emitting NaN is judged too, though never played. */
	for (uint64_t s = 3; s < 6; s++) {
		all_put(&f, s, 1, FX_NAN);
		ck_assert_int_eq(play_next(&p), 0);
	}
	ck_assert_uint_eq(ld(&p.rep[1].fence_content), 1);
	/* Every copy bad: silence, counted. */
	fx_put(&f, 0, 6, FX_NAN);
	fx_put(&f, 1, 6, FX_LOUD);
	ck_assert_int_eq(play_next(&p), -1);
	for (uint32_t k = 0; k < FR * CH; k++)
		ck_assert(p.buf[k] == 0.0f);
	ck_assert_uint_eq(ld(&p.st.guard_silence), 1);
	ck_assert_uint_eq(ld(&p.st.underruns), 1);
	ck_assert_uint_eq(ld(&p.st.lost_samples), FR * CH);
	play_free(&p);
	fx_free(&f);
}
END_TEST

START_TEST(no_majority_plays_the_primary)
{
	struct fixture f;
	struct play p;

	ck_assert_int_eq(fx_init(&f, 4, FR, CH, 4), 0);
	ck_assert_int_eq(play_init(&p, &f.gr, FR, CH), 0);
	play_set_policy(&p, PLAY_VOTE_MAJORITY, 1, 3, 12.0);
	fx_set_primary(&f, 2);
	/* 2 against 2: a tie; nobody is struck, even at vote_strikes = 1. */
	fx_put(&f, 0, 0, FX_CORRUPT);
	fx_put(&f, 1, 0, FX_CORRUPT);
	fx_put(&f, 2, 0, FX_GOOD);
	fx_put(&f, 3, 0, FX_GOOD);
	ck_assert_int_eq(play_next(&p), 2);
	ck_assert_uint_eq(ld(&p.st.no_majority), 1);
	ck_assert_uint_eq(ld(&p.st.outvoted), 0);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_uint_eq(ld(&p.rep[i].fence_outvoted), 0);
	/* 3 of 4 present agree: the majority counts present copies. */
	fx_put(&f, 0, 1, FX_CORRUPT);
	fx_put(&f, 1, 1, FX_GOOD);
	fx_put(&f, 2, 1, FX_GOOD);
	ck_assert_int_eq(play_next(&p), 2);
	ck_assert_uint_eq(ld(&p.rep[0].fence_outvoted), 1);
	ck_assert_uint_eq(ld(&p.st.voted), 1);
	play_free(&p);
	fx_free(&f);
}
END_TEST

START_TEST(content_ok_bounds)
{
	float x[4] = { 0.5f, -3.9f, 3.98f, 0.0f };
	float lim = (float)pow(10.0, 12.0 / 20.0);

	ck_assert(play_content_ok(x, 4, lim));
	x[1] = -4.0f;
	ck_assert(!play_content_ok(x, 4, lim));
	x[1] = INFINITY;
	ck_assert(!play_content_ok(x, 4, lim));
	x[1] = NAN;
	ck_assert(!play_content_ok(x, 4, lim));
	ck_assert(play_content_ok(x, 0, lim));
}
END_TEST

Suite *play_suite(void)
{
	Suite *s = suite_create("play");
	TCase *tc = tcase_create("judge");

	tcase_add_test(tc, identical_copies_play_the_primary_and_stay_in_sync);
	tcase_add_test(tc, lying_primary_is_outvoted_and_fenced_after_k);
	tcase_add_test(tc, lying_standby_changes_nothing_audible);
	tcase_add_test(tc, nan_and_loud_are_never_played);
	tcase_add_test(tc, no_majority_plays_the_primary);
	tcase_add_test(tc, content_ok_bounds);
	suite_add_tcase(s, tc);
	return s;
}
