package io.omniglass.core.lanes;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullRequestOptions;
import io.nats.client.PullSubscribeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A JetStream durable consumer feeding a {@link Lane}. One pull request at a time waits on the
 * server for up to {@code pullBatch} messages; the server streams messages into it as they come,
 * they arrive on the tenant's shared dispatcher, and the handler only queues them and signals the
 * lane. When a request is used up, the next is sent. An idle tenant's consumer is that one request
 * waiting on the server: no thread, no heartbeat (jnats 2.20 gives every heartbeat-watched consumer
 * a {@link java.util.Timer} thread of its own), only a renewal every {@link #EXPIRES} on the shared
 * timer, and a new request at once when the lane connection reconnects (the server forgets the
 * waiting requests of a lost connection).
 * <p>
 * Memory is bounded per tenant: a request asks for at most {@code pullBatch} messages and about a
 * quarter of {@code highBytes} (by the recent messages' size); past {@code highMessages} queued
 * messages (or {@code highBytes}) no new request is sent, until the lane has worked the queue down to half, so a tenant replaying
 * months of backlog holds a few batches here, not the backlog.
 */
public final class LaneInbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LaneInbox.class);
    /** How long a pull request waits on the server; renewed a little before it ends (overlapping is harmless). */
    static final Duration EXPIRES = Duration.ofMinutes(2);
    private static final long RENEW_MARGIN_MS = 2_000;

    private final String name;
    private final Lanes lanes;
    private final Dispatcher dispatcher;
    private final Connection connection;
    private final String stream;
    private final String durable;
    private final Lane lane;
    private final int pullBatch;
    private final int highMessages;
    private final long highBytes;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private final Runnable onReconnect = this::reconnected;
    /** Makes the durable again if the server lost it (a memory-stored consumer after a restart); may be null. */
    private final Ensure ensure;
    private JetStreamSubscription subscription;
    private ScheduledFuture<?> renewal;
    private long bytes;
    /** Messages the current pull request may still bring. */
    private int requested;
    /** Recent messages' mean size: a request asks for about a quarter of the byte bound. */
    private double meanBytes = 1024;
    private boolean paused;
    private boolean closed;
    private volatile long streamPending;
    /** When the oldest queued message arrived (nanoTime), or about: see {@link #companyWaitMillis}. */
    private long oldestArrival;

    private LaneInbox(Lanes lanes, String tenant, String stream, String durable, Lane lane,
                      int pullBatch, int highMessages, long highBytes, Ensure ensure) {
        this.ensure = ensure;
        this.name = stream + "/" + durable;
        this.lanes = lanes;
        this.connection = lanes.connection(tenant);
        this.dispatcher = lanes.dispatcher(tenant);
        this.stream = stream;
        this.durable = durable;
        this.lane = lane;
        this.pullBatch = pullBatch;
        this.highMessages = Math.max(highMessages, pullBatch);
        this.highBytes = highBytes;
    }

    /**
     * An inbox for the durable {@code durable} of {@code stream} (which must exist) over the
     * tenant's lane connection and dispatcher, waking {@code lane} on arrivals once
     * {@link #start()}ed (the lane's work must be able to see the inbox before the first arrival).
     */
    public static LaneInbox create(Lanes lanes, String tenant, String stream, String durable, Lane lane,
                                   int pullBatch, int highMessages, long highBytes) {
        return new LaneInbox(lanes, tenant, stream, durable, lane, pullBatch, highMessages, highBytes, null);
    }

    /**
     * As {@link #create(Lanes, String, String, String, Lane, int, int, long)}, for a memory-stored durable
     * ({@link DurableFloors}): when the lane connection is back, {@code ensure} makes the durable again
     * if the server lost it (off the lanes' timer), before the new pull request.
     */
    public static LaneInbox create(Lanes lanes, String tenant, String stream, String durable, Lane lane,
                                   int pullBatch, int highMessages, long highBytes, Ensure ensure) {
        return new LaneInbox(lanes, tenant, stream, durable, lane, pullBatch, highMessages, highBytes, ensure);
    }

    /** Makes a memory-stored durable again if the server lost it ({@link DurableFloors#ensure}). */
    @FunctionalInterface
    public interface Ensure {
        void run() throws Exception;
    }

    /** Binds to the consumer and sends the first pull request. */
    public synchronized LaneInbox start() throws Exception {
        if (subscription == null && !closed) {
            subscription = connection.jetStream().subscribe(null, dispatcher, this::arrived,
                    PullSubscribeOptions.bind(stream, durable));
            lanes.onReconnect(connection, onReconnect);
            pull();
        }
        return this;
    }

    /** Sends a new pull request (the previous one is used up, expired or lost); holds the monitor. */
    private void pull() {
        if (closed || subscription == null) {
            return;
        }
        if (renewal != null) {
            renewal.cancel(false);
        }
        try {
            int n = (int) Math.max(1, Math.min(pullBatch, highBytes / 4 / meanBytes));
            subscription.pull(PullRequestOptions.builder(n).expiresIn(EXPIRES).build());
            requested = n;
        } catch (RuntimeException e) {
            log.warn("{}: cannot ask for messages yet ({}); trying again in a second", name, e.toString());
            requested = 0;
        }
        long next = requested > 0 ? EXPIRES.toMillis() - RENEW_MARGIN_MS : 1_000;
        renewal = lanes.timers().schedule(this::renew, next, TimeUnit.MILLISECONDS);
    }

    private synchronized void renew() {
        if (!paused) {
            pull();
        }
    }

    private void reconnected() {
        if (ensure == null) {
            repull();
            return;
        }
        lanes.floors().execute(() -> ensureThenPull(1));
    }

    /** Makes the durable again if it is missing, then asks; while the server cannot say (JetStream starting), again a second later. */
    private void ensureThenPull(int attempt) {
        if (closed) {
            return;
        }
        try {
            ensure.run();
        } catch (Exception e) {
            if (attempt < 120) {
                log.debug("{}: cannot make the consumer again yet ({}); again in a second", name, e.toString());
                lanes.floors().schedule(() -> ensureThenPull(attempt + 1), 1_000);
                return;
            }
            log.warn("{}: cannot make the consumer again ({}); the renewal asks again", name, e.toString());
        }
        repull();
    }

    private synchronized void repull() {
        if (!paused) {
            pull();
        }
    }

    private void arrived(Message m) {
        if (m == null || m.isStatusMessage() || !m.isJetStream()) {
            return;
        }
        synchronized (this) {
            if (closed) {
                m.nak(); // another instance (or the next start) takes it
                return;
            }
            if (queue.isEmpty()) {
                oldestArrival = System.nanoTime();
            }
            queue.add(m);
            long size = size(m);
            bytes += size;
            meanBytes = 0.9 * meanBytes + 0.1 * size;
            if (--requested <= 0) {
                if (queue.size() >= highMessages || bytes >= highBytes) {
                    paused = true; // taking messages out sends the next request
                    if (renewal != null) {
                        renewal.cancel(false);
                    }
                } else {
                    pull();
                }
            }
        }
        lane.signal();
    }

    /** Up to {@code max} queued messages, oldest first (possibly none). */
    public List<Message> take(int max) {
        List<Message> out = new ArrayList<>(Math.min(max, 1024));
        synchronized (this) {
            while (out.size() < max && !queue.isEmpty()) {
                Message m = queue.poll();
                bytes -= size(m);
                out.add(m);
            }
            if (!out.isEmpty()) {
                streamPending = out.get(out.size() - 1).metaData().pendingCount();
                // what is left came after what was taken: counted from now it waits a little longer, never less
                oldestArrival = System.nanoTime();
            }
            if (paused && queue.size() <= highMessages / 2 && bytes <= highBytes / 2) {
                paused = false;
                pull();
            }
        }
        return out;
    }

    /** Whether messages are queued. */
    public synchronized boolean hasQueued() {
        return !queue.isEmpty();
    }

    /**
     * How much longer a live tenant's turn should wait for its oldest queued message to have
     * company, in milliseconds (0: take the turn now), so its few datapoints a second are committed
     * together rather than one transaction each. Never for a tenant that is behind (the stream has
     * more for it) or has a full turn of {@code fullTurn} messages queued.
     */
    public synchronized long companyWaitMillis(long lingerNanos, int fullTurn) {
        if (lingerNanos <= 0 || queue.isEmpty() || streamPending > 0 || queue.size() >= fullTurn) {
            return 0;
        }
        long left = lingerNanos - (System.nanoTime() - oldestArrival);
        return left <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
    }

    /** Messages queued here, not yet taken. */
    public synchronized int queued() {
        return queue.size();
    }

    /** The stream's count of messages not yet delivered to this consumer, as of the newest message taken. */
    public long streamPending() {
        return streamPending;
    }

    private static long size(Message m) {
        byte[] d = m.getData();
        return d == null ? 64 : d.length + 64L;
    }

    /** Stops consuming; queued messages are nak'd for another instance or the next start. */
    @Override
    public void close() {
        List<Message> left;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            lanes.removeOnReconnect(connection, onReconnect);
            if (renewal != null) {
                renewal.cancel(false);
            }
            left = new ArrayList<>(queue);
            queue.clear();
            bytes = 0;
            if (subscription != null) {
                try {
                    dispatcher.unsubscribe(subscription);
                } catch (RuntimeException ignored) {
                    // the connection is closing
                }
            }
        }
        for (Message m : left) {
            try {
                m.nak();
            } catch (RuntimeException ignored) {
                // the connection is closing: the ack wait hands it out again
            }
        }
    }
}
