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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared machinery that runs every tenant's lane work (sink batches, rule evaluation, action
 * rules, timed checks) on one core, at a cost that does not grow with the number of tenants:
 * <ul>
 *   <li>a fixed number of workers taking {@link Lane}s with work from one FIFO ready queue: a lane
 *       with more work after its turn goes to the back, so lanes are served round-robin, one
 *       bounded batch per turn, and an idle lane is in no queue at all;</li>
 *   <li>one timer thread for everything that happens later (a backoff, a snooze that ends);</li>
 *   <li>a few NATS connections for the lanes' bulk traffic (pull deliveries, acks, dead letters,
 *       calculated and intended datapoints), separate from the core's control connection (leases,
 *       control subjects), with tenants spread over them, so one busy tenant cannot fill the
 *       output queue the leases depend on; each connection delivers on a couple of jnats
 *       dispatchers, whose handlers only hand messages to a lane.</li>
 * </ul>
 * Workers block on the ready queue; nothing here polls.
 */
public final class Lanes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lanes.class);

    /** Sizes (OMNIGLASS_LANE_WORKERS, OMNIGLASS_NATS_LANE_CONNECTIONS; see {@link io.omniglass.core.runtime.Setting}). */
    public record Settings(int workers, int connections, int dispatchersPerConnection) {
        public static Settings defaults() {
            return new Settings(Math.max(4, Runtime.getRuntime().availableProcessors()), 2, 2);
        }

        public static Settings from(io.omniglass.core.runtime.OmniglassConfig.Tuning t) {
            return new Settings(t.laneWorkers(), t.natsLaneConnections(), defaults().dispatchersPerConnection());
        }
    }

    private final BlockingQueue<Lane> ready = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final ScheduledThreadPoolExecutor timers;
    private final List<Connection> connections = new ArrayList<>();
    private final List<Dispatcher> dispatchers = new ArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final java.util.Map<Connection, java.util.Set<Runnable>> reconnectHooks = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    private Lanes(Settings settings) {
        timers = new ScheduledThreadPoolExecutor(1, io.omniglass.core.runtime.DaemonThreads.named("og-lane-timer"));
        timers.setRemoveOnCancelPolicy(true);
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

    /** The shared timer: short tasks only (they signal a lane, or hand work to one). */
    public ScheduledExecutorService timers() {
        return timers;
    }

    /** og_lanes_ready (lanes waiting for a worker) and og_lanes_busy_workers in /metrics. */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("og.lanes.ready", ready, BlockingQueue::size)
                .description("tenant lanes with work waiting for a shared worker").register(registry);
        Gauge.builder("og.lanes.busy.workers", busy, AtomicInteger::get)
                .description("shared lane workers in a turn").register(registry);
        Gauge.builder("og.lanes.workers", workers, List::size)
                .description("shared lane workers").register(registry);
    }

    /** Lanes with work waiting for a worker (a gauge of how far behind the workers are). */
    public int readyLanes() {
        return ready.size();
    }

    /** Workers in a turn right now. */
    public int busyWorkers() {
        return busy.get();
    }

    void ready(Lane lane) {
        if (!closed) {
            ready.add(lane);
        }
    }

    private void work() {
        while (!closed) {
            Lane lane;
            try {
                lane = ready.take();
            } catch (InterruptedException e) {
                return;
            }
            busy.incrementAndGet();
            try {
                lane.run();
            } catch (RuntimeException | Error e) {
                log.error("lane {}: {}", lane.name(), e.toString(), e);
            } finally {
                busy.decrementAndGet();
            }
        }
    }

    private static int spread(String key, int n) {
        return Math.floorMod(key.hashCode() * 0x9E3779B9, n);
    }

    /** Stops the workers and the timer and closes the lane connections (after the modules closed their lanes). */
    @Override
    public void close() {
        closed = true;
        ready.clear();
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
