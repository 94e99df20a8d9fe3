package io.omniglass.api.lane;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-checked owner names and keys accept exactly what the patterns they replace accept. */
class LaneNameTest {

    private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,127}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    @Test
    void keysAndOwnerNamesAgreeWithTheirPatterns() {
        Random random = new Random(1201);
        String alphabet = "aZ09_.-:/ é\0\u00ff\u0130K";
        int accepted = 0;
        for (int k = 0; k < 50_000; k++) {
            int length = random.nextInt(8) == 0 ? 120 + random.nextInt(16) : random.nextInt(6);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < length; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = b.toString();
            assertThat(LaneText.isName(s, false)).as(s).isEqualTo(KEY.matcher(s).matches());
            assertThat(LaneText.isName(s, true)).as(s).isEqualTo(NAME.matcher(s).matches());
            assertThat(LaneText.keyProblem(s) == null).as(s).isEqualTo(KEY.matcher(s).matches());
            assertThat(LaneOwner.parse("component:" + s) != null).as(s).isEqualTo(NAME.matcher(s).matches());
            accepted += NAME.matcher(s).matches() ? 1 : 0;
        }
        assertThat(accepted).as("both answers occur").isBetween(1_000, 49_000);
        assertThat(LaneOwner.parse("pump-1")).isNull();
        assertThat(LaneOwner.parse("pipe:p-1")).isNull();
        assertThat(LaneOwner.parse("node:9n")).isEqualTo(new LaneOwner("node", "9n"));
        assertThat(LaneText.keyProblem("9flow")).contains("is not a datapoint type name");
    }
}
