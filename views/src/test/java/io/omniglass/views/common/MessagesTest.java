package io.omniglass.views.common;

import io.omniglass.views.services.ServiceException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

class MessagesTest {

    @Test
    void apiErrorsReadAsSentences() {
        assertThat(Messages.readable(new ServiceException(401, "unauthorized", "bad token")))
                .contains("token was refused");
        assertThat(Messages.readable(new ServiceException(0, "unreachable", "cannot reach x")))
                .startsWith("The core cannot be reached");
        assertThat(Messages.readable(new ServiceException(400, "bad filter", "unknown field 'colour' at 1")))
                .isEqualTo("Bad filter: unknown field 'colour' at 1");
        assertThat(Messages.status(new CompletionException(new ServiceException(403, "forbidden", null))))
                .isEqualTo(403);
    }

    @Test
    void otherFailuresNeverShowAStackTrace() {
        assertThat(Messages.readable(new ConnectException())).contains("connection refused");
        assertThat(Messages.readable(new NullPointerException())).isEqualTo("Unexpected error (NullPointerException)");
        assertThat(Messages.readable(new RuntimeException("x".repeat(1000)))).hasSizeLessThanOrEqualTo(300);
    }
}
