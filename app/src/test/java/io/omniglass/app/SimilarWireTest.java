package io.omniglass.app;

import io.omniglass.api.SimilarAlarm;
import io.omniglass.api.SimilarAlarms;
import io.omniglass.api.WireJson;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The core's similar-alarms answer, serialised as the core writes it, read back as the console shows it. */
class SimilarWireTest {

    @Test
    void theConsoleReadsTheCoresSimilarAnswer() throws Exception {
        SimilarAlarm past = new SimilarAlarm(3, 30, "pump-temperature-high", "component:pump-1",
                OffsetDateTime.parse("2026-11-20T07:00:00Z"), 0.42, "cleared", OffsetDateTime.parse("2026-11-20T07:40:00Z"),
                "bearing wear: greased", "olga", OffsetDateTime.parse("2026-11-20T07:04:00Z"), null, null, null,
                List.of(new SimilarAlarm.Action(9, "component:valve-1", "position", "confirmed",
                        Map.of("owner", "component:valve-1", "key", "position", "value", "closed"),
                        OffsetDateTime.parse("2026-11-20T07:05:00Z"))),
                List.of("temperature", "flow", "", "", "", "", "", ""), List.of(0.5f, -0.5f));
        SimilarAlarms answer = new SimilarAlarms(7, 70, OffsetDateTime.parse("2026-11-21T07:00:00Z"), 1,
                List.of("temperature", "flow", "", "", "", "", "", ""), List.of(0.25f, 0.75f), List.of(past), null);
        var read = HttpConsoleServices.similarAlarms(
                WireJson.mapper().readValue(WireJson.mapper().writeValueAsString(answer), SimilarAlarms.class));

        assertThat(read.alarmId()).isEqualTo(7);
        assertThat(read.leadUp()).containsExactly(0.25f, 0.75f);
        assertThat(read.note()).isNull();
        assertThat(read.similar()).singleElement().satisfies(o -> {
            assertThat(o.alarmId()).isEqualTo(3);
            assertThat(o.raiseEventId()).isEqualTo(30);
            assertThat(o.distance()).isEqualTo(0.42);
            assertThat(o.ended()).isEqualTo("cleared");
            assertThat(o.ackReason()).isEqualTo("bearing wear: greased");
            assertThat(o.ackedBy()).isEqualTo("olga");
            assertThat(o.actions()).containsExactly("position = closed on component:valve-1 (confirmed)");
            assertThat(o.keys()).startsWith("temperature", "flow");
            assertThat(o.raisedAt()).isEqualTo(java.time.Instant.parse("2026-11-20T07:00:00Z"));
        });
    }
}
