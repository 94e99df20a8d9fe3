package io.omniglass.core;

import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.access.TokenService;
import io.omniglass.core.http.HttpApi;
import io.omniglass.core.lanes.Lanes;
import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.Infrastructure;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Migrations;
import io.omniglass.core.tenancy.ReferenceData;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantDatabases;
import io.omniglass.core.tenancy.TenantProvisioner;
import io.omniglass.core.tenancy.TenantRegistry;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One core instance: its infrastructure (embedded or external), the control database, NATS, the
 * modules and the HTTP API. Stateless apart from Postgres and NATS, so several can run side by side.
 */
public final class CoreService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CoreService.class);
    /** Core instances tell each other about newly active tenants here (never a tenant slug: no dot-free "_"). */
    public static final String TENANT_ACTIVE_SUBJECT = "og._control.tenant.active";
    /** Tenants converged and activated at once during start (each mostly waits on Postgres). */
    private static final int START_THREADS = 4;
    private static final Duration MODULE_CLOSE_DEADLINE = Duration.ofSeconds(8);
    private static final Duration CHECKPOINT_AFTER_PROVISIONING = Duration.ofSeconds(15);
    private final java.util.concurrent.atomic.AtomicBoolean checkpointPending = new java.util.concurrent.atomic.AtomicBoolean();

    private final List<CoreModule> modules;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Set<String> activeTenants = ConcurrentHashMap.newKeySet();
    private final io.omniglass.core.tenancy.TenantStartup startup = new io.omniglass.core.tenancy.TenantStartup();
    private CoreContext ctx;
    private io.omniglass.core.tenancy.TenantsAwaitingServers awaiting;
    private Javalin http;
    private DataDir.CoreLock lock;
    private volatile boolean closed;

    public CoreService(List<CoreModule> modules) {
        this.modules = List.copyOf(modules);
    }

    public CoreService start(OmniglassConfig config) {
        DataDir dataDir = new DataDir(config.dataDir());
        lock = dataDir.tryLock().orElseThrow(() -> new IllegalStateException(
                "a core is already running for " + config.dataDir() + " (see " + dataDir.endpointsFile() + ")"));
        try {
            Infrastructure infra = Infrastructure.start(config, dataDir);
            closeables.add(infra);
            HikariDataSource controlDs = TenantDatabases.pool(infra.pg(), infra.controlDatabase(), "og-control", 10);
            closeables.add(controlDs);
            Migrations.migrateControl(controlDs);
            DSLContext control = DSL.using(controlDs, SQLDialect.POSTGRES);
            TokenService tokens = new TokenService(control);
            ensureAdminToken(dataDir, tokens);

            String instanceId = UUID.randomUUID().toString().substring(0, 8);
            Connection nats = Nats.connect(new Options.Builder()
                    .servers(io.omniglass.core.runtime.NatsUrls.servers(infra.natsUrl()))
                    .connectionName("omniglass-core-" + instanceId)
                    .maxReconnects(-1)
                    .reconnectWait(Duration.ofMillis(500))
                    .connectionTimeout(Duration.ofSeconds(10))
                    .build());
            closeables.add(nats::close);
            Lanes lanes = Lanes.start(Lanes.Settings.from(config.tuning()), infra.natsUrl(), instanceId);
            closeables.add(lanes);

            io.omniglass.core.tenancy.ServerRegistry servers = new io.omniglass.core.tenancy.ServerRegistry(control,
                    io.omniglass.core.secrets.SecretKeys.load(config.secretKey(), dataDir), infra.pg());
            servers.ensureDefault();
            ReferenceData reference = ReferenceData.load();
            if (infra.embeddedServers().isPresent()) {
                io.omniglass.core.tenancy.EmbeddedServerSupply supply = new io.omniglass.core.tenancy.EmbeddedServerSupply(
                        infra.embeddedServers().get(), infra.pg(), reference, config.pgEmbeddedTenants());
                closeables.add(supply);
                supply.registerRunning(servers);
                servers.growWith(supply);
            }
            TenantDatabases tenantDbs = new TenantDatabases(infra.pg(), config.tuning(), servers, config.replicaMaxLag());
            closeables.add(tenantDbs);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(metrics);
            new JvmGcMetrics().bindTo(metrics);
            new JvmThreadMetrics().bindTo(metrics);
            new ProcessorMetrics().bindTo(metrics);
            lanes.bindTo(metrics);
            tenantDbs.bindTo(metrics);

            TenantProvisioner provisioner = new TenantProvisioner(control, tenantDbs, nats, config.natsReplicas(), servers, reference, t -> {
                nats.publish(TENANT_ACTIVE_SUBJECT, t.slug().getBytes(StandardCharsets.UTF_8));
                checkpointSoon();
            });
            ctx = new CoreContext(instanceId, config, dataDir, infra, controlDs, control, nats, tenantDbs,
                    new TenantRegistry(control), provisioner, tokens, metrics, lanes,
                    new io.omniglass.core.sink.AcceptedWindows(controlDs, lanes));

            awaiting = new io.omniglass.core.tenancy.TenantsAwaitingServers(tenantDbs.serverStates(),
                    slug -> ctx.tenants().find(slug).filter(Tenant::active).ifPresent(t -> bringUpOne(t, provisioner)));
            closeables.add(awaiting);
            for (CoreModule m : modules) {
                m.start(ctx);
                log.info("module {} started", m.name());
            }
            Dispatcher d = nats.createDispatcher(msg -> activate(new String(msg.getData(), StandardCharsets.UTF_8)));
            d.subscribe(TENANT_ACTIVE_SUBJECT);
            // serve at once: a fleet takes a while to come up, and its tenants answer 503 "starting" meanwhile
            List<Tenant> fleet = ctx.tenants().list().stream().filter(Tenant::active).toList();
            startup.begin(fleet.stream().map(Tenant::slug).toList());
            http = HttpApi.create(ctx, modules, startup);
            http.start(config.httpHost(), config.httpPort());
            writeEndpoints();
            log.info("core {} serving http {}; bringing up {} tenants", instanceId, httpUrl(), fleet.size());
            bringUp(fleet, provisioner);
            startup.finish();
            log.info("core {} ready: http {}", instanceId, httpUrl());
            return this;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Converges and activates the tenants on a small bounded pool: a fleet of 200 comes up in
     * parallel, each tenant's modules in order, without a thread per tenant. A tenant that cannot
     * be brought up is logged and left out; the others serve.
     */
    private void bringUp(List<Tenant> tenants, TenantProvisioner provisioner) throws InterruptedException {
        long started = System.nanoTime();
        int threads = Math.max(1, Math.min(START_THREADS, tenants.size()));
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "og-start-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Tenant t : tenants) {
                done.add(pool.submit(() -> {
                    try {
                        bringUpOne(t, provisioner);
                    } finally {
                        startup.done(t.slug());
                    }
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    log.error("bringing a tenant up: {}", e.getCause().toString());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        log.info("{} tenants up in {} ms", tenants.size(), (System.nanoTime() - started) / 1_000_000);
    }

    /** A tenant whose server does not answer waits for it (brought up when it does); any other failure leaves it out. */
    private void bringUpOne(Tenant t, TenantProvisioner provisioner) {
        if (closed) {
            return;
        }
        try {
            provisioner.converge(t);
            activate(t.slug());
        } catch (RuntimeException e) {
            if (!awaiting.awaitIfUnreachable(t, e)) {
                log.error("tenant {} could not be brought up; the others serve", t.slug(), e);
            }
        }
    }

    private void activate(String slug) {
        if (closed || !activeTenants.add(slug)) {
            return;
        }
        Optional<Tenant> t = ctx.tenants().find(slug);
        if (t.isEmpty() || !t.get().active()) {
            activeTenants.remove(slug);
            return;
        }
        for (CoreModule m : modules) {
            try {
                m.tenantActive(ctx, t.get());
            } catch (Exception e) {
                log.error("module {} could not start for tenant {}", m.name(), slug, e);
            }
        }
        log.info("tenant {} active on this core", slug);
    }

    /**
     * A new tenant database is some thousand files that Postgres must fsync at its next
     * checkpoint; after a burst of provisioning the embedded server checkpoints in the background
     * (once, a little later), so that the cost is not paid by the next stop.
     */
    private void checkpointSoon() {
        if (closed || !ctx.infrastructure().embedded() || !checkpointPending.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(CHECKPOINT_AFTER_PROVISIONING.toMillis());
                checkpointPending.set(false);
                if (closed) {
                    return;
                }
                long t0 = System.nanoTime();
                try (java.sql.Connection c = ctx.controlDataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
                    st.execute("CHECKPOINT");
                }
                log.info("checkpoint after provisioning done in {} ms", (System.nanoTime() - t0) / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("checkpoint after provisioning: {}", e.toString());
            }
        }, "og-checkpoint");
        t.setDaemon(true);
        t.start();
    }

    /** On first start (or a new control database) the admin token is made and written, mode 0600. */
    private static void ensureAdminToken(DataDir dataDir, TokenService tokens) {
        Optional<String> existing = dataDir.readAdminToken();
        if (existing.isPresent() && tokens.authenticate(existing.get()).isPresent()) {
            return;
        }
        TokenService.Issued issued = tokens.create("system", "admin", Role.admin, Optional.empty(),
                Principal.ScopeKind.tenant, Optional.empty());
        dataDir.writeAdminToken(issued.secret());
        log.info("admin token written to {}", dataDir.adminTokenFile());
    }

    private void writeEndpoints() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("http", httpUrl());
        // no secret here: the file tells where, the credentials stay in their 0600 files
        e.put("nats", ctx.infrastructure().publicNatsUrl());
        e.put("pg", ctx.infrastructure().pg().libpqUrl());
        e.put("jdbc", ctx.infrastructure().pg().publicJdbcUrl(ctx.infrastructure().controlDatabase()));
        ctx.dataDir().writeEndpoints(e);
    }

    /** The URL a client on this machine uses (loopback when the API listens on every interface). */
    public String httpUrl() {
        String host = ctx.config().httpHost();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) {
            host = "127.0.0.1";
        }
        return (ctx.config().httpTls() ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.port();
    }

    public CoreContext context() {
        return ctx;
    }

    /** Every endpoint the HTTP API serves, as "METHOD /path" (what the OpenAPI document must describe). */
    public java.util.List<String> httpRoutes() {
        return HttpApi.routes(http);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        log.info("core stopping");
        if (http != null) {
            http.stop();
            log.info("http closed in {} ms", (System.nanoTime() - started) / 1_000_000);
        }
        closeModules();
        if (ctx != null) {
            // every module reaches the tenants through the gateway, with or without GatewayModule
            io.omniglass.core.gateway.Gateway.release(ctx);
            ctx.dataDir().deleteEndpoints();
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            long t0 = System.nanoTime();
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log.warn("closing: {}", e.toString());
            }
            log.info("{} closed in {} ms", closeables.get(i).getClass().getSimpleName(), (System.nanoTime() - t0) / 1_000_000);
        }
        if (lock != null) {
            lock.close();
        }
        log.info("core stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The modules close side by side (each stops its own tenants' work), within a deadline: a
     * module that hangs is logged and left to the JVM's exit rather than holding the stop.
     */
    private void closeModules() {
        List<Thread> closing = new ArrayList<>();
        for (CoreModule m : modules) {
            Thread t = new Thread(() -> {
                long t0 = System.nanoTime();
                try {
                    m.close();
                } catch (Exception e) {
                    log.warn("closing module {}: {}", m.name(), e.toString());
                }
                log.info("module {} closed in {} ms", m.name(), (System.nanoTime() - t0) / 1_000_000);
            }, "og-stop-" + m.name());
            t.setDaemon(true);
            t.start();
            closing.add(t);
        }
        long deadline = System.nanoTime() + MODULE_CLOSE_DEADLINE.toNanos();
        for (int i = 0; i < closing.size(); i++) {
            Thread t = closing.get(i);
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("module {} did not close within {} s; stopping without it", modules.get(i).name(),
                        MODULE_CLOSE_DEADLINE.toSeconds());
            }
        }
    }
}
