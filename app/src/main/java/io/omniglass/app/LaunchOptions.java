package io.omniglass.app;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The console's command line: {@code [--url URL] [--token-file FILE] [--theme light|dark]
 * [--tenant SLUG] [--check] [--tour DIR]}. {@code --check} connects, opens the main window,
 * prints what it sees and exits (0 when connected): the installer smoke test. {@code --tour}
 * visits every screen and captures it (ImageMagick {@code import}) into DIR, for the docs.
 */
public record LaunchOptions(String url, Path tokenFile, String theme, String tenant, boolean check, Path tour) {

    public LaunchOptions(String url, Path tokenFile, String theme) {
        this(url, tokenFile, theme, null, false, null);
    }

    public static LaunchOptions parse(List<String> args) {
        String url = null;
        Path tokenFile = null;
        String theme = null;
        String tenant = null;
        boolean check = false;
        Path tour = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = null;
            String name = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size() && a.startsWith("--")) {
                value = args.get(i + 1);
            }
            switch (name) {
                case "--url" -> url = need(name, value);
                case "--token-file" -> tokenFile = Paths.get(need(name, value));
                case "--theme" -> theme = need(name, value);
                case "--tenant" -> tenant = need(name, value);
                case "--tour" -> tour = Paths.get(need(name, value));
                case "--check" -> {
                    check = true;
                    continue; // a flag: it takes no value
                }
                case "-h", "--help" -> throw new IllegalArgumentException(usage());
                default -> throw new IllegalArgumentException("unknown option '" + a + "'\n" + usage());
            }
            if (eq < 0) {
                i++;
            }
        }
        return new LaunchOptions(url, tokenFile, theme, tenant, check, tour);
    }

    private static String need(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " needs a value\n" + usage());
        }
        return value;
    }

    public static String usage() {
        return "usage: omniglass console [--url URL[,URL...]] [--token-file FILE] [--theme light|dark] [--tenant SLUG] [--check]";
    }
}
