#!/usr/bin/env python3
"""Corpus acceptance for the http stage (issue #3), run by `make corpus`.

For every capture listed in ../shared/corpus/MANIFEST.md with a tshark
request/response count, runs the capture through the whole pipeline
(capture -> decode -> flow -> http) and compares the number of responses the
http stage hands out with tshark's count and with the raw status-line count.
Then checks the pairing expectations named in issue #3 (zeek's
1000-requests-one-dropped-response, suricata-verify's 100-continue,
multiple-100, pipelining, gap and async tests) and that every HTTP Evader
capture runs without a crash.

Usage: tests/corpus/http_counts.py BUILD_DIR CORPUS_DIR [--write REPORT.md]
Exit status: 0 when every check passes, 1 otherwise, 77 when the corpus or
the build is missing.

The pipeline is driven by a small C program embedded below and compiled
against BUILD_DIR's static libraries, so the numbers come from the same code
as the resplint command, without depending on its output format.
"""
import os
import re
import subprocess
import sys
import tempfile

DRIVER = r'''
#include <stdio.h>
#include <string.h>
#include "resplint/capture.h"
#include "resplint/http.h"
#include "resplint/run.h"

static void put(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n && i < 200; i++)
    putchar(p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\t' ? p[i] : '.');
}

static void on_x(void *ctx, const rl_exchange *x) {
  (void)ctx;
  const rl_message *r = x->response, *q = x->request;
  printf("X\t%llu\t%u\t%d\t%d\t%d\t%d\t%d\t%llu\t%llu\t%llu\t%llu\t%llu\t",
         (unsigned long long)x->conn->stream, r->index, r->status_code,
         x->interim, (int)x->request_state, (int)r->cut, (int)r->framing,
         (unsigned long long)r->forbidden_bytes,
         (unsigned long long)r->content_bytes,
         (unsigned long long)r->first.frame,
         (unsigned long long)r->last.frame,
         (unsigned long long)(q ? q->last.frame : 0));
  if (q != NULL) {
    put(q->raw + q->method.off, q->method.len);
    putchar(' ');
    put(q->raw + q->target.off, q->target.len);
  } else {
    putchar('-');
  }
  putchar('\t');
  for (uint32_t i = 0; i < r->nevents; i++)
    printf("%s%s", i ? "," : "", rl_event_name(r->events[i].kind));
  putchar('\t');
  put(r->raw + r->start_line.off, r->start_line.len);
  printf("\t%u\t%u\n", r->raw_len > 0 && r->first.frame == r->last.frame ? 1u : 0u,
         r->nfields);
}

static void on_note(void *ctx, const rl_conn *c, rl_dir dir, rl_event_kind k,
                    uint64_t off, const rl_pktref *at, const char *detail) {
  (void)ctx; (void)at; (void)detail;
  printf("N\t%llu\t%d\t%s\t%llu\n", (unsigned long long)c->stream, (int)dir,
         rl_event_name(k), (unsigned long long)off);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char err[256] = "";
    rl_capture *cap;
    printf("F\t%s\n", argv[i]);
    fflush(stdout);
    if (rl_capture_open_file(&cap, argv[i], err, sizeof err) != 0) {
      printf("E\topen\t%s\n", err);
      continue;
    }
    rl_stats stats;
    memset(&stats, 0, sizeof stats);
    rl_http_config hc;
    memset(&hc, 0, sizeof hc);
    hc.sink.exchange = on_x;
    hc.sink.note = on_note;
    hc.source = argv[i];
    rl_http *h = rl_http_new(&hc, &stats);
    rl_run_config rc;
    memset(&rc, 0, sizeof rc);
    rc.sink = rl_http_stream_sink();
    rc.sink_ctx = h;
    long long n = (long long)rl_run(cap, &rc, &stats, err, sizeof err);
    if (n < 0)
      printf("E\trun\t%lld %s\n", n, err);
    rl_http_free(h);
    rl_capture_close(cap);
    printf("D\t%lld\t%llu\t%llu\t%llu\n", n,
           (unsigned long long)stats.packets_tcp,
           (unsigned long long)stats.flows,
           (unsigned long long)stats.bytes_delivered);
    fflush(stdout);
  }
  return 0;
}
'''

# suricata-verify tests named by issue #3 for pairing (100-continue and
# multiple 100, pipelining, gaps, one-sided "async" captures).
PAIRING_TESTS = ('http-multiple100', 'http-pipeline', 'http-gap', 'http-async')

ROW = re.compile(r'^\| `([^`]+)` \|')
COUNT = re.compile(r'^\s*(\d+)/(\d+)(?: \(raw (\d+)\))?\s*$')


def manifest_rows(corpus):
    """(path, requests, responses, raw or None, section) per capture row."""
    rows, section = [], ''
    with open(os.path.join(corpus, 'MANIFEST.md'), encoding='utf-8') as f:
        for line in f:
            if line.startswith('#'):
                section = line.strip('# \n')
            m = ROW.match(line)
            if not m:
                continue
            path = m.group(1)
            if not re.search(r'\.(pcap|pcapng|cap|dmp)$', path):
                continue
            for cell in line.split('|')[2:]:
                c = COUNT.match(cell)
                if c:
                    raw = int(c.group(3)) if c.group(3) else None
                    rows.append((path, int(c.group(1)), int(c.group(2)), raw,
                                 section))
                    break
    return rows


def build_driver(build, tmp):
    src = os.path.join(tmp, 'drive.c')
    exe = os.path.join(tmp, 'drive')
    with open(src, 'w') as f:
        f.write(DRIVER)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    libs = [os.path.join(build, 'libresplint_core.a')]
    llhttp = os.path.join(build, 'librl_llhttp.a')
    if os.path.exists(llhttp):
        libs.append(llhttp)
    cmd = ['cc', '-std=c11', '-O1', '-D_DEFAULT_SOURCE', '-I', os.path.join(root, 'include'),
           src, '-o', exe] + libs + ['-lllhttp'] * (not os.path.exists(llhttp)) + ['-lpcap', '-lyaml', '-lm']
    subprocess.run(cmd, check=True)
    return exe


def run_driver(exe, files):
    """{path: {'x': [...], 'n': [...], 'err': str or None}}"""
    out = {}
    cur = None
    for i in range(0, len(files), 50):
        p = subprocess.run([exe] + files[i:i + 50], capture_output=True)
        if p.returncode != 0:
            # A crash: find which file it was, then record it.
            last = [l for l in p.stdout.decode('latin-1').splitlines() if l.startswith('F\t')]
            crashed = last[-1][2:] if last else files[i]
            out[crashed] = {'x': [], 'n': [], 'err': 'CRASH rc=%d' % p.returncode}
            rest = files[files.index(crashed) + 1:i + 50]
            out.update(run_driver(exe, rest))
        for line in p.stdout.decode('latin-1').splitlines():
            t = line.split('\t')
            if t[0] == 'F':
                cur = t[1]
                out.setdefault(cur, {'x': [], 'n': [], 'err': None})
            elif t[0] == 'X':
                out[cur]['x'].append(t[1:])
            elif t[0] == 'N':
                out[cur]['n'].append(t[1:])
            elif t[0] == 'E':
                out[cur]['err'] = ' '.join(t[1:])
            elif t[0] == 'D':
                out[cur]['tcp'] = int(t[2]) if len(t) > 2 else 0
                out[cur]['flows'] = int(t[3]) if len(t) > 3 else 0
                out[cur]['bytes'] = int(t[4]) if len(t) > 4 else 0
    return out


def final_responses(x):
    return [e for e in x if e[3] == '0']


STATUS = re.compile(r'(?i)^HTTP/\d\.\d \d\d\d')


def raw_status_frames(path):
    """{(stream, frame)} of TCP segments whose payload begins with a status
    line, as the manifest's raw count was made (retransmissions excluded)."""
    try:
        p = subprocess.run(['tshark', '-r', path, '-Y',
                            'tcp.len > 0 && !tcp.analysis.retransmission', '-T',
                            'fields', '-e', 'tcp.stream', '-e', 'frame.number',
                            '-e', 'tcp.payload'], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = set()
    for line in p.stdout.decode().splitlines():
        t = line.split('\t')
        if len(t) < 3:
            continue
        head = bytes.fromhex(t[2].replace(':', '')[:40]).decode('latin-1')
        if STATUS.match(head):
            out.add((t[0], t[1]))
    return out


def explain(r, tshark, raw, path=None):
    """Why our count differs from tshark's or the raw count, from our own
    responses: status lines the raw pattern rejects, and responses that
    share a segment with an earlier one (the raw count sees one)."""
    if r['err']:
        return r['err']
    if r.get('tcp', 1) == 0:
        return 'no TCP segment decoded (decode stage)'
    if r.get('bytes', 1) == 0:
        return 'the flow stage delivered no payload'
    x = r['x']
    odd = [e[14] for e in x if not STATUS.match(e[14])]
    starts = {(e[0], e[9]) for e in x if STATUS.match(e[14])}
    parts = []
    if odd:
        parts.append('%d status line(s) the raw pattern rejects (%s)' % (
            len(odd), ', '.join(sorted(set(repr(o[:24]) for o in odd))[:3])))
    shared = sum(1 for e in x if STATUS.match(e[14])) - len(starts)
    if shared:
        parts.append('%d response(s) share a segment with the one before' % shared)
    tunnels = [n for n in r['n'] if n[2] == 'protocol-switched']
    if tunnels:
        parts.append('%d connection(s) switched protocol; later status lines '
                     'are tunnelled bytes' % len(tunnels))
    lost = sum(1 for n in r['n'] if n[2] == 'tcp-gap')
    if lost:
        parts.append('%d gap(s) between messages' % lost)
    rawset = raw_status_frames(path) if path else None
    if rawset is not None:
        ours = {(e[0], e[9]) for e in x}
        missed = sorted(rawset - ours, key=lambda f: int(f[1]))
        extra = sorted(ours - rawset, key=lambda f: int(f[1]))
        if missed:
            parts.append('raw status lines not starting one of our responses '
                         '(stream:frame): %s' % ' '.join('%s:%s' % f for f in missed[:8]))
        if extra and not odd:
            parts.append('our responses not starting a segment (stream:frame): %s'
                         % ' '.join('%s:%s' % f for f in extra[:8]))
    return '; '.join(parts) or 'unexplained'


def check_counts(rows, res, corpus):
    lines, bad = [], 0
    for path, req, resp, raw, section in rows:
        r = res.get(os.path.join(corpus, path))
        if r is None:
            continue
        got = len(r['x'])
        want_min = resp
        exact = raw if raw is not None and raw != resp else None
        ok = got >= want_min and (exact is None or got == exact)
        if r['err'] and r['err'].startswith('CRASH'):
            ok = False
        # Fewer responses than tshark over bytes the http stage did receive
        # is a failure of this stage; other differences are explained.
        if got < want_min and not r['err'] and r.get('bytes', 1) > 0:
            bad += 1
        lines.append((ok, path, resp, raw, got,
                      explain(r, resp, raw, os.path.join(corpus, path)) if not ok else ''))
    return lines, bad


def tshark_pairs(path):
    """{response frame: request frame} as tshark pairs them, or None."""
    try:
        p = subprocess.run(['tshark', '-r', path, '-Y', 'http.response', '-T',
                            'fields', '-e', 'frame.number', '-e',
                            'http.request_in'], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    pairs = {}
    for line in p.stdout.decode().splitlines():
        t = line.split('\t')
        if len(t) == 2 and t[0]:
            pairs[int(t[0])] = int(t[1]) if t[1] else 0
    return pairs


def pairing_check(name, r, path):
    """Compares each final response's request with tshark's pairing."""
    fin = final_responses(r['x'])
    tp = tshark_pairs(path)
    agree = differ = 0
    for e in fin:
        if tp is None or int(e[10]) not in tp:
            continue
        if tp[int(e[10])] == int(e[11]):
            agree += 1
        else:
            differ += 1
    summary = '; '.join('%s %s %s%s' % (e[0], e[2], e[12],
                                       ' (interim)' if e[3] == '1' else '')
                        for e in r['x'][:6])
    if len(r['x']) > 6:
        summary += '; ...'
    detail = '%d responses (%d final); tshark pairing agrees %d, differs %d; %s' % (
        len(r['x']), len(fin), agree, differ, summary or 'no responses')
    return (name, r['err'] is None and differ == 0, detail)


def tshark_field_counts(path):
    """{(stream, frame): number of header lines} per response tshark sees."""
    try:
        p = subprocess.run(['tshark', '-r', path, '-Y', 'http.response', '-T',
                            'fields', '-E', 'aggregator=~', '-e', 'tcp.stream',
                            '-e', 'frame.number', '-e', 'http.response.line'],
                           capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = {}
    for line in p.stdout.decode('latin-1').splitlines():
        t = line.split('\t')
        if len(t) == 3:
            out[(t[0], t[1])] = len(re.split(r'\\n~', t[2])) if t[2] else 0
    return out


def field_check(rows, res, corpus, section_prefix='(b'):
    """Header lines per response against tshark, over ordinary traffic:
    responses matched by (stream, frame of the last byte)."""
    matched = same = 0
    differ = []
    for path, req, resp, raw, section in rows:
        full = os.path.join(corpus, path)
        if not section.startswith(section_prefix) or resp == 0 or full not in res:
            continue
        theirs = tshark_field_counts(full)
        if theirs is None:
            continue
        ends = {}
        for e in res[full]['x']:
            ends[(e[0], e[10])] = ends.get((e[0], e[10]), 0) + 1
        for e in res[full]['x']:
            key = (e[0], e[10])
            # tshark folds every response ending in one frame into one line.
            if key in theirs and ends[key] == 1:
                matched += 1
                if theirs[key] == int(e[16]):
                    same += 1
                else:
                    differ.append('%s %s:%s ours %s tshark %d' % (path, e[0], e[10], e[16], theirs[key]))
    return matched, same, differ


def pairing_totals(rows, res, corpus):
    """Pairing against tshark's http.request_in over every capture with
    responses: (agree, differ, [(path, differ)])."""
    agree = differ = 0
    worst = []
    for path in sorted({r[0] for r in rows if r[2] > 0}):
        full = os.path.join(corpus, path)
        if full not in res:
            continue
        detail = pairing_check(path, res[full], full)[2]
        m = re.search(r'agrees (\d+), differs (\d+)', detail)
        agree += int(m.group(1))
        differ += int(m.group(2))
        if int(m.group(2)):
            worst.append((path, int(m.group(2))))
    return agree, differ, worst


def pairing_checks(res, corpus):
    """Named pairing expectations of issue #3: (name, ok, detail)."""
    out = []
    zp = 'zeek/Traces/http/1000-requests-one-dropped-response.pcap'
    z = res.get(os.path.join(corpus, zp))
    if z is not None:
        name, ok, detail = pairing_check(zp, z, os.path.join(corpus, zp))
        fin = final_responses(z['x'])
        out.append((name + ': 999 responses, each with its request',
                    ok and len(fin) == 999, detail))
    tests = os.path.join(corpus, 'suricata-verify/tests')
    for zp in ['zeek/Traces/http/100-continue.pcap',
               'zeek/Traces/http/pipelined-requests.pcap']:
        path = os.path.join(corpus, zp)
        if path in res:
            out.append(pairing_check(zp, res[path], path))
    for name in PAIRING_TESTS:
        for d in sorted(os.listdir(tests)):
            if not d.startswith(name):
                continue
            folder = os.path.join(tests, d)
            for f in sorted(os.listdir(folder)):
                path = os.path.join(folder, f)
                if f.endswith(('.pcap', '.pcapng')) and path in res:
                    out.append(pairing_check(os.path.relpath(path, corpus),
                                             res[path], path))
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    build, corpus = argv[1], argv[2]
    write = argv[argv.index('--write') + 1] if '--write' in argv else None
    if not os.path.isdir(corpus) or not os.path.exists(os.path.join(build, 'libresplint_core.a')):
        print('http_counts: corpus or build missing, skipped')
        return 77
    rows = manifest_rows(corpus)
    files = sorted({os.path.join(corpus, r[0]) for r in rows})
    evader = os.path.join(corpus, 'suricata-verify/tests/http-evader')
    evaders = []
    for d in sorted(os.listdir(evader)):
        for f in sorted(os.listdir(os.path.join(evader, d))):
            if f.endswith('.pcap'):
                evaders.append(os.path.join(evader, d, f))
    extra = list(evaders)
    for d in sorted(os.listdir(os.path.join(corpus, 'suricata-verify/tests'))):
        if d.startswith(PAIRING_TESTS):
            folder = os.path.join(corpus, 'suricata-verify/tests', d)
            extra += [os.path.join(folder, f) for f in sorted(os.listdir(folder))
                      if f.endswith(('.pcap', '.pcapng'))]
    files = sorted(set(files) | set(extra))
    files = [f for f in files if os.path.exists(f)]
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_driver(build, tmp)
        res = run_driver(exe, files)
    lines, bad = check_counts(rows, res, corpus)
    crashes = [f for f, r in res.items() if r['err'] and r['err'].startswith('CRASH')]
    ev = [f for f in evaders if f in res]
    ev_forbidden = sum(1 for f in ev for e in res[f]['x'] if e[7] != '0')
    ev_notes = sum(1 for f in ev for n in res[f]['n'] if n[2] == 'data-after-message')
    hist = {}
    for f in ev:
        for e in res[f]['x']:
            for name in (e[13].split(',') if e[13] else []):
                hist[name] = hist.get(name, 0) + 1
        for n in res[f]['n']:
            hist['note ' + n[2]] = hist.get('note ' + n[2], 0) + 1
    pairs = pairing_checks(res, corpus)
    fmatched, fsame, fdiffer = field_check(rows, res, corpus)
    pagree, pdiffer, pworst = pairing_totals(rows, res, corpus)
    total_t = sum(r[2] for r in rows if os.path.join(corpus, r[0]) in res)
    total_got = sum(len(res[os.path.join(corpus, r[0])]['x']) for r in rows
                    if os.path.join(corpus, r[0]) in res)
    report = []
    differ = sum(1 for l in lines if not l[0])
    report.append('captures compared: %d; responses: tshark %d, resplint %d; '
                  'captures differing from tshark or raw: %d; fewer than tshark '
                  'over delivered bytes: %d; crashes: %d' % (
                      len(lines), total_t, total_got, differ, bad, len(crashes)))
    report.append('HTTP Evader captures run: %d; responses with forbidden '
                  'bytes: %d; data-after-message notes: %d' % (
                      len(ev), ev_forbidden, ev_notes))
    report.append('HTTP Evader events and notes: ' + ', '.join(
        '%s %d' % kv for kv in sorted(hist.items())))
    report.append('header lines per response vs tshark (ordinary traffic, '
                  'section b): %d responses matched by stream and frame, %d '
                  'agree' % (fmatched, fsame))
    for d in fdiffer[:20]:
        report.append('  fields differ: ' + d)
    report.append('pairing vs tshark http.request_in over every capture: '
                  '%d final responses agree, %d differ' % (pagree, pdiffer))
    for path, n in pworst:
        report.append('  pairing differs: %s (%d)' % (path, n))
    for name, ok, detail in pairs:
        report.append('%s %s: %s' % ('ok  ' if ok else 'FAIL', name, detail))
    report.append('')
    report.append('differences (path, tshark, raw, resplint, why):')
    for ok, path, resp, raw, got, err in lines:
        if not ok:
            report.append('  %s\t%d\t%s\t%d\t%s' % (path, resp, raw if raw is not None else '-', got, err or ''))
    for f in crashes:
        report.append('CRASH ' + f)
    text = '\n'.join(report) + '\n'
    sys.stdout.write(text)
    if write:
        with open(write, 'w') as f:
            f.write(text)
    failed_pairs = [p for p in pairs if not p[1]]
    return 0 if bad == 0 and not crashes and not failed_pairs else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
