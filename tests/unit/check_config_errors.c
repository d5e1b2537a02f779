/*
 * check_config_errors.c - the config suite's "errors" test case: one row
 * per kind of refused file (a value out of range, not a number or not one
 * of the names; an unknown key or section; a syntax error, a duplicate
 * key, a line too long; keys that contradict each other; a sink without
 * its path), each with the exact "PATH:LINE: key 'KEY': why" it must be
 * reported as, and an error message truncated safely into a small buffer.
 *
 * What it does not cover: valid files, printing, missing files
 * (check_config.c, whose config_suite adds this test case), or the
 * daemon's exit status for them (tests/integration/config_errors.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "suites.h"

/* --- errors: one row per kind --------------------------------------------- */

struct bad {
	const char *text;
	int line;             /* 0: "PATH: why" */
	const char *key;      /* NULL: no key part */
	const char *why;      /* the exact reason; a final '*' matches any rest */
};

#define LONG_VALUE "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static const struct bad bad_files[] = {
	{ "[group]\nreplicas = 9\n", 2, "replicas", "9 is out of range 1..8" },
	{ "[group]\nreplicas = -1\n", 2, "replicas", "-1 is out of range 1..8" },
	{ "[group]\nrt_priority = 100\n", 2, "rt_priority", "100 is out of range 0..99" },
	{ "[watchdog]\ninterval_ms = 99999999999999999999999\n", 2, "interval_ms",
	  "99999999999999999999999 is out of range 1..1000" },
	{ "[params]\ngain = 4.0001\n", 2, "gain", "4.0001 is out of range 0..4" },
	{ "[params]\npan = 1e999\n", 2, "pan", "1e999 is out of range -1..1" },
	{ "[stream]\nsample_rate = fast\n", 2, "sample_rate", "'fast' is not an integer" },
	{ "[stream]\n\nframes = 256x\n", 3, "frames", "'256x' is not an integer" },
	{ "[stream]\nchannels = 0x2\n", 2, "channels", "'0x2' is not an integer" },
	{ "[stream]\nchannels = 2.0\n", 2, "channels", "'2.0' is not an integer" },
	{ "[group]\nreplicas =\n", 2, "replicas", "empty value, expected an integer" },
	{ "[params]\ngain = 0.5dB\n", 2, "gain", "'0.5dB' is not a number" },
	{ "[params]\ngain = nan\n", 2, "gain", "'nan' is not a number" },
	{ "[params]\ngain = 0x1p1\n", 2, "gain", "'0x1p1' is not a number" },
	{ "[params]\npan = -inf\n", 2, "pan", "'-inf' is not a finite number" },
	{ "[params]\ngain = 1 # not a comment here\n", 2, "gain",
	  "'1 # not a comment here' is not a number" },
	{ "[daemon]\nsocket_mode = 0680\n", 2, "socket_mode", "'0680' is not an octal integer" },
	{ "[daemon]\nsocket_mode = 01000\n", 2, "socket_mode", "01000 is out of range 0..0777" },
	{ "[daemon]\nsocket_mode = 0460\n", 2, "socket_mode",
	  "0460 does not give the owner read and write (0600)" },
	{ "[daemon]\nsocket =\n", 2, "socket", "must not be empty" },
	{ "[daemon]\nsocket_mod = 0660\n", 2, "socket_mod", "unknown key in [daemon]" },
	{ "[params]\ngain = 1\n[sink]\ngain = 1\n", 4, "gain", "unknown key in [sink]" },
	{ "[daemon]\nlog_level = info\n[groups]\nname = x\n", 3, NULL, "unknown section [groups]" },
	{ "[stream]\n[bogus]\n[params]\ngain = 1\n", 2, NULL, "unknown section [bogus]" },
	{ "[params]\ngain = 1\n[]\n", 3, NULL, "unknown section []" },
	{ "gain = 1\n", 1, "gain", "not in a section (keys follow a [section] line)" },
	{ "[params]\ngain 1\n", 2, NULL, "syntax error" },
	{ "[params\ngain = 1\n", 1, NULL, "syntax error" },
	{ "[params]\ngain = 1\nthis is junk\n[group]\nreplicas = 0\n", 3, NULL, "syntax error" },
	{ "[group]\nreplicas = 0\nthis is junk\n", 2, "replicas", "0 is out of range 1..8" },
	{ "[group]\nstandby = cold\n", 2, "standby", "'cold' is not one of hot|warm" },
	{ "[group]\nstandby = Hot\n", 2, "standby", "'Hot' is not one of hot|warm" },
	{ "[group]\ncpu_affinity = 0,1\n", 2, "cpu_affinity", "'0,1' is not one of spread|none" },
	{ "[daemon]\nlog_level = loud\n", 2, "log_level",
	  "'loud' is not one of error|warn|info|debug" },
	{ "[sink]\ntype = pulse\n", 2, "type", "'pulse' is not one of null|wav|jack|alsa" },
	{ "[sink]\nalsa_period = 8\n", 2, "alsa_period", "8 is below 16 frames*" },
	{ "[sink]\nalsa_buffer = 16\n", 2, "alsa_buffer", "16 is below 32 frames*" },
	{ "[sink]\nalsa_format = s8\n", 2, "alsa_format", "'s8' is not one of auto|float|s32|s24|s16" },
	{ "[sink]\ndevice =\n", 2, "device", "must not be empty" },
	{ "[group]\nname = -bad\n", 2, "name", "'-bad' is not a valid group name "
	  "(1..32 of A-Z a-z 0-9 _ . -, not starting with . or -)" },
	{ "[group]\nname = a/b\n", 2, "name", "'a/b' is not a valid group name "
	  "(1..32 of A-Z a-z 0-9 _ . -, not starting with . or -)" },
	{ "[group]\nname = abcdefghijabcdefghijabcdefghijabc\n", 2, "name",
	  "value too long (33 bytes, at most 32)" },
	{ "[group]\nreplica = bin/rtaudio-replica\n", 2, "replica",
	  "'bin/rtaudio-replica' is not an absolute path" },
	{ "[stream]\nring_capacity = 6\n", 2, "ring_capacity", "6 is not a power of two" },
	{ "[params]\nwidth = abc\n", 2, "width", "'abc' is not a finite number" },
	{ "[params]\nwidth = 1\nwidth = 2\n", 3, "width", "duplicate key (already set at line 2)" },
	{ "[params]\nbad/name = 1\n", 2, "bad/name", "unknown key in [params]*" },
	{ "[source]\nfile = a\nfile = b\n", 3, "file", "duplicate key (already set at line 2)" },
	{ "[plugin a.b]\nuri = x\n", 1, NULL, "unknown section [plugin a.b]" },
	{ "[plugin ]\nuri = x\n", 1, NULL, "unknown section [plugin ]" },
	{ "[params]\ngain = 1\npan = 0\ngain = 2\n", 4, "gain",
	  "duplicate key (already set at line 2)" },
	{ "[sink]\njack_client =\n", 2, "jack_client", "must not be empty" },
	{ "[group]\nreplica = " LONG_VALUE LONG_VALUE LONG_VALUE "\n[group]\nreplicas = 0\n", 2, NULL,
	  "line too long (at most *" },  /* inih's build sets the limit */
	/* cross-key rules: at the line of the later of the pair */
	{ "[stream]\nring_capacity = 8\nlead = 8\n", 3, "lead",
	  "lead (8) must be less than ring_capacity (8)" },
	{ "[stream]\nlead = 4\n\nring_capacity = 4\n", 4, "ring_capacity",
	  "lead (4) must be less than ring_capacity (4)" },
	{ "[stream]\nlead = 4\n", 2, "lead", "lead (4) must be less than ring_capacity (4)" },
	{ "[watchdog]\nrestart_backoff_max_ms = 50\n", 2, "restart_backoff_max_ms",
	  "restart_backoff_max_ms (50) must be at least restart_backoff_ms (100)" },
	{ "[watchdog]\nrestart_backoff_max_ms = 500\nrestart_backoff_ms = 501\n", 3,
	  "restart_backoff_ms",
	  "restart_backoff_max_ms (500) must be at least restart_backoff_ms (501)" },
	{ "[sink]\ntype = wav\n", 2, "type", "sink type wav needs a path" },
	{ "[sink]\ntype = wav\npath =\n", 3, "path", "sink type wav needs a path" },
};

START_TEST(bad_file_reports_line_and_key)
{
	const struct bad *b = &bad_files[_i];
	struct config c;
	char path[64], err[512], want[512];
	int rc = load_text(b->text, &c, path, err, sizeof err);

	if (b->key != NULL)
		snprintf(want, sizeof want, "%s:%d: key '%s': %s", path, b->line, b->key, b->why);
	else
		snprintf(want, sizeof want, "%s:%d: %s", path, b->line, b->why);
	ck_assert_msg(rc == -EINVAL, "row %d accepted (rc %d)", _i, rc);
	size_t n = strlen(want);

	if (want[n - 1] == '*')
		want[--n] = '\0';
	else
		n = sizeof want;
	ck_assert_msg(strncmp(err, want, n) == 0, "row %d:\n got  %s\n want %s", _i, err, want);
}
END_TEST

START_TEST(error_is_truncated_safely)
{
	struct config c;
	char path[64], err[24];

	ck_assert_int_eq(load_text("[group]\nreplicas = 9\n", &c, path, err, sizeof err), -EINVAL);
	ck_assert_uint_eq(strlen(err), sizeof err - 1);
	ck_assert(strncmp(err, path, sizeof err - 1) == 0);
}
END_TEST

/* Declared, with its contract, in suites.h. */
TCase *config_errors_tcase(void)
{
	TCase *tc = tcase_create("errors");

	tcase_add_loop_test(tc, bad_file_reports_line_and_key, 0,
	                    (int)(sizeof bad_files / sizeof bad_files[0]));
	tcase_add_test(tc, error_is_truncated_safely);
	return tc;
}
