package io.omniglass.views.connect;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;


/**
 * The connect form: core URL (or several, comma-separated) and token (typed, or read from a token file). {@link Connector}
 * is the app's part: it checks the token against the core and remembers what worked.
 */
public final class ConnectViewModel {

    /** Tries the settings; returns normally when the core accepted the token. */
    public interface Connector {
        void connect(String url, String token, String tokenFile) throws Exception;
    }

    private final Connector connector;
    private final BackgroundExecutor executor;
    private final StringProperty url = new SimpleStringProperty("http://127.0.0.1:8686");
    private final StringProperty tokenFile = new SimpleStringProperty("");
    private final StringProperty token = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty();
    private final Busy busy = new Busy();

    public ConnectViewModel(Connector connector, BackgroundExecutor executor) {
        this.connector = connector;
        this.executor = executor;
    }

    /** Validates the form, then connects off the UI thread; {@code onConnected} runs on success. */
    public void connect(Runnable onConnected) {
        String u = url.get() == null ? "" : url.get().trim();
        // several cores (they share the work) are given separated by commas; the console fails over between them
        for (String one : u.split(",", -1)) {
            String c = one.trim();
            if (!c.startsWith("http://") && !c.startsWith("https://")) {
                error.set(u.contains(",") ? "Each core URL must start with http:// or https:// (separate several with commas)"
                        : "The core URL must start with http:// or https://");
                return;
            }
        }
        String t = token.get() == null ? "" : token.get().trim();
        String f = tokenFile.get() == null ? "" : tokenFile.get().trim();
        if (t.isEmpty() && f.isEmpty()) {
            error.set("Give a token or a token file.");
            return;
        }
        busy.begin();
        error.set(null);
        executor.submit(() -> {
            connector.connect(u, t, f);
            return Boolean.TRUE;
        }, ok -> {
            busy.end();
            onConnected.run();
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    public StringProperty urlProperty() {
        return url;
    }

    public StringProperty tokenFileProperty() {
        return tokenFile;
    }

    public StringProperty tokenProperty() {
        return token;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public Busy busy() {
        return busy;
    }

}
