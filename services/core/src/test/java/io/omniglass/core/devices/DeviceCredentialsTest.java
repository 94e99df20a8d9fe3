package io.omniglass.core.devices;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.omniglass.api.OmniglassClient.ApiException;
import io.omniglass.api.DeviceCreated;
import io.omniglass.api.DeviceInfo;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Device credentials for the data lane (issue 16): a device of tenant A publishes on A's data
 * lane and nowhere else, reads no change feed, and once revoked is refused (its open connection
 * closed) without a nats-server restart.
 */
class DeviceCredentialsTest {

    static TestCore core;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new DeviceModule()));
        core.createTenant("dev_a");
        core.createTenant("dev_b");
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private static String publicNatsUrl() {
        return core.core().context().dataDir().readEndpoints().orElseThrow().get("nats");
    }

    private static Options options(String seed, List<String> errors) {
        return DeviceCredential.options(publicNatsUrl(), seed)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        errors.add(error);
                    }
                })
                .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0).build();
    }

    private static long lastSequence(String stream) throws Exception {
        return core.core().context().nats().jetStreamManagement().getStreamInfo(stream).getStreamState().getLastSequence();
    }

    private static byte[] body() {
        return "{\"owner\":\"global\",\"key\":\"k\",\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDeviceOfTenantAPublishesOnItsLaneOnlyAndReadsNoChangeFeed() throws Exception {
        DeviceCreated created = admin.createDevice("dev_a", "plc-1");
        assertThat(created.seed()).startsWith("SU");
        assertThat(created.device().publicKey()).startsWith("U");
        // the seed is shown once: the list and the control database hold the public key only
        assertThat(admin.devices("dev_a")).filteredOn(d -> d.name().equals("plc-1"))
                .singleElement().satisfies(d -> assertThat(d.revokedAt()).isNull());
        assertThat(core.core().context().control().fetchCount(io.omniglass.schema.control.Tables.DEVICE_CREDENTIAL,
                io.omniglass.schema.control.Tables.DEVICE_CREDENTIAL.PUBLIC_KEY.eq(created.seed()))).isZero();
        List<String> errors = new CopyOnWriteArrayList<>();
        try (Connection device = Nats.connect(options(created.seed(), errors))) {
            PublishAck ack = device.jetStream().publish(TenantStreams.dataSubject("dev_a", "metric"), body());
            assertThat(ack.getStream()).isEqualTo(TenantStreams.dataStream("dev_a"));

            long bBefore = lastSequence(TenantStreams.dataStream("dev_b"));
            assertThatThrownBy(() -> device.jetStream().publish(TenantStreams.dataSubject("dev_b", "metric"), body(),
                    io.nats.client.PublishOptions.builder().streamTimeout(Duration.ofSeconds(2)).build()))
                    .isInstanceOfAny(java.io.IOException.class, JetStreamApiException.class);
            device.publish(TenantStreams.dataSubject("dev_b", "metric"), body()); // plain publish: dropped by the server
            device.flush(Duration.ofSeconds(2));
            assertThat(lastSequence(TenantStreams.dataStream("dev_b"))).as("nothing reached tenant B's lane").isEqualTo(bBefore);

            // no change feed, of its own tenant or another, and no JetStream API to make a consumer on one
            var cdc = device.subscribe(TenantStreams.cdcSubject("dev_a", "alarm"));
            var other = device.subscribe("og.dev_b.>");
            device.flush(Duration.ofSeconds(2));
            core.core().context().nats().publish(TenantStreams.cdcSubject("dev_a", "alarm"), body());
            core.core().context().nats().publish(TenantStreams.dataSubject("dev_b", "metric"), body());
            assertThat(cdc.nextMessage(Duration.ofMillis(1000))).isNull();
            assertThat(other.nextMessage(Duration.ofMillis(200))).isNull();
            assertThatThrownBy(() -> device.jetStreamManagement().getStreamInfo(TenantStreams.dataStream("dev_a")))
                    .isInstanceOfAny(java.io.IOException.class, JetStreamApiException.class);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(String.join("\n", errors))
                    .contains("Permissions Violation for Publish to \"og.dev_b.dp.metric\"")
                    .contains("Permissions Violation for Subscription to \"og.dev_a.cdc.alarm\"")
                    .contains("Permissions Violation for Subscription to \"og.dev_b.>\""));
        }
    }

    @Test
    void aRevokedDeviceIsDisconnectedAndRefusedWithoutANatsRestart() throws Exception {
        long natsPid = core.core().context().infrastructure().embeddedNatsPid().orElseThrow();
        DeviceCreated created = admin.createDevice("dev_a", "plc-revoked");
        List<String> errors = new CopyOnWriteArrayList<>();
        Connection device = Nats.connect(options(created.seed(), errors));
        try {
            device.jetStream().publish(TenantStreams.dataSubject("dev_a", "state"), body());
            DeviceInfo revoked = admin.revokeDevice("dev_a", created.device().id());
            assertThat(revoked.revokedAt()).isNotNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> device.getStatus() != Connection.Status.CONNECTED);
            assertThatThrownBy(() -> Nats.connect(options(created.seed(), new CopyOnWriteArrayList<>())))
                    .hasMessageContaining("Authorization Violation");
            assertThat(core.core().context().infrastructure().embeddedNatsPid()).contains(natsPid);
            // the revoke is an operator write: audited; and revoking is idempotent, a foreign tenant's id unknown
            assertThat(core.core().context().control().fetchCount(io.omniglass.schema.control.Tables.AUDIT_LOG,
                    io.omniglass.schema.control.Tables.AUDIT_LOG.VERB.eq("device.revoke")
                            .and(io.omniglass.schema.control.Tables.AUDIT_LOG.RESOURCE.eq("device:" + created.device().id())))).isEqualTo(1);
            assertThat(admin.revokeDevice("dev_a", created.device().id()).revokedAt()).isEqualTo(revoked.revokedAt());
            assertThatThrownBy(() -> admin.revokeDevice("dev_b", created.device().id()))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        } finally {
            device.close();
        }
    }

    @Test
    void badRequestsAreRefusedWithAReason() {
        assertThatThrownBy(() -> admin.createDevice("dev_a", "bad name\u0000"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        admin.createDevice("dev_b", "twin");
        assertThatThrownBy(() -> admin.createDevice("dev_b", "twin"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> admin.createDevice("no_such_tenant", "x"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        var viewer = core.client(admin.createToken(new io.omniglass.api.CreateTokenRequest("viewer", "dev_a", null, null)).token());
        assertThatThrownBy(() -> viewer.createDevice("dev_a", "sneaky"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> viewer.devices("dev_a"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    @Test
    void aLocalUserWithoutCredentialsCannotPublishOnATenantsLane() {
        assertThatThrownBy(() -> Nats.connect(new Options.Builder().server(publicNatsUrl()).maxReconnects(0)
                .connectionTimeout(Duration.ofSeconds(5)).build()))
                .hasMessageContaining("Authorization Violation");
    }
}
