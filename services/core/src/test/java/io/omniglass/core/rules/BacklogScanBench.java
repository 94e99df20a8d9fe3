package io.omniglass.core.rules;

import io.omniglass.api.OmniglassClient;
import io.omniglass.schema.tenant.enums.Severity;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a replayed 1,000-datapoint message (the shape {@code bench fleet} replays) costs the rules
 * on one thread: the full decode they did for every message before (the lane's decoder and a
 * reading per datapoint), against the scan that now lets them skip a backlog behind live series.
 * CPU time of this thread, best of 5 rounds. Run by hand:
 * {@code ./mvnw -B -q -pl services/core -am test -Dtest=BacklogScanBench -Dsurefire.failIfNoSpecifiedTests=false}
 * (-Dbench.json=docs/bench/rules-backlog-scan.json).
 */
class BacklogScanBench {

    @Test
    void fullDecodeAgainstTheBacklogScan() throws Exception {
        EventRuleDef rule = new EventRuleDef(1, 1, "meter-high", Selector.of("component:meter-*"), "flow", null, Severity.warning, null);
        Instant live = Instant.now();
        Instant from = live.minusSeconds(90L * 86_400);
        StringBuilder sb = new StringBuilder("[");
        for (int j = 0; j < 1000; j++) {
            sb.append(j == 0 ? "" : ",").append("{\"owner\":\"component:meter-").append(String.format("%05d", j))
                    .append("\",\"key\":\"flow\",\"ts\":\"").append(from.plusSeconds(j)).append("\",\"value\":").append(j / 10.0)
                    .append(",\"source\":\"bench\",\"source_rule\":\"bench-gen\",\"source_rule_version\":1}");
        }
        byte[] body = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
        DecidedSamples decided = new DecidedSamples();
        for (int j = 0; j < 1000; j++) {
            decided.decided(rule, String.format("component:meter-%05d", j), live);
        }
        assertThat(decided.decidedMatches(body, List.of(rule))).isEqualTo(1000);
        assertThat(Reading.read("og.bench.dp.metric", null, null, body)).hasSize(1000);

        int messages = Integer.getInteger("bench.messages", 2000);
        var threads = ManagementFactory.getThreadMXBean();
        double fullBest = Double.MAX_VALUE;
        double scanBest = Double.MAX_VALUE;
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < messages; i++) {
                sink += Reading.read("og.bench.dp.metric", null, null, body).size();
            }
            long t1 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < messages; i++) {
                sink += decided.decidedMatches(body, List.of(rule));
            }
            long t2 = threads.getCurrentThreadCpuTime();
            fullBest = Math.min(fullBest, (t1 - t0) / 1e6 / messages);
            scanBest = Math.min(scanBest, (t2 - t1) / 1e6 / messages);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "CPU ms of one thread per replayed message of 1,000 datapoints (~190 KB), best of 5 rounds of "
                + messages + " messages");
        out.put("full_decode_ms", Math.round(fullBest * 1000) / 1000.0);
        out.put("backlog_scan_ms", Math.round(scanBest * 1000) / 1000.0);
        out.put("scan_vs_decode", Math.round(scanBest / fullBest * 1000) / 1000.0);
        out.put("datapoints_per_cpu_second_full_decode", Math.round(1000 / fullBest * 1000));
        out.put("datapoints_per_cpu_second_scan", Math.round(1000 / scanBest * 1000));
        out.put("checksum", sink);
        System.out.println("backlog scan: " + out);
        String json = System.getProperty("bench.json");
        if (json != null) {
            Files.writeString(Path.of(json), OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        }
    }
}
