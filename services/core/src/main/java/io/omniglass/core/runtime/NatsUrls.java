package io.omniglass.core.runtime;

import java.util.Arrays;

/** {@code OMNIGLASS_NATS_URL} may name several servers of a cluster, comma-separated. */
public final class NatsUrls {

    private NatsUrls() {
    }

    /** Each server of a comma-separated list, for {@code Options.Builder.servers}: the client fails over between them. */
    public static String[] servers(String urls) {
        String[] servers = Arrays.stream(urls.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new);
        if (servers.length == 0) {
            throw new IllegalArgumentException("OMNIGLASS_NATS_URL names no server");
        }
        return servers;
    }
}
