# Scenario 23: hostile file names. A usage error shows a name's control
# bytes escaped, never raw; an output named "-" (and one with a backslash)
# is checked by `sha256sum -c SHA256SUMS` as that file; a name too long for
# its partial name, and a name of the partial form, are refused up front
# (exit 1, nothing created).
. "$(dirname "$0")/lib.sh"

# 1. control bytes and a newline in a name given on the command line
esc=$(printf '\033')
bad=$(printf 'in/evil\033[2J\nforged line.mp4')
mkfile in/ok.mp4 1000
pbc --build-dir work --logfile prep.log in/ok.mp4 "$bad"
expect_rc 1
! grep -q "$esc" err.txt || fail "stderr holds a raw ESC byte"
[ "$(wc -l < err.txt)" -le 2 ] || fail "the name split the message: $(cat err.txt)"
expect_in err.txt 'evil\\x1b\[2J\\x0aforged line\.mp4'
[ ! -e work ] || fail "the build directory was created"

# 2. "-" and a backslash: SHA256SUMS reads back as those files
mkfile "in/-" 3000
mkfile 'in/back\slash.mp4' 2000
pbc --build-dir work --logfile prep.log in/ok.mp4 "in/-" 'in/back\slash.mp4'
expect_rc 0
expect_in work/SHA256SUMS '  \./-$'
(cd work && sha256sum --strict -c SHA256SUMS < /dev/null > ../sums.txt 2>&1) ||
    { cat sums.txt; fail "sha256sum -c SHA256SUMS fails"; }
rm -rf work prep.log

# 3. a name whose partial name would exceed NAME_MAX (255 bytes)
long=$(head -c 246 /dev/zero | tr '\0' 'a').mp4
mkfile "in/$long" 1000
pbc --build-dir work --logfile prep.log in/ok.mp4 "in/$long"
expect_rc 1
expect_in err.txt 'too long|cannot be used as an output name'
[ ! -e work ] || fail "the build directory was created for a too-long name"
# 242 bytes is the longest name taken, and it runs to the end
ok242=$(head -c 238 /dev/zero | tr '\0' 'b').mp4
mkfile "in/$ok242" 1000
pbc --build-dir work --logfile prep.log in/ok.mp4 "in/$ok242"
expect_rc 0
[ -f "work/$ok242" ] || fail "the 242-byte name was not copied"
rm -rf work prep.log

# 4. an input named like a partial would be taken for a leftover
mkfile in/.x.mp4.pbc-partial 1000
pbc --build-dir work --logfile prep.log in/ok.mp4 in/.x.mp4.pbc-partial
expect_rc 1
expect_in err.txt 'build directory'
[ ! -e work ] || fail "the build directory was created for a partial-like name"
