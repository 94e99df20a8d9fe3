package io.omniglass.views.services;

import java.util.function.Consumer;

/** The server-sent live feed of a tenant. Implementations reconnect by themselves. */
public interface LiveFeed {

    /** Starts delivering on a background thread until the returned handle is closed. */
    AutoCloseable subscribe(String tenant, Consumer<LiveUpdate> updates, Consumer<ConnectionState> state);
}
