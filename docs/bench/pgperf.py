#!/usr/bin/env python3
"""The hottest symbols of one Postgres server's processes in a `perf record -a` file: pgperf.py PERF.DATA POSTMASTER_PID.

On a shared machine the other Postgres servers' samples are left out: the server's processes are
the postmaster and every process forked under it (perf's own FORK events, so a backend or an
autovacuum worker that lived for a fraction of a second is counted too). Each process is put in a
kind by the symbols of its samples (autovacuum worker, walsender, ...), because every Postgres
process has the same comm.
"""
import collections, re, subprocess, sys

SIGS = [
    ('autovacuum worker', ('do_autovacuum', 'AutoVacWorkerMain', 'table_recheck_autovac', 'heap_vacuum_rel', 'lazy_scan_heap',
                           'do_analyze_rel', 'acquire_sample_rows', 'vacuum_rel', 'relation_needs_vacanalyze', 'autovac_')),
    ('walsender', ('WalSnd', 'XLogSendLogical', 'LogicalDecodingProcessRecord', 'DecodeXLogRecord', 'XLogDecodeNextRecord',
                   'ReorderBuffer', 'pgoutput', 'XLogReadRecord', 'WALRead', 'logicalrep_')),
    ('checkpointer', ('CheckpointerMain', 'CheckPointBuffers', 'BufferSync')),
    ('walwriter', ('WalWriterMain', 'XLogBackgroundFlush')),
]


def main():
    data, pm = sys.argv[1], int(sys.argv[2])
    txt = subprocess.run(['perf', 'script', '-i', data, '--show-task-events', '-F', 'pid,ip,sym,dso'],
                         capture_output=True, text=True).stdout
    kids = collections.defaultdict(set)
    samples = []
    for line in txt.splitlines():
        m = re.search(r'PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)', line)
        if m:
            kids[int(m.group(2))].add(int(m.group(1)))
            continue
        m = re.match(r'\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$', line)
        if m:
            samples.append((int(m.group(1)), m.group(2), m.group(3).rsplit('/', 1)[-1]))
    mine, todo = set(), [pm]
    while todo:
        p = todo.pop()
        if p not in mine:
            mine.add(p)
            todo.extend(kids[p])
    per_pid = collections.defaultdict(collections.Counter)
    for p, s, d in samples:
        if p in mine:
            per_pid[p][s + ' [' + d + ']'] += 1
    kind = {}
    for p, c in per_pid.items():
        k = 'postmaster' if p == pm else 'client backend'
        for name, sigs in SIGS:
            if any(any(g in s for g in sigs) for s in c):
                k = name
                break
        kind[p] = k
    tot = sum(sum(c.values()) for c in per_pid.values())
    bykind = collections.defaultdict(collections.Counter)
    nproc = collections.Counter()
    for p, c in per_pid.items():
        bykind[kind[p]].update(c)
        nproc[kind[p]] += 1
    allsyms = collections.Counter()
    for c in per_pid.values():
        allsyms.update(c)
    print(f'{tot} samples of {len(per_pid)} processes under postmaster {pm} ({len(mine)} forked in the file)')
    for k, c in sorted(bykind.items(), key=lambda x: -sum(x[1].values())):
        n = sum(c.values())
        print(f'\n{k}: {n} samples ({100 * n / max(tot, 1):.1f} %), {nproc[k]} processes')
        for s, v in c.most_common(15):
            print(f'   {v:6d} {100 * v / n:5.1f} %  {s}')
    print('\nall:')
    for s, v in allsyms.most_common(40):
        print(f'   {v:6d} {100 * v / max(tot, 1):5.1f} %  {s}')


if __name__ == '__main__':
    main()
