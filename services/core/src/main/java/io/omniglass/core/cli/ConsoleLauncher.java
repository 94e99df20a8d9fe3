package io.omniglass.core.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
        Map<String, String> env = System.getenv();
        String launcher = env.get("OMNIGLASS_LAUNCHER");
        boolean display = notBlank(env.get("DISPLAY")) || notBlank(env.get("WAYLAND_DISPLAY"));
        if (!display || !notBlank(launcher) || httpUrl == null || "0".equals(env.get("OMNIGLASS_CONSOLE"))) {
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

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
