package io.omniglass.api.lane;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.WireJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The data lane's one codec: what the simulator and the rules write is what the sink and the rules read. */
class LaneCodecTest {

    private final List<LaneCodec.Decoded> ok = new ArrayList<>();
    private final List<LaneCodec.Refused> bad = new ArrayList<>();

    @Test
    void whatIsEncodedDecodesToTheSameDatapointsWithTheContractsFieldNames() throws Exception {
        Instant ts = Instant.parse("2026-11-21T07:00:00.123456Z");
        List<LaneDatapoint> sent = List.of(
                LaneDatapoint.observed("component:pump-7", "discharge_pressure", ts, 4.2, "plc-3", "modbus-poll", 3),
                LaneDatapoint.calculated("system:line-1", "efficiency", ts, 0.5, "og-calc", "eff", 2).withInstance("a"),
                LaneDatapoint.intended("component:valve-1", "position", ts, "open", "og-actions", 42L),
                LaneDatapoint.observed("global", "status_log", Instant.parse("2026-11-21T07:00:00Z"),
                        LaneDatapoint.logValue("warning", "hot"), "sim", "sim", 1));
        byte[] body = LaneCodec.encode(sent);

        JsonNode first = WireJson.mapper().readTree(body).get(0);
        assertThat(first.toString()).isEqualTo("{\"owner\":\"component:pump-7\",\"key\":\"discharge_pressure\","
                + "\"ts\":\"2026-11-21T07:00:00.123456Z\",\"value\":4.2,\"provenance\":\"observed\",\"source\":\"plc-3\","
                + "\"source_rule\":\"modbus-poll\",\"source_rule_version\":3}");
        assertThat(WireJson.mapper().readTree(body).get(2).has("source_rule")).isFalse();

        int n = LaneCodec.decode(LaneSubjects.datapoints("t", "metric"), "c-1", "17", body, ok::add, bad::add);
        assertThat(n).isEqualTo(4);
        assertThat(bad).isEmpty();
        assertThat(ok).extracting(LaneCodec.Decoded::datapoint).containsExactlyElementsOf(sent);
        assertThat(ok).allSatisfy(d -> {
            assertThat(d.kind()).isEqualTo("metric");
            assertThat(d.correlationId()).isEqualTo("c-1");
            assertThat(d.causedByEventId()).isEqualTo(17L);
        });
        assertThat(ok.get(0).owner()).isEqualTo(new LaneOwner("component", "pump-7"));
        assertThat(ok.get(3).owner()).isEqualTo(LaneOwner.GLOBAL);
    }

    @Test
    void eachRefusalNamesItsReasonAndPosition() {
        int n = LaneCodec.decode("og.t.dp.metric", null, null, """
                [{"owner": "pump-1", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1, "source_rule": "r"},
                 {"owner": "global", "key": "9flow", "ts": "2026-11-21T07:00:00Z", "value": 1, "source_rule": "r"},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00", "value": 1, "source_rule": "r"},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "source_rule": "r"},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1, "source_rule": "r", "source": "a\\u0000b"},
                 42]""".getBytes(StandardCharsets.UTF_8), ok::add, bad::add);
        assertThat(n).isEqualTo(7);
        assertThat(ok).isEmpty();
        assertThat(bad).extracting(r -> r.index() + " " + r.reason().code()).containsExactly(
                "0 unknown_owner", "1 unknown_key", "2 bad_ts", "3 lineage", "4 wrong_value_type", "5 bad_field", "6 bad_json");
    }

    @Test
    void aBadHeaderRefusesEveryDatapointOfItsMessage() {
        byte[] body = LaneCodec.encode(List.of(
                LaneDatapoint.observed("global", "flow", Instant.EPOCH, 1, "s", "r", 1),
                LaneDatapoint.observed("global", "flow", Instant.EPOCH.plusSeconds(1), 2, "s", "r", 1)));
        LaneCodec.decode("og.t.dp.metric", null, "abc", body, ok::add, bad::add);
        assertThat(ok).isEmpty();
        assertThat(bad).extracting(LaneCodec.Refused::detail)
                .containsExactly("Og-Caused-By-Event-Id 'abc' is not an event id", "Og-Caused-By-Event-Id 'abc' is not an event id");
    }

    @Test
    void subjectsFollowTheContract() {
        assertThat(LaneSubjects.datapoints("acme", "state")).isEqualTo("og.acme.dp.state");
        assertThat(LaneSubjects.kind("og.acme.dp.state")).isEqualTo("state");
        assertThat(LaneSubjects.deadLetters("acme")).isEqualTo("og.acme.dlq.dp");
        assertThat(LaneSubjects.changes("acme", "alarm")).isEqualTo("og.acme.cdc.alarm");
    }
}
