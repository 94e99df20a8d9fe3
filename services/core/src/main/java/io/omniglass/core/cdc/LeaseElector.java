package io.omniglass.core.cdc;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A lease in a NATS KV bucket: take it with create (only when absent), keep it with update at the
 * revision we wrote last. The bucket's max age is the lease's time to live (nats-server 2.9 has no
 * per-key TTL): a holder that stops renewing loses the key when its last revision ages out.
 * Validity is judged locally from the start of the last successful renewal, so a holder that
 * cannot reach NATS gives up before anyone else can take over.
 */
final class LeaseElector {

    static final String BUCKET = "og_cdc_leases";

    private final KeyValue kv;
    private final String key;
    private final byte[] holder;
    private final Duration ttl;
    private final Duration safety;
    private long revision;
    private volatile long validUntilNanos;

    LeaseElector(KeyValue kv, String key, String holder, Duration ttl) {
        this.kv = kv;
        this.key = key;
        this.holder = holder.getBytes(StandardCharsets.UTF_8);
        this.ttl = ttl;
        this.safety = ttl.dividedBy(5);
    }

    static KeyValue bucket(Connection nats, Duration ttl) throws IOException, JetStreamApiException {
        KeyValueManagement kvm = nats.keyValueManagement();
        try {
            kvm.getStatus(BUCKET);
        } catch (JetStreamApiException e) {
            try {
                kvm.create(KeyValueConfiguration.builder()
                        .name(BUCKET)
                        .maxHistoryPerKey(1)
                        .ttl(ttl)
                        .storageType(StorageType.File)
                        .build());
            } catch (JetStreamApiException raced) {
                kvm.getStatus(BUCKET); // created by another instance meanwhile; anything else is real
            }
        }
        return nats.keyValue(BUCKET);
    }

    /** The current holder, or null when the lease is free. */
    String holder() throws IOException, JetStreamApiException {
        KeyValueEntry e = kv.get(key);
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            return null;
        }
        return new String(e.getValue(), StandardCharsets.UTF_8);
    }

    /** Takes the lease if nobody holds it. */
    boolean tryAcquire() throws IOException {
        long started = System.nanoTime();
        try {
            revision = kv.create(key, holder);
            validUntilNanos = started + ttl.toNanos() - safety.toNanos();
            return true;
        } catch (JetStreamApiException e) {
            return false; // held by someone (wrong last sequence)
        }
    }

    /**
     * Extends the lease. False when someone else holds it now; an IOException (NATS unreachable)
     * leaves the lease to run out on its local deadline.
     */
    boolean renew() throws IOException {
        long started = System.nanoTime();
        try {
            revision = kv.update(key, holder, revision);
            validUntilNanos = started + ttl.toNanos() - safety.toNanos();
            return true;
        } catch (JetStreamApiException e) {
            validUntilNanos = 0;
            return false;
        }
    }

    /** True while the lease is ours by our own clock. */
    boolean valid() {
        return System.nanoTime() < validUntilNanos;
    }

    void lose() {
        validUntilNanos = 0;
    }

    /** Gives the lease up at once (clean stop), only if it is still ours. */
    void release() {
        validUntilNanos = 0;
        try {
            kv.delete(key, revision);
        } catch (IOException | JetStreamApiException | RuntimeException ignored) {
            // taken over or NATS gone: it ages out anyway
        }
    }
}
