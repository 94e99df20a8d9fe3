package io.omniglass.views.common;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * The one seam through which view-models do slow work: {@code work} runs off the FX thread, the
 * callbacks run on it. View-model tests use {@link ImmediateExecutor} so the logic runs inline.
 */
public interface BackgroundExecutor {

    <T> void submit(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure);

    /** Runs {@code action} on the UI thread (now when already there, or in tests). */
    void onUiThread(Runnable action);
}
