package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.PgServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server at {@code max_connections} answers a probe with "sorry, too many clients already"
 * (SQLSTATE 53300): it is up, only full, and is not marked down (which would refuse every one of
 * its tenants' borrows until the next probe).
 */
class ServerStatesTooManyClientsTest {

    @Test
    void aServerRefusingWithTooManyClientsIsNotMarkedDown() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "6")
                .setServerConfig("superuser_reserved_connections", "1").start()) {
            List<Connection> held = new ArrayList<>();
            ScheduledThreadPoolExecutor probes = new ScheduledThreadPoolExecutor(1);
            try {
                String full = null;
                for (int i = 0; i < 20 && full == null; i++) {
                    try {
                        held.add(pg.getPostgresDatabase().getConnection());
                    } catch (SQLException e) {
                        full = e.getSQLState();
                    }
                }
                assertThat(full).as("the server refuses another connection").isEqualTo("53300");

                PgServer server = PgServer.parse("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/", "postgres", "unused");
                ServerStates states = new ServerStates(name -> server, probes);
                states.known(ServerRegistry.DEFAULT);
                CountDownLatch answered = new CountDownLatch(1);
                states.whenUp(ServerRegistry.DEFAULT, answered::countDown); // probes it now
                assertThat(answered.await(15, TimeUnit.SECONDS)).as("the probe found the full server answering").isTrue();
                assertThat(states.isDown(ServerRegistry.DEFAULT)).isFalse();
                assertThat(states.down()).isEmpty();
            } finally {
                for (Connection c : held) {
                    c.close();
                }
                probes.shutdownNow();
            }
        }
    }
}
