package io.omniglass.views.common;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class FxBackgroundExecutorTest {

    @Test
    void workSubmittedAfterCloseIsDroppedWithoutAnError() {
        FxBackgroundExecutor executor = new FxBackgroundExecutor(1);
        executor.close();
        AtomicBoolean ran = new AtomicBoolean();
        // a screen's refresh timer that fires while the console closes must not throw on the FX thread
        assertThatCode(() -> executor.submit(() -> {
            ran.set(true);
            return 1;
        }, r -> ran.set(true), e -> ran.set(true))).doesNotThrowAnyException();
        assertThat(ran).isFalse();
    }
}
