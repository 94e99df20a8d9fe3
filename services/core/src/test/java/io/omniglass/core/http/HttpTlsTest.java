package io.omniglass.core.http;

import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TlsTrust;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTTPS by configuration (PEM certificate and key), verified by a trust file or a pinned fingerprint. */
class HttpTlsTest {

    static Path dir;
    static Path cert;
    static Path key;
    static String pin;
    static TestCore core;

    /** A self-signed EC certificate for 127.0.0.1 and localhost, made by the JDK's keytool, written as PEM. */
    static void selfSigned(Path dir, String alias, Path certOut, Path keyOut) throws Exception {
        Path p12 = dir.resolve(alias + ".p12");
        Process kt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=omniglass-test", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(kt.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kt.exitValue()).as(new String(kt.getInputStream().readAllBytes())).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey k = (PrivateKey) ks.getKey(alias, "changeit".toCharArray());
        X509Certificate c = (X509Certificate) ks.getCertificate(alias);
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes());
        Files.writeString(certOut, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyOut, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(k.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("og-tls-");
        cert = dir.resolve("core.crt");
        key = dir.resolve("core.key");
        selfSigned(dir, "core", cert, key);
        try (InputStream in = Files.newInputStream(cert)) {
            pin = TlsTrust.fingerprint((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
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
        Path otherCert = dir.resolve("other.crt");
        selfSigned(dir, "other", otherCert, dir.resolve("other.key"));
        String otherPin;
        try (InputStream in = Files.newInputStream(otherCert)) {
            otherPin = TlsTrust.fingerprint((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
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
