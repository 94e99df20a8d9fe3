package io.omniglass.peer.debezium;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamInfo;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The peer as the benchmark runs it: a JVM of its own on a real Postgres slot and a real
 * nats-server. Every committed change reaches JetStream once and is reported with its transaction.
 */
class DebeziumPeerTest {

    @TempDir
    Path dir;

    @Test
    void publishesEveryCommittedChangeToJetStreamAndReportsItsTransaction() throws Exception {
        int natsPort = freePort();
        Process nats = new ProcessBuilder(natsServer(),
                "-a", "127.0.0.1", "-p", Integer.toString(natsPort), "-js", "-sd", dir.resolve("nats").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nats.log").toFile()).start();
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "4")
                .setServerConfig("max_wal_senders", "4")
                .start()) {
            List<Long> xids = new ArrayList<>();
            try (java.sql.Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE reading (id int PRIMARY KEY, value text NOT NULL)");
                st.execute("CREATE PUBLICATION og_cdc FOR TABLE reading");
                st.execute("SELECT pg_create_logical_replication_slot('peer_test', 'pgoutput')");
                c.setAutoCommit(false);
                for (int txn = 0; txn < 3; txn++) {
                    st.execute("INSERT INTO reading SELECT g, 'v' || g FROM generate_series(" + (txn * 10 + 1) + ", " + (txn * 10 + 10) + ") g");
                    try (ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
                        rs.next();
                        xids.add(rs.getLong(1));
                    }
                    c.commit();
                }
            }
            Path records = dir.resolve("records");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), DebeziumPeer.class.getName(),
                    "127.0.0.1", Integer.toString(pg.getPort()), "postgres", "postgres", "peer_test", "og_cdc", "publish",
                    records.toString());
            pb.environment().put("PEER_NATS_URL", "nats://127.0.0.1:" + natsPort);
            pb.redirectError(dir.resolve("peer.log").toFile());
            Process peer = pb.start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).as("first line; peer log: %s", log(dir)).startsWith("started 3.6.1");
                long handled = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (handled < 30 && System.nanoTime() < deadline) {
                    String line = out.readLine();
                    assertThat(line).as("peer output; its log: %s", log(dir)).isNotNull().doesNotStartWith("failed");
                    if (line.startsWith("count ")) {
                        handled = Long.parseLong(line.substring(6));
                    }
                }
                assertThat(handled).isEqualTo(30);
                try (OutputStream in = peer.getOutputStream()) {
                    in.write("stop\n".getBytes(StandardCharsets.UTF_8));
                }
                String line;
                do {
                    line = out.readLine();
                } while (line != null && !line.equals("done"));
                assertThat(line).isEqualTo("done");
                assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                peer.destroyForcibly();
            }

            List<String> lines = Files.readAllLines(records);
            assertThat(lines).hasSize(30);
            for (int i = 0; i < 30; i++) {
                assertThat(Long.parseLong(lines.get(i).split(" ")[0])).as("change %d's transaction", i).isEqualTo(xids.get(i / 10));
            }
            try (Connection nc = Nats.connect("nats://127.0.0.1:" + natsPort)) {
                StreamInfo info = nc.jetStreamManagement().getStreamInfo(DebeziumPeer.STREAM);
                assertThat(info.getStreamState().getMsgCount()).isEqualTo(30);
                String first = new String(nc.jetStreamManagement().getFirstMessage(DebeziumPeer.STREAM, DebeziumPeer.SUBJECT_PREFIX + ">")
                        .getData(), StandardCharsets.UTF_8);
                assertThat(first).contains("\"after\":{\"id\":1,\"value\":\"v1\"}");
                if (nc.getServerInfo().isSameOrNewerThanVersion("2.12.0")) {
                    // the same JetStream facility as the core's publisher: Debezium's batches as atomic batches
                    var stored = nc.jetStreamManagement().getMessage(DebeziumPeer.STREAM, 30);
                    assertThat(stored.getHeaders().getFirst("Nats-Batch-Id")).isNotNull();
                }
            }
        } finally {
            nats.destroy();
            nats.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** NATS_SERVER_BIN, else the project's fetched nats-server (packaging/nats-server/fetch.sh), else the PATH's. */
    private static String natsServer() {
        String configured = System.getenv("NATS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path fetched = dir.resolve("packaging/nats-server/target/bin/nats-server");
            if (Files.isExecutable(fetched)) {
                return fetched.toString();
            }
        }
        return "nats-server";
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("peer.log"));
        } catch (Exception e) {
            return "(none)";
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
