package io.omniglass.core.sink;

import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two writers creating overlapping series at the same moment, in opposite orders (as two sink
 * batches, or the sink and the rules, do when many tenants start publishing): each statement is
 * one multi-row INSERT ... ON CONFLICT DO NOTHING, like the sink's. Before tenant V101 they
 * deadlocked ("deadlock detected", 40P01); now they run one after the other and every series is
 * made once. Real Postgres.
 */
class SeriesCreationDeadlockTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new PlantModule()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private static final int ROUNDS = 40;
    private static final int KEYS = 60;

    private static String insert(int round, List<Integer> order) {
        StringBuilder sql = new StringBuilder("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, instance, provenance, source) "
                + "SELECT 'component', 'pump-1', t.id, 'metric', v.instance, 'observed', 'test' FROM datapoint_type t, (VALUES ");
        for (int i = 0; i < order.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("('r").append(round).append('-').append(order.get(i)).append("', ").append(i).append(')');
        }
        return sql.append(") v(instance, n) WHERE t.name = 'discharge_pressure' ORDER BY v.n ON CONFLICT DO NOTHING").toString();
    }

    @Test
    void writersCreatingTheSameSeriesInOppositeOrdersDoNotDeadlock() throws Exception {
        Tenant t = core.createTenant("seriesrace");
        new SinkFixture("seriesrace", core.core().context().tenantDataSource(t), core.core().context().infrastructure().natsUrl())
                .importPlant(SinkFixture.SMALL_PLANT);
        DataSource db = core.core().context().tenantDataSource(t);
        List<Integer> up = IntStream.range(0, KEYS).boxed().toList();
        List<Integer> down = new ArrayList<>(up);
        Collections.reverse(down);
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<String>>> writers = new ArrayList<>();
            for (List<Integer> order : List.of(up, down)) {
                writers.add(pool.submit(() -> {
                    List<String> failures = new ArrayList<>();
                    try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                        for (int round = 0; round < ROUNDS; round++) {
                            together.await(30, TimeUnit.SECONDS);
                            try {
                                st.executeUpdate(insert(round, order));
                            } catch (SQLException e) {
                                failures.add(e.getSQLState() + " " + e.getMessage());
                            }
                        }
                    }
                    return failures;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<List<String>> w : writers) {
                failures.addAll(w.get(120, TimeUnit.SECONDS));
            }
            assertThat(failures).isEmpty();
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*), count(DISTINCT instance) FROM series WHERE instance LIKE 'r%-%'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo((long) ROUNDS * KEYS);
            assertThat(rs.getLong(2)).isEqualTo((long) ROUNDS * KEYS);
        }
    }
}
