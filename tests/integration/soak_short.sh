#!/bin/sh
# The short variant of tests/soak.sh (make soak) that make check runs:
# 10 s of load, 20 kill cycles, a 10 s SIGSTOP/SIGCONT storm.
SOAK_LOAD_S=${SOAK_LOAD_S:-10} SOAK_KILLS=${SOAK_KILLS:-20} SOAK_STORM_S=${SOAK_STORM_S:-10} \
	exec sh "$(dirname "$0")/../soak.sh"
