package io.omniglass.core.runtime;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The nats-server binary the embedded runtime starts: one that can promise durability, i.e.
 * version 2.10 or newer, which takes {@code sync_interval: always} (2.9 fsyncs every two minutes
 * and refuses the key, so a PubAck could precede the disk and the CDC slot advances on PubAck).
 * Looked for as configured ({@code NATS_SERVER_BIN}), then on {@code PATH}, then where
 * {@code packaging/nats-server/fetch.sh} puts Debian forky's binary (2.15). From 2.12 on, the CDC
 * publisher stores a drain window as one atomic batch (a few fsyncs instead of one per change); on
 * 2.10 and 2.11 it publishes change by change, as durable and about a tenth as fast.
 */
public record NatsServerBinary(String path, int major, int minor) {

    /** Where fetch.sh writes the binary, relative to the project's root. */
    static final Path FETCHED = Paths.get("packaging", "nats-server", "target", "bin", "nats-server");
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.\\d+");

    public boolean durable() {
        return major > 2 || (major == 2 && minor >= 10);
    }

    /** Atomic batch publish ({@code allow_atomic} streams, {@code Nats-Batch-*} headers): 2.12 and newer. */
    public boolean atomicBatches() {
        return major > 2 || (major == 2 && minor >= 12);
    }

    public String version() {
        return major + "." + minor;
    }

    /** The durable nats-server to start, or a {@link NatsServerProcess.MissingNatsServerException} saying what to do. */
    public static NatsServerBinary locate(Optional<String> configured) {
        if (configured.isPresent()) {
            NatsServerBinary b = probe(configured.get()).orElseThrow(() -> new NatsServerProcess.MissingNatsServerException(
                    "NATS_SERVER_BIN=" + configured.get() + " is not an executable nats-server"));
            if (!b.durable()) {
                throw new NatsServerProcess.MissingNatsServerException(tooOld(List.of(b)));
            }
            return b;
        }
        List<NatsServerBinary> old = new ArrayList<>();
        for (Path candidate : candidates()) {
            Optional<NatsServerBinary> b = probe(candidate.toString());
            if (b.isPresent() && b.get().durable()) {
                return b.get();
            }
            b.ifPresent(old::add);
        }
        throw new NatsServerProcess.MissingNatsServerException(old.isEmpty() ? NatsServerProcess.INSTALL_HINT : tooOld(old));
    }

    private static String tooOld(List<NatsServerBinary> found) {
        StringBuilder s = new StringBuilder();
        for (NatsServerBinary b : found) {
            s.append(s.length() == 0 ? "" : ", ").append(b.path).append(" is ").append(b.version());
        }
        return "nats-server 2.10 or newer is needed (sync_interval: always, so that an acknowledged message is on disk): "
                + s + ". Run packaging/nats-server/fetch.sh (Debian forky's 2.15, extracted under packaging/nats-server/target; "
                + "2.12+ also stores the CDC feed in atomic batches), "
                + "install a newer nats-server, or set NATS_SERVER_BIN to one";
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/usr/local/bin").split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                out.add(Paths.get(dir, "nats-server"));
            }
        }
        fetched().ifPresent(out::add);
        return out;
    }

    /** fetch.sh's binary, found upwards from where this class was loaded (target/classes or the core's jar). */
    static Optional<Path> fetched() {
        try {
            var source = NatsServerBinary.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            for (Path dir = Paths.get(source.getLocation().toURI()).toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(FETCHED);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        } catch (URISyntaxException | SecurityException e) {
            // no code source to start from: PATH and NATS_SERVER_BIN still apply
        }
        return Optional.empty();
    }

    /** The binary's version from {@code nats-server --version}, when it is an executable nats-server. */
    static Optional<NatsServerBinary> probe(String path) {
        if (!Files.isExecutable(Paths.get(path)) || Files.isDirectory(Paths.get(path))) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(path, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            Matcher m = VERSION.matcher(out);
            return m.find()
                    ? Optional.of(new NatsServerBinary(path, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
