package io.omniglass.core.devices;

import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import io.nats.client.Options;
import io.omniglass.core.runtime.NatsAuthorization;

import java.io.IOException;
import java.security.GeneralSecurityException;

/**
 * How a device (the plant simulator, a gateway written in Java) connects with its credential:
 * NKey authentication, signing the server's nonce with the seed, and its own inbox prefix, the
 * only subjects besides its tenant's commands it may read.
 */
public final class DeviceCredential {

    private DeviceCredential() {
    }

    /** Connection options for {@code url} (no credentials in it) as the device whose seed this is. */
    public static Options.Builder options(String url, String seed) {
        NKey key = NKey.fromSeed(seed.toCharArray());
        String publicKey;
        try {
            publicKey = new String(key.getPublicKey());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not an NKey user seed", e);
        }
        return new Options.Builder().servers(io.omniglass.core.runtime.NatsUrls.servers(url))
                .authHandler(new SeedAuth(key))
                .inboxPrefix(NatsAuthorization.inboxPrefix(publicKey));
    }

    private record SeedAuth(NKey key) implements AuthHandler {
        @Override
        public byte[] sign(byte[] nonce) {
            try {
                return key.sign(nonce);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("signing the server's nonce failed", e);
            }
        }

        @Override
        public char[] getID() {
            try {
                return key.getPublicKey();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public char[] getJWT() {
            return null; // NKey authentication: the server knows the public key, no JWT
        }
    }
}
