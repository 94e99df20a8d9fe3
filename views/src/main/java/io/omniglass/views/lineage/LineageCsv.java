package io.omniglass.views.lineage;

import io.omniglass.views.services.LineageGraph;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleConsumer;
import java.util.stream.Collectors;

/**
 * A lineage graph as two CSV files (RFC 4180, UTF-8, a header row each), so that each opens as one
 * table in a spreadsheet, pandas or {@code \copy}: {@code NAME-nodes.csv}
 * ({@code id,kind,label,shown,links_loaded,links_total,attributes}) and {@code NAME-edges.csv}
 * ({@code from,to,label,from_kind,to_kind,shown}). {@code shown} is false for what a hidden branch
 * holds; {@code attributes} is the node's details as {@code key=value} pairs joined by "; ".
 */
public final class LineageCsv {

    static final String NODES_HEADER = "id,kind,label,shown,links_loaded,links_total,attributes";
    static final String EDGES_HEADER = "from,to,label,from_kind,to_kind,shown";

    public record Targets(Path nodes, Path edges) {
    }

    public record Written(int nodes, int edges) {
    }

    /** The export was cancelled; its files were removed. */
    public static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled");
        }
    }

    private LineageCsv() {
    }

    /** {@code dir/lineage.csv} (or {@code dir/lineage}) becomes {@code dir/lineage-nodes.csv} and {@code dir/lineage-edges.csv}. */
    public static Targets files(Path chosen) {
        String name = chosen.getFileName().toString().replaceFirst("(?i)\\.csv$", "").replaceFirst("-(nodes|edges)$", "");
        return new Targets(chosen.resolveSibling(name + "-nodes.csv"), chosen.resolveSibling(name + "-edges.csv"));
    }

    /**
     * Writes both files, reporting the share of rows written; stops at the next row once
     * {@code cancel} is set, removes both files and throws {@link Cancelled}.
     */
    static Written write(LineageGraph g, Set<String> shown, Map<String, LineageViewModel.Links> links, Targets files,
                         AtomicBoolean cancel, DoubleConsumer progress) throws IOException {
        int rows = g.nodes().size() + g.edges().size();
        int done = 0;
        Map<String, String> kinds = new HashMap<>();
        g.nodes().forEach(n -> kinds.put(n.id(), n.kind()));
        try {
            try (Writer w = Files.newBufferedWriter(files.nodes(), StandardCharsets.UTF_8)) {
                w.write(NODES_HEADER + "\r\n");
                for (LineageGraph.Node n : g.nodes()) {
                    stopIfCancelled(cancel);
                    LineageViewModel.Links l = links.getOrDefault(n.id(), new LineageViewModel.Links(0, 0));
                    String attributes = n.details() == null ? "" : n.details().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; "));
                    row(w, n.id(), n.kind(), n.label(), Boolean.toString(shown.contains(n.id())),
                            Integer.toString(l.loaded()), Integer.toString(l.total()), attributes);
                    report(progress, ++done, rows);
                }
            }
            try (Writer w = Files.newBufferedWriter(files.edges(), StandardCharsets.UTF_8)) {
                w.write(EDGES_HEADER + "\r\n");
                for (LineageGraph.Edge e : g.edges()) {
                    stopIfCancelled(cancel);
                    row(w, e.from(), e.to(), e.label(), kinds.getOrDefault(e.from(), ""), kinds.getOrDefault(e.to(), ""),
                            Boolean.toString(shown.contains(e.from()) && shown.contains(e.to())));
                    report(progress, ++done, rows);
                }
            }
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(files.nodes());
            Files.deleteIfExists(files.edges());
            throw ex;
        }
        progress.accept(1.0);
        return new Written(g.nodes().size(), g.edges().size());
    }

    private static void stopIfCancelled(AtomicBoolean cancel) {
        if (cancel.get() || Thread.currentThread().isInterrupted()) {
            throw new Cancelled();
        }
    }

    /** Progress every 256 rows: often enough for a bar, rarely enough not to flood the UI thread. */
    private static void report(DoubleConsumer progress, int done, int rows) {
        if (done % 256 == 0) {
            progress.accept((double) done / Math.max(1, rows));
        }
    }

    private static void row(Writer w, String... cells) throws IOException {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(cell(cells[i]));
        }
        w.write("\r\n");
    }

    static String cell(String v) {
        return io.omniglass.views.common.CsvWriter.field(v);
    }
}
