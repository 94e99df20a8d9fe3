#!/usr/bin/env python3
"""CPU by process kind over an interval, from /proc: cpuby.py SECONDS [ROOT_PID[,ROOT_PID...]].

With ROOT_PIDs only those processes and their descendants are counted (the bench's JVM and the
postmaster, which pg_ctl started outside the JVM's tree) (the machine is shared: another
engineer's Postgres or nats-server would otherwise be summed in). Percentages are of one core.
"""
import os, time, collections, sys

def snap():
    d = {}
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            st = open(f'/proc/{p}/stat').read()
            cmd = open(f'/proc/{p}/cmdline').read().replace('\0', ' ')[:80]
        except OSError:
            continue
        f = st[st.rfind(')') + 2:].split()
        d[p] = (int(f[11]), int(f[12]), cmd, f[1])  # utime, stime, cmdline, ppid
    return d

def tree(d, roots):
    kids = collections.defaultdict(list)
    for p, v in d.items():
        kids[v[3]].append(p)
    out, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.add(p)
        todo.extend(kids[p])
    return out

def kind(c):
    if c.startswith('postgres:'):
        parts = c.split()
        if 'walsender' in c:
            return 'pg walsender'
        if len(parts) > 1 and (parts[1] == 'postgres' or parts[1].startswith('og')):
            return 'pg backend'
        return 'pg ' + (parts[1] if len(parts) > 1 else '?')
    return c.split()[0] if c else '?'

t = float(sys.argv[1]) if len(sys.argv) > 1 else 5
roots = sys.argv[2].split(',') if len(sys.argv) > 2 else None
a = snap(); time.sleep(t); b = snap()
keep = tree(b, roots) | tree(a, roots) if roots else set(b)
agg = collections.defaultdict(lambda: [0, 0, 0, 0])
for p, (u, s, c, _) in b.items():
    if p not in keep:
        continue
    u0, s0 = (a[p][0], a[p][1]) if p in a else (0, 0)
    g = agg[kind(c)]
    g[0] += u - u0; g[1] += s - s0; g[2] += 0 if p in a else 1; g[3] += 1
hz = os.sysconf('SC_CLK_TCK')
tot = 0
for k, (u, s, n, alive) in sorted(agg.items(), key=lambda x: -(x[1][0] + x[1][1]))[:12]:
    tot += u + s
    print(f"{k[:40]:40s} user {100*u/hz/t:6.1f}% sys {100*s/hz/t:6.1f}%  procs {alive:4d} new {n}")
print(f"{'total':40s} {100*tot/hz/t:6.1f}% of a core")
