package io.omniglass.core.similar;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Recipe 1 on hand-made lead-ups: layout, gaps, flat signals and scale. */
class FingerprintRecipeTest {

    static final Instant RAISED = Instant.parse("2026-11-21T07:30:00Z");

    @Test
    void bucketsCoverTheWindowEvenlyAndClampItsEdges() {
        assertThat(FingerprintRecipe.bucket(RAISED.minus(FingerprintRecipe.WINDOW), RAISED)).isZero();
        assertThat(FingerprintRecipe.bucket(RAISED.minus(Duration.ofSeconds(1)), RAISED)).isEqualTo(FingerprintRecipe.BUCKETS - 1);
        assertThat(FingerprintRecipe.bucket(RAISED, RAISED)).isEqualTo(FingerprintRecipe.BUCKETS - 1);
        assertThat(FingerprintRecipe.bucket(RAISED.minus(Duration.ofMinutes(15)), RAISED)).isEqualTo(FingerprintRecipe.BUCKETS / 2);
    }

    @Test
    void theRuleKeyComesFirstThenTheOthersByNameAtMostEightBlocks() {
        assertThat(FingerprintRecipe.blockOrder("temperature", List.of("pressure", "temperature", "flow")))
                .containsExactly("temperature", "flow", "pressure");
        assertThat(FingerprintRecipe.blockOrder("absent", List.of("b", "a"))).containsExactly("a", "b");
        assertThat(FingerprintRecipe.blockOrder("k0", List.of("k9", "k8", "k7", "k6", "k5", "k4", "k3", "k2", "k1", "k0")))
                .hasSize(FingerprintRecipe.BLOCKS).startsWith("k0", "k1");
    }

    @Test
    void aMovingBlockHasUnitNormWhateverItsUnitAndAFlatOneIsNearZero() {
        double[] ramp = new double[FingerprintRecipe.BUCKETS];
        double[] rampInPascal = new double[FingerprintRecipe.BUCKETS];
        double[] flat = new double[FingerprintRecipe.BUCKETS];
        for (int b = 0; b < ramp.length; b++) {
            ramp[b] = 4 + 0.1 * b;
            rampInPascal[b] = ramp[b] * 100_000;
            flat[b] = 100 + (b % 2 == 0 ? 0.05 : -0.05);
        }
        FingerprintRecipe.Fingerprint fp = FingerprintRecipe.compute(List.of("a", "b", "c"),
                Map.of("a", ramp, "b", rampInPascal, "c", flat), 36);
        assertThat(fp.vector()).hasSize(FingerprintRecipe.DIMENSIONS);
        assertThat(norm(fp.vector(), 0)).isCloseTo(1.0, within(1e-5));
        assertThat(norm(fp.vector(), 1)).isCloseTo(1.0, within(1e-5));
        for (int b = 0; b < FingerprintRecipe.BUCKETS; b++) {
            assertThat(fp.vector()[b]).isCloseTo(fp.vector()[FingerprintRecipe.BUCKETS + b], within(1e-5f));
        }
        assertThat(norm(fp.vector(), 2)).as("noise of 0.05 on a level of 100 is no excursion").isZero();
        assertThat(norm(fp.vector(), 3)).isZero();
        assertThat(fp.keys()).containsExactly("a", "b", "c", "", "", "", "", "");
    }

    @Test
    void gapsCarryTheLastValueForwardAndLeadingGapsTakeTheFirst() {
        double[] m = new double[FingerprintRecipe.BUCKETS];
        Arrays.fill(m, Double.NaN);
        m[3] = 5;
        m[7] = 9;
        double[] filled = FingerprintRecipe.carryForward(m);
        assertThat(filled).startsWith(5, 5, 5, 5, 5, 5, 5, 9).endsWith(9, 9, 9, 9);
        Arrays.fill(m, Double.NaN);
        assertThat(FingerprintRecipe.carryForward(m)).isNull();
    }

    @Test
    void aLeadUpWithoutDatapointsOrWhereNothingMovedHasNoVector() {
        FingerprintRecipe.Fingerprint none = FingerprintRecipe.compute(List.of("a"), Map.of(), 0);
        assertThat(none.vector()).isNull();
        assertThat(none.samples()).isZero();
        double[] level = new double[FingerprintRecipe.BUCKETS];
        Arrays.fill(level, 4.2);
        FingerprintRecipe.Fingerprint quiet = FingerprintRecipe.compute(List.of("a"), Map.of("a", level), 120);
        assertThat(quiet.vector()).as("a sudden fault: nothing to tie every other quiet lead-up with").isNull();
        assertThat(quiet.samples()).isEqualTo(120);
    }

    private static double norm(float[] v, int block) {
        double s = 0;
        for (int b = 0; b < FingerprintRecipe.BUCKETS; b++) {
            s += v[block * FingerprintRecipe.BUCKETS + b] * v[block * FingerprintRecipe.BUCKETS + b];
        }
        return Math.sqrt(s);
    }
}
