package io.omniglass.core.http;

import io.omniglass.core.runtime.OmniglassConfig;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTPS for the API from two PEM files ({@code OMNIGLASS_HTTP_TLS_CERT}: the certificate chain,
 * leaf first; {@code OMNIGLASS_HTTP_TLS_KEY}: its PKCS#8 private key, RSA or EC, as
 * {@code openssl genpkey} or {@code openssl pkcs8 -topk8 -nocrypt} write it). The files are read at
 * start; a wrong file stops the core with a message rather than serving plain HTTP.
 */
final class HttpsConnector {

    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final char[] IN_MEMORY = "omniglass".toCharArray();

    private HttpsConnector() {
    }

    static ServerConnector create(Server server, HttpConfiguration http, OmniglassConfig cfg) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore(Path.of(cfg.httpTlsCert().orElseThrow()), Path.of(cfg.httpTlsKey().orElseThrow())));
        ssl.setKeyStorePassword(new String(IN_MEMORY));
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        HttpConfiguration https = new HttpConfiguration(http);
        // clients reach a plant core by address as often as by name: the client checks the name, not Jetty
        https.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector c = new ServerConnector(server,
                new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
        c.setHost(cfg.httpHost());
        c.setPort(cfg.httpPort());
        return c;
    }

    static KeyStore keyStore(Path certFile, Path keyFile) {
        try {
            List<? extends Certificate> chain;
            try (InputStream in = Files.newInputStream(certFile)) {
                chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + certFile);
            }
            PrivateKey key = privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII), keyFile);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("omniglass-http", key, IN_MEMORY, chain.toArray(new Certificate[0]));
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the HTTPS certificate " + certFile + " and key " + keyFile
                    + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String pem, Path file) throws GeneralSecurityException {
        Matcher m = KEY.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException(file + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (java.security.spec.InvalidKeySpecException wrongAlgorithm) {
                // try the next
            }
        }
        throw new IllegalArgumentException(file + " holds a private key of an unsupported algorithm (use RSA or EC)");
    }
}
