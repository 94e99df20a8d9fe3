package io.omniglass.core.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Where the key that seals secret variables comes from: {@code OMNIGLASS_SECRET_KEY} or the config
 * key {@code secret_key} (base64 of 32 bytes; set the same value on every core that shares a database), else {@code secret.key} in the
 * data directory, created on first use, readable by its owner only. The key never enters a
 * database: a stolen database dump holds only ciphertext.
 */
public final class SecretKeys {

    public static final String ENV = "OMNIGLASS_SECRET_KEY";
    public static final String FILE = "secret.key";

    private SecretKeys() {
    }

    public static SecretBox load(Optional<String> configured, Path dataDir) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return new SecretBox(decode(configured.get(), ENV));
        }
        Path file = dataDir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
                } catch (FileAlreadyExistsException raced) {
                    // another core on this data directory made it first: use theirs
                }
            }
            return new SecretBox(decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secret key " + file, e);
        }
    }

    private static byte[] decode(String base64, String where) {
        try {
            return Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " must be the base64 of 32 random bytes", e);
        }
    }
}
