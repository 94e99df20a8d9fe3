package io.omniglass.core.cdc;

import io.nats.client.impl.Headers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The header block the publisher writes itself, pinned byte for byte for the four kinds of
 * change it publishes, and proved to carry exactly what jnats' own {@link Headers} would have
 * sent for the same change (CONTRACT.md's names and values; NATS headers have no order).
 */
class ChangeHeadersTest {

    private static final String SYSTEM = "7441234567890123456";

    @Test
    void aBatchsFirstChangeCarriesTheFence() {
        ChangeHeaders h = new ChangeHeaders.Writer().change("0/16B3748", 0, SYSTEM, 41, "NUIDabc-7", 1, false);
        assertThat(text(h)).isEqualTo("NATS/1.0\r\nNats-Msg-Id:0/16B3748:0\r\nOg-Pg-System:7441234567890123456\r\n"
                + "Nats-Expected-Last-Sequence:41\r\nNats-Batch-Id:NUIDabc-7\r\nNats-Batch-Sequence:1\r\n\r\n");
        assertSameAsJnats(h, jnats("Nats-Msg-Id", "0/16B3748:0", "Og-Pg-System", SYSTEM, "Nats-Expected-Last-Sequence", "41",
                "Nats-Batch-Id", "NUIDabc-7", "Nats-Batch-Sequence", "1"));
    }

    @Test
    void aLaterChangeOfTheBatchHasNoExpectationAndItsLastTheCommit() {
        ChangeHeaders middle = new ChangeHeaders.Writer().change("3/A0", 12, SYSTEM, ChangeHeaders.NO_EXPECTATION,
                "NUIDabc-7", 13, false);
        assertThat(text(middle)).isEqualTo("NATS/1.0\r\nNats-Msg-Id:3/A0:12\r\nOg-Pg-System:7441234567890123456\r\n"
                + "Nats-Batch-Id:NUIDabc-7\r\nNats-Batch-Sequence:13\r\n\r\n");
        ChangeHeaders.Writer reused = new ChangeHeaders.Writer();
        reused.change("0/1", 99_999, SYSTEM, 1_234_567_890_123L, "x", 1, false); // a longer block first: nothing of it may remain
        ChangeHeaders last = reused.change("3/A0", 999, SYSTEM, ChangeHeaders.NO_EXPECTATION, "NUIDabc-7", 1000, true);
        assertThat(text(last)).isEqualTo("NATS/1.0\r\nNats-Msg-Id:3/A0:999\r\nOg-Pg-System:7441234567890123456\r\n"
                + "Nats-Batch-Id:NUIDabc-7\r\nNats-Batch-Sequence:1000\r\nNats-Batch-Commit:1\r\n\r\n");
        assertSameAsJnats(last, jnats("Nats-Msg-Id", "3/A0:999", "Og-Pg-System", SYSTEM, "Nats-Batch-Id", "NUIDabc-7",
                "Nats-Batch-Sequence", "1000", "Nats-Batch-Commit", "1"));
    }

    @Test
    void aChangeOutsideBatchesFollowsItsPredecessorAndAnUnknownServerIsLeftOut() {
        ChangeHeaders h = new ChangeHeaders.Writer().change("0/16B3748", 3, null, 0, null, 0, false);
        assertThat(text(h)).isEqualTo("NATS/1.0\r\nNats-Msg-Id:0/16B3748:3\r\nNats-Expected-Last-Sequence:0\r\n\r\n");
        assertSameAsJnats(h, jnats("Nats-Msg-Id", "0/16B3748:3", "Nats-Expected-Last-Sequence", "0"));
    }

    @Test
    void theBlockReadsBackAndCannotBeChanged() {
        ChangeHeaders h = new ChangeHeaders.Writer().change("0/10", 2, SYSTEM, 5, "b-1", 1, false);
        assertThat(h.getFirst("Nats-Msg-Id")).isEqualTo("0/10:2");
        assertThat(h.getFirst(CdcSession.SYSTEM_HEADER)).isEqualTo(SYSTEM);
        assertThat(h.get("Nats-Batch-Commit")).isNull();
        assertThat(h.size()).isEqualTo(5);
        assertThat(h.isEmpty()).isFalse();
        assertThat(h.isReadOnly()).isTrue();
        assertThatThrownBy(() -> h.put("Nats-Msg-Id", "other")).isInstanceOf(UnsupportedOperationException.class);
        byte[] dest = new byte[h.serializedLength() + 4];
        assertThat(h.serializeToArray(4, dest)).isEqualTo(h.serializedLength());
        assertThat(Arrays.copyOfRange(dest, 4, dest.length)).isEqualTo(h.getSerialized());
    }

    private static void assertSameAsJnats(ChangeHeaders ours, Headers theirs) {
        assertThat(ours.serializedLength()).isEqualTo(theirs.serializedLength());
        assertThat(lines(ours.getSerialized())).isEqualTo(lines(theirs.getSerialized()));
        assertThat(ours.getSerialized()).startsWith("NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII))
                .endsWith("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static Set<String> lines(byte[] block) {
        return new HashSet<>(List.of(new String(block, StandardCharsets.US_ASCII).split("\r\n")));
    }

    private static Headers jnats(String... keysAndValues) {
        Headers h = new Headers();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            h.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return h;
    }

    private static String text(ChangeHeaders h) {
        return new String(h.getSerialized(), StandardCharsets.US_ASCII);
    }
}
