package io.omniglass.views.storage;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.RetentionPolicy;
import io.omniglass.views.services.StorageService;
import io.omniglass.views.services.TableStorage;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.List;
import java.util.Locale;

/**
 * A tenant's storage: hot and cold sizes per table and the resolved retention policies with the
 * level each value came from. Read when the tenant changes and on refresh; nothing polls.
 */
public final class StorageViewModel {

    private final StorageService service;
    private final BackgroundExecutor executor;
    private final StringProperty tenant = new SimpleStringProperty();
    private final StringProperty error = new SimpleStringProperty();
    private final StringProperty summary = new SimpleStringProperty("");
    private final ObservableList<TableStorage> tables = FXCollections.observableArrayList();
    private final ObservableList<RetentionPolicy> policies = FXCollections.observableArrayList();
    private final Busy busy = new Busy();
    private long generation;

    public StorageViewModel(StorageService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        tenant.addListener((o, a, b) -> refresh());
    }

    public void refresh() {
        String t = tenant.get();
        if (t == null) {
            tables.clear();
            policies.clear();
            summary.set("");
            return;
        }
        if (service == null) {
            error.set("this console has no storage service");
            return;
        }
        long asked = ++generation; // a slow answer for a tenant left meanwhile is dropped
        busy.begin();
        executor.submit(() -> service.storage(t), s -> {
            busy.end();
            if (asked != generation) {
                return;
            }
            error.set(null);
            tables.setAll(s.tables());
            policies.setAll(s.policies());
            summary.set(summarise(s.tables()));
        }, e -> {
            busy.end();
            if (asked == generation) {
                error.set(Messages.readable(e));
            }
        });
    }

    static String summarise(List<TableStorage> tables) {
        long hot = tables.stream().mapToLong(TableStorage::hotBytes).sum();
        long cold = tables.stream().mapToLong(TableStorage::coldBytes).sum();
        long files = tables.stream().mapToLong(TableStorage::coldFiles).sum();
        return "hot " + bytes(hot) + " in Postgres · cold " + bytes(cold) + " in " + files + (files == 1 ? " Parquet file" : " Parquet files");
    }

    /** Bytes in binary units, three significant figures: 0 B, 512 B, 8.00 KiB, 1.25 GiB. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** Rows with thousands separators; a planner estimate is marked as such. */
    public static String rows(long n, boolean estimate) {
        return (estimate && n > 0 ? "~" : "") + String.format(Locale.ROOT, "%,d", n);
    }

    /** A day range, "2026-09-02 .. 2026-11-23", or an em dash when there is none. */
    public static String days(String oldest, String newest) {
        if (oldest == null) {
            return "—";
        }
        return newest == null || newest.equals(oldest) ? oldest : oldest + " .. " + newest;
    }

    /** A value with where it came from: "90 d (default)"; "—" for a value the table has not. */
    public static String withSource(String value, String from) {
        if (value == null) {
            return "—";
        }
        return from == null ? value : value + "  (" + from + ")";
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public StringProperty summaryProperty() {
        return summary;
    }

    public ObservableList<TableStorage> tables() {
        return tables;
    }

    public ObservableList<RetentionPolicy> policies() {
        return policies;
    }

    public Busy busy() {
        return busy;
    }
}
