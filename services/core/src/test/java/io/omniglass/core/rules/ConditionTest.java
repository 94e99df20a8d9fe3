package io.omniglass.core.rules;

import io.omniglass.api.OmniglassClient;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static io.omniglass.core.rules.Condition.Verdict.CLEAR;
import static io.omniglass.core.rules.Condition.Verdict.HOLD;
import static io.omniglass.core.rules.Condition.Verdict.RAISE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The conditions' own arithmetic (the database and lane parts are in RuleEngineTest). */
class ConditionTest {

    static final Instant T = Instant.parse("2026-11-21T07:00:00Z");

    static Condition.Sample n(double v, int second) {
        return new Condition.Sample(T.plusSeconds(second), v, null);
    }

    static Condition parse(String json) throws Exception {
        return Condition.parse(OmniglassClient.JSON.readTree(json));
    }

    @Test
    void highRaisesAboveTheThresholdAndClearsOnlyBelowTheDeadband() throws Exception {
        Condition c = parse("{\"type\":\"high\",\"threshold\":85,\"deadband\":5}");
        assertThat(c.evaluate(null, n(85.0, 0))).isEqualTo(HOLD);
        assertThat(c.evaluate(null, n(85.1, 0))).isEqualTo(RAISE);
        assertThat(c.evaluate(null, n(82, 0))).isEqualTo(HOLD);
        assertThat(c.evaluate(null, n(79.9, 0))).isEqualTo(CLEAR);
    }

    @Test
    void lowIsTheMirrorImage() throws Exception {
        Condition c = parse("{\"type\":\"low\",\"threshold\":10,\"deadband\":2}");
        assertThat(c.evaluate(null, n(9, 0))).isEqualTo(RAISE);
        assertThat(c.evaluate(null, n(11, 0))).isEqualTo(HOLD);
        assertThat(c.evaluate(null, n(12.5, 0))).isEqualTo(CLEAR);
    }

    @Test
    void rateUsesTheLastTwoSamplesPerSecond() throws Exception {
        Condition c = parse("{\"type\":\"rate\",\"max_per_second\":2,\"deadband\":1}");
        assertThat(c.evaluate(null, n(4, 0))).isEqualTo(HOLD);
        assertThat(c.evaluate(n(4, 0), n(9, 2))).isEqualTo(RAISE);   // 2.5/s
        assertThat(c.evaluate(n(9, 2), n(5, 4))).isEqualTo(HOLD);    // -2/s: not above, not below 1
        assertThat(c.evaluate(n(5, 4), n(5.5, 5))).isEqualTo(CLEAR); // 0.5/s
        assertThat(c.evaluate(n(5, 4), n(50, 4))).isEqualTo(HOLD);   // same instant: no rate
    }

    @Test
    void stateEqualsRaisesOnTheValueAndClearsOnAnyOther() throws Exception {
        Condition c = parse("{\"type\":\"state\",\"equals\":\"fault\"}");
        assertThat(c.evaluate(null, new Condition.Sample(T, null, "fault"))).isEqualTo(RAISE);
        assertThat(c.evaluate(null, new Condition.Sample(T, null, "running"))).isEqualTo(CLEAR);
        assertThat(c.evaluate(null, n(1, 0))).isEqualTo(HOLD);
    }

    @Test
    void badConditionsAreRefusedWithAReason() {
        assertThatThrownBy(() -> parse("{\"type\":\"high\"}")).hasMessageContaining("threshold");
        assertThatThrownBy(() -> parse("{\"type\":\"high\",\"threshold\":1,\"deadband\":-1}")).hasMessageContaining("deadband");
        assertThatThrownBy(() -> parse("{\"type\":\"no_data\",\"seconds\":0}")).hasMessageContaining("seconds");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("type");
    }

    @Test
    void aConditionRoundTripsThroughItsStoredForm() throws Exception {
        Condition c = parse("{\"type\":\"rate\",\"max_per_second\":2,\"deadband\":1}");
        assertThat(Condition.parse(c.toJson())).isEqualTo(c);
    }

    @Test
    void selectorsAreGlobsAndTheirLikeFormEscapesSqlWildcards() {
        Selector s = Selector.of("component:pump_*");
        assertThat(s.matches("component:pump_7")).isTrue();
        assertThat(s.matches("component:pumpX7")).isFalse();
        assertThat(s.likePattern()).isEqualTo("component:pump\\_%");
    }

    @Test
    void calcExpressionsComputeAndRefuseUnknownNames() {
        CalcExpression e = CalcExpression.parse("(a + b) * 2 - max(a, 1) / 4 + abs(-1)", Set.of("a", "b"));
        assertThat(e.eval(Map.of("a", 4.0, "b", 2.0))).isEqualTo(12.0);
        assertThat(e.eval(Map.of("a", 4.0))).isNaN();
        assertThat(CalcExpression.parse("a / b", Set.of("a", "b")).eval(Map.of("a", 1.0, "b", 0.0))).isNaN();
        assertThatThrownBy(() -> CalcExpression.parse("a + c", Set.of("a"))).hasMessageContaining("unknown input 'c'");
        assertThatThrownBy(() -> CalcExpression.parse("a +", Set.of("a"))).hasMessageContaining("position");
    }
}
