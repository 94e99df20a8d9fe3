package io.omniglass.core.cdc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The cheap signal a writer gives after committing record-lane rows in a tenant database, so the
 * tenant's CDC leader drains the slot now rather than at the next sweep. In-process when this
 * core leads the tenant; otherwise one message on {@link CdcModule#WAKE_SUBJECT} for the core that does.
 */
public final class CdcWakeups {

    /** Each CDC module of this JVM: true when it led the tenant and has woken its feed. */
    private static final List<Predicate<String>> local = new CopyOnWriteArrayList<>();
    private static final List<java.util.function.Consumer<String>> remote = new CopyOnWriteArrayList<>();

    private CdcWakeups() {
    }

    /** Call after the commit returned (never inside the transaction: the change must be in the WAL). */
    public static void committed(String tenant) {
        for (Predicate<String> l : local) {
            if (l.test(tenant)) {
                return;
            }
        }
        for (java.util.function.Consumer<String> r : remote) {
            r.accept(tenant);
            return; // one message reaches every core
        }
    }

    /**
     * A DSL over a tenant's pool whose every committed transaction ({@code transaction},
     * {@code transactionResult}) that wrote the record lane gives the signal: one place for a
     * module's writers instead of a call after each commit.
     */
    public static org.jooq.DSLContext wakingDsl(javax.sql.DataSource tenantDb, String tenant) {
        return wakingDsl(tenantDb, tenant, new org.jooq.ExecuteListenerProvider[0]);
    }

    /** The same with {@code listeners} on every statement (the gateway's timing). */
    public static org.jooq.DSLContext wakingDsl(javax.sql.DataSource tenantDb, String tenant,
                                                org.jooq.ExecuteListenerProvider... listeners) {
        return org.jooq.impl.DSL.using(new org.jooq.impl.DefaultConfiguration()
                .set(tenantDb)
                .set(org.jooq.SQLDialect.POSTGRES)
                .set(listeners)
                .set(new org.jooq.impl.DefaultTransactionListenerProvider(new org.jooq.TransactionListener() {
                    @Override
                    public void commitStart(org.jooq.TransactionContext ctx) {
                        // a transaction that wrote no record (a read, the rules' state) wakes nobody
                        if (wroteRecordLane(ctx.dsl())) {
                            ctx.configuration().data(WROTE, Boolean.TRUE);
                        }
                    }

                    @Override
                    public void commitEnd(org.jooq.TransactionContext ctx) {
                        if (ctx.configuration().data(WROTE) != null) {
                            committed(tenant);
                        }
                    }
                })));
    }

    private static final String WROTE = "og.cdc.wrote";

    /**
     * Asked at every transaction's commit: one constant statement, prepared once per connection by
     * pgjdbc. The record lane's triggers set it (tenant V257); unset, it reads NULL.
     */
    private static final String RECORD_LANE_WRITTEN = "SELECT current_setting('og.cdc_wrote', true) = 'on'";

    /**
     * True when the current transaction has written the record lane (a published table), which is
     * all a commit drain can carry. Not "wrote anything": the rules' state rows, written at every
     * evaluation, are not published, and waking the feed for them cost a drain of the server's WAL
     * per evaluation for nothing. Plain JDBC: this runs at every rules and alarm commit, and
     * rendering it through jOOQ each time was a visible share of the live rules' CPU.
     */
    public static boolean wroteRecordLane(org.jooq.DSLContext tx) {
        return tx.connectionResult(c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement(RECORD_LANE_WRITTEN);
                 java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    static Runnable register(Predicate<String> wakeHere, java.util.function.Consumer<String> tellOthers) {
        local.add(wakeHere);
        remote.add(tellOthers);
        return () -> {
            local.remove(wakeHere);
            remote.remove(tellOthers);
        };
    }
}
