package io.omniglass.core.rules;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Issue 16, finding 13: owner globs match in time bounded by glob x owner length, never by backtracking. */
class SelectorTest {

    @Test
    void matchesLikeAGlob() {
        assertThat(Selector.of("component:pump-*").matches("component:pump-7")).isTrue();
        assertThat(Selector.of("component:pump-*").matches("component:valve-7")).isFalse();
        assertThat(Selector.of("*").matches("")).isTrue();
        assertThat(Selector.of("*").matches("global")).isTrue();
        assertThat(Selector.of("component:p?mp-1").matches("component:pump-1")).isTrue();
        assertThat(Selector.of("component:p?mp-1").matches("component:pmp-1")).isFalse();
        assertThat(Selector.of("*pump*1").matches("component:pump-11")).isTrue();
        assertThat(Selector.of("*pump*2").matches("component:pump-11")).isFalse();
        assertThat(Selector.of("a*b*c").matches("aXbYc")).isTrue();
        assertThat(Selector.of("a*b*c").matches("aXbYcZ")).isFalse();
        assertThat(Selector.of("component:pump-1").matches("component:pump-1")).isTrue();
        assertThat(Selector.of("component:pump-1").matches("component:pump-10")).isFalse();
        // regex metacharacters are literal
        assertThat(Selector.of("system:a.b").matches("system:aXb")).isFalse();
        assertThat(Selector.of("system:(x)+").matches("system:(x)+")).isTrue();
    }

    @Test
    void manyStarsOverALongOwnerTakeMilliseconds() {
        // ".*a.*a.*a.*a.*a.*a.*a.*b" against 50,000 'a's: a backtracking regex tries ~n^7 splits
        String owner = "component:" + "a".repeat(50_000);
        Selector s = Selector.of("*a*a*a*a*a*a*a*b");
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertThat(s.matches(owner)).isFalse());
        assertThat(Selector.of("*a*a*a*a*a*a*a*a").matches(owner)).isTrue();
    }

    @Test
    void unboundedGlobsAreRefused() {
        assertThatThrownBy(() -> Selector.parse("*a".repeat(9))).hasMessageContaining("'*'");
        assertThatThrownBy(() -> Selector.parse("x".repeat(257))).hasMessageContaining("longer");
        assertThatThrownBy(() -> Selector.parse("a\u0000")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> Selector.parse(" ")).hasMessageContaining("required");
        // a rule stored before the bounds still loads, and still matches in linear time
        assertThat(Selector.of("*a".repeat(9)).matches("component:" + "a".repeat(10_000))).isTrue();
    }
}
