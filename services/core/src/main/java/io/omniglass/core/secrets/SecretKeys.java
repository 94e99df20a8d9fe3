package io.omniglass.core.secrets;

import io.omniglass.core.runtime.DataDir;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Where the key that seals secret variables comes from: {@code OMNIGLASS_SECRET_KEY} or the config
 * key {@code secret_key} (base64 of 32 bytes; set the same value on every core that shares a database),
 * else {@code secret.key} in the data directory, created on first use, readable by its owner only.
 * The key never enters a database: a stolen database dump holds only ciphertext.
 */
public final class SecretKeys {

    public static final String ENV = "OMNIGLASS_SECRET_KEY";

    private SecretKeys() {
    }

    public static SecretBox load(Optional<String> configured, DataDir dataDir) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return new SecretBox(decode(configured.get(), ENV));
        }
        String stored = dataDir.readOrCreateSecretKey(() -> {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return Base64.getEncoder().encodeToString(key);
        });
        return new SecretBox(decode(stored, dataDir.secretKeyFile().toString()));
    }

    private static byte[] decode(String base64, String where) {
        try {
            return Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " must be the base64 of 32 random bytes", e);
        }
    }
}
