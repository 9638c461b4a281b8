/* The one global of the program: set by the SIGINT/SIGTERM handler, polled
 * by every long loop of the core, which then stops and returns
 * PBC_E_INTERRUPTED so that progress is saved and the run exits 4. */
#ifndef PBC_INTERRUPT_H
#define PBC_INTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t pbc_interrupted;

/* Installs the handler for SIGINT and SIGTERM (no SA_RESTART, so blocking
 * reads return EINTR). Returns 0 or AVERROR(errno). */
int pbc_interrupt_install(void);

#endif
