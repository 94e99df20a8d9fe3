package io.omniglass.core.testing;

import io.omniglass.core.runtime.FileTrees;

import java.nio.file.Path;

public final class TestFiles {
    private TestFiles() {
    }

    public static void deleteQuietly(Path dir) {
        FileTrees.deleteQuietly(dir);
    }
}
