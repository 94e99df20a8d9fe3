package io.omniglass.api.lane;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Old tree decoder against the streamed one, interleaved in one JVM, thread CPU time; bench fleet's replay shape. */
public class DecodeAB {
    public static void main(String[] a) {
        int messages = 300, per = 1000;
        byte[][] bodies = new byte[messages][];
        Instant base = Instant.parse("2026-09-05T20:00:00Z");
        for (int m = 0; m < messages; m++) {
            StringBuilder sb = new StringBuilder("[");
            for (int j = 0; j < per; j++) {
                long i = (long) m * per + j;
                if (j > 0) sb.append(',');
                sb.append("{\"owner\":\"component:meter-").append(String.format("%05d", i % 1000)).append("\",\"key\":\"flow\",\"ts\":\"")
                        .append(base.plusMillis(i * 7).plusNanos(123_000)).append("\",\"value\":").append((i % 1000) / 10.0)
                        .append(",\"source\":\"bench\",\"source_rule\":\"bench-gen\",\"source_rule_version\":1}");
            }
            bodies[m] = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] n = new long[1];
        double bestOld = 1e9, bestNew = 1e9;
        for (int round = 0; round < 12; round++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (byte[] b : bodies) OldLaneCodec.decode("og.t.dp.metric", null, null, b, d -> n[0]++, r -> { throw new IllegalStateException(r.detail()); });
            long c1 = mx.getCurrentThreadCpuTime();
            for (byte[] b : bodies) LaneCodec.decode("og.t.dp.metric", null, null, b, d -> n[0]++, r -> { throw new IllegalStateException(r.detail()); });
            long c2 = mx.getCurrentThreadCpuTime();
            double o = (c1 - c0) / 1e3 / (messages * per), s = (c2 - c1) / 1e3 / (messages * per);
            if (round >= 2) { bestOld = Math.min(bestOld, o); bestNew = Math.min(bestNew, s); }
            System.out.printf("round %d: tree %.3f us, streamed %.3f us CPU per datapoint%n", round, o, s);
        }
        System.out.printf("best of rounds 2-11: tree %.3f us, streamed %.3f us per datapoint (%d decoded)%n", bestOld, bestNew, n[0]);
    }
}
