/* The one global of the program: set by the SIGINT/SIGTERM handler, polled
 * by every long loop of the core, which then stops and returns
 * PBC_E_INTERRUPTED so that progress is saved and the run exits 4. */
#ifndef PBC_INTERRUPT_H
#define PBC_INTERRUPT_H

#include <signal.h>
#include <stdatomic.h>

/* Atomic (lock-free, so async-signal-safe) rather than sig_atomic_t: with
 * --jobs the clips run in threads, and a clip that fails raises it to stop
 * the others. */
extern volatile atomic_int pbc_interrupted;

/* Installs the handler for SIGINT and SIGTERM (no SA_RESTART, so blocking
 * reads return EINTR). Returns 0 or AVERROR(errno). */
int pbc_interrupt_install(void);

#endif
