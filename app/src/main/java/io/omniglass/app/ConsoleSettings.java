package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * What the console remembers per user, in {@code $XDG_CONFIG_HOME/omniglass/console.properties}
 * (default {@code ~/.config/omniglass}): the core URL, the token file, the theme. A pasted token is
 * written to {@code console.token} in the same directory, readable only by the user (0600); the
 * properties file only names it.
 * <p>
 * An HTTPS core is verified by {@code tls_pin} (the certificate's SHA-256 fingerprint) or
 * {@code tls_trust_file} (a PEM file of trusted certificates: the core's own, or the site CA),
 * each also settable as {@code OMNIGLASS_CONSOLE_TLS_PIN} / {@code OMNIGLASS_CONSOLE_TLS_TRUST};
 * without either, the core's own {@code OMNIGLASS_HTTP_TLS_CERT} when the console runs beside it,
 * else the JDK's public CAs. A console never falls back to trusting any certificate.
 */
public final class ConsoleSettings {

    public record Connection(String url, Path tokenFile) {
    }

    private final Path dir;
    private final Map<String, String> env;

    public ConsoleSettings(Path dir, Map<String, String> env) {
        this.dir = dir;
        this.env = env;
    }

    public static ConsoleSettings forUser() {
        Map<String, String> env = System.getenv();
        String override = System.getProperty("omniglass.console.configDir");
        if (override != null) {
            return new ConsoleSettings(Paths.get(override), env);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg == null || xdg.isBlank() ? Paths.get(System.getProperty("user.home"), ".config") : Paths.get(xdg);
        return new ConsoleSettings(base.resolve("omniglass"), env);
    }

    public Path dir() {
        return dir;
    }

    private Path file() {
        return dir.resolve("console.properties");
    }

    public Path storedTokenFile() {
        return dir.resolve("console.token");
    }

    Properties load() {
        Properties p = new Properties();
        if (Files.exists(file())) {
            try (Reader r = Files.newBufferedReader(file(), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                // an unreadable settings file is the same as none: the connect form asks again
            }
        }
        return p;
    }

    public Optional<Connection> remembered() {
        Properties p = load();
        String url = p.getProperty("url");
        String tf = p.getProperty("token_file");
        if (url == null || tf == null) {
            return Optional.empty();
        }
        return Optional.of(new Connection(url, Paths.get(tf)));
    }

    /** How an https core is verified (see the class comment); null: the JDK's trusted CAs. */
    public javax.net.ssl.SSLContext tls() {
        Properties p = load();
        String pin = firstOf(env.get("OMNIGLASS_CONSOLE_TLS_PIN"), p.getProperty("tls_pin"));
        String trust = firstOf(env.get("OMNIGLASS_CONSOLE_TLS_TRUST"), p.getProperty("tls_trust_file"),
                env.get("OMNIGLASS_HTTP_TLS_CERT"));
        try {
            if (pin != null) {
                return io.omniglass.api.TlsTrust.pinned(pin);
            }
            if (trust != null) {
                return io.omniglass.api.TlsTrust.trustFile(Paths.get(trust));
            }
            return null;
        } catch (IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("The TLS settings cannot be used: " + e.getMessage(), e);
        }
    }

    /** A client of the core at {@code url} (or the cores, comma-separated) verifying https as {@link #tls()} says. */
    public OmniglassClient client(String url, String token) {
        return new OmniglassClient(url, token, url.contains("https:") ? tls() : null);
    }

    /** Remembers how to verify the core: a pin, a trust file, or (both null) neither. */
    public void rememberTls(String trustFile, String pin) {
        Properties p = load();
        set(p, "tls_trust_file", trustFile == null ? null : Paths.get(trustFile).toAbsolutePath().toString());
        set(p, "tls_pin", pin);
        save(p);
    }

    private static void set(Properties p, String key, String value) {
        if (value == null || value.isBlank()) {
            p.remove(key);
        } else {
            p.setProperty(key, value.strip());
        }
    }

    private static String firstOf(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }

    public String theme() {
        return load().getProperty("theme", "LIGHT");
    }

    public void rememberTheme(String theme) {
        Properties p = load();
        p.setProperty("theme", theme);
        save(p);
    }

    public void remember(String url, Path tokenFile) {
        Properties p = load();
        p.setProperty("url", url);
        p.setProperty("token_file", tokenFile.toAbsolutePath().toString());
        save(p);
    }

    private void save(Properties p) {
        try {
            Files.createDirectories(dir);
            try (Writer w = Files.newBufferedWriter(file(), StandardCharsets.UTF_8)) {
                p.store(w, "Omniglass console");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the console settings in " + dir, e);
        }
    }

    /** Stores a pasted token in a file only the user can read and returns that file. */
    public Path storeToken(String token) throws IOException {
        Files.createDirectories(dir);
        Path f = storedTokenFile();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rw-------");
        if (posix && !Files.exists(f)) {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(owner));
        }
        if (posix) {
            Files.setPosixFilePermissions(f, owner); // before writing, so the secret is never world-readable
        }
        Files.writeString(f, token.trim() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        return f;
    }

    public static String readToken(Path file) throws IOException {
        String t = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (t.isEmpty()) {
            throw new IOException("the token file " + file + " is empty");
        }
        return t;
    }

    /** The local core of {@code $OMNIGLASS_DATA_DIR}: its endpoints.json and admin.token, when both exist. */
    public Optional<Connection> localCore() {
        String d = env.get("OMNIGLASS_DATA_DIR");
        Path data = d == null || d.isBlank()
                ? Paths.get(System.getProperty("user.home"), ".local", "share", "omniglass") : Paths.get(d);
        Path endpoints = data.resolve("endpoints.json");
        Path token = data.resolve("admin.token");
        if (!Files.exists(endpoints) || !Files.exists(token)) {
            return Optional.empty();
        }
        try {
            JsonNode n = OmniglassClient.JSON.readTree(endpoints.toFile());
            String http = n.path("http").asText(null);
            return http == null ? Optional.empty() : Optional.of(new Connection(http, token));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
