#!/usr/bin/env python3
"""Checks the call graph between the source files of static libraries: no
two files call each other, directly or round a loop (a file's helpers that
others need belong in a leaf they all use). Reads `nm` of each library:
a file calls another when it uses a symbol the other defines. Prints a
TAP stream. `calls.py --self-test` checks that a loop is caught."""
import os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layering import cycles

def graph_of(listing):
    """{object: [objects it calls]} from `nm -A` lines
    "lib.a:obj.o: [address] TYPE symbol"."""
    defined, used = {}, {}
    for line in listing.splitlines():
        parts = line.rsplit(':', 1)
        if len(parts) != 2 or not parts[0].endswith('.o'):
            continue
        obj = os.path.basename(parts[0].rsplit(':', 1)[-1])
        fields = parts[1].split()
        if len(fields) < 2:
            continue
        kind, sym = fields[-2], fields[-1]
        used.setdefault(obj, set())
        if kind == 'U':
            used[obj].add(sym)
        elif kind in 'TDBRC':
            defined[sym] = obj
    return {o: sorted({defined[s] for s in syms if s in defined and defined[s] != o})
            for o, syms in used.items()}

def self_test():
    loop = ('l.a:a.o:                 U f_b\nl.a:a.o: 0000 T f_a\n'
            'l.a:b.o:                 U f_a\nl.a:b.o: 0000 T f_b\n')
    leaf = ('l.a:a.o:                 U f_c\nl.a:a.o: 0000 T f_a\n'
            'l.a:b.o:                 U f_c\nl.a:b.o:                 U f_a\n'
            'l.a:c.o: 0000 T f_c\n')
    print('1..2')
    print('%s 1 - a loop is caught' % ('ok' if cycles(graph_of(loop)) else 'not ok'))
    print('%s 2 - calls into a leaf are not a loop'
          % ('not ok' if cycles(graph_of(leaf)) else 'ok'))
    return 0

def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    print('1..%d' % (len(sys.argv) - 1))
    bad = 0
    for n, lib in enumerate(sys.argv[1:], 1):
        out = subprocess.run(['nm', '-A', lib], capture_output=True, text=True, check=True)
        found = cycles(graph_of(out.stdout))
        for c in found:
            print('# ' + ' -> '.join(c))
        bad += bool(found)
        print('%s %d - %s: no two files call each other'
              % ('not ok' if found else 'ok', n, os.path.basename(lib)))
    return 1 if bad else 0

if __name__ == '__main__':
    sys.exit(main())
