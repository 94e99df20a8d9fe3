#!/usr/bin/env python3
"""Where a live datapoint's WAL and transactions go: walperdp.py SECONDS DATA_DIR [OUT.json] [--label TEXT].

DATA_DIR is a running core's data dir (a `bench fleet --keep` dir during its live warm-up). Over
SECONDS it takes, from the server itself:
  - the WAL written between two pg_current_wal_lsn() readings, by record type (pg_walinspect's
    pg_get_wal_stats, per record) and by relation (pg_get_wal_block_info: a record is counted once,
    under the relation of its first block; relfilenodes are named in their own database);
  - pg_stat_database's xact_commit / xact_rollback / sessions per database (control, tenants, rest);
  - the datapoints stored, from the same WAL: the rows of the inserts into datapoint partitions
    (a COPY's Heap2/MULTI_INSERT names its ntuples), so the count covers exactly the window;
  - Postgres' CPU: the postmaster, its live children and its reaped children (/proc cutime), so a
    process that lived inside the window is counted.
and divides by the datapoints stored. pg_walinspect ships in the embedded bundle; the script makes
the extension in the `postgres` database if missing (the WAL it reads is the whole server's).
"""
import collections, json, os, re, subprocess, sys, time

HZ = os.sysconf('SC_CLK_TCK')


def psql(port, pw, sql, db='postgres'):
    env = dict(os.environ, PGPASSWORD=pw)
    r = subprocess.run(['psql', '-h', '127.0.0.1', '-p', str(port), '-U', 'postgres', '-d', db, '-XAtq', '-F', '\t', '-c', sql],
                       env=env, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return [line.split('\t') for line in r.stdout.splitlines() if line]


def tree_cpu(pm):
    """CPU seconds of the postmaster, its live descendants and its reaped children."""
    kids = collections.defaultdict(list)
    stats = {}
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            st = open(f'/proc/{p}/stat').read()
        except OSError:
            continue
        f = st[st.rfind(')') + 2:].split()
        stats[int(p)] = (int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14]))
        kids[int(f[1])].append(int(p))
    total, todo = 0, [pm]
    while todo:
        p = todo.pop()
        if p in stats:
            _, own, reaped = stats[p]
            total += own + reaped
        todo.extend(kids.get(p, []))
    return total / HZ


def databases(port, pw):
    return [r[0] for r in psql(port, pw, "select datname from pg_database where datallowconn and not datistemplate")]


def db_stats(port, pw):
    return {r[0]: dict(commit=int(r[1]), rollback=int(r[2]), sessions=int(r[3] or 0), tup_inserted=int(r[4]), tup_updated=int(r[5]))
            for r in psql(port, pw, "select datname, xact_commit, xact_rollback, sessions, tup_inserted, tup_updated "
                                    "from pg_stat_database where datname is not null")}


def kind_of(db):
    if db.startswith('og_t_'):
        return 'tenant'
    return db


def main():
    argv = sys.argv[1:]
    label = ''
    if '--label' in argv:
        i = argv.index('--label')
        label = argv[i + 1]
        del argv[i:i + 2]
    secs, data = float(argv[0]), argv[1]
    out = argv[2] if len(argv) > 2 else None
    lines = open(os.path.join(data, 'postgres', 'data', 'postmaster.pid')).read().splitlines()
    pm, port = int(lines[0]), int(lines[3])
    pw = open(os.path.join(data, 'postgres.password')).read().strip()
    psql(port, pw, "create extension if not exists pg_walinspect")
    dbs = databases(port, pw)

    # the reads themselves are a few transactions in the postgres database: taken before the first LSN and after the last
    st0 = db_stats(port, pw)
    cpu0, t0 = tree_cpu(pm), time.time()
    lsn0 = psql(port, pw, "select pg_current_wal_lsn()")[0][0]
    load0 = open('/proc/loadavg').read().split()[:3]
    time.sleep(secs)
    lsn1 = psql(port, pw, "select pg_current_wal_lsn()")[0][0]
    cpu1, t1 = tree_cpu(pm), time.time()
    load1 = open('/proc/loadavg').read().split()[:3]
    st1 = db_stats(port, pw)

    # a record under the relation of its first block; relfilenodes named in their database
    blocks = psql(port, pw, f"select reldatabase, relfilenode, count(*), sum(record_length), sum(block_fpi_length), "
                            f"string_agg(distinct resource_manager || '/' || record_type, ','), "
                            f"sum(case when record_type = 'MULTI_INSERT' then substring(description from 'ntuples: (\\d+)')::int "
                            f"when record_type = 'INSERT' then 1 else 0 end) "
                            f"from pg_get_wal_block_info('{lsn0}', '{lsn1}', false) where block_id = 0 "
                            f"group by 1, 2")
    oid_db = {r[0]: r[1] for r in psql(port, pw, "select oid, datname from pg_database")}
    names = {}
    for dboid in {b[0] for b in blocks}:
        dbname = oid_db.get(dboid)
        if dbname is None or dbname not in dbs:
            continue
        nodes = ','.join(sorted({b[1] for b in blocks if b[0] == dboid}))
        for r in psql(port, pw, f"select n, coalesce(pg_filenode_relation(0, n)::text, '?') from unnest('{{{nodes}}}'::oid[]) n",
                      db=dbname):
            names[(dboid, r[0])] = r[1]
    stored = sum(int(b[6] or 0) for b in blocks
                 if re.match(r'^(metric|state|log)_datapoint_p\d{8}$', names.get((b[0], b[1]), '')))
    per = (lambda x: round(x / stored, 3)) if stored else (lambda x: None)

    recs = psql(port, pw, f"select \"resource_manager/record_type\", count, record_size, fpi_size, combined_size "
                          f"from pg_get_wal_stats('{lsn0}', '{lsn1}', true) where count > 0 order by combined_size desc")
    total_records = sum(int(r[1]) for r in recs)
    total_bytes = sum(int(r[4]) for r in recs)
    fpi_bytes = sum(int(r[3]) for r in recs)
    by_type = [dict(type=r[0], records=int(r[1]), bytes=int(r[4]), fpi_bytes=int(r[3]),
                    records_per_datapoint=per(int(r[1])), bytes_per_datapoint=per(int(r[4])))
               for r in recs]

    by_rel = collections.defaultdict(lambda: [0, 0, 0, set()])
    for b in blocks:
        dbname = oid_db.get(b[0], 'shared' if b[0] == '0' else b[0])
        rel = names.get((b[0], b[1]), 'catalog/other')
        # partitions and tenants folded: metric_datapoint_p20261204 -> metric_datapoint_p*
        rel = re.sub(r'_p\d{8}', '_p*', rel)
        key = (kind_of(dbname), rel)
        by_rel[key][0] += int(b[2])
        by_rel[key][1] += int(b[3])
        by_rel[key][2] += int(b[4] or 0)
        by_rel[key][3].update(b[5].split(','))
    rel_rows = sorted(([k[0], k[1], v[0], v[1], v[2], sorted(v[3])] for k, v in by_rel.items()), key=lambda r: -r[2])
    by_relation = [dict(database=r[0], relation=r[1], records=r[2], bytes=r[3], fpi_bytes=r[4],
                        records_per_datapoint=per(r[2]), bytes_per_datapoint=per(r[3]), record_types=r[5])
                   for r in rel_rows]

    xacts = collections.defaultdict(lambda: collections.Counter())
    for d, s in st1.items():
        b = st0.get(d, dict(commit=0, rollback=0, sessions=0, tup_inserted=0, tup_updated=0))
        k = kind_of(d)
        for f in s:
            xacts[k][f] += s[f] - b[f]
    xact_rows = {k: dict(v, commits_per_datapoint=per(v['commit']), rollbacks_per_datapoint=per(v['rollback']))
                 for k, v in xacts.items()}
    seconds = t1 - t0
    cpu_s = cpu1 - cpu0
    result = dict(
        what='WAL, transactions and Postgres CPU per live datapoint stored (docs/bench/walperdp.py)',
        label=label, seconds=round(seconds, 1), load_average_start=load0, load_average_end=load1,
        datapoints_stored=stored, datapoints_per_s=round(stored / seconds, 1),
        tenant_databases=sum(1 for d in dbs if d.startswith('og_t_')),
        wal=dict(records=total_records, bytes=total_bytes, fpi_bytes=fpi_bytes,
                 records_per_datapoint=per(total_records), bytes_per_datapoint=per(total_bytes)),
        postgres_cpu=dict(percent_of_one_core=round(100 * cpu_s / seconds, 1),
                          ms_per_1000_datapoints=round(1e6 * cpu_s / stored, 0) if stored else None),
        transactions=xact_rows,
        wal_by_record_type=by_type[:25],
        wal_by_relation=by_relation[:30],
    )
    text = json.dumps(result, indent=1)
    print(text)
    if out:
        with open(out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
