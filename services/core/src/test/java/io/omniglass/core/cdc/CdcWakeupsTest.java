package io.omniglass.core.cdc;

import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A commit of the core wakes the tenant's CDC feed only when it wrote the record lane (tenant
 * V257): a commit drain can carry nothing else, and each one decodes the server's WAL. The rules
 * write their state rows (not published) at every evaluation; those commits used to wake a drain
 * each. On a real tenant database, through the DSL the core's modules write with.
 */
class CdcWakeupsTest {

    static TestInfra infra;
    static TestCore core;
    static Tenant tenant;
    static DSLContext dsl;
    static Runnable unregister;
    static final List<String> woken = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        infra = TestInfra.start();
        core = TestCore.start(List.of(), infra.env()); // no CDC module: the wake-ups are recorded here
        tenant = core.createTenant("wakeups");
        dsl = CdcWakeups.wakingDsl(core.core().context().tenantDataSource(tenant), tenant.slug());
        unregister = CdcWakeups.register(t -> woken.add(t), t -> { });
    }

    @AfterAll
    static void stop() {
        if (unregister != null) {
            unregister.run();
        }
        if (core != null) {
            core.close();
        }
        if (infra != null) {
            infra.close();
        }
    }

    @BeforeEach
    void clear() {
        woken.clear();
    }

    @Test
    void aRecordLaneWriteWakesTheFeed() {
        dsl.transaction(cfg -> audit(cfg.dsl(), "wake-1"));
        assertThat(woken).containsExactly("wakeups");
    }

    @Test
    void aWriteOffTheRecordLaneWakesNobody() {
        // a table that is not published, like the rules' state: the transaction has an xid, which
        // is what used to wake the feed
        dsl.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            tx.execute("CREATE TEMP TABLE IF NOT EXISTS scratch (x int) ON COMMIT DELETE ROWS");
            tx.execute("INSERT INTO scratch VALUES (1)");
            assertThat(tx.fetchValue(org.jooq.impl.DSL.field("pg_current_xact_id_if_assigned() IS NOT NULL", Boolean.class)))
                    .as("the transaction wrote").isTrue();
        });
        dsl.transaction(cfg -> cfg.dsl().fetch("SELECT count(*) FROM audit_log")); // read only
        assertThat(woken).isEmpty();
    }

    @Test
    void aRecordLaneWriteRolledBackToASavepointWakesNobody() {
        dsl.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            tx.execute("CREATE TEMP TABLE IF NOT EXISTS scratch (x int) ON COMMIT DELETE ROWS");
            tx.execute("INSERT INTO scratch VALUES (1)");
            tx.execute("SAVEPOINT s");
            audit(tx, "wake-rolled-back");
            tx.execute("ROLLBACK TO SAVEPOINT s");
        });
        assertThat(woken).isEmpty();
        // and the mark does not outlive its transaction on the pooled connection
        dsl.transaction(cfg -> audit(cfg.dsl(), "wake-2"));
        dsl.transaction(cfg -> cfg.dsl().execute("CREATE TEMP TABLE IF NOT EXISTS scratch (x int) ON COMMIT DELETE ROWS"));
        dsl.transaction(cfg -> cfg.dsl().execute("INSERT INTO scratch VALUES (2)"));
        assertThat(woken).containsExactly("wakeups");
    }

    @Test
    void aPartitionedLogRowMarksItsTransactionToo() {
        // the logs count per row (a row trigger cloned to every partition), the plain tables per statement
        dsl.transaction(cfg -> assertThat(CdcWakeups.wroteRecordLane(cfg.dsl())).isFalse());
        dsl.transaction(cfg -> {
            audit(cfg.dsl(), "wake-3");
            assertThat(CdcWakeups.wroteRecordLane(cfg.dsl())).isTrue();
        });
    }

    private static void audit(DSLContext tx, String resource) {
        tx.execute("INSERT INTO audit_log (actor, verb, resource, new) VALUES ('waketest', 'write', ?, '{}'::jsonb)", resource);
    }
}
