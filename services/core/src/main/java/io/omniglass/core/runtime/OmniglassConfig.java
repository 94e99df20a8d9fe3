package io.omniglass.core.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The core's one configuration, checked when it is built: each {@link Setting} comes from the
 * environment, else the config file (YAML, keyed by {@link Setting#key()}), else its default. A
 * value that cannot work is a {@link InvalidConfigException} naming the setting, before anything starts.
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
        Optional<Path> natsAuthFile,
        Tuning tuning,
        Duration replicaMaxLag,
        int pgEmbeddedTenants) {

    /** OMNIGLASS_REPLICA_MAX_LAG's default: reads that may lag go to a replica at most this far behind. */
    public static final Duration DEFAULT_REPLICA_MAX_LAG = Duration.ofSeconds(5);

    public static final int DEFAULT_HTTP_PORT = 8686;
    /** OMNIGLASS_PG_EMBEDDED_TENANTS' default: tenants per embedded Postgres server. */
    public static final int DEFAULT_PG_EMBEDDED_TENANTS = 20;
    /** Loopback unless told otherwise: opening the API to a network is the operator's decision. */
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";

    /**
     * Sizes and periods of the core's own work: pools, batches, sessions, schedules. Each is a
     * {@link Setting}; {@link #defaults()} are the values the table documents.
     */
    public record Tuning(
            int laneWorkers,
            int natsLaneConnections,
            int pgSystemConnections,
            int pgHttpConnections,
            int pgTenantPool,
            long httpStatementTimeoutMs,
            int sinkBatchRows,
            int sinkBatchWaitMs,
            int sinkAckWaitSeconds,
            int cdcSessions,
            int cdcSweepSeconds,
            int cdcOpenSessions,
            long cdcSkipBehindMb,
            Duration lifecycleInterval,
            Duration lifecycleLeaseTtl,
            long pgConnectionTimeoutMs,
            long pgSocketTimeoutMs) {

        public static Tuning defaults() {
            return read(new Lookup(Map.of(), null));
        }

        private static Tuning read(Lookup l) {
            return new Tuning(
                    l.integer(Setting.LANE_WORKERS, Math.max(8, 2 * Runtime.getRuntime().availableProcessors()), 1, 256),
                    l.integer(Setting.NATS_LANE_CONNECTIONS, 2, 1, 256),
                    l.integer(Setting.PG_SYSTEM_CONNECTIONS, 48, 1, 10_000),
                    l.integer(Setting.PG_HTTP_CONNECTIONS, 24, 1, 10_000),
                    l.integer(Setting.PG_TENANT_POOL, 8, 1, 1_000),
                    l.integer(Setting.HTTP_STATEMENT_TIMEOUT_MS, 30_000, 1, Integer.MAX_VALUE),
                    l.integer(Setting.SINK_BATCH_ROWS, 20_000, 1, 10_000_000),
                    l.integer(Setting.SINK_BATCH_WAIT_MS, 200, 1, 3_600_000),
                    l.integer(Setting.SINK_ACK_WAIT_S, 60, 1, 86_400),
                    l.integer(Setting.CDC_SESSIONS, 8, 1, 64),
                    l.integer(Setting.CDC_SWEEP_SECONDS, 10, 1, 86_400),
                    l.integer(Setting.CDC_OPEN_SESSIONS, 64, 0, 200),
                    l.integer(Setting.CDC_SKIP_BEHIND_MB, 64, 0, 1_000_000),
                    l.duration(Setting.LIFECYCLE_INTERVAL, Duration.ofHours(1), true),
                    l.duration(Setting.LIFECYCLE_LEASE_TTL, Duration.ofMinutes(10), false),
                    l.integer(Setting.PG_CONNECTION_TIMEOUT_MS, 5_000, 250, Integer.MAX_VALUE),
                    l.integer(Setting.PG_SOCKET_TIMEOUT_MS, 60_000, 1_000, Integer.MAX_VALUE));
        }
    }

    /** The API serves HTTPS with these PEM files (both or neither). */
    public boolean httpTls() {
        return httpTlsCert.isPresent();
    }

    public boolean embeddedPostgres() {
        return pgUrl.isEmpty();
    }

    public boolean embeddedNats() {
        return natsUrl.isEmpty();
    }

    /** From this process's environment and the config file, if any. */
    public static OmniglassConfig load(Optional<Path> configFile) {
        return load(configFile, System.getenv());
    }

    /** From this process's environment with {@code overrides} on top (benchmarks, tools that start a core). */
    public static OmniglassConfig loadWith(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        return load(Optional.empty(), env);
    }

    /** A variable of this process's environment that is not a setting of the core (PATH, DISPLAY, a benchmark's classpath). */
    public static Optional<String> processEnvironment(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }

    /** This process's whole environment, for a child process that must inherit it. */
    public static Map<String, String> processEnvironment() {
        return System.getenv();
    }

    public static OmniglassConfig load(Optional<Path> configFile, Map<String, String> env) {
        JsonNode file = configFile.map(OmniglassConfig::readYaml).orElse(null);
        Lookup l = new Lookup(env, file);
        Path dataDir = l.get(Setting.DATA_DIR)
                .map(v -> l.path(Setting.DATA_DIR, v))
                .orElseGet(() -> Paths.get(System.getProperty("user.home"), ".local", "share", "omniglass"));
        Optional<String> natsUrl = l.get(Setting.NATS_URL);
        OmniglassConfig cfg = new OmniglassConfig(
                dataDir.toAbsolutePath().normalize(),
                l.get(Setting.PG_URL).map(v -> l.require(Setting.PG_URL, v, v.startsWith("jdbc:postgresql://"),
                        "a JDBC URL of Postgres, e.g. jdbc:postgresql://db:5432/omniglass_control")),
                natsUrl.map(v -> l.require(Setting.NATS_URL, v, natsUrlsValid(v),
                        "nats://HOST:PORT (or tls://), several comma-separated")),
                l.integer(Setting.HTTP_PORT, DEFAULT_HTTP_PORT, 0, 65_535),
                l.get(Setting.HTTP_HOST).orElse(DEFAULT_HTTP_HOST),
                l.get(Setting.NATS_SERVER_BIN),
                l.get(Setting.PG_USER).orElse("postgres"),
                l.get(Setting.PG_PASSWORD).orElse("postgres"),
                l.get(Setting.SECRET_KEY),
                l.get(Setting.HTTP_TLS_CERT),
                l.get(Setting.HTTP_TLS_KEY),
                // replicas of every stream and KV bucket: 1 on one server, 3 (or 5) on a cluster
                l.integer(Setting.NATS_REPLICAS, 1, 1, StreamReplicas.MAX),
                l.get(Setting.NATS_AUTH_FILE).map(v -> l.path(Setting.NATS_AUTH_FILE, v)),
                Tuning.read(l),
                l.duration(Setting.REPLICA_MAX_LAG, DEFAULT_REPLICA_MAX_LAG, true),
                l.integer(Setting.PG_EMBEDDED_TENANTS, DEFAULT_PG_EMBEDDED_TENANTS, 0, 10_000));
        if (cfg.httpTlsCert().isPresent() != cfg.httpTlsKey().isPresent()) {
            throw new InvalidConfigException("OMNIGLASS_HTTP_TLS_CERT and OMNIGLASS_HTTP_TLS_KEY go together: set both or neither");
        }
        if (cfg.embeddedNats() && cfg.natsReplicas() > 1) {
            throw new InvalidConfigException("OMNIGLASS_NATS_REPLICAS=" + cfg.natsReplicas()
                    + " needs a JetStream cluster: the embedded nats-server is one node (set OMNIGLASS_NATS_URL to the cluster's servers)");
        }
        return cfg;
    }

    public OmniglassConfig withHttpPort(int port) {
        return new OmniglassConfig(dataDir, pgUrl, natsUrl, port, httpHost, natsServerBin, pgUser, pgPassword, secretKey,
                httpTlsCert, httpTlsKey, natsReplicas, natsAuthFile, tuning, replicaMaxLag, pgEmbeddedTenants);
    }

    private static final Pattern NATS_URL = Pattern.compile("(nats|tls|ws|wss)://[^\\s,]+");

    private static boolean natsUrlsValid(String urls) {
        for (String u : urls.split(",")) {
            if (!NATS_URL.matcher(u.trim()).matches()) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode readYaml(Path file) {
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
            if (tree != null && !tree.isObject() && !tree.isMissingNode()) {
                throw new InvalidConfigException("config file " + file + " must be a YAML mapping of setting keys to values");
            }
            return tree;
        } catch (IOException e) {
            throw new InvalidConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    /** A setting whose value cannot work; the message names it, its value and what it accepts. */
    public static final class InvalidConfigException extends IllegalArgumentException {
        public InvalidConfigException(String message) {
            super(message);
        }
    }

    private record Lookup(Map<String, String> env, JsonNode file) {

        private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|min|h|d)?");

        Optional<String> get(Setting s) {
            String v = env.get(s.env());
            if (v != null && !v.isBlank()) {
                return Optional.of(v.trim());
            }
            if (file != null && file.hasNonNull(s.key())) {
                return Optional.of(file.get(s.key()).asText().trim()).filter(t -> !t.isEmpty());
            }
            return Optional.empty();
        }

        String require(Setting s, String value, boolean ok, String accepted) {
            if (!ok) {
                throw invalid(s, value, accepted);
            }
            return value;
        }

        int integer(Setting s, int dflt, int min, int max) {
            Optional<String> v = get(s);
            if (v.isEmpty()) {
                return dflt;
            }
            String range = max == Integer.MAX_VALUE ? "a whole number of at least " + min : "a whole number from " + min + " to " + max;
            try {
                int n = Integer.parseInt(v.get());
                if (n < min || n > max) {
                    throw invalid(s, v.get(), range);
                }
                return n;
            } catch (NumberFormatException e) {
                throw invalid(s, v.get(), range);
            }
        }

        /** Seconds when bare ({@code 600}), else {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d} or ISO-8601 ({@code PT10M}). */
        Duration duration(Setting s, Duration dflt, boolean zeroAllowed) {
            Optional<String> v = get(s);
            if (v.isEmpty()) {
                return dflt;
            }
            String accepted = (zeroAllowed ? "" : "more than zero: ") + "seconds (600) or 500ms, 30s, 10m, 1h, 1d, PT10M";
            Duration d = parseDuration(v.get());
            if (d == null || d.isNegative() || (!zeroAllowed && d.isZero())) {
                throw invalid(s, v.get(), accepted);
            }
            return d;
        }

        private static Duration parseDuration(String text) {
            String t = text.toLowerCase(Locale.ROOT);
            Matcher m = DURATION.matcher(t);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m", "min" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return t.startsWith("p") ? Duration.parse(t.toUpperCase(Locale.ROOT)) : null;
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        Path path(Setting s, String value) {
            try {
                return Paths.get(value);
            } catch (InvalidPathException e) {
                throw invalid(s, value, "a file system path");
            }
        }

        private static InvalidConfigException invalid(Setting s, String value, String accepted) {
            return new InvalidConfigException(s.env() + " (" + s.key() + ") must be " + accepted + ", not '" + value + "'");
        }
    }
}
