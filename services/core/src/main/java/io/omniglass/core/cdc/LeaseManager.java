package io.omniglass.core.cdc;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StorageType;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every tenant's CDC lease on this core, on one scheduler thread and two KV watches, whatever the
 * number of tenants.
 *
 * <p>Liveness is per core, not per tenant: a core keeps one key in {@value #CORES} (a bucket whose
 * max age is the time to live) and renews only that one. A tenant's lease is a key in
 * {@value #TENANTS} (no max age) naming its holder; it changes only when it changes hands, so its
 * KV revision is the holder's <em>fencing token</em>. A core takes a tenant when the key is absent
 * (create) or when the holder's core key has not been seen for a whole time to live (update at
 * the revision it saw: only one taker wins). Both buckets are watched, so this core knows every
 * holder and every core's last renewal without asking; an idle fleet costs one KV write per
 * renewal interval per core.
 *
 * <p>A holder judges its validity by its own clock from the start of its last successful renewal,
 * minus a safety margin; a taker waits a full time to live from when it <em>saw</em> that renewal
 * stored, so the old holder has stopped before anyone else starts.
 */
final class LeaseManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseManager.class);
    static final String CORES = "og_cdc_cores";
    static final String TENANTS = "og_cdc_tenants";
    private static final long SPREAD_WAIT_NANOS = 1_000_000_000L;
    /** At most one lease given back per this interval when rebalancing: the taker settles in first. */
    private static final long SHED_EVERY_NANOS = 2_000_000_000L;
    /**
     * A core that had to take a free lease beyond its share (no core short of its share bid for it:
     * the short one is live but not yet a candidate, e.g. still starting its tenants) keeps it this
     * long before giving anything back, so two cores do not hand a lease to and fro meanwhile.
     */
    private static final long SHED_BACKOFF_NANOS = 20_000_000_000L;

    /** Told when this core starts and stops holding a tenant's lease (on the lease thread). */
    interface Listener {
        void acquired(String tenant, long token);

        void lost(String tenant, String why);

        /** Held on through a lapse of this core's lease, with the same token: the feed may go on. */
        default void resumed(String tenant, long token) {
        }
    }

    /** A tenant's lease as last seen: its holder, the revision (fencing token) and when we saw it. */
    private record Claim(String holder, long revision, long seenNanos) {
    }

    private static final String CORE_SUBJECT_PREFIX = "$KV." + "og_cdc_cores" + ".";
    private static final String TENANT_SUBJECT_PREFIX = "$KV." + "og_cdc_tenants" + ".";
    /**
     * Tenants whose bid is on its way. Bids are compare-and-set publishes sent together, not KV
     * requests answered in turn: after a lapse or a take-over 200 sequential requests took one
     * round trip each, and under load a round trip is 0.5-2 s (minutes without CDC).
     */
    private final Set<String> bidding = ConcurrentHashMap.newKeySet();
    /**
     * A bid's revision it compares with, while its answer is awaited: the watch showing our name
     * past it is that bid's write landing (its answer late, a slow bucket), and it is taken as won.
     */
    private final Map<String, Long> bidAt = new ConcurrentHashMap<>();
    /** A released tenant's delete marker: the revision a create compares against (absent: never written). */
    private final Map<String, Long> freedAt = new ConcurrentHashMap<>();
    private final KeyValue cores;
    private final io.nats.client.JetStream js;
    private final KeyValue tenants;
    private final String me;
    private final Duration ttl;
    private final Duration renewEvery;
    private final ScheduledExecutorService scheduler;
    private final Listener listener;
    private final Map<String, Long> coreSeenNanos = new ConcurrentHashMap<>();
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final Map<String, Long> held = new ConcurrentHashMap<>();
    /**
     * The revision this core last wrote to each tenant's key it holds: the token at first, and
     * after a lapse the confirming write's. The token stays the term's: only this core wrote between.
     */
    private final Map<String, Long> revisions = new ConcurrentHashMap<>();
    /**
     * Held when this core's lease lapsed: fenced (not in {@link #held}), not dropped. A lapse is a
     * pause of our own renewals' answers (a stalled nats-server, a starved machine), seldom a
     * loss: on the next acknowledged renewal each is confirmed by a write at the revision we hold,
     * which fails if another core took it meanwhile; unconfirmed for a time to live, they drop.
     */
    private final Map<String, Long> suspended = new ConcurrentHashMap<>();
    private long lapsedAtNanos;
    private final Map<String, Long> freeSinceNanos = new ConcurrentHashMap<>();
    private final Set<String> candidates = ConcurrentHashMap.newKeySet();
    private long shedNanos = System.nanoTime();
    private long noShedUntilNanos = System.nanoTime();
    private final long safetyNanos;
    /** When the first renewal acknowledged since our last echo through the watch was acknowledged; 0: none. */
    private volatile long ackedSinceEchoNanos;
    private final java.util.concurrent.atomic.AtomicBoolean rewatching = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long renewedNanos;
    /**
     * When a renewal was last acknowledged, however late: the server stores our renewals, so our
     * core key does not age out and no other core can take our tenants. A slow server's late
     * answers fence the feeds (validity is counted from a renewal's start) but do not drop them.
     */
    private volatile long answeredNanos;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean tickQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final Connection nats;
    private final int replicas;
    /**
     * Renewals only, on a thread of their own: on the lease thread they waited behind bids (each a
     * KV request answered in turn), watch events and take-overs, and under load a renewal that
     * starts late expires the lease as surely as one that is not answered.
     */
    private final ScheduledExecutorService renewer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            io.omniglass.core.runtime.DaemonThreads.named("og-cdc-lease-renew"));
    private final java.util.concurrent.atomic.AtomicLong validUntil = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean remaking = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile LeaseTimers timers = LeaseTimers.NONE;
    /**
     * When the lease thread last showed progress (a tick began, a bid ended). Renewals run on their
     * own thread so that they never queue behind bids; but a lease must not outlive the thread that
     * acts on it: a lease thread stuck for longer than a time to live would otherwise hold its
     * tenants for good (no shedding, no drop when taken) while its renewals say it is alive.
     */
    private volatile long leaseThreadProgressNanos = System.nanoTime();
    private volatile boolean stuckLogged;
    private NatsKeyValueWatchSubscription coresWatch;
    private NatsKeyValueWatchSubscription tenantsWatch;

    LeaseManager(Connection nats, String me, Duration ttl, Duration renewEvery, ScheduledExecutorService scheduler,
                 Listener listener) throws IOException, JetStreamApiException {
        this(nats, 1, me, ttl, renewEvery, scheduler, listener);
    }

    /** {@code replicas}: OMNIGLASS_NATS_REPLICAS, for the lease buckets. */
    LeaseManager(Connection nats, int replicas, String me, Duration ttl, Duration renewEvery, ScheduledExecutorService scheduler,
                 Listener listener) throws IOException, JetStreamApiException {
        this.nats = nats;
        this.replicas = replicas;
        this.cores = bucket(nats, CORES, ttl, replicas, StorageType.Memory);
        this.js = nats.jetStream();
        this.tenants = bucket(nats, TENANTS, null, replicas);
        this.me = me;
        this.ttl = ttl;
        this.renewEvery = renewEvery;
        this.scheduler = scheduler;
        this.listener = listener;
        this.safetyNanos = ttl.toNanos() / 5;
    }

    static KeyValue bucket(Connection nats, String name, Duration ttl, int replicas) throws IOException, JetStreamApiException {
        return bucket(nats, name, ttl, replicas, StorageType.File);
    }

    /**
     * The bucket, made when missing. The cores' bucket is kept in memory: a renewal is a liveness
     * signal, not a record, and a file-stored one waited for its own fsync behind the data lane's
     * and the disk's queue (nats-server syncs every write), so under a replay a renewal's PubAck
     * could come later than the lease's validity. An existing bucket keeps its storage.
     */
    static KeyValue bucket(Connection nats, String name, Duration ttl, int replicas, StorageType storage)
            throws IOException, JetStreamApiException {
        KeyValueManagement kvm = nats.keyValueManagement();
        try {
            kvm.getStatus(name);
            io.omniglass.core.runtime.StreamReplicas.reconcile(nats, "KV_" + name, replicas);
        } catch (JetStreamApiException e) {
            KeyValueConfiguration.Builder b = KeyValueConfiguration.builder()
                    .name(name).maxHistoryPerKey(1).storageType(storage).replicas(replicas);
            if (ttl != null) {
                b.ttl(ttl);
            }
            try {
                kvm.create(b.build());
            } catch (JetStreamApiException raced) {
                kvm.getStatus(name); // created by another core meanwhile; anything else is real
            }
        }
        return nats.keyValue(name);
    }

    /** Renews this core's key, starts the watches and the renewal schedule. */
    void start() throws Exception {
        renewCoreNow();
        watch();
        scheduler.scheduleWithFixedDelay(this::tick, renewEvery.toMillis(), renewEvery.toMillis(), TimeUnit.MILLISECONDS);
        renewer.scheduleAtFixedRate(this::renewQuietly, renewEvery.toMillis(), renewEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Renewal figures: a renewal's PubAck time, the gap between renewals started, lapses of this core's lease. */
    void instrument(io.micrometer.core.instrument.MeterRegistry metrics) {
        timers = new LeaseTimers(metrics);
    }

    private void renewQuietly() {
        try {
            // the lease thread's executor shut down: this manager is stopping (or, in a test, frozen)
            if (!closed && !scheduler.isShutdown()) {
                long quiet = System.nanoTime() - leaseThreadProgressNanos;
                if (quiet > ttl.toNanos() - safetyNanos) {
                    if (!stuckLogged) {
                        stuckLogged = true;
                        log.warn("cdc leases: the lease thread has shown no progress for {} ms; renewals stop until it does",
                                quiet / 1_000_000);
                    }
                    return;
                }
                stuckLogged = false;
                renewCore();
            }
        } catch (Exception | Error e) {
            log.warn("cdc leases: renewal failed: {}", e.toString()); // never thrown: the schedule would end
        }
    }

    private synchronized void watch() throws Exception {
        unwatch();
        ackedSinceEchoNanos = 0;
        coresWatch = cores.watchAll(new Watcher(this::onCore, () -> { }));
        // every holder known now: bid at once at the revisions seen (a bid before them finds the key taken)
        tenantsWatch = tenants.watchAll(new Watcher(this::onTenant, this::tickSoon));
    }

    private synchronized void unwatch() {
        for (NatsKeyValueWatchSubscription w : new NatsKeyValueWatchSubscription[]{coresWatch, tenantsWatch}) {
            if (w != null) {
                try {
                    w.unsubscribe();
                } catch (RuntimeException ignored) {
                    // connection closing or already gone
                }
            }
        }
        coresWatch = null;
        tenantsWatch = null;
    }

    /**
     * Our own renewals come back through the watch; when acknowledged renewals stop coming back (a
     * NATS node's death or restart can lose the watch's consumer) the watches are made again, which
     * also delivers every current value. Only acknowledged ones count: while the lease bucket elects
     * a leader (its leader's node died) no renewal is stored, so none can echo. And not on this
     * thread: making a watch asks the JetStream meta leader, which may be electing too (5 s a try),
     * and the renewals and bids must go on meanwhile.
     */
    private void checkWatches() {
        long firstAck = ackedSinceEchoNanos;
        if (firstAck != 0 && System.nanoTime() - firstAck > renewEvery.toNanos() * 4 + 1_000_000_000L
                && rewatching.compareAndSet(false, true)) {
            log.warn("cdc leases: the KV watch went quiet; watching again");
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    if (!closed) {
                        watch();
                    }
                } catch (Exception e) {
                    log.warn("cdc leases: cannot watch the lease buckets: {}", e.toString());
                } finally {
                    rewatching.set(false);
                }
            });
        }
    }

    /** This core may lead the tenant: it bids for the lease now and whenever it falls free. */
    void candidate(String tenant) {
        candidates.add(tenant);
        tickSoon();
    }

    /** True while this core holds the tenant's lease with this token, by its own clock. */
    boolean holds(String tenant, long token) {
        Long t = held.get(tenant);
        return !closed && t != null && t == token && System.nanoTime() < validUntil.get();
    }

    int heldCount() {
        return held.size();
    }

    /** Each tenant's lease holder as the watch last saw it (no request to NATS). */
    Map<String, String> holders() {
        Map<String, String> out = new java.util.TreeMap<>();
        claims.forEach((tenant, c) -> out.put(tenant, c.holder()));
        return out;
    }

    /** Every core the watch has seen renew (a clean stop removes it), with how long ago, in nanoseconds. */
    Map<String, Long> coresSeenAgoNanos() {
        long now = System.nanoTime();
        Map<String, Long> out = new java.util.TreeMap<>();
        coreSeenNanos.forEach((core, seen) -> out.put(core, now - seen));
        out.putIfAbsent(me, now - renewedNanos);
        return out;
    }

    private void onCore(KeyValueEntry e) {
        if (e.getKey().equals(me)) {
            ackedSinceEchoNanos = 0;
        }
        if (e.getOperation() == KeyValueOperation.PUT) {
            coreSeenNanos.put(e.getKey(), System.nanoTime());
        } else {
            coreSeenNanos.remove(e.getKey());
            tickSoon(); // a core stopped cleanly: its tenants are free
        }
    }

    private void onTenant(KeyValueEntry e) {
        String tenant = e.getKey();
        if (e.getOperation() != KeyValueOperation.PUT) {
            claims.remove(tenant);
            freedAt.put(tenant, e.getRevision());
            if (candidates.contains(tenant)) {
                tickSoon(); // released: bid at once
            }
            return;
        }
        String holder = new String(e.getValue(), StandardCharsets.UTF_8);
        freedAt.remove(tenant);
        claims.put(tenant, new Claim(holder, e.getRevision(), System.nanoTime()));
        Long mine = revisions.get(tenant);
        long revision = e.getRevision();
        if (mine != null && !holder.equals(me)) {
            onLeaseThread(() -> drop(tenant, "taken by " + holder)); // not ours any more: stop now
        } else if (mine == null && holder.equals(me) && bidAt.getOrDefault(tenant, Long.MAX_VALUE) < revision) {
            // our bid landed: won now, not when its answer comes (a slow bucket's answer may come
            // after the bid's bound, and a bid written again waits in the same slow queue)
            onLeaseThread(() -> {
                Long at = bidAt.get(tenant);
                if (at != null && at < revision && !closed && candidates.contains(tenant) && !held.containsKey(tenant)
                        && !suspended.containsKey(tenant)) {
                    won(tenant, revision);
                }
            });
        } else if (mine != null && revision > mine && !bidding.contains(tenant)) {
            // our name past the revision we hold: our own confirmation landed, its answer late or
            // lost (only this core writes its name, and it holds the key: nobody else could write it)
            onLeaseThread(() -> {
                if (revisions.computeIfPresent(tenant, (t, r) -> Math.max(r, revision)) != null) {
                    Long fenced = suspended.get(tenant);
                    if (fenced != null) {
                        resume(tenant, fenced);
                    }
                }
            });
        }
    }

    /** One tick on the lease thread soon, however many events asked for it. */
    private void tickSoon() {
        if (tickQueued.compareAndSet(false, true) && !onLeaseThread(() -> {
            tickQueued.set(false);
            tick();
        })) {
            tickQueued.set(false);
        }
    }

    private boolean onLeaseThread(Runnable r) {
        try {
            scheduler.execute(r);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            return false;
        }
    }

    /** Never throws: a scheduled task that throws is never run again. */
    private void tick() {
        try {
            renewAndBid();
        } catch (RuntimeException e) {
            log.warn("cdc leases: {}", e.toString(), e);
        }
    }

    private void renewAndBid() {
        if (closed) {
            return;
        }
        leaseThreadProgressNanos = System.nanoTime();
        checkWatches();
        long now = System.nanoTime();
        if (now >= validUntil.get()) {
            if (!held.isEmpty()) {
                timers.expired();
                log.warn("cdc leases: this core's lease lapsed {} ms after its last acknowledged renewal started;"
                                + " {} feeds fenced until a renewal is acknowledged",
                        (now - validUntil.get() + ttl.toNanos() - safetyNanos) / 1_000_000, held.size());
                if (suspended.isEmpty()) {
                    lapsedAtNanos = now;
                }
                suspended.putAll(held);
                held.clear();
            }
            if (!suspended.isEmpty() && now - lapsedAtNanos > ttl.toNanos() && now - answeredNanos > ttl.toNanos()) {
                // no renewal answered for a time to live: our core key may have aged out, another core
                // may have taken them and need their slots: our sessions let go. While renewals are
                // answered, however late, they are stored and nobody can take over: a taker would
                // also show in the watch (dropped there), and the feeds are confirmed when the
                // answers are timely again, with their tokens and sessions
                for (String t : suspended.keySet()) {
                    drop(t, "core lease expired, no renewal answered for "
                            + (now - answeredNanos) / 1_000_000 + " ms (NATS unreachable?)");
                }
            }
            return;
        }
        for (Map.Entry<String, Long> s : suspended.entrySet()) {
            if (!bidding.contains(s.getKey())) {
                confirm(s.getKey(), s.getValue());
            }
        }
        Map<String, Boolean> holderAlive = new java.util.HashMap<>(); // a silent holder's key is asked once a tick
        for (String tenant : candidates) {
            if (!held.containsKey(tenant) && !suspended.containsKey(tenant) && !bidding.contains(tenant)) {
                try {
                    bid(tenant, holderAlive);
                } catch (Exception e) {
                    log.debug("cdc {}: bid failed: {}", tenant, e.toString());
                }
                leaseThreadProgressNanos = System.nanoTime();
            }
        }
        shedExcess();
    }

    /**
     * After a rolling restart the cores that stayed hold every lease and the one that came back
     * none: a core holding more than its fair share ({@code ceil(tenants / live cores)}) while
     * another live core holds less gives one lease back (publisher stopped first), and the core
     * short of its share takes it at once (see {@link #bid}). One per {@value #SHED_EVERY_NANOS} ns,
     * so the leases move one at a time and a take-over never stalls every feed at once.
     */
    private void shedExcess() {
        long now = System.nanoTime();
        if (now - shedNanos < SHED_EVERY_NANOS || now < noShedUntilNanos || held.isEmpty()) {
            return;
        }
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (Map.Entry<String, Long> core : coreSeenNanos.entrySet()) {
            if (now - core.getValue() < ttl.toNanos()) {
                counts.put(core.getKey(), 0); // live: renewed within a time to live
            }
        }
        counts.put(me, 0);
        for (Claim c : claims.values()) {
            counts.computeIfPresent(c.holder(), (k, n) -> n + 1);
        }
        int fairShare = (candidates.size() + counts.size() - 1) / counts.size();
        int fewest = counts.values().stream().min(Integer::compare).orElse(0);
        if (held.size() <= fairShare || fewest >= fairShare) {
            return;
        }
        shedNanos = now;
        String tenant = held.keySet().iterator().next();
        log.info("cdc {}: this core ({}) holds {} of {} leases over {} live cores; giving this one back",
                tenant, me, held.size(), candidates.size(), counts.size());
        Long revision = revisions.get(tenant);
        drop(tenant, "rebalancing over " + counts.size() + " cores"); // fenced: no publish or flush after this
        try {
            tenants.delete(tenant, revision);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.debug("cdc {}: giving the lease back failed: {}", tenant, e.toString());
        }
    }

    /**
     * One renewal, not waited for: a slow NATS (a replay filling the server) answers late, and
     * renewals overlap instead of queueing behind each other; each PubAck extends the validity
     * from the start of its own renewal.
     */
    private void renewCore() throws IOException {
        long started = System.nanoTime();
        long previous = renewedNanos;
        renewedNanos = started;
        if (previous != 0) {
            timers.gap(started - previous);
        }
        js.publishAsync(CORE_SUBJECT_PREFIX + me, me.getBytes(StandardCharsets.UTF_8)).whenComplete((ack, failed) -> {
            if (failed == null && ack != null && !ack.hasError()) {
                answeredNanos = System.nanoTime();
                timers.acked(System.nanoTime() - started);
                long before = validUntil.getAndAccumulate(started + ttl.toNanos() - safetyNanos, Math::max);
                if (before < System.nanoTime() && !candidates.isEmpty()) {
                    tickSoon(); // valid again after a lapse: take the feeds back now, not at the next tick
                }
                if (ackedSinceEchoNanos == 0) {
                    ackedSinceEchoNanos = System.nanoTime();
                }
            } else if (unanswered(failed)) {
                // late, not refused: a slow server is not a lost bucket (remaking it is two more requests to that server)
                log.debug("cdc leases: renewal not answered in time: {}", failed.toString());
            } else {
                log.debug("cdc leases: renewal failed: {}", failed == null ? ack : failed.toString());
                remakeCoresBucket();
            }
        });
    }

    /** No answer (jnats gave up waiting, or our own bound), as opposed to an answer that refused the write. */
    private static boolean unanswered(Throwable failed) {
        for (Throwable t = failed; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.util.concurrent.CancellationException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A memory bucket does not outlive a restart of a single nats-server: renewals answered "no
     * responders" (or "stream not found") until it is made again; off the callback's thread, once at a time.
     */
    private void remakeCoresBucket() {
        if (closed || !remaking.compareAndSet(false, true)) {
            return;
        }
        // not on the renewer: the bucket's requests wait for the server (seconds when it is slow), and
        // the renewals must keep their schedule meanwhile (they did not: gaps of 7 s in the fleet run)
        io.omniglass.core.runtime.DaemonThreads.named("og-cdc-lease-remake").newThread(() -> {
            try {
                Thread.sleep(renewEvery.toMillis());
                if (!closed) {
                    bucket(nats, CORES, ttl, replicas, StorageType.Memory);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("cdc leases: cores bucket not made: {}", e.toString());
            } finally {
                remaking.set(false);
            }
        }).start();
    }

    /** The first renewal, waited for: a core starts leading only with a valid lease. */
    private void renewCoreNow() throws IOException, JetStreamApiException {
        long started = System.nanoTime();
        cores.put(me, me.getBytes(StandardCharsets.UTF_8));
        renewedNanos = started;
        answeredNanos = System.nanoTime();
        validUntil.set(started + ttl.toNanos() - safetyNanos);
    }

    private void bid(String tenant, Map<String, Boolean> holderAlive) throws IOException, JetStreamApiException {
        Claim c = claims.get(tenant);
        long now = System.nanoTime();
        if (c == null) {
            // free: a core that holds its fair share already leaves it to the others for a while,
            // so the leases spread over the cores (and after that takes it, so none stays unled)
            long since = freeSinceNanos.computeIfAbsent(tenant, t -> now);
            int cores = Math.max(1, coreSeenNanos.size());
            int fairShare = (candidates.size() + cores - 1) / cores;
            boolean beyondShare = held.size() + bidding.size() >= fairShare;
            if (beyondShare && now - since < SPREAD_WAIT_NANOS) {
                return;
            }
            // a create: compare with the delete marker a release left, or with nothing at all
            propose(tenant, freedAt.getOrDefault(tenant, 0L), beyondShare);
            return;
        }
        if (c.holder().equals(me)) {
            // ours from before (a lapse, or a renewal raced the watch): take it back at its revision to get a token
            propose(tenant, c.revision(), false);
            return;
        }
        Long coreSeen = coreSeenNanos.get(c.holder());
        long lastSign = Math.max(c.seenNanos(), coreSeen == null ? Long.MIN_VALUE : coreSeen);
        if (now - lastSign > ttl.toNanos()) {
            // the watch says silent; the bucket's max age decides: a core key exists only while renewed
            Boolean alive = holderAlive.get(c.holder());
            if (alive == null) {
                alive = cores.get(c.holder()) != null;
                holderAlive.put(c.holder(), alive);
                if (!alive) {
                    log.info("cdc leases: holder {} silent for {} ms; taking over its tenants", c.holder(), (now - lastSign) / 1_000_000);
                }
            }
            if (alive) {
                coreSeenNanos.put(c.holder(), now);
                return;
            }
            propose(tenant, c.revision(), false);
        }
    }

    /**
     * A bid: this core's name written to the tenant's key only if the key is still at
     * {@code revision} (the server compares; only one bidder at a revision wins). Not waited
     * for: every bid of a tick is on its way at once, and each answer comes back to the lease thread.
     */
    private void propose(String tenant, long revision, boolean beyondShare) {
        java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> sent = writeAt(tenant, revision);
        bidAt.put(tenant, revision);
        // an answer that never comes frees the tenant for the next tick's bid; one that comes later
        // than this is seen through the watch as ours and taken back at its revision (one more
        // write: the bound is two times to live, not one, so that a slow server's late answers do
        // not make every bid of a pass a write of its own again, in the same slow queue)
        sent.orTimeout(2 * ttl.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ack, failed) -> {
            boolean ok = failed == null && ack != null && !ack.hasError();
            if (!onLeaseThread(() -> {
                bidding.remove(tenant);
                bidAt.remove(tenant, revision);
                if (ok && !closed && candidates.contains(tenant)) {
                    won(tenant, ack.getSeqno());
                    if (beyondShare) {
                        noShedUntilNanos = System.nanoTime() + SHED_BACKOFF_NANOS;
                    }
                }
            })) {
                bidding.remove(tenant);
                bidAt.remove(tenant, revision);
            }
            if (!ok) {
                log.debug("cdc {}: bid at revision {} lost: {}", tenant, revision, failed == null ? ack : failed.toString());
            }
        });
    }

    /** This core's name written to the tenant's key only if the key is still at {@code revision}; the tenant counts as bidding until the answer. */
    private java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> writeAt(String tenant, long revision) {
        bidding.add(tenant);
        try {
            return js.publishAsync(TENANT_SUBJECT_PREFIX + tenant, me.getBytes(StandardCharsets.UTF_8),
                    io.nats.client.PublishOptions.builder().expectedLastSubjectSequence(revision).build());
        } catch (RuntimeException e) {
            bidding.remove(tenant);
            throw e;
        }
    }

    /**
     * A bid's answer comes back on another path than the watch: a later holder's write may have
     * come through the watch first (it found nothing held then), so a newer claim seen wins.
     */
    private void won(String tenant, long revision) {
        if (Long.valueOf(revision).equals(held.get(tenant))) {
            return; // seen through the watch first, then answered: one term
        }
        freeSinceNanos.remove(tenant);
        held.put(tenant, revision);
        revisions.put(tenant, revision);
        Claim now = claims.compute(tenant, (t, seen) -> seen != null && seen.revision() > revision
                ? seen : new Claim(me, revision, System.nanoTime()));
        if (now.revision() != revision) {
            held.remove(tenant);
            revisions.remove(tenant, revision);
            return;
        }
        listener.acquired(tenant, revision);
    }

    /**
     * A tenant held through a lapse, written again at the revision we hold: only if nobody took it
     * meanwhile does the write succeed, and then no taker's write at that revision can, so the
     * term (its token, its sessions) goes on. Sent with all the others at once, like the bids.
     */
    private void confirm(String tenant, long token) {
        Long revision = revisions.get(tenant);
        if (revision == null) {
            drop(tenant, "no revision of ours to confirm after this core's lease lapsed");
            return;
        }
        java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> sent = writeAt(tenant, revision);
        // a slow server's answer may take longer than a time to live: an unanswered confirmation is
        // sent again (at the revision we then hold), it does not drop the feed; a write of ours that
        // lands meanwhile comes back through the watch as ours (see onTenant)
        sent.orTimeout(2 * ttl.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ack, failed) -> {
            boolean ok = failed == null && ack != null && !ack.hasError();
            if (!onLeaseThread(() -> {
                if (ok && !closed) {
                    revisions.computeIfPresent(tenant, (t, r) -> Math.max(r, ack.getSeqno()));
                    claims.compute(tenant, (t, c) -> c != null && c.revision() > ack.getSeqno()
                            ? c : new Claim(me, ack.getSeqno(), System.nanoTime()));
                    resume(tenant, token);
                } else if (!ok && ownNewer(tenant, revision)) {
                    // refused because an earlier write of ours landed (its answer was late): ours at that revision
                    long landed = claims.get(tenant).revision();
                    revisions.computeIfPresent(tenant, (t, r) -> Math.max(r, landed));
                    resume(tenant, token);
                } else if (!ok && !unanswered(failed)) {
                    // refused: taken meanwhile; stop. Unanswered: still fenced, sent again at the next tick
                    drop(tenant, "not confirmed after this core's lease lapsed: "
                            + (failed == null ? String.valueOf(ack) : failed.toString()));
                }
                bidding.remove(tenant); // after the revision: the watch's echo of this write is ours
            })) {
                bidding.remove(tenant);
            }
        });
    }

    /** A fenced feed goes on with its token (on the lease thread, while this core's lease is valid). */
    private void resume(String tenant, long token) {
        if (closed || System.nanoTime() >= validUntil.get() || !suspended.remove(tenant, token)) {
            return;
        }
        held.put(tenant, token);
        listener.resumed(tenant, token);
        if (suspended.isEmpty()) {
            log.info("cdc leases: every feed held on through the lapse ({} ms since it began)",
                    (System.nanoTime() - lapsedAtNanos) / 1_000_000);
        }
    }

    /** The watch shows our own name at a revision past {@code revision}: a write of ours landed (its answer late or lost). */
    private boolean ownNewer(String tenant, long revision) {
        Claim c = claims.get(tenant);
        return c != null && c.holder().equals(me) && c.revision() > revision;
    }

    private void drop(String tenant, String why) {
        Long wasHeld = held.remove(tenant);
        Long wasSuspended = suspended.remove(tenant);
        revisions.remove(tenant);
        if (wasHeld != null || wasSuspended != null) {
            listener.lost(tenant, why);
        }
    }

    /** Gives up a tenant's lease at once (its publisher has stopped), so another core takes over now. */
    void release(String tenant) {
        held.remove(tenant);
        suspended.remove(tenant);
        Long revision = revisions.remove(tenant);
        if (revision != null) {
            try {
                tenants.delete(tenant, revision);
            } catch (IOException | JetStreamApiException | RuntimeException ignored) {
                // taken over or NATS gone: the taker waits out our core key
            }
        }
    }

    /** Stops renewing; every lease still held is released (callers stop their publishers first). */
    @Override
    public void close() {
        closed = true;
        renewer.shutdownNow();
        for (String t : revisions.keySet()) {
            release(t);
        }
        unwatch();
        try {
            cores.delete(me);
        } catch (IOException | JetStreamApiException | RuntimeException ignored) {
            // ages out
        }
    }

    private record Watcher(java.util.function.Consumer<KeyValueEntry> onEntry, Runnable caughtUp) implements KeyValueWatcher {
        @Override
        public void watch(KeyValueEntry entry) {
            onEntry.accept(entry);
        }

        @Override
        public void endOfData() {
            caughtUp.run();
        }
    }
}
