#!/usr/bin/env python3
"""Error-level findings on ordinary traffic (issue #4 acceptance), run by
`make corpus`.

Lints the ordinary-traffic captures of ../shared/corpus/MANIFEST.md (section
(b): suricata-verify tests without HTTP anomalies (b1), arkime (b3), pcap2har
(b4), chrissanders/packets (b5)) through the library and lists every finding
at level error. Each one has been reviewed by hand: fixtures/README-ordinary-
errors.md lists it with its evidence and verdict. The sweep fails when an
error finding appears that the file does not list (review it: show it is
right, or fix the rule or code that is wrong), when a listed one no longer
appears (update the file), or when a capture that is not listed as unreadable
cannot be read.

Usage: tests/corpus/ordinary_errors.py BUILD_DIR CORPUS_DIR
Exit status: 0 pass, 1 fail, 77 when the corpus or the build is missing.
"""
import collections
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'fixtures', 'driver'))
import findings  # noqa: E402

README = os.path.join(ROOT, 'fixtures', 'README-ordinary-errors.md')
SECTIONS = ('(b1)', '(b3)', '(b4)', '(b5)')
ROW = re.compile(r'^\| `([^`]+)` \|')


def ordinary_captures(corpus):
    """Capture files listed in MANIFEST.md's ordinary-traffic sections."""
    manifest = os.path.join(corpus, 'MANIFEST.md')
    if not os.path.exists(manifest):
        return []
    out, section = [], None
    for line in open(manifest, encoding='utf-8'):
        if line.startswith('### '):
            section = line.split()[1]
            continue
        m = ROW.match(line)
        if m and section in SECTIONS:
            path = os.path.join(corpus, m.group(1))
            if os.path.isfile(path) and not path.endswith(('.yaml', '.md')):
                out.append(path)
    return out


def reviewed():
    """(capture, stream, response, rule) keys of the reviewed findings, and
    the captures listed as unreadable, from README-ordinary-errors.md."""
    keys, unreadable = collections.Counter(), set()
    if not os.path.exists(README):
        return keys, unreadable
    section = None
    for line in open(README, encoding='utf-8'):
        if line.startswith('## '):
            section = line[3:].strip().lower()
            continue
        if not line.startswith('| `'):
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        capture = cells[0].strip('`')
        if section.startswith('captures not linted'):
            unreadable.add(capture)
        elif section.startswith('error-level findings') and len(cells) >= 4:
            keys[(capture, cells[1], cells[2], cells[3])] += 1
    return keys, unreadable


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    build, corpus = sys.argv[1], sys.argv[2]
    captures = ordinary_captures(corpus)
    if not captures:
        print('no ordinary-traffic captures under', corpus)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        exe = findings.build(build, tmp)
        if exe is None:
            print('no libresplint_core.a in', build)
            return 77
        results = findings.run(exe, captures)

    keys, unreadable = reviewed()
    seen = collections.Counter()
    ok = True
    responses = 0
    levels = collections.Counter()
    print('%d ordinary-traffic captures' % len(captures))
    for path in captures:
        rel = os.path.relpath(path, corpus)
        res = results.get(path, {'responses': [], 'notes': [], 'error': 'no output'})
        responses += len(res['responses'])
        if res['error']:
            known = rel in unreadable
            print('%s %s: %s' % ('   ' if known else 'NEW', rel, res['error']))
            ok &= known
            if res['error'].startswith('CRASH'):
                ok = False
        for resp, f in findings.all_findings(res):
            levels[f.level] += 1
            if f.level != 'error':
                continue
            key = (rel, str(resp.stream if resp else f.stream),
                   str(resp.index) if resp else '-', f.rule)
            seen[key] += 1
            known = seen[key] <= keys[key]
            print('%s %s stream %s response %s %s: %s | %s' % (
                '   ' if known else 'NEW', rel, key[1], key[2], f.rule,
                resp.start_line if resp else '(connection)', f.message))
            ok &= known
    for key in sorted(keys - seen):
        print('GONE %s stream %s response %s %s: listed in '
              'fixtures/README-ordinary-errors.md but not found' % key)
        ok = False
    print('%d responses; findings: %s' % (
        responses, ', '.join('%s %d' % (l, levels[l]) for l in ('error', 'warning', 'info'))))
    if not ok:
        print('review the NEW and GONE lines and update fixtures/README-ordinary-errors.md')
    print('ordinary errors sweep:', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
