/*
 * suites.h - the check suites of tests/check_rtaudio, one per module.
 * Each tests/check_MODULE.c defines MODULE_suite(); check_main.c runs them.
 */
#ifndef RTAUDIO_TESTS_SUITES_H
#define RTAUDIO_TESTS_SUITES_H

#include <check.h>

Suite *ring_suite(void);
Suite *shm_suite(void);
Suite *layout_suite(void);
Suite *clock_suite(void);
Suite *futex_suite(void);
Suite *rtprio_suite(void);
Suite *proto_suite(void);
Suite *config_suite(void);
Suite *source_suite(void);
Suite *crc32c_suite(void);
Suite *guard_suite(void);
Suite *client_suite(void);

#endif
