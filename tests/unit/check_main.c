/*
 * check_main.c - the one runner of all unit suites.
 *
 * Runs every suite of suites.h in one SRunner (forking per test, so a crash
 * fails one test, not the run) and exits non-zero on any failure. Select
 * one suite or test case with check's own CK_RUN_SUITE / CK_RUN_CASE.
 */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(ring_suite());

	srunner_add_suite(sr, ring_stress_suite());
	srunner_add_suite(sr, shm_suite());
	srunner_add_suite(sr, layout_suite());
	srunner_add_suite(sr, clock_suite());
	srunner_add_suite(sr, futex_suite());
	srunner_add_suite(sr, rtprio_suite());
	srunner_add_suite(sr, proto_suite());
	srunner_add_suite(sr, proto_join_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, config_table_suite());
	srunner_add_suite(sr, source_suite());
	srunner_add_suite(sr, crc32c_suite());
	srunner_add_suite(sr, guard_suite());
	srunner_add_suite(sr, client_suite());
	srunner_add_suite(sr, play_suite());
	srunner_add_suite(sr, renderer_suite());
	srunner_add_suite(sr, slot_suite());
	srunner_add_suite(sr, slot_life_suite());
	srunner_add_suite(sr, life_suite());
	srunner_add_suite(sr, errtext_suite());
	srunner_add_suite(sr, sandbox_suite());
#ifdef __linux__
	srunner_add_suite(sr, spawn_suite());
#endif
#ifdef HAVE_ALSA
	srunner_add_suite(sr, alsa_suite());
#endif
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
