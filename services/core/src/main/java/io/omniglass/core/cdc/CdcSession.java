package io.omniglass.core.cdc;

import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.omniglass.core.tenancy.TenantStreams;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;

/**
 * One run of a tenant's slot into JetStream: a logical replication stream from the slot's confirmed
 * position, every change published asynchronously with a bounded window of PubAcks in flight, and
 * the slot's flushed position moved to the end of the newest transaction whose changes are all
 * acknowledged. Any failure (Postgres, NATS, a PubAck timeout, the fence) ends the run; the next
 * run starts again from the confirmed position and JetStream drops the republished duplicates.
 */
public final class CdcSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CdcSession.class);

    /** Where the tenant's slot lives and how to reach it. */
    public record Source(String slug, String slot, String jdbcUrl, String user, String password) {
    }

    public record Settings(int maxInFlight, Duration statusInterval, Duration heartbeatAfterIdle, Duration ackTimeout) {
        public static Settings defaults() {
            return new Settings(8192, Duration.ofMillis(500), Duration.ofSeconds(15), Duration.ofSeconds(10));
        }
    }

    /** Told of every acknowledged change, on a NATS thread (the benchmark measures latency here). */
    public interface AckListener {
        void acked(long xid, long commitTsMicros);

        /** A transaction's first message arrived from the walsender. */
        default void received(long xid, long commitTsMicros) {
        }
    }

    /** One transaction on its way: its changes in flight, and the position to confirm once all are acked. */
    private static final class Txn {
        final long commitTsMicros;
        final AtomicInteger pending = new AtomicInteger(1); // 1 until the commit message is seen
        long endLsn;

        final long xid;

        Txn(long xid, long commitTsMicros) {
            this.xid = xid;
            this.commitTsMicros = commitTsMicros;
        }
    }

    private static final long IDLE_AFTER_NANOS = 250_000_000L;
    private static final long IDLE_POLL_MILLIS = 5;

    private final Source source;
    private final io.nats.client.Connection nats;
    private final String replyPrefix;
    private final Dispatcher acks;
    private final AtomicReferenceArray<Txn> awaitingAck;
    private long nextPublishSeq;
    private final BooleanSupplier fence;
    private final CdcStats stats;
    private final AckListener listener;
    private final Settings settings;
    private final Runnable heartbeat;

    private final Map<Integer, PgOutput.Relation> relations = new HashMap<>();
    private final ArrayDeque<Txn> inFlight = new ArrayDeque<>();
    private final Semaphore window;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ChangeEncoder encoder = new ChangeEncoder();

    private Connection replicationConnection;
    private PGReplicationStream stream;
    private Txn current;
    private String currentLsn;
    private long currentXid;
    private String currentCommitTs;
    private int position;
    private long flushed;
    private long lastStatusNanos;
    private long lastActivityNanos = System.nanoTime();

    public CdcSession(Source source, io.nats.client.Connection nats, BooleanSupplier fence, CdcStats stats,
               AckListener listener, Settings settings, Runnable heartbeat) {
        this.source = source;
        this.fence = fence;
        this.stats = stats;
        this.listener = listener;
        this.settings = settings;
        this.heartbeat = heartbeat;
        this.window = new Semaphore(settings.maxInFlight());
        this.nats = nats;
        // JetStream publishes as plain request/reply on one wildcard inbox: the PubAck's subject
        // names the publish, and a ring of the transactions awaiting acks replaces a future, a
        // timer and a parsed JSON object per change
        this.awaitingAck = new AtomicReferenceArray<>(settings.maxInFlight());
        this.replyPrefix = nats.createInbox() + ".";
        this.acks = nats.createDispatcher(this::onAck);
        this.acks.subscribe(replyPrefix + "*");
    }

    /** Streams until the fence drops (returns) or something fails (throws). */
    public void run() throws Exception {
        open();
        while (fence.getAsBoolean()) {
            checkFailure();
            checkConnection();
            // readPending waits up to 1 ms on the socket when nothing is buffered; no blocking read(),
            // which can hang on an idle slot in some pgjdbc 42.7.x releases (pgjdbc issue 4328)
            ByteBuffer buf = stream.readPending();
            if (buf == null) {
                advance(true);
                maybeHeartbeat();
                if (System.nanoTime() - lastActivityNanos > IDLE_AFTER_NANOS) {
                    Thread.sleep(IDLE_POLL_MILLIS); // a quiet tenant polls less often
                }
                continue;
            }
            lastActivityNanos = System.nanoTime();
            handle(PgOutput.decode(buf));
        }
        log.info("cdc {}: fence dropped, replication stopped", source.slug());
    }

    static Properties replicationProperties(Source source) {
        Properties p = new Properties();
        PGProperty.USER.set(p, source.user());
        PGProperty.PASSWORD.set(p, source.password());
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        PGProperty.APPLICATION_NAME.set(p, "omniglass-cdc");
        PGProperty.TCP_KEEP_ALIVE.set(p, true);
        return p;
    }

    static PGReplicationStream startStream(Connection replicationConnection, Source source, Duration statusInterval) throws SQLException {
        return replicationConnection.unwrap(PGConnection.class).getReplicationAPI()
                .replicationStream().logical()
                .withSlotName(source.slot())
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", io.omniglass.core.tenancy.Tenant.publicationName())
                .withStatusInterval((int) statusInterval.toMillis(), TimeUnit.MILLISECONDS)
                // pgjdbc 42.7.4 has no withAutomaticFlush(false) (42.7.5+; newer releases break
                // jOOQ 3.19 codegen here). Its keepalive handling only moves the flushed position
                // past the server's position when the last received message was explicitly
                // flushed, and we flush a commit only after every PubAck up to it, so nothing
                // unacknowledged is ever confirmed.
                .start();
    }

    private void open() throws SQLException, InterruptedException {
        Properties p = replicationProperties(source);
        SQLException last = null;
        // only one consumer per slot: after a leader died, its walsender lingers until Postgres notices
        while (fence.getAsBoolean()) {
            try {
                replicationConnection = DriverManager.getConnection(source.jdbcUrl(), p);
                stream = startStream(replicationConnection, source, settings.statusInterval());
                log.info("cdc {}: replication from slot {} started", source.slug(), source.slot());
                return;
            } catch (SQLException e) {
                closeQuietly();
                last = e;
                if (!"55006".equals(e.getSQLState())) { // object in use: the slot's previous consumer
                    throw e;
                }
                Thread.sleep(100);
            }
        }
        if (last != null) {
            throw last;
        }
        throw new InterruptedException("fence dropped before replication started");
    }

    private void handle(PgOutput.Message m) throws Exception {
        if (m instanceof PgOutput.Insert i) {
            publish(relation(i.relationOid()), ChangeEncoder.Op.insert, i.row(), null, false);
        } else if (m instanceof PgOutput.Update u) {
            publish(relation(u.relationOid()), ChangeEncoder.Op.update, u.row(), u.old(), u.oldIsKeyOnly());
        } else if (m instanceof PgOutput.Delete d) {
            publish(relation(d.relationOid()), ChangeEncoder.Op.delete, null, d.old(), d.oldIsKeyOnly());
        } else if (m instanceof PgOutput.Begin b) {
            current = new Txn(b.xid(), b.commitTsMicros());
            if (listener != null) {
                listener.received(b.xid(), b.commitTsMicros());
            }
            inFlight.addLast(current);
            currentLsn = PgOutput.lsn(b.finalLsn());
            currentXid = b.xid();
            currentCommitTs = ChangeEncoder.isoMicros(b.commitTsMicros());
            position = 0;
        } else if (m instanceof PgOutput.Commit c) {
            if (current != null) {
                current.endLsn = c.endLsn();
                current.pending.decrementAndGet();
                current = null;
            }
            advance(false);
        } else if (m instanceof PgOutput.Relation r) {
            relations.put(r.oid(), r); // a schema change arrives as a new description before the next change
        } else if (m instanceof PgOutput.Truncate t) {
            for (int oid : t.relationOids()) {
                publish(relation(oid), ChangeEncoder.Op.truncate, null, null, false);
            }
        }
        // Type: enum and domain values are published in their text form; Origin and others: not part of the feed
    }

    private PgOutput.Relation relation(int oid) {
        PgOutput.Relation r = relations.get(oid);
        if (r == null) {
            throw new IllegalStateException("pgoutput: change for relation " + oid + " before its description");
        }
        return r;
    }

    private void publish(PgOutput.Relation rel, ChangeEncoder.Op op, PgOutput.Tuple row, PgOutput.Tuple old,
                         boolean oldIsKeyOnly) throws Exception {
        Txn txn = current;
        if (txn == null) {
            throw new IllegalStateException("pgoutput: change outside a transaction");
        }
        byte[] body = encoder.encode(currentLsn, currentXid, currentCommitTs, rel, op, row, old, oldIsKeyOnly);
        Headers h = new Headers();
        // the commit LSN and the change's place in its transaction: the same on every republish
        h.put("Nats-Msg-Id", currentLsn + ":" + position++);
        long seq = nextPublishSeq++;
        int slot = (int) (seq % awaitingAck.length());
        while (!window.tryAcquire(50, TimeUnit.MILLISECONDS) || !claim(slot, txn)) {
            checkFailure();
            checkAckTimeout();
            checkConnection();
            if (!fence.getAsBoolean()) {
                throw new FencedException();
            }
            stream.forceUpdateStatus(); // keep the walsender's timeout at bay while the window is full
        }
        if (!fence.getAsBoolean()) {
            throw new FencedException(); // a leader that lost its lease publishes nothing more
        }
        txn.pending.incrementAndGet();
        nats.publish(TenantStreams.cdcSubject(source.slug(), rel.name()), replyPrefix + seq, h, body);
    }

    /** Takes the ring slot for a publish; an unacknowledged occupant (acks out of order) means wait. */
    private boolean claim(int slot, Txn txn) {
        if (awaitingAck.compareAndSet(slot, null, txn)) {
            return true;
        }
        window.release();
        return false;
    }

    /** A PubAck (or an error in its place) for the publish its subject names; on the dispatcher thread. */
    private void onAck(Message m) {
        String subject = m.getSubject();
        long seq = Long.parseLong(subject, replyPrefix.length(), subject.length(), 10);
        Txn txn = awaitingAck.getAndSet((int) (seq % awaitingAck.length()), null);
        window.release();
        if (txn == null) {
            return; // an ack of a slot already failed over; the session is ending anyway
        }
        if (m.isStatusMessage()) {
            failure.compareAndSet(null, new IllegalStateException("publish answered with status "
                    + m.getStatus().getCode() + " " + m.getStatus().getMessage()));
            return;
        }
        byte[] data = m.getData();
        if (data == null || data.length == 0 || indexOf(data, ERROR_FIELD) >= 0) {
            failure.compareAndSet(null, new IllegalStateException("publish not acknowledged: "
                    + (data == null ? "" : new String(data, java.nio.charset.StandardCharsets.UTF_8))));
            return;
        }
        txn.pending.decrementAndGet();
        stats.published();
        if (listener != null) {
            listener.acked(txn.xid, txn.commitTsMicros);
        }
    }

    private static final byte[] ERROR_FIELD = "\"error\"".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= data.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void checkConnection() {
        if (nats.getStatus() != io.nats.client.Connection.Status.CONNECTED) {
            throw new IllegalStateException("NATS connection " + nats.getStatus());
        }
    }

    /** Confirms the end of the newest transaction all of whose changes (and all before it) are acked. */
    private void advance(boolean idle) throws SQLException {
        long confirm = flushed;
        while (!inFlight.isEmpty() && inFlight.peekFirst().pending.get() == 0) {
            confirm = Math.max(confirm, inFlight.pollFirst().endLsn);
        }
        if (inFlight.isEmpty() && current == null && idle) {
            // nothing of ours in flight: everything the walsender has sent (its keepalives carry
            // its position, WAL of other databases included) is done, so the slot may move on
            confirm = Math.max(confirm, stream.getLastReceiveLSN().asLong());
        }
        stats.oldestUnackedCommit(inFlight.isEmpty() ? 0 : inFlight.peekFirst().commitTsMicros);
        long now = System.nanoTime();
        if (confirm > flushed) {
            flushed = confirm;
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(confirm);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            stats.confirmed(confirm);
            // at most ten status messages a second: each one wakes the walsender; pgjdbc also sends
            // the latest position on its own every status interval
            if (now - lastStatusNanos > 100_000_000L) {
                stream.forceUpdateStatus();
                lastStatusNanos = now;
            }
        }
        if (!inFlight.isEmpty()) {
            checkAckTimeout();
        }
    }

    private void checkAckTimeout() {
        Txn head = inFlight.peekFirst();
        if (head != null && head.pending.get() > 0 && head != current) {
            long ageMicros = System.currentTimeMillis() * 1000 - (head.commitTsMicros + PgOutput.PG_EPOCH_MICROS);
            if (ageMicros > settings.ackTimeout().toNanos() / 1000 && System.nanoTime() - lastActivityNanos > settings.ackTimeout().toNanos()) {
                throw new IllegalStateException("no PubAck for a change committed " + ageMicros / 1000 + " ms ago");
            }
        }
    }

    private void maybeHeartbeat() {
        if (heartbeat != null && System.nanoTime() - lastActivityNanos > settings.heartbeatAfterIdle().toNanos()) {
            lastActivityNanos = System.nanoTime();
            heartbeat.run();
        }
    }

    private void checkFailure() throws Exception {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("publish failed: " + t, t);
        }
    }

    long flushedLsn() {
        return flushed;
    }

    private void closeQuietly() {
        try {
            if (stream != null) {
                stream.close();
            }
        } catch (SQLException | RuntimeException ignored) {
            // the connection may be gone already
        }
        try {
            if (replicationConnection != null) {
                replicationConnection.close();
            }
        } catch (SQLException ignored) {
            // same
        }
        stream = null;
        replicationConnection = null;
    }

    @Override
    public void close() {
        closeQuietly();
        try {
            nats.closeDispatcher(acks);
        } catch (RuntimeException ignored) {
            // the connection is closing
        }
    }

    /** The lease was lost while waiting to publish. */
    public static final class FencedException extends Exception {
        FencedException() {
            super("lease lost");
        }
    }

    /** A non-transactional logical message: a few bytes of this database's WAL so an idle slot can move. */
    static void emitHeartbeat(javax.sql.DataSource ds) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_logical_emit_message(false, 'og_heartbeat', '')");
        } catch (SQLException e) {
            log.debug("heartbeat: {}", e.toString());
        }
    }
}
