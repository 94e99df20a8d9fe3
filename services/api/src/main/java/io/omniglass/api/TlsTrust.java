package io.omniglass.api;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How a client decides that an HTTPS core is the right one, for a core whose certificate no public
 * CA signed (the usual case on a plant network):
 * <ul>
 *   <li>{@link #trustFile(Path)}: the certificates in a PEM file are the only trust anchors (the
 *       core's own certificate or the site CA); the host name is checked against the certificate;</li>
 *   <li>{@link #pinned(String)}: the server's certificate must have this SHA-256 fingerprint
 *       (hex, colons optional, as {@code openssl x509 -fingerprint -sha256} prints it); the pin is
 *       the identity, so neither a CA nor the host name is consulted.</li>
 * </ul>
 */
public final class TlsTrust {

    private TlsTrust() {
    }

    public static SSLContext trustFile(Path pem) throws IOException, GeneralSecurityException {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        int n = 0;
        try (InputStream in = Files.newInputStream(pem)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.setCertificateEntry("anchor-" + n++, c);
            }
        }
        if (n == 0) {
            throw new CertificateException("no certificate in " + pem);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    public static SSLContext pinned(String sha256) throws GeneralSecurityException {
        String pin = normalise(sha256);
        if (!pin.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a pin is the certificate's SHA-256 fingerprint: 64 hex digits (colons allowed)");
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, new TrustManager[] {new Pin(pin)}, null);
        return ssl;
    }

    /** The SHA-256 fingerprint of a certificate, lower-case hex without colons. */
    public static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String normalise(String sha256) {
        return sha256 == null ? "" : sha256.replace(":", "").replace(" ", "").strip().toLowerCase(Locale.ROOT)
                .replaceFirst("^sha256=", "").replaceFirst("^sha256 fingerprint=", "");
    }

    /**
     * An extended trust manager, so the JDK does not add its own host-name check on top: with a
     * pin, the certificate itself is what is trusted, wherever it is served from.
     */
    private static final class Pin extends X509ExtendedTrustManager {
        private final String pin;

        Pin(String pin) {
            this.pin = pin;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server sent no certificate");
            }
            chain[0].checkValidity();
            String actual = fingerprint(chain[0]);
            if (!MessageDigest.isEqual(actual.getBytes(), pin.getBytes())) {
                throw new CertificateException("the server's certificate (SHA-256 " + actual + ") is not the pinned one");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client-side trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("a client-side trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("a client-side trust manager");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
