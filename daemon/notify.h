/*
 * notify.h - tell the init system the truth (sd_notify).
 *
 * What it does: with libsystemd and NOTIFY_SOCKET set, sends READY=1 once
 * the primary's audio reaches the sink, keeps STATUS= current (state,
 * primary, failovers, underruns), sends WATCHDOG=1 only while both the loop
 * (this timer runs) and the sink thread (its beat is fresh) are healthy, and
 * STOPPING=1 on shutdown. Without libsystemd, or without NOTIFY_SOCKET, the
 * functions do nothing.
 *
 * What it does not do: decide anything about audio or replicas. Loop thread.
 */
#ifndef RTAUDIOD_NOTIFY_H
#define RTAUDIOD_NOTIFY_H

struct daemon;

void notify_start(struct daemon *d);
void notify_stopping(struct daemon *d);
void notify_close(struct daemon *d);

#endif
