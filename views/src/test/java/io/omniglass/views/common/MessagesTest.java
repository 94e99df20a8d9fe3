package io.omniglass.views.common;

import io.omniglass.api.ApiError;
import io.omniglass.api.OmniglassClient;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

class MessagesTest {

    @Test
    void apiErrorsReadAsSentences() {
        assertThat(Messages.readable(new OmniglassClient.ApiException(401, new ApiError("unauthorized", "bad token"))))
                .contains("token was refused");
        assertThat(Messages.readable(new OmniglassClient.ApiException(0, new ApiError("unreachable", "cannot reach x"))))
                .startsWith("The core cannot be reached");
        assertThat(Messages.readable(new OmniglassClient.ApiException(400, new ApiError("bad filter", "unknown field 'colour' at 1"))))
                .isEqualTo("Bad filter: unknown field 'colour' at 1");
        assertThat(Messages.status(new CompletionException(new OmniglassClient.ApiException(403, new ApiError("forbidden", null)))))
                .isEqualTo(403);
    }

    @Test
    void otherFailuresNeverShowAStackTrace() {
        assertThat(Messages.readable(new ConnectException())).contains("connection refused");
        assertThat(Messages.readable(new NullPointerException())).isEqualTo("Unexpected error (NullPointerException)");
        assertThat(Messages.readable(new RuntimeException("x".repeat(1000)))).hasSizeLessThanOrEqualTo(300);
    }
}
