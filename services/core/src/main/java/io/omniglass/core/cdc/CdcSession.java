package io.omniglass.core.cdc;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Subscription;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamState;
import io.nats.client.Message;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * One run of a tenant's slot into JetStream: a logical replication stream from the slot's confirmed
 * position, every change published asynchronously with a bounded window of PubAcks in flight, and
 * the slot's flushed position moved to the end of the newest transaction whose changes are all
 * acknowledged. Any failure (Postgres, NATS, a PubAck timeout, the fence) ends the run; the next
 * run starts again from the confirmed position.
 *
 * <p>Commit order holds even when one PubAck of the window fails while its successors are already
 * on their way: every publish names the stream sequence it must follow
 * ({@code Nats-Expected-Last-Sequence}), so JetStream refuses every successor of a change it did
 * not store, and the stream is always a gap-free prefix of the commit order. A new run reads the
 * stream's last stored change (its {@code Nats-Msg-Id} is the commit LSN and position) and skips
 * what is already there instead of republishing it, unless that change came from another Postgres
 * server ({@value #SYSTEM_HEADER}, the server's system identifier): after a tenant moved to another
 * server its new slot's LSNs bear no relation to the old server's, and every change is new. The same expectation fences a publisher
 * that lost its lease: once another one has stored anything, its next publish is refused.
 *
 * <p>On a stream that allows atomic publish (nats-server 2.12+, {@code allow_atomic}), the changes
 * read in one go from the walsender go out as one atomic batch of up to {@value #MAX_BATCH}
 * ({@code Nats-Batch-Id}, {@code Nats-Batch-Sequence}, the commit on its last change): JetStream
 * stores the batch all or nothing behind one PubAck, with a few fsyncs instead of one per change
 * (with {@code sync_interval: always}, the per-change fsync was the feed's ceiling). The batch's
 * first change carries the expected last sequence, so the fence and the gap-free prefix hold batch
 * by batch; each change keeps its {@code Nats-Msg-Id}. A batch is committed when the walsender has
 * nothing more buffered and no batch awaits its PubAck (group commit: nats-server stores one
 * stream's batches one after another at a cost of about a dozen milliseconds each whatever their
 * size, so while one is stored the next grows to what arrived meanwhile, rather than a second small
 * one queueing behind it), when it is full, or before waiting for the window. On other streams
 * every change is published on its own.
 */
public final class CdcSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CdcSession.class);

    /** Where the tenant's slot lives and how to reach it. */
    public record Source(String slug, String slot, String jdbcUrl, String user, String password) {

        /** A replication source on {@code slot} of the tenant's database, on the server it is placed on. */
        public static Source of(io.omniglass.core.CoreContext ctx, io.omniglass.core.tenancy.Tenant tenant, String slot) {
            io.omniglass.core.runtime.PgServer server = ctx.tenantDatabases().server(tenant);
            return new Source(tenant.slug(), slot, ctx.tenantDatabases().jdbcUrl(tenant), server.user(), server.password());
        }
    }

    public record Settings(int maxInFlight, Duration statusInterval, Duration heartbeatAfterIdle, Duration ackTimeout) {
        public static Settings defaults() {
            return new Settings(8192, Duration.ofMillis(500), Duration.ofSeconds(15), Duration.ofSeconds(10));
        }
    }

    /** Told of every acknowledged change, on the publishing thread (the benchmark measures latency here). */
    public interface AckListener {
        void acked(long xid, long commitTsMicros);

        /** A transaction's first message arrived from the walsender. */
        default void received(long xid, long commitTsMicros) {
        }
    }

    /** One transaction on its way: its changes in flight, and the position to confirm once all are acked. */
    private static final class Txn {
        final long commitTsMicros;
        int pending = 1; // 1 until the commit message is seen
        long endLsn;

        final long xid;

        Txn(long xid, long commitTsMicros) {
            this.xid = xid;
            this.commitTsMicros = commitTsMicros;
        }
    }

    private static final long IDLE_AFTER_NANOS = 250_000_000L;
    private static final Duration NO_WAIT = Duration.ofNanos(1);
    private static final Duration ACK_WAIT = Duration.ofMillis(50);
    private static final long IDLE_POLL_MILLIS = 5;
    /** nats-server's default ceiling on the messages of one atomic batch ({@code max_msgs}). */
    public static final int MAX_BATCH = 1000;
    private static final Duration STREAM_INFO_TIMEOUT = Duration.ofSeconds(5);

    private final Source source;
    private final io.nats.client.Connection nats;
    private final String replyPrefix;
    private final Subscription acks;
    private final Txn[] awaitingAck;
    /** For the ring slot of a batch's commit: the publish sequence of the batch's first change. */
    private final long[] batchStart;
    private int awaitingCount;
    private long nextPublishSeq;
    private final long maxBody;
    private final BooleanSupplier fence;
    private final CdcStats stats;
    private final AckListener listener;
    private final Settings settings;
    private final Runnable heartbeat;

    private final Map<Integer, PgOutput.Relation> relations = new HashMap<>();
    /** The subject of each table's changes, made and checked once per session rather than once per change. */
    private final Map<String, String> subjects = new HashMap<>();
    private final ArrayDeque<Txn> inFlight = new ArrayDeque<>();
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
    /** When the newest PubAck arrived, or the first publish of an empty window left. */
    private long ackProgressNanos = System.nanoTime();
    /** The stream sequence the next publish must follow. */
    private long expectedLastSeq;
    /** The newest change already in the stream when this run began: commit LSN and position. */
    private long storedLsn = -1;
    private int storedPosition = -1;
    private long currentLsnValue;
    /** The server's system identifier (IDENTIFY_SYSTEM), carried by every change published. */
    private String systemId;
    /** The stream takes atomic batches (read with the stream's end when the run starts). */
    private boolean atomic;
    private final String batchIdPrefix = io.nats.client.NUID.nextGlobal() + "-";
    /** The open batch (null when none), its size, and its first publish sequence. */
    private String batchId;
    private int batchSize;
    private long batchFirstSeq;
    private int batchesInFlight;
    /**
     * The open batch's newest change, held back so that the batch's commit travels on a real change;
     * its headers are written when it goes out, with or without the commit.
     */
    private String heldSubject;
    private String heldLsn;
    private int heldPosition;
    private long heldExpected;
    private int heldBatchSequence;
    private byte[] heldBody;
    private long heldSeq;
    private final ChangeHeaders.Writer headerWriter = new ChangeHeaders.Writer();
    private final OutgoingChange outgoing = new OutgoingChange();

    public CdcSession(Source source, io.nats.client.Connection nats, BooleanSupplier fence, CdcStats stats,
               AckListener listener, Settings settings, Runnable heartbeat) {
        this.source = source;
        this.fence = fence;
        this.stats = stats;
        this.listener = listener;
        this.settings = settings;
        this.heartbeat = heartbeat;
        this.nats = nats;
        // JetStream publishes as plain request/reply on one wildcard inbox: the PubAck's subject
        // names the publish, and a ring of the transactions awaiting acks replaces a future, a
        // timer and a parsed JSON object per change. This thread reads the acks itself, between
        // replication messages: no hand-off to another thread per change, no shared state.
        this.awaitingAck = new Txn[settings.maxInFlight()];
        this.batchStart = new long[settings.maxInFlight()];
        this.replyPrefix = OutgoingChange.checkedReplyPrefix(nats.createInbox() + ".");
        this.acks = nats.subscribe(replyPrefix + "*");
        long serverMax = nats.getServerInfo() == null ? 1024 * 1024 : nats.getServerInfo().getMaxPayload();
        this.maxBody = serverMax - 1024; // room for the subject, reply and headers
    }

    /**
     * When a run may end before its fence drops: the scheduler's sessions drain a slot and move on;
     * the benchmark's run until told to stop.
     */
    public interface Drain {
        Drain NEVER = (receivedLsn, quietNanos, walsenderPid) -> false;

        /**
         * Asked when the run has nothing buffered, nothing in flight and no open transaction;
         * {@code quietNanos} since the last message, {@code walsenderPid} the server process.
         */
        boolean done(long receivedLsn, long quietNanos, int walsenderPid);

        /** Asked between transactions: hand the session over to another slot now. */
        default boolean yieldNow() {
            return false;
        }

        /**
         * Asked between transactions while PubAcks are still awaited: the stream has been read to
         * {@code receivedLsn}, and if that is past what the drain is for, the run stops reading,
         * waits for those PubAcks and asks {@link #done} (a tenant that commits faster than its
         * PubAcks come back has something in flight at every quiet moment, and {@code done} alone
         * would never be asked).
         */
        default boolean passed(long receivedLsn) {
            return false;
        }
    }

    /**
     * Where the tenant's stream ended after a clean run (every publish acknowledged): the sequence
     * the next publish must follow, and the newest change stored (commit LSN, position), with the
     * slot and the Postgres system it was read from, and whether the stream takes atomic batches.
     */
    record StreamEnd(String slot, String systemId, long lastSeq, long storedLsn, int storedPosition, boolean atomic) {
    }

    /** Known from the feed's last clean run under the same lease term: the next open need not ask JetStream. */
    private StreamEnd known;
    /** The newest change this session published (commit LSN, position); -1 before any. */
    private long publishedLsn = -1;
    private int publishedPosition = -1;

    /** Starts (when this session opens) after {@code end} instead of asking JetStream for the stream's end; null: ask. */
    CdcSession startingAfter(StreamEnd end) {
        this.known = end;
        return this;
    }

    /** Where the stream ends now, when the session is {@link #reusable()} (all acknowledged); null otherwise. */
    StreamEnd cleanEnd() {
        if (!reusable() || systemId == null) {
            return null;
        }
        return publishedLsn >= 0
                ? new StreamEnd(source.slot(), systemId, expectedLastSeq, publishedLsn, publishedPosition, atomic)
                : new StreamEnd(source.slot(), systemId, expectedLastSeq, storedLsn, storedPosition, atomic);
    }

    private Drain drain = Drain.NEVER;
    /**
     * The last open's phases (nanos; 0 when this run did not open): connecting with IDENTIFY_SYSTEM,
     * START_REPLICATION, and reading the stream's end (0 when known from the feed's last clean run).
     */
    long openConnectNanos;
    long openStartNanos;
    long openStreamEndNanos;
    /** The last open's wait for the slot's previous consumer to let go (SQLSTATE 55006, retried). */
    long openSlotBusyNanos;
    /** The last open asked JetStream for the stream's end. */
    boolean streamEndAsked;
    /** When the open was done (after the stream's end), and when the walsender's first message came (0: not yet, or not opened by this run). */
    long startedNanos;
    long firstMessageNanos;
    private long startReceiveLsn;
    /** The first position this run confirmed (the walsender's start, as a rule); -1 before. */
    private long firstFlushed = -1;
    private int walsenderPid;

    /** Ends the run where {@code drain} says (between transactions, everything acknowledged and confirmed). */
    public CdcSession drainingUntil(Drain drain) {
        this.drain = drain;
        return this;
    }

    /**
     * Streams until the fence drops or the drain is done (returns), or something fails (throws).
     * Called again on a session that {@link #reusable()} says may go on, it resumes on the same
     * replication connection where the last run ended, without connecting or starting again.
     */
    public void run() throws Exception {
        if (stream == null) {
            open();
        } else {
            // the walsender kept decoding meanwhile; what it sent for this database waits in the socket
            firstFlushed = -1;
            lastActivityNanos = System.nanoTime();
            ackProgressNanos = lastActivityNanos;
        }
        while (fence.getAsBoolean()) {
            readAcks(NO_WAIT);
            checkFailure();
            checkConnection();
            // never hand over before the slot's confirmed position moved in this run: a drain that
            // needs more than a time slice to decode its way through another tenant's WAL would
            // otherwise start from the same place every time and never get there
            if (current == null && firstFlushed >= 0 && flushed > firstFlushed && drain.yieldNow()) {
                settle();
                return;
            }
            if (current == null && !inFlight.isEmpty() && drain.passed(stream.getLastReceiveLSN().asLong())) {
                // read past the drain's target: what is in flight is settled before more is read,
                // rather than reading on until a quiet moment with nothing in flight (a busy tenant
                // has none) or the time slice ends (and the commit queues for a session again)
                settle();
                if (inFlight.isEmpty() && drain.done(stream.getLastReceiveLSN().asLong(),
                        System.nanoTime() - lastActivityNanos, walsenderPid)) {
                    return; // settle told the walsender the confirmed position
                }
                continue;
            }
            // readPending waits up to 1 ms on the socket when nothing is buffered; no blocking read(),
            // which can hang on an idle slot in some pgjdbc 42.7.x releases (pgjdbc issue 4328)
            ByteBuffer buf = stream.readPending();
            if (firstMessageNanos == 0 && (buf != null || stream.getLastReceiveLSN().asLong() != startReceiveLsn)) {
                firstMessageNanos = System.nanoTime(); // a change, or a keepalive that moved the received position
            }
            if (buf == null) {
                if (batchesInFlight == 0) {
                    commitBatch(); // the walsender has nothing more for now and the store is free: what was read goes out
                }
                advance(true);
                if (current == null && inFlight.isEmpty() && drain.done(stream.getLastReceiveLSN().asLong(),
                        System.nanoTime() - lastActivityNanos, walsenderPid)) {
                    stream.forceUpdateStatus(); // the walsender learns the confirmed position before we hang up
                    return;
                }
                maybeHeartbeat();
                if (System.nanoTime() - lastActivityNanos > IDLE_AFTER_NANOS) {
                    Thread.sleep(IDLE_POLL_MILLIS); // a quiet tenant polls less often
                }
                continue;
            }
            lastActivityNanos = System.nanoTime();
            handle(PgOutput.decode(buf));
        }
        // what was acknowledged before the stop is confirmed now, not left to the next leader to republish
        advance(false);
        stream.forceUpdateStatus();
        log.info("cdc {}: fence dropped, replication stopped", source.slug());
    }

    /** Waits (up to the ack timeout) for the PubAcks in flight and confirms what they complete. */
    private void settle() throws Exception {
        commitBatch();
        long deadline = System.nanoTime() + settings.ackTimeout().toNanos();
        while (awaitingCount > 0 && System.nanoTime() < deadline && fence.getAsBoolean()) {
            readAcks(ACK_WAIT);
            checkFailure();
        }
        // between transactions and all acknowledged: what was read past is done, foreign WAL
        // included, so the next run need not decode it again
        advance(true);
        stream.forceUpdateStatus();
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
        long opening = System.nanoTime();
        // only one consumer per slot: after a leader died, its walsender lingers until Postgres notices
        while (fence.getAsBoolean()) {
            try {
                long t0 = System.nanoTime();
                openSlotBusyNanos = t0 - opening;
                replicationConnection = DriverManager.getConnection(source.jdbcUrl(), p);
                systemId = identifySystem(replicationConnection);
                long t1 = System.nanoTime();
                stream = startStream(replicationConnection, source, settings.statusInterval());
                walsenderPid = replicationConnection.unwrap(PGConnection.class).getBackendPID();
                long t2 = System.nanoTime();
                firstMessageNanos = 0;
                startReceiveLsn = stream.getLastReceiveLSN().asLong();
                // read only now: holding the slot, no earlier run of ours can still be reading it
                resumeAfterStored();
                long t3 = System.nanoTime();
                startedNanos = t3; // the first message is timed from here: the stream's end is a phase of its own
                openConnectNanos = t1 - t0;
                openStartNanos = t2 - t1;
                openStreamEndNanos = t3 - t2;
                // a session per drain: an active tenant starts one every second or so (debug, not info)
                log.debug("cdc {}: replication from slot {} started after stream sequence {}",
                        source.slug(), source.slot(), expectedLastSeq);
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

    /**
     * Where the stream ends: the sequence the next publish must follow, and the newest change it
     * holds, so that what an earlier run stored past the slot's confirmed position is not sent again.
     */
    private void resumeAfterStored() throws SQLException, InterruptedException {
        String name = TenantStreams.cdcStream(source.slug());
        StreamEnd k = known;
        known = null; // once: a run that fails leaves nothing known, and the next one asks
        if (k != null && k.slot().equals(source.slot()) && k.systemId() != null && k.systemId().equals(systemId)) {
            // the feed's last clean run under this lease term left the stream here: every change it
            // published was acknowledged. Should anything else have been stored since (a publisher
            // of an older term that had not yet noticed its fence), the first publish's expected
            // last sequence is refused, the run ends, and the next one asks JetStream
            expectedLastSeq = k.lastSeq();
            storedLsn = k.storedLsn();
            storedPosition = k.storedPosition();
            atomic = k.atomic();
            streamEndAsked = false;
            return;
        }
        streamEndAsked = true;
        try {
            JetStreamManagement jsm = nats.jetStreamManagement();
            StreamState state = readStreamInfo(name).getStreamState();
            expectedLastSeq = state.getLastSequence();
            storedLsn = -1;
            storedPosition = -1;
            if (expectedLastSeq > 0 && state.getMsgCount() > 0) {
                // the stream holds its last message: when it cannot be read (a leader elected a moment
                // ago answers with an error), the run must not go on without it. Resuming with nothing
                // to skip would republish every stored change past the slot's position, after the
                // stream's end where the sequence check lets them in, leaving JetStream's Nats-Msg-Id
                // window as the only guard; after kill -9 of the stream's leader that window did not
                // catch them (JetStreamClusterTest: 100 changes twice). The failure ends this run; the
                // next one asks again.
                MessageInfo last;
                try {
                    last = jsm.getMessage(name, expectedLastSeq);
                } catch (JetStreamApiException e) {
                    if (jsm.getStreamInfo(name).getStreamState().getMsgCount() == 0) {
                        return; // aged out meanwhile: nothing newer than the slot's position is in the stream
                    }
                    throw e;
                }
                String id = last.getHeaders() == null ? null : last.getHeaders().getFirst(MSG_ID);
                int colon = id == null ? -1 : id.lastIndexOf(':');
                if (colon > 0) {
                    storedLsn = LogSequenceNumber.valueOf(id.substring(0, colon)).asLong();
                    storedPosition = Integer.parseInt(id.substring(colon + 1));
                }
                String from = last.getHeaders() == null ? null : last.getHeaders().getFirst(SYSTEM_HEADER);
                if (from != null && !from.equals(systemId)) {
                    // the tenant moved: the slot is new on this server and nothing it sends is in the stream yet
                    log.info("cdc {}: the stream's last change came from Postgres system {}, this slot is on {}: nothing skipped",
                            source.slug(), from, systemId);
                    storedLsn = -1;
                    storedPosition = -1;
                }
            }
        } catch (java.io.IOException | JetStreamApiException | RuntimeException e) {
            closeQuietly();
            throw new SQLException("cdc " + source.slug() + ": cannot read the end of stream " + name + ": " + e, "08000", e);
        }
    }

    /**
     * The stream's info, asked as JetStream's own API request so that its configuration's
     * {@code allow_atomic} (which this jnats does not model) is read with its state in one round trip.
     */
    private io.nats.client.api.StreamInfo readStreamInfo(String name) throws java.io.IOException, InterruptedException {
        Message reply = nats.request("$JS.API.STREAM.INFO." + name, null, STREAM_INFO_TIMEOUT);
        if (reply == null) {
            throw new java.io.IOException("no answer to the stream info request of " + name);
        }
        io.nats.client.support.JsonValue json;
        try {
            json = io.nats.client.support.JsonParser.parse(new String(reply.getData(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (io.nats.client.support.JsonParseException e) {
            throw new java.io.IOException("stream info of " + name + " is not JSON: " + e.getMessage(), e);
        }
        if (json.map == null || json.map.containsKey("error")) {
            throw new java.io.IOException("stream info of " + name + " refused: " + json.toJson());
        }
        io.nats.client.api.StreamInfo info = new io.nats.client.api.StreamInfo(json);
        io.nats.client.support.JsonValue config = json.map.get("config");
        atomic = config != null && config.map != null && io.omniglass.core.runtime.StreamConfigs.isOn(config.map, "allow_atomic");
        return info;
    }

    /** True when the change at the current commit LSN and {@code pos} is already in the stream. */
    private boolean alreadyStored(int pos) {
        return currentLsnValue < storedLsn || (currentLsnValue == storedLsn && pos <= storedPosition);
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
            currentLsnValue = b.finalLsn();
            currentXid = b.xid();
            currentCommitTs = ChangeEncoder.isoMicros(b.commitTsMicros());
            position = 0;
        } else if (m instanceof PgOutput.Commit c) {
            if (current != null) {
                current.endLsn = c.endLsn();
                current.pending--;
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
        if (alreadyStored(position)) {
            position++; // stored by an earlier run before it failed: its place is taken, in order
            return;
        }
        byte[] body = encoder.encode(currentLsn, currentXid, currentCommitTs, rel, op, row, old, oldIsKeyOnly);
        if (body.length > maxBody) {
            log.warn("cdc {}: a change of {} ({} bytes) exceeds the NATS payload limit; published with its key only",
                    source.slug(), rel.name(), body.length);
            body = encoder.encode(currentLsn, currentXid, currentCommitTs, rel, op, row, old, oldIsKeyOnly, true);
        }
        // the commit LSN and the change's place in its transaction: the same on every republish
        int changePosition = position++;
        publishedLsn = currentLsnValue;
        publishedPosition = changePosition;
        long seq = nextPublishSeq++;
        int slot = (int) (seq % awaitingAck.length);
        while (awaitingCount >= awaitingAck.length || awaitingAck[slot] != null) {
            commitBatch(); // the window is full: its last batch must go out for the acks to come
            if (readAcks(ACK_WAIT)) {
                continue;
            }
            checkFailure();
            checkAckTimeout();
            checkConnection();
            if (!fence.getAsBoolean()) {
                throw new FencedException();
            }
            long now = System.nanoTime();
            if (now - lastStatusNanos > 1_000_000_000L) {
                stream.forceUpdateStatus(); // keep the walsender's timeout at bay while the window is full
                lastStatusNanos = now;
            }
        }
        if (!fence.getAsBoolean()) {
            throw new FencedException(); // a leader that lost its lease publishes nothing more
        }
        awaitingAck[slot] = txn;
        if (awaitingCount == 0) {
            ackProgressNanos = System.nanoTime(); // the ack timeout runs from the first publish awaiting its ack
        }
        awaitingCount++;
        txn.pending++;
        String subject = subjects.computeIfAbsent(rel.name(),
                table -> OutgoingChange.checked(TenantStreams.cdcSubject(source.slug(), table)));
        if (!atomic) {
            // JetStream stores it only right after its predecessor: a refused change refuses all that follow
            outgoing.publish(nats, subject, replyPrefix + seq,
                    headers(currentLsn, changePosition, expectedLastSeq++, null, 0, false), body);
            return;
        }
        long expected = NO_EXPECTATION;
        if (batchId == null) {
            batchId = batchIdPrefix + seq;
            batchFirstSeq = seq;
            batchSize = 0;
            // the whole batch is stored only right after its predecessor, or not at all
            expected = expectedLastSeq;
        }
        expectedLastSeq++;
        if (heldSubject != null) {
            // staged by the server until the commit
            outgoing.publish(nats, heldSubject, null, headers(heldLsn, heldPosition, heldExpected, batchId, heldBatchSequence, false), heldBody);
        }
        heldSubject = subject;
        heldLsn = currentLsn;
        heldPosition = changePosition;
        heldExpected = expected;
        heldBatchSequence = ++batchSize;
        heldBody = body;
        heldSeq = seq;
        if (batchSize >= MAX_BATCH) {
            commitBatch();
        }
    }

    /** Sends the open batch's last change with the commit; its PubAck answers for the whole batch. */
    private void commitBatch() {
        if (batchId == null) {
            return;
        }
        batchStart[(int) (heldSeq % awaitingAck.length)] = batchFirstSeq;
        outgoing.publish(nats, heldSubject, replyPrefix + heldSeq,
                headers(heldLsn, heldPosition, heldExpected, batchId, heldBatchSequence, true), heldBody);
        batchesInFlight++;
        stats.batchCommitted();
        batchId = null;
        heldSubject = null;
        heldLsn = null;
        heldBody = null;
    }

    private ChangeHeaders headers(String lsn, int changePosition, long expected, String batch, int batchSequence,
                                  boolean commit) {
        return headerWriter.change(lsn, changePosition, systemId, expected, batch, batchSequence, commit);
    }

    /**
     * Takes in the PubAcks that have arrived, waiting up to {@code wait} for the first one; true if
     * any did. An ack names its publish by its subject.
     */
    private boolean readAcks(Duration wait) throws InterruptedException {
        boolean any = false;
        Message m = wait == NO_WAIT ? nextAckIfAny() : acks.nextMessage(wait);
        while (m != null) {
            any = true;
            onAck(m);
            m = nextAckIfAny();
        }
        return any;
    }

    /**
     * The next PubAck if one has arrived. Asked between any two replication messages: the queue's
     * count is one atomic read, where a poll of the empty queue takes its lock and spins.
     */
    private Message nextAckIfAny() throws InterruptedException {
        return acks.getPendingMessageCount() == 0 ? null : acks.nextMessage(NO_WAIT);
    }

    private void onAck(Message m) {
        String subject = m.getSubject();
        long seq = Long.parseLong(subject, replyPrefix.length(), subject.length(), 10);
        int slot = (int) (seq % awaitingAck.length);
        Txn txn = awaitingAck[slot];
        if (txn == null) {
            return; // not a publish of ours awaiting its ack (a stray reply)
        }
        ackProgressNanos = System.nanoTime();
        if (atomic) {
            onBatchAck(m, seq);
            return;
        }
        awaitingAck[slot] = null;
        awaitingCount--;
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
        txn.pending--;
        stats.published();
        if (listener != null) {
            listener.acked(txn.xid, txn.commitTsMicros);
        }
    }

    /** A batch's PubAck: every change from the batch's first to its commit ({@code seq}) is stored, or none is. */
    private void onBatchAck(Message m, long seq) {
        long first = batchStart[(int) (seq % awaitingAck.length)];
        batchesInFlight--;
        byte[] data = m.isStatusMessage() ? null : m.getData();
        String refused = null;
        if (m.isStatusMessage()) {
            refused = "batch answered with status " + m.getStatus().getCode() + " " + m.getStatus().getMessage();
        } else if (data == null || data.length == 0 || indexOf(data, ERROR_FIELD) >= 0) {
            refused = "batch not acknowledged: " + (data == null ? "" : new String(data, java.nio.charset.StandardCharsets.UTF_8));
        } else if (batchCount(data) != seq - first + 1) {
            refused = "batch of " + (seq - first + 1) + " acknowledged as "
                    + new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
        for (long s = first; s <= seq; s++) {
            int slot = (int) (s % awaitingAck.length);
            Txn txn = awaitingAck[slot];
            awaitingAck[slot] = null;
            awaitingCount--;
            if (refused == null && txn != null) {
                txn.pending--;
                stats.published();
                if (listener != null) {
                    listener.acked(txn.xid, txn.commitTsMicros);
                }
            }
        }
        if (refused != null) {
            failure.compareAndSet(null, new IllegalStateException(refused));
        }
    }

    private static final byte[] COUNT_FIELD = "\"count\":".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** The {@code count} of a batch's PubAck, or -1. */
    private static long batchCount(byte[] ack) {
        int i = indexOf(ack, COUNT_FIELD);
        if (i < 0) {
            return -1;
        }
        i += COUNT_FIELD.length;
        while (i < ack.length && ack[i] == ' ') {
            i++;
        }
        long n = 0;
        int digits = 0;
        while (i < ack.length && ack[i] >= '0' && ack[i] <= '9') {
            n = n * 10 + (ack[i++] - '0');
            digits++;
        }
        return digits == 0 ? -1 : n;
    }

    private static final String MSG_ID = io.omniglass.api.lane.LaneHeaders.MSG_ID;
    /** The system identifier of the Postgres server a change was decoded on (a base-backup copy shares it). */
    static final String SYSTEM_HEADER = "Og-Pg-System";

    /** The server's system identifier, asked on the replication connection before streaming starts. */
    private static String identifySystem(Connection replication) throws SQLException {
        try (Statement st = replication.createStatement(); java.sql.ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            return rs.next() ? rs.getString("systemid") : null;
        }
    }
    private static final long NO_EXPECTATION = ChangeHeaders.NO_EXPECTATION;
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
        while (!inFlight.isEmpty() && inFlight.peekFirst().pending == 0) {
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
            if (!fence.getAsBoolean()) {
                return; // a fenced publisher confirms nothing more: the next leader reads from here
            }
            flushed = confirm;
            if (firstFlushed < 0) {
                firstFlushed = confirm;
            }
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

    /**
     * Publishes in flight and no PubAck for the ack timeout: the stream is not answering (its
     * leader died and the publishes went with it), so the run ends and the next one resumes after
     * what the stream holds. Judged by PubAcks arriving, not by the age of the oldest change or by
     * the walsender's traffic: a backlog drained through a slow, synced JetStream takes longer than
     * the timeout to acknowledge a whole window yet answers all along, while a publisher whose
     * stream died keeps receiving changes from Postgres and must not wait for its window to fill.
     */
    private void checkAckTimeout() {
        long silentNanos = System.nanoTime() - ackProgressNanos;
        if (awaitingCount > 0 && silentNanos > settings.ackTimeout().toNanos()) {
            Txn head = inFlight.peekFirst();
            long ageMillis = head == null ? 0
                    : System.currentTimeMillis() - (head.commitTsMicros + PgOutput.PG_EPOCH_MICROS) / 1000;
            throw new IllegalStateException("no PubAck for " + silentNanos / 1_000_000 + " ms with " + awaitingCount
                    + " publishes in flight (the oldest change waiting was committed " + ageMillis + " ms ago)");
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

    /**
     * Whether the next run may go on where this one ended: streaming, between transactions, every
     * publish acknowledged and confirmed, nothing failed, the fence and the NATS connection up. The
     * stream's relation descriptions and the sequence the next publish must follow stay valid as long
     * as this session's lease term does (any other publisher's change is refused by that sequence).
     */
    boolean reusable() {
        return stream != null && !stream.isClosed() && current == null && inFlight.isEmpty() && awaitingCount == 0
                && failure.get() == null && fence.getAsBoolean()
                && nats.getStatus() == io.nats.client.Connection.Status.CONNECTED;
    }

    /** The walsender serving this session (0 before it opened). */
    int walsenderPid() {
        return walsenderPid;
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
            acks.unsubscribe();
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
}
