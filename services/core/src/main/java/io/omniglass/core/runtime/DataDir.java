package io.omniglass.core.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * The Omniglass data directory: embedded Postgres data, the NATS store, the admin token and
 * endpoints.json all live here and survive restarts. A running core holds {@code core.lock}.
 */
public final class DataDir {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    public DataDir(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path postgresData() {
        return root.resolve("postgres").resolve("data");
    }

    /**
     * Where the data dir's further embedded Postgres servers live, one directory each, named as
     * the server is registered ({@code embedded-2}, ...); each holds {@code data/} and its log.
     */
    public Path furtherPostgresServers() {
        return root.resolve("postgres").resolve("servers");
    }

    public Path natsStore() {
        return root.resolve("nats").resolve("store");
    }

    public Path adminTokenFile() {
        return root.resolve("admin.token");
    }

    public Path secretKeyFile() {
        return root.resolve("secret.key");
    }

    /**
     * The key that seals secret variables, created by {@code create} on first use; written like the
     * admin token (owner-only, atomically), so a concurrent reader never sees it half written.
     */
    public String readOrCreateSecretKey(java.util.function.Supplier<String> create) {
        try {
            if (!Files.exists(secretKeyFile())) {
                writeAtomically(secretKeyFile(), create.get() + "\n", true);
            }
            return Files.readString(secretKeyFile()).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secret key " + secretKeyFile(), e);
        }
    }

    public Path endpointsFile() {
        return root.resolve("endpoints.json");
    }

    /** The embedded Postgres superuser's generated password (mode 0600). */
    public Path postgresPasswordFile() {
        return root.resolve("postgres.password");
    }

    /**
     * Creates the data dir closed to other local users (mode 0700): it holds the database files,
     * the admin token and the runtime's credentials.
     */
    public void create() {
        try {
            Files.createDirectories(root);
            ownerOnlyDirectory(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data dir " + root, e);
        }
    }

    /** Mode 0700 where the file system has POSIX permissions (a no-op elsewhere). */
    public static void ownerOnlyDirectory(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own ACLs apply
        }
    }

    /**
     * The secret in {@code file}, generated (256 random bits, base64url) and written owner-only
     * on first use. Shared by the runtime's credentials (Postgres superuser, the core's NATS user).
     */
    public static String readOrCreateSecret(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] raw = new byte[32];
                new java.security.SecureRandom().nextBytes(raw);
                writeAtomically(file, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw) + "\n", true);
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    /** Writes {@code content} owner-only (0600) and atomically. */
    public static void writeOwnerOnly(Path target, String content) throws IOException {
        writeAtomically(target, content, true);
    }

    /** The lock a running core holds for its whole life; the kernel drops it when the core dies. */
    public Optional<CoreLock> tryLock() {
        create();
        try {
            FileChannel ch = FileChannel.open(root.resolve("core.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    ch.close();
                    return Optional.empty();
                }
                return Optional.of(new CoreLock(ch, lock));
            } catch (OverlappingFileLockException e) {
                ch.close();
                return Optional.empty();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a core process holds this data dir right now. */
    public boolean coreRunning() {
        Optional<CoreLock> lock = tryLock();
        lock.ifPresent(CoreLock::close);
        return lock.isEmpty();
    }

    public void writeEndpoints(Map<String, String> endpoints) {
        ObjectNode node = JSON.createObjectNode();
        endpoints.forEach(node::put);
        try {
            writeAtomically(endpointsFile(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n", false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<Map<String, String>> readEndpoints() {
        if (!Files.exists(endpointsFile())) {
            return Optional.empty();
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, String> m = JSON.readValue(endpointsFile().toFile(), Map.class);
            return Optional.of(m);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void deleteEndpoints() {
        try {
            Files.deleteIfExists(endpointsFile());
        } catch (IOException ignored) {
            // best effort: a stale file is recognised by the lock not being held
        }
    }

    public Optional<String> readAdminToken() {
        try {
            return Files.exists(adminTokenFile())
                    ? Optional.of(Files.readString(adminTokenFile()).trim())
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Written once, readable by the owner only (mode 0600). */
    public void writeAdminToken(String token) {
        try {
            writeAtomically(adminTokenFile(), token + "\n", true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAtomically(Path target, String content, boolean ownerOnly) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (ownerOnly) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(tmp, content);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Held while the core runs. */
    public static final class CoreLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        CoreLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // closing a lock on exit
            }
        }
    }
}
