#!/usr/bin/env python3
"""Checks the include graph of src/: every project include names its folder
("io/copy.h"), a folder includes only itself and the folders below it in
LAYERS, and no file reaches itself through its includes (no cycles).
Prints a TAP stream. `layering.py --self-test` runs the checker on small
broken trees and fails unless it catches each."""
import os, re, sys, tempfile

# Lowest first: a folder may include only folders at or before its own.
LAYERS = ['base', 'io', 'media', 'state', 'plan', 'job', 'verify', 'cli']
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
GENERATED = {'pbc_config.h'}

def scan(src):
    """Returns ({file: [included files]}, [problems])."""
    graph, problems = {}, []
    for dp, dn, fn in os.walk(src):
        for f in sorted(fn):
            if not f.endswith(('.c', '.h')):
                continue
            rel = os.path.relpath(os.path.join(dp, f), src)
            folder = rel.split(os.sep)[0]
            if folder not in LAYERS:
                problems.append('%s: folder %r is not in LAYERS' % (rel, folder))
                continue
            deps = []
            for name in INCLUDE.findall(open(os.path.join(dp, f)).read()):
                if name in GENERATED:
                    continue
                if not os.path.isfile(os.path.join(src, name)):
                    problems.append('%s: "%s" is not a path under src/ '
                                    '(write "folder/file.h")' % (rel, name))
                    continue
                to = name.split('/')[0]
                if LAYERS.index(to) > LAYERS.index(folder):
                    problems.append('%s: includes "%s": %s/ is above %s/'
                                    % (rel, name, to, folder))
                deps.append(name)
            graph[rel] = deps
    return graph, problems

def cycles(graph):
    """Every include cycle, each as a list of files."""
    found, state, stack = [], {}, []
    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2
    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found

def check(src):
    graph, problems = scan(src)
    problems += ['include cycle: ' + ' -> '.join(c) for c in cycles(graph)]
    return problems

def write(root, files):
    for path, text in files.items():
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, 'w').write(text)

def self_test():
    good = {'base/a.h': '', 'io/b.h': '#include "base/a.h"\n',
            'io/b.c': '#include "io/b.h"\n#include "pbc_config.h"\n'}
    cases = {
        'clean tree passes': ({}, False),
        'a cycle between two files': ({'io/c.h': '#include "io/d.h"\n',
                                       'io/d.h': '#include "io/c.h"\n'}, True),
        'a lower folder includes a higher one': ({'base/e.c': '#include "io/b.h"\n'}, True),
        'a bare include without its folder': ({'io/f.c': '#include "b.h"\n'}, True),
        'a folder outside LAYERS': ({'misc/g.c': ''}, True),
    }
    n = 0
    print('1..%d' % len(cases))
    for name, (extra, bad) in cases.items():
        n += 1
        with tempfile.TemporaryDirectory() as d:
            write(d, {**good, **extra})
            got = bool(check(d))
        print('%s %d - %s' % ('ok' if got == bad else 'not ok', n, name))
        if got != bad:
            return 1
    return 0

def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), '..', '..', 'src')
    problems = check(src)
    print('1..1')
    for p in problems:
        print('# ' + p)
    print('%s 1 - src/ include graph is layered and acyclic' % ('not ok' if problems else 'ok'))
    return 1 if problems else 0

if __name__ == '__main__':
    sys.exit(main())
