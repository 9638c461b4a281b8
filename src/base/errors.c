#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "base/errors.h"

int pbc_exit_code(int err)
{
    switch (err) {
    case 0:
        return PBC_EXIT_OK;
    case PBC_E_USAGE:
    case PBC_E_DEPENDENCY:
    case PBC_E_NOSPACE:
    case PBC_E_PROBE:
        return PBC_EXIT_USAGE;
    case PBC_E_OVER_LIMIT:
    case PBC_E_INFEASIBLE:
        return PBC_EXIT_OVER_LIMIT;
    case PBC_E_PROGRESS:
    case PBC_E_MANIFEST:
        return PBC_EXIT_PROGRESS;
    case PBC_E_VERIFY:
        return PBC_EXIT_VERIFY;
    default:
        return PBC_EXIT_RUNTIME;
    }
}

const char *pbc_strerror(int err, char *buf, size_t size)
{
    switch (err) {
    case PBC_E_USAGE:       return "usage error";
    case PBC_E_DEPENDENCY:  return "missing dependency";
    case PBC_E_NOSPACE:     return "not enough free space";
    case PBC_E_PROBE:       return "input cannot be probed";
    case PBC_E_OVER_LIMIT:  return "outputs exceed the usable bytes";
    case PBC_E_INFEASIBLE:  return "budget is infeasible";
    case PBC_E_PROGRESS:    return "progress file missing, corrupt or inconsistent";
    case PBC_E_MANIFEST:    return "MANIFEST.json missing or corrupt";
    case PBC_E_INTERRUPTED: return "interrupted";
    case PBC_E_VERIFY:      return "verification failed";
    default:
        av_strerror(err, buf, size);
        return buf;
    }
}

int pbc_reason(char *err, size_t errlen, int ret, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return ret;
}
