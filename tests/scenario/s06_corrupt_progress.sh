# Scenario 6: a truncated progress.json with --resume -> exit 3 before
# anything is touched: originals and build directory unchanged. So are
# hand edits that pass the value checks but could not finish: mode flipped
# to ENCODE, a clip named after one of the build directory's own files.
. "$(dirname "$0")/lib.sh"
for n in 1 2 3; do mkfile "in/clip$n.mp4" 100000000; done
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
pbc_bg --build-dir work --logfile prep.log in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_done work/progress.json 1
kill9
cp work/progress.json intact.json
size=$(stat -c %s work/progress.json)
head -c $(( size / 2 )) work/progress.json > truncated && mv truncated work/progress.json
( cd work && find . -type f -exec sha256sum {} + | sort ) > build_before.txt
lines_before=$(wc -l < prep.log)
pbc --logfile prep.log --resume work/progress.json
expect_rc 3
expect_in err.txt 'work/progress.json'
[ "$(grep -c . err.txt)" -le 1 ] || fail "more than one line of error: $(cat err.txt)"
( cd work && find . -type f -exec sha256sum {} + | sort ) > build_after.txt
cmp -s build_before.txt build_after.txt || fail "the build directory changed"
[ "$(wc -l < prep.log)" -eq "$lines_before" ] || fail "the log was written although nothing was to be touched"
unchanged

# hand edits of the intact file (issue 14, item 10)
edit_case() { # edit_case NAME SED_SCRIPT REASON_REGEX
    sed "$2" intact.json > work/progress.json
    cmp -s intact.json work/progress.json && fail "$1: the edit changed nothing"
    ( cd work && find . -type f -exec sha256sum {} + | sort ) > build_before.txt
    pbc --logfile prep.log --resume work/progress.json
    expect_rc 3
    expect_in err.txt "$3"
    ( cd work && find . -type f -exec sha256sum {} + | sort ) > build_after.txt
    cmp -s build_before.txt build_after.txt || fail "$1: the build directory changed"
}
edit_case mode 's/"mode": "COPY"/"mode": "ENCODE"/; s/"kbps": null/"kbps": 4000/' '"mode": "ENCODE" disagrees'
edit_case sums 's/"clip3\.mp4"/"SHA256SUMS"/g' "SHA256SUMS.*own files"
edit_case progress 's/"clip3\.mp4"/"progress.json"/g' "progress\.json.*own files"
unchanged
