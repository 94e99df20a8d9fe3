package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.PgServer;

import java.util.List;

/** What the pools need to know of the registered servers: how to reach one, and a primary's read replicas. */
public interface ServerDirectory {

    /** The server with its credentials. */
    PgServer connection(String name);

    /** The names of the read replicas registered for {@code primary}. */
    List<String> replicaNames(String primary);

    /** A directory of no registered servers: every tenant on the control server. */
    static ServerDirectory none() {
        return new ServerDirectory() {
            @Override
            public PgServer connection(String name) {
                throw new ServerRegistry.InvalidServerException("no server '" + name + "' is known to this core");
            }

            @Override
            public List<String> replicaNames(String primary) {
                return List.of();
            }
        };
    }
}
