package io.omniglass.core.rules;

import java.time.Instant;

/**
 * The one decision an event rule makes for one owner, sample by sample: the live engine
 * ({@link io.omniglass.core.alarms.AlarmTransitions}, with its memory in {@code event_rule_state})
 * and the backtest (with its memory in a map) both call it, so a deadband, a rate or a sample
 * that is not newer than the last one decided behave the same in both.
 */
public final class RuleDecision {

    /** What the owner's alarm does on this sample. */
    public enum Change { NONE, RAISE, CLEAR }

    /** The last sample the rule decided on for the owner (all null before the first). */
    public record Memory(Instant lastTs, Double lastValue, String lastText) {
        public static final Memory EMPTY = new Memory(null, null, null);
    }

    /** {@code decided} is false when the sample was skipped (not newer than the memory's). */
    public record Step(boolean decided, Memory memory, Change change) {
    }

    private RuleDecision() {
    }

    public static Step step(Condition condition, Memory before, boolean active, Instant ts, Double number, String text) {
        if (before.lastTs() != null && !ts.isAfter(before.lastTs())) {
            return new Step(false, before, Change.NONE); // redelivered or out of order: already decided on newer data
        }
        Condition.Sample previous = before.lastTs() == null ? null
                : new Condition.Sample(before.lastTs(), before.lastValue(), before.lastText());
        Condition.Verdict verdict = condition.evaluate(previous, new Condition.Sample(ts, number, text));
        Change change = verdict == Condition.Verdict.RAISE && !active ? Change.RAISE
                : verdict == Condition.Verdict.CLEAR && active ? Change.CLEAR
                : Change.NONE;
        return new Step(true, new Memory(ts, number, text), change);
    }
}
