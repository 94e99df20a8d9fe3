package io.omniglass.views.common;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** Runs everything inline on the caller's thread: for view-model tests and for tools without a UI. */
public final class ImmediateExecutor implements BackgroundExecutor {

    @Override
    public <T> void submit(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        T result;
        try {
            result = work.call();
        } catch (Exception e) {
            onFailure.accept(e);
            return;
        }
        onSuccess.accept(result);
    }

    @Override
    public void onUiThread(Runnable action) {
        action.run();
    }
}
