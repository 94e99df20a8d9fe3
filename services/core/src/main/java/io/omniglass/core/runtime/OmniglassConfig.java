package io.omniglass.core.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Optional;

/**
 * Where the core finds its parts. Each value comes from the environment, else the config file
 * (YAML, keys named like the variables in lower case without the prefix), else a default.
 */
public record OmniglassConfig(
        Path dataDir,
        Optional<String> pgUrl,
        Optional<String> natsUrl,
        int httpPort,
        String httpHost,
        Optional<String> natsServerBin,
        String pgUser,
        String pgPassword,
        Optional<String> secretKey,
        Optional<String> httpTlsCert,
        Optional<String> httpTlsKey,
        int natsReplicas,
        java.time.Duration replicaMaxLag) {

    /** OMNIGLASS_REPLICA_MAX_LAG's default: reads that may lag go to a replica at most this far behind. */
    public static final java.time.Duration DEFAULT_REPLICA_MAX_LAG = java.time.Duration.ofSeconds(5);

    public OmniglassConfig(Path dataDir, Optional<String> pgUrl, Optional<String> natsUrl, int httpPort, String httpHost,
                           Optional<String> natsServerBin, String pgUser, String pgPassword, Optional<String> secretKey,
                           Optional<String> httpTlsCert, Optional<String> httpTlsKey, int natsReplicas) {
        this(dataDir, pgUrl, natsUrl, httpPort, httpHost, natsServerBin, pgUser, pgPassword, secretKey,
                httpTlsCert, httpTlsKey, natsReplicas, DEFAULT_REPLICA_MAX_LAG);
    }

    public OmniglassConfig(Path dataDir, Optional<String> pgUrl, Optional<String> natsUrl, int httpPort, String httpHost,
                           Optional<String> natsServerBin, String pgUser, String pgPassword, Optional<String> secretKey) {
        this(dataDir, pgUrl, natsUrl, httpPort, httpHost, natsServerBin, pgUser, pgPassword, secretKey,
                Optional.empty(), Optional.empty());
    }

    public OmniglassConfig(Path dataDir, Optional<String> pgUrl, Optional<String> natsUrl, int httpPort, String httpHost,
                           Optional<String> natsServerBin, String pgUser, String pgPassword, Optional<String> secretKey,
                           Optional<String> httpTlsCert, Optional<String> httpTlsKey) {
        this(dataDir, pgUrl, natsUrl, httpPort, httpHost, natsServerBin, pgUser, pgPassword, secretKey,
                httpTlsCert, httpTlsKey, 1);
    }

    /** The API serves HTTPS with these PEM files (both or neither). */
    public boolean httpTls() {
        return httpTlsCert.isPresent();
    }

    public static final int DEFAULT_HTTP_PORT = 8686;
    /** Loopback unless told otherwise: opening the API to a network is the operator's decision. */
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";

    public boolean embeddedPostgres() {
        return pgUrl.isEmpty();
    }

    public boolean embeddedNats() {
        return natsUrl.isEmpty();
    }

    public static OmniglassConfig load(Optional<Path> configFile) {
        return load(configFile, System.getenv());
    }

    public static OmniglassConfig load(Optional<Path> configFile, Map<String, String> env) {
        JsonNode file = configFile.map(OmniglassConfig::readYaml).orElse(null);
        Lookup l = new Lookup(env, file);
        Path dataDir = l.get("OMNIGLASS_DATA_DIR", "data_dir")
                .map(Paths::get)
                .orElseGet(() -> Paths.get(System.getProperty("user.home"), ".local", "share", "omniglass"));
        int port = l.get("OMNIGLASS_HTTP_PORT", "http_port").map(Integer::parseInt).orElse(DEFAULT_HTTP_PORT);
        OmniglassConfig cfg = new OmniglassConfig(
                dataDir.toAbsolutePath().normalize(),
                l.get("OMNIGLASS_PG_URL", "pg_url"),
                l.get("OMNIGLASS_NATS_URL", "nats_url"),
                port,
                l.get("OMNIGLASS_HTTP_HOST", "http_host").orElse(DEFAULT_HTTP_HOST),
                l.get("NATS_SERVER_BIN", "nats_server_bin"),
                l.get("OMNIGLASS_PG_USER", "pg_user").orElse("postgres"),
                l.get("OMNIGLASS_PG_PASSWORD", "pg_password").orElse("postgres"),
                l.get("OMNIGLASS_SECRET_KEY", "secret_key"),
                l.get("OMNIGLASS_HTTP_TLS_CERT", "http_tls_cert"),
                l.get("OMNIGLASS_HTTP_TLS_KEY", "http_tls_key"),
                // replicas of every stream and KV bucket: 1 on one server, 3 (or 5) on a cluster
                l.get("OMNIGLASS_NATS_REPLICAS", "nats_replicas").map(StreamReplicas::parse).orElse(1),
                l.get("OMNIGLASS_REPLICA_MAX_LAG", "replica_max_lag").map(OmniglassConfig::parseLag).orElse(DEFAULT_REPLICA_MAX_LAG));
        if (cfg.httpTlsCert().isPresent() != cfg.httpTlsKey().isPresent()) {
            throw new IllegalArgumentException("OMNIGLASS_HTTP_TLS_CERT and OMNIGLASS_HTTP_TLS_KEY go together: set both or neither");
        }
        if (cfg.embeddedNats() && cfg.natsReplicas() > 1) {
            throw new IllegalArgumentException("OMNIGLASS_NATS_REPLICAS=" + cfg.natsReplicas()
                    + " needs a JetStream cluster: the embedded nats-server is one node (set OMNIGLASS_NATS_URL to the cluster's servers)");
        }
        return cfg;
    }

    public OmniglassConfig withHttpPort(int port) {
        return new OmniglassConfig(dataDir, pgUrl, natsUrl, port, httpHost, natsServerBin, pgUser, pgPassword, secretKey,
                httpTlsCert, httpTlsKey, natsReplicas, replicaMaxLag);
    }

    /** {@code 5s}, {@code 500ms}, {@code 2m}, a number of seconds, or ISO-8601 ({@code PT5S}); zero sends every read to the primary. */
    static java.time.Duration parseLag(String v) {
        String s = v.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            java.time.Duration d;
            if (s.startsWith("p")) {
                d = java.time.Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
            } else if (s.endsWith("ms")) {
                d = java.time.Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            } else if (s.endsWith("s")) {
                d = java.time.Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1).trim()) * 1000));
            } else if (s.endsWith("m")) {
                d = java.time.Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).trim()) * 60);
            } else {
                d = java.time.Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
            }
            if (d.isNegative()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("OMNIGLASS_REPLICA_MAX_LAG must be a duration such as 5s, 500ms or PT5S, not '" + v + "'");
        }
    }

    private static JsonNode readYaml(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    private record Lookup(Map<String, String> env, JsonNode file) {
        Optional<String> get(String envName, String key) {
            String v = env.get(envName);
            if (v != null && !v.isBlank()) {
                return Optional.of(v.trim());
            }
            if (file != null && file.hasNonNull(key)) {
                return Optional.of(file.get(key).asText());
            }
            return Optional.empty();
        }
    }
}
