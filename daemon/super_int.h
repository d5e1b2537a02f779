/*
 * super_int.h - what super.c shares with super_req.c, and nothing else:
 * not part of the supervisor's interface (super.h). Loop thread only.
 */
#ifndef RTAUDIOD_SUPER_INT_H
#define RTAUDIOD_SUPER_INT_H

#include <stdint.h>

#include "super.h"

/* Hand the machine each slot's heartbeat as now read, and "the sink plays". */
void super_refresh(struct super *s, uint64_t now);

/* Carry out the machine's actions, in order. */
void super_act_all(struct super *s, const struct fsm_actions *out);

/* A kill-primary's waiters for slot `index`'s process `pid`: it is dead. */
void super_notify_waiters(struct super *s, uint32_t index, int pid);

#endif
