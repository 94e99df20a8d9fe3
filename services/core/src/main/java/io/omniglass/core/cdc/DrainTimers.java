package io.omniglass.core.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/**
 * What the bounded sessions cost and how long a commit waits for one, core-wide (no tenant tag:
 * the figures of the pool, not of a tenant): a commit's wait from its wake-up to a session taking
 * its feed, and each drain's time from connecting to the slot to hanging up.
 */
final class DrainTimers {

    private final Timer commitWait;
    private final Timer commitDrain;
    private final Timer housekeepingDrain;
    private final Timer open;
    private final Timer catchUp;
    private final Timer after;
    private final Timer prepare;
    private final Timer openConnect;
    private final Timer openStart;
    private final Timer openStreamEnd;
    private final Timer openSlotBusy;
    private final io.micrometer.core.instrument.Counter streamEndAsked;
    private final io.micrometer.core.instrument.Counter streamEndKnown;
    private final io.micrometer.core.instrument.Counter reused;
    private final io.micrometer.core.instrument.Counter opened;
    private final io.micrometer.core.instrument.Counter parkedCount;
    private final io.micrometer.core.instrument.Counter evicted;
    private final io.micrometer.core.instrument.Counter idleClosed;
    private final io.micrometer.core.instrument.Counter declined;
    private final Timer sliced;
    private final Timer settle;
    private final Timer close;
    private final Timer firstMessage;
    private final Timer wholeOnOpen;
    private final Timer wholeOnNew;
    private final Timer sentLsnAsked;
    private final java.util.Map<End, io.micrometer.core.instrument.Counter> ends = new java.util.EnumMap<>(End.class);
    private final io.micrometer.core.instrument.Counter caughtUpByKeepalive;
    private final io.micrometer.core.instrument.Counter caughtUpByAsking;
    private final io.micrometer.core.instrument.DistributionSummary behindAtStart;

    DrainTimers(MeterRegistry metrics) {
        commitWait = Timer.builder("og_cdc_commit_wait").description("from a commit's wake-up to a session taking its feed")
                .publishPercentiles(0.5, 0.99).register(metrics);
        commitDrain = Timer.builder("og_cdc_drain").tag("kind", "commit").description("one drain of a slot, connect to hang-up")
                .publishPercentiles(0.5, 0.99).register(metrics);
        housekeepingDrain = Timer.builder("og_cdc_drain").tag("kind", "housekeeping")
                .description("one drain of a slot, connect to hang-up").publishPercentiles(0.5, 0.99).register(metrics);
        open = phase(metrics, "open");
        catchUp = phase(metrics, "catch_up");
        after = phase(metrics, "after_catch_up");
        prepare = phase(metrics, "prepare");
        openConnect = phase(metrics, "open_connect");
        openStart = phase(metrics, "open_start_replication");
        openStreamEnd = phase(metrics, "open_stream_end");
        openSlotBusy = phase(metrics, "open_slot_busy");
        streamEndAsked = streamEnd(metrics, "asked");
        streamEndKnown = streamEnd(metrics, "known");
        reused = io.micrometer.core.instrument.Counter.builder("og_cdc_session_reused")
                .description("commit drains that went on on a replication connection left open, without opening one")
                .register(metrics);
        opened = io.micrometer.core.instrument.Counter.builder("og_cdc_session_opened")
                .description("replication connections opened (a walsender started) for a drain").register(metrics);
        parkedCount = parkCounter(metrics, "parked");
        evicted = parkCounter(metrics, "evicted");
        idleClosed = parkCounter(metrics, "idle_closed");
        declined = parkCounter(metrics, "declined");
        sliced = phase(metrics, "sliced");
        settle = phase(metrics, "settle");
        close = phase(metrics, "close");
        firstMessage = phase(metrics, "first_message");
        wholeOnOpen = phase(metrics, "whole_on_open_session");
        wholeOnNew = phase(metrics, "whole_on_new_session");
        sentLsnAsked = phase(metrics, "sent_lsn_asked");
        for (End how : End.values()) {
            ends.put(how, drainEnd(metrics, how.tag()));
        }
        caughtUpByKeepalive = caughtUpBy(metrics, "received");
        caughtUpByAsking = caughtUpBy(metrics, "asked");
        behindAtStart = io.micrometer.core.instrument.DistributionSummary.builder("og_cdc_drain_behind_bytes")
                .description("a commit drain's slot: its unconfirmed WAL as the sweep last read it (what the walsender decodes)")
                .baseUnit("bytes").publishPercentiles(0.5, 0.99).register(metrics);
    }

    /**
     * How a commit drain ended: caught up with its target and done; caught up and handed over to a
     * waiting feed; its time slice over before it caught up (requeued: its commit waits for a session
     * again); ended by its fence (the lease lapsed, or the core is closing); or failed.
     */
    enum End {
        CAUGHT_UP, HANDED_OVER, SLICED, FENCED, FAILED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static io.micrometer.core.instrument.Counter drainEnd(MeterRegistry metrics, String how) {
        return io.micrometer.core.instrument.Counter.builder("og_cdc_drain_end").tag("how", how)
                .description("commit drains by how they ended: caught_up, handed_over, sliced, fenced, failed").register(metrics);
    }

    /** How a commit drain learnt it had caught up: the walsender's messages said so, or pg_stat_replication was asked. */
    private static io.micrometer.core.instrument.Counter caughtUpBy(MeterRegistry metrics, String how) {
        return io.micrometer.core.instrument.Counter.builder("og_cdc_drain_caught_up").tag("by", how)
                .description("commit drains caught up: by the walsender's received position, or by asking its sent position").register(metrics);
    }

    /** A commit drain's end. */
    void ended(End how) {
        ends.get(how).increment();
    }

    void caughtUpBy(boolean asked) {
        (asked ? caughtUpByAsking : caughtUpByKeepalive).increment();
    }

    /** A drain that ended on its time slice: from its stream's first read to the hand-over decision, then the wait for its PubAcks. */
    void sliced(long streamingNanos, long settleNanos) {
        sliced.record(streamingNanos, TimeUnit.NANOSECONDS);
        settle.record(settleNanos, TimeUnit.NANOSECONDS);
    }

    /** Closing or parking the session at a commit drain's end. */
    void closed(long nanos) {
        close.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** From the end of the open (START_REPLICATION and the stream's end) to the walsender's first message (a change or a keepalive): decoding up to where it has something to say. */
    void firstMessage(long nanos) {
        firstMessage.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One question to pg_stat_replication for the walsender's sent position (a drain that heard no keepalive). */
    void sentLsnAsked(long nanos) {
        sentLsnAsked.record(nanos, TimeUnit.NANOSECONDS);
    }

    void behindAtStart(long bytes) {
        if (bytes >= 0) {
            behindAtStart.record(bytes);
        }
    }

    /**
     * What became of the sessions a drain left reusable: parked; closed from the pool for a newer one
     * (evicted) or after the idle period; or not parked at all, the feed unlikely to be back in time (declined).
     */
    private static io.micrometer.core.instrument.Counter parkCounter(MeterRegistry metrics, String outcome) {
        return io.micrometer.core.instrument.Counter.builder("og_cdc_session_park").tag("outcome", outcome)
                .description("reusable sessions after a drain: parked, evicted, idle_closed, declined").register(metrics);
    }

    /**
     * How a newly opened session learnt where the tenant's stream ends: asked JetStream (STREAM.INFO
     * and the last message), or known from the feed's last clean drain under the same lease term.
     */
    private static io.micrometer.core.instrument.Counter streamEnd(MeterRegistry metrics, String how) {
        return io.micrometer.core.instrument.Counter.builder("og_cdc_stream_end").tag("how", how)
                .description("sessions opened: the stream's end asked of JetStream, or known from the last clean drain")
                .register(metrics);
    }

    /** A commit drain's work before its session: the snapshot record, the skip's counter, the target. */
    void prepared(long nanos) {
        prepare.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A newly opened session's phases (nanos): waiting for the slot's previous consumer, connecting, START_REPLICATION, the stream's end (asked or known). */
    void opening(long slotBusy, long connect, long start, long streamEnd, boolean asked) {
        openSlotBusy.record(slotBusy, TimeUnit.NANOSECONDS);
        openConnect.record(connect, TimeUnit.NANOSECONDS);
        openStart.record(start, TimeUnit.NANOSECONDS);
        openStreamEnd.record(streamEnd, TimeUnit.NANOSECONDS);
        (asked ? streamEndAsked : streamEndKnown).increment();
    }

    void opened() {
        opened.increment();
    }

    void parked() {
        parkedCount.increment();
    }

    void evicted(int n) {
        evicted.increment(n);
    }

    void idleClosed(int n) {
        idleClosed.increment(n);
    }

    void declined() {
        declined.increment();
    }

    private static Timer phase(MeterRegistry metrics, String phase) {
        return Timer.builder("og_cdc_drain_phase").tag("phase", phase)
                .description("a commit drain's phases: open (until the stream is read), catch_up (to the target), after_catch_up "
                        + "(woken again, PubAcks, confirm, hang-up); prepare (before the session) and open's parts: "
                        + "open_slot_busy, open_connect, open_start_replication, open_stream_end; first_message (the open's end "
                        + "to the walsender's first message), sliced and settle (a drain whose time slice ended before it caught "
                        + "up), close (closing or parking the session), sent_lsn_asked (one pg_stat_replication question); "
                        + "whole_on_open_session and whole_on_new_session (the whole drain, start to end, on a session kept "
                        + "open since the tenant's last drain, or on one opened for it)")
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    /**
     * A commit drain's phases from its start, the stream's first read, its catching up (0: never) and
     * its end; and the whole drain by whether it went on on a session kept open ({@code reused}).
     */
    void phases(long start, long streaming, long caughtUp, long end, boolean reused) {
        (reused ? wholeOnOpen : wholeOnNew).record(end - start, TimeUnit.NANOSECONDS);
        if (streaming > 0) {
            open.record(streaming - start, TimeUnit.NANOSECONDS);
            if (caughtUp > 0) {
                catchUp.record(caughtUp - streaming, TimeUnit.NANOSECONDS);
                after.record(end - caughtUp, TimeUnit.NANOSECONDS);
            }
        }
    }

    void reused() {
        reused.increment();
    }

    void commitWaited(long nanos) {
        if (nanos > 0) {
            commitWait.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void drained(boolean forCommit, long nanos) {
        (forCommit ? commitDrain : housekeepingDrain).record(nanos, TimeUnit.NANOSECONDS);
    }
}
