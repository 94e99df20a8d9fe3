package io.omniglass.views.services;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What a draft rule would have done over a span: per owner, the intervals it would have been active. */
public record Backtest(Instant from, Instant to, long evaluatedPoints, long coldPoints, int raises, List<Owner> owners) {

    public Backtest {
        owners = List.copyOf(owners);
    }

    public record Owner(String owner, List<Long> series, long evaluatedPoints, List<Interval> intervals) {

        public Owner {
            series = List.copyOf(series);
            intervals = List.copyOf(intervals);
        }

        public int raises() {
            return intervals.size();
        }

        /** How long the alarm would have been active within the span (an open interval counts to {@code to}). */
        public Duration active(Instant to) {
            Duration d = Duration.ZERO;
            for (Interval i : intervals) {
                d = d.plus(Duration.between(i.raisedAt(), i.clearedAt() == null ? to : i.clearedAt()));
            }
            return d;
        }
    }

    /** {@code clearedAt} null: still active at the span's end. */
    public record Interval(Instant raisedAt, Instant clearedAt) {
    }
}
