package io.omniglass.core.testing;

import io.omniglass.api.TlsTrust;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** Self-signed certificates for HTTPS tests, made by the JDK's own keytool and written as PEM. */
public final class TestCertificates {

    /** A PEM certificate and PKCS#8 key, and the certificate's SHA-256 fingerprint (a pin). */
    public record Pem(Path cert, Path key, String sha256) {
    }

    private TestCertificates() {
    }

    /** An EC (P-256) certificate for 127.0.0.1 and localhost, valid two days. */
    public static Pem selfSigned(Path dir, String alias) throws Exception {
        Path p12 = dir.resolve(alias + ".p12");
        Process kt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=omniglass-test", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(kt.getInputStream().readAllBytes());
        if (!kt.waitFor(60, TimeUnit.SECONDS) || kt.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey k = (PrivateKey) ks.getKey(alias, "changeit".toCharArray());
        X509Certificate c = (X509Certificate) ks.getCertificate(alias);
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes());
        Path cert = dir.resolve(alias + ".crt");
        Path key = dir.resolve(alias + ".key");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(k.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return new Pem(cert, key, TlsTrust.fingerprint(c));
    }
}
