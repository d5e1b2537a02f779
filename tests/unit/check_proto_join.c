/*
 * check_proto_join.c - the proto_join suite: rtaudioctl's quoting of argv
 * into one control line.
 *
 * What it covers: the quoting of blanks, quotes and empty words, the length
 * limits (the NUL and the quotes count), and that proto_join + proto_parse
 * give the same words back (fixed cases and a seeded random sweep).
 * What it does not cover: the parser's own errors (check_proto.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "suites.h"

/* join `words`, parse the line back, and compare every word. */
static void round_trip(int n, char *const words[])
{
	char line[PROTO_LINE_MAX + 1];
	struct proto_req req;
	const char *err = NULL;
	int len = proto_join(line, sizeof line, n, words);

	ck_assert_int_ge(len, 0);
	ck_assert_uint_eq(strlen(line), (size_t)len);
	int r = proto_parse(line, (size_t)len, &req, &err);
	if (r == 0)
		ck_assert_ptr_eq(req.cmd, proto_lookup(words[0]));
	else
		ck_assert_msg(strstr(err, "control") == NULL && strstr(err, "quote") == NULL &&
			      strstr(err, "too") == NULL && strstr(err, "empty") == NULL,
			      "[%s] did not tokenize: %s", line, err);
	ck_assert_str_eq(req.buf, words[0]);
	ck_assert_int_eq(req.argc, n - 1);
	for (int i = 1; i < n; i++)
		ck_assert_msg(strcmp(req.argv[i - 1], words[i]) == 0, "[%s] word %d: [%s] != [%s]",
			      line, i, req.argv[i - 1], words[i]);
}

START_TEST(join_quoting)
{
	char buf[64];
	char *w1[] = { "set", "pan", "-0.5" };
	char *w2[] = { "a b", "", "it's", "say \"hi\"", "'", "\"", "tab\there", "'\"'" };

	ck_assert_int_eq(proto_join(buf, sizeof buf, 3, w1), 12);
	ck_assert_str_eq(buf, "set pan -0.5");
	ck_assert_int_eq(proto_join(buf, sizeof buf, 1, &w2[0]), 5);
	ck_assert_str_eq(buf, "'a b'");
	proto_join(buf, sizeof buf, 1, &w2[1]);
	ck_assert_str_eq(buf, "''");
	proto_join(buf, sizeof buf, 1, &w2[2]);
	ck_assert_str_eq(buf, "'it'\"'\"'s'");
	proto_join(buf, sizeof buf, 1, &w2[3]);
	ck_assert_str_eq(buf, "'say \"hi\"'");
	ck_assert_int_eq(proto_join(buf, sizeof buf, 0, w1), 0);
	ck_assert_str_eq(buf, "");
	round_trip(3, w1);
	round_trip(8, w2);
	for (int i = 0; i < 8; i++) {
		char *one[] = { "stats", w2[i] };
		round_trip(2, one);
	}
}
END_TEST

START_TEST(join_limits)
{
	static char word[PROTO_LINE_MAX + 2];
	char big[PROTO_LINE_MAX + 16];
	char small[8];
	char *w[] = { word };
	char *two[] = { "status", "x" };

	memset(word, 'w', PROTO_LINE_MAX);
	word[PROTO_LINE_MAX] = '\0';
	ck_assert_int_eq(proto_join(big, sizeof big, 1, w), PROTO_LINE_MAX);
	word[PROTO_LINE_MAX] = 'w';  /* one byte over the protocol's limit */
	ck_assert_int_eq(proto_join(big, sizeof big, 1, w), -ENAMETOOLONG);
	ck_assert_str_eq(big, "");
	/* buflen counts the NUL: "status x" is 8 bytes and needs 9. */
	ck_assert_int_eq(proto_join(small, sizeof small, 2, two), -ENAMETOOLONG);
	ck_assert_int_eq(proto_join(small, 7, 1, two), 6);
	ck_assert_int_eq(proto_join(small, 6, 1, two), -ENAMETOOLONG);
	ck_assert_int_eq(proto_join(small, 0, 1, two), -ENAMETOOLONG);
	/* Quotes count too: '' needs 3 bytes. */
	char *empty[] = { "" };
	ck_assert_int_eq(proto_join(small, 2, 1, empty), -ENAMETOOLONG);
	ck_assert_int_eq(proto_join(small, 3, 1, empty), 2);
}
END_TEST

/* Seeded, so a failure reproduces; words of blanks, quotes and text. */
START_TEST(join_random_round_trip)
{
	static const char alphabet[] = "ab '\"\t-.0\xc3\xa9";
	char store[1 + PROTO_ARGS_MAX][24];
	char *words[1 + PROTO_ARGS_MAX];
	unsigned seed = 12345;

	for (int iter = 0; iter < 20000; iter++) {
		int n = 1 + (int)(rand_r(&seed) % (1 + PROTO_ARGS_MAX));
		for (int i = 0; i < n; i++) {
			int wl = (int)(rand_r(&seed) % 12);
			for (int j = 0; j < wl; j++)
				store[i][j] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
			store[i][wl] = '\0';
			words[i] = store[i];
		}
		round_trip(n, words);
	}
}
END_TEST

Suite *proto_join_suite(void)
{
	Suite *s = suite_create("proto_join");
	TCase *tc = tcase_create("join");

	tcase_add_test(tc, join_quoting);
	tcase_add_test(tc, join_limits);
	tcase_add_test(tc, join_random_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
