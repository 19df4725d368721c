#!/usr/bin/env python3
"""HTTP Evader sweep (issue #4 acceptance), run by `make corpus`.

Lints all 502 HTTP Evader captures (../shared/corpus/suricata-verify/tests/
http-evader/*/input.pcap) through the library and checks that:

- every capture is read without a crash or a read error;
- at least 95% of them produce at least one warning or error finding;
- every capture without a warning or error is listed, with the reason, in
  fixtures/README-evader.md ("Cases without a warning or error"), and every
  case listed there still has none (so the list stays true).

It also prints how many cases have a warning or error other than FV001
(missing Date): the Evader server never sends Date, so FV001 alone would make
almost every case "found", and that figure says what the linter sees of the
evasions themselves.

Usage: tests/corpus/evader_sweep.py BUILD_DIR CORPUS_DIR
Exit status: 0 pass, 1 fail, 77 when the corpus or the build is missing.
"""
import glob
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'fixtures', 'driver'))
import findings  # noqa: E402

README = os.path.join(ROOT, 'fixtures', 'README-evader.md')
SECTION = '## Cases without a warning or error'
EXPECTED_CASES = 502
MIN_RATIO = 0.95


def case_name(path):
    return os.path.basename(os.path.dirname(path))


def listed_in_readme():
    """Case names in README-evader.md's section on cases without findings."""
    if not os.path.exists(README):
        return set()
    text = open(README, encoding='utf-8').read()
    start = text.find(SECTION)
    if start < 0:
        return set()
    end = text.find('\n## ', start + len(SECTION))
    body = text[start:end if end >= 0 else len(text)]
    return set(re.findall(r'http-evader-\d+[-a-z0-9]*', body))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    build, corpus = sys.argv[1], sys.argv[2]
    cases = sorted(glob.glob(os.path.join(corpus, 'suricata-verify', 'tests',
                                          'http-evader', '*', 'input.pcap')))
    if not cases:
        print('no HTTP Evader captures under', corpus)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        exe = findings.build(build, tmp)
        if exe is None:
            print('no libresplint_core.a in', build)
            return 77
        results = findings.run(exe, cases)

    ok = True
    if len(cases) != EXPECTED_CASES:
        print('FAIL: %d HTTP Evader captures, expected %d' % (len(cases), EXPECTED_CASES))
        ok = False
    errors = [(c, results.get(c, {}).get('error') or 'no output')
              for c in cases if c not in results or results[c]['error']]
    for c, e in errors:
        print('FAIL: %s: %s' % (case_name(c), e))
        ok = False

    none, beyond_date = [], 0
    for c in cases:
        res = results.get(c)
        if res is None:
            continue
        serious = [f for _, f in findings.all_findings(res) if f.serious()]
        if not serious:
            none.append(c)
        if any(f.rule != 'FV001' for f in serious):
            beyond_date += 1

    found = len(cases) - len(none)
    ratio = found / len(cases)
    print('%d of %d HTTP Evader captures (%.1f%%) have a warning or error finding '
          '(need >= %.0f%%)' % (found, len(cases), 100 * ratio, 100 * MIN_RATIO))
    print('%d of %d (%.1f%%) have one other than FV001 (missing Date)'
          % (beyond_date, len(cases), 100 * beyond_date / len(cases)))
    if ratio < MIN_RATIO:
        print('FAIL: below %.0f%%' % (100 * MIN_RATIO))
        ok = False

    listed = listed_in_readme()
    print('cases without a warning or error:')
    for c in none:
        res = results[c]
        info = sorted({f.rule for _, f in findings.all_findings(res)})
        starts = [r.start_line for r in res['responses']]
        print('  %s: %d responses %s; info: %s%s' % (
            case_name(c), len(res['responses']), starts, ', '.join(info) or '-',
            '' if case_name(c) in listed else '   <- NOT EXPLAINED in fixtures/README-evader.md'))
        if case_name(c) not in listed:
            ok = False
    stale = sorted(listed - {case_name(c) for c in none})
    for name in stale:
        print('FAIL: %s is listed in fixtures/README-evader.md as having no warning '
              'or error, but now has one: update the list' % name)
        ok = False

    print('evader sweep:', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
