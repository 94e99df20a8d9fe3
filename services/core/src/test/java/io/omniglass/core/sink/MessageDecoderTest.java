package io.omniglass.core.sink;

import io.omniglass.api.lane.DlqReason;
import io.nats.client.impl.Headers;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The sink's own logic without a database: decoding, owner syntax, COPY text encoding. */
class MessageDecoderTest {

    private final List<Candidate> ok = new ArrayList<>();
    private final List<Rejection> bad = new ArrayList<>();

    private int decode(String subject, Headers h, String body) {
        return MessageDecoder.decode(0, subject, h, body.getBytes(StandardCharsets.UTF_8), ok::add, bad::add);
    }

    @Test
    void anArrayYieldsOneCandidateOrRejectionPerDatapointInOrder() {
        Headers h = new Headers().put("Og-Correlation-Id", "c-1").put("Og-Caused-By-Event-Id", "17");
        int n = decode("og.t.dp.metric", h, """
                [{"owner": "component:p-1", "key": "flow", "ts": "2026-11-21T07:00:00.123456+02:00", "value": 1.5, "source_rule": "r"},
                 {"owner": "pump-1", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1, "source_rule": "r"},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00", "value": 1, "source_rule": "r"},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1, "provenance": "intended", "event_id": 5},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1, "provenance": "intended", "source_rule": "r", "event_id": 5},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "value": 1},
                 {"owner": "global", "key": "flow", "ts": "2026-11-21T07:00:00Z", "source_rule": "r"},
                 42]""");
        assertThat(n).isEqualTo(8);
        assertThat(ok).hasSize(2);
        Candidate first = ok.get(0);
        assertThat(first.owner()).isEqualTo(new OwnerRef(OwnerKind.component, "p-1"));
        assertThat(first.ts()).isEqualTo(OffsetDateTime.parse("2026-11-21T05:00:00.123456Z").withOffsetSameInstant(first.ts().getOffset()));
        assertThat(first.provenance()).isEqualTo(Provenance.observed);
        assertThat(first.sourceRuleVersion()).isEqualTo(1);
        assertThat(first.correlationId()).isEqualTo("c-1");
        assertThat(first.causedByEventId()).isEqualTo(17L);
        assertThat(ok.get(1).provenance()).isEqualTo(Provenance.intended);
        assertThat(ok.get(1).eventId()).isEqualTo(5L);
        assertThat(bad).extracting(r -> r.index() + " " + r.reason()).containsExactly(
                "1 UNKNOWN_OWNER", "2 BAD_TS", "4 LINEAGE", "5 LINEAGE", "6 WRONG_VALUE_TYPE", "7 BAD_JSON");
    }

    @Test
    void anUnreadableMessageIsOneRejectionWithItsWholeBody() {
        assertThat(decode("og.t.dp.state", null, "[{\"owner\": ")).isZero();
        assertThat(bad).singleElement().satisfies(r -> {
            assertThat(r.reason()).isEqualTo(DlqReason.BAD_JSON);
            assertThat(r.index()).isEqualTo(-1);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("[{\"owner\": ");
        });
    }

    @Test
    void aCausedByHeaderThatIsNoIdRejectsEveryDatapointOfTheMessage() {
        decode("og.t.dp.state", new Headers().put("Og-Caused-By-Event-Id", "abc"),
                "{\"owner\": \"global\", \"key\": \"k\", \"ts\": \"2026-11-21T07:00:00Z\", \"value\": \"x\", \"source_rule\": \"r\"}");
        assertThat(ok).isEmpty();
        assertThat(bad).singleElement().satisfies(r -> assertThat(r.header()).startsWith("lineage: Og-Caused-By-Event-Id 'abc'"));
    }
}
