package io.omniglass.core.plant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.api.lane.LaneSubjects;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.omniglass.core.tenancy.TenantStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A plant that comes alive on the data lane: pumps, tanks and valves of a plant description,
 * with noise, a daily cycle (wall clock), correlated signals and the recurring faults documented
 * in the demo plant file. It also obeys device commands from {@code og.<tenant>.cmd} and answers
 * with the next observed datapoint, carrying {@code Og-Caused-By-Event-Id}.
 */
public final class PlantSimulator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PlantSimulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String SOURCE = "sim";
    public static final String SOURCE_RULE = "sim-poll";

    private final String slug;
    private final Connection nats;
    private final JetStream js;
    private final List<PlantDescription.Component> components;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final Random random = new Random();
    private final Map<String, String> states = new HashMap<>();
    /** (owner, key) -> the command that set it, until the next datapoint of that pair reports it. */
    private final Map<String, Command> pendingCommands = new ConcurrentHashMap<>();
    private final Map<String, String> commanded = new ConcurrentHashMap<>();
    private volatile Dispatcher commands;
    private volatile boolean running = true;
    private long tick;
    private long firstSecond = Long.MIN_VALUE;
    private long published;

    private record Command(long eventId, String correlationId, String owner, String key, String value) {
    }

    public PlantSimulator(String slug, Connection nats, PlantDescription plant) throws IOException {
        this.slug = slug;
        this.nats = nats;
        this.js = nats.jetStream();
        this.components = plant.components();
    }

    /** Starts obeying device commands (the agreed subject og.<tenant>.cmd). */
    public PlantSimulator listen() {
        commands = nats.createDispatcher(msg -> {
            try {
                JsonNode cmd = JSON.readTree(msg.getData());
                String corr = msg.getHeaders() == null ? null : msg.getHeaders().getFirst(LaneHeaders.CORRELATION_ID);
                if (corr == null && cmd.hasNonNull("correlation_id")) {
                    corr = cmd.get("correlation_id").asText();
                }
                Command c = new Command(cmd.path("event_id").asLong(), corr, cmd.path("owner").asText(),
                        cmd.path("key").asText(), cmd.path("value").asText());
                commanded.put(c.owner() + "|" + c.key(), c.value());
                pendingCommands.put(c.owner() + "|" + c.key(), c);
                log.info("simulator {}: command {} {} = {} (event {})", slug, c.owner(), c.key(), c.value(), c.eventId());
            } catch (IOException e) {
                log.warn("simulator {}: unreadable command: {}", slug, e.getMessage());
            }
        });
        commands.subscribe("og." + slug + ".cmd");
        return this;
    }

    /** Ticks {@code perSecond} times a second until stopped or {@code duration} seconds (0: forever) pass. */
    public void run(double perSecond, long durationSeconds) throws Exception {
        long periodNanos = (long) (1e9 / Math.max(0.01, perSecond));
        long end = durationSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
        long next = System.nanoTime();
        while (running && System.nanoTime() < end) {
            tickOnce(Instant.now());
            next += periodNanos;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            } else {
                next = System.nanoTime();
            }
        }
    }

    public long published() {
        return published;
    }

    /** One sample of every signal of the plant at {@code now}, one message per kind. */
    public void tickOnce(Instant now) throws Exception {
        tick++;
        // fault cycles count from the first tick, so every fault shows within seconds of a fresh start
        if (firstSecond == Long.MIN_VALUE) {
            firstSecond = now.getEpochSecond();
        }
        long t = now.getEpochSecond() - firstSecond;
        double hour = LocalTime.ofInstant(now, ZoneOffset.UTC).toSecondOfDay() / 3600.0;
        double ambient = 15 + 8 * Math.sin(2 * Math.PI * (hour - 9) / 24);
        double demand = 0.75 + 0.25 * Math.sin(2 * Math.PI * (hour - 6) / 24);
        List<LaneDatapoint> metrics = new ArrayList<>();
        List<LaneDatapoint> stateDps = new ArrayList<>();
        List<LaneDatapoint> logs = new ArrayList<>();
        List<Command> causes = new ArrayList<>();
        for (int i = 0; i < components.size(); i++) {
            PlantDescription.Component c = components.get(i);
            String owner = "component:" + c.name();
            String type = c.type() == null ? "" : c.type();
            switch (type) {
                case "pump" -> pump(now, t, i, c.name(), owner, ambient, demand, metrics, stateDps, logs, causes);
                case "tank" -> tank(now, t, i, c.name(), owner, ambient, metrics, logs);
                case "valve" -> valve(now, t, c.name(), owner, metrics, stateDps, logs, causes);
                default -> metrics.add(dp(owner, "temperature", now, round(ambient + 5 + noise(0.3))));
            }
        }
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        acks.add(publish("metric", metrics, null));
        if (!stateDps.isEmpty()) {
            acks.add(publish("state", stateDps, null));
        }
        if (!logs.isEmpty()) {
            acks.add(publish("log", logs, null));
        }
        for (Command cause : causes) {
            // the datapoint that reports a command's effect travels alone, carrying the cause
            List<LaneDatapoint> one = new ArrayList<>();
            String kind = "state";
            one.add(dp(cause.owner(), cause.key(), now.plusMillis(1), states.get(cause.owner() + "|" + cause.key())));
            acks.add(publish(kind, one, cause));
        }
        for (CompletableFuture<PublishAck> a : acks) {
            if (a != null) {
                a.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private void pump(Instant now, long t, int i, String name, String owner, double ambient, double demand,
                      List<LaneDatapoint> metrics, List<LaneDatapoint> stateDps, List<LaneDatapoint> logs, List<Command> causes) {
        String commandedState = commanded.get(owner + "|run_state");
        boolean tripped = name.equals("pump-5") && t % 300 < 20;
        String state = tripped ? "fault" : commandedState != null ? commandedState : "running";
        boolean running = state.equals("running");
        setState(now, owner, "run_state", state, stateDps, logs, causes,
                tripped ? "error" : "info", tripped ? "motor protection trip" : "run state " + state);
        double load = running ? demand * (0.85 + 0.1 * Math.sin(t / 90.0 + i)) : 0;
        double nominalFlow = 40 + 15 * i;
        double flow = running ? nominalFlow * load + noise(0.8) : 0;
        double pressure = running ? 3 + 2.5 * load + noise(0.05) : 0;
        if (name.equals("pump-1") && t % 180 < 10) {
            pressure = 8.8 + random.nextDouble() * 0.4;
        }
        double power = running ? 12 + 30 * load * load + noise(0.4) : 0;
        double vibration = running ? 2 + 0.8 * load + noise(0.15) : 0.05 + Math.abs(noise(0.02));
        double temperature = ambient + (running ? 25 * load : 2) + noise(0.3);
        if (name.equals("pump-3") && t % 240 < 60) {
            long phase = t % 240;
            temperature = 86 + 6 * Math.sin(Math.PI * phase / 60.0) + noise(0.2);
            vibration = 7.3 + 0.8 * Math.sin(Math.PI * phase / 60.0) + noise(0.1);
            if (phase == 0) {
                logs.add(log(owner, now, "warning", "bearing temperature high"));
            }
        }
        metrics.add(dp(owner, "flow", now, round(Math.max(0, flow))));
        metrics.add(dp(owner, "discharge_pressure", now, round(Math.max(0, pressure))));
        metrics.add(dp(owner, "power", now, round(Math.max(0, power))));
        metrics.add(dp(owner, "vibration", now, round(Math.max(0, vibration))));
        metrics.add(dp(owner, "temperature", now, round(temperature)));
    }

    private void tank(Instant now, long t, int i, String name, String owner, double ambient, List<LaneDatapoint> metrics, List<LaneDatapoint> logs) {
        double level = 60 + 10 * Math.sin(2 * Math.PI * t / 1800.0 + i) + noise(0.2);
        if (name.equals("tank-2") && t % 360 < 90) {
            long phase = t % 360;
            level = 91 + 4 * Math.sin(Math.PI * phase / 90.0) + noise(0.1);
            if (phase == 0) {
                logs.add(log(owner, now, "warning", "level high"));
            }
        }
        metrics.add(dp(owner, "level", now, round(Math.min(100, Math.max(0, level)))));
        metrics.add(dp(owner, "temperature", now, round(ambient + 3 + noise(0.1))));
    }

    private void valve(Instant now, long t, String name, String owner, List<LaneDatapoint> metrics, List<LaneDatapoint> stateDps,
                       List<LaneDatapoint> logs, List<Command> causes) {
        String position = commanded.getOrDefault(owner + "|position", "open");
        if (name.equals("valve-2") && t % 420 < 15) {
            position = "moving";
        }
        setState(now, owner, "position", position, stateDps, logs, causes, "info", "position " + position);
        metrics.add(dp(owner, "flow", now, round(position.equals("open") ? 55 + noise(1.0) : position.equals("moving") ? 20 + noise(3) : 0)));
    }

    /** States are reported on change and every 30 ticks; a commanded change is reported with its cause. */
    private void setState(Instant now, String owner, String key, String value, List<LaneDatapoint> stateDps, List<LaneDatapoint> logs,
                          List<Command> causes, String severity, String message) {
        String k = owner + "|" + key;
        String before = states.put(k, value);
        Command cause = pendingCommands.remove(k);
        if (cause != null) {
            causes.add(cause);
            if (!value.equals(before)) {
                logs.add(log(owner, now, "notice", message + " (command " + cause.eventId() + ")"));
            }
            return;
        }
        if (!value.equals(before)) {
            stateDps.add(dp(owner, key, now, value));
            if (before != null) {
                logs.add(log(owner, now, severity, message));
            }
        } else if (tick % 30 == 0) {
            stateDps.add(dp(owner, key, now, value));
        }
    }

    private CompletableFuture<PublishAck> publish(String kind, List<LaneDatapoint> body, Command cause) throws IOException {
        if (body.isEmpty()) {
            return null;
        }
        Headers h = new Headers();
        if (cause != null) {
            h.put(LaneHeaders.CAUSED_BY_EVENT_ID, Long.toString(cause.eventId()));
            if (cause.correlationId() != null) {
                h.put(LaneHeaders.CORRELATION_ID, cause.correlationId());
            }
        }
        published += body.size();
        String id = "sim-" + runId + "-" + tick + "-" + kind + (cause == null ? "" : "-cmd-" + cause.eventId());
        return js.publishAsync(LaneSubjects.datapoints(slug, kind), h, LaneCodec.encode(body),
                PublishOptions.builder().messageId(id).build());
    }

    static LaneDatapoint dp(String owner, String key, Instant ts, Object value) {
        return LaneDatapoint.observed(owner, key, ts, value, SOURCE, SOURCE_RULE, 1);
    }

    private static LaneDatapoint log(String owner, Instant ts, String severity, String message) {
        return dp(owner, "status_log", ts, LaneDatapoint.logValue(severity, message));
    }

    private double noise(double sigma) {
        return random.nextGaussian() * sigma;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
        running = false;
        Dispatcher d = commands;
        commands = null;
        if (d != null && nats.getStatus() == Connection.Status.CONNECTED) {
            try {
                nats.closeDispatcher(d);
            } catch (IllegalStateException ignored) {
                // the connection closed meanwhile; its dispatchers went with it
            }
        }
    }

    // ------------------------------------------------------------------ synthetic load (--series N)

    /** A plant of {@code n} meters sim-00000... for load runs (owners must exist before datapoints do). */
    public static JsonNode syntheticPlant(int n) {
        ObjectNode plant = JSON.createObjectNode();
        plant.put("name", "sim-load");
        plant.putArray("locations").addObject().put("name", "sim-site");
        ArrayNode comps = plant.putArray("components");
        for (int i = 0; i < n; i++) {
            comps.addObject().put("name", synthetic(i)).put("type", "meter").put("location", "sim-site");
        }
        return plant;
    }

    public static String synthetic(int i) {
        return String.format("sim-%05d", i);
    }

    /** Publishes {@code ratePerSecond} datapoints a second spread over {@code n} synthetic series. */
    public static long runSynthetic(String slug, Connection nats, int n, double ratePerSecond, long durationSeconds)
            throws Exception {
        JetStream js = nats.jetStream();
        Random random = new Random();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        int perMessage = 500;
        long end = durationSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
        long start = System.nanoTime();
        long sent = 0;
        long msg = 0;
        int next = 0;
        List<CompletableFuture<PublishAck>> inflight = new ArrayList<>();
        while (System.nanoTime() < end) {
            long due = (long) ((System.nanoTime() - start) / 1e9 * ratePerSecond);
            if (sent >= due) {
                Thread.sleep(5);
                continue;
            }
            int count = (int) Math.min(perMessage, due - sent);
            List<LaneDatapoint> body = new ArrayList<>();
            Instant now = Instant.now();
            for (int k = 0; k < count; k++) {
                body.add(dp("component:" + synthetic(next), "flow", now, round(50 + 10 * random.nextGaussian())));
                next = (next + 1) % n;
                if (next == 0) {
                    now = now.plusNanos(1000); // a new round over the series: a new ts for each
                }
            }
            inflight.add(js.publishAsync(LaneSubjects.datapoints(slug, "metric"), null, LaneCodec.encode(body),
                    PublishOptions.builder().messageId("simload-" + runId + "-" + msg++).build()));
            sent += count;
            if (inflight.size() >= 256) {
                for (CompletableFuture<PublishAck> f : inflight) {
                    f.get(30, TimeUnit.SECONDS);
                }
                inflight.clear();
            }
        }
        for (CompletableFuture<PublishAck> f : inflight) {
            f.get(30, TimeUnit.SECONDS);
        }
        return sent;
    }
}
