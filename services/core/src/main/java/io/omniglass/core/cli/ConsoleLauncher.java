package io.omniglass.core.cli;

import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the desktop console next to {@code demo} when there is a display: runs
 * {@code $OMNIGLASS_LAUNCHER console --url URL --token-file FILE} as a separate process (the
 * launcher builds the console when needed), logging to {@code console.log} in the data dir. The
 * console goes when the demo stops.
 */
final class ConsoleLauncher {

    private static final Logger log = LoggerFactory.getLogger(ConsoleLauncher.class);

    private ConsoleLauncher() {
    }

    static void openIfDisplay(String httpUrl, Path tokenFile, Path dataDir) {
        // the desktop's variables, not settings of the core
        boolean display = OmniglassConfig.processEnvironment("DISPLAY").isPresent()
                || OmniglassConfig.processEnvironment("WAYLAND_DISPLAY").isPresent();
        String launcher = OmniglassConfig.processEnvironment(Setting.LAUNCHER.env()).orElse(null);
        boolean wanted = !OmniglassConfig.processEnvironment(Setting.CONSOLE.env()).orElse("1").equals("0");
        if (!display || launcher == null || httpUrl == null || !wanted) {
            return;
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(launcher, "console", "--url", httpUrl,
                    "--token-file", tokenFile.toString()));
            Path logFile = dataDir.resolve("console.log");
            pb.redirectErrorStream(true);
            pb.redirectOutput(logFile.toFile());
            Process p = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "og-console-stop"));
            System.out.println("  console:     opening (log: " + logFile + ")");
        } catch (IOException e) {
            log.warn("could not open the console: {}", e.getMessage());
        }
    }
}
