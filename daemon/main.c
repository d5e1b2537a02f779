/*
 * main.c - rtaudiod: options, start-up order, signals, orderly shutdown.
 *
 * Does: read the options and the config (exit 78 on a bad one), then bring
 * the daemon up in dependency order (the sink's device, which may set the
 * stream's rate and block size; shared memory; the sink's audio; replicas;
 * control socket) on one libuv loop, and tear it down in reverse on
 * SIGTERM/SIGINT so that the loop closes with every handle gone
 * (uv_loop_close() == 0). SIGHUP reloads [params] and [watchdog].
 * Does not: fork into the background (systemd and launchd supervise it), or
 * do any work itself: every responsibility lives in its own file.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"

/* The optional features built in, for -V: one entry each, so adding one is one line. */
static const char *const features[] = {
#ifdef HAVE_JACK
	"jack",
#endif
#ifdef HAVE_ALSA
	"alsa",
#endif
#ifdef HAVE_SYSTEMD
	"systemd",
#endif
#ifdef HAVE_SECCOMP
	"seccomp",
#endif
#ifdef HAVE_SAMPLERATE
	"samplerate",
#endif
#ifdef HAVE_LILV
	"lv2",
#endif
	NULL,
};

static void print_version(void)
{
	printf("rtaudiod %s (", PACKAGE_VERSION);
	if (features[0] == NULL)
		printf("no optional features");
	for (size_t i = 0; features[i] != NULL; i++)
		printf("%s%s", i > 0 ? ", " : "", features[i]);
	printf(")\n");
}

#define EXIT_USAGE 64
#define EXIT_START 1

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: rtaudiod [-nvVh] [-c FILE] [-S SOCKET] [--syslog]\n"
	        "  -c FILE    configuration file (default %s/rtaudiod/rtaudiod.conf)\n"
	        "  -n         check the configuration, print the effective one, exit\n"
	        "  -S SOCKET  control socket path (overrides [daemon] socket)\n"
	        "  -v         debug logging\n"
	        "  --syslog   log to syslog instead of stderr\n"
	        "  -V         print the version and exit\n"
	        "  -h         this help\n"
	        "exit status: 0 clean shutdown, 1 start-up failure, 64 usage, 78 bad configuration\n",
	        SYSCONFDIR);
}

static void close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * The signal handles are watched first thing in start() and closed last,
 * on every path (a start-up failure included): closing a handle that was
 * never initialised is libuv's assertion, which is how a bad socket path
 * used to abort the daemon (exit 134) instead of exiting 1.
 */
static void close_signals(struct daemon *d)
{
	if (!d->signals)
		return;
	d->signals = false;
	close_handle((uv_handle_t *)&d->sig_term);
	close_handle((uv_handle_t *)&d->sig_int);
	close_handle((uv_handle_t *)&d->sig_hup);
	close_handle((uv_handle_t *)&d->sig_usr2);
}

/* Every replica has been reaped: stop the audio, free the segments, end the loop. */
static void on_super_stopped(struct super *s)
{
	struct daemon *d = s->user;

	sink_stop(&d->sink);  /* already stopped unless start-up failed half-way */
	super_close(&d->sup);
	group_destroy(&d->gr);
	notify_close(d);
	close_signals(d);
	log_info("stopped");
}

static void shutdown_daemon(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	log_info("shutting down");
	notify_stopping(d);
	ctl_close(&d->ctl);
	/*
	 * The audio ends first, on the last real block: stopping the replicas
	 * while the sink still ran would end a recording with silence.
	 */
	sink_stop(&d->sink);
	super_stop(&d->sup);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	char err[512], note[256];

	switch (signum) {
	case SIGHUP:
		log_info("SIGHUP: reloading %s", d->config_path);
		cmd_reload(d, err, sizeof(err), note, sizeof(note));
		break;
	case SIGUSR2:
		/* Test hook (documented in rtaudiod(8)): hold the sink thread 3 s once. */
		if (!d->sink.thread_started && (d->sink.be == NULL || !d->sink.be->own_thread)) {
			log_warn("SIGUSR2: ignored: the %s sink runs on its server's thread",
			         sink_name(&d->sink));
			break;
		}
		atomic_store_explicit(&d->sink.stall_ns, 3 * NSEC_PER_SEC, memory_order_relaxed);
		log_warn("SIGUSR2: stalling the sink thread for 3 s (test hook)");
		break;
	default:
		log_info("%s received", strsignal(signum));
		shutdown_daemon(d);
		break;
	}
}

static void watch_signal(struct daemon *d, uv_signal_t *h, int signum)
{
	uv_signal_init(&d->loop, h);
	h->data = d;
	uv_signal_start(h, on_signal, signum);
}

static void on_walk(uv_handle_t *h, void *arg)
{
	log_error("handle still open at exit: %s", uv_handle_type_name(h->type));
}

static int start(struct daemon *d)
{
	char err[512];
	int rc;

	/* Signals first, so that a SIGTERM during a slow start-up is heard. */
	watch_signal(d, &d->sig_term, SIGTERM);
	watch_signal(d, &d->sig_int, SIGINT);
	watch_signal(d, &d->sig_hup, SIGHUP);
	watch_signal(d, &d->sig_usr2, SIGUSR2);
	d->signals = true;
	/*
	 * The sink first: a sink with a clock of its own (jack) decides the
	 * stream's rate and block size, and the group is made to match it.
	 */
	rc = sink_open(&d->sink, &d->cfg, err, sizeof(err));
	if (rc < 0) {
		log_error("sink: %s", err);
		return -1;
	}
	/*
	 * Then the renderer's own check, with the stream as it will run: its
	 * keys, and the parameters it declares, which the group segment
	 * publishes before any replica starts.
	 */
	double values[LAYOUT_MAX_PARAMS];
	if (params_check(&d->params, &d->cfg, d->config_path, err, sizeof(err)) < 0 ||
	    params_values(&d->params, &d->cfg, d->config_path, values, err, sizeof(err)) < 0) {
		log_error("%s", err);
		sink_stop(&d->sink);
		d->exit_code = CONFIG_EXIT_BAD;
		return -1;
	}
	rc = group_create(&d->gr, &d->cfg, &d->params, values, err, sizeof(err));
	if (rc < 0) {
		log_error("%s", err);
		sink_stop(&d->sink);
		return -1;
	}
	rc = sink_start(&d->sink, &d->gr, err, sizeof(err));
	if (rc < 0) {
		log_error("sink: %s", err);
		sink_stop(&d->sink);
		group_destroy(&d->gr);
		return -1;
	}
	d->sup.user = d;
	d->sup.on_event = cmd_event;
	d->sup.on_stopped = on_super_stopped;
	rc = super_start(&d->sup, &d->loop, &d->cfg, &d->gr, &d->sink, err, sizeof(err));
	if (rc < 0) {
		log_error("%s", err);
		d->exit_code = EXIT_START;
		return 0;  /* no replica started: the normal shutdown path closes the rest */
	}

	d->ctl.user = d;
	d->ctl.on_line = cmd_line;
	d->ctl.on_close = cmd_client_closed;
	rc = ctl_listen(&d->ctl, &d->loop, d->cfg.socket, d->cfg.socket_mode, d->cfg.socket_group,
	                err, sizeof(err));
	if (rc < 0) {
		log_error("control socket: %s", err);
		d->exit_code = EXIT_START;
		return 0;  /* replicas are up: shut down through the normal path */
	}
	notify_start(d);
	log_info("rtaudiod %s: group %s, %u replicas (%s standby), %u Hz, %u ch, %u frames "
	         "(%.3f ms), lead %u, sink %s, socket %s",
	         PACKAGE_VERSION, d->cfg.name, d->cfg.replicas, config_standby_name(d->cfg.standby),
	         d->cfg.sample_rate, d->cfg.channels, d->cfg.frames,
	         (double)d->gr.period_ns / 1e6, d->cfg.lead, sink_name(&d->sink), d->cfg.socket);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "syslog", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct daemon d;  /* static: large, and lives as long as the process */
	char err[1024];
	bool check_only = false, verbose = false, use_syslog = false;
	int ch;

	d.config_path = SYSCONFDIR "/rtaudiod/rtaudiod.conf";
	while ((ch = getopt_long(argc, argv, "c:nS:vVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': d.config_path = optarg; d.config_required = true; break;
		case 'n': check_only = true; break;
		case 'S': d.socket_override = optarg; break;
		case 'v': verbose = true; break;
		case 'L': use_syslog = true; break;
		case 'V': print_version(); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	config_defaults(&d.cfg);
	if (config_load(&d.cfg, d.config_path, !d.config_required, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtaudiod: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	if (d.socket_override != NULL) {
		if (strlen(d.socket_override) >= sizeof(d.cfg.socket)) {
			fprintf(stderr, "rtaudiod: -S %s: path too long\n", d.socket_override);
			return EXIT_USAGE;
		}
		snprintf(d.cfg.socket, sizeof(d.cfg.socket), "%s", d.socket_override);
	}
	d.loaded = d.cfg;  /* what a reload compares the restart-only keys with */
	/*
	 * What cannot work is refused before anything starts; -n also checks the
	 * socket's directory (at start ctl_listen does, exit 1) and warns.
	 */
	if (config_check_env(&d.cfg, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtaudiod: %s: %s\n", d.config_path, err);
		return CONFIG_EXIT_BAD;
	}
	if (check_only) {
		double values[LAYOUT_MAX_PARAMS];
		if (params_check(&d.params, &d.cfg, d.config_path, err, sizeof(err)) < 0 ||
		    params_values(&d.params, &d.cfg, d.config_path, values, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtaudiod: %s\n", err);
			return CONFIG_EXIT_BAD;
		}
		/* After the file's own errors (which have a line): the socket's directory. */
		if (config_check_env(&d.cfg, true, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtaudiod: %s: %s\n", d.config_path, err);
			return CONFIG_EXIT_BAD;
		}
		config_warnings(&d.cfg, stderr);
		config_print(&d.cfg, stdout);
		return 0;
	}

	log_init("rtaudiod", use_syslog, verbose ? LOG_LEVEL_DEBUG : (enum log_level)d.cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
#ifdef __linux__
	/*
	 * Non-dumpable: /proc/PID/fd, mem and maps become root's, so a replica
	 * running as our own user (a non-root rtaudiod) cannot reopen our
	 * descriptors of the other replicas' segments through /proc, nor trace
	 * us, during its open (before its seccomp lock). Costs core dumps of
	 * the daemon, hence only with the sandbox on.
	 */
	if (d.cfg.sandbox == SANDBOX_STRICT && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_warn("prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
#endif
	d.start_ns = clock_now_ns();
	if (uv_loop_init(&d.loop) < 0)
		fatal("cannot initialise the event loop");
	if (start(&d) < 0) {
		/* Nothing but the signal handles is open: close them, then the loop. */
		close_signals(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		if (uv_loop_close(&d.loop) != 0) {
			uv_walk(&d.loop, on_walk, NULL);
			log_error("event loop not empty at exit");
		}
		return d.exit_code != 0 ? d.exit_code : EXIT_START;
	}
	if (d.exit_code != 0)
		shutdown_daemon(&d);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	int rc = uv_loop_close(&d.loop);
	if (rc != 0) {
		uv_walk(&d.loop, on_walk, NULL);
		log_error("event loop not empty at exit: %s", uv_strerror(rc));
		return EXIT_START;
	}
	return d.exit_code;
}
