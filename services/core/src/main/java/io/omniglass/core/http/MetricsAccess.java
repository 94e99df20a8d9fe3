package io.omniglass.core.http;

import io.omniglass.core.access.Principal;

import java.util.Optional;

/**
 * {@code GET /metrics} needs no token for the deployment's own figures (JVM, gateway, totals), but
 * a tenant-labelled series names a customer: without a token those are left out, with one only the
 * tenants the token can see remain (issue 16, finding 13).
 */
final class MetricsAccess {

    private static final String LABEL = "tenant=\"";

    private MetricsAccess() {
    }

    static String visible(String scrape, Optional<Principal> principal) {
        if (principal.isPresent() && principal.get().tenant().isEmpty()) {
            return scrape;
        }
        StringBuilder out = new StringBuilder(scrape.length());
        int start = 0;
        while (start < scrape.length()) {
            int end = scrape.indexOf('\n', start);
            if (end < 0) {
                end = scrape.length() - 1;
            }
            if (shown(scrape, start, end, principal)) {
                out.append(scrape, start, end + 1);
            }
            start = end + 1;
        }
        return out.toString();
    }

    private static boolean shown(String s, int start, int end, Optional<Principal> principal) {
        if (s.charAt(start) == '#') {
            return true;
        }
        int brace = s.indexOf('{', start);
        if (brace < 0 || brace > end) {
            return true;
        }
        int close = s.indexOf('}', brace);
        int label = s.indexOf(LABEL, brace);
        if (label < 0 || label > close) {
            return true;
        }
        // the label starts the label set or follows a comma: not some other label ending in "tenant"
        char before = s.charAt(label - 1);
        if (before != '{' && before != ',') {
            return true;
        }
        int from = label + LABEL.length();
        int to = s.indexOf('"', from);
        return principal.isPresent() && to > from && principal.get().canSeeTenant(s.substring(from, to));
    }
}
