package io.omniglass.app;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.testing.TestCertificates;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The console verifies an HTTPS core by the pin or trust file of its connect settings, never by nothing. */
class ConsoleTlsTest {

    static Path dir;
    static TestCertificates.Pem pem;
    static TestCertificates.Pem other;
    static TestCore core;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("og-console-tls-");
        pem = TestCertificates.selfSigned(dir, "core");
        other = TestCertificates.selfSigned(dir, "other");
        core = TestCore.start(List.of(), Map.of("OMNIGLASS_HTTP_TLS_CERT", pem.cert().toString(),
                "OMNIGLASS_HTTP_TLS_KEY", pem.key().toString()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    static int statusOf(ConsoleSettings s) {
        OmniglassClient c = s.client(core.httpUrl(), core.adminToken());
        try {
            c.tenants();
            return 200;
        } catch (OmniglassClient.ApiException e) {
            return e.status();
        }
    }

    @Test
    void aPinnedFingerprintOrATrustFileInTheSettingsVerifiesTheCore() throws Exception {
        ConsoleSettings pinned = new ConsoleSettings(dir.resolve("pinned"), Map.of());
        pinned.rememberTls(null, pem.sha256());
        assertThat(statusOf(pinned)).isEqualTo(200);
        assertThat(Files.readString(dir.resolve("pinned/console.properties"))).contains("tls_pin=" + pem.sha256());

        ConsoleSettings trusting = new ConsoleSettings(dir.resolve("trusting"), Map.of());
        trusting.rememberTls(pem.cert().toString(), null);
        assertThat(statusOf(trusting)).isEqualTo(200);
    }

    @Test
    void anotherCertificateOrNoSettingIsRefused() {
        ConsoleSettings wrongPin = new ConsoleSettings(dir.resolve("wrong-pin"), Map.of());
        wrongPin.rememberTls(null, other.sha256());
        assertThat(statusOf(wrongPin)).isZero();

        ConsoleSettings wrongAnchor = new ConsoleSettings(dir.resolve("wrong-anchor"), Map.of("OMNIGLASS_CONSOLE_TLS_TRUST", other.cert().toString()));
        assertThat(statusOf(wrongAnchor)).isZero();

        // nothing configured: the JDK's CAs, which do not know a self-signed core
        assertThat(statusOf(new ConsoleSettings(dir.resolve("none"), Map.of()))).isZero();
    }
}
