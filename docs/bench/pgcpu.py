#!/usr/bin/env python3
"""Samples every Postgres process's CPU (utime+stime from /proc) every second and, at the end
(SIGTERM or after N seconds), prints CPU seconds by process kind (walsender, client backend,
autovacuum, checkpointer, ...). Short-lived processes count from their first sample on."""
import os, sys, time, signal, json, re
HZ = os.sysconf('SC_CLK_TCK')
last = {}; total = {}; kinds = {}
stop = False
def onterm(*a):
    global stop; stop = True
signal.signal(signal.SIGTERM, onterm)
def kind(cmd):
    if 'walsender' in cmd: return 'walsender'
    if 'autovacuum' in cmd: return 'autovacuum'
    for k in ('checkpointer','background writer','walwriter','logical replication','stats','archiver'):
        if k in cmd: return k
    if cmd.startswith('postgres: ') and ('idle' in cmd or 'SELECT' in cmd or 'INSERT' in cmd or 'COPY' in cmd or 'UPDATE' in cmd or 'COMMIT' in cmd or 'in transaction' in cmd or 'DELETE' in cmd or 'CREATE' in cmd or 'ALTER' in cmd or 'BIND' in cmd or 'PARSE' in cmd or 'authentication' in cmd or 'startup' in cmd or re.search(r'postgres: \S+ \S+ 127', cmd)): return 'client backend'
    if '/bin/postgres' in cmd: return 'postmaster'
    return 'other postgres'
# PGCPU_POSTMASTER_MATCH: count only the postmaster whose command line contains this text (its
# data dir, say) and its children: the machine may run other Postgres servers
MATCH = os.environ.get('PGCPU_POSTMASTER_MATCH')
def ppid(pid):
    try:
        for line in open(f'/proc/{pid}/status'):
            if line.startswith('PPid:'): return line.split()[1]
    except Exception:
        return None
def ours(pid, cmd):
    if MATCH is None: return True
    if MATCH in cmd and '/bin/postgres' in cmd: return True
    try:
        parent = open(f'/proc/{ppid(pid)}/cmdline','rb').read().replace(b'\0',b' ').decode(errors='replace')
    except Exception:
        return False
    return MATCH in parent
secs = float(sys.argv[1]) if len(sys.argv) > 1 else 1e9
out = sys.argv[2] if len(sys.argv) > 2 else None
t0 = time.time()
while not stop and time.time() - t0 < secs:
    for pid in os.listdir('/proc'):
        if not pid.isdigit(): continue
        try:
            cmd = open(f'/proc/{pid}/cmdline','rb').read().replace(b'\0',b' ').decode(errors='replace')
            if not (cmd.startswith('postgres') or '/bin/postgres' in cmd): continue
            if not ours(pid, cmd): continue
            st = open(f'/proc/{pid}/stat').read().rsplit(')',1)[1].split()
            cpu = (int(st[11]) + int(st[12])) / HZ
        except Exception:
            continue
        k = kind(cmd); kinds[pid] = k
        prev = last.get(pid)
        if prev is not None:
            total[k] = total.get(k, 0) + max(0, cpu - prev)
        last[pid] = cpu
    time.sleep(1)
el = time.time() - t0
res = {'seconds': round(el,1), 'cpu_seconds_by_kind': {k: round(v,2) for k,v in sorted(total.items(), key=lambda x:-x[1])},
       'percent_of_one_core_by_kind': {k: round(100*v/el,1) for k,v in sorted(total.items(), key=lambda x:-x[1])}}
s = json.dumps(res, indent=1)
print(s)
if out: open(out,'w').write(s)
