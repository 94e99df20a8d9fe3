package io.omniglass.core.runtime;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** ./omniglass answers a wrong command with a readable usage message, not a stack trace. */
class LauncherTest {

    static Path launcher() {
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("omniglass"))) {
            p = p.getParent();
        }
        assertThat(p).as("repository root with ./omniglass").isNotNull();
        return p.resolve("omniglass");
    }

    record Result(int exit, String out) {
    }

    static Result run(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = launcher().toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void unknownCommandPrintsUsage() throws Exception {
        Result r = run("frobnicate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("unknown command 'frobnicate'").contains("usage: ./omniglass").contains("demo");
        assertThat(r.out()).doesNotContain("Exception");
    }

    @Test
    void noCommandPrintsUsage() throws Exception {
        Result r = run();
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("usage: ./omniglass").contains("core tenant create SLUG");
    }
}
