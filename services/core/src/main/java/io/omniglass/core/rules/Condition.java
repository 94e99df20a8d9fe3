package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.api.OmniglassClient;

import java.time.Duration;
import java.time.Instant;

/**
 * What makes an alarm active for one owner, evaluated one sample at a time. Raising and clearing
 * are separate thresholds (the deadband) so a value hovering at the limit does not chatter.
 */
public sealed interface Condition {

    enum Verdict { RAISE, CLEAR, HOLD }

    /** A sample of the signal: a number (metric) or a text (state, log message). */
    record Sample(Instant ts, Double number, String text) {
    }

    /**
     * The verdict for {@code current}, given the previous sample the rule saw for this owner
     * (null when none).
     */
    Verdict evaluate(Sample previous, Sample current);

    /** The condition as stored in event_rule_version.condition. */
    JsonNode toJson();

    /** Value above {@code threshold} raises; below {@code threshold - deadband} clears. */
    record High(double threshold, double deadband) implements Condition {
        public Verdict evaluate(Sample previous, Sample current) {
            if (current.number() == null) {
                return Verdict.HOLD;
            }
            double v = current.number();
            return v > threshold ? Verdict.RAISE : v < threshold - deadband ? Verdict.CLEAR : Verdict.HOLD;
        }

        public JsonNode toJson() {
            return json("high").put("threshold", threshold).put("deadband", deadband);
        }
    }

    /** Value below {@code threshold} raises; above {@code threshold + deadband} clears. */
    record Low(double threshold, double deadband) implements Condition {
        public Verdict evaluate(Sample previous, Sample current) {
            if (current.number() == null) {
                return Verdict.HOLD;
            }
            double v = current.number();
            return v < threshold ? Verdict.RAISE : v > threshold + deadband ? Verdict.CLEAR : Verdict.HOLD;
        }

        public JsonNode toJson() {
            return json("low").put("threshold", threshold).put("deadband", deadband);
        }
    }

    /**
     * Rate of change per second between the last two samples: a magnitude above
     * {@code maxPerSecond} raises, below {@code maxPerSecond - deadband} clears.
     */
    record Rate(double maxPerSecond, double deadband) implements Condition {
        public Verdict evaluate(Sample previous, Sample current) {
            if (previous == null || previous.number() == null || current.number() == null
                    || !current.ts().isAfter(previous.ts())) {
                return Verdict.HOLD;
            }
            double seconds = Duration.between(previous.ts(), current.ts()).toNanos() / 1e9;
            double rate = Math.abs(current.number() - previous.number()) / seconds;
            return rate > maxPerSecond ? Verdict.RAISE : rate < maxPerSecond - deadband ? Verdict.CLEAR : Verdict.HOLD;
        }

        public JsonNode toJson() {
            return json("rate").put("max_per_second", maxPerSecond).put("deadband", deadband);
        }
    }

    /** The state (or log message) equal to {@code value} raises; anything else clears. */
    record StateEquals(String value) implements Condition {
        public Verdict evaluate(Sample previous, Sample current) {
            if (current.text() == null) {
                return Verdict.HOLD;
            }
            return current.text().equals(value) ? Verdict.RAISE : Verdict.CLEAR;
        }

        public JsonNode toJson() {
            return json("state").put("equals", value);
        }
    }

    /**
     * No datapoint for {@code seconds}: raised by the scheduled check, cleared by the next
     * datapoint off the lane.
     */
    record NoData(long seconds) implements Condition {
        public Verdict evaluate(Sample previous, Sample current) {
            return Verdict.CLEAR;
        }

        public JsonNode toJson() {
            return json("no_data").put("seconds", seconds);
        }
    }

    private static ObjectNode json(String type) {
        return OmniglassClient.JSON.createObjectNode().put("type", type);
    }

    /** Reads a stored or submitted condition; the message of the exception says what is wrong. */
    static Condition parse(JsonNode n) {
        if (n == null || !n.isObject() || !n.path("type").isTextual()) {
            throw new IllegalArgumentException("condition must be an object with a \"type\": high, low, rate, state or no_data");
        }
        String type = n.get("type").asText();
        return switch (type) {
            case "high" -> new High(number(n, "threshold"), deadband(n));
            case "low" -> new Low(number(n, "threshold"), deadband(n));
            case "rate" -> {
                double max = number(n, "max_per_second");
                if (max <= 0) {
                    throw new IllegalArgumentException("condition.max_per_second must be positive");
                }
                yield new Rate(max, deadband(n));
            }
            case "state" -> {
                if (!n.path("equals").isTextual()) {
                    throw new IllegalArgumentException("condition of type state needs \"equals\": \"<state>\"");
                }
                yield new StateEquals(n.get("equals").asText());
            }
            case "no_data" -> {
                if (!n.path("seconds").canConvertToLong() || n.get("seconds").asLong() < 1) {
                    throw new IllegalArgumentException("condition of type no_data needs \"seconds\": a positive integer");
                }
                yield new NoData(n.get("seconds").asLong());
            }
            default -> throw new IllegalArgumentException("unknown condition type '" + type
                    + "': use high, low, rate, state or no_data");
        };
    }

    private static double number(JsonNode n, String field) {
        if (!n.path(field).isNumber()) {
            throw new IllegalArgumentException("condition of type " + n.get("type").asText() + " needs a number \"" + field + "\"");
        }
        return n.get(field).asDouble();
    }

    private static double deadband(JsonNode n) {
        if (n.has("deadband") && !n.get("deadband").isNumber()) {
            throw new IllegalArgumentException("condition.deadband must be a number");
        }
        double d = n.path("deadband").asDouble(0);
        if (d < 0) {
            throw new IllegalArgumentException("condition.deadband must not be negative");
        }
        return d;
    }
}
