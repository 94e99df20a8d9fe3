package io.omniglass.core.access;

/** What a token may do; each role includes the ones before it. */
public enum Role {
    viewer, operator, admin;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }
}
