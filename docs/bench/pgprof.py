#!/usr/bin/env python3
"""Where a running Omniglass Postgres spends its CPU: pgprof.py SECONDS DATA_DIR [OUT.json] [--perf].

DATA_DIR is the core's data dir (OMNIGLASS_DATA_DIR, or a `bench fleet --keep` dir): the postmaster's
pid and port are read from postgres/data/postmaster.pid, the superuser's password from
postgres.password. Over SECONDS it samples, once a second, /proc/PID/stat of the postmaster and every
descendant (so a backend that lives for less than the window is still counted, to within its last
second), and every 2 s pg_stat_activity (a backend's application_name and backend_type). It prints
Postgres' CPU (% of one core) by process kind, the client backends by application_name, and the
deltas of pg_stat_wal, pg_stat_database (summed over the databases) and, when the server has
pg_stat_statements in shared_preload_libraries, its statements grouped by kind (exec + plan time).
CPU of children that exited between two samples is in the postmaster's cutime: shown as 'exited,
unseen'. --perf also runs `perf record -a` over the window and gives the hottest symbols of this
server's processes (others' Postgres on a shared machine are filtered out by pid).
"""
import collections, json, os, re, subprocess, sys, time

HZ = os.sysconf('SC_CLK_TCK')


def psql(port, pw, sql, db='postgres'):
    env = dict(os.environ, PGPASSWORD=pw)
    r = subprocess.run(['psql', '-h', '127.0.0.1', '-p', str(port), '-U', 'postgres', '-d', db, '-XAtq', '-F', '\t', '-c', sql],
                       env=env, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return [line.split('\t') for line in r.stdout.splitlines() if line]


def procs():
    d = {}
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            st = open(f'/proc/{p}/stat').read()
            cmd = open(f'/proc/{p}/cmdline').read().replace('\0', ' ').strip()
        except OSError:
            continue
        f = st[st.rfind(')') + 2:].split()
        d[int(p)] = dict(ppid=int(f[1]), cpu=int(f[11]) + int(f[12]), ccpu=int(f[13]) + int(f[14]), start=int(f[19]), cmd=cmd)
    return d


def kind(cmd):
    if not cmd.startswith('postgres:'):
        return 'postmaster'
    rest = cmd[len('postgres:'):].strip()
    if rest.startswith('walsender'):
        return 'walsender'
    for k in ('autovacuum launcher', 'autovacuum worker', 'checkpointer', 'background writer', 'walwriter',
              'logical replication launcher', 'startup', 'archiver', 'io worker', 'walsummarizer'):
        if rest.startswith(k):
            return k
    return 'client backend'


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    use_perf = '--perf' in sys.argv
    secs = float(args[0])
    data = args[1]
    out = args[2] if len(args) > 2 else None
    lines = open(os.path.join(data, 'postgres', 'data', 'postmaster.pid')).read().splitlines()
    pm, port = int(lines[0]), int(lines[3])
    pw = open(os.path.join(data, 'postgres.password')).read().strip()

    def wal():
        r = psql(port, pw, "select wal_records, wal_fpi, wal_bytes, wal_write, wal_sync from pg_stat_wal")[0]
        return dict(zip(['wal_records', 'wal_fpi', 'wal_bytes', 'wal_write', 'wal_sync'], map(float, r)))

    def dbstat():
        r = psql(port, pw, "select sum(xact_commit), sum(xact_rollback), sum(tup_inserted), sum(tup_updated), "
                           "sum(tup_deleted), sum(tup_returned), sum(tup_fetched), sum(sessions), sum(blks_hit), sum(blks_read), "
                           "count(*) from pg_stat_database where datname is not null")[0]
        return dict(zip(['xact_commit', 'xact_rollback', 'tup_inserted', 'tup_updated', 'tup_deleted', 'tup_returned',
                         'tup_fetched', 'sessions', 'blks_hit', 'blks_read', 'databases'], map(float, r)))

    def stmts():
        # summed over the databases (an entry is per database); reset at the window's start, so that
        # entries evicted and made again (200 databases x their statements) do not spoil a difference
        try:
            rows = psql(port, pw, "select sum(calls), sum(total_exec_time), sum(total_plan_time), sum(rows), sum(wal_bytes), "
                                  "sum(wal_fpi), regexp_replace(left(query, 300), '\\s+', ' ', 'g') q from pg_stat_statements group by q")
        except RuntimeError:
            return None
        return {r[6]: tuple(float(x) for x in r[:6]) + (r[6],) for r in rows}

    def stmts_reset():
        try:
            psql(port, pw, "select pg_stat_statements_reset()")
            return {}
        except RuntimeError:
            return None

    def activity(into):
        for pid, bt, app, db in psql(port, pw, "select pid, coalesce(backend_type,''), coalesce(application_name,''), "
                                               "coalesce(datname,'') from pg_stat_activity"):
            into[int(pid)] = (bt, app, db)

    def tree(d):
        kids = collections.defaultdict(list)
        for p, v in d.items():
            kids[v['ppid']].append(p)
        got, todo = set(), [pm]
        while todo:
            p = todo.pop()
            if p not in got:
                got.add(p)
                todo.extend(kids[p])
        return got

    try:  # only where the server preloads it; tracks every database from this one
        psql(port, pw, "create extension if not exists pg_stat_statements")
    except RuntimeError:
        pass
    apps = {}
    activity(apps)
    w0, d0, s0 = wal(), dbstat(), stmts_reset()
    perf = None
    if use_perf:
        perf = subprocess.Popen(['perf', 'record', '-a', '-F', '199', '-o', '/tmp/pgprof-perf.data', '--', 'sleep', str(int(secs))],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    snap0 = procs()
    keep0 = tree(snap0)
    first = {p: snap0[p] for p in keep0}
    last = dict(first)
    born_after = {}
    boot = time.time() - float(open('/proc/uptime').read().split()[0])
    t0 = time.time()
    n = 0
    while time.time() - t0 < secs:
        time.sleep(1)
        n += 1
        s = procs()
        for p in tree(s):
            if p not in first:
                first[p] = None  # born during the window: counted from 0
                born_after[p] = True
            last[p] = s[p]
        if n % 2 == 0:
            try:
                activity(apps)
            except Exception:
                pass
    elapsed = time.time() - t0
    w1, d1, s1 = wal(), dbstat(), stmts()
    activity(apps)

    cpu = collections.defaultdict(float)
    count = collections.defaultdict(int)
    by_app = collections.defaultdict(float)
    by_app_n = collections.defaultdict(int)
    pm_c = (last[pm]['ccpu'] - first[pm]['ccpu']) / HZ
    seen_dead = 0.0
    alive = procs()
    for p, v in last.items():
        base = first.get(p)
        c = (v['cpu'] - (base['cpu'] if base else 0)) / HZ
        k = kind(v['cmd']) if p != pm else 'postmaster'
        cpu[k] += c
        count[k] += 1
        if p not in alive or alive[p]['start'] != v['start']:
            seen_dead += v['cpu'] / HZ if not base else (v['cpu'] - base['cpu']) / HZ
        if k == 'client backend':
            app = apps.get(p, ('', '?', ''))[1] or '(none)'
            app = re.sub(r'\d+', 'N', app)
            by_app[app] += c
            by_app_n[app] += 1
    unseen = max(0.0, pm_c - seen_dead)
    cpu['exited, unseen'] += unseen
    total = sum(cpu.values())
    res = dict(seconds=round(elapsed, 1), load_average=open('/proc/loadavg').read().split()[:3],
               postgres_cpu_percent_of_one_core=round(100 * total / elapsed, 1),
               by_kind={k: dict(percent_of_one_core=round(100 * v / elapsed, 2), processes=count[k])
                        for k, v in sorted(cpu.items(), key=lambda x: -x[1])},
               client_backends_by_application={k: dict(percent_of_one_core=round(100 * v / elapsed, 2), processes=by_app_n[k])
                                               for k, v in sorted(by_app.items(), key=lambda x: -x[1])},
               wal={k: round(w1[k] - w0[k]) for k in w0},
               databases={k: round(d1[k] - d0[k]) if k != 'databases' else d1[k] for k in d0},
               new_processes=len(born_after))
    if s0 is not None and s1 is not None:
        agg = {}
        for key, v in s1.items():
            b = s0.get(key, (0, 0, 0, 0, 0, 0, ''))
            dv = [v[i] - b[i] for i in range(6)]
            if dv[0] <= 0:
                continue
            agg[key] = dv + [v[6]]
        tot_ms = sum(a[1] + a[2] for a in agg.values()) or 1
        top = sorted(agg.values(), key=lambda a: -(a[1] + a[2]))[:40]
        res['statements_total_exec_plus_plan_ms'] = round(tot_ms)
        res['statements'] = [dict(calls=int(a[0]), exec_ms=round(a[1]), plan_ms=round(a[2]), share=round((a[1] + a[2]) / tot_ms, 3),
                                  rows=int(a[3]), wal_bytes=int(a[4]), wal_fpi=int(a[5]), query=a[6][:200]) for a in top]
    if perf is not None:
        perf.wait()
        mine = set(last)
        txt = subprocess.run(['perf', 'script', '-i', '/tmp/pgprof-perf.data', '-F', 'pid,ip,sym,dso'],
                             capture_output=True, text=True).stdout
        syms = collections.Counter()
        bykind = collections.defaultdict(collections.Counter)
        tot = 0
        for line in txt.splitlines():
            m = re.match(r'\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$', line)
            if not m:
                continue
            p = int(m.group(1))
            if p not in mine:
                continue
            tot += 1
            sym = m.group(2) + ' [' + os.path.basename(m.group(3)) + ']'
            syms[sym] += 1
            bykind[kind(last[p]['cmd']) if p != pm else 'postmaster'][sym] += 1
        res['perf_samples'] = tot
        res['perf_top'] = [(s, c, round(c / max(tot, 1), 3)) for s, c in syms.most_common(40)]
        res['perf_top_by_kind'] = {k: [(s, c) for s, c in v.most_common(12)] for k, v in bykind.items()}
    text = json.dumps(res, indent=1)
    print(text)
    if out:
        open(out, 'w').write(text + '\n')


if __name__ == '__main__':
    main()
