package io.omniglass.core.cdc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The pgoutput logical replication protocol (version 1), decoded from the bytes of one XLogData
 * message. Only what the change feed needs; the message layout is Postgres' "Logical Replication
 * Message Formats".
 */
final class PgOutput {

    /** Microseconds between 1970-01-01 and Postgres' epoch 2000-01-01. */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private PgOutput() {
    }

    sealed interface Message permits Begin, Commit, Relation, Type, Insert, Update, Delete, Truncate, Other {
    }

    /** finalLsn is the LSN of the commit record: every change of the transaction shares it. */
    record Begin(long finalLsn, long commitTsMicros, long xid) implements Message {
    }

    record Commit(long commitLsn, long endLsn, long commitTsMicros) implements Message {
    }

    record Column(String name, int typeOid, boolean key) {
    }

    record Relation(int oid, String namespace, String name, char replicaIdentity, List<Column> columns) implements Message {
    }

    record Type(int oid, String namespace, String name) implements Message {
    }

    /**
     * One tuple: per column either null ({@link #NULL}), unchanged TOAST ({@link #UNCHANGED}) or the
     * value in Postgres' text output format.
     */
    record Tuple(String[] values) {
        static final String NULL = null;
        static final String UNCHANGED = new String("\u0000unchanged-toast"); // compared by identity

        boolean unchanged(int i) {
            return values[i] == UNCHANGED;
        }
    }

    record Insert(int relationOid, Tuple row) implements Message {
    }

    /** old is the 'K' (key columns only) or 'O' (REPLICA IDENTITY FULL) tuple, when sent. */
    record Update(int relationOid, Tuple old, boolean oldIsKeyOnly, Tuple row) implements Message {
    }

    record Delete(int relationOid, Tuple old, boolean oldIsKeyOnly) implements Message {
    }

    record Truncate(int[] relationOids, boolean cascade, boolean restartIdentity) implements Message {
    }

    /** Origin, logical messages and anything newer protocol versions add: not part of the feed. */
    record Other(char tag) implements Message {
    }

    static Message decode(ByteBuffer b) {
        char tag = (char) b.get();
        return switch (tag) {
            case 'B' -> new Begin(b.getLong(), b.getLong(), Integer.toUnsignedLong(b.getInt()));
            case 'C' -> {
                b.get(); // flags, unused
                yield new Commit(b.getLong(), b.getLong(), b.getLong());
            }
            case 'R' -> relation(b);
            case 'Y' -> new Type(b.getInt(), cstring(b), cstring(b));
            case 'I' -> {
                int rel = b.getInt();
                expect(b, 'N');
                yield new Insert(rel, tuple(b));
            }
            case 'U' -> {
                int rel = b.getInt();
                char kind = (char) b.get();
                Tuple old = null;
                boolean keyOnly = false;
                if (kind == 'K' || kind == 'O') {
                    keyOnly = kind == 'K';
                    old = tuple(b);
                    kind = (char) b.get();
                }
                if (kind != 'N') {
                    throw new IllegalStateException("pgoutput: update without a new tuple (" + kind + ")");
                }
                yield new Update(rel, old, keyOnly, tuple(b));
            }
            case 'D' -> {
                int rel = b.getInt();
                char kind = (char) b.get();
                yield new Delete(rel, tuple(b), kind == 'K');
            }
            case 'T' -> {
                int n = b.getInt();
                int options = b.get();
                int[] rels = new int[n];
                for (int i = 0; i < n; i++) {
                    rels[i] = b.getInt();
                }
                yield new Truncate(rels, (options & 1) != 0, (options & 2) != 0);
            }
            default -> new Other(tag);
        };
    }

    private static Relation relation(ByteBuffer b) {
        int oid = b.getInt();
        String ns = cstring(b);
        String name = cstring(b);
        char identity = (char) b.get();
        int n = Short.toUnsignedInt(b.getShort());
        Column[] cols = new Column[n];
        for (int i = 0; i < n; i++) {
            int flags = b.get();
            String col = cstring(b);
            int type = b.getInt();
            b.getInt(); // type modifier
            cols[i] = new Column(col, type, (flags & 1) != 0);
        }
        return new Relation(oid, ns, name, identity, List.of(cols));
    }

    private static Tuple tuple(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            char kind = (char) b.get();
            switch (kind) {
                case 'n' -> values[i] = Tuple.NULL;
                case 'u' -> values[i] = Tuple.UNCHANGED;
                case 't' -> {
                    int len = b.getInt();
                    values[i] = text(b, len);
                }
                default -> throw new IllegalStateException("pgoutput: unsupported tuple data kind '" + kind + "'");
            }
        }
        return new Tuple(values);
    }

    private static String text(ByteBuffer b, int len) {
        String s;
        if (b.hasArray()) {
            s = new String(b.array(), b.arrayOffset() + b.position(), len, StandardCharsets.UTF_8);
            b.position(b.position() + len);
        } else {
            byte[] bytes = new byte[len];
            b.get(bytes);
            s = new String(bytes, StandardCharsets.UTF_8);
        }
        return s;
    }

    private static String cstring(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        b.position(start);
        String s = text(b, end - start);
        b.get(); // the terminator
        return s;
    }

    private static void expect(ByteBuffer b, char want) {
        char got = (char) b.get();
        if (got != want) {
            throw new IllegalStateException("pgoutput: expected '" + want + "', got '" + got + "'");
        }
    }

    /** The textual LSN form Postgres uses, e.g. 0/16B3748. */
    static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
