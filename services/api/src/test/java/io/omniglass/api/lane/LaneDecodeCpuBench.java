package io.omniglass.api.lane;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * By hand, not in the suite (no *Test name): the decoder's CPU time per datapoint on
 * {@code bench sink}'s message shape (200 datapoints a message, 1,000 series), measured as the
 * decoding thread's CPU time, which a loaded machine moves far less than wall time.
 * {@code ./mvnw -B -q -pl services/api -am test -Dtest=LaneDecodeCpuBench -Dsurefire.failIfNoSpecifiedTests=false}
 */
class LaneDecodeCpuBench {

    @Test
    void decoderCpuPerDatapoint() {
        int messages = 5000;
        int per = 200;
        byte[][] bodies = new byte[messages][];
        Instant base = Instant.parse("2026-12-01T20:00:00Z");
        for (int m = 0; m < messages; m++) {
            StringBuilder sb = new StringBuilder("[");
            for (int j = 0; j < per; j++) {
                long i = (long) m * per + j;
                if (j > 0) {
                    sb.append(',');
                }
                sb.append("{\"owner\":\"component:bench-").append(i % 1000).append("\",\"key\":\"flow\",\"ts\":\"")
                        .append(base.plusMillis(i).plusNanos(123_000)).append("\",\"value\":").append((i % 1000) / 10.0)
                        .append(",\"source\":\"bench\",\"source_rule\":\"bench-gen\",\"source_rule_version\":1}");
            }
            bodies[m] = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] decoded = new long[1];
        for (int round = 0; round < 6; round++) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            for (byte[] b : bodies) {
                LaneCodec.decode("og.t.dp.metric", null, null, b, d -> decoded[0]++, r -> {
                    throw new IllegalStateException(r.detail());
                });
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            System.out.printf("round %d (%s): %.2f us CPU per datapoint%n", round, round == 0 ? "warm-up" : "measured",
                    cpu / 1e3 / ((long) messages * per));
        }
        assertThat(decoded[0]).isEqualTo(6L * messages * per);
    }
}
