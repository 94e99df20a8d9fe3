package io.omniglass.core.gateway;

import io.omniglass.core.access.Principal;
import io.omniglass.core.tenancy.Tenant;
import org.jooq.Condition;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DefaultExecuteListenerProvider;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.val;

/**
 * One caller's access to one tenant for one action. Build queries with {@link #visible} (or
 * {@link #visibleOwnerText}) in their WHERE clause and run them inside {@link #transaction}: the
 * transaction carries the scope into Postgres (row-level security) and times every statement.
 */
public final class GatewaySession {

    /** Work inside one transaction; {@code tx} is bound to its connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(DSLContext tx) throws Exception;
    }

    private static final Settings SETTINGS = new Settings().withRenderSchema(false);
    private static final int REPLICA_VALID_S = 1;

    private final Gateway gateway;
    private final Tenant tenant;
    private final Principal principal;
    private final Action action;
    private final VisibleSet visible;
    private final boolean scoped;
    /** Set for the core's own work ({@link Gateway#system(Tenant, SystemPurpose)}): what it is for. */
    private final SystemPurpose purpose;

    GatewaySession(Gateway gateway, Tenant tenant, Principal principal, Action action, VisibleSet visible, boolean scoped,
                   SystemPurpose purpose) {
        this.gateway = gateway;
        this.tenant = tenant;
        this.principal = principal;
        this.action = action;
        this.visible = visible;
        this.scoped = scoped;
        this.purpose = purpose;
    }

    /**
     * A DSL over the tenant's system pool for the core's own work that runs its own transactions
     * ({@code transactionResult}) or single autocommit statements: timed under the purpose, and a
     * commit that wrote the record lane wakes the tenant's CDC. System sessions only.
     */
    public DSLContext dsl() {
        requirePurpose("dsl()");
        return io.omniglass.core.cdc.CdcWakeups.wakingDsl(gateway.systemDataSource(tenant), tenant.slug(),
                new DefaultExecuteListenerProvider(gateway.timer(tenant.slug(), purpose)));
    }

    /**
     * The same DSL for the core's own writes to tables that are not on the record lane (the alarm
     * fingerprints, a projection of the raises): its commits wake no CDC drain, as there is nothing
     * for one to carry. {@link #dsl()} would not wake for them either (it wakes only for record-lane
     * writes); this one spares the hot path that question at every commit. A record-lane write made
     * through it still reaches the feed, at the next sweep.
     */
    public DSLContext dslOffRecordLane() {
        requirePurpose("dslOffRecordLane()");
        return DSL.using(new DefaultConfiguration()
                .set(gateway.systemDataSource(tenant))
                .set(SQLDialect.POSTGRES)
                .set(new DefaultExecuteListenerProvider(gateway.timer(tenant.slug(), purpose))));
    }

    /**
     * The carve-out for what jOOQ does not express: a connection of the tenant's system pool, for
     * COPY through pgjdbc's {@code CopyManager}, partition DDL and other statements that need the
     * JDBC connection itself. The caller closes it (try-with-resources), which returns it to the
     * pool; it comes in autocommit and the caller owns its transactions. System sessions only.
     */
    public Connection connection() throws SQLException {
        requirePurpose("connection()");
        return gateway.systemDataSource(tenant).getConnection();
    }

    private void requirePurpose(String what) {
        if (purpose == null) {
            throw new IllegalStateException(what + " is the core's own work: take the session with Gateway.system(tenant, purpose)");
        }
    }

    public Tenant tenant() {
        return tenant;
    }

    public Principal principal() {
        return principal;
    }

    public Action action() {
        return action;
    }

    public VisibleSet visibleSet() {
        return visible;
    }

    /** {@code visible_set(P, action)} over an owner-bearing table's arc columns. */
    public Condition visible(OwnerColumns owner) {
        return visible.owner(owner);
    }

    /** The same over a generated owner text column (e.g. the current_value view's {@code owner}). */
    public Condition visibleOwnerText(Field<String> owner) {
        return visible.ownerText(owner);
    }

    /** 403 unless the principal's scope is the whole tenant (for tenant-wide registries and settings). */
    public void requireTenantWideScope() {
        if (!visible.unrestricted()) {
            throw GatewayException.denied(action.label() + " needs a token scoped to the whole tenant");
        }
    }

    /**
     * Runs {@code work} in one transaction: scope settings and role first (scoped mode), every
     * statement timed, commit on return, rollback on any exception (which is rethrown).
     */
    public <T> T transaction(Work<T> work) {
        boolean[] wrote = {false};
        T result = transaction(tx -> {
            T r = work.run(tx);
            wrote[0] = io.omniglass.core.cdc.CdcWakeups.wroteRecordLane(tx); // no record written: nothing to carry
            return r;
        }, false);
        if (wrote[0]) {
            io.omniglass.core.cdc.CdcWakeups.committed(tenant.slug()); // its changes are in the WAL now: carry them
        }
        return result;
    }

    private <T> T transaction(Work<T> work, boolean oneSnapshot) {
        return transaction(work, oneSnapshot, false, false);
    }

    private <T> T transaction(Work<T> work, boolean oneSnapshot, boolean mayLag) {
        return transaction(work, oneSnapshot, mayLag, false);
    }

    /**
     * A connection for this session: requests and the core's own work draw on separate pools (a
     * slow reader cannot starve the sink); a scoped read that may lag goes to a read replica close
     * enough behind, and to the primary when the replica cannot be had.
     */
    private Connection connect(boolean mayLag) throws SQLException {
        var databases = gateway.core().tenantDatabases();
        if (!scoped) {
            return gateway.core().tenantDataSource(tenant).getConnection();
        }
        if (mayLag) {
            var target = databases.readTarget(tenant);
            if (target.replica()) {
                Connection c = null;
                try {
                    c = target.dataSource().getConnection();
                    // a pooled session of a replica that was stopped since is found out here, not mid-read
                    if (c.isValid(REPLICA_VALID_S)) {
                        databases.served(target);
                        return c;
                    }
                    c.close();
                } catch (SQLException e) {
                    if (c != null) {
                        try {
                            c.close();
                        } catch (SQLException ignored) {
                            // broken: Hikari evicts it
                        }
                    }
                }
                databases.replicaFailed(target);
            }
            Connection c = databases.httpDataSource(tenant).getConnection();
            databases.served(new io.omniglass.core.tenancy.TenantDatabases.ReadTarget(null, tenant.server(), false));
            return c;
        }
        return databases.httpDataSource(tenant).getConnection();
    }

    /**
     * {@code oneStatement}: the work runs one statement, which is then its own transaction when no
     * scope setting has to share one with it (autocommit: no BEGIN, no COMMIT round trip).
     */
    private <T> T transaction(Work<T> work, boolean oneSnapshot, boolean mayLag, boolean oneStatement) {
        boolean withScope = scoped && !visible.unrestricted();
        boolean autocommit = oneStatement && !withScope && !oneSnapshot;
        try (Connection c = connect(mayLag)) {
            if (oneSnapshot) {
                // Hikari puts the pool's isolation back when the connection returns
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            }
            if (autocommit) {
                Configuration cfg = configuration(c);
                return work.run(DSL.using(cfg));
            }
            c.setAutoCommit(false);
            try {
                // Row-level security narrows a scope *within* the tenant database. A tenant-wide
                // principal's scope is the whole database (tenants are separate databases), so its
                // policies would only say "true" while hiding the row counts from the planner
                // (a fleet read then loses its index-ordered plan): it runs without the role switch.
                if (withScope) {
                    DSL.using(c, SQLDialect.POSTGRES, SETTINGS)
                            .select(DSL.function("set_config", String.class, inline("og.scope_kind"),
                                            val(principal.scopeKind().name()), inline(true)),
                                    DSL.function("set_config", String.class, inline("og.scope_name"),
                                            val(principal.scopeName().orElse("")), inline(true)),
                                    DSL.function("set_config", String.class, inline("role"),
                                            inline("og_scoped"), inline(true)))
                            .fetch();
                }
                T result = work.run(DSL.using(configuration(c)));
                c.commit();
                return result;
            } catch (Throwable e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; Hikari discards it
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a broken connection must not hide the original failure; Hikari evicts it
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new TransactionFailure(e);
        }
    }

    /** jOOQ over the connection, every statement timed under the session's action or purpose. */
    private Configuration configuration(Connection c) {
        return new DefaultConfiguration()
                .set(c)
                .set(SQLDialect.POSTGRES)
                .set(SETTINGS)
                .set(new DefaultExecuteListenerProvider(purpose != null
                        ? gateway.timer(tenant.slug(), purpose) : gateway.timer(tenant.slug(), action)));
    }

    /**
     * A read of exactly one statement (a point read): for a principal whose scope is the whole
     * tenant, the statement runs as its own transaction, one round trip to the database instead of
     * two (its COMMIT); a narrower scope's settings must share a transaction with it, so that read
     * runs as {@link #read}. Not for a cursor fetch (a cursor lives in a transaction).
     */
    public <T> T readOneStatement(Work<T> work) {
        return transaction(work, false, false, true);
    }

    /** Shorthand for a transaction that only reads. */
    public <T> T read(Work<T> work) {
        return transaction(work, false);
    }

    /**
     * A read whose statements all see one snapshot (REPEATABLE READ), for a read made of several
     * statements that must agree with each other (a registry read first, rows that refer to it after).
     */
    public <T> T readSnapshot(Work<T> work) {
        return transaction(work, true);
    }

    /**
     * A read that may be a little behind (history, aggregates, fleet current values): served by a
     * read replica of the tenant's server whose replay lag is within OMNIGLASS_REPLICA_MAX_LAG, else
     * by the primary. Never for a read that decides a write.
     */
    public <T> T readMayLag(Work<T> work) {
        return transaction(work, false, true);
    }

    /** {@link #readSnapshot} that may be served by a replica, as {@link #readMayLag}. */
    public <T> T readSnapshotMayLag(Work<T> work) {
        return transaction(work, true, true);
    }

    /**
     * The audit row of an operator write; call it inside the write's {@link #transaction} so the
     * change and its audit row commit together. {@code old}/{@code neu} are serialised as JSON.
     */
    public void audit(DSLContext tx, String verb, String resource, Object old, Object neu) {
        AuditTrail.TENANT.write(tx, AuditActor.of(principal), verb, resource, old, neu);
    }

    /**
     * A scoped write that changed nothing did not happen: the target is missing or out of scope,
     * which the caller must not be able to tell apart, so both are 404.
     */
    public static int requireAffected(int rows, String resource) {
        if (rows == 0) {
            throw GatewayException.notFound("no " + resource + " you can change");
        }
        return rows;
    }

    /** A checked failure inside a gateway transaction (JDBC, I/O of a streamed response). */
    public static final class TransactionFailure extends RuntimeException {
        TransactionFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }
}
