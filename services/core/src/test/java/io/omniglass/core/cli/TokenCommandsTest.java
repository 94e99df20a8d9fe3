package io.omniglass.core.cli;

import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code core token create --expires}, {@code token list}, {@code token revoke ID} through the running core. */
class TokenCommandsTest {

    static TestCore core;
    static Path config;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of());
        core.createTenant("cli");
        config = core.dataDir().resolve("cli.yaml");
        Files.writeString(config, "data_dir: " + core.dataDir() + "\n");
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    record Run(int exit, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = OmniglassCli.execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void createListAndRevokeATokenFromTheCommandLine() {
        Run created = run("core", "token", "create", "--config", config.toString(), "--role", "viewer", "--tenant", "cli",
                "--principal", "cli-viewer", "--expires", "12h");
        assertThat(created.exit()).as(created.err()).isZero();
        // the secret is printed alone on its line (the core's log may share stdout)
        String secret = created.out().lines().filter(l -> l.startsWith("og_")).reduce((x, y) -> y).orElseThrow();
        assertThat(secret).startsWith("og_");
        assertThat(created.err()).contains("principal cli-viewer").contains("expires");
        assertThat(core.client(secret).tenants()).hasSize(1);

        Run listed = run("core", "token", "list", "--config", config.toString());
        assertThat(listed.exit()).as(listed.err()).isZero();
        String line = listed.out().lines().filter(l -> l.contains("cli-viewer")).findFirst().orElseThrow();
        assertThat(line).contains("viewer").contains("cli").contains("active").doesNotContain(secret);
        String id = line.split("\\s+")[0];

        Run revoked = run("core", "token", "revoke", "--config", config.toString(), id);
        assertThat(revoked.exit()).as(revoked.err()).isZero();
        assertThat(revoked.out()).contains("revoked");
        assertThat(run("core", "token", "list", "--config", config.toString()).out().lines()
                .filter(l -> l.contains("cli-viewer")).findFirst().orElseThrow()).contains("revoked");

        Run bad = run("core", "token", "create", "--config", config.toString(), "--role", "viewer", "--tenant", "cli", "--expires", "forever");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("expires");
    }
}
