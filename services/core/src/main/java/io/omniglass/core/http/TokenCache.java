package io.omniglass.core.http;

import io.omniglass.core.access.Principal;
import io.omniglass.core.access.TokenService;

import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers successful token lookups for a few seconds, so a point read does not pay a control
 * database round trip for authentication. A revoked or expired token keeps working for at most
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
        if (e != null && e.tokens() == tokens && now - e.at() < TTL_MILLIS) {
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
}
