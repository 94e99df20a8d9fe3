package io.omniglass.core.lanes;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared machinery that runs every tenant's lane work (sink batches, rule evaluation, action
 * rules, timed checks) on one core, at a cost that does not grow with the number of tenants:
 * <ul>
 *   <li>a fixed number of workers taking {@link Lane}s with work from two FIFO ready queues, one
 *       bounded batch per turn, an idle lane being in no queue at all: lanes woken by new work
 *       (a live tenant's datapoint, an alarm change) are served first; a lane that still has
 *       more after its turn, or that its work {@link Lane#markBehind marked behind} (a tenant
 *       draining a backlog), goes to the back of the backlog queue, served when no woken lane
 *       waits, or once every {@value #FRESH_TURNS_PER_BACKLOG_TURN} turns when they keep coming,
 *       so a backlog always moves; and backlog turns hold at most half the workers (at least
 *       one): the others are kept for woken lanes, whose turns mostly wait on a commit, so a live
 *       tenant's turn waits for the CPU or the disk, not for a backlog turn to end;</li>
 *   <li>one timer thread for everything that happens later (a backoff, a snooze that ends);</li>
 *   <li>a few NATS connections for the lanes' bulk traffic (pull deliveries, acks, dead letters,
 *       calculated and intended datapoints), separate from the core's control connection (leases,
 *       control subjects), with tenants spread over them, so one busy tenant cannot fill the
 *       output queue the leases depend on; each connection delivers on a couple of jnats
 *       dispatchers, whose handlers only hand messages to a lane.</li>
 * </ul>
 * Workers block on the ready queues; nothing here polls.
 */
public final class Lanes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lanes.class);

    /** Sizes (OMNIGLASS_LANE_WORKERS, OMNIGLASS_NATS_LANE_CONNECTIONS; see {@link io.omniglass.core.runtime.Setting}). */
    public record Settings(int workers, int connections, int dispatchersPerConnection) {
        public static Settings defaults() {
            // turns mostly wait on a commit (Postgres, JetStream), not on the CPU: twice the cores, at least 8
            return new Settings(Math.max(8, 2 * Runtime.getRuntime().availableProcessors()), 2, 2);
        }

        public static Settings from(io.omniglass.core.runtime.OmniglassConfig.Tuning t) {
            return new Settings(t.laneWorkers(), t.natsLaneConnections(), defaults().dispatchersPerConnection());
        }
    }

    /** When woken lanes keep coming, a backlog lane still gets one turn in this many (under the backlog cap). */
    static final int FRESH_TURNS_PER_BACKLOG_TURN = 8;

    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.locks.Condition work = lock.newCondition();
    /** Lanes woken by new work, and lanes with more after their turn; both under {@link #lock}. */
    private final java.util.ArrayDeque<Lane> fresh = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<Lane> backlog = new java.util.ArrayDeque<>();
    private int backlogRunning;
    private int freshInARow;
    private final int backlogCap;
    private final List<Thread> workers = new ArrayList<>();
    private final ScheduledThreadPoolExecutor timers;
    private final DurableFloors floors = new DurableFloors(DurableFloors.CHECKPOINT_EVERY);
    private final List<Connection> connections = new ArrayList<>();
    private final List<Dispatcher> dispatchers = new ArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final java.util.Map<Connection, java.util.Set<Runnable>> reconnectHooks = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Set by {@link #bindTo}: a turn's wait for a worker and its length, by lane kind and queue. */
    private volatile TurnTimers turnTimers;

    private Lanes(Settings settings) {
        timers = new ScheduledThreadPoolExecutor(1, io.omniglass.core.runtime.DaemonThreads.named("og-lane-timer"));
        timers.setRemoveOnCancelPolicy(true);
        // a live tenant's turns wait on Postgres commits: one kept worker was too few for twenty tenants' turns
        backlogCap = Math.max(1, settings.workers() / 2);
        for (int i = 0; i < settings.workers(); i++) {
            Thread t = new Thread(this::work, "og-lane-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
    }

    /** Workers and timer only, no NATS (for work that needs no lane connection). */
    public static Lanes start(Settings settings) {
        Lanes l = new Lanes(settings);
        l.workers.forEach(Thread::start);
        return l;
    }

    /** Workers, timer and the lane connections to {@code natsUrl}. */
    public static Lanes start(Settings settings, String natsUrl, String instanceId) throws IOException, InterruptedException {
        Lanes l = start(settings);
        try {
            for (int i = 0; i < settings.connections(); i++) {
                Connection c = Nats.connect(new Options.Builder()
                        .servers(io.omniglass.core.runtime.NatsUrls.servers(natsUrl))
                        .connectionName("omniglass-core-" + instanceId + "-lanes-" + i)
                        .maxReconnects(-1)
                        .reconnectWait(Duration.ofMillis(500))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .errorListener(new QuietPullExpiry())
                        .connectionListener((conn, event) -> {
                            if (event == ConnectionListener.Events.RECONNECTED || event == ConnectionListener.Events.RESUBSCRIBED) {
                                l.reconnected(conn);
                            }
                        })
                        .build());
                l.connections.add(c);
                for (int d = 0; d < settings.dispatchersPerConnection(); d++) {
                    l.dispatchers.add(c.createDispatcher());
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            l.close();
            throw e;
        }
        return l;
    }

    /** A new lane; it runs only after {@link Lane#signal()}. */
    public Lane lane(String name, Lane.Work work) {
        return new Lane(this, name, work);
    }

    /** The lane connection a tenant's bulk traffic goes over. */
    public Connection connection(String tenant) {
        return connections.get(spread(tenant, connections.size()));
    }

    /**
     * The dispatcher a tenant's lane deliveries arrive on: one of the dispatchers of
     * {@link #connection(String)}. Handlers on it must only hand work over, never block.
     */
    public Dispatcher dispatcher(String tenant) {
        int perConnection = dispatchers.size() / connections.size();
        int c = spread(tenant, connections.size());
        int d = spread(new StringBuilder(tenant).reverse().toString(), perConnection);
        return dispatchers.get(c * perConnection + d);
    }

    /** {@code hook} runs (on the shared timer) whenever the lane connection {@code c} has reconnected. */
    void onReconnect(Connection c, Runnable hook) {
        reconnectHooks.computeIfAbsent(c, k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(hook);
    }

    void removeOnReconnect(Connection c, Runnable hook) {
        java.util.Set<Runnable> hooks = reconnectHooks.get(c);
        if (hooks != null) {
            hooks.remove(hook);
        }
    }

    private void reconnected(Connection c) {
        java.util.Set<Runnable> hooks = reconnectHooks.getOrDefault(c, java.util.Set.of());
        if (closed || hooks.isEmpty()) {
            return;
        }
        log.info("lane connection {} is back: renewing {} pull requests", c.getOptions().getConnectionName(), hooks.size());
        for (Runnable hook : hooks) {
            timers.execute(hook);
        }
    }

    /** The data lanes' memory-stored consumers and their floors (see {@link DurableFloors}). */
    public DurableFloors floors() {
        return floors;
    }

    /** The shared timer: short tasks only (they signal a lane, or hand work to one). */
    public ScheduledExecutorService timers() {
        return timers;
    }

    /** og_lanes_ready (lanes waiting for a worker) and og_lanes_busy_workers in /metrics. */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("og.lanes.ready", this, Lanes::readyLanes)
                .description("tenant lanes with work waiting for a shared worker").register(registry);
        Gauge.builder("og.lanes.backlog.ready", this, Lanes::backlogLanes)
                .description("of those, lanes draining a backlog (served after the lanes woken by new work)").register(registry);
        Gauge.builder("og.lanes.busy.workers", busy, AtomicInteger::get)
                .description("shared lane workers in a turn").register(registry);
        Gauge.builder("og.lanes.workers", workers, List::size)
                .description("shared lane workers").register(registry);
        turnTimers = new TurnTimers(registry);
    }

    /** Lanes with work waiting for a worker (a gauge of how far behind the workers are). */
    public int readyLanes() {
        lock.lock();
        try {
            return fresh.size() + backlog.size();
        } finally {
            lock.unlock();
        }
    }

    /** Ready lanes that had more after their last turn (draining a backlog). */
    public int backlogLanes() {
        lock.lock();
        try {
            return backlog.size();
        } finally {
            lock.unlock();
        }
    }

    /** Workers in a turn right now. */
    public int busyWorkers() {
        return busy.get();
    }

    /** A lane has work: woken by news ({@code more} false) or still draining a backlog after its turn. */
    void ready(Lane lane, boolean more) {
        lock.lock();
        try {
            if (!closed) {
                lane.readySince = System.nanoTime();
                (more ? backlog : fresh).add(lane);
                work.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A lane taken by a worker, whether it came from the backlog queue, and how long it waited there. */
    private record Turn(Lane lane, boolean backlog, long waitedNanos) {
    }

    private static Turn take(java.util.ArrayDeque<Lane> queue, boolean backlog) {
        Lane lane = queue.poll();
        return new Turn(lane, backlog, System.nanoTime() - lane.readySince);
    }

    private Turn next() throws InterruptedException {
        lock.lock();
        try {
            while (!closed) {
                boolean backlogMayRun = !backlog.isEmpty() && backlogRunning < backlogCap;
                Turn t = null;
                if (backlogMayRun && (fresh.isEmpty() || freshInARow >= FRESH_TURNS_PER_BACKLOG_TURN)) {
                    freshInARow = 0;
                    backlogRunning++;
                    t = take(backlog, true);
                } else if (!fresh.isEmpty()) {
                    if (!backlog.isEmpty()) {
                        freshInARow++;
                    }
                    t = take(fresh, false);
                }
                if (t != null) {
                    if (!fresh.isEmpty() || (!backlog.isEmpty() && backlogRunning < backlogCap)) {
                        work.signal(); // more that another worker may take
                    }
                    return t;
                }
                work.await();
            }
            throw new InterruptedException("closed");
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (!closed) {
            Turn turn;
            try {
                turn = next();
            } catch (InterruptedException e) {
                return;
            }
            busy.incrementAndGet();
            long started = System.nanoTime();
            try {
                turn.lane().run();
            } catch (RuntimeException | Error e) {
                log.error("lane {}: {}", turn.lane().name(), e.toString(), e);
            } finally {
                busy.decrementAndGet();
                TurnTimers timers = turnTimers;
                if (timers != null) {
                    timers.record(turn.lane().kind(), turn.backlog(), turn.waitedNanos(), System.nanoTime() - started);
                }
                if (turn.backlog()) {
                    lock.lock();
                    try {
                        backlogRunning--;
                        if (!backlog.isEmpty()) {
                            work.signal(); // a worker that waited at the cap may take it now
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            }
        }
    }

    private static int spread(String key, int n) {
        return Math.floorMod(key.hashCode() * 0x9E3779B9, n);
    }

    /** Stops the workers and the timer and closes the lane connections (after the modules closed their lanes). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            fresh.clear();
            backlog.clear();
            work.signalAll();
        } finally {
            lock.unlock();
        }
        workers.forEach(Thread::interrupt);
        for (Thread t : workers) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timers.shutdownNow();
        floors.close();
        for (Connection c : connections) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.debug("closing a lane connection: {}", e.toString());
            }
        }
    }

    /**
     * A lane's pull request waits on the server until it expires and is renewed (LaneInbox): its
     * 408 "Request Timeout" is the normal end of an idle pull, not a warning worth a log line per
     * consumer every two minutes. Everything else is reported as jnats does.
     */
    private static final class QuietPullExpiry extends io.nats.client.impl.ErrorListenerLoggerImpl {
        @Override
        public void pullStatusWarning(Connection conn, io.nats.client.JetStreamSubscription sub, io.nats.client.support.Status status) {
            if (status.getCode() != 408) {
                super.pullStatusWarning(conn, sub, status);
            }
        }
    }
}
