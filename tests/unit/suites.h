/*
 * suites.h - the check suites of tests/check_rtaudio, one per module.
 * Each tests/check_MODULE.c defines MODULE_suite(); check_main.c runs them.
 * A module's slow load tests may have a suite of their own
 * (check_MODULE_stress.c), so CK_RUN_SUITE can run the quick ones alone.
 * Also declares the few helpers more than one suite uses.
 */
#ifndef RTAUDIO_TESTS_SUITES_H
#define RTAUDIO_TESTS_SUITES_H

#include <check.h>
#include <stddef.h>

Suite *ring_suite(void);
Suite *ring_stress_suite(void);
Suite *shm_suite(void);
Suite *layout_suite(void);
Suite *clock_suite(void);
Suite *futex_suite(void);
Suite *rtprio_suite(void);
Suite *proto_suite(void);
Suite *proto_join_suite(void);
Suite *config_suite(void);
Suite *config_table_suite(void);
Suite *source_suite(void);
Suite *crc32c_suite(void);
Suite *guard_suite(void);
Suite *client_suite(void);
Suite *play_suite(void);
Suite *renderer_suite(void);
Suite *slot_suite(void);
Suite *slot_life_suite(void);
Suite *life_suite(void);
Suite *errtext_suite(void);
Suite *sandbox_suite(void);
#ifdef __linux__
Suite *spawn_suite(void);
#endif
#ifdef HAVE_ALSA
Suite *alsa_suite(void);
#endif

/*
 * Map `bytes` (a multiple of 64) of private zeroed memory ending right
 * before a PROT_NONE page, so that reading or writing one byte past it
 * kills the test. Returns the 64-byte aligned start; fails the test (check
 * aborts it) if the mapping cannot be made. Never unmapped: each test runs
 * in its own forked process. Defined in check_ring.c.
 */
void *check_guarded_map(size_t bytes);

struct config;

/*
 * Fill *c with the defaults, then load `text` over them from a temporary
 * file (removed again); its name is left in path[64] for messages. Returns
 * config_load's result with its message in err. Defined in check_config.c.
 */
int load_text(const char *text, struct config *c, char *path, char *err, size_t errlen);

/*
 * The config suite's "errors" test case (every kind of refused file with
 * its file:line and key), for config_suite to add. Defined in
 * check_config_errors.c.
 */
TCase *config_errors_tcase(void);

/* Fail the test unless config_print gives the same text for a and b. */
void assert_same_config(const struct config *a, const struct config *b);

#endif
