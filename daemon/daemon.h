/*
 * daemon.h - the one rtaudiod instance: what main.c owns and cmd.c serves.
 *
 * Holds the loop, the configuration, the group's shared memory, the sink,
 * the supervisor and the control server, plus the signal handles. No
 * functions: main.c drives start-up and shutdown, cmd.c answers requests.
 */
#ifndef RTAUDIOD_DAEMON_H
#define RTAUDIOD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "ctl.h"
#include "group.h"
#include "params.h"
#include "sink.h"
#include "super.h"

struct daemon {
	uv_loop_t loop;
	struct config cfg;
	struct config loaded;      /* the file (and -S) as read at start */
	const char *config_path;
	bool config_required;      /* -c given: the file must exist */
	const char *socket_override;
	struct params params;      /* gain, pan and the renderer's (params.c) */
	struct group gr;
	struct sink sink;
	struct super sup;
	struct ctl ctl;
	uv_signal_t sig_term;
	uv_signal_t sig_int;
	uv_signal_t sig_hup;
	uv_signal_t sig_usr2;
	bool signals;              /* the four above are initialised (main.c) */
	uv_timer_t notify_timer;   /* sd_notify READY/STATUS/WATCHDOG (notify.c) */
	bool notify_active;
	bool notify_ready;
	uint64_t notify_watchdog_ns;
	char notify_status[160];
	uint64_t start_ns;
	bool stopping;
	int exit_code;
};

#endif
