package io.omniglass.core.sink;

import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.api.lane.DlqReason;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.api.lane.LaneTimestamp;
import io.omniglass.core.lanes.Lane;
import io.omniglass.core.lanes.LaneInbox;
import io.omniglass.core.lanes.Lanes;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.omniglass.core.lifecycle.ColdCopies;
import io.omniglass.core.lifecycle.Partitions;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The sink of one tenant on this core instance: two {@link Lane}s fed by the tenant's durable
 * consumer (shared by every instance, so instances split the messages). A preparing turn takes
 * about one batch from the {@link LaneInbox} and validates it while the writing lane writes the
 * previous one with COPY + idempotent merge, dead-letters what cannot be stored, and acks only
 * after the commit. Nothing a publisher sends can stop it:
 * bad data goes to the DLQ, database trouble leaves the batch unacked for redelivery and parks the
 * lane for a while (without holding a worker). An idle tenant's sink is a waiting pull request.
 */
final class TenantSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TenantSink.class);
    private static final Set<String> SEVERITIES = Set.of("debug", "info", "notice", "warning", "error", "critical");

    private final Tenant tenant;
    private final io.nats.client.Connection nats;
    private final io.nats.client.Connection control;
    private final GatewaySession db;
    private final SinkSettings settings;
    private final SinkMetrics metrics;
    private final TenantCatalog catalog;
    private final AcceptedWindow window;
    private final Lanes lanes;
    /** Takes and prepares batches (parse, validate, resolve series). */
    private final Lane lane;
    /** Writes and acks them: the next batch is prepared while this one is written. */
    private final Lane writer;
    /** One prepared batch at most between the two: memory stays bounded while the writer is busy. */
    private final java.util.concurrent.atomic.AtomicReference<Prepared> handoff = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile LaneInbox inbox;
    private volatile long backoffMs;
    /** Batches to write by the staged merge before trying the direct COPY again (lane turns only). */
    private final Partitions partitions;
    private final ColdCopies coldCopies;
    private volatile int mergeOnlyBatches;
    /** The writer is in a batch's write: a batch prepared meanwhile has time to have its COPY worked out. */
    private volatile boolean writing;
    /** The last batch's shape, so a turn takes about batchRows datapoints and bounded bytes. */
    private double rowsPerMessage = 1;
    private double bytesPerMessage = 1024;
    private int lastBatchMessages;
    private boolean lastBatchFull;
    private static final long MAX_FETCH_BYTES = 32L * 1024 * 1024;

    TenantSink(Tenant tenant, Lanes lanes, io.nats.client.Connection control, GatewaySession db, AcceptedWindow window,
               ColdCopies coldCopies, SinkSettings settings, SinkMetrics metrics) {
        this.tenant = tenant;
        this.lanes = lanes;
        this.nats = lanes.connection(tenant.slug());
        this.control = control;
        this.db = db;
        this.settings = settings;
        this.metrics = metrics;
        this.catalog = new TenantCatalog(db.dsl());
        this.window = window;
        this.partitions = new Partitions(db);
        this.coldCopies = coldCopies;
        this.lane = lanes.lane("sink:" + tenant.slug(), this::turn);
        this.writer = lanes.lane("sink-writer:" + tenant.slug(), this::writeTurn);
    }

    void start() throws Exception {
        ensureConsumer();
        int pull = Math.min(settings.batchMessages(), 1000);
        inbox = LaneInbox.create(lanes, tenant.slug(), TenantStreams.dataStream(tenant.slug()), settings.durableName(),
                lane, pull, 2 * settings.batchMessages(), MAX_FETCH_BYTES, this::ensureConsumer);
        inbox.start();
    }

    String slug() {
        return tenant.slug();
    }

    /**
     * The tenant's {@code og-sink}: memory-stored, made again from its floor when the server lost it
     * ({@link io.omniglass.core.lanes.DurableFloors}: no synchronous state write per delivery and ack).
     */
    private void ensureConsumer() throws IOException, JetStreamApiException {
        String stream = TenantStreams.dataStream(tenant.slug());
        lanes.floors().ensure(control, stream, ConsumerConfiguration.builder()
                .durable(settings.durableName())
                .filterSubject(TenantStreams.dataSubjects(tenant.slug()))
                .deliverPolicy(DeliverPolicy.All)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(settings.ackWait())
                .maxAckPending(settings.maxAckPending())
                .maxDeliver(-1) // never drop: only the sink decides a message is dead, and says why
                .build());
    }

    /** Lag figures for /metrics, from what the deliveries said (no request to the server). */
    void refreshLag() {
        LaneInbox in = inbox;
        if (in != null) {
            metrics.pending.set(in.streamPending());
            metrics.ackPending.set(in.queued());
        }
    }

    /**
     * A preparing turn: about one batch, prepared and handed to the writer lane; none while the
     * writer still has one waiting (the writer's turn wakes this lane when it takes it).
     */
    private boolean turn() {
        LaneInbox in = inbox;
        if (in == null || handoff.get() != null) {
            return false;
        }
        if (lingers(in)) {
            return false; // parked until the first message is batchWait old; arrivals meanwhile join the batch
        }
        List<Message> batch = collect(in);
        if (batch.isEmpty()) {
            return false;
        }
        // more waits than a turn can take: the tenant is behind, and both lanes' turns are backlog turns until it is not
        boolean behind = lastBatchFull || in.queued() > batch.size() || in.streamPending() > 0;
        lane.markBehind(behind);
        writer.markBehind(behind);
        long taken = System.nanoTime();
        long stored = storedMillis(batch.get(0));
        if (stored > 0) {
            metrics.inboxWait.record(Math.max(0, System.currentTimeMillis() - stored), TimeUnit.MILLISECONDS);
        }
        Prepared p;
        try {
            p = plannedWhileWriting(prepare(batch));
        } catch (org.jooq.exception.DataAccessException e) {
            if (!DataRefusal.isData(e)) {
                giveBack(batch, e, lane);
                return true;
            }
            // the database refuses something in these messages as data: find it, set it aside
            log.warn("sink {}: the database refused a batch of {} as data ({}); retrying its messages one by one",
                    tenant.slug(), batch.size(), DataRefusal.describe(e));
            commitOneByOne(batch);
            refreshLag();
            return in.hasQueued();
        } catch (RuntimeException e) {
            // not the database: something in a message trips the sink; find it, set it aside
            log.error("sink {}: preparing a batch failed; retrying its messages one by one", tenant.slug(), e);
            commitOneByOne(batch);
            refreshLag();
            return in.hasQueued();
        }
        long prepared = System.nanoTime();
        metrics.prepare.record(prepared - taken, TimeUnit.NANOSECONDS);
        handoff.set(p.stamped(stored, prepared));
        writer.signal();
        return false; // the writer wakes this lane when it has taken the batch
    }

    /** A writing turn: commits the waiting batch, acks it, and wakes the preparing lane for the next. */
    private boolean writeTurn() {
        Prepared p = handoff.getAndSet(null);
        if (p == null) {
            return false;
        }
        lane.signal();
        if (p.preparedNanos() != 0) {
            metrics.handoffWait.record(System.nanoTime() - p.preparedNanos(), TimeUnit.NANOSECONDS);
        }
        long t0 = System.nanoTime();
        writing = true;
        try {
            commit(p);
            backoffMs = 0;
        } catch (Exception e) {
            giveBack(p.batch(), e, writer);
        } finally {
            writing = false;
        }
        refreshLag();
        metrics.write.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        // a batch handed over meanwhile signalled this lane: its next turn is news or backlog as the tenant is
        return false;
    }

    private void commitOneByOne(List<Message> batch) {
        for (int i = 0; i < batch.size(); i++) {
            Message m = batch.get(i);
            Prepared one;
            try {
                one = prepare(List.of(m));
            } catch (org.jooq.exception.DataAccessException e) {
                if (!DataRefusal.isData(e)) {
                    giveBack(batch.subList(i, batch.size()), e, lane);
                    return;
                }
                one = new Prepared(List.of(m), List.of(), List.of(new Dead(0, new Rejection(DlqReason.REJECTED_BY_DATABASE,
                        DataRefusal.describe(e), -1, m.getData() == null ? new byte[0] : m.getData()))), 0);
            } catch (RuntimeException e) {
                log.error("sink {}: message {} cannot be processed; dead-lettered", tenant.slug(), m.metaData().streamSequence(), e);
                one = new Prepared(List.of(m), List.of(), List.of(new Dead(0, new Rejection(DlqReason.UNPROCESSABLE,
                        e.toString(), -1, m.getData() == null ? new byte[0] : m.getData()))), 0);
            }
            try {
                commit(one);
            } catch (Exception e) {
                giveBack(batch.subList(i, batch.size()), e, lane);
                return;
            }
        }
    }

    /** The database or NATS is in trouble, not the data: leave the batch for redelivery, and slow down. */
    private void giveBack(List<Message> batch, Exception e, Lane toPark) {
        backoffMs = Math.min(10_000, Math.max(500, backoffMs * 2));
        log.warn("sink {}: batch of {} messages not stored ({}); redelivery in {} ms",
                tenant.slug(), batch.size(), e.toString(), backoffMs);
        for (Message m : batch) {
            m.nakWithDelay(Duration.ofMillis(backoffMs));
        }
        toPark.parkAfterTurn(backoffMs);
    }

    /**
     * One batch from the inbox: as many messages as make about batchRows datapoints and at most
     * {@link #MAX_FETCH_BYTES} by the last batch's averages, growing at most to twice the last
     * batch (so a sudden switch to huge messages cannot blow the heap). Whatever is queued now:
     * the turn does not wait for a batch to fill (under load the queue fills while others run).
     */
    private List<Message> collect(LaneInbox in) {
        int want = want();
        List<Message> batch = in.take(want);
        lastBatchFull = batch.size() >= want;
        if (!batch.isEmpty()) {
            long rows = 0;
            long bytes = 0;
            for (Message m : batch) {
                rows += estimateRows(m);
                bytes += m.getData() == null ? 0 : m.getData().length;
            }
            rowsPerMessage = Math.max(1, (double) rows / batch.size());
            bytesPerMessage = Math.max(64, (double) bytes / batch.size());
            lastBatchMessages = batch.size();
        }
        return batch;
    }

    private int want() {
        return (int) Math.max(1, Math.min(Math.min(settings.batchMessages(), settings.batchRows() / rowsPerMessage),
                Math.min(MAX_FETCH_BYTES / bytesPerMessage, 2L * lastBatchMessages + 100)));
    }

    /**
     * A live tenant (a few datapoints a second, each a message of its own) would otherwise commit
     * every datapoint alone: a transaction, a WAL flush, a wake-up of its CDC walsender and a lane
     * turn each. Its turn waits until the first queued message is {@code batchWait} old, so what
     * comes meanwhile is written in the same transaction; a tenant that is behind, or has a full
     * batch queued, never waits. True when the lane was parked for it.
     */
    private boolean lingers(LaneInbox in) {
        long wait = lastBatchFull ? 0 : in.companyWaitMillis(settings.batchWait().toNanos(), want());
        if (wait == 0) {
            return false;
        }
        lane.parkAfterTurn(wait);
        return true;
    }

    /** Datapoints in a message without parsing it: ~ one per top-level object in an array. */
    private static long estimateRows(Message m) {
        byte[] d = m.getData();
        if (d == null || d.length == 0 || d[0] != '[') {
            return 1;
        }
        long n = 0;
        for (byte b : d) {
            if (b == '"') {
                n++;
            }
        }
        // a typical datapoint has ~24 quotes (field names and string values); never less than one
        return Math.max(1, n / 24);
    }

    private record Dead(int message, Rejection rejection) {
    }

    private Prepared prepare(List<Message> batch) {
        List<Candidate> candidates = new ArrayList<>();
        List<Dead> dead = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Message m = batch.get(i);
            int mi = i;
            MessageDecoder.decode(i, m.getSubject(), m.getHeaders(), m.getData(), candidates::add,
                    r -> dead.add(new Dead(mi, r)));
        }

        catalog.prefetch(candidates);
        List<Candidate> valid = new ArrayList<>(candidates.size());
        Set<TenantCatalog.SourceRuleKey> ruleKeys = new HashSet<>();
        // one instance a series a batch: the rows below find their id by identity, not by equals
        Map<TenantCatalog.SeriesKey, TenantCatalog.SeriesKey> seriesKeys = new HashMap<>();
        List<TenantCatalog.SeriesKey> seriesOf = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            TenantCatalog.KeyInfo key = catalog.key(c.owner(), c.key());
            Rejection r = validate(c, key);
            if (r != null) {
                dead.add(new Dead(c.message(), r));
                continue;
            }
            valid.add(c);
            if (c.sourceRule() != null) {
                ruleKeys.add(new TenantCatalog.SourceRuleKey(c.sourceRule(), c.sourceRuleVersion()));
            }
            TenantCatalog.SeriesKey sk = new TenantCatalog.SeriesKey(c.owner(), key.id(), key.kind(), c.instance(),
                    c.provenance(), c.source());
            TenantCatalog.SeriesKey first = seriesKeys.putIfAbsent(sk, sk);
            seriesOf.add(first != null ? first : sk);
        }

        Map<TenantCatalog.SourceRuleKey, Integer> rules = ruleKeys.isEmpty() ? Map.of() : catalog.sourceRules(ruleKeys);
        Map<TenantCatalog.SeriesKey, Long> known = seriesKeys.isEmpty() ? Map.of() : catalog.series(seriesKeys.keySet());
        Map<TenantCatalog.SeriesKey, Long> series = new IdentityHashMap<>(seriesKeys.size());
        for (TenantCatalog.SeriesKey k : seriesKeys.keySet()) {
            Long id = known.get(k);
            if (id != null) {
                series.put(k, id);
            }
        }
        List<StagedRow> rows = new ArrayList<>(valid.size());
        // the first of several (series, ts) in a batch is the one stored, as it would be across batches
        SeriesInstantSet seen = new SeriesInstantSet(valid.size());
        int repeatsInBatch = 0;
        for (int i = 0; i < valid.size(); i++) {
            Candidate c = valid.get(i);
            TenantCatalog.SeriesKey sk = seriesOf.get(i);
            Long seriesId = series.get(sk);
            if (seriesId == null) {
                String refused = catalog.refusal(sk);
                dead.add(new Dead(c.message(), refused != null
                        ? new Rejection(DlqReason.REJECTED_BY_DATABASE, "series of " + c.owner() + " / " + c.key()
                                + " refused: " + refused, c.index(), c.raw().bytes())
                        : new Rejection(DlqReason.UNKNOWN_OWNER,
                        "no series could be made for " + c.owner() + " / " + c.key() + " (owner removed?)",
                        c.index(), c.raw().bytes())));
                continue;
            }
            long micros = LaneTimestamp.epochMicros(c.ts());
            if (!seen.add(seriesId, micros)) { // Postgres keeps microseconds: that is what makes two ts the same
                repeatsInBatch++;
                continue;
            }
            TenantCatalog.SourceRuleKey ruleKey = c.sourceRule() == null ? null
                    : new TenantCatalog.SourceRuleKey(c.sourceRule(), c.sourceRuleVersion());
            Integer ruleId = ruleKey == null ? null : rules.get(ruleKey);
            if (ruleKey != null && ruleId == null) {
                dead.add(new Dead(c.message(), new Rejection(DlqReason.REJECTED_BY_DATABASE, "source_rule refused: "
                        + catalog.refusal(ruleKey), c.index(), c.raw().bytes())));
                continue;
            }
            rows.add(row(c, sk.kind(), seriesId, ruleId, micros));
        }

        return new Prepared(batch, rows, dead, repeatsInBatch);
    }

    /**
     * The batch with its direct COPY worked out here, while the writer still writes the previous
     * one: then the sorting and encoding overlap that write instead of delaying the next. When the
     * writer is idle it is waiting for this very batch, so it gets it at once and encodes it itself
     * (the preparing lane is the slower side then, and must not grow). A batch that will take the
     * staged merge (repeats come in runs) would not use a plan.
     */
    private Prepared plannedWhileWriting(Prepared p) {
        if (!writing || p.rows().isEmpty() || mergeOnlyBatches > 0) {
            return p;
        }
        long t0 = System.nanoTime();
        Prepared planned = p.withPlan(CopyPlan.of(p.rows()));
        metrics.plan.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        return planned;
    }

    /**
     * A batch validated and resolved, waiting for the writer; {@code plan} its direct COPY made
     * ahead (null: the writer makes it if it needs one); {@code storedMillis} is when JetStream
     * stored its oldest message and {@code preparedNanos} when it was handed over (0: not known).
     */
    private record Prepared(List<Message> batch, List<StagedRow> rows, List<Dead> dead, int repeatsInBatch,
                            CopyPlan plan, long storedMillis, long preparedNanos) {
        Prepared(List<Message> batch, List<StagedRow> rows, List<Dead> dead, int repeatsInBatch) {
            this(batch, rows, dead, repeatsInBatch, null, 0, 0);
        }

        Prepared stamped(long storedMillis, long preparedNanos) {
            return new Prepared(batch, rows, dead, repeatsInBatch, plan, storedMillis, preparedNanos);
        }

        Prepared withPlan(CopyPlan plan) {
            return new Prepared(batch, rows, dead, repeatsInBatch, plan, storedMillis, preparedNanos);
        }
    }

    /** When JetStream stored the message (epoch ms; 0 if it does not say). */
    private static long storedMillis(Message m) {
        try {
            java.time.ZonedDateTime at = m.isJetStream() ? m.metaData().timestamp() : null;
            return at == null ? 0 : at.toInstant().toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Writes, dead-letters, then acks: nothing is acked before its rows are committed. */
    private void commit(Prepared p) throws Exception {
        List<Dead> dead = new ArrayList<>(p.dead());
        int inserted = 0;
        List<StagedRow> rows = withoutColdCopies(p.rows());
        if (!rows.isEmpty()) {
            long t0 = System.nanoTime();
            ensurePartitions(rows);
            inserted = writeResilient(rows, dead, p.plan());
            metrics.commit.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
        deadLetter(p.batch(), dead);
        for (Message m : p.batch()) {
            m.ack();
        }
        lanes.floors().acked(control, TenantStreams.dataStream(tenant.slug()), settings.durableName());
        if (p.storedMillis() > 0) {
            metrics.storedToAck.record(Math.max(0, System.currentTimeMillis() - p.storedMillis()), TimeUnit.MILLISECONDS);
        }
        metrics.messages.increment(p.batch().size());
        int refused = dead.size() - p.dead().size(); // rows the database refused while writing
        metrics.stored(inserted, refused < p.rows().size() ? newestMicros(p.rows()) : 0);
        metrics.duplicates.increment(Math.max(0, p.rows().size() - refused - inserted) + p.repeatsInBatch());
        metrics.batchRows.record(p.rows().size());
        for (Dead d : dead) {
            metrics.deadLettered(d.rejection().reason());
        }
    }

    private static long newestMicros(List<StagedRow> rows) {
        long newest = 0;
        for (StagedRow r : rows) {
            newest = Math.max(newest, r.micros());
        }
        return newest;
    }

    /**
     * Backfill: a day without a partition gets one before the batch is written (a failure
     * redelivers the batch), and a write into a day before yesterday is noted first, so the upkeep
     * does not tier or drop the day while it is being written.
     */
    private void ensurePartitions(List<StagedRow> rows) throws SQLException {
        // one (kind, day) per row, without a date or a string per row: rows come in runs of one day
        Set<Long> done = new HashSet<>();
        long live = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1).toEpochDay();
        long last = Long.MIN_VALUE;
        for (StagedRow r : rows) {
            long day = r.epochDay();
            long kindDay = day * DatapointKind.values().length + r.kind().ordinal();
            if (kindDay != last && done.add(kindDay)) {
                String table = DatapointWriter.table(r.kind());
                java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
                if (day < live) {
                    partitions.noteBackfill(table, date);
                }
                partitions.ensure(table, date);
            }
            last = kindDay;
        }
    }

    /**
     * The rows without those a tiered day's cold files already hold (a redelivery after the
     * tiering): stored once, counted as duplicates. Only rows of days before today are looked up.
     */
    private List<StagedRow> withoutColdCopies(List<StagedRow> rows) throws SQLException {
        long today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toEpochDay();
        Map<String, Map<java.time.LocalDate, List<ColdCopies.Key>>> old = new java.util.HashMap<>();
        for (StagedRow r : rows) {
            long day = r.epochDay();
            if (day < today) {
                old.computeIfAbsent(DatapointWriter.table(r.kind()), k -> new java.util.TreeMap<>())
                        .computeIfAbsent(java.time.LocalDate.ofEpochDay(day), d -> new ArrayList<>())
                        .add(new ColdCopies.Key(r.seriesId(), r.micros()));
            }
        }
        if (old.isEmpty()) {
            return rows;
        }
        Set<ColdCopies.Key> cold = new HashSet<>();
        for (Map.Entry<String, Map<java.time.LocalDate, List<ColdCopies.Key>>> e : old.entrySet()) {
            cold.addAll(coldCopies.alreadyCold(e.getKey(), e.getValue())); // a series has one kind: keys never meet across tables
        }
        if (cold.isEmpty()) {
            return rows;
        }
        List<StagedRow> out = new ArrayList<>(rows.size());
        for (StagedRow r : rows) {
            if (!cold.contains(new ColdCopies.Key(r.seriesId(), r.micros()))) {
                out.add(r);
            }
        }
        log.info("sink {}: {} datapoints of tiered days are already in the cold tier: not stored again", tenant.slug(),
                rows.size() - out.size());
        return out;
    }

    /**
     * Postgres' "no partition of relation ... found for row" (23514) is not the row's fault: the
     * upkeep (of this or another core) dropped a day this sink still believed in. The batch is
     * written again once the partitions are made anew, never dead-lettered.
     */
    private static boolean isMissingPartition(SQLException e) {
        return "23514".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("no partition of relation");
    }

    private Rejection validate(Candidate c, TenantCatalog.KeyInfo key) {
        byte[] body = null;
        String why;
        DlqReason reason;
        if (!catalog.ownerExists(c.owner())) {
            reason = DlqReason.UNKNOWN_OWNER;
            why = "owner " + c.owner() + " does not exist";
        } else if (key == null) {
            catalog.forgetKey(c.key());
            reason = DlqReason.UNKNOWN_KEY;
            why = "key '" + c.key() + "' is not in the datapoint_type registry (org, official, or the owner's template)";
        } else if ((why = valueProblem(c, key)) != null) {
            reason = DlqReason.WRONG_VALUE_TYPE;
        } else if (c.eventId() != null && !catalog.eventExists(c.eventId())) {
            reason = DlqReason.LINEAGE;
            why = "event_id " + c.eventId() + " names no event";
        } else if (c.causedByEventId() != null && !catalog.eventExists(c.causedByEventId())) {
            reason = DlqReason.LINEAGE;
            why = LaneHeaders.CAUSED_BY_EVENT_ID + " " + c.causedByEventId() + " names no event";
        } else if ((why = window.check(LaneTimestamp.epochMicros(c.ts()), c.ts(), DatapointWriter.table(key.kind()))) != null) {
            reason = DlqReason.TS_OUTSIDE_WINDOW;
        } else {
            return null;
        }
        body = c.raw().bytes();
        return new Rejection(reason, why, c.index(), body);
    }

    private static String valueProblem(Candidate c, TenantCatalog.KeyInfo key) {
        String kind = key.kind().getLiteral();
        if (!kind.equals(c.subjectKind())) {
            return "key '" + c.key() + "' is a " + kind + " key; publish it on og.<tenant>.dp." + kind;
        }
        JsonNode v = c.value();
        return switch (key.kind()) {
            case metric -> !v.isNumber() ? "a metric value is a number, not " + v.getNodeType().name().toLowerCase()
                    : Double.isFinite(v.doubleValue()) ? null : "metric value " + v.asText() + " is not a finite double";
            case state -> v.isTextual() ? (v.textValue().indexOf('\0') >= 0 ? "a state value cannot hold NUL" : null)
                    : "a state value is a string, not " + v.getNodeType().name().toLowerCase();
            case log -> {
                if (!v.isObject() || !v.path("severity").isTextual() || !v.path("message").isTextual()) {
                    yield "a log value is {\"severity\": \"...\", \"message\": \"...\"}";
                }
                if (!SEVERITIES.contains(v.get("severity").textValue())) {
                    yield "severity '" + v.get("severity").textValue() + "' is not one of " + SEVERITIES;
                }
                yield v.get("message").textValue().indexOf('\0') >= 0 ? "a log message cannot hold NUL" : null;
            }
        };
    }

    private static StagedRow row(Candidate c, DatapointKind kind, long seriesId, Integer ruleId, long micros) {
        JsonNode v = c.value();
        Long eventId = c.provenance() == Provenance.intended ? c.eventId() : null;
        double number = kind == DatapointKind.metric ? v.doubleValue() : 0;
        String text = switch (kind) {
            case metric -> null;
            case state -> v.textValue();
            case log -> v.get("message").textValue();
        };
        String severity = kind == DatapointKind.log ? v.get("severity").textValue() : null;
        return new StagedRow(c.message(), c.index(), kind, seriesId, micros, number, text, severity, c.provenance(),
                ruleId, eventId, c.correlationId(), c.causedByEventId());
    }

    /**
     * New data (the common case) goes by COPY straight into the table; when some rows are already
     * stored (redelivery, republish) the batch goes through the idempotent staged merge, and so do
     * the next few batches, since repeats come in runs.
     */
    private int writeResilient(List<StagedRow> rows, List<Dead> dead, CopyPlan ahead) throws SQLException {
        if (mergeOnlyBatches > 0) {
            mergeOnlyBatches--;
            try {
                return mergeResilient(rows, dead);
            } catch (SQLException e) {
                if (!isMissingPartition(e)) {
                    throw e;
                }
                partitions.forgetAll();
                rows = withoutColdCopies(rows);
                ensurePartitions(rows);
                return mergeResilient(rows, dead);
            }
        }
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                try {
                    // the plan made ahead, unless the rows changed since (cold copies, a re-made partition)
                    int n = DatapointWriter.copyDirect(c, rows, ahead != null && ahead.isFor(rows) ? ahead : CopyPlan.of(rows));
                    c.commit();
                    return n;
                } catch (SQLException e) {
                    c.rollback();
                    if (isMissingPartition(e) && attempt == 1) {
                        log.info("sink {}: a partition was dropped under the batch ({}); making it again", tenant.slug(), e.getMessage());
                        partitions.forgetAll();
                        rows = withoutColdCopies(rows); // the upkeep tiered the day: what it took is stored
                        ensurePartitions(rows);
                        continue;
                    }
                    if (!isDataError(e)) {
                        throw e;
                    }
                    if ("23505".equals(e.getSQLState())) {
                        mergeOnlyBatches = 8;
                    }
                }
            }
            return mergeResilient(rows, dead);
        }
    }

    /**
     * Writes all rows in one transaction; if the database refuses a row despite validation, splits
     * the batch until the culprit is alone and dead-letters it, so the others still land.
     */
    private int mergeResilient(List<StagedRow> rows, List<Dead> dead) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                int n = DatapointWriter.write(c, rows);
                c.commit();
                return n;
            } catch (SQLException e) {
                c.rollback();
                if (!isDataError(e)) {
                    throw e;
                }
                if (rows.size() == 1) {
                    StagedRow r = rows.get(0);
                    dead.add(new Dead(r.message(), new Rejection(DlqReason.REJECTED_BY_DATABASE,
                            e.getSQLState() + " " + e.getMessage(), r.index(), null)));
                    return 0;
                }
                log.info("sink {}: the database refused a batch of {} ({}); isolating the culprit", tenant.slug(), rows.size(), e.getMessage());
            }
        }
        int half = rows.size() / 2;
        return mergeResilient(rows.subList(0, half), dead) + mergeResilient(rows.subList(half, rows.size()), dead);
    }

    /** Data, integrity and limit errors (classes 22, 23, 54) belong to a row; anything else is the database's trouble. */
    private static boolean isDataError(SQLException e) {
        return DataRefusal.isData(e.getSQLState()) && !isMissingPartition(e);
    }

    private void deadLetter(List<Message> batch, List<Dead> dead) throws Exception {
        if (dead.isEmpty()) {
            return;
        }
        JetStream js = nats.jetStream();
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(dead.size());
        for (Dead d : dead) {
            Message m = batch.get(d.message());
            Rejection r = d.rejection();
            Headers h = new Headers();
            if (m.getHeaders() != null) {
                for (String name : m.getHeaders().keySet()) {
                    // Nats-* are JetStream's publish controls (Nats-Expected-Stream, ...): carried over, they
                    // would make the dead letter's own publish fail on every redelivery
                    if (!name.regionMatches(true, 0, "Nats-", 0, 5)) {
                        h.put(name, m.getHeaders().get(name));
                    }
                }
                String original = m.getHeaders().getFirst(LaneHeaders.MSG_ID);
                if (original != null) {
                    h.put("Og-Original-Msg-Id", original);
                }
            }
            h.put(LaneHeaders.ERROR, r.header());
            h.put("Og-Subject", m.getSubject());
            if (r.index() >= 0) {
                h.put(LaneHeaders.ERROR_INDEX, Integer.toString(r.index()));
            }
            // a redelivered batch dead-letters the same datapoint again: the DLQ stream drops the repeat
            String id = "dlq-" + m.metaData().streamSequence() + "-" + r.index();
            byte[] body = r.body() != null ? r.body() : LaneCodec.item(m.getData(), r.index());
            acks.add(js.publishAsync(TenantStreams.dlqSubject(tenant.slug()), h, body,
                    PublishOptions.builder().messageId(id).build()));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        if (log.isDebugEnabled()) {
            dead.forEach(d -> log.debug("sink {}: dead letter {}", tenant.slug(), d.rejection().header()));
        }
    }


    @Override
    public void close() {
        lane.close(30_000);
        writer.close(30_000);
        Prepared left = handoff.getAndSet(null);
        if (left != null) {
            left.batch().forEach(Message::nak); // closing: another instance (or the next start) takes them
        }
        LaneInbox in = inbox;
        if (in != null) {
            in.close();
        }
    }
}
