package io.omniglass.core.cdc;

import io.omniglass.api.lane.ChangeMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The value mapping's own logic: timestamps in any session time zone, LSN text, decoding a hand-made message. */
class ChangeEncoderTest {

    @Test
    void timestampsInAnyOffsetBecomeUtcIso() {
        assertThat(ChangeEncoder.isoTimestamptz("2026-11-21 07:00:00.123456+00")).isEqualTo("2026-11-21T07:00:00.123456Z");
        assertThat(ChangeEncoder.isoTimestamptz("2026-11-21 07:00:00+00")).isEqualTo("2026-11-21T07:00:00Z");
        assertThat(ChangeEncoder.isoTimestamptz("2026-11-21 12:30:00.5+05:30")).isEqualTo("2026-11-21T07:00:00.500Z");
        assertThat(ChangeEncoder.isoTimestamptz("2026-11-21 04:00:00-03")).isEqualTo("2026-11-21T07:00:00Z");
        assertThat(ChangeEncoder.isoTimestamptz("infinity")).isEqualTo("infinity");
        assertThat(ChangeEncoder.isoMicros(0)).isEqualTo("2000-01-01T00:00:00Z");
    }

    @Test
    void lsnTextIsPostgresStyle() {
        assertThat(PgOutput.lsn(0x16B3748L)).isEqualTo("0/16B3748");
        assertThat(PgOutput.lsn((3L << 32) | 0xA0L)).isEqualTo("3/A0");
    }

    @Test
    void aDeleteCarriesTheKeyAndNoRow() throws Exception {
        PgOutput.Relation rel = (PgOutput.Relation) PgOutput.decode(relation());
        ByteBuffer d = ByteBuffer.allocate(64);
        d.put((byte) 'D').putInt(16384).put((byte) 'K').putShort((short) 2);
        d.put((byte) 't').putInt(2).put("42".getBytes(StandardCharsets.UTF_8));
        d.put((byte) 'n');
        d.flip();
        PgOutput.Delete del = (PgOutput.Delete) PgOutput.decode(d);
        String json = new String(new ChangeEncoder().encode("0/10", 7, "2026-11-21T07:00:00Z", rel, ChangeEncoder.Op.delete,
                null, del.old(), del.oldIsKeyOnly()), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"lsn\":\"0/10\",\"xid\":7,\"commit_ts\":\"2026-11-21T07:00:00Z\",\"table\":\"config\","
                + "\"op\":\"delete\",\"key\":{\"id\":42},\"row\":null,\"old\":null}");
        ChangeMessage read = ChangeMessage.read(json.getBytes(StandardCharsets.UTF_8));
        assertThat(read.lsn()).isEqualTo("0/10");
        assertThat(read.xid()).isEqualTo(7);
        assertThat(read.commitTs()).isEqualTo("2026-11-21T07:00:00Z");
        assertThat(read.table()).isEqualTo("config");
        assertThat(read.op()).isEqualTo(ChangeMessage.DELETE);
        assertThat(read.key().get("id").asLong()).isEqualTo(42);
        assertThat(read.rowOrMissing().isObject()).isFalse();
        assertThat(read.tooLarge()).isFalse();
    }

    @Test
    void oneEncoderWritesEachChangeAsItsOwnDocument() throws Exception {
        PgOutput.Relation rel = new PgOutput.Relation(16385, "public", "audit_log", 'd', java.util.List.of(
                new PgOutput.Column("id", ChangeEncoder.INT8, true),
                new PgOutput.Column("ts", ChangeEncoder.TIMESTAMPTZ, false),
                new PgOutput.Column("verb", 25, false)));
        ChangeEncoder encoder = new ChangeEncoder();
        String first = new String(encoder.encode("0/20", 8, "2026-11-21T07:00:00Z", rel, ChangeEncoder.Op.insert,
                new PgOutput.Tuple(new String[] {"1", "2026-11-21 07:00:00.123456+00", "ack \"x\""}), null, false),
                StandardCharsets.UTF_8);
        String second = new String(encoder.encode("0/20", 8, "2026-11-21T07:00:00Z", rel, ChangeEncoder.Op.insert,
                new PgOutput.Tuple(new String[] {"2", "2026-11-21 12:30:00.5+05:30", null}), null, false),
                StandardCharsets.UTF_8);
        assertThat(first).isEqualTo("{\"lsn\":\"0/20\",\"xid\":8,\"commit_ts\":\"2026-11-21T07:00:00Z\",\"table\":\"audit_log\","
                + "\"op\":\"insert\",\"key\":{\"id\":1},\"row\":{\"id\":1,\"ts\":\"2026-11-21T07:00:00.123456Z\","
                + "\"verb\":\"ack \\\"x\\\"\"},\"old\":null}");
        assertThat(second).isEqualTo("{\"lsn\":\"0/20\",\"xid\":8,\"commit_ts\":\"2026-11-21T07:00:00Z\",\"table\":\"audit_log\","
                + "\"op\":\"insert\",\"key\":{\"id\":2},\"row\":{\"id\":2,\"ts\":\"2026-11-21T07:00:00.500Z\","
                + "\"verb\":null},\"old\":null}");
        // a change that fails half-way (a bytea that is not hex) must not leave the next document inside the broken one
        PgOutput.Relation blob = new PgOutput.Relation(16386, "public", "config", 'd', java.util.List.of(
                new PgOutput.Column("id", ChangeEncoder.INT8, true),
                new PgOutput.Column("data", ChangeEncoder.BYTEA, false)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> encoder.encode("0/30", 9, "2026-11-21T07:00:00Z", blob,
                ChangeEncoder.Op.insert, new PgOutput.Tuple(new String[] {"3", "\\xZZ"}), null, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new String(encoder.encode("0/30", 9, "2026-11-21T07:00:00Z", blob, ChangeEncoder.Op.insert,
                new PgOutput.Tuple(new String[] {"3", "\\x4f4b"}), null, false), StandardCharsets.UTF_8))
                .isEqualTo("{\"lsn\":\"0/30\",\"xid\":9,\"commit_ts\":\"2026-11-21T07:00:00Z\",\"table\":\"config\","
                        + "\"op\":\"insert\",\"key\":{\"id\":3},\"row\":{\"id\":3,\"data\":\"T0s=\"},\"old\":null}");
    }

    private static ByteBuffer relation() {
        ByteBuffer b = ByteBuffer.allocate(128);
        b.put((byte) 'R').putInt(16384).put(cstr("public")).put(cstr("config")).put((byte) 'd').putShort((short) 2);
        b.put((byte) 1).put(cstr("id")).putInt(ChangeEncoder.INT8).putInt(-1);
        b.put((byte) 0).put(cstr("value")).putInt(ChangeEncoder.JSONB).putInt(-1);
        b.flip();
        return b;
    }

    private static byte[] cstr(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[raw.length + 1];
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }
}
