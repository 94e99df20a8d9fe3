package io.omniglass.api.lane;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decoder reads a message's fields straight off its bytes; what it accepts, what it refuses
 * and with which reason, text and dead-letter body are the contract the tree reader set. These are
 * the edges where a token reader could part from a tree: numbers, strings, nulls, repeated and
 * unknown fields, and bytes that are not JSON.
 */
class LaneCodecEdgesTest {

    private static final String OK = "\"key\":\"flow\",\"ts\":\"2026-11-21T07:00:00Z\",\"source_rule\":\"r\"";

    private final List<LaneCodec.Decoded> ok = new ArrayList<>();
    private final List<LaneCodec.Refused> bad = new ArrayList<>();

    private int decode(String body) {
        return LaneCodec.decode("og.t.dp.metric", null, null, body.getBytes(StandardCharsets.UTF_8), ok::add, bad::add);
    }

    private List<String> values() {
        return ok.stream().map(d -> d.datapoint().value().getNodeType() + " " + d.datapoint().value().getClass().getSimpleName()
                + " " + d.datapoint().value()).toList();
    }

    private List<String> refusals() {
        return bad.stream().map(r -> r.index() + " " + r.reason().code() + " " + r.detail() + " | "
                + new String(r.body(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void numbersAreTheNodesTheTreeReaderMade() {
        assertThat(decode("[" + String.join(",",
                "{\"owner\":\"global\"," + OK + ",\"value\":7}",
                "{\"owner\":\"global\"," + OK + ",\"value\":-12345678901}",
                "{\"owner\":\"global\"," + OK + ",\"value\":123456789012345678901234567890}",
                "{\"owner\":\"global\"," + OK + ",\"value\":4.25}",
                "{\"owner\":\"global\"," + OK + ",\"value\":-0.0}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1E3}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1e400}",
                "{\"owner\":\"global\"," + OK + ",\"value\":\"4.2\"}",
                "{\"owner\":\"global\"," + OK + ",\"value\":true}",
                "{\"owner\":\"global\"," + OK + ",\"value\":{\"severity\":\"info\",\"message\":\"m\",\"x\":[1,null]}}",
                "{\"owner\":\"global\"," + OK + ",\"value\":[]}") + "]")).isEqualTo(11);
        assertThat(bad).isEmpty();
        assertThat(values()).containsExactly(
                "NUMBER IntNode 7",
                "NUMBER LongNode -12345678901",
                "NUMBER BigIntegerNode 123456789012345678901234567890",
                "NUMBER DoubleNode 4.25",
                "NUMBER DoubleNode -0.0",
                "NUMBER DoubleNode 1000.0",
                "NUMBER DoubleNode \"Infinity\"",
                "STRING TextNode \"4.2\"",
                "BOOLEAN BooleanNode true",
                "OBJECT ObjectNode {\"severity\":\"info\",\"message\":\"m\",\"x\":[1,null]}",
                "ARRAY ArrayNode []");
    }

    @Test
    void eventIdsAndRuleVersionsAreCheckedAsNumbersOfTheTree() {
        String intended = "\"key\":\"flow\",\"ts\":\"2026-11-21T07:00:00Z\",\"value\":1,\"provenance\":\"intended\"";
        decode("[" + String.join(",",
                "{\"owner\":\"global\"," + intended + ",\"event_id\":9223372036854775807}",
                "{\"owner\":\"global\"," + intended + ",\"event_id\":9223372036854775808}",
                "{\"owner\":\"global\"," + intended + ",\"event_id\":5.0}",
                "{\"owner\":\"global\"," + intended + ",\"event_id\":\"5\"}",
                "{\"owner\":\"global\"," + intended + ",\"event_id\":null}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source_rule_version\":2147483647}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source_rule_version\":2147483648}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source_rule_version\":0}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source_rule_version\":2.0}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source_rule_version\":null}",
                // a big integer's long value wraps: 2^64 + 3 reads as 3, as the tree's asLong() always did
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source_rule_version\":18446744073709551619}") + "]");
        assertThat(ok).extracting(d -> d.index() + " " + d.datapoint().eventId() + " " + d.datapoint().sourceRuleVersion())
                .containsExactly("0 9223372036854775807 1", "5 null 2147483647", "9 null 1", "10 null 3");
        assertThat(bad).extracting(r -> r.index() + " " + r.reason().code() + " " + r.detail()).containsExactly(
                "1 lineage event_id must be an integer event id",
                "2 lineage event_id must be an integer event id",
                "3 lineage event_id must be an integer event id",
                "4 lineage an intended datapoint needs event_id (the command)",
                "6 lineage source_rule_version must be a positive integer",
                "7 lineage source_rule_version must be a positive integer",
                "8 lineage source_rule_version must be a positive integer");
    }

    @Test
    void stringsNullsAndWhatIsNotAString() {
        decode("[" + String.join(",",
                "{\"owner\":\"compo\\u006eent:pump\\u002d7\"," + OK + ",\"value\":1,\"instance\":null,\"source\":\"pl\\u00fcc \\\"3\\\"\"}",
                "{\"owner\":null," + OK + ",\"value\":1}",
                "{\"owner\":7," + OK + ",\"value\":1}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"instance\":[\"a\"]}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"source\":{\"a\":1}}",
                "{\"owner\":\"global\"," + OK + ",\"value\":null}",
                "{\"owner\":\"global\"," + OK + ",\"value\":1,\"provenance\":false}",
                "{\"owner\":\"global\",\"key\":\"flow\",\"ts\":1,\"source_rule\":\"r\",\"value\":1}") + "]");
        assertThat(ok).extracting(d -> d.datapoint().owner() + "|" + d.datapoint().instance() + "|" + d.datapoint().source())
                .containsExactly("component:pump-7||pl\u00fcc \"3\"");
        assertThat(refusals()).containsExactly(
                "1 unknown_owner owner is missing | {\"owner\":null," + OK + ",\"value\":1}",
                "2 unknown_owner owner must be a string | {\"owner\":7," + OK + ",\"value\":1}",
                "3 bad_json instance must be a string | {\"owner\":\"global\"," + OK + ",\"value\":1,\"instance\":[\"a\"]}",
                "4 bad_json source must be a string | {\"owner\":\"global\"," + OK + ",\"value\":1,\"source\":{\"a\":1}}",
                "5 wrong_value_type value is missing | {\"owner\":\"global\"," + OK + ",\"value\":null}",
                "6 lineage provenance must be a string | {\"owner\":\"global\"," + OK + ",\"value\":1,\"provenance\":false}",
                "7 bad_ts ts must be a string | {\"owner\":\"global\",\"key\":\"flow\",\"ts\":1,\"source_rule\":\"r\",\"value\":1}");
    }

    @Test
    void aRepeatedFieldCountsWithItsLastValueAndItsDeadLetterIsTheTreeWrittenAgain() {
        decode("[ {\"owner\": \"nope\", \"owner\": \"global\", " + OK + ", \"value\": \"x\", \"value\": 2.5},\n"
                + "  {\"owner\": \"global\", " + OK + ", \"value\": 1, \"value\": null, \"extra\": {\"deep\": [1, {\"a\": null}]}},\n"
                + "  {\"key\": \"9bad\", \"owner\": \"global\", \"key\": \"flow\", \"ts\": \"2026-11-21T07:00:00Z\", \"value\": 3,"
                + " \"source_rule\": \"r\", \"provenance\": \"observed\", \"provenance\": \"guessed\"} ]");
        assertThat(values()).containsExactly("NUMBER DoubleNode 2.5");
        // the body is the datapoint as the tree held it: compact, a repeated field at its first place with its last value
        assertThat(refusals()).containsExactly(
                "1 wrong_value_type value is missing | {\"owner\":\"global\"," + OK + ",\"value\":null,\"extra\":{\"deep\":[1,{\"a\":null}]}}",
                "2 lineage provenance 'guessed' is not observed, calculated or intended | {\"key\":\"flow\",\"owner\":\"global\","
                        + "\"ts\":\"2026-11-21T07:00:00Z\",\"value\":3,\"source_rule\":\"r\",\"provenance\":\"guessed\"}");
    }

    @Test
    void unknownFieldsAreReadAndLeftOut() {
        decode("{\"owner\":\"global\",\"unit\":\"bar\",\"n\":1.5e3,\"tags\":[\"a\",{\"b\":[]}],\"nested\":{\"owner\":\"x\",\"value\":null},"
                + OK + ",\"value\":1,\"zz\":null}");
        assertThat(bad).isEmpty();
        assertThat(ok).singleElement().satisfies(d -> {
            assertThat(d.datapoint().owner()).isEqualTo("global");
            assertThat(d.datapoint().value().intValue()).isEqualTo(1);
        });
    }

    @Test
    void whatIsNotJsonIsRefusedWholeAsBefore() {
        assertThat(decode("[{\"owner\":\"global\"," + OK + ",\"value\":1},{\"owner\":\"global\"," + OK + ",\"value\":1")).isZero();
        assertThat(decode("[{\"owner\":\"global\"," + OK + ",\"value\":1}, {\"owner\" \"global\"}]")).isZero();
        assertThat(decode("")).isZero();
        assertThat(decode("42")).isZero();
        assertThat(decode("\"unterminated")).isZero();
        assertThat(ok).isEmpty();
        assertThat(bad).extracting(r -> r.index() + " " + r.reason().code() + " " + r.detail()).containsExactly(
                "-1 bad_json unreadable JSON: Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED "
                        + "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 90])",
                "-1 bad_json unreadable JSON: Unexpected character ('\"' (code 34)): was expecting a colon to separate field name and value",
                "-1 bad_json a message is one datapoint object or an array of them",
                "-1 bad_json a message is one datapoint object or an array of them",
                "-1 bad_json unreadable JSON: Unexpected end-of-input in VALUE_STRING");
        // what follows the message's one value is not read, as before
        bad.clear();
        assertThat(decode("[{\"owner\":\"global\"," + OK + ",\"value\":1}] trailing {")).isEqualTo(1);
        assertThat(ok).hasSize(1);
        assertThat(bad).isEmpty();
    }

    @Test
    void bytesThatAreNotUtf8AnywhereMakeTheMessageUnreadable() {
        byte[] head = ("[{\"owner\":\"global\"," + OK + ",\"value\":1},{\"owner\":\"global\"," + OK + ",\"value\":1,\"note\":\"")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}]".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC3; // a lead byte without its continuation
        body[head.length + 1] = (byte) 0x28;
        System.arraycopy(tail, 0, body, head.length + 2, tail.length);
        assertThat(LaneCodec.decode("og.t.dp.metric", null, null, body, ok::add, bad::add)).isZero();
        assertThat(ok).isEmpty();
        assertThat(bad).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(-1);
            assertThat(r.reason()).isEqualTo(DlqReason.BAD_JSON);
            assertThat(r.detail()).startsWith("unreadable JSON: Invalid UTF-8 middle byte 0x28");
        });
    }

    @Test
    void aBadHeaderDeadLettersEachDatapointAsTheTreeWroteIt() {
        LaneCodec.decode("og.t.dp.metric", null, "x", ("[ {\"owner\" : \"global\", \"owner\": \"node:n1\", " + OK + ", \"value\": 1 },"
                + " 42 ]").getBytes(StandardCharsets.UTF_8), ok::add, bad::add);
        assertThat(ok).isEmpty();
        assertThat(refusals()).containsExactly(
                "0 lineage Og-Caused-By-Event-Id 'x' is not an event id | {\"owner\":\"node:n1\"," + OK + ",\"value\":1}",
                "1 lineage Og-Caused-By-Event-Id 'x' is not an event id | 42");
    }
}
