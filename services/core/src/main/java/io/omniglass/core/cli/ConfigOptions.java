package io.omniglass.core.cli;

import io.omniglass.core.runtime.OmniglassConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** --config FILE, shared by the commands that reach the core. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config (keys: data_dir, pg_url, nats_url, http_port, nats_server_bin)")
    Path configFile;

    OmniglassConfig load() {
        return OmniglassConfig.load(Optional.ofNullable(configFile));
    }
}
