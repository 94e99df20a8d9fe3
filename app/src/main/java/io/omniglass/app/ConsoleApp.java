package io.omniglass.app;

import io.omniglass.api.OmniglassClient;
import io.omniglass.views.common.FxBackgroundExecutor;
import io.omniglass.views.common.Theme;
import io.omniglass.views.connect.ConnectView;
import io.omniglass.views.connect.ConnectViewModel;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.shell.ShellView;
import io.omniglass.views.shell.ShellViewModel;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The console: connect (from the command line, the remembered settings, or the local core's
 * endpoints.json and admin token), then the shell with its screens, the live feed and the
 * health watch that shows and recovers the connection.
 */
public class ConsoleApp extends Application {

    private final FxBackgroundExecutor executor = new FxBackgroundExecutor(4);
    private final ConsoleSettings settings;
    private LaunchOptions options;
    private Stage stage;
    private Scene scene;
    private volatile OmniglassClient client;
    private ShellViewModel shell;
    private HealthWatch health;

    public ConsoleApp() {
        this(ConsoleSettings.forUser(), null);
    }

    /** For tests and embedding: explicit settings location and options. */
    public ConsoleApp(ConsoleSettings settings, LaunchOptions options) {
        this.settings = settings;
        this.options = options;
    }

    @Override
    public void init() {
        if (options == null) {
            options = LaunchOptions.parse(getParameters() == null ? List.of() : getParameters().getRaw());
        }
    }

    @Override
    public void start(Stage stage) {
        this.stage = stage;
        if (options == null) {
            init();
        }
        ConnectViewModel connect = new ConnectViewModel(this::connect, executor);
        Optional<ConsoleSettings.Connection> initial = initialConnection();
        initial.ifPresent(c -> {
            connect.urlProperty().set(c.url());
            if (c.tokenFile() != null) {
                connect.tokenFileProperty().set(c.tokenFile().toString());
            }
        });
        if (options.url() != null) {
            connect.urlProperty().set(options.url());
        }
        scene = new Scene(new ConnectView(connect, this::showShell), 1400, 880);
        theme().applyTo(scene);
        stage.setTitle("Omniglass console");
        stage.setScene(scene);
        stage.show();
        if (initial.isPresent() && initial.get().tokenFile() != null) {
            connect.connect(this::showShell); // everything is known: go straight in, the form shows any failure
        }
        if (options.check()) {
            SmokeCheck.watch(connect, () -> shell, options.tenant());
        }
    }

    private Theme theme() {
        String t = options.theme() != null ? options.theme() : settings.theme();
        return "dark".equalsIgnoreCase(t) ? Theme.DARK : Theme.LIGHT;
    }

    /** Command line first, then what the user connected to last, then the local core. */
    Optional<ConsoleSettings.Connection> initialConnection() {
        if (options.url() != null || options.tokenFile() != null) {
            Optional<ConsoleSettings.Connection> fallback = settings.remembered().or(settings::localCore);
            String url = options.url() != null ? options.url() : fallback.map(ConsoleSettings.Connection::url).orElse(null);
            Path tf = options.tokenFile() != null ? options.tokenFile() : fallback.map(ConsoleSettings.Connection::tokenFile).orElse(null);
            return url == null ? Optional.empty() : Optional.of(new ConsoleSettings.Connection(url, tf));
        }
        return settings.remembered().or(settings::localCore);
    }

    /** Runs off the FX thread: proves the token against the core, then remembers what worked. */
    private void connect(String url, String token, String tokenFile) throws Exception {
        Path file;
        String secret;
        if (!token.isEmpty()) {
            secret = token;
            file = null;
        } else {
            file = Paths.get(tokenFile);
            try {
                secret = ConsoleSettings.readToken(file);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalStateException("The token file " + file + " does not exist.");
            } catch (java.nio.file.AccessDeniedException e) {
                throw new IllegalStateException("The token file " + file + " cannot be read.");
            }
        }
        OmniglassClient c = settings.client(url, secret); // https: verified by the pin or trust file of the settings
        try {
            c.tenants(); // a 401 here is "the token was refused", unreachable is status 0: both end up in the form
        } catch (OmniglassClient.ApiException e) {
            throw (RuntimeException) ServiceErrors.translate(e); // the form reads the views' error type
        }
        if (file == null) {
            file = settings.storeToken(secret);
        }
        try {
            settings.remember(url, file);
        } catch (RuntimeException e) {
            // a read-only home must not stop the console from working
        }
        client = c;
    }

    private void showShell() {
        HttpConsoleServices http = new HttpConsoleServices(client);
        shell = new ShellViewModel(http.bundle(new SseLiveFeed(client)), executor, Clock.systemDefaultZone()).startFrames();
        shell.themeProperty().set(theme());
        shell.themeProperty().addListener((o, a, t) -> {
            try {
                settings.rememberTheme(t.name());
            } catch (RuntimeException ignored) {
                // the theme still changes for this session
            }
        });
        ShellView view = new ShellView(shell);
        scene.setRoot(view);
        shell.themeProperty().get().applyTo(scene);
        stage.setTitle("Omniglass console · " + client.baseUri());
        shell.connected(client.baseUri().toString());
        if (options.tenant() != null) {
            shell.openTenant(options.tenant());
        }
        if (options.tour() != null) {
            new ScreenshotTour(shell, view, stage, options.tour()).start();
        }
        health = new HealthWatch(client, (state, detail) -> Platform.runLater(() -> {
            ConnectionState before = shell.connectionProperty().get();
            shell.reportConnection(state, detail);
            if (state == ConnectionState.CONNECTED && before != ConnectionState.CONNECTED) {
                shell.tenants().refresh();   // back after an outage: reload what may have changed meanwhile
                shell.values().apply();
                shell.alarms().refresh();
            }
        })).start();
    }

    public ShellViewModel shell() {
        return shell;
    }

    @Override
    public void stop() {
        if (health != null) {
            health.close();
        }
        if (shell != null) {
            shell.close();
        }
        executor.close();
    }

}
