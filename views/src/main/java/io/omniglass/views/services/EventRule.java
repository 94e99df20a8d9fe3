package io.omniglass.views.services;

/** A stored event rule at its current version. */
public record EventRule(long id, int version, RuleDraft draft) {

    /** "above 85 (deadband 5)", for the list. */
    public String summary() {
        RuleDraft d = draft;
        String band = d.deadband() == null || d.deadband() == 0 ? "" : " (deadband " + number(d.deadband()) + ")";
        return switch (d.condition() == null ? "" : d.condition()) {
            case "high" -> "above " + number(d.limit()) + band;
            case "low" -> "below " + number(d.limit()) + band;
            case "rate" -> "faster than " + number(d.limit()) + "/s" + band;
            case "state" -> "equals '" + d.equals() + "'";
            case "no_data" -> "silent for " + number(d.limit()) + " s";
            default -> String.valueOf(d.condition());
        };
    }

    static String number(Double v) {
        if (v == null) {
            return "?";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf(v.longValue()) : String.valueOf(v);
    }
}
