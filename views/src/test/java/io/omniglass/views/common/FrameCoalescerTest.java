package io.omniglass.views.common;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class FrameCoalescerTest {

    record Update(String key, int value) {
    }

    @Test
    void aBurstBecomesOneFrameWithTheNewestValuePerKey() {
        List<List<Update>> frames = new ArrayList<>();
        List<Runnable> uiCalls = new ArrayList<>();
        FrameCoalescer<String, Update> c = new FrameCoalescer<>(Update::key, frames::add, r -> {
            uiCalls.add(r);
            r.run();
        });
        for (int i = 0; i < 10_000; i++) {
            c.offer(new Update("series-" + (i % 50), i));
        }
        c.flush();

        assertThat(uiCalls).hasSize(1);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).hasSize(50);
        assertThat(frames.get(0)).contains(new Update("series-7", 9957), new Update("series-49", 9999));
        assertThat(c.received()).isEqualTo(10_000);
        assertThat(c.delivered()).isEqualTo(50);
    }

    @Test
    void nothingPendingMeansNoUiWork() {
        List<Runnable> uiCalls = new ArrayList<>();
        FrameCoalescer<String, Update> c = new FrameCoalescer<>(Update::key, f -> { }, uiCalls::add);
        c.flush();
        c.offer(new Update("a", 1));
        c.flush();
        c.flush();
        assertThat(uiCalls).hasSize(1);
        assertThat(c.frames()).isEqualTo(1);
    }

    @Test
    void theFrameClockDeliversUpdatesOfferedFromOtherThreads() throws Exception {
        CountDownLatch got = new CountDownLatch(1);
        List<Update> seen = new ArrayList<>();
        try (FrameCoalescer<String, Update> c = new FrameCoalescer<String, Update>(Update::key, f -> {
            synchronized (seen) {
                seen.addAll(f);
            }
            got.countDown();
        }, Runnable::run).start(20)) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    c.offer(new Update("k", i));
                }
            });
            t.start();
            t.join();
            assertThat(got.await(5, TimeUnit.SECONDS)).isTrue();
        }
        synchronized (seen) {
            assertThat(seen).isNotEmpty().hasSizeLessThan(1000);
        }
    }
}
