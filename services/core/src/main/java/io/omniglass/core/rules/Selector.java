package io.omniglass.core.rules;

import java.util.regex.Pattern;

/** An owner glob ({@code component:pump-*}, {@code *}): '*' any run of characters, '?' one. */
public record Selector(String glob, Pattern pattern) {

    public static Selector of(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("selector is required, e.g. component:pump-*");
        }
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new Selector(glob, Pattern.compile(re.toString()));
    }

    public boolean matches(String owner) {
        return pattern.matcher(owner).matches();
    }

    /** The SQL LIKE pattern equivalent to the glob (for the scheduled checks over stored series). */
    public String likePattern() {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append('%');
                case '?' -> sb.append('_');
                case '%', '_', '\\' -> sb.append('\\').append(c);
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
