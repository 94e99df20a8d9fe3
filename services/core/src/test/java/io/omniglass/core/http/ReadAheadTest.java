package io.omniglass.core.http;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The read-ahead readers are a bounded pool shared by every request: a large read that finds them
 * all busy is read inline on its own thread (every row, in order) instead of waiting for a reader
 * or starting another thread, and the next read after a reader came free is read ahead again.
 */
class ReadAheadTest {

    @Test
    void aReadThatFindsEveryReaderBusyIsReadInlineWholeAndTheNextOneAheadAgain() throws Exception {
        ThreadPoolExecutor readers = ReadAhead.readers(1, "test-read-ahead-");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
             Connection first = pg.getPostgresDatabase().getConnection();
             Connection second = pg.getPostgresDatabase().getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            try (PreparedStatement big = series(first, 50_000); ResultSet bigRows = big.executeQuery();
                 ReadAhead held = new ReadAhead(bigRows, 1, 50_000, readers)) {
                assertThat(held.ahead()).isTrue();
                assertThat(number(held.next())).isEqualTo(1); // its reader is running, and stays busy ahead of us

                try (PreparedStatement other = series(second, 5_000); ResultSet otherRows = other.executeQuery();
                     ReadAhead full = new ReadAhead(otherRows, 1, 5_000, readers)) {
                    assertThat(full.ahead()).as("no reader free: read inline").isFalse();
                    assertThat(readAll(full, 1)).as("every row, in order").isEqualTo(5_000);
                }
                assertThat(readAll(held, 2) + 1).isEqualTo(50_000);
            }
            // the reader takes the next read once its thread is back waiting for work (a moment after its task returned)
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (PreparedStatement again = series(second, 3_000); ResultSet rows = again.executeQuery();
                     ReadAhead next = new ReadAhead(rows, 1, 3_000, readers)) {
                    assertThat(readAll(next, 1)).isEqualTo(3_000);
                    return next.ahead();
                }
            });
            assertThat(readers.getLargestPoolSize()).as("never more threads than the bound").isEqualTo(1);
        } finally {
            readers.shutdownNow();
        }
    }

    private static PreparedStatement series(Connection c, int n) throws Exception {
        PreparedStatement ps = c.prepareStatement("SELECT s.g::text AS v FROM generate_series(1, ?) AS s(g) ORDER BY s.g");
        ps.setInt(1, n);
        ps.setFetchSize(1000); // a cursor, as the fleet read uses
        return ps;
    }

    /** Reads to the end, checking each row is the next number from {@code from}; returns how many. */
    private static int readAll(ReadAhead rows, int from) throws Exception {
        int n = 0;
        for (byte[][] row = rows.next(); row != null; row = rows.next()) {
            assertThat(number(row)).isEqualTo(from + n);
            n++;
        }
        return n;
    }

    private static int number(byte[][] row) {
        return Integer.parseInt(new String(row[0], StandardCharsets.UTF_8));
    }
}
