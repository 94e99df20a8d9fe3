package io.omniglass.core.http;

import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TlsTrust;
import io.omniglass.core.testing.TestCertificates;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTTPS by configuration (PEM certificate and key), verified by a trust file or a pinned fingerprint. */
class HttpTlsTest {

    static Path dir;
    static Path cert;
    static Path key;
    static String pin;
    static TestCore core;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("og-tls-");
        TestCertificates.Pem pem = TestCertificates.selfSigned(dir, "core");
        cert = pem.cert();
        key = pem.key();
        pin = pem.sha256();
        core = TestCore.start(List.of(), Map.of("OMNIGLASS_HTTP_TLS_CERT", cert.toString(), "OMNIGLASS_HTTP_TLS_KEY", key.toString()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
        TestFiles.deleteQuietly(dir);
    }

    /** The client's answer when the handshake fails: unreachable (status 0), with the reason. */
    static String unreachable(OmniglassClient c) {
        try {
            c.tenants();
        } catch (OmniglassClient.ApiException e) {
            assertThat(e.status()).isZero();
            return e.error().detail();
        }
        throw new AssertionError("the handshake succeeded");
    }

    @Test
    void theApiServesHttpsOnlyAndATrustFileVerifiesIt() throws Exception {
        assertThat(core.httpUrl()).startsWith("https://127.0.0.1:");
        OmniglassClient trusted = new OmniglassClient(core.httpUrl(), core.adminToken(), TlsTrust.trustFile(cert));
        assertThat(trusted.healthy()).isTrue();
        assertThat(trusted.tenants()).isNotNull();
        // the JDK's CAs do not know a self-signed certificate
        OmniglassClient naive = new OmniglassClient(core.httpUrl(), core.adminToken());
        assertThat(unreachable(naive)).contains("PKIX");
        // plain HTTP on the same port gets no API answer
        String plain = core.httpUrl().replace("https://", "http://");
        int status;
        try {
            status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(plain + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (java.io.IOException e) {
            status = 0;
        }
        assertThat(status).isNotEqualTo(200);
    }

    @Test
    void aPinnedFingerprintVerifiesItAndAnotherCertificateIsRefused() throws Exception {
        OmniglassClient pinned = new OmniglassClient(core.httpUrl(), core.adminToken(), TlsTrust.pinned(pin.toUpperCase().replaceAll("(..)(?!$)", "$1:")));
        assertThat(pinned.tenants()).isNotNull();
        TestCertificates.Pem other = TestCertificates.selfSigned(dir, "other");
        Path otherCert = other.cert();
        String otherPin = other.sha256();
        OmniglassClient wrongPin = new OmniglassClient(core.httpUrl(), core.adminToken(), TlsTrust.pinned(otherPin));
        assertThat(unreachable(wrongPin)).contains("is not the pinned one");
        OmniglassClient wrongAnchor = new OmniglassClient(core.httpUrl(), core.adminToken(), TlsTrust.trustFile(otherCert));
        assertThat(unreachable(wrongAnchor)).contains("PKIX");
        assertThatThrownBy(() -> TlsTrust.pinned("abc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCertificateWithoutItsKeyIsAConfigurationError() {
        assertThatThrownBy(() -> io.omniglass.core.runtime.OmniglassConfig.load(java.util.Optional.empty(),
                Map.of("OMNIGLASS_HTTP_TLS_CERT", cert.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("set both or neither");
        assertThatThrownBy(() -> HttpsConnector.keyStore(cert, cert))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PKCS#8");
    }
}
