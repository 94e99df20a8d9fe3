package io.omniglass.core.telemetry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The windows behind "ingest over the last minute" and "dead letters in the last 24 hours", on a hand-moved clock. */
class RecentCountTest {

    @Test
    void whatHappenedLeavesTheWindowOneBucketAtATime() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        RecentCount lastDay = new RecentCount(Duration.ofDays(1), 96, now::get);
        lastDay.add(3);
        now.addAndGet(Duration.ofHours(12).toMillis());
        lastDay.add(2);
        assertThat(lastDay.sum()).isEqualTo(5);
        now.addAndGet(Duration.ofHours(12).minusMinutes(15).toMillis());
        assertThat(lastDay.sum()).isEqualTo(5);
        now.addAndGet(Duration.ofMinutes(30).toMillis()); // the first three are now more than a day old
        assertThat(lastDay.sum()).isEqualTo(2);
        now.addAndGet(Duration.ofDays(3).toMillis()); // a bucket reused much later starts from zero
        lastDay.add(1);
        assertThat(lastDay.sum()).isEqualTo(1);
    }

    @Test
    void theRateIsOverTheWindowOrOverTheTimeSinceStartWhenShorter() {
        AtomicLong now = new AtomicLong(5_000_000L);
        RecentCount lastMinute = new RecentCount(Duration.ofMinutes(1), 60, now::get);
        now.addAndGet(10_000);
        lastMinute.add(100);
        assertThat(lastMinute.perSecond()).isEqualTo(10.0); // 100 in the 10 s it has existed
        now.addAndGet(50_000);
        lastMinute.add(200);
        assertThat(lastMinute.perSecond()).isEqualTo(5.0); // 300 in the last 60 s
        now.addAndGet(61_000);
        assertThat(lastMinute.perSecond()).isZero();
    }

    @Test
    void aWindowTooShortForItsBucketsIsRefused() {
        assertThatThrownBy(() -> new RecentCount(Duration.ofMillis(10), 60)).isInstanceOf(IllegalArgumentException.class);
    }
}
