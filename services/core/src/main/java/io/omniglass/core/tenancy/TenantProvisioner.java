package io.omniglass.core.tenancy;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.nats.client.Connection;
import io.omniglass.core.runtime.Infrastructure;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.schema.control.enums.TenantStatus;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static io.omniglass.schema.control.Tables.TENANT;

/**
 * Creates a tenant end to end: registry row, database (a copy of the migrated {@link TenantTemplate}),
 * migrations if the copy is behind, boot phase (partitions, publication, slot), NATS streams.
 * A bad or taken slug is refused before anything is touched; a failure half-way removes what
 * this call created, so a retry starts clean.
 */
public final class TenantProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TenantProvisioner.class);

    private final DSLContext control;
    private final TenantRegistry registry;
    private final TenantDatabases databases;
    private final Connection nats;
    private final ReferenceData reference;
    private final Consumer<Tenant> onActive;
    private final int natsReplicas;
    private final ServerRegistry servers;

    public TenantProvisioner(DSLContext control, TenantDatabases databases, Connection nats,
                             ReferenceData reference, Consumer<Tenant> onActive) {
        this(control, databases, nats, 1, reference, onActive);
    }

    /** {@code natsReplicas}: OMNIGLASS_NATS_REPLICAS, for the tenant's streams. */
    public TenantProvisioner(DSLContext control, TenantDatabases databases, Connection nats, int natsReplicas,
                             ReferenceData reference, Consumer<Tenant> onActive) {
        this(control, databases, nats, natsReplicas, null, reference, onActive);
    }

    /** {@code servers}: where new tenants are placed (null: every tenant on the control server). */
    public TenantProvisioner(DSLContext control, TenantDatabases databases, Connection nats, int natsReplicas,
                             ServerRegistry servers, ReferenceData reference, Consumer<Tenant> onActive) {
        this.servers = servers;
        this.natsReplicas = natsReplicas;
        this.control = control;
        this.registry = new TenantRegistry(control);
        this.databases = databases;
        this.nats = nats;
        this.reference = reference;
        this.onActive = onActive;
    }

    /** A tenant made by the core itself, the CLI or a benchmark: audited under the label {@code actor}. */
    public Tenant create(String slug, String displayName, String actor) {
        return create(slug, displayName, java.util.Optional.empty(), AuditActor.named(actor));
    }

    public Tenant create(String slug, String displayName, java.util.Optional<String> requestedServer, String actor) {
        return create(slug, displayName, requestedServer, AuditActor.named(actor));
    }

    /** The registered servers tenants are placed on (empty for a provisioner without them). */
    public java.util.Optional<ServerRegistry> servers() {
        return java.util.Optional.ofNullable(servers);
    }

    /**
     * Creates the tenant on {@code server}, or on the active primary with the fewest tenants; a
     * drained server or a replica is refused.
     */
    public Tenant create(String slug, String displayName, java.util.Optional<String> requestedServer, AuditActor actor) {
        Tenant.requireValidSlug(slug);
        String name = displayName == null || displayName.isBlank() ? slug : displayName.strip();
        if (name.length() > 200) {
            throw new Tenant.InvalidTenantException("display name longer than 200 characters");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new Tenant.InvalidTenantException("display name must not hold control characters (NUL, newlines, ...)");
        }
        if (servers == null && requestedServer.isPresent()) {
            throw new ServerRegistry.InvalidServerException("this core places no tenants on other servers");
        }
        String placed = servers == null ? null : servers.place(requestedServer);
        if (!registry.reserve(slug, name, placed)) {
            throw new Tenant.DuplicateTenantException(slug);
        }
        Tenant reserved = registry.find(slug).orElseThrow();
        PgServer server = databases.server(reserved);
        boolean createdDb = false;
        try {
            requireNoForeignDatabase(server, reserved);
            long t0 = System.nanoTime();
            // a copy of the pre-migrated template when it can be used (seconds and ~10 MB of WAL less a tenant)
            boolean copied = TenantTemplate.copyTo(server, reserved.databaseName(), reference);
            createdDb = copied || Infrastructure.ensureDatabase(server, reserved.databaseName());
            markDatabase(server, reserved);
            long t1 = System.nanoTime();
            DataSource ds = databases.dataSource(reserved);
            Migrations.migrateTenantIfBehind(ds);
            long t2 = System.nanoTime();
            BootPhase.run(reserved, ds, reference);
            long t3 = System.nanoTime();
            TenantStreams.ensure(nats, slug, natsReplicas);
            long t4 = System.nanoTime();
            log.info("tenant {}: database {} in {} ms, migrations {} ms, boot phase {} ms, streams {} ms", slug,
                    copied ? "copied from the template" : "made", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                    (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
            control.transaction(tx -> {
                tx.dsl().update(TENANT).set(TENANT.STATUS, TenantStatus.active).where(TENANT.SLUG.eq(slug)).execute();
                Map<String, Object> created = new LinkedHashMap<>();
                created.put("slug", slug);
                created.put("database", reserved.databaseName());
                created.put("server", reserved.server());
                AuditTrail.CONTROL.write(tx.dsl(), actor, "tenant.create", "tenant:" + slug, null, created);
            });
        } catch (RuntimeException | java.io.IOException e) {
            log.error("provisioning tenant {} failed; undoing", slug, e);
            databases.evict(slug);
            TenantStreams.delete(nats, slug);
            if (createdDb) {
                dropDatabase(server, reserved);
            }
            registry.delete(slug);
            if (e instanceof Tenant.InvalidTenantException refused) {
                throw refused;
            }
            throw new IllegalStateException("provisioning tenant " + slug + " failed: " + e.getMessage(), e);
        }
        Tenant active = registry.find(slug).orElseThrow();
        onActive.accept(active);
        return active;
    }

    /** Brings an existing tenant up to date: migrations, boot phase, streams. Idempotent. */
    public void converge(Tenant tenant) {
        try {
            DataSource ds = databases.dataSource(tenant);
            Migrations.migrateTenantIfBehind(ds);
            BootPhase.run(tenant, ds, reference);
            TenantStreams.ensure(nats, tenant.slug(), natsReplicas);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("tenant " + tenant.slug() + ": " + e.getMessage(), e);
        }
    }

    /** The comment that proves a database is this tenant's (the registry row alone cannot: it is newer). */
    static String marker(Tenant tenant) {
        return "omniglass tenant " + tenant.slug();
    }

    /**
     * "Already exists" is success only when the database provably is this tenant's (a crashed
     * earlier attempt of the same slug); anything else (another tenant's database, a stranger's)
     * is refused before a single migration touches it.
     */
    private static void requireNoForeignDatabase(PgServer server, Tenant tenant) {
        try (java.sql.Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
             PreparedStatement ps = c.prepareStatement(
                     "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
            ps.setString(1, tenant.databaseName());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !marker(tenant).equals(rs.getString(1))) {
                    throw new Tenant.InvalidTenantException("database " + tenant.databaseName()
                            + " already exists and is not tenant '" + tenant.slug() + "''s: refusing to use it");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot inspect the databases of " + server.jdbcUrl("postgres") + ": " + e.getMessage(), e);
        }
    }

    private static void markDatabase(PgServer server, Tenant tenant) {
        try (java.sql.Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
             Statement st = c.createStatement()) {
            // neither a database name nor a comment can be a bound parameter: identifier and literal quoted
            st.execute("COMMENT ON DATABASE " + Infrastructure.quoteIdent(tenant.databaseName())
                    + " IS '" + marker(tenant).replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot mark database " + tenant.databaseName() + ": " + e.getMessage(), e);
        }
    }

    private static void dropDatabase(PgServer server, Tenant tenant) {
        try (java.sql.Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password())) {
            // only the slots of this tenant's database (its slot, and the alternate one a CDC skip may
            // have moved it to): a same-named slot elsewhere is not ours to drop
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name IN (?, ?) AND database = ?")) {
                ps.setString(1, tenant.slotName());
                ps.setString(2, Tenant.alternateSlotFor(tenant.slotName()));
                ps.setString(3, tenant.databaseName());
                ps.execute();
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + Infrastructure.quoteIdent(tenant.databaseName()) + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            log.warn("could not drop database {}: {}", tenant.databaseName(), e.getMessage());
        }
    }
}
