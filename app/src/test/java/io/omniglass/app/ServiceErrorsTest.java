package io.omniglass.app;

import com.sun.net.httpserver.HttpServer;
import io.omniglass.api.OmniglassClient;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.ConsoleServices;
import io.omniglass.views.services.ServiceException;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The views see a failed call as their own ServiceException, with the core's status and words. */
class ServiceErrorsTest {

    @Test
    void aCoreThatCannotBeReachedIsStatusZero() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        ConsoleServices services = new HttpConsoleServices(new OmniglassClient("http://127.0.0.1:" + port, "t")).bundle(null);
        assertThatThrownBy(() -> services.tenants().tenants())
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.error()).isEqualTo("unreachable");
                    assertThat(Messages.readable(e)).startsWith("The core cannot be reached");
                });
    }

    @Test
    void anErrorAnswerKeepsItsStatusErrorAndDetail() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            byte[] body = "{\"error\": \"forbidden\", \"detail\": \"read_alarms needs the viewer role\"}".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(403, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            ConsoleServices services = new HttpConsoleServices(
                    new OmniglassClient("http://127.0.0.1:" + server.getAddress().getPort(), "t")).bundle(null);
            assertThatThrownBy(() -> services.storage().storage("acme"))
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.status()).isEqualTo(403);
                        assertThat(e.detail()).isEqualTo("read_alarms needs the viewer role");
                        assertThat(Messages.readable(e)).isEqualTo("Your token's role does not allow this: read_alarms needs the viewer role");
                    });
        } finally {
            server.stop(0);
        }
    }
}
