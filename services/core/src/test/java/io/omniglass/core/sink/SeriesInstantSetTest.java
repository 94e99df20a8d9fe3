package io.omniglass.core.sink;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesInstantSetTest {

    private record Pair(long series, long micros) {
    }

    @Test
    void findsExactlyTheRepeatsAHashSetFinds() {
        Random random = new Random(42);
        for (int size : new int[]{0, 1, 15, 16, 17, 1_000, 20_000}) {
            SeriesInstantSet set = new SeriesInstantSet(size);
            Set<Pair> expected = new HashSet<>();
            int repeats = 0;
            for (int i = 0; i < size; i++) {
                // few series and close timestamps, negative ones too, so collisions and repeats are common
                long series = random.nextInt(50);
                long micros = random.nextInt(size + 1) - size / 2L;
                boolean added = expected.add(new Pair(series, micros));
                repeats += added ? 0 : 1;
                assertThat(set.add(series, micros)).as("size %d, pair %d/%d", size, series, micros).isEqualTo(added);
            }
            if (size >= 1_000) {
                assertThat(repeats).as("the case was exercised").isPositive();
            }
        }
    }
}
