package io.omniglass.core.lanes;

import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JetStream durable consumer feeding a {@link Lane}: the server serves the pull requests that
 * jnats keeps topped up ({@code consume}), the messages arrive on a shared dispatcher, and the
 * handler only queues them and signals the lane. An idle tenant's consumer is a pull request
 * waiting on the server (renewed once per {@link #EXPIRES}, with a heartbeat at half of it): no
 * thread and no work here.
 * <p>
 * Memory is bounded per tenant: past {@code highMessages} queued messages (or {@code highBytes})
 * the consumer stops asking for more, and starts again when the lane has worked the queue down to
 * half, so a tenant replaying months of backlog holds a few batches here, not the backlog.
 */
public final class LaneInbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LaneInbox.class);
    /** Long pulls: an idle consumer costs one renewed pull a minute and a heartbeat every 30 s. */
    static final Duration EXPIRES = Duration.ofSeconds(60);

    private final String name;
    private final ConsumerContext consumer;
    private final Dispatcher dispatcher;
    private final ConsumeOptions options;
    private final Lane lane;
    private final Lanes lanes;
    private final int highMessages;
    private final long highBytes;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private final List<MessageConsumer> draining = new ArrayList<>();
    private long bytes;
    private MessageConsumer active;
    private boolean paused;
    private boolean closed;
    private volatile long streamPending;

    private LaneInbox(String name, ConsumerContext consumer, Dispatcher dispatcher, Lanes lanes, Lane lane,
                      int pullBatch, int highMessages, long highBytes) {
        this.name = name;
        this.consumer = consumer;
        this.dispatcher = dispatcher;
        this.lanes = lanes;
        this.lane = lane;
        this.highMessages = highMessages;
        this.highBytes = highBytes;
        this.options = ConsumeOptions.builder().batchSize(pullBatch).expiresIn(EXPIRES.toMillis()).build();
    }

    /**
     * An inbox for the durable {@code durable} of {@code stream} (which must exist) over the
     * tenant's lane connection and dispatcher, waking {@code lane} on arrivals once
     * {@link #start()}ed (the lane's work must be able to see the inbox before the first arrival).
     */
    public static LaneInbox create(Lanes lanes, String tenant, String stream, String durable, Lane lane,
                                   int pullBatch, int highMessages, long highBytes) throws Exception {
        Connection c = lanes.connection(tenant);
        return new LaneInbox(stream + "/" + durable, c.getConsumerContext(stream, durable),
                lanes.dispatcher(tenant), lanes, lane, pullBatch, highMessages, highBytes);
    }

    /** Starts consuming. */
    public synchronized LaneInbox start() throws Exception {
        if (active == null && !closed) {
            active = consumer.consume(options, dispatcher, this::arrived);
        }
        return this;
    }

    private void arrived(Message m) {
        if (m == null || !m.isJetStream()) {
            return;
        }
        synchronized (this) {
            if (closed) {
                m.nak(); // another instance (or the next start) takes it
                return;
            }
            queue.add(m);
            bytes += size(m);
            if (!paused && (queue.size() >= highMessages || bytes >= highBytes)) {
                paused = true;
                active.stop(); // what is already asked for still arrives, and is queued
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
            }
            if (paused && !closed && queue.size() <= highMessages / 2 && bytes <= highBytes / 2) {
                resume();
            }
        }
        return out;
    }

    private void resume() {
        try {
            draining.add(active);
            for (Iterator<MessageConsumer> it = draining.iterator(); it.hasNext(); ) {
                MessageConsumer old = it.next();
                if (old.isFinished()) {
                    closeQuietly(old);
                    it.remove();
                }
            }
            active = consumer.consume(options, dispatcher, this::arrived);
            paused = false;
        } catch (Exception e) {
            draining.remove(active);
            log.warn("{}: cannot ask for more messages yet ({}); trying again in a second", name, e.toString());
            lanes.timers().schedule(lane::signal, 1, TimeUnit.SECONDS);
        }
    }

    /** Whether messages are queued. */
    public synchronized boolean hasQueued() {
        return !queue.isEmpty();
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
            left = new ArrayList<>(queue);
            queue.clear();
            bytes = 0;
            if (active != null) {
                draining.add(active);
            }
            draining.forEach(LaneInbox::closeQuietly);
            draining.clear();
        }
        for (Message m : left) {
            try {
                m.nak();
            } catch (RuntimeException ignored) {
                // the connection is closing: the ack wait hands it out again
            }
        }
    }

    private static void closeQuietly(MessageConsumer c) {
        try {
            c.stop();
            c.close();
        } catch (Exception ignored) {
            // the connection is closing
        }
    }
}
