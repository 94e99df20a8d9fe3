package io.omniglass.core.http;

import io.omniglass.core.access.Principal;
import io.omniglass.core.access.TokenService;

import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers successful token lookups for a few seconds, so a point read does not pay a control
 * database round trip for authentication. An expired token is refused the moment it expires; a
 * revoked one as soon as {@link TokenRevocations} tells this core, and in any case within
 * {@link #TTL_MILLIS}; failed lookups are never cached (a bad token always costs a lookup).
 */
final class TokenCache {

    static final long TTL_MILLIS = 5_000;
    private static final int MAX_ENTRIES = 10_000;

    private record Entry(TokenService tokens, Principal principal, long at) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    Optional<Principal> authenticate(TokenService tokens, String secret) {
        String key = HexFormat.of().formatHex(TokenService.hash(secret == null ? "" : secret));
        long now = System.currentTimeMillis();
        Entry e = entries.get(key);
        // keyed by the token service too: several cores (tests) in one JVM have different control databases
        if (e != null && e.tokens() == tokens && now - e.at() < TTL_MILLIS
                && !TokenService.expired(e.principal(), java.time.Instant.ofEpochMilli(now))) {
            return Optional.of(e.principal());
        }
        Optional<Principal> p = tokens.authenticate(secret);
        if (p.isPresent()) {
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(key, new Entry(tokens, p.get(), now));
        } else {
            entries.remove(key);
        }
        return p;
    }

    /** Drops the token's entries, so its next request reads the control database (a revoke). */
    void forget(TokenService tokens, long tokenId) {
        entries.values().removeIf(e -> e.tokens() == tokens && e.principal().tokenId() == tokenId);
    }
}
