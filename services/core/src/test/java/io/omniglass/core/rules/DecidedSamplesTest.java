package io.omniglass.core.rules;

import io.omniglass.schema.tenant.enums.Severity;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The scan that lets the rules skip a backlog undecoded: it skips only what the decision would ignore. */
class DecidedSamplesTest {

    static final EventRuleDef PUMPS = new EventRuleDef(7, 2, "pump-temperature-high", Selector.of("component:pump-*"),
            "temperature", null, Severity.error, null);
    static final Instant LIVE = Instant.parse("2026-12-01T10:00:00.000001Z");

    static byte[] body(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String dp(String owner, String key, String ts) {
        return "{\"owner\":\"" + owner + "\",\"key\":\"" + key + "\",\"ts\":\"" + ts
                + "\",\"value\":{\"nested\":[1,2]},\"source\":\"sim\",\"source_rule\":\"r\",\"source_rule_version\":1}";
    }

    @Test
    void aMessageIsSkippedOnlyWhenEveryMatchingDatapointIsNotNewerThanWhatWasDecided() {
        DecidedSamples d = new DecidedSamples();
        String old = dp("component:pump-1", "temperature", "2026-11-01T00:00:00Z");
        assertThat(d.decidedMatches(body("[" + old + "]"), List.of(PUMPS))).as("nothing decided yet").isEqualTo(DecidedSamples.MAY_CHANGE);

        d.decided(PUMPS, "component:pump-1", LIVE.plusNanos(400)); // the database keeps microseconds
        assertThat(d.decidedMatches(body("[" + old + "," + dp("component:pump-1", "temperature", "2026-12-01T10:00:00.000001Z") + "]"),
                List.of(PUMPS))).isEqualTo(2);
        assertThat(d.decidedMatches(body(old), List.of(PUMPS))).as("one object, not an array").isEqualTo(1);
        assertThat(d.decidedMatches(body("[" + old + "," + dp("tank:x", "temperature", "2026-12-01T11:00:00Z") + ","
                + dp("component:pump-1", "level", "2026-12-01T11:00:00Z") + "]"), List.of(PUMPS)))
                .as("datapoints no rule matches").isEqualTo(1);

        // one newer datapoint, another owner not decided yet, another version of the rule: decode it all
        assertThat(d.decidedMatches(body("[" + old + "," + dp("component:pump-1", "temperature", "2026-12-01T10:00:00.000002Z") + "]"),
                List.of(PUMPS))).isEqualTo(DecidedSamples.MAY_CHANGE);
        assertThat(d.decidedMatches(body("[" + old + "," + dp("component:pump-2", "temperature", "2026-11-01T00:00:00Z") + "]"),
                List.of(PUMPS))).isEqualTo(DecidedSamples.MAY_CHANGE);
        EventRuleDef edited = new EventRuleDef(7, 3, PUMPS.name(), PUMPS.selector(), PUMPS.key(), null, Severity.error, null);
        assertThat(d.decidedMatches(body(old), List.of(edited))).isEqualTo(DecidedSamples.MAY_CHANGE);
        // later ts in another offset: 2026-12-01T12:00+01:00 is 11:00Z, newer
        assertThat(d.decidedMatches(body(dp("component:pump-1", "temperature", "2026-12-01T12:00:00+01:00")), List.of(PUMPS)))
                .isEqualTo(DecidedSamples.MAY_CHANGE);
    }

    @Test
    void theScansTimestampReaderAgreesWithTheGeneralParser() {
        for (String ts : new String[]{"2026-11-21T07:00:00Z", "2026-11-21T07:00:00.1Z", "2026-11-21T07:00:00.123456Z",
                "2026-11-21T07:00:00.123456789Z", "2026-11-21T07:00:00+01:00", "2026-11-21T23:59:59.5-09:30",
                "2024-02-29T00:00:00Z", "2026-11-21T07:00Z", "2026-11-21T07:00:00.Z", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999+18:00"}) {
            assertThat(DecidedSamples.instant(ts)).as(ts).isEqualTo(java.time.OffsetDateTime.parse(ts).toInstant());
        }
        for (String bad : new String[]{"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21T24:00:00Z",
                "2026-11-21T07:00:00", "2026-11-21 07:00:00Z"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> DecidedSamples.instant(bad)).as(bad)
                    .isInstanceOf(java.time.DateTimeException.class);
        }
    }

    @Test
    void whatTheScanDoesNotUnderstandGoesToTheFullDecode() {
        DecidedSamples d = new DecidedSamples();
        d.decided(PUMPS, "component:pump-1", LIVE);
        for (String bad : new String[]{"[" + dp("component:pump-1", "temperature", "yesterday") + "]",
                "[{\"owner\":\"component:pump-1\",\"key\":\"temperature\"}]",
                "[{\"owner\":\"component:pump-1\",\"key\":\"temperature\",\"ts\":12}]",
                "[" + dp("component:pump-1", "temperature", "2026-11-01T00:00:00Z") + ",42]",
                "[" + dp("component:pump-1", "temperature", "2026-11-01T00:00:00Z"),
                "[" + dp("component:pump-1", "temperature", "2026-11-01T00:00:00Z") + "] trailing",
                "not json", "17"}) {
            assertThat(d.decidedMatches(body(bad), List.of(PUMPS))).as(bad).isEqualTo(DecidedSamples.MAY_CHANGE);
        }
    }
}
