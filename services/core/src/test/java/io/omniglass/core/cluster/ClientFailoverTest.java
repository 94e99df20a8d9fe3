package io.omniglass.core.cluster;

import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The typed client (and so the console) given several core URLs: a core that is not there is
 * passed over, and when the core it talks to is killed the next request, a write included, is
 * answered by another; the live feed reopens there too. Real core processes, kill -9.
 */
class ClientFailoverTest {

    @Test
    void aKilledCoreIsPassedOverForReadsWritesAndTheLiveFeed() throws Exception {
        try (TestInfra infra = TestInfra.start()) {
            List<CoreProcess> cores = new ArrayList<>();
            try {
                cores.add(CoreProcess.launch(infra.env()));
                cores.add(CoreProcess.launch(infra.env()));
                for (CoreProcess c : cores) {
                    c.awaitReady(Duration.ofSeconds(180));
                }
                String nobody = "http://127.0.0.1:" + closedPort();
                OmniglassClient client = new OmniglassClient(nobody + ", " + cores.get(0).httpUrl() + "," + cores.get(1).httpUrl(),
                        cores.get(0).adminToken());
                assertThat(client.coreUris()).hasSize(3);

                // the first URL has no core: the second answers, and is asked first from then on
                client.createTenant("fa", "Failover A");
                assertThat(client.baseUri()).isEqualTo(URI.create(cores.get(0).httpUrl()));
                assertThat(client.tenants()).extracting(TenantInfo::slug).contains("fa");
                HttpResponse<java.io.InputStream> live = client.openLive("fa", null);
                assertThat(live.statusCode()).isEqualTo(200);
                live.body().close();

                cores.get(0).kill9();
                // a read, a write (refused connection: nothing was sent, so it is safe to send elsewhere), the feed
                assertThat(client.tenants()).extracting(TenantInfo::slug).contains("fa");
                assertThat(client.baseUri()).isEqualTo(URI.create(cores.get(1).httpUrl()));
                client.createTenant("fb", "Failover B");
                assertThat(client.tenants()).extracting(TenantInfo::slug).contains("fa", "fb");
                HttpResponse<java.io.InputStream> again = client.openLive("fb", null);
                assertThat(again.statusCode()).isEqualTo(200);
                again.body().close();

                cores.get(1).kill9();
                assertThatThrownBy(client::tenants).isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.getMessage()).contains("cannot reach", cores.get(1).httpUrl(), "2 more");
                });
            } finally {
                cores.forEach(CoreProcess::close);
            }
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
