package io.omniglass.core.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A core as a separate OS process ({@code omniglass core serve} on this test classpath), so a test
 * can kill it for real: {@link #kill9()} is SIGKILL, not a thread interrupt.
 */
public final class CoreProcess implements AutoCloseable {

    private final Process process;
    private final Path dataDir;
    private final Path log;

    private CoreProcess(Process process, Path dataDir, Path log) {
        this.process = process;
        this.dataDir = dataDir;
        this.log = log;
    }

    /** Starts {@code core serve} with the given environment (add OMNIGLASS_DATA_DIR to reuse one). */
    public static CoreProcess start(Map<String, String> env, String... jvmArgs) {
        CoreProcess cp = launch(env, jvmArgs);
        cp.awaitReady(Duration.ofSeconds(120));
        return cp;
    }

    /** Starts {@code core serve} without waiting for it to be ready (to kill it during its start). */
    public static CoreProcess launch(Map<String, String> env, String... jvmArgs) {
        try {
            Map<String, String> all = new HashMap<>(env);
            Path dataDir = all.containsKey("OMNIGLASS_DATA_DIR")
                    ? Paths.get(all.get("OMNIGLASS_DATA_DIR"))
                    : Files.createTempDirectory("og-test-proc-");
            all.put("OMNIGLASS_DATA_DIR", dataDir.toString());
            all.putIfAbsent("OMNIGLASS_HTTP_PORT", "0");
            Files.createDirectories(dataDir);
            Files.deleteIfExists(dataDir.resolve("endpoints.json"));
            List<String> cmd = new ArrayList<>();
            cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of(jvmArgs));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    "io.omniglass.core.cli.OmniglassCli", "core", "serve"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(all);
            Path log = dataDir.resolve("core-" + System.nanoTime() + ".log");
            pb.redirectErrorStream(true);
            pb.redirectOutput(log.toFile());
            return new CoreProcess(pb.start(), dataDir, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the core answers /healthz (after {@link #launch}). */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("core process exited with " + process.exitValue() + ":\n" + logTail());
            }
            Path ep = dataDir.resolve("endpoints.json");
            if (Files.exists(ep)) {
                try {
                    String url = httpUrl();
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException | RuntimeException ignored) {
                    // not up yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            sleep(100);
        }
        throw new IllegalStateException("core process not ready after " + timeout + ":\n" + logTail());
    }

    public Map<String, String> endpoints() {
        try {
            @SuppressWarnings("unchecked")
            Map<String, String> m = new ObjectMapper().readValue(dataDir.resolve("endpoints.json").toFile(), Map.class);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String httpUrl() {
        return endpoints().get("http");
    }

    public String adminToken() {
        try {
            return Files.readString(dataDir.resolve("admin.token")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; its exit code, or empty if it still runs after {@code timeout}. */
    public java.util.OptionalInt awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalInt.empty();
        }
    }

    /** SIGKILL: no shutdown hooks, no goodbyes. */
    public void kill9() {
        try {
            new ProcessBuilder("kill", "-9", Long.toString(process.pid())).start().waitFor();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then wait for the process to finish its shutdown. */
    public int terminate() {
        try {
            new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Everything the process has logged so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
        }
    }
}
