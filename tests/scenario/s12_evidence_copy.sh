# Evidence handling, COPY (issue 6): the finished build directory holds
# SHA256SUMS and MANIFEST.json, counted in the disc total; `sha256sum -c`
# passes in it; --verify passes (also on a read-only copy, run by an
# unprivileged user when we are root) and, after one output byte is
# flipped, fails naming that file. The originals are never changed.
. "$(dirname "$0")/lib.sh"

# sha256sum escapes a name with a backslash ("\\HASH  NAME"): hash stdin.
hash() { sha256sum < "$1" | cut -d' ' -f1; }
expect_fixed() { grep -qF -- "$2" "$1" || fail "$1 does not contain '$2'"; }
sector_total() {
    local t=0 s f
    for f in "$@"; do s=$(stat -c %s "$f"); t=$(( t + (s + 2047) / 2048 * 2048 )); done
    echo "$t"
}

mkfile in/cam1_001.mp4 3000000
mkfile "in/cam 2 night.MP4" 123457
mkfile 'in/back\slash.mp4' 4096
TZ=UTC touch -d '2024-03-01 12:34:56.123456789' in/cam1_001.mp4
originals=(in/cam1_001.mp4 "in/cam 2 night.MP4" 'in/back\slash.mp4')
names=(cam1_001.mp4 "cam 2 night.MP4" 'back\slash.mp4')
snapshot "${originals[@]}"

USER=officer pbc --build-dir work --logfile prep.log "${originals[@]}"
expect_rc 0
[ -f work/SHA256SUMS ] || fail "work/SHA256SUMS is missing"
[ -f work/MANIFEST.json ] || fail "work/MANIFEST.json is missing"
# The log vouches for the manifest: it records its SHA-256.
expect_fixed prep.log "MANIFEST.json SHA-256 $(hash work/MANIFEST.json)"
# Counted in the disc total: every file of the build directory, in sectors.
total=$(sector_total work/*)
expect_in prep.log "the outputs take $total bytes"

# SHA256SUMS: one line per output plus MANIFEST.json, checked by coreutils.
(cd work && sha256sum --strict -c SHA256SUMS) > sums.txt 2>&1 || { cat sums.txt; fail "sha256sum -c failed"; }
[ "$(grep -c ': OK$' sums.txt)" -eq 4 ] || fail "sha256sum -c checked $(grep -c ': OK$' sums.txt) files, expected 4"
for n in "${names[@]}" MANIFEST.json; do expect_fixed sums.txt "$n: OK"; done

# MANIFEST.json: the job and, per file, original and output.
m=work/MANIFEST.json
expect_fixed $m '"format": "prepare_bodycam-manifest"'
expect_fixed $m '"format_version": 1'
expect_fixed $m '"tool": "prepare_bodycam '
expect_fixed $m '"libraries": "libavformat '
expect_fixed $m '"user": "officer"'
expect_fixed $m "\"uid\": $(id -u)"
expect_fixed $m "\"host\": \"$(uname -n)\""
expect_fixed $m '"--build-dir",'
expect_fixed $m '"in/cam 2 night.MP4"'
expect_fixed $m '"disc_bytes": 25000000000'
expect_fixed $m '"safety_bytes": 500000000'
expect_fixed $m '"resumed": false'
expect_fixed $m '"encoder": null'
expect_fixed $m "\"path\": \"$SCRATCH/in/cam1_001.mp4\""
expect_fixed $m '"mtime": "2024-03-01T12:34:56.123456789Z"'
[ "$(grep -c '"mode": "COPY"' $m)" -eq 4 ] || fail "MANIFEST.json: expected the job and 3 files in COPY mode"
[ "$(grep -c 'bit-exact copy of the original' $m)" -eq 3 ] || fail "MANIFEST.json: 3 bit-exact copies expected"
for f in "${originals[@]}"; do
    [ "$(grep -c "\"sha256\": \"$(hash "$f")\"" $m)" -eq 2 ] || fail "MANIFEST.json: SHA-256 of $f not recorded for original and copy"
done

# --verify: one line per file and a summary, exit 0; with a log file too.
pbc --verify work --logfile verify.log
expect_rc 0
for n in "${names[@]}"; do expect_fixed out.txt "] $n: OK (COPY: bit-exact copy"; done
for f in "${originals[@]}"; do expect_fixed out.txt "] original $SCRATCH/$f: OK"; done
expect_fixed out.txt "] SHA256SUMS: OK"
expect_in out.txt 'verify work: all 3 outputs and SHA256SUMS match MANIFEST.json; originals: 3 match, 0 not present'
expect_in verify.log 'exit code 0'
expect_fixed verify.log "] cam1_001.mp4: OK"

# A read-only copy verifies, and nothing is written in it. As root the
# permissions do not bind us, so the check runs as nobody.
cp -a work ro
chmod -R a-w ro
find ro -printf "%p %s %m %T@ %C@\n" | sort > ro_before.txt
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
    chmod 755 "$SCRATCH"
    as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    if "${as_nobody[@]}" test -r ro/MANIFEST.json; then
        "${as_nobody[@]}" "$PBC_BIN" --verify ro > out.txt 2> err.txt
        rc=$?
        expect_rc 0
        "${as_nobody[@]}" sh -c 'touch ro/x 2>/dev/null' && fail "ro is writable by nobody: the check proves nothing"
        note "verified the read-only copy as uid 65534"
    else
        note "the scratch directory is not reachable by nobody: read-only check as $(id -un)"
        pbc --verify ro
        expect_rc 0
    fi
else
    pbc --verify ro
    expect_rc 0
fi
expect_in out.txt 'verify ro: all 3 outputs and SHA256SUMS match MANIFEST.json'
find ro -printf "%p %s %m %T@ %C@\n" | sort > ro_after.txt
cmp -s ro_before.txt ro_after.txt || fail "the read-only directory changed during --verify"
chmod -R u+w ro

# Flip one byte of one output: --verify fails (exit 5) and names it.
b=$(od -An -tu1 -j 1000 -N 1 work/cam1_001.mp4 | tr -d ' ')
printf "$(printf '\\%03o' $(( b ^ 1 )))" | dd of=work/cam1_001.mp4 bs=1 seek=1000 conv=notrunc 2> /dev/null
pbc --verify work
expect_rc 5
expect_in out.txt '\] cam1_001\.mp4: FAILED \(SHA-256 [0-9a-f]{64}, MANIFEST\.json records [0-9a-f]{64}\)'
expect_fixed out.txt "] cam 2 night.MP4: OK"
expect_in out.txt '1 check FAILED: cam1_001\.mp4; 2 of 3 outputs match'
expect_in out.txt 'exit code 5'
(cd work && sha256sum -c SHA256SUMS) > sums.txt 2>&1 && fail "sha256sum -c passed on a changed output"
expect_fixed sums.txt "cam1_001.mp4: FAILED"

# A directory without a manifest: exit 3.
mkdir empty
pbc --verify empty
expect_rc 3
expect_in out.txt 'cannot verify empty: empty/MANIFEST\.json: missing'
# A manifest that is a symbolic link is not the disc's file, as for the
# outputs: exit 3.
mkdir linked
ln -s "$PWD/work/MANIFEST.json" linked/MANIFEST.json
pbc --verify linked
expect_rc 3
expect_in out.txt 'cannot verify linked: linked/MANIFEST\.json: a symbolic link'

unchanged
