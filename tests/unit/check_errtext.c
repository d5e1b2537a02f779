/*
 * check_errtext.c - the errtext suite: libsndfile's texts, cleaned; signal names.
 */
#include <check.h>
#include <signal.h>

#include "errtext.h"
#include "suites.h"

START_TEST(sndfile_texts)
{
	char out[64], tiny[4];

	ck_assert_str_eq(errtext_sndfile("System error : No such file or directory.", out, sizeof out),
	                 "No such file or directory");
	ck_assert_str_eq(errtext_sndfile("Error : unknown format.", out, sizeof out), "unknown format");
	ck_assert_str_eq(errtext_sndfile("Format not recognised.", out, sizeof out),
	                 "Format not recognised");
	ck_assert_str_eq(errtext_sndfile("Error\t: x", out, sizeof out), "Error : x");
	ck_assert_str_eq(errtext_sndfile("bad\nline", out, sizeof out), "bad line");
	ck_assert_str_eq(errtext_sndfile(NULL, out, sizeof out), "unknown error");
	ck_assert_str_eq(errtext_sndfile("System error : .", out, sizeof out), "unknown error");
	ck_assert_str_eq(errtext_sndfile("abcdef", tiny, sizeof tiny), "abc");
}
END_TEST

START_TEST(signal_texts)
{
	char buf[24];

	ck_assert_str_eq(errtext_signal(SIGKILL, buf, sizeof buf), "SIGKILL");
	ck_assert_str_eq(errtext_signal(SIGSYS, buf, sizeof buf), "SIGSYS");
	ck_assert_str_eq(errtext_signal(4242, buf, sizeof buf), "signal 4242");
	ck_assert_str_eq(errtext_signal(SIGSEGV, buf, 5), "SIGS");  /* truncated, terminated */
}
END_TEST

Suite *errtext_suite(void)
{
	Suite *s = suite_create("errtext");
	TCase *tc = tcase_create("sndfile");

	tcase_add_test(tc, sndfile_texts);
	tcase_add_test(tc, signal_texts);
	suite_add_tcase(s, tc);
	return s;
}
