package io.omniglass.core.secrets;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Encrypts secret variable values for the {@code variable.ciphertext} column: AES-256-GCM with a
 * fresh 96-bit nonce per value, and the value's identity as associated data, so a ciphertext
 * copied onto another row does not decrypt. Layout: version byte, nonce, ciphertext with its
 * 128-bit tag. Version 2 (written since issue 16, finding 13) binds the owner too; version 1 boxes
 * (tenant, type and name only: one moved to another owner's variable of the same name opened)
 * still open with their legacy identity and are re-sealed as version 2 on their next write.
 */
public final class SecretBox {

    private static final byte VERSION = 2;
    private static final byte LEGACY_VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    public SecretBox(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the secret key must be 32 bytes (AES-256), not " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /** Thrown when a ciphertext does not open with this key and identity (wrong key, moved or altered). */
    public static final class SealBrokenException extends RuntimeException {
        SealBrokenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public byte[] seal(String plaintext, String identity) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(identity.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e, e);
        }
    }

    /** Opens a box sealed with {@code identity}, or a version 1 box sealed with {@code legacyIdentity}. */
    public String open(byte[] box, String identity, String legacyIdentity) {
        if (box != null && box.length > 0 && box[0] == LEGACY_VERSION) {
            return open(box, legacyIdentity, LEGACY_VERSION);
        }
        return open(box, identity, VERSION);
    }

    public String open(byte[] box, String identity) {
        return open(box, identity, VERSION);
    }

    private String open(byte[] box, String identity, byte version) {
        if (box == null || box.length < 1 + NONCE_BYTES + TAG_BITS / 8 || box[0] != version) {
            throw new SealBrokenException("not a sealed value of this version", null);
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, box, 1, NONCE_BYTES));
            c.updateAAD(identity.getBytes(StandardCharsets.UTF_8));
            byte[] plain = c.doFinal(box, 1 + NONCE_BYTES, box.length - 1 - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new SealBrokenException("the value does not open with this core's secret key (another key, or altered)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e, e);
        }
    }
}
