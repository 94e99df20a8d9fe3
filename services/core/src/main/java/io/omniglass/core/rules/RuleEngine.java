package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.core.lanes.Lane;
import io.omniglass.core.lanes.LaneInbox;
import io.omniglass.core.lanes.Lanes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.omniglass.core.sink.DataRefusal;
import io.omniglass.core.telemetry.StageTimer;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.schema.tenant.enums.ActionStatus;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static io.omniglass.schema.tenant.Tables.ACTION;

/**
 * The event-rule evaluator of one tenant: a {@link Lane} fed by the shared durable consumer
 * {@code og-rules} on the data lane (instances split the messages between them; the database
 * serializes the decisions). Messages are acknowledged only after their transitions committed.
 */
final class RuleEngine implements AutoCloseable {

    static final String DURABLE = "og-rules";
    private static final Logger log = LoggerFactory.getLogger(RuleEngine.class);

    /** Datapoint messages per turn: a replaying tenant's turn stays short, so others get theirs. */
    static final int BATCH = 500;

    private final String slug;
    private final Lanes lanes;
    private final Connection control;
    private final DSLContext db;
    private final Supplier<List<EventRuleDef>> rules;
    private final LaneWindow window;
    private final Counter evaluated;
    private final Counter transitions;
    private final Counter skipped;
    private final StageTimer storedToDecided;
    private final DecidedSamples decided = new DecidedSamples();
    private final Lane lane;
    /** How long a live tenant's turn waits for its first datapoint message to have company (see {@link #lingers}). */
    private final long lingerNanos;
    private volatile LaneInbox inbox;
    private long lastComplaint;

    RuleEngine(String slug, Lanes lanes, Connection control, DSLContext db, Supplier<List<EventRuleDef>> rules,
               LaneWindow window,
               MeterRegistry metrics, Duration linger) {
        this.lingerNanos = linger.toNanos();
        this.slug = slug;
        this.lanes = lanes;
        this.control = control;
        this.db = db;
        this.rules = rules;
        this.window = window;
        this.evaluated = Counter.builder("og_rules_datapoints_evaluated").tag("tenant", slug).register(metrics);
        this.transitions = Counter.builder("og_rules_alarm_transitions").tag("tenant", slug).register(metrics);
        this.skipped = Counter.builder("og_rules_messages_skipped")
                .description("data-lane messages left undecoded: nothing in them could change an alarm (no rule, or backfill "
                        + "not newer than what was decided)")
                .tag("tenant", slug).register(metrics);
        // recent p50/p99 from a StageTimer, not Micrometer's per-tenant HdrHistograms (docs/fleet.md, s12-corecpu)
        this.storedToDecided = StageTimer.register(metrics, "og_rules_stored_to_decided",
                "JetStream stored a batch's oldest datapoint message -> its alarm decisions committed", slug);
        this.lane = lanes.lane("rules:" + slug, this::turn);
    }

    void start() throws Exception {
        ensureConsumer();
        inbox = LaneInbox.create(lanes, slug, TenantStreams.dataStream(slug), DURABLE, lane, BATCH, 4 * BATCH, 16L << 20,
                this::ensureConsumer);
        inbox.start();
    }

    /** Memory-stored, made again from its floor when the server lost it ({@link io.omniglass.core.lanes.DurableFloors}). */
    private void ensureConsumer() throws Exception {
        lanes.floors().ensure(control, TenantStreams.dataStream(slug), ConsumerConfiguration.builder()
                .durable(DURABLE)
                .filterSubject(TenantStreams.dataSubjects(slug))
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(Duration.ofSeconds(30))
                .maxAckPending(20_000)
                .build());
    }

    private boolean turn() {
        LaneInbox in = inbox;
        if (in == null || lingers(in)) {
            return false;
        }
        List<Message> batch = in.take(BATCH);
        if (batch.isEmpty()) {
            return false;
        }
        // a replaying tenant's rules are a backlog, served after the lanes woken by live datapoints
        boolean behind = batch.size() >= BATCH || in.streamPending() > 0;
        lane.markBehind(behind);
        try {
            process(batch);
            recordDelay(batch.get(0));
        } catch (RuntimeException e) {
            complain("rule engine of tenant {} failed a batch (will retry): {}", e);
            batch.forEach(m -> m.nakWithDelay(Duration.ofSeconds(1)));
            lane.parkAfterTurn(1000);
        }
        // what arrived during the turn signalled the lane (news); more than a turn takes is a backlog
        return behind && in.hasQueued();
    }

    /**
     * As the sink's: a live tenant's few datapoints a second would each be a transaction of its
     * own (the state rows locked and written, a commit, a wake-up of the CDC walsender); waiting
     * until the first queued message is {@code linger} old decides what came meanwhile together.
     * Never for a tenant that is behind or has a full turn queued. True when the lane was parked.
     */
    private boolean lingers(LaneInbox in) {
        long wait = in.companyWaitMillis(lingerNanos, BATCH);
        if (wait == 0) {
            return false;
        }
        lane.parkAfterTurn(wait);
        return true;
    }

    private void recordDelay(Message oldest) {
        try {
            java.time.ZonedDateTime stored = oldest.isJetStream() ? oldest.metaData().timestamp() : null;
            if (stored != null) {
                storedToDecided.record(Duration.between(stored.toInstant(), java.time.Instant.now()).abs());
            }
        } catch (RuntimeException ignored) {
            // no JetStream metadata: nothing to measure
        }
    }

    /** Evaluates a batch; acks it when every decision committed, otherwise leaves it for redelivery. */
    void process(List<Message> batch) {
        List<EventRuleDef> current = rules.get();
        Map<String, Group> groups = new TreeMap<>(); // sorted: evaluators take state locks in one order
        List<Reading> confirmations = new ArrayList<>();
        for (Message m : batch) {
            int decidedAlready = decidedAlready(m, current);
            if (decidedAlready >= 0) {
                skipped.increment();
                evaluated.increment(decidedAlready); // each decided as the live decision would: not newer, ignored
                continue;
            }
            for (Reading dp : Reading.read(m)) {
                if (dp.provenance().equals("intended")) {
                    continue; // a command is not a measurement
                }
                if (!window.accepts(dp)) {
                    continue; // the sink dead-letters it; as a rule's last sample it would silence the rule
                }
                if (dp.causedByEventId() != null) {
                    confirmations.add(dp);
                }
                for (EventRuleDef r : current) {
                    if (!r.matches(dp.owner(), dp.key())) {
                        continue;
                    }
                    if (!decided.isNew(r, dp.owner(), dp.ts())) {
                        evaluated.increment(); // not newer than what was decided: the decision would ignore it
                    } else {
                        groups.computeIfAbsent(r.id() + "/" + dp.owner(), k -> new Group(r, dp.owner(), new ArrayList<>()))
                                .datapoints().add(dp);
                    }
                }
            }
        }
        boolean retry = false;
        List<Group> all = new ArrayList<>(groups.values());
        if (all.size() > 1 && evaluateTogether(all)) {
            all = List.of();
        }
        for (Group g : all) {
            try {
                List<Decided> bounds = new ArrayList<>();
                List<AlarmTransitions.Transition> done = db.transactionResult(cfg ->
                        AlarmTransitions.evaluateAll(cfg.dsl(), List.of(new AlarmTransitions.Work(g.rule(), g.owner(), g.datapoints())),
                                (w, lastTs) -> bounds.add(new Decided(w.rule(), w.owner(), lastTs))));
                bounds.forEach(this::remember);
                evaluated.increment(g.datapoints().size());
                transitions.increment(done.size());
                for (AlarmTransitions.Transition t : done) {
                    log.info("tenant {}: {} {} (rule {} v{}, alarm {}, event {})", slug, g.owner(), t.name(),
                            g.rule().name(), g.rule().version(), t.alarmId(), t.eventId());
                }
            } catch (IntegrityConstraintViolationException | IllegalArgumentException e) {
                // the owner or key is not in the model: the sink dead-letters these datapoints too
                complain("tenant {}: datapoints skipped by the rules: {}", e);
            } catch (DataAccessException e) {
                if (DataRefusal.isData(e)) {
                    // the database refuses these datapoints as data: redelivering them would refuse them forever
                    complain("tenant {}: datapoints refused by the database, skipped by the rules: {}", e);
                    continue;
                }
                complain("tenant {}: rule evaluation failed, redelivering: {}", e);
                retry = true;
            }
        }
        for (Reading dp : confirmations) {
            try {
                confirm(dp);
            } catch (IntegrityConstraintViolationException | IllegalArgumentException e) {
                complain("tenant {}: command confirmation skipped: {}", e);
            } catch (DataAccessException e) {
                complain("tenant {}: command confirmation failed, redelivering: {}", e);
                retry = true;
            }
        }
        for (Message m : batch) {
            if (retry) {
                m.nakWithDelay(Duration.ofSeconds(2));
            } else {
                m.ack();
            }
        }
        if (!retry) {
            lanes.floors().acked(control, TenantStreams.dataStream(slug), DURABLE);
        }
    }

    /**
     * The common case in one transaction with a handful of statements (state rows locked in key
     * order, so two engines cannot deadlock on them); false when anything failed, and each group is then retried on its own so
     * one bad owner does not hold the others back.
     */
    private boolean evaluateTogether(List<Group> all) {
        try {
            List<AlarmTransitions.Work> work = all.stream()
                    .map(g -> new AlarmTransitions.Work(g.rule(), g.owner(), g.datapoints())).toList();
            List<Decided> bounds = new ArrayList<>();
            List<AlarmTransitions.Transition> done = db.transactionResult(cfg -> {
                bounds.clear(); // a retried transaction starts over
                return AlarmTransitions.evaluateAll(cfg.dsl(), work, (w, lastTs) -> bounds.add(new Decided(w.rule(), w.owner(), lastTs)));
            });
            bounds.forEach(this::remember);
            for (Group g : all) {
                evaluated.increment(g.datapoints().size());
            }
            transitions.increment(done.size());
            for (AlarmTransitions.Transition t : done) {
                log.info("tenant {}: alarm {} {} (event {})", slug, t.alarmId(), t.name(), t.eventId());
            }
            return true;
        } catch (DataAccessException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The device reported back after a command: the action is confirmed by this datapoint. */
    private void confirm(Reading dp) {
        db.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            var action = tx.selectFrom(ACTION).where(ACTION.COMMAND_EVENT_ID.eq(dp.causedByEventId())
                    .and(ACTION.STATUS.in(ActionStatus.pending, ActionStatus.sent))).forUpdate().fetchOne();
            if (action == null || !action.getOwner().equals(dp.owner()) || !action.getKey().equals(dp.key())) {
                return;
            }
            SeriesIds.resolve(tx, dp.owner(), dp.key(), dp.instance(), dp.provenance(), dp.source()).ifPresent(series ->
                    tx.update(ACTION)
                            .set(ACTION.STATUS, ActionStatus.confirmed)
                            .set(ACTION.CONFIRMED_SERIES_ID, series)
                            .set(ACTION.CONFIRMED_TS, dp.ts().atOffset(ZoneOffset.UTC))
                            .set(ACTION.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC))
                            .where(ACTION.ID.eq(action.getId())).execute());
            log.info("tenant {}: action {} confirmed by {} {} at {}", slug, action.getId(), dp.owner(), dp.key(), dp.ts());
        });
    }

    private record Group(EventRuleDef rule, String owner, List<Reading> datapoints) {
    }

    /** A (rule, owner) state as a committed transaction left it. */
    private record Decided(EventRuleDef rule, String owner, java.time.Instant lastTs) {
    }

    private void remember(Decided d) {
        decided.decided(d.rule(), d.owner(), d.lastTs());
    }

    /**
     * A message that can neither change an alarm nor confirm a command is acknowledged without
     * being decoded: the tenant has no event rule, or (a backfill behind live series) none of its
     * datapoints is newer than what its rules already decided. Returns the (datapoint, rule)
     * matches it held then, or {@link DecidedSamples#MAY_CHANGE}. A confirmation is named by a header.
     */
    private int decidedAlready(Message m, List<EventRuleDef> current) {
        if (m.getHeaders() != null && m.getHeaders().getFirst(io.omniglass.api.lane.LaneHeaders.CAUSED_BY_EVENT_ID) != null) {
            return DecidedSamples.MAY_CHANGE;
        }
        return current.isEmpty() ? 0 : decided.decidedMatches(m.getData(), current);
    }

    private void complain(String format, Exception e) {
        long now = System.currentTimeMillis();
        if (now - lastComplaint > 10_000) {
            lastComplaint = now;
            log.warn(format, slug, e.getMessage());
        }
    }


    @Override
    public void close() {
        lane.close(3000);
        decided.clear();
        LaneInbox in = inbox;
        if (in != null) {
            in.close();
        }
    }
}
