package io.omniglass.api;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The event-stream reader against the cases of the HTML standard's "interpreting an event stream". */
class ServerSentEventsTest {

    private static List<ServerSentEvents.Event> read(String stream, String[] lastId) throws Exception {
        List<ServerSentEvents.Event> out = new ArrayList<>();
        lastId[0] = ServerSentEvents.read(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), lastId[0], out::add, () -> false);
        return out;
    }

    @Test
    void dataLinesJoinCommentsAreSkippedAndTheLastIdIsKept() throws Exception {
        String[] last = {"3"};
        List<ServerSentEvents.Event> events = read(": heartbeat\n\n"
                + "event: value\ndata: {\"a\":\ndata:1}\n\n"   // two data lines, the second without a space
                + "id: 9\nevent: change\ndata: x\n\n"
                + "data: plain\n\n"                            // no event name: message, id carried over
                + "event: value\n\n"                           // no data: not dispatched
                + "data: cut off", last);                       // no blank line at the end: not dispatched
        assertThat(events).containsExactly(
                new ServerSentEvents.Event("3", "value", "{\"a\":\n1}"),
                new ServerSentEvents.Event("9", "change", "x"),
                new ServerSentEvents.Event("9", "message", "plain"));
        assertThat(last[0]).isEqualTo("9");
    }

    @Test
    void readingStopsWhenAskedBetweenLines() throws Exception {
        List<ServerSentEvents.Event> out = new ArrayList<>();
        ServerSentEvents.read(new ByteArrayInputStream("data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8)), null,
                out::add, () -> !out.isEmpty());
        assertThat(out).extracting(ServerSentEvents.Event::data).containsExactly("1");
    }
}
