#!/bin/sh
# Every error the core logs is worded by pbc_strerror (errors.c), which
# knows the domain codes: av_err2str/av_strerror would show PBC_E_* as
# "Error number -1852392016 occurred". This fails when a call to either
# appears anywhere in src/ outside errors.[ch].
src=${1:?usage: one_strerror.sh SRC_DIR}
echo "1..1"
hits=$(grep -rnE 'av_err2str|av_strerror|av_make_error_string' "$src" --include='*.c' --include='*.h' |
       grep -v "/base/errors\.[ch]:")
if [ -n "$hits" ]; then
    echo "$hits" | sed 's/^/# /'
    echo "not ok 1 - errors are logged through pbc_strerror only"
    exit 1
fi
echo "ok 1 - errors are logged through pbc_strerror only"
