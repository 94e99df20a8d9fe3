package io.omniglass.core.runtime;

import java.net.URI;
import java.util.Optional;

/**
 * A Postgres server as a JDBC URL prefix, so the control database and each tenant database can be
 * named on it. Credentials ride in the URL's query (user=, password=) or in the config.
 */
public record PgServer(String host, int port, String query, String user, String password) {

    public static PgServer parse(String jdbcUrl, String defaultUser, String defaultPassword) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String query = Optional.ofNullable(uri.getRawQuery()).orElse("");
        String user = param(query, "user").orElse(defaultUser);
        String password = param(query, "password").orElse(defaultPassword);
        return new PgServer(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), query, user, password);
    }

    /** The database named in a JDBC URL (the control database), or the default. */
    public static String databaseOf(String jdbcUrl, String fallback) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String path = Optional.ofNullable(uri.getPath()).orElse("").replaceFirst("^/", "");
        return path.isEmpty() ? fallback : path;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + (query.isEmpty() ? "" : "?" + query);
    }

    /** The JDBC URL without a password parameter: what endpoints.json may carry. */
    public String publicJdbcUrl(String database) {
        String q = java.util.Arrays.stream(query.split("&"))
                .filter(kv -> !kv.isEmpty() && !kv.startsWith("password="))
                .collect(java.util.stream.Collectors.joining("&"));
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + (q.isEmpty() ? "" : "?" + q);
    }

    /** The libpq form for psql and other clients (no password). */
    public String libpqUrl() {
        return "postgresql://" + user + "@" + host + ":" + port + "/";
    }

    private static Optional<String> param(String query, String name) {
        for (String kv : query.split("&")) {
            int i = kv.indexOf('=');
            if (i > 0 && kv.substring(0, i).equals(name)) {
                return Optional.of(java.net.URLDecoder.decode(kv.substring(i + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }
}
