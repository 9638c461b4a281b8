#include <errno.h>
#include <string.h>

#include <libavutil/error.h>

#include "base/interrupt.h"

volatile atomic_int pbc_interrupted = 0;

static void on_signal(int sig)
{
    (void)sig;
    pbc_interrupted = 1;
}

int pbc_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return AVERROR(errno);
    return 0;
}
