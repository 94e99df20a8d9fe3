package io.omniglass.core.cdc;

import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;

/**
 * Reads a slot and decodes its pgoutput messages without publishing anything: the ceiling the
 * publisher is measured against (./omniglass bench cdc).
 */
public final class RawSlotReader {

    private RawSlotReader() {
    }

    /** Reads until {@code changes} row changes were decoded; returns the nanoseconds it took. */
    public static long drain(CdcSession.Source source, long changes, Duration timeout) throws Exception {
        try (Connection c = DriverManager.getConnection(source.jdbcUrl(), CdcSession.replicationProperties(source))) {
            long started = System.nanoTime();
            long deadline = started + timeout.toNanos();
            PGReplicationStream stream = CdcSession.startStream(c, source, Duration.ofSeconds(1));
            long seen = 0;
            while (seen < changes) {
                ByteBuffer buf = stream.readPending();
                if (buf == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("raw drain saw " + seen + " of " + changes + " changes");
                    }
                    Thread.sleep(1);
                    continue;
                }
                PgOutput.Message m = PgOutput.decode(buf);
                if (m instanceof PgOutput.Insert || m instanceof PgOutput.Update || m instanceof PgOutput.Delete) {
                    seen++;
                } else if (m instanceof PgOutput.Commit commit) {
                    LogSequenceNumber lsn = LogSequenceNumber.valueOf(commit.endLsn());
                    stream.setFlushedLSN(lsn);
                    stream.setAppliedLSN(lsn);
                }
            }
            long took = System.nanoTime() - started;
            stream.forceUpdateStatus();
            stream.close();
            return took;
        }
    }
}
