package io.omniglass.core.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hostile data-lane suite (issue 16): 1,200 seeded messages, most of them carrying hostile
 * datapoints (NUL bytes, huge strings, deep JSON, extreme numbers and times, wrong types, another
 * tenant's owners, broken lineage, bad headers) interleaved with good ones. Neither the sink nor
 * the rules stall; every good datapoint is stored exactly once; every hostile one is
 * dead-lettered with the reason it deserves; nothing lands in the other tenant.
 */
class HostileLaneTest {

    private static final long SEED = 16;
    private static final int MESSAGES = 1200;
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    static final String PLANT_B = """
            name: other-tenant
            locations: [{name: far}]
            components:
              - {name: pump-b1, type: pump, location: far}
            datapoint_types:
              - {name: discharge_pressure, kind: metric, unit: bar}
            """;

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule(), new RulesModule()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    /** A hostile datapoint: how to spoil a good one, and the reason code its dead letter must carry. */
    private record Spoil(String reason, Function<ObjectNode, ObjectNode> how) {
    }

    private static String huge(Random r, int n) {
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() < n) {
            sb.append(Long.toString(r.nextLong() & Long.MAX_VALUE, 36));
        }
        return sb.substring(0, n);
    }

    private static ObjectNode deep(int depth) {
        ObjectNode root = J.objectNode();
        ObjectNode n = root;
        for (int i = 0; i < depth; i++) {
            n = n.putObject("a");
        }
        return root;
    }

    private static List<Spoil> spoils(Random r) {
        List<Spoil> s = new ArrayList<>();
        s.add(new Spoil("bad_field", d -> d.put("instance", "a\u0000b")));
        s.add(new Spoil("bad_field", d -> d.put("source", "\u0000")));
        s.add(new Spoil("bad_field", d -> d.put("source_rule", "poll\u0000")));
        s.add(new Spoil("unknown_key", d -> d.put("key", "discharge\u0000pressure")));
        s.add(new Spoil("unknown_owner", d -> d.put("owner", "component:pump-1\u0000")));
        s.add(new Spoil("bad_field", d -> d.put("instance", huge(r, 3000 + r.nextInt(20_000)))));
        s.add(new Spoil("bad_field", d -> d.put("source", huge(r, 600 + r.nextInt(1000)))));
        s.add(new Spoil("bad_field", d -> d.put("source_rule", huge(r, 5000))));
        s.add(new Spoil("bad_field", d -> d.put("source", huge(r, 1_000_000)))); // a megabyte in one field
        s.add(new Spoil("unknown_key", d -> d.put("key", huge(r, 300))));
        s.add(new Spoil("unknown_owner", d -> d.put("owner", "component:" + huge(r, 200))));
        s.add(new Spoil("unknown_owner", d -> d.put("owner", "component:pump-b1"))); // the other tenant's
        s.add(new Spoil("unknown_owner", d -> d.put("owner", "tenant:hostile_b")));
        s.add(new Spoil("unknown_owner", d -> d.put("owner", "component:../../etc")));
        s.add(new Spoil("unknown_owner", d -> d.set("owner", J.objectNode().put("kind", "component"))));
        s.add(new Spoil("unknown_key", d -> d.put("key", 42)));
        s.add(new Spoil("unknown_key", d -> d.put("key", "no_such_key_" + r.nextInt(1000))));
        s.add(new Spoil("bad_json", d -> d.put("instance", 7)));
        s.add(new Spoil("wrong_value_type", d -> d.put("value", "4.2")));
        s.add(new Spoil("wrong_value_type", d -> d.put("value", new BigDecimal("1e400"))));
        s.add(new Spoil("wrong_value_type", d -> d.put("value", new BigDecimal("-1e999"))));
        s.add(new Spoil("wrong_value_type", d -> d.set("value", deep(200))));
        s.add(new Spoil("wrong_value_type", d -> d.set("value", J.arrayNode().add(1).add(2))));
        s.add(new Spoil("wrong_value_type", d -> d.put("value", true)));
        s.add(new Spoil("wrong_value_type", d -> { d.remove("value"); return d; }));
        s.add(new Spoil("ts_outside_window", d -> d.put("ts", "2100-01-01T00:00:00Z")));
        s.add(new Spoil("ts_outside_window", d -> d.put("ts", "+999999999-12-31T23:59:59.999999999Z")));
        s.add(new Spoil("ts_outside_window", d -> d.put("ts", "-999999999-01-01T00:00:00+18:00")));
        s.add(new Spoil("ts_outside_window", d -> d.put("ts", "1970-01-01T00:00:00Z")));
        s.add(new Spoil("bad_ts", d -> d.put("ts", "+1000000000-01-01T00:00:00Z")));
        s.add(new Spoil("bad_ts", d -> d.put("ts", "2026-02-30T00:00:00Z")));
        s.add(new Spoil("bad_ts", d -> d.put("ts", 1764547200)));
        s.add(new Spoil("bad_ts", d -> d.put("ts", "now\u0000")));
        s.add(new Spoil("bad_ts", d -> { d.remove("ts"); return d; }));
        s.add(new Spoil("lineage", d -> d.put("provenance", "intended")));
        s.add(new Spoil("lineage", d -> d.put("provenance", "invented")));
        s.add(new Spoil("lineage", d -> { d.remove("source_rule"); return d; }));
        s.add(new Spoil("lineage", d -> d.put("event_id", 1)));
        s.add(new Spoil("lineage", d -> d.put("source_rule_version", -1)));
        s.add(new Spoil("lineage", d -> d.put("source_rule_version", 1L << 40)));
        s.add(new Spoil("lineage", d -> d.put("source_rule_version", "3")));
        s.add(new Spoil("lineage", d -> { d.remove("source_rule"); d.put("provenance", "intended"); d.put("event_id", 999_999_999L); return d; }));
        s.add(new Spoil("lineage", d -> { d.remove("source_rule"); d.put("provenance", "intended"); d.put("event_id", "x"); return d; }));
        return s;
    }

    /** Whole messages that are not a datapoint or an array of them (dead-lettered once, index -1). */
    private static byte[] hostileBody(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> "{\"owner\": \"component:pump-1\", \"key\":".getBytes(StandardCharsets.UTF_8);
            case 1 -> ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8); // deeper than any parser allows
            case 2 -> "\"just a string\"".getBytes(StandardCharsets.UTF_8);
            case 3 -> "12345".getBytes(StandardCharsets.UTF_8);
            case 4 -> new byte[]{(byte) 0xff, (byte) 0xfe, 0, 0, '{'};
            default -> ("{\"owner\":\"" + "\\u0000".repeat(10_000) + "\"").getBytes(StandardCharsets.UTF_8);
        };
    }

    @Test
    void fiveHundredAndMoreHostileMessagesNeitherStallTheLanesNorLoseOrLeakAGoodDatapoint() throws Exception {
        Tenant ta = core.createTenant("hostile_a");
        Tenant tb = core.createTenant("hostile_b");
        try (SinkFixture a = new SinkFixture("hostile_a", core.core().context().tenantDataSource(ta), core.core().context().infrastructure().natsUrl());
             SinkFixture b = new SinkFixture("hostile_b", core.core().context().tenantDataSource(tb), core.core().context().infrastructure().natsUrl())) {
            a.importPlant(SinkFixture.SMALL_PLANT);
            b.importPlant(PLANT_B);
            Random r = new Random(SEED);
            List<Spoil> spoils = spoils(r);
            Instant base = Instant.now().minus(30, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
            String[] owners = {"component:pump-1", "component:pump-2", "component:valve-1", "system:loop", "location:site", "node:edge-1", "global"};

            Map<String, String> expectedDead = new HashMap<>(); // msgId#index -> reason code
            Set<Double> goodValues = new HashSet<>();
            int hostileMessages = 0;
            int datapoints = 0;
            int seq = 0;
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            for (int m = 0; m < MESSAGES; m++) {
                String msgId = "h-" + m;
                Headers h = new Headers();
                h.put("Nats-Msg-Id", msgId);
                byte[] body;
                if (r.nextInt(100) < 8) {
                    body = hostileBody(r);
                    expectedDead.put(msgId + "#-1", "bad_json");
                    hostileMessages++;
                } else {
                    int n = 1 + r.nextInt(4);
                    String headerSpoil = null;
                    int roll = r.nextInt(100);
                    if (roll < 3) {
                        h.put("Og-Caused-By-Event-Id", "drop table event");
                        headerSpoil = "lineage";
                    } else if (roll < 5) {
                        h.put("Og-Correlation-Id", huge(r, 2000));
                        headerSpoil = "lineage";
                    } else if (roll < 7) {
                        h.put("Og-Caused-By-Event-Id", "987654321987"); // names no event
                        headerSpoil = "lineage";
                    }
                    boolean hostile = headerSpoil != null;
                    ArrayNode arr = J.arrayNode();
                    for (int i = 0; i < n; i++) {
                        seq++;
                        datapoints++;
                        ObjectNode dp = J.objectNode();
                        dp.put("owner", owners[r.nextInt(owners.length)]);
                        dp.put("key", "discharge_pressure");
                        dp.put("instance", r.nextBoolean() ? "" : "ch-" + r.nextInt(3));
                        dp.put("ts", base.plusMillis(seq).toString());
                        dp.put("value", (double) seq);
                        dp.put("source", "plc-" + r.nextInt(2));
                        dp.put("source_rule", "modbus-poll");
                        dp.put("source_rule_version", 1 + r.nextInt(2));
                        if (headerSpoil == null && r.nextInt(100) < 55) {
                            Spoil s = spoils.get(r.nextInt(spoils.size()));
                            dp = s.how().apply(dp);
                            expectedDead.put(msgId + "#" + i, s.reason());
                            hostile = true;
                        } else if (headerSpoil != null) {
                            expectedDead.put(msgId + "#" + i, headerSpoil);
                        } else {
                            goodValues.add((double) seq);
                        }
                        arr.add(headerSpoil == null && r.nextInt(20) == 0 ? J.numberNode(i) : dp); // now and then not an object at all
                        if (arr.get(i).isNumber()) {
                            expectedDead.put(msgId + "#" + i, "bad_json");
                            goodValues.remove((double) seq);
                            hostile = true;
                        }
                    }
                    body = SinkFixture.JSON.writeValueAsBytes(n == 1 && arr.get(0).isObject() && r.nextBoolean() ? arr.get(0) : arr);
                    if (hostile) {
                        hostileMessages++;
                    }
                }
                acks.add(a.js.publishAsync(NatsMessage.builder().subject(TenantStreams.dataSubject("hostile_a", "metric"))
                        .headers(h).data(body).build()));
                // and the other tenant's own lane carries a good datapoint now and then
                if (m % 100 == 0) {
                    b.publish("metric", SinkFixture.dp("component:pump-b1", "discharge_pressure", base.plusMillis(m), -1.0), "b-" + m, Map.of());
                }
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long t0 = System.nanoTime();

            await().atMost(Duration.ofSeconds(90)).until(() -> a.count("SELECT count(*) FROM metric_datapoint") >= goodValues.size()
                    && a.deadLetters().size() >= expectedDead.size());
            double seconds = (System.nanoTime() - t0) / 1e9;

            // every good datapoint stored exactly once, nothing else
            List<Double> stored = new ArrayList<>();
            try (var c = a.db.getConnection(); var st = c.createStatement(); var rs = st.executeQuery("SELECT value FROM metric_datapoint")) {
                while (rs.next()) {
                    stored.add(rs.getDouble(1));
                }
            }
            assertThat(stored).hasSize(goodValues.size()).doesNotHaveDuplicates();
            assertThat(new HashSet<>(stored)).isEqualTo(goodValues);
            // nothing of tenant A's lane landed in tenant B; B's own datapoints did
            await().atMost(Duration.ofSeconds(30)).until(() -> b.count("SELECT count(*) FROM metric_datapoint") == MESSAGES / 100);
            assertThat(b.count("SELECT count(*) FROM metric_datapoint WHERE value <> -1")).isZero();
            assertThat(b.deadLetters()).isEmpty();

            // every hostile datapoint dead-lettered once, with the reason it deserves and a readable detail
            List<SinkFixture.DeadLetter> dead = a.deadLetters();
            Map<String, String> actual = new HashMap<>();
            for (SinkFixture.DeadLetter d : dead) {
                String key = d.headers().getFirst("Og-Original-Msg-Id") + "#" + (d.index() == null ? "-1" : d.index());
                assertThat(actual.put(key, d.error())).as("dead-lettered twice: " + key).isNull();
                assertThat(d.error()).matches("[a-z_]+: .{5,}");
            }
            assertThat(actual.keySet()).isEqualTo(expectedDead.keySet());
            Map<String, Integer> byReason = new TreeMap<>();
            actual.forEach((k, error) -> {
                String code = error.substring(0, error.indexOf(':'));
                assertThat(code).as(k + ": " + error).isEqualTo(expectedDead.get(k));
                byReason.merge(code, 1, Integer::sum);
            });

            // neither consumer stalls: the sink's and the rules' are drained and have nothing in flight
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (String durable : List.of(SinkSettings.defaults().durableName(), "og-rules")) {
                    ConsumerInfo ci = core.core().context().nats().jetStreamManagement()
                            .getConsumerInfo(TenantStreams.dataStream("hostile_a"), durable);
                    assertThat(ci.getNumPending()).as(durable + " pending").isZero();
                    assertThat(ci.getNumAckPending()).as(durable + " unacknowledged").isZero();
                }
            });
            assertThat(hostileMessages).isGreaterThanOrEqualTo(500);
            System.out.printf("hostile data lane (seed %d): %d messages, %d hostile; %d datapoints and %d whole messages:"
                            + " %d good stored exactly once, %d dead-lettered %s; tenant B untouched; drained %.1f s after the last publish%n",
                    SEED, MESSAGES, hostileMessages, datapoints, hostileMessagesWhole(expectedDead),
                    goodValues.size(), dead.size(), byReason, seconds);
        }
    }

    private static int hostileMessagesWhole(Map<String, String> expectedDead) {
        return (int) expectedDead.keySet().stream().filter(k -> k.endsWith("#-1")).count();
    }
}
