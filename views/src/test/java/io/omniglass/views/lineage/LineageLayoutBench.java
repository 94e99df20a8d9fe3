package io.omniglass.views.lineage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.views.services.LineageGraph;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;

/**
 * By hand, not in the suite (its name does not end in Test):
 * {@code ./mvnw -B -q -pl views -am test -Dtest=LineageLayoutBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * A fresh ELK layout, and the stable extension by a quarter more nodes, of generated layered
 * graphs of 50, 200 and 500 nodes; the best and the median of {@code bench.runs} runs each (after
 * as many warm-up runs). Writes docs/bench/lineage-layout.json (from the views directory: ../docs).
 */
class LineageLayoutBench {

    static final int RUNS = Integer.getInteger("bench.runs", 15);

    @Test
    void layoutTimes() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("when", Instant.now().toString());
        out.put("machine", Runtime.getRuntime().availableProcessors() + " cores; load average at start "
                + Files.readString(Paths.get("/proc/loadavg")).trim());
        out.put("node_box", LineageViewModel.NODE_WIDTH + " x " + LineageViewModel.NODE_HEIGHT);
        ArrayNode runs = out.putArray("graphs");
        for (int n : new int[]{50, 200, 500}) {
            LineageGraph g = LineageFixtures.generated(n, 7);
            LineageGraph part = LineageFixtures.firstNodes(g, n * 3 / 4);
            LineageLayout.Result base = LineageLayout.layout(part, LineageViewModel::size);
            long[] fresh = new long[RUNS];
            long[] extend = new long[RUNS];
            for (int r = -RUNS; r < RUNS; r++) { // the first RUNS warm the JIT
                long t0 = System.nanoTime();
                LineageLayout.layout(g, LineageViewModel::size);
                long t1 = System.nanoTime();
                LineageLayout.extend(base, g, LineageViewModel::size);
                long t2 = System.nanoTime();
                if (r >= 0) {
                    fresh[r] = t1 - t0;
                    extend[r] = t2 - t1;
                }
            }
            java.util.Arrays.sort(fresh);
            java.util.Arrays.sort(extend);
            ObjectNode o = runs.addObject();
            o.put("nodes", n);
            o.put("edges", g.edges().size());
            o.put("extend_from_nodes", part.nodes().size());
            o.put("elk_layout_ms_best", fresh[0] / 1e6);
            o.put("elk_layout_ms_median", fresh[RUNS / 2] / 1e6);
            o.put("extend_ms_best", extend[0] / 1e6);
            o.put("extend_ms_median", extend[RUNS / 2] / 1e6);
        }
        out.put("load_average_at_end", Files.readString(Paths.get("/proc/loadavg")).trim());
        Path file = Paths.get(System.getProperty("bench.out", "../docs/bench/lineage-layout.json"));
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }
}
