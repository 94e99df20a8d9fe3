package io.omniglass.api.lane;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-read ts against java.time's own answer: the same timestamps accepted, the same refused, equal values. */
class LaneTimestampTest {

    @Test
    void theFormsPublishersSendAreReadWithoutJavaTimeAndEqualItsResult() {
        for (String s : List.of("2026-11-21T07:00:00Z", "2026-11-21T07:00:00.123456Z", "2026-11-21T07:00:00.1Z",
                "2026-11-21T07:00:00.123456789Z", "2026-11-21T07:00Z", "2026-11-21T07:00:00+02:00",
                "2026-11-21T07:00:00.5-05:30", "2024-02-29T23:59:59.999999+18:00", "2000-01-01T00:00:00-18:00",
                "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2026-11-21T07:00:00+00:00")) {
            OffsetDateTime fast = LaneTimestamp.fast(s);
            assertThat(fast).as(s).isNotNull().isEqualTo(OffsetDateTime.parse(s));
            assertThat(fast.getOffset()).as(s).isEqualTo(OffsetDateTime.parse(s).getOffset());
        }
    }

    @Test
    void formsOutsideTheFastPathStillParseAsJavaTimeParsesThem() {
        for (String s : List.of("2026-11-21t07:00:00z", "2026-11-21T07:00:00+02:00:30", "+12026-11-21T07:00:00Z",
                "0000-01-01T00:00:00Z", "2026-11-21T07:00:00-00:00",
                "2026-11-21T07:00:00.Z", "2026-11-21T07:00:00+02")) {
            assertThat(LaneTimestamp.fast(s)).as(s).isNull();
            assertThat(LaneTimestamp.parse(s)).as(s).isEqualTo(OffsetDateTime.parse(s));
        }
    }

    @Test
    void whatJavaTimeRefusesIsRefused() {
        for (String s : List.of("", "2026-11-21T07:00:00", "2026-11-21 07:00:00Z", "2026-11-21T07:00:00.1234567890Z",
                "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z",
                "2026-04-31T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T07:60:00Z", "2026-11-21T07:00:60Z",
                "2026-11-21T07:00:00+19:00", "2026-11-21T07:00:00+18:01", "2026-11-21T07:00:00+02:60",
                "2026-11-21T07:00:00+2:00", "2026-11-21T07:00:00+0200", "2026-11-21T07:00:00ZZ", "2026-1-21T07:00:00Z",
                "2026-11-21T07:00:00Z ", " 2026-11-21T07:00:00Z", "2026-11-21T07:0:00Z", "2026-11-21T07:00:0Z",
                "1900-02-29T00:00:00Z", "2026-11-21T07:00:00.12a4Z", "２026-11-21T07:00:00Z", "1776239616000")) {
            assertThat(LaneTimestamp.fast(s)).as(s).isNull();
            assertThatThrownBy(() -> LaneTimestamp.parse(s)).as(s).isInstanceOf(DateTimeParseException.class);
        }
    }

    /** Random near-misses of the common form: each one accepted with java.time's value, or refused as java.time refuses it. */
    @Test
    void agreesWithJavaTimeOnTensOfThousandsOfMutatedTimestamps() {
        Random random = new Random(20261201);
        String alphabet = "0123456789-:T.Z+zt ";
        int fastHits = 0;
        for (int k = 0; k < 50_000; k++) {
            StringBuilder b = new StringBuilder(String.format("%04d-%02d-%02dT%02d:%02d:%02d", random.nextInt(10_000),
                    random.nextInt(14), random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62)));
            if (random.nextBoolean()) {
                b.append('.').append(String.format("%010d", random.nextInt(1_000_000_000)), 0, random.nextInt(11));
            }
            switch (random.nextInt(3)) {
                case 0 -> b.append('Z');
                case 1 -> b.append(random.nextBoolean() ? '+' : '-')
                        .append(String.format("%02d:%02d", random.nextInt(20), random.nextInt(61)));
                default -> { }
            }
            for (int m = random.nextInt(3); m > 0 && b.length() > 0; m--) {
                int at = random.nextInt(b.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> b.setCharAt(at, c);
                    case 1 -> b.insert(at, c);
                    default -> b.deleteCharAt(at);
                }
            }
            String s = b.toString();
            OffsetDateTime expected = javaTime(s);
            OffsetDateTime fast = LaneTimestamp.fast(s);
            if (fast != null) {
                fastHits++;
                assertThat(fast).as(s).isEqualTo(expected);
            }
            if (expected == null) {
                assertThatThrownBy(() -> LaneTimestamp.parse(s)).as(s).isInstanceOf(DateTimeParseException.class);
            } else {
                assertThat(LaneTimestamp.parse(s)).as(s).isEqualTo(expected);
            }
        }
        assertThat(fastHits).as("the fast path took part").isGreaterThan(5_000);
    }

    @Test
    void epochMicrosRoundHalfUpAsPostgresDoes() {
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("1970-01-01T00:00:00.0000005Z"))).isEqualTo(1);
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("1970-01-01T00:00:00.0000004Z"))).isZero();
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("1969-12-31T23:59:59.999999Z"))).isEqualTo(-1);
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("2026-11-21T09:00:00.123456+02:00")))
                .isEqualTo(OffsetDateTime.parse("2026-11-21T07:00:00Z").toEpochSecond() * 1_000_000L + 123_456);
        // java.time reads years to 999999999: far outside every window, never an overflow
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("+999999999-12-31T23:59:59Z"))).isEqualTo(Long.MAX_VALUE);
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("-999999999-01-01T00:00:00Z"))).isEqualTo(Long.MIN_VALUE);
        assertThat(LaneTimestamp.epochMicros(OffsetDateTime.parse("+294247-01-10T04:00:54.775807Z"))).isEqualTo(Long.MAX_VALUE);
    }

    private static OffsetDateTime javaTime(String s) {
        try {
            return OffsetDateTime.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
