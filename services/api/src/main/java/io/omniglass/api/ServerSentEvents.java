package io.omniglass.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The one reader of a {@code text/event-stream} (the live feed), after the HTML standard's
 * "interpreting an event stream": {@code data} lines joined by newlines, a missing event name is
 * {@code message}, comments ignored, and the last {@code id} kept across events for
 * {@code Last-Event-ID} on a reconnect.
 */
public final class ServerSentEvents {

    /** One dispatched event; {@code id} is the stream's last event id when it was dispatched (null: none yet). */
    public record Event(String id, String name, String data) {
    }

    private ServerSentEvents() {
    }

    /**
     * Reads events until the stream ends (or {@code stop} says so between lines), handing each to
     * {@code onEvent} on the calling thread; returns the last event id seen (null: none).
     */
    public static String read(InputStream in, String lastEventId, Consumer<Event> onEvent,
                              java.util.function.BooleanSupplier stop) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        StringBuilder data = new StringBuilder();
        boolean hasData = false;
        String name = null;
        String id = lastEventId;
        String line;
        while (!stop.getAsBoolean() && (line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (hasData) {
                    onEvent.accept(new Event(id, name == null ? "message" : name, data.toString()));
                }
                data.setLength(0);
                hasData = false;
                name = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(" ", colon + 1) ? 2 : 1));
            switch (field) {
                case "data" -> {
                    if (hasData) {
                        data.append('\n');
                    }
                    data.append(value);
                    hasData = true;
                }
                case "event" -> name = value;
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        id = value;
                    }
                }
                default -> {
                    // retry and unknown fields: the console keeps its own backoff
                }
            }
        }
        return id;
    }
}
