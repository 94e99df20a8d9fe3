package io.omniglass.core.runtime;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The embedded nats-server is one that can promise durability (2.10+, sync_interval always): a
 * burst of publishes is acknowledged, the server is killed with SIGKILL the moment the last PubAck
 * arrives, and after a restart on the same store every acknowledged message is there, with its
 * body, at its sequence.
 */
class AcknowledgedIsDurableTest {

    @Test
    void everyAcknowledgedMessageSurvivesAKill9RightAfterItsPubAck() throws Exception {
        Path dir = Files.createTempDirectory("og-test-durable-");
        Path store = dir.resolve("nats").resolve("jetstream");
        NatsServerProcess server = NatsServerProcess.start(store, Optional.empty());
        int port = server.port();
        assertThat(Files.readString(store.resolve("nats-server.conf"))).contains("sync_interval: always");
        Map<Long, String> acknowledged = new HashMap<>();
        try {
            try (Connection nc = Nats.connect(server.url())) {
                nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("DURABLE").subjects("durable.>")
                        .storageType(StorageType.File).build());
                JetStream js = nc.jetStream();
                int rounds = 5;
                for (int round = 0; round < rounds; round++) {
                    // a window of asynchronous publishes in flight, as the CDC publisher and devices send them
                    List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
                    List<String> bodies = new ArrayList<>();
                    for (int i = 0; i < 1000; i++) {
                        String body = "round " + round + " message " + i;
                        bodies.add(body);
                        acks.add(js.publishAsync("durable." + round, body.getBytes(StandardCharsets.UTF_8)));
                    }
                    for (int i = 0; i < acks.size(); i++) {
                        acknowledged.put(acks.get(i).get(10, TimeUnit.SECONDS).getSeqno(), bodies.get(i));
                    }
                }
                // the moment the last PubAck is in: no clean shutdown, no flush on the way out
                ProcessHandle.of(server.pid()).orElseThrow().destroyForcibly();
                ProcessHandle.of(server.pid()).ifPresent(h -> h.onExit().join());
            }
            server.close(); // the killed child: disarms its watchdog
            server = NatsServerProcess.start(store, Optional.empty(), port);
            try (Connection nc = Nats.connect(server.url())) {
                long stored = nc.jetStreamManagement().getStreamInfo("DURABLE").getStreamState().getMsgCount();
                assertThat(stored).as("messages after the restart").isEqualTo(acknowledged.size());
                JetStreamSubscription sub = nc.jetStream().subscribe("durable.>",
                        PushSubscribeOptions.builder().stream("DURABLE").ordered(true).build());
                Map<Long, String> found = new HashMap<>();
                for (int i = 0; i < stored; i++) {
                    Message m = sub.nextMessage(Duration.ofSeconds(10));
                    assertThat(m).as("message %d of %d", i + 1, stored).isNotNull();
                    found.put(m.metaData().streamSequence(), new String(m.getData(), StandardCharsets.UTF_8));
                }
                assertThat(found).isEqualTo(acknowledged);
            }
        } finally {
            server.close();
            TestFiles.deleteQuietly(dir);
        }
    }

    @Test
    void aNatsServerOlderThan210IsRefusedWithWhatToDo() {
        // Debian's package installs it in /usr/sbin; other layouts in /usr/bin
        String path = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/nats-server"))
                ? "/usr/sbin/nats-server" : "/usr/bin/nats-server";
        Optional<NatsServerBinary> system = NatsServerBinary.probe(path);
        assumeThat(system).as("this machine's %s is 2.9 (Debian bookworm)", path)
                .hasValueSatisfying(b -> assertThat(b.durable()).isFalse());
        assertThatThrownBy(() -> NatsServerBinary.locate(Optional.of(path)))
                .isInstanceOf(NatsServerProcess.MissingNatsServerException.class)
                .hasMessageContaining("nats-server 2.10 or newer is needed")
                .hasMessageContaining(path + " is 2.9")
                .hasMessageContaining("packaging/nats-server/fetch.sh");
        // without a configured binary the runtime passes over it to a durable one
        assertThat(NatsServerBinary.locate(Optional.empty()).durable()).isTrue();
    }
}
