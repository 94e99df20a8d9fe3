package io.omniglass.core.cdc;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.omniglass.core.runtime.NatsServerProcess;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The KV lease against a real nats-server: one holder, fencing before take-over, release. */
class LeaseElectorTest {

    static final Duration TTL = Duration.ofSeconds(3);
    static Path dir;
    static NatsServerProcess server;
    static Connection nats;
    static KeyValue bucket;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("og-lease-test-");
        server = NatsServerProcess.start(dir.resolve("nats").resolve("jetstream"), Optional.empty());
        nats = Nats.connect(server.url());
        bucket = LeaseElector.bucket(nats, TTL);
    }

    @AfterAll
    static void stop() throws Exception {
        if (nats != null) {
            nats.close();
        }
        if (server != null) {
            server.close();
        }
        TestFiles.deleteQuietly(dir);
    }

    @Test
    void aHolderThatStopsRenewingIsFencedBeforeAnotherCanTakeOver() throws Exception {
        LeaseElector a = new LeaseElector(bucket, "t1", "instance-a", TTL);
        LeaseElector b = new LeaseElector(bucket, "t1", "instance-b", TTL);
        assertThat(a.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isFalse();
        assertThat(b.holder()).isEqualTo("instance-a");
        assertThat(a.renew()).isTrue();
        assertThat(a.valid()).isTrue();

        // a stops renewing (as if it hung or lost NATS): its own clock fences it first ...
        await().atMost(TTL).until(() -> !a.valid());
        assertThat(b.tryAcquire()).isFalse(); // ... while the lease is still a's on the server
        // ... and then the lease ages out and b takes it
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(b::tryAcquire);
        assertThat(b.valid()).isTrue();
        // a cannot renew what is no longer its own
        assertThat(a.renew()).isFalse();
        assertThat(a.valid()).isFalse();
        assertThat(b.renew()).isTrue();
    }

    @Test
    void aReleasedLeaseIsFreeAtOnce() throws Exception {
        LeaseElector a = new LeaseElector(bucket, "t2", "instance-a", TTL);
        LeaseElector b = new LeaseElector(bucket, "t2", "instance-b", TTL);
        assertThat(a.tryAcquire()).isTrue();
        a.release();
        assertThat(a.valid()).isFalse();
        assertThat(b.holder()).isNull();
        assertThat(b.tryAcquire()).isTrue();
    }
}
