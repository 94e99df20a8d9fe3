// A probe run by hand, not part of the build: what one CDC drain of a tenant slot costs, on a Postgres of
// its own (port 55432, trust auth, wal_level=logical). Figures: docs/bench/s10-cdc-drain-probe.json.
// java -cp postgresql-42.7.4.jar Drain.java TENANTS repl|sql DRAINS OTHER_WAL_KB_PER_S
import java.sql.*; import java.util.*; import java.nio.file.*; import java.lang.management.*;
import org.postgresql.PGConnection; import org.postgresql.replication.*;
public class Drain {
  static String url(String db){return "jdbc:postgresql://127.0.0.1:55432/"+db+"?user=postgres";}
  static long ticks(long pid) throws Exception { String s=Files.readString(Path.of("/proc/"+pid+"/stat")); String[] f=s.substring(s.lastIndexOf(')')+2).split(" "); return Long.parseLong(f[11])+Long.parseLong(f[12]); }
  static long childTicks(long pid) throws Exception { String s=Files.readString(Path.of("/proc/"+pid+"/stat")); String[] f=s.substring(s.lastIndexOf(')')+2).split(" "); return Long.parseLong(f[13])+Long.parseLong(f[14]); }
  public static void main(String[] a) throws Exception {
    int n=Integer.parseInt(a[0]); String mode=a[1]; int drains=Integer.parseInt(a[2]); int replayKb=Integer.parseInt(a[3]);
    long postmaster=Long.parseLong(Files.readAllLines(Path.of("/tmp/s10/pgx/data/postmaster.pid")).get(0).trim());
    try(Connection c=DriverManager.getConnection(url("postgres"))){
      for(int i=0;i<n;i++){ try(ResultSet r=c.createStatement().executeQuery("select 1 from pg_database where datname='d"+i+"'")){ if(r.next()) continue; }
        c.createStatement().execute("create database d"+i);
        try(Connection d=DriverManager.getConnection(url("d"+i))){ Statement st=d.createStatement();
          st.execute("create table t(id bigserial primary key, v text)"); st.execute("create publication p for table t");
          st.execute("select pg_create_logical_replication_slot('s"+i+"','pgoutput')"); } }
      c.createStatement().execute("create table if not exists bulk(v text)");
    }
    Connection[] live=new Connection[n]; for(int i=0;i<n;i++){ live[i]=DriverManager.getConnection(url("d"+i)); live[i].setAutoCommit(true);}
    // load: 300 commits/s round robin + optional bulk WAL in db postgres
    Thread load=new Thread(()->{ try{ PreparedStatement[] ps=new PreparedStatement[n]; for(int i=0;i<n;i++) ps[i]=live[i].prepareStatement("insert into t(v) values (repeat('x',150))");
      long next=System.nanoTime(); int k=0; while(!Thread.interrupted()){ ps[k++%n].executeUpdate(); next+=3_333_333; long w=next-System.nanoTime(); if(w>0) Thread.sleep(w/1_000_000,(int)(w%1_000_000)); } }catch(Exception e){} });
    load.setDaemon(true); load.start();
    Thread bulk=new Thread(()->{ if(replayKb==0) return; try(Connection b=DriverManager.getConnection(url("postgres"))){ PreparedStatement ps=b.prepareStatement("insert into bulk select repeat('y',100) from generate_series(1,?)");
      while(!Thread.interrupted()){ ps.setInt(1, replayKb*1024/140/10); ps.executeUpdate(); Thread.sleep(100);} }catch(Exception e){} });
    bulk.setDaemon(true); bulk.start();
    Thread.sleep(3000);
    Connection[] dc=new Connection[n]; long[] pids=new long[n];
    if(mode.equals("sql")) for(int i=0;i<n;i++){ dc[i]=DriverManager.getConnection(url("d"+i)); try(ResultSet r=dc[i].createStatement().executeQuery("select pg_backend_pid()")){r.next();pids[i]=r.getLong(1);} }
    ThreadMXBean tm=ManagementFactory.getThreadMXBean();
    long b0=0; for(int i=0;i<n&&mode.equals("sql");i++) b0+=ticks(pids[i]); long c0=childTicks(postmaster); long j0=tm.getCurrentThreadCpuTime(); long t0=System.nanoTime(); long rows=0;
    for(int k=0;k<drains;k++){ int i=k%n;
      if(mode.equals("sql")){ String lsn=null;
        try(ResultSet r=dc[i].createStatement().executeQuery("select lsn::text from pg_logical_slot_peek_binary_changes('s"+i+"', NULL, NULL, 'proto_version','1','publication_names','p')")){ while(r.next()){rows++; lsn=r.getString(1);} }
        if(lsn!=null) try(PreparedStatement ps=dc[i].prepareStatement("select pg_replication_slot_advance('s"+i+"', ?::pg_lsn)")){ps.setString(1,lsn); ps.executeQuery().close();}
      } else {
        Properties p=new Properties(); p.setProperty("user","postgres"); p.setProperty("replication","database"); p.setProperty("assumeMinServerVersion","10"); p.setProperty("preferQueryMode","simple");
        try(Connection rc=DriverManager.getConnection(url("d"+i),p)){ String end; try(ResultSet r=rc.createStatement().executeQuery("select pg_current_wal_lsn()::text")){r.next(); end=r.getString(1);} LogSequenceNumber endL=LogSequenceNumber.valueOf(end);
          PGReplicationStream s=rc.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical().withSlotName("s"+i).withSlotOption("proto_version","1").withSlotOption("publication_names","p").withStatusInterval(10,java.util.concurrent.TimeUnit.SECONDS).start();
          while(true){ java.nio.ByteBuffer m=s.readPending(); if(m==null){ if(s.getLastReceiveLSN().compareTo(endL)>=0) break; Thread.sleep(1); continue;} rows++; }
          s.setAppliedLSN(s.getLastReceiveLSN()); s.setFlushedLSN(s.getLastReceiveLSN()); s.forceUpdateStatus(); s.close(); }
      } }
    long t1=System.nanoTime(); long j1=tm.getCurrentThreadCpuTime(); Thread.sleep(500); long c1=childTicks(postmaster); long b1=0; for(int i=0;i<n&&mode.equals("sql");i++) b1+=ticks(pids[i]);
    double secs=(t1-t0)/1e9; System.out.printf("mode=%s tenants=%d drains=%d rows=%d wall=%.1fs drains/s=%.1f  per drain: backend %.2f ms (exited backends %.2f ms), jvm thread %.2f ms, wall %.1f ms%n",
      mode,n,drains,rows,secs,drains/secs,(b1-b0)*10.0/drains,(c1-c0)*10.0/drains,(j1-j0)/1e6/drains,secs*1000/drains);
    System.exit(0);
  }
}
