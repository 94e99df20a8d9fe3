package io.omniglass.views.journal;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.CsvWriter;
import io.omniglass.views.common.Messages;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV export in the background: the rows are fetched page by page (each page one request,
 * so it can be cancelled between pages), then written to a temporary file beside the target and
 * moved over it only when complete: a cancelled or failed export leaves no half-written file.
 */
public final class CsvExport {

    /** One page of rows and the cursor of the next (null at the end). */
    public record RowsPage(List<List<String>> rows, String next) {
    }

    /** Fetches the page after {@code cursor} (null: the first). */
    @FunctionalInterface
    public interface Rows {
        RowsPage page(String cursor) throws Exception;
    }

    private static final int ROWS_PER_WRITE = 500;

    private final BackgroundExecutor executor;
    private final BooleanProperty running = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty message = new SimpleStringProperty();
    private volatile boolean cancelled;

    public CsvExport(BackgroundExecutor executor) {
        this.executor = executor;
    }

    public void start(Path file, List<String> header, Rows source) {
        if (running.get()) {
            message.set("An export is running; cancel it first.");
            return;
        }
        cancelled = false;
        running.set(true);
        progress.set(-1); // fetching: how many rows there are is not known yet
        message.set("Reading rows…");
        fetch(file, header, source, null, new ArrayList<>());
    }

    public void cancel() {
        cancelled = true;
    }

    private void fetch(Path file, List<String> header, Rows source, String cursor, List<List<String>> rows) {
        if (cancelled) {
            done("Export cancelled; nothing written.");
            return;
        }
        executor.submit(() -> source.page(cursor), page -> {
            rows.addAll(page.rows());
            message.set("Read " + rows.size() + " rows…");
            if (page.next() != null) {
                fetch(file, header, source, page.next(), rows);
            } else {
                write(file, header, rows);
            }
        }, e -> done("Export failed: " + Messages.readable(e)));
    }

    private void write(Path file, List<String> header, List<List<String>> rows) {
        progress.set(0);
        executor.submit(() -> {
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".part");
            try {
                try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    CsvWriter.writeRow(w, header);
                    for (int i = 0; i < rows.size(); i++) {
                        if (i % ROWS_PER_WRITE == 0) {
                            if (cancelled) {
                                return false;
                            }
                            double p = (double) i / rows.size();
                            executor.onUiThread(() -> progress.set(p));
                        }
                        CsvWriter.writeRow(w, rows.get(i));
                    }
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                return true;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }, written -> done(written ? "Exported " + rows.size() + " rows to " + file : "Export cancelled; nothing written."),
                e -> done("Export failed: " + (e instanceof IOException ? e.getMessage() : Messages.readable(e))));
    }

    private void done(String text) {
        running.set(false);
        progress.set(0);
        cancelled = false;
        message.set(text);
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty messageProperty() {
        return message;
    }
}
