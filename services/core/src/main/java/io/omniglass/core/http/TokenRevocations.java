package io.omniglass.core.http;

import io.nats.client.Dispatcher;
import io.omniglass.core.CoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A revoke reaches every core within a second: the revoking core publishes the token id on
 * {@value #SUBJECT}, and each core (this one included) drops it from its {@link TokenCache} and
 * closes the live feeds it authenticates. The cache's TTL is the backstop for a core that missed
 * the message (a NATS outage): it re-reads the control database within {@link TokenCache#TTL_MILLIS}.
 */
public final class TokenRevocations {

    private static final Logger log = LoggerFactory.getLogger(TokenRevocations.class);
    /** Never a tenant's subject: tenant slugs cannot start with "_". */
    public static final String SUBJECT = "og._control.token.revoked";
    // keyed by the token service, one per core (several cores share a JVM in tests)
    private static final Map<Object, TokenRevocations> BY_CORE = new WeakHashMap<>();

    private final CoreContext core;
    private final Map<Long, Set<Runnable>> onRevoke = new ConcurrentHashMap<>();

    private TokenRevocations(CoreContext core) {
        this.core = core;
    }

    /** This core's revocations; the first call subscribes to the subject. */
    public static TokenRevocations of(CoreContext core) {
        synchronized (BY_CORE) {
            TokenRevocations r = BY_CORE.get(core.tokens());
            if (r == null) {
                r = new TokenRevocations(core);
                Dispatcher d = core.nats().createDispatcher(r::received);
                d.subscribe(SUBJECT);
                BY_CORE.put(core.tokens(), r);
            }
            return r;
        }
    }

    /** Tells every core; this one acts at once rather than waiting for its own message. */
    public void announce(long tokenId) {
        revoked(tokenId);
        core.nats().publish(SUBJECT, Long.toString(tokenId).getBytes(StandardCharsets.UTF_8));
    }

    /** Runs {@code action} when the token is revoked; close the handle when no longer interested. */
    public AutoCloseable whenRevoked(long tokenId, Runnable action) {
        onRevoke.computeIfAbsent(tokenId, id -> ConcurrentHashMap.newKeySet()).add(action);
        return () -> onRevoke.computeIfPresent(tokenId, (id, set) -> {
            set.remove(action);
            return set.isEmpty() ? null : set;
        });
    }

    private void received(io.nats.client.Message m) {
        long tokenId;
        try {
            tokenId = Long.parseLong(new String(m.getData(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            log.warn("ignoring a malformed token revocation on {}", SUBJECT);
            return;
        }
        Auth.forget(core.tokens(), tokenId); // harmless whatever the message: the next request reads the database
        try {
            // the database is the truth: a message alone (a stray or forged one) never ends a stream
            if (core.tokens().stillValid(tokenId)) {
                return;
            }
        } catch (RuntimeException e) {
            log.warn("cannot check revoked token {}; ending its streams: {}", tokenId, e.toString());
        }
        revoked(tokenId);
    }

    private void revoked(long tokenId) {
        Auth.forget(core.tokens(), tokenId);
        Set<Runnable> actions = onRevoke.remove(tokenId);
        if (actions != null) {
            for (Runnable a : actions) {
                try {
                    a.run();
                } catch (RuntimeException e) {
                    log.warn("closing a stream of revoked token {}: {}", tokenId, e.toString());
                }
            }
        }
    }
}
