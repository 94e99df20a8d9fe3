package io.omniglass.core.cdc;

import io.omniglass.core.runtime.Sleep;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One tenant's CDC on this instance: a candidate for the tenant's lease, and while it holds the
 * lease, the publisher. Two threads: the elector (acquire, renew, fence, metrics) and the
 * publisher (sessions of {@link CdcSession}, restarted after any failure while the lease holds).
 */
final class TenantCdc implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TenantCdc.class);

    record Timing(Duration ttl, Duration renewEvery, Duration pollEvery, Duration lagSampleEvery) {
        static Timing defaults() {
            return new Timing(Duration.ofSeconds(3), Duration.ofMillis(750), Duration.ofMillis(200), Duration.ofSeconds(5));
        }
    }

    private final CdcSession.Source source;
    private final String natsUrl;
    private final String instanceId;
    private final DataSource tenantDb;
    private final LeaseElector lease;
    private final AtomicInteger leadersHere;
    private final Timing timing;
    private final CdcSession.Settings settings;
    private final CdcStats stats;
    private final Thread electorThread;
    private volatile boolean closed;
    private volatile boolean leading;
    private Thread publisherThread;

    TenantCdc(CdcSession.Source source, String natsUrl, String instanceId, DataSource tenantDb, KeyValue leases,
              AtomicInteger leadersHere, MeterRegistry metrics, Timing timing, CdcSession.Settings settings) {
        this.source = source;
        this.natsUrl = natsUrl;
        this.instanceId = instanceId;
        this.tenantDb = tenantDb;
        this.lease = new LeaseElector(leases, source.slug(), instanceId, timing.ttl());
        this.leadersHere = leadersHere;
        this.timing = timing;
        this.settings = settings;
        this.stats = new CdcStats(source.slug(), metrics);
        this.electorThread = new Thread(this::electLoop, "og-cdc-elector-" + source.slug());
        this.electorThread.setDaemon(true);
    }

    void start() {
        electorThread.start();
    }

    boolean leading() {
        return leading;
    }

    CdcStats stats() {
        return stats;
    }

    private boolean fence() {
        return leading && !closed && lease.valid();
    }

    private void electLoop() {
        long nextRenew = 0;
        long nextLagSample = 0;
        while (!closed) {
            try {
                long now = System.nanoTime();
                if (now >= nextLagSample) {
                    sampleLag();
                    nextLagSample = now + timing.lagSampleEvery().toNanos();
                }
                if (!leading) {
                    if (lease.holder() == null && spreadDelay() && !closed && lease.tryAcquire()) {
                        becomeLeader();
                        nextRenew = System.nanoTime() + timing.renewEvery().toNanos();
                        continue;
                    }
                    Thread.sleep(timing.pollEvery().toMillis());
                    continue;
                }
                if (now >= nextRenew) {
                    try {
                        if (!lease.renew()) {
                            log.warn("cdc {}: lease taken by another instance", source.slug());
                        }
                    } catch (IOException | RuntimeException e) {
                        log.warn("cdc {}: lease renewal failed: {}", source.slug(), e.toString());
                    }
                    nextRenew = System.nanoTime() + timing.renewEvery().toNanos();
                }
                if (!lease.valid()) {
                    // fence: stop publishing now; whoever takes the lease republishes from the slot
                    stopLeading("lease lost");
                    continue;
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.warn("cdc {}: elector: {}", source.slug(), e.toString());
                Sleep.quietly(timing.pollEvery().toMillis());
            }
        }
    }

    /**
     * An instance that already leads tenants waits a little before bidding, so that with many
     * tenants the leases spread over the instances instead of going to the fastest one.
     */
    private boolean spreadDelay() throws InterruptedException {
        int mine = leadersHere.get();
        if (mine > 0) {
            Thread.sleep(Math.min(1000, mine * 150L + ThreadLocalRandom.current().nextInt(100)));
        }
        return true;
    }

    private void becomeLeader() {
        leading = true;
        leadersHere.incrementAndGet();
        stats.leader(true);
        log.info("cdc {}: this instance ({}) is the leader", source.slug(), instanceId);
        publisherThread = new Thread(this::publishLoop, "og-cdc-publisher-" + source.slug());
        publisherThread.setDaemon(true);
        publisherThread.start();
    }

    private void stopLeading(String why) throws InterruptedException {
        if (!leading) {
            return;
        }
        leading = false;
        lease.lose();
        leadersHere.decrementAndGet();
        stats.leader(false);
        log.warn("cdc {}: stopped publishing ({})", source.slug(), why);
        Thread p = publisherThread;
        if (p != null) {
            p.join(10_000);
        }
    }

    private void publishLoop() {
        while (fence()) {
            Connection nats = null;
            try {
                nats = Nats.connect(new Options.Builder()
                        .server(natsUrl)
                        .connectionName("omniglass-cdc-" + source.slug() + "-" + instanceId)
                        // no reconnect and no reconnect buffer: after a broken connection what reached
                        // the stream is a prefix of what was sent, and the next session republishes
                        // the rest in order (a buffer replayed after reconnect could overtake a lost message)
                        .noReconnect()
                        .reconnectBufferSize(0)
                        .maxMessagesInOutgoingQueue(100_000)
                        .connectionTimeout(Duration.ofSeconds(2))
                        .build());
                try (CdcSession session = new CdcSession(source, nats, this::fence, stats, null, settings,
                        () -> CdcSession.emitHeartbeat(tenantDb))) {
                    session.run();
                }
            } catch (CdcSession.FencedException e) {
                log.info("cdc {}: fenced", source.slug());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (fence()) {
                    log.warn("cdc {}: publisher restarts after: {}", source.slug(), e.toString());
                    Sleep.quietly(500);
                }
            } finally {
                if (nats != null) {
                    try {
                        nats.close();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    private void sampleLag() {
        try (java.sql.Connection c = tenantDb.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, source.slot());
            try (ResultSet rs = ps.executeQuery()) {
                stats.lagBytes(rs.next() ? rs.getDouble(1) : Double.NaN);
            }
        } catch (Exception e) {
            stats.lagBytes(Double.NaN);
        }
    }


    /** Clean stop: publishing ends first, then the lease is deleted so another instance takes over at once. */
    @Override
    public void close() {
        closed = true;
        electorThread.interrupt();
        try {
            electorThread.join(5_000);
            Thread p = publisherThread;
            if (p != null) {
                p.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leading) {
            leading = false;
            leadersHere.decrementAndGet();
            stats.leader(false);
            lease.release();
        }
    }
}
