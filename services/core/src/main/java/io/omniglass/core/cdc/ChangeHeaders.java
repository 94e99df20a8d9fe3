package io.omniglass.core.cdc;

import io.nats.client.impl.Headers;
import io.nats.client.support.ByteArrayBuilder;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A published change's headers as NATS' header block itself ({@code NATS/1.0\r\nKey:value\r\n...\r\n}),
 * written once by {@link Writer} and copied as bytes into the connection's buffer.
 *
 * <p>jnats' own {@link Headers} cost the feed about a third of the core's CPU per change (JFR,
 * docs/peers.md): every put validated key and value character by character through a stream,
 * kept a list in a hash map, the publish copied the map into a read-only one, and the writer
 * thread encoded every key and value to bytes again while iterating it. The values here are
 * the publisher's own (hex LSNs, digits, NUID batch ids, the system identifier): nothing to
 * validate, nothing to escape.
 *
 * <p>Read-only, as jnats treats any headers once published; the read accessors parse the block
 * (tests and diagnostics only, never on the publishing path).
 */
final class ChangeHeaders extends Headers {

    private static final byte[] VERSION_LINE = "NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII);
    /** No {@code Nats-Expected-Last-Sequence}: a change inside an atomic batch after its first. */
    static final long NO_EXPECTATION = -1;
    private static final byte[] MSG_ID = Writer.name(io.omniglass.api.lane.LaneHeaders.MSG_ID);
    private static final byte[] SYSTEM = Writer.name(CdcSession.SYSTEM_HEADER);
    private static final byte[] EXPECTED_LAST_SEQ = Writer.name("Nats-Expected-Last-Sequence");
    private static final byte[] BATCH_ID = Writer.name("Nats-Batch-Id");
    private static final byte[] BATCH_SEQUENCE = Writer.name("Nats-Batch-Sequence");
    private static final byte[] BATCH_COMMIT = Writer.name("Nats-Batch-Commit");

    private final byte[] block;
    private Headers parsed;

    private ChangeHeaders(byte[] block) {
        super(null, true, null);
        this.block = block;
    }

    @Override
    public boolean isEmpty() {
        return false;
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public boolean isDirty() {
        return false;
    }

    @Override
    public int serializedLength() {
        return block.length;
    }

    @Override
    public int serializeToArray(int destPosition, byte[] dest) {
        System.arraycopy(block, 0, dest, destPosition, block.length);
        return block.length;
    }

    @Override
    public byte[] getSerialized() {
        return block.clone();
    }

    @Override
    public ByteArrayBuilder appendSerialized(ByteArrayBuilder bab) {
        bab.append(block);
        return bab;
    }

    @Override
    public int size() {
        return parsed().size();
    }

    @Override
    public boolean containsKey(String key) {
        return parsed().containsKey(key);
    }

    @Override
    public boolean containsKeyIgnoreCase(String key) {
        return parsed().containsKeyIgnoreCase(key);
    }

    @Override
    public Set<String> keySet() {
        return parsed().keySet();
    }

    @Override
    public Set<String> keySetIgnoreCase() {
        return parsed().keySetIgnoreCase();
    }

    @Override
    public List<String> get(String key) {
        return parsed().get(key);
    }

    @Override
    public String getFirst(String key) {
        return parsed().getFirst(key);
    }

    @Override
    public String getLast(String key) {
        return parsed().getLast(key);
    }

    @Override
    public List<String> getIgnoreCase(String key) {
        return parsed().getIgnoreCase(key);
    }

    @Override
    public void forEach(BiConsumer<String, List<String>> action) {
        parsed().forEach(action);
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
        return parsed().entrySet();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeHeaders other && Arrays.equals(block, other.block);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(block);
    }

    private Headers parsed() {
        if (parsed == null) {
            Headers h = new Headers();
            String text = new String(block, StandardCharsets.US_ASCII);
            for (String line : text.substring(VERSION_LINE.length).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    h.add(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            parsed = new Headers(h, true, null);
        }
        return parsed;
    }

    /** Builds one change's block after another in one reused buffer; single-threaded, like the session. */
    static final class Writer {
        private byte[] buf = new byte[256];
        private int len;

        /**
         * One change's headers (CONTRACT.md): its {@code Nats-Msg-Id} (the commit LSN and its place in
         * the transaction), the Postgres server it was decoded on, the stream sequence it must follow
         * (a batch's first change, or every change outside batches; {@link #NO_EXPECTATION} for none),
         * and its place in its atomic batch ({@code batch} null outside batches), the last with the commit.
         */
        ChangeHeaders change(String lsn, int position, String systemId, long expected, String batch, int batchSequence,
                             boolean commit) {
            start().addMsgId(MSG_ID, lsn, position);
            if (systemId != null) {
                add(SYSTEM, systemId);
            }
            if (expected != NO_EXPECTATION) {
                add(EXPECTED_LAST_SEQ, expected);
            }
            if (batch != null) {
                add(BATCH_ID, batch).add(BATCH_SEQUENCE, batchSequence);
                if (commit) {
                    add(BATCH_COMMIT, 1);
                }
            }
            return build();
        }

        Writer start() {
            len = 0;
            append(VERSION_LINE);
            return this;
        }

        /** {@code name} as a constant of {@link #name}: its bytes and the colon, made once. */
        Writer add(byte[] name, String value) {
            append(name);
            int n = value.length();
            ensure(n + 2);
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) value.charAt(i); // ASCII by construction (see the class comment)
            }
            crlf();
            return this;
        }

        Writer add(byte[] name, long value) {
            append(name);
            digits(value);
            crlf();
            return this;
        }

        /** The message id: the commit LSN's text and the change's position in its transaction. */
        Writer addMsgId(byte[] name, String lsn, int position) {
            append(name);
            int n = lsn.length();
            ensure(n + 1);
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) lsn.charAt(i);
            }
            buf[len++] = ':';
            digits(position);
            crlf();
            return this;
        }

        ChangeHeaders build() {
            crlf(); // the empty line that ends the block
            return new ChangeHeaders(Arrays.copyOf(buf, len));
        }

        static byte[] name(String header) {
            return (header + ":").getBytes(StandardCharsets.US_ASCII);
        }

        /** {@code value} is never negative here: sequences, positions, counts. */
        private void digits(long value) {
            ensure(20);
            int start = len;
            do {
                buf[len++] = (byte) ('0' + value % 10);
                value /= 10;
            } while (value > 0);
            for (int i = start, j = len - 1; i < j; i++, j--) {
                byte t = buf[i];
                buf[i] = buf[j];
                buf[j] = t;
            }
        }

        private void crlf() {
            ensure(2);
            buf[len++] = '\r';
            buf[len++] = '\n';
        }

        private void append(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, len, bytes.length);
            len += bytes.length;
        }

        private void ensure(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }
    }
}
